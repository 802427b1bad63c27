package cli

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoServesDashboard runs 'demo' as a real process: at its end it serves the dashboard on its data and
// prints the URL, which answers with the overview of the demo's connection. The port asked for is taken, so it
// serves on a free one. Ctrl-C (SIGINT) stops it cleanly.
func TestDemoServesDashboard(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, _ := childCommand(os.Args[0], []string{"--config", filepath.Join(dir, "empty.env"), "demo", "--skus", "20", "--years", "1",
		"--db", filepath.Join(dir, "demo.db"), "--addr", taken.Addr().String()})
	out := &lockedBuffer{} // read while the demo writes
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	urlLine := regexp.MustCompile(`(?m)^Dashboard: (http://127\.0\.0\.1:(\d+)/)$`)
	var m []string
	deadline := time.Now().Add(120 * time.Second)
	for m == nil {
		select {
		case err := <-exited:
			t.Fatalf("demo exited before serving: %v\n%s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dashboard URL printed:\n%s", out)
		}
		m = urlLine.FindStringSubmatch(out.String())
	}
	if strings.HasSuffix(taken.Addr().String(), ":"+m[2]) {
		t.Fatalf("the demo says it serves on the taken port %s", m[2])
	}
	for path, want := range map[string]string{"": `data-connection="demo"`, "connections": `id="c-1"`, "webhooks": `data-queue="demo"`} {
		resp, body := httpGet(t, m[1]+path, "")
		if resp != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s%s = %d, want 200 with %q", m[1], path, resp, want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(out.String(), "stopped") {
			t.Errorf("demo after Ctrl-C: %v\n%s", err, out)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("demo still running 60 s after Ctrl-C:\n%s", out)
	}
}
