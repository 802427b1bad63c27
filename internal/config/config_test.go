package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/config"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "se.env")
	if err := os.WriteFile(file, []byte("# comment\nDATABASE_URL=sqlite:from-file.db\nSALESENGINE_LOG_LEVEL=warn\nexport SALESENGINE_LOG_FORMAT=\"json\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": "sqlite:from-env.db", "SALESENGINE_LOG_LEVEL": "debug"}
	c, err := config.Load(config.LoadOptions{File: file, Env: envOf(env), Flags: map[string]string{"DATABASE_URL": "sqlite:from-flag.db"}})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name, want string
		src        config.Source
	}{
		{"DATABASE_URL", "sqlite:from-flag.db", config.SourceFlag},
		{"SALESENGINE_LOG_LEVEL", "debug", config.SourceEnv},
		{"SALESENGINE_LOG_FORMAT", "json", config.SourceFile},
		{"DB_PORT", "5432", config.SourceDefault},
	}
	for _, ch := range checks {
		if got := c.Get(ch.name); got != ch.want || c.Source(ch.name) != ch.src {
			t.Errorf("%s = %q from %s, want %q from %s", ch.name, got, c.Source(ch.name), ch.want, ch.src)
		}
	}
}

func TestSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "db_password")
	if err := os.WriteFile(secret, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.LoadOptions{File: filepath.Join("testdata", "empty.env"), Env: envOf(map[string]string{"DB_PASSWORD_FILE": secret})})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Get("DB_PASSWORD"); got != "s3cr3t" {
		t.Errorf("DB_PASSWORD from _FILE = %q, want s3cr3t (trailing newline trimmed)", got)
	}
	_, err = config.Load(config.LoadOptions{File: filepath.Join("testdata", "empty.env"), Env: envOf(map[string]string{"DATABASE_URL_FILE": filepath.Join(dir, "absent")})})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL_FILE") || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing _FILE: %v", err)
	}
	// A non-secret variable has no _FILE form: it must not be read.
	c, err = config.Load(config.LoadOptions{File: filepath.Join("testdata", "empty.env"), Env: envOf(map[string]string{"DB_HOST_FILE": secret})})
	if err != nil || c.Get("DB_HOST") != "" {
		t.Errorf("DB_HOST_FILE was read: %q, %v", c.Get("DB_HOST"), err)
	}
}

func TestMissingConfigFile(t *testing.T) {
	t.Parallel()
	_, err := config.Load(config.LoadOptions{File: filepath.Join(t.TempDir(), "nope.env"), Env: envOf(nil)})
	if err == nil || !strings.Contains(err.Error(), "--config") || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing --config file: %v", err)
	}
}

func TestParsers(t *testing.T) {
	t.Parallel()
	c, err := config.Load(config.LoadOptions{File: filepath.Join("testdata", "empty.env"), Env: envOf(map[string]string{"DB_PORT": "abc"})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Int("DB_PORT"); err == nil || !strings.Contains(err.Error(), `DB_PORT="abc"`) {
		t.Errorf("Int(abc): %v", err)
	}
	c.Set("DB_PORT", "90s", config.SourceFlag)
	if d, err := c.Duration("DB_PORT"); err != nil || d.Seconds() != 90 {
		t.Errorf("Duration(90s) = %v, %v", d, err)
	}
	c.Set("DB_PORT", "45", config.SourceFlag)
	if d, err := c.Duration("DB_PORT"); err != nil || d.Seconds() != 45 {
		t.Errorf("Duration(45) = %v, %v", d, err)
	}
	for in, want := range map[string]bool{"true": true, "1": true, "YES": true, "false": false, "0": false, "": false} {
		c.Set("DB_PORT", in, config.SourceFlag)
		if got, err := c.Bool("DB_PORT"); err != nil || got != want {
			t.Errorf("Bool(%q) = %v, %v", in, got, err)
		}
	}
	c.Set("DB_PORT", "maybe", config.SourceFlag)
	if _, err := c.Bool("DB_PORT"); err == nil {
		t.Error("Bool(maybe) succeeded")
	}
}

// TestDocumented keeps the configuration table of docs/configuration.md and .env.example in step with the
// registry.
func TestDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars {
		if !strings.Contains(string(doc), "`"+v.Name+"`") {
			t.Errorf("docs/configuration.md does not document %s", v.Name)
		}
		if !strings.Contains(string(example), v.Name+"=") {
			t.Errorf(".env.example does not list %s", v.Name)
		}
	}
}

// TestUnknownKeysInTheFile: a key of the config file with one of Sales Engine's prefixes that names no variable
// (a typo) is refused with the closest name; other tools' keys, aliases and _FILE forms pass.
func TestUnknownKeysInTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for content, want := range map[string]string{
		"SALESENGINE_WEBHOOK_TIMOUT=5s\n":          "SALESENGINE_WEBHOOK_TIMOUT is not a Sales Engine setting (did you mean SALESENGINE_WEBHOOK_TIMEOUT?)",
		"POLLER_ENCRYPTON_KEY=x\n":                 "POLLER_ENCRYPTON_KEY is not a Sales Engine setting (did you mean POLLER_ENCRYPTION_KEY?)",
		"SALESENGINE_SOMETHING_ELSE_ENTIRELY=1\n":  "SALESENGINE_SOMETHING_ELSE_ENTIRELY is not a Sales Engine setting",
		"POSTGRES_PASSWORD=x\nCOMPOSE_PROJECT=y\n": "",
		"SALESENGINE_UI_TOKEN_FILE=" + filepath.Join(dir, "se.env") + "\nPOLLER_ENCRYPTION_KEY=k\n": "",
	} {
		file := filepath.Join(dir, "se.env")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(config.LoadOptions{File: file, Env: envOf(nil)})
		var uk *config.UnknownKeyError
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", content, err)
		case want != "" && (!errors.As(err, &uk) || err.Error() != file+": "+want):
			t.Errorf("%q: %v, want %q", content, err, want)
		}
	}
}

// TestConfigNeverShowsSecrets: a Config printed by mistake, in any verb, logged, or as the value of a panic that
// an HTTP server recovers and logs, names what is set but shows no secret.
func TestConfigNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{"DATABASE_URL": "postgres://u:db-password-1@h/db", "SALESENGINE_ENCRYPTION_KEY": "fernet-key-2",
		"SALESENGINE_UI_TOKEN": "ui-token-3", "ODOO_PASSWORD": "odoo-key-4", "POLLER_DEFAULT_WEBHOOK_SECRET": "whsec_c2VjcmV0NQ=="}
	env := map[string]string{"SALESENGINE_LOG_LEVEL": "debug"}
	for k, v := range secrets {
		env[k] = v
	}
	c, err := config.LoadMap(env)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("settings", "config", c)
	var errLog bytes.Buffer
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(c) }))
	srv.Config.ErrorLog = log.New(&errLog, "", 0)
	srv.Start()
	if resp, err := http.Get(srv.URL); err == nil {
		resp.Body.Close()
	}
	srv.Close()
	shown := map[string]string{"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", c), "%v of the value": fmt.Sprintf("%v", *c), "slog": logged.String(), "a recovered panic": errLog.String()}
	for how, s := range shown {
		for name, v := range secrets {
			if strings.Contains(s, strings.TrimPrefix(strings.TrimPrefix(v, "postgres://u:"), "whsec_")) || strings.Contains(s, "db-password-1") {
				t.Errorf("%s shows %s: %s", how, name, s)
			}
		}
	}
	if !strings.Contains(shown["%v"], `SALESENGINE_LOG_LEVEL="debug" (environment)`) || !strings.Contains(shown["%v"], "SALESENGINE_UI_TOKEN=<set>") ||
		!strings.Contains(shown["a recovered panic"], "panic") {
		t.Errorf("what is set is not named: %v\n%s", shown["%v"], shown["a recovered panic"])
	}
}
