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

// pane runs a command line in a real terminal (a tmux pane) and answers its prompts.
type pane struct {
	t        *testing.T
	sock     string
	session  string
	answered map[string]int // how often each prompt was answered: a prompt asked again appears once more
}

// startPane starts script in a new tmux pane; the test is skipped where tmux is missing.
func startPane(t *testing.T, dir, script string) *pane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the interactive prompts need a real terminal to test")
	}
	p := &pane{t: t, sock: filepath.Join(dir, "tmux.sock"), session: "se-" + filepath.Base(dir), answered: map[string]int{}}
	p.tmux("new-session", "-d", "-s", p.session, "-x", "200", "-y", "60", script+"; echo EXIT=$?; sleep 60")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (p *pane) screen() string { return p.tmux("capture-pane", "-p", "-t", p.session) }

// waitFor waits until the screen shows text n times and returns the screen.
func (p *pane) waitFor(text string, n int) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		screen := p.screen()
		if strings.Count(screen, text) >= n {
			return screen
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%q never appeared (%d times):\n%s", text, n, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// answer waits for the next showing of prompt and types answer.
func (p *pane) answer(prompt, answer string) {
	p.t.Helper()
	p.answered[prompt]++
	p.waitFor(prompt, p.answered[prompt])
	p.tmux("send-keys", "-t", p.session, answer, "Enter")
}

// finish waits for the command to exit (the pane shows EXIT=n) and returns the screen.
func (p *pane) finish() string {
	p.t.Helper()
	return p.waitFor("EXIT=", 1)
}

// addScript is the shell line that runs 'connections add' in dir's database with key, then prints its exit code.
func addScript(dir, key string) string {
	return "SALESENGINE_TEST_AS_CLI=1 SALESENGINE_ENCRYPTION_KEY=" + key + " DATABASE_URL=sqlite:" + filepath.Join(dir, "se.db") +
		" SALESENGINE_LOG_LEVEL=warn " + os.Args[0] + " --config " + filepath.Join(dir, "empty.env") + " connections add"
}

// TestConnectionsAddInteractive answers `connections add`'s questions on a real terminal (a tmux pane): every
// answer is checked when it is given, a wrong one is explained and asked again without losing the others, the
// API key is read without echo and the generated webhook secret is shown once.
func TestConnectionsAddInteractive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, _ := secret.GenerateKey()
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "se.db"), "SALESENGINE_ENCRYPTION_KEY": key}
	if r := run(t, env, "--config", filepath.Join(dir, "empty.env"), "connections", "add", "--no-input", "--name", "beta",
		"--url", "https://beta.odoo.com", "--database", "beta", "--username", "api", "--api-key", "k"); r.code != 0 {
		t.Fatalf("add beta: %+v", r)
	}
	p := startPane(t, dir, addScript(dir, key))
	for _, a := range []struct{ prompt, answer string }{
		{"Name:", "beta"}, {"Name:", "123"}, {"Name:", "acme"},
		{"Odoo URL (https://...):", "https://acme.odoo.com/web"}, {"Odoo URL (https://...):", "https://acme.odoo.com"},
		{"Protocol (auto, json2, jsonrpc, xmlrpc) [auto]:", "soap"}, {"Protocol (auto, json2, jsonrpc, xmlrpc) [auto]:", ""},
		{"Database:", ""}, {"Database:", "acme"}, {"Login:", "api@acme.mx"},
		{"API key or password (hidden):", ""}, {"API key or password (hidden):", "very-secret-key-9"},
		{"Webhook URL", "ftp://inventory.example"}, {"Webhook URL", "https://inventory.example/hook"},
		{"Webhook secret", "whsec_short"}, {"Webhook secret", ""},
		{"Poll interval [1m0s]:", "5"}, {"Poll interval [1m0s]:", "5s"}, {"Poll interval [1m0s]:", "5m"},
	} {
		p.answer(a.prompt, a.answer)
	}
	screen := p.waitFor("EXIT=", 1)
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, `added connection 2 "acme"`) || !strings.Contains(screen, "whsec_") {
		t.Fatalf("add failed:\n%s", screen)
	}
	for _, said := range []string{`! a connection named "beta" already exists`, `! name "123" is a number`,
		"! Odoo URL \"https://acme.odoo.com/web\" is a page of Odoo's web client: give the server root, https://acme.odoo.com",
		`! protocol "soap" is not one of`, "! database is required", "! API key or password is required",
		"! webhook URL \"ftp://inventory.example\" is not an http(s) URL", "! webhook secret:",
		`! poll interval "5" is not a duration`, "! poll interval 5s is below the minimum 10s"} {
		if !strings.Contains(screen, said) {
			t.Errorf("the screen does not say %q:\n%s", said, screen)
		}
	}
	if strings.Contains(screen, "very-secret-key-9") {
		t.Errorf("the API key was echoed:\n%s", screen)
	}
	r := run(t, env, "--config", filepath.Join(dir, "empty.env"), "connections", "list", "--json")
	if !strings.Contains(r.stdout, `"protocol": "auto"`) || !strings.Contains(r.stdout, `"poll_interval": "5m0s"`) ||
		!strings.Contains(r.stdout, `"webhook_url": "https://inventory.example/hook"`) || !strings.Contains(r.stdout, `"url": "https://acme.odoo.com"`) ||
		!strings.Contains(r.stdout, `"database": "acme"`) {
		t.Errorf("stored connection: %s", r.stdout)
	}
}

// TestConnectionsAddInteractiveBadKey: a malformed encryption key stops 'connections add' before the first
// question, so nothing typed is lost.
func TestConnectionsAddInteractiveBadKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPane(t, dir, addScript(dir, "not-a-fernet-key"))
	screen := p.waitFor("EXIT=", 1)
	if !strings.Contains(screen, "EXIT=2") || !strings.Contains(screen, "key 1 is not a Fernet key") || strings.Contains(screen, "Name:") {
		t.Errorf("add with a malformed key:\n%s", screen)
	}
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
	no.answer(`Print the webhook signing secret of "acme" on this screen? (y/N):`, "n")
	if screen := no.finish(); !strings.Contains(screen, "nothing printed") || strings.Contains(screen, secret) || !strings.Contains(screen, "EXIT=0") {
		t.Errorf("show-secret answered no:\n%s", screen)
	}
	sub := t.TempDir() // a pane of its own (its socket lives in the directory)
	yes := startPane(t, sub, ce.paneScript("connections", "show-secret", "acme"))
	yes.answer("on this screen? (y/N):", "y")
	if screen := yes.finish(); !strings.Contains(screen, secret) || !strings.Contains(screen, "EXIT=0") {
		t.Errorf("show-secret answered yes:\n%s", screen)
	}

	ce.cli(t, "sync", "--no-deliver")
	if _, err := ce.srv.SimulateActivity(15, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	ce.cli(t, "sync", "--no-deliver")
	del := startPane(t, t.TempDir(), ce.paneScript("connections", "delete", "acme"))
	screen := del.finish()
	if !strings.Contains(screen, "were never delivered") || !strings.Contains(screen, "EXIT=2") || strings.Contains(screen, "Delete connection") {
		t.Errorf("delete on a terminal with undelivered events:\n%s", screen)
	}
	if ce.count(t, "SELECT COUNT(*) FROM connections") != 1 {
		t.Error("the connection was deleted")
	}
}
