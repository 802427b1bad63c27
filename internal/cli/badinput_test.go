package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// badValues is a wrong value for every configuration variable, and a command that reads it. Each must stop
// that command with a usage error (exit 2) whose message names the variable, and no panic.
var badValues = []struct {
	name, value string
	env         map[string]string // what else the variable needs to be read
	args        []string
}{
	{"DATABASE_URL", "mysql://db.example/sales", nil, []string{"connections", "list"}},
	{"SALESENGINE_SQLITE_BUSY_TIMEOUT", "soon", nil, []string{"connections", "list"}},
	{"DB_HOST", "db host", map[string]string{"DATABASE_URL": ""}, []string{"connections", "list"}},
	{"DB_PORT", "five", map[string]string{"DATABASE_URL": "", "DB_HOST": "127.0.0.1"}, []string{"connections", "list"}},
	{"DB_NAME", "a/b", map[string]string{"DATABASE_URL": "", "DB_HOST": "127.0.0.1"}, []string{"connections", "list"}},
	{"DB_USER", "", map[string]string{"DATABASE_URL": "", "DB_HOST": "127.0.0.1", "DB_USER": " "}, []string{"connections", "list"}},
	{"DB_PASSWORD", "", nil, nil}, // any text is a password; a wrong one is PostgreSQL's refusal (exit 1), tested in dburl
	{"DB_SSLMODE", "sometimes", map[string]string{"DATABASE_URL": "", "DB_HOST": "127.0.0.1"}, []string{"connections", "list"}},
	{"SALESENGINE_ENCRYPTION_KEY", "not-a-fernet-key", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"ODOO_URL", "ftp://odoo.example", odooEnv, []string{"sync"}},
	{"ODOO_DB", "", map[string]string{"ODOO_URL": "https://odoo.example", "ODOO_USERNAME": "u", "ODOO_PASSWORD": "p"}, []string{"sync"}},
	{"ODOO_USERNAME", "", map[string]string{"ODOO_URL": "https://odoo.example", "ODOO_DB": "d", "ODOO_PASSWORD": "p"}, []string{"sync"}},
	{"ODOO_PASSWORD", "", map[string]string{"ODOO_URL": "https://odoo.example", "ODOO_DB": "d", "ODOO_USERNAME": "u"}, []string{"sync"}},
	{"ODOO_PROD_URL", "odoo.example:8069:x", prodEnv, []string{"sync"}},
	{"ODOO_PROD_DB", "", map[string]string{"ODOO_PROD_URL": "https://odoo.example", "ODOO_PROD_USERNAME": "u", "ODOO_PROD_PASSWORD": "p"}, []string{"sync"}},
	{"ODOO_PROD_USERNAME", "", map[string]string{"ODOO_PROD_URL": "https://odoo.example", "ODOO_PROD_DB": "d", "ODOO_PROD_PASSWORD": "p"}, []string{"sync"}},
	{"ODOO_PROD_PASSWORD", "", map[string]string{"ODOO_PROD_URL": "https://odoo.example", "ODOO_PROD_DB": "d", "ODOO_PROD_USERNAME": "u"}, []string{"sync"}},
	{"USE_TEST_ODOO", "maybe", nil, []string{"sync"}},
	{"ODOO_TEST_URL", "ftp://odoo.example", testOdooEnv, []string{"sync"}},
	{"ODOO_TEST_DB", "", map[string]string{"USE_TEST_ODOO": "true", "ODOO_TEST_URL": "https://odoo.example", "ODOO_TEST_USERNAME": "u", "ODOO_TEST_PASSWORD": "p"}, []string{"sync"}},
	{"ODOO_TEST_USERNAME", "", map[string]string{"USE_TEST_ODOO": "true", "ODOO_TEST_URL": "https://odoo.example", "ODOO_TEST_DB": "d", "ODOO_TEST_PASSWORD": "p"}, []string{"sync"}},
	{"ODOO_TEST_PASSWORD", "", map[string]string{"USE_TEST_ODOO": "true", "ODOO_TEST_URL": "https://odoo.example", "ODOO_TEST_DB": "d", "ODOO_TEST_USERNAME": "u"}, []string{"sync"}},
	{"POLLER_DEFAULT_WEBHOOK_URL", "file:///etc/passwd", nil, []string{"connections", "add", "--no-input", "--name", "acme",
		"--url", "https://odoo.example", "--database", "d", "--username", "u", "--api-key", "k"}},
	{"POLLER_DEFAULT_WEBHOOK_SECRET", "whsec_short", odooEnv, []string{"sync"}},
	{"SALESENGINE_WEBHOOK_ALLOW_PRIVATE", "maybe", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_TIMEOUT", "soon", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_MAX_ATTEMPTS", "many", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_CONCURRENCY", "0", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_WORKERS", "-3", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_RESCUE_AFTER", "1s", nil, []string{"deliver"}},
	{"SALESENGINE_CIRCUIT_COOLDOWN", "forever", nil, []string{"deliver"}},
	{"SALESENGINE_CIRCUIT_FAILURES", "0", nil, []string{"sync"}},
	{"SALESENGINE_WEBHOOK_CIRCUIT_RATIO", "70", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_CIRCUIT_WINDOW", "1ms", nil, []string{"deliver"}},
	{"SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS", "ten", nil, []string{"deliver"}},
	{"SALESENGINE_DELIVER_WAIT", "later", nil, []string{"deliver"}},
	{"SALESENGINE_SEND_HISTORY", "yes please", nil, []string{"sync"}},
	{"SALESENGINE_SYNC_PAGE_SIZE", "99999", nil, []string{"sync"}},
	{"SALESENGINE_SYNC_LAG", "0s", nil, []string{"sync"}},
	{"SALESENGINE_SYNC_RECHECK", "-1h", nil, []string{"sync"}},
	{"SALESENGINE_RECONCILE_RECENT_EVERY", "often", nil, []string{"sync"}},
	{"SALESENGINE_RECONCILE_EVERY", "daily", nil, []string{"sync"}},
	{"SALESENGINE_ODOO_TIMEOUT", "2 minutes", nil, []string{"sync"}},
	{"SALESENGINE_ODOO_RETRIES", "100", nil, []string{"sync"}},
	{"FORCE_FULL_SYNC", "perhaps", nil, []string{"sync"}},
	{"TEST_CONNECTIONS_ONLY", "perhaps", nil, []string{"run"}},
	{"SKIP_FORECAST", "perhaps", nil, []string{"run"}},
	{"FORECAST_ONLY", "perhaps", nil, []string{"run"}},
	{"SALESENGINE_FORECAST_HORIZON", "twelve", nil, []string{"forecast"}},
	{"SALESENGINE_FORECAST_LEVEL", "95%", nil, []string{"forecast"}},
	{"SALESENGINE_FORECAST_WINDOW", "all", nil, []string{"forecast"}},
	{"SALESENGINE_FORECAST_PARTIAL_MONTH", "half", nil, []string{"forecast"}},
	{"SALESENGINE_FORECAST_ROUND", "up", nil, []string{"forecast"}},
	{"SALESENGINE_FORECAST_SNAPSHOT_RETENTION", "10m", nil, []string{"forecast"}},
	{"SALESENGINE_SERVICE_LEVEL", "2", nil, []string{"plan"}},
	{"SALESENGINE_PLAN_ALTA_COVERAGE", "-1", nil, []string{"plan"}},
	{"SALESENGINE_PLAN_MEDIA_COVERAGE", "lots", nil, []string{"plan"}},
	{"SALESENGINE_SCHEDULE", "every day", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_FULL_SYNC_SCHEDULE", "61 * * * *", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_SHUTDOWN_TIMEOUT", "0s", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_SYNC_LOG_RETENTION", "10m", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_LEASE_TTL", "1s", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_UI_TOKEN", "short", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_METRICS_PUBLIC", "perhaps", nil, []string{"serve", "--addr", "127.0.0.1:0"}},
	{"SALESENGINE_TIMEZONE", "Mars/Olympus", nil, []string{"plan"}},
	{"SALESENGINE_LOG_LEVEL", "loud", nil, []string{"connections", "list"}},
	{"SALESENGINE_LOG_FORMAT", "xml", nil, []string{"connections", "list"}},
}

// serverRefuses are the variables whose wrong values only the server can refuse (a host, a database, a user
// that do not exist): a failure, exit 1, whose message names the setting the database came from.
var serverRefuses = map[string]bool{"DB_HOST": true, "DB_NAME": true, "DB_USER": true}

var (
	odooEnv     = map[string]string{"ODOO_URL": "https://odoo.example", "ODOO_DB": "d", "ODOO_USERNAME": "u", "ODOO_PASSWORD": "p"}
	prodEnv     = map[string]string{"ODOO_PROD_DB": "d", "ODOO_PROD_USERNAME": "u", "ODOO_PROD_PASSWORD": "p"}
	testOdooEnv = map[string]string{"USE_TEST_ODOO": "true", "ODOO_TEST_DB": "d", "ODOO_TEST_USERNAME": "u", "ODOO_TEST_PASSWORD": "p"}
)

// TestBadConfigurationValues sets each configuration variable to a wrong value and runs a command that reads
// it: a usage error (exit 2) naming the variable, and no panic. Every variable of the registry is in the table.
func TestBadConfigurationValues(t *testing.T) {
	t.Parallel()
	var names []string
	for _, b := range badValues {
		names = append(names, b.name)
	}
	for _, v := range config.Vars {
		if !slices.Contains(names, v.Name) {
			t.Errorf("%s has no bad value in the table", v.Name)
		}
	}
	key := "Re4cAMwNgnvQLeX_yPGEN7yufFTGHon3RQeh8x5xe3E="
	for _, b := range badValues {
		if b.args == nil {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			dir, env := isolated(t)
			env["SALESENGINE_ENCRYPTION_KEY"] = key
			for k, v := range b.env {
				env[k] = v
			}
			if b.value != "" {
				env[b.name] = b.value
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r := runCtx(t, ctx, env, append([]string{"--config", filepath.Join(dir, "test.env")}, b.args...)...)
			code, names := exitUsage, b.name
			if serverRefuses[b.name] {
				code, names = exitFailure, "DB_HOST"
			}
			if r.code != code || !strings.Contains(r.stderr, "Error: ") || !strings.Contains(r.stderr, names) || strings.Contains(r.stdout+r.stderr, "panic") {
				t.Errorf("%s=%q, salesengine %s: exit %d, want %d and a message naming %s:\n%s%s", b.name, b.value,
					strings.Join(b.args, " "), r.code, code, names, r.stdout, r.stderr)
			}
		})
	}
}

// runCtx is run with a context: a command that should have refused its settings but runs (serve) ends.
func runCtx(t testing.TB, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb strings.Builder
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := Main(ctx, args, strings.NewReader(""), &out, &errb, lookup)
	return result{code, out.String(), errb.String()}
}

// TestBadFlagsAndConfigFile: flags given a value of the wrong type, and a typo in the config file, are usage
// errors naming what is wrong; an empty variable is the same as an unset one.
func TestBadFlagsAndConfigFile(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	for _, args := range [][]string{
		{"forecast", "--horizon", "twelve"},
		{"plan", "--month", "March"},
		{"sync", "--deliver-wait", "soon"},
		{"deliver", "--wait", "-"},
		{"connections", "add", "--no-input", "--name", "acme", "--url", "https://odoo.example", "--database", "d",
			"--username", "u", "--api-key", "k", "--poll-interval", "often"},
		{"logs", "--limit", "many"},
		{"--log-level", "", "version"},
	} {
		r := run(t, env, append([]string{"--config", cfg}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "Error: ") || strings.Contains(r.stderr, "panic") {
			t.Errorf("salesengine %v: exit %d, want 2:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	typo := filepath.Join(dir, "typo.env")
	if err := os.WriteFile(typo, []byte("SALESENGINE_WEBHOOK_TIMOUT=5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "--config", typo, "connections", "list")
	if r.code != exitUsage || !strings.Contains(r.stderr, "SALESENGINE_WEBHOOK_TIMOUT is not a Sales Engine setting (did you mean SALESENGINE_WEBHOOK_TIMEOUT?)") {
		t.Errorf("a typo in the config file: exit %d\n%s", r.code, r.stderr)
	}

	for _, v := range config.Vars {
		env[v.Name] = "" // empty: the default
	}
	env["DATABASE_URL"] = "sqlite:" + filepath.Join(dir, "se.db")
	env["SALESENGINE_ENCRYPTION_KEY"] = "Re4cAMwNgnvQLeX_yPGEN7yufFTGHon3RQeh8x5xe3E="
	if r := run(t, env, "--config", cfg, "deliver"); r.code != exitOK {
		t.Errorf("every other variable empty: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestBadWebhookURLs: webhook URLs that are not http(s) with a host, or carry credentials, are refused when the
// connection is added (exit 2, nothing stored). Private, loopback and link-local destinations are refused
// later, at the dial of each delivery, whatever name leads there (webhook.TestSendRefusesNamesResolvingToPrivate
// and TestDeadLettersAreNotDelivered).
func TestBadWebhookURLs(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	env["SALESENGINE_ENCRYPTION_KEY"] = "Re4cAMwNgnvQLeX_yPGEN7yufFTGHon3RQeh8x5xe3E="
	cfg := filepath.Join(dir, "test.env")
	for _, u := range []string{"ftp://hooks.example/x", "file:///etc/passwd", "javascript:alert(1)", "http://", "hooks.example/x",
		"gopher://hooks.example:70/", "http://user:secret@hooks.example/x", "http://[::1", "\x00http://x"} {
		r := run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "acme", "--url", "https://odoo.example",
			"--database", "d", "--username", "u", "--api-key", "k", "--webhook-url", u)
		if r.code != exitUsage || !strings.Contains(r.stderr, "webhook URL") || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "secret@") {
			t.Errorf("--webhook-url %q: exit %d, want 2 saying what is wrong with the webhook URL (and never echoing credentials):\n%s%s", u, r.code, r.stdout, r.stderr)
		}
	}
	if r := run(t, env, "--config", cfg, "connections", "list", "--json"); !strings.Contains(r.stdout, "[]") {
		t.Errorf("a connection was stored: %s", r.stdout)
	}
}

// tamperer stands between the sync and the fake Odoo (a real HTTP proxy) and spoils the answers to calls on
// sale.order the way a broken proxy, module or server would: values of the wrong type, fields missing, a body
// of 100 MB.
type tamperer struct {
	target string
	mode   atomic.Value // "", "types", "missing", "huge"
	hits   atomic.Int64
}

var (
	numberField = regexp.MustCompile(`"(amount_total|id)": ?-?[0-9][0-9.e+-]*`)
	dateField   = regexp.MustCompile(`"write_date": ?"[^"]*"`)
)

func (tp *tamperer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, tp.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return
	}
	mode, _ := tp.mode.Load().(string)
	if mode != "" && bytes.Contains(body, []byte(`"sale.order"`)) && bytes.Contains(out, []byte(`"result": [`)) {
		tp.hits.Add(1)
		switch mode {
		case "types":
			out = numberField.ReplaceAll(out, []byte(`"$1": "lots"`))
			out = dateField.ReplaceAll(out, []byte(`"write_date": 1767225600`))
		case "missing":
			out = dateField.ReplaceAll(out, []byte(`"write_date_gone": false`))
		case "huge":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"jsonrpc": "2.0", "id": 1, "result": [`))
			row := []byte(strings.Repeat(`{"id": 1, "name": "x"}, `, 4000))
			for sent := 0; sent < 100<<20; sent += len(row) {
				if _, err := w.Write(row); err != nil {
					return
				}
			}
			return
		}
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

// TestSyncRefusesMalformedOdooAnswers: answers with values of the wrong type, fields missing or a body of 100
// MB stop the pass with an error that names the call, no panic, and nothing stored from it; once Odoo answers
// properly again the next pass brings the store to the ground truth.
func TestSyncRefusesMalformedOdooAnswers(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 10})
	tp := &tamperer{target: ce.srv.URL()}
	proxy := httptest.NewServer(tp)
	t.Cleanup(proxy.Close)
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", proxy.URL, "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--protocol", "jsonrpc")
	ce.cli(t, "sync", "--no-deliver")
	connID := ce.connectionID(t, "acme")
	for _, mode := range []string{"types", "missing", "huge"} {
		if _, err := ce.srv.SimulateActivity(30, time.Minute); err != nil {
			t.Fatal(err)
		}
		before, err := ce.store(t).OrderIDList(context.Background(), connID)
		if err != nil {
			t.Fatal(err)
		}
		tp.mode.Store(mode)
		hits := tp.hits.Load()
		cmd, out := ce.child(t, map[string]string{"SALESENGINE_ODOO_RETRIES": "1"}, "sync", "--no-deliver")
		err = cmd.Wait()
		text := out.String()
		if cmd.ProcessState.ExitCode() != exitFailure || !strings.Contains(text, "acme: FAILED: ") || !strings.Contains(text, "sale.order") ||
			strings.Contains(text, "panic") || tp.hits.Load() == hits {
			t.Errorf("%s: %v (%d answers spoilt)\n%s", mode, err, tp.hits.Load()-hits, text)
		}
		after, err := ce.store(t).OrderIDList(context.Background(), connID)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("%s: the failed pass stored %d orders", mode, len(after)-len(before))
		}
		t.Logf("%s: %s", mode, firstLines(text, "FAILED", 1))
		tp.mode.Store("")
	}
	ce.srv.Advance(10 * time.Minute)
	ce.cli(t, "sync", "--no-deliver")
	storetest.GroundTruth{Fake: ce.srv}.Check(t, ce.store(t), connID)
}
