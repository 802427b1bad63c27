package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/secret"
)

// TestConnectionsAddInteractive answers `connections add`'s questions on a real terminal (a tmux pane): the
// API key is read without echo and the generated webhook secret is shown once.
func TestConnectionsAddInteractive(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the interactive prompts need a real terminal to test")
	}
	dir := t.TempDir()
	key, _ := secret.GenerateKey()
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	session := "se-add-" + filepath.Base(dir)
	sock := filepath.Join(dir, "tmux.sock")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	script := "SALESENGINE_TEST_AS_CLI=1 SALESENGINE_ENCRYPTION_KEY=" + key + " DATABASE_URL=sqlite:" + filepath.Join(dir, "se.db") +
		" SALESENGINE_LOG_LEVEL=warn " + os.Args[0] + " --config " + filepath.Join(dir, "empty.env") + " connections add; echo EXIT=$?; sleep 60"
	tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
	answers := []struct{ prompt, answer string }{
		{"Name:", "acme"}, {"Odoo URL", "https://acme.odoo.com"}, {"Database:", "acme"}, {"Login:", "api@acme.mx"},
		{"API key or password (hidden):", "very-secret-key-9"}, {"Protocol", ""}, {"Webhook URL", "https://inventory.example/hook"},
		{"Webhook secret", ""}, {"Poll interval", "5m"},
	}
	screen := ""
	for _, a := range answers {
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(screen, a.prompt) {
			if time.Now().After(deadline) {
				t.Fatalf("prompt %q never appeared:\n%s", a.prompt, screen)
			}
			time.Sleep(50 * time.Millisecond)
			screen = tmux("capture-pane", "-p", "-t", session)
		}
		tmux("send-keys", "-t", session, a.answer, "Enter")
		screen = strings.Replace(screen, a.prompt, "", 1)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(screen, "EXIT=") {
		if time.Now().After(deadline) {
			t.Fatalf("add did not finish:\n%s", screen)
		}
		time.Sleep(50 * time.Millisecond)
		screen = tmux("capture-pane", "-p", "-t", session)
	}
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, `added connection 1 "acme"`) || !strings.Contains(screen, "whsec_") {
		t.Fatalf("add failed:\n%s", screen)
	}
	if strings.Contains(screen, "very-secret-key-9") {
		t.Errorf("the API key was echoed:\n%s", screen)
	}
	r := run(t, map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "se.db"), "SALESENGINE_ENCRYPTION_KEY": key},
		"--config", filepath.Join(dir, "empty.env"), "connections", "list", "--json")
	if !strings.Contains(r.stdout, `"protocol": "auto"`) || !strings.Contains(r.stdout, `"poll_interval": "5m0s"`) ||
		!strings.Contains(r.stdout, `"webhook_url": "https://inventory.example/hook"`) {
		t.Errorf("stored connection: %s", r.stdout)
	}
}
