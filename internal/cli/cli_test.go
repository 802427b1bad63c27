package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

type result struct {
	code           int
	stdout, stderr string
}

// run executes the command line in-process with its own environment and working directory.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errb, lookup)
	return result{code, out.String(), errb.String()}
}

// isolated gives a test a config file of its own, so a stray .env in the package directory cannot leak in.
func isolated(t *testing.T) (dir string, env map[string]string) {
	dir = t.TempDir()
	cfg := filepath.Join(dir, "test.env")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "se.db")}
}

func TestEveryCommandIsDocumented(t *testing.T) {
	t.Parallel()
	app := &App{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" || c.Long == "" || (c.Example == "" && c.Runnable()) {
			t.Errorf("%s lacks a summary, a description or examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(app.rootCommand())
}

func TestVersion(t *testing.T) {
	t.Parallel()
	_, env := isolated(t)
	r := run(t, env, "version")
	if r.code != 0 || !strings.Contains(r.stdout, "salesengine ") || !strings.Contains(r.stdout, "go: go1.") {
		t.Errorf("version: %+v", r)
	}
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	r := run(t, env, "--config", cfg, "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "applied 0001_initial") {
		t.Fatalf("first migrate: %+v", r)
	}
	r = run(t, env, "--config", cfg, "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "schema is up to date") {
		t.Fatalf("second migrate: %+v", r)
	}
	r = run(t, env, "--config", cfg, "migrate", "--status", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"Applied": true`) {
		t.Fatalf("status: %+v", r)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	for _, args := range [][]string{
		{"frobnicate"},
		{"migrate", "--bogus"},
		{"version", "extra"},
		{"--log-level", "loud", "version"},
		{"--log-format", "xml", "version"},
	} {
		r := run(t, env, append([]string{"--config", cfg}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "Error: ") || !strings.Contains(r.stderr, "Hint: ") {
			t.Errorf("%v: code %d, stderr %q; want exit 2 with an error and a hint", args, r.code, r.stderr)
		}
	}
}

func TestBadDatabaseURL(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	cases := map[string]string{
		"mysql://root:pw@h/db": "unsupported database scheme",
		"postgres://":          "no host",
		"postgres://u:pw@127.0.0.1:1/db?connect_timeout=5": "cannot reach PostgreSQL",
		"sqlite:" + filepath.Join(dir, "missing", "x.db"):  "does not exist",
	}
	for url, want := range cases {
		r := run(t, env, "--config", cfg, "--database-url", url, "migrate")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "DATABASE_URL: ") || !strings.Contains(lines[0], want) {
			t.Errorf("%s: code %d, stderr %q; want exit 1 and one line naming DATABASE_URL saying %q", url, r.code, r.stderr, want)
		}
	}
}

func TestConnectionsLifecycle(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	r := run(t, env, "--config", cfg, "key", "generate")
	if r.code != 0 || len(strings.TrimSpace(r.stdout)) != 44 {
		t.Fatalf("key generate: %+v", r)
	}
	key := strings.TrimSpace(r.stdout)
	// Without a key, adding is refused with how to fix it.
	r = run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "acme", "--url", "https://acme.odoo.com",
		"--database", "acme", "--username", "api", "--api-key", "k-123")
	if r.code != 1 || !strings.Contains(r.stderr, "salesengine key generate") {
		t.Errorf("add without a key: %+v", r)
	}
	env["SALESENGINE_ENCRYPTION_KEY"] = key
	r = run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "acme", "--url", "https://acme.odoo.com",
		"--database", "acme", "--username", "api", "--api-key", "k-123", "--webhook-url", "https://inv.example/hook")
	if r.code != 0 || !strings.Contains(r.stdout, "whsec_") {
		t.Fatalf("add: %+v", r)
	}
	r = run(t, env, "--config", cfg, "add", "--no-input", "--name", "acme", "--url", "https://x.odoo.com", "--database", "x", "--username", "u", "--api-key", "k")
	if r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate add via the alias: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "beta")
	if r.code != 2 || !strings.Contains(r.stderr, "Odoo URL (--url) is required") {
		t.Errorf("incomplete add: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "list", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"api_key": "set (encrypted)"`) || strings.Contains(r.stdout, "k-123") {
		t.Errorf("list: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "edit", "acme", "--poll-interval", "5m")
	if r.code != 0 {
		t.Errorf("edit: %+v", r)
	}
	r = run(t, env, "--config", cfg, "list")
	if r.code != 0 || !strings.Contains(r.stdout, "5m0s") {
		t.Errorf("list after edit: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "edit", "nope", "--poll-interval", "5m")
	if r.code != 2 || !strings.Contains(r.stderr, `no connection "nope"`) {
		t.Errorf("edit unknown: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "delete", "acme")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") || !strings.Contains(r.stderr, "0 orders") {
		t.Errorf("delete without --yes on a non-terminal: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "delete", "acme", "--yes")
	if r.code != 0 {
		t.Errorf("delete --yes: %+v", r)
	}
	r = run(t, env, "--config", cfg, "connections", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "no connections yet") {
		t.Errorf("list after delete: %+v", r)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	r := run(t, env, "--config", filepath.Join(dir, "test.env"), "demo", "--no-serve", "--skus", "20", "--years", "1",
		"--db", filepath.Join(dir, "demo.db"))
	if r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	for _, want := range []string{"1. First sync", "initial sync of Odoo 17.0", "incremental sync of Odoo 17.0", "signature=valid", "Done in"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "the receiver verified 0 events") {
		t.Errorf("no webhook arrived:\n%s", r.stdout)
	}
}
