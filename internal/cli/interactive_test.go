package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
)

// TestConnectionsAddInteractive answers `connections add`'s questions on a real terminal (a tmux pane): the
// API key is read without echo and the generated webhook secret is shown once.
func TestConnectionsAddInteractive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, _ := secret.GenerateKey()
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	script := "SALESENGINE_TEST_AS_CLI=1 SALESENGINE_ENCRYPTION_KEY=" + key + " DATABASE_URL=sqlite:" + filepath.Join(dir, "se.db") +
		" SALESENGINE_LOG_LEVEL=warn " + os.Args[0] + " --config " + filepath.Join(dir, "empty.env") + " connections add"
	pane := startPane(t, dir, script)
	for _, a := range []struct{ prompt, answer string }{
		{"Name:", "acme"}, {"Odoo URL", "https://acme.odoo.com"}, {"Database:", "acme"}, {"Login:", "api@acme.mx"},
		{"API key or password (hidden):", "very-secret-key-9"}, {"Protocol", ""}, {"Webhook URL", "https://inventory.example/hook"},
		{"Webhook secret", ""}, {"Poll interval", "5m"},
	} {
		pane.answer(t, a.prompt, a.answer)
	}
	screen := pane.finish(t)
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

// pane is a command running on a real terminal: a tmux pane.
type pane struct {
	sock, session string
	screen        string // what the pane showed, minus the prompts already answered
}

// startPane runs script in a new tmux pane (skipping the test without tmux); its exit code shows as EXIT=n.
func startPane(t *testing.T, dir, script string) *pane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the interactive prompts need a real terminal to test")
	}
	p := &pane{sock: filepath.Join(dir, "tmux.sock"), session: "se-" + filepath.Base(dir)}
	p.tmux(t, "new-session", "-d", "-s", p.session, "-x", "200", "-y", "50", script+"; echo EXIT=$?; sleep 60")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

func (p *pane) tmux(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// waitFor polls the pane until it shows text.
func (p *pane) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.screen, text) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared:\n%s", text, p.screen)
		}
		time.Sleep(50 * time.Millisecond)
		p.screen = p.tmux(t, "capture-pane", "-p", "-t", p.session)
	}
}

// answer waits for a prompt and types a line.
func (p *pane) answer(t *testing.T, prompt, line string) {
	t.Helper()
	p.waitFor(t, prompt)
	p.tmux(t, "send-keys", "-t", p.session, line, "Enter")
	p.screen = strings.Replace(p.screen, prompt, "", 1)
}

// finish waits for the command to exit and returns the screen.
func (p *pane) finish(t *testing.T) string {
	t.Helper()
	p.waitFor(t, "EXIT=")
	return p.screen
}

// paneScript is the shell command running salesengine with ce's environment and args in a pane.
func (ce *crashEnv) paneScript(args ...string) string {
	var b strings.Builder
	b.WriteString("SALESENGINE_TEST_AS_CLI=1")
	for k, v := range ce.env {
		b.WriteString(" " + k + "=" + v)
	}
	b.WriteString(" " + os.Args[0] + " --config " + filepath.Join(ce.dir, "empty.env") + " " + strings.Join(args, " "))
	return b.String()
}

// TestShowSecretAndDeleteInteractive: on a terminal, show-secret asks before printing the secret; delete of a
// connection with webhook events never delivered refuses without --yes, without even asking.
func TestShowSecretAndDeleteInteractive(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	r := ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--webhook-url", "http://127.0.0.1:1/hook")
	secret := strings.Fields(r.stdout[strings.Index(r.stdout, "whsec_"):])[0]

	no := startPane(t, ce.dir, ce.paneScript("connections", "show-secret", "acme"))
	no.answer(t, `Print the webhook signing secret of "acme" on this screen? (y/N):`, "n")
	if screen := no.finish(t); !strings.Contains(screen, "nothing printed") || strings.Contains(screen, secret) || !strings.Contains(screen, "EXIT=0") {
		t.Errorf("show-secret answered no:\n%s", screen)
	}
	sub := t.TempDir() // a pane of its own (its socket lives in the directory)
	yes := startPane(t, sub, ce.paneScript("connections", "show-secret", "acme"))
	yes.answer(t, "on this screen? (y/N):", "y")
	if screen := yes.finish(t); !strings.Contains(screen, secret) || !strings.Contains(screen, "EXIT=0") {
		t.Errorf("show-secret answered yes:\n%s", screen)
	}

	ce.cli(t, "sync", "--no-deliver")
	if _, err := ce.srv.SimulateActivity(15, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	ce.cli(t, "sync", "--no-deliver")
	del := startPane(t, t.TempDir(), ce.paneScript("connections", "delete", "acme"))
	screen := del.finish(t)
	if !strings.Contains(screen, "were never delivered") || !strings.Contains(screen, "EXIT=2") || strings.Contains(screen, "Delete connection") {
		t.Errorf("delete on a terminal with undelivered events:\n%s", screen)
	}
	if ce.count(t, "SELECT COUNT(*) FROM connections") != 1 {
		t.Error("the connection was deleted")
	}
}
