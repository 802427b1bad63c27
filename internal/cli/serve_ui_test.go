package cli

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/salesengine/salesengine/internal/browsertest"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// httpGet answers a GET with an optional bearer token: the status and the body.
func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeDashboardLogin runs serve as a real process on every interface (0.0.0.0): without
// SALESENGINE_UI_TOKEN it refuses to start, naming the variable; with it, a real browser logs in through the
// form and sees the overview; /metrics asks for the token unless SALESENGINE_METRICS_PUBLIC=true, and /livez and
// /readyz never do.
func TestServeDashboardLogin(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin")
	_, port, _ := net.SplitHostPort(freeAddr(t))
	addr, base := "0.0.0.0:"+port, "http://127.0.0.1:"+port
	env := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off", "SALESENGINE_SHUTDOWN_TIMEOUT": "3s"}
	args := []string{"--config", filepath.Join(ce.dir, "empty.env"), "serve", "--addr", addr}

	refused, out := childCommand(os.Args[0], args, ce.env, env)
	var exit *exec.ExitError
	if err := refused.Run(); !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out.String(), "SALESENGINE_UI_TOKEN") {
		t.Fatalf("serve on %s without a token: %v, want exit 2 naming SALESENGINE_UI_TOKEN:\n%s", addr, err, out)
	}

	const token = "ui-token-of-the-test-7c1f0a"
	serve := func(extra map[string]string) func() {
		t.Helper()
		e := map[string]string{"SALESENGINE_UI_TOKEN": token}
		for k, v := range extra {
			e[k] = v
		}
		cmd, out := startChild(t, args, ce.env, env, e)
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		waitUntil(t, "serve listening", func() bool {
			if cmd.ProcessState != nil {
				t.Fatalf("serve exited:\n%s", out)
			}
			code, _ := httpGet(t, base+"/livez", "")
			return code == http.StatusOK
		})
		return func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Errorf("serve after SIGTERM: %v\n%s", err, out)
			}
		}
	}
	stop := serve(nil)
	for path, want := range map[string]int{"/livez": 200, "/readyz": 200, "/metrics": 401, "/": 401, "/webhooks": 401} {
		if code, _ := httpGet(t, base+path, ""); code != want {
			t.Errorf("GET %s without the token = %d, want %d", path, code, want)
		}
	}
	if code, body := httpGet(t, base+"/metrics", token); code != 200 || !strings.Contains(body, "salesengine_") {
		t.Errorf("GET /metrics with the bearer token = %d", code)
	}

	ctx := browsertest.New(t, 390, 844)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/connections"),
		chromedp.WaitVisible(`input#token`), // sent to the login form
		chromedp.SendKeys(`input#token`, token),
		chromedp.Submit(`input#token`),
		chromedp.WaitVisible(`tr[data-connection="acme"]`), // back where it was going, logged in
	); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`header nav a[href="/"]`), chromedp.WaitVisible(`section[data-connection="acme"]`)); err != nil {
		t.Fatal(err)
	}
	if h := browsertest.Must(chromedp.Run(ctx, chromedp.Text("h1")))(t); h != "Resumen" {
		t.Errorf("after login the overview's heading is %q", h)
	}
	stop()

	// SALESENGINE_METRICS_PUBLIC=true opens /metrics only.
	stop = serve(map[string]string{"SALESENGINE_METRICS_PUBLIC": "true"})
	if code, _ := httpGet(t, base+"/metrics", ""); code != 200 {
		t.Errorf("public /metrics without the token = %d", code)
	}
	if code, _ := httpGet(t, base+"/", ""); code != 401 {
		t.Errorf("the dashboard with public metrics, without the token = %d", code)
	}
	stop()
}
