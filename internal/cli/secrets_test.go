package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
)

// TestSecretsNeverShown runs the CLI end to end with an Odoo API key, a webhook secret and a dashboard token of
// its own (connections add, test, sync, deliver, forecast, plan, every --json output, serve with its dashboard
// pages and /metrics), logging at debug level as JSON, then looks for the three in everything a person or a
// program could see: every line printed or logged, every page and header served, and the database itself (the
// SQLite file with its -wal and -shm; on PostgreSQL every text column of every table). They are stored
// encrypted, and shown nowhere.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			secretsNeverShown(t, engine)
		})
	}
}

func secretsNeverShown(t *testing.T, engine string) {
	apiKey := "odoo-key-" + randomHex(t, 16)
	token := "ui-token-" + randomHex(t, 16)
	ce := newCrashEnvOn(t, engine, odootest.Options{Version: "17", Seed: 5, APIKey: apiKey,
		Data: &odootest.GenerateOptions{Years: 2, SKUs: 12}})
	rec := newRecorder(t, 5, 0, 0)
	whsec := rec.secret
	secrets := map[string]string{"the Odoo API key": apiKey, "the webhook secret": whsec,
		"the webhook secret's key": strings.TrimPrefix(whsec, "whsec_"), "the UI token": token}
	seen := map[string]string{} // where -> what was shown there
	look := func(where, what string) { seen[where] += what }

	ce.env["SALESENGINE_LOG_LEVEL"] = "debug"
	ce.env["SALESENGINE_LOG_FORMAT"] = "json"
	ce.env["SALESENGINE_UI_TOKEN"] = token
	cli := func(args ...string) {
		t.Helper()
		r := ce.cli(t, args...)
		look("salesengine "+strings.Join(args, " "), r.stdout+r.stderr)
	}
	cli("connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", apiKey, "--webhook-url", rec.url, "--webhook-secret", whsec)
	cli("connections", "test", "acme", "--json")
	cli("sync", "--no-deliver")
	if _, err := ce.srv.SimulateActivity(30, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	cli("sync", "--deliver-wait", "20s")
	cli("deliver", "--wait", "5s")
	cli("forecast")
	cli("plan", "--format", "json")
	for _, args := range [][]string{{"connections", "list", "--json"}, {"connections", "list"}, {"logs", "--json"}, {"logs"},
		{"retries", "--json"}, {"migrate", "--status", "--json"}, {"version", "--json"}} {
		cli(args...)
	}
	if rec.Unique() == 0 {
		t.Fatal("no webhook was delivered: the run did not exercise the secret")
	}

	// serve: its log, and everything it serves, to a client with the token and to one without.
	p := ce.startServe(t, map[string]string{"SALESENGINE_LOG_LEVEL": "debug", "SALESENGINE_LOG_FORMAT": "json"})
	ce.waitPasses(t, p, 3) // the two syncs, and serve's first pass
	var sku string
	if err := ce.query(t, "SELECT sku FROM sales_items LIMIT 1", func(r *sql.Rows) error { return r.Scan(&sku) }); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/plan", "/plan.csv", "/sku/" + url.PathEscape(sku), "/metrics", "/livez", "/readyz", "/login",
		"/static/app.css", "/lang/en?next=/"} {
		for _, bearer := range []bool{true, false} {
			req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+path, nil)
			if bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bearer && resp.StatusCode != http.StatusOK && path != "/lang/en?next=/" && path != "/static/app.css" {
				t.Errorf("GET %s with the token: %s", path, resp.Status)
			}
			look(fmt.Sprintf("GET %s (token %v)", path, bearer), fmt.Sprint(resp.Header)+string(b))
		}
	}
	// The login form, with the right token and a wrong one.
	for _, tok := range []string{token, token + "x"} {
		resp, err := http.PostForm("http://"+p.addr+"/login", url.Values{"token": {tok}, "next": {"/"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		look("POST /login", fmt.Sprint(resp.Header)+string(b))
	}
	p.stop(t)
	look("serve's output", p.out.String())
	if !strings.Contains(p.out.String(), `"level":"DEBUG"`) {
		t.Errorf("serve logged nothing at debug level: the test looks at less than it says")
	}

	// The database.
	if engine == "sqlite" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(ce.dbPath + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			look("the SQLite file "+filepath.Base(ce.dbPath+suffix), string(b))
		}
	} else {
		look("every text column of the PostgreSQL database", dumpPostgresText(t, ce.store(t)))
	}

	if len(seen) < 30 {
		t.Fatalf("only %d places looked at", len(seen))
	}
	total := 0
	for _, what := range seen {
		total += len(what)
	}
	t.Logf("%d places, %d KiB looked at; %d webhooks delivered", len(seen), total>>10, rec.Unique())
	for where, what := range seen {
		for name, s := range secrets {
			if strings.Contains(what, s) {
				i := strings.Index(what, s)
				t.Errorf("%s shows %s: ...%s...", where, name, what[max(0, i-80):min(len(what), i+len(s)+20)])
			}
		}
	}
	// The secrets are there, encrypted: the run used them.
	if n := ce.count(t, "SELECT COUNT(*) FROM connections WHERE api_key_encrypted <> '' AND webhook_secret_encrypted <> ''"); n != 1 {
		t.Errorf("%d connections hold both secrets encrypted", n)
	}
}

// dumpPostgresText returns every value of every text-like column (text, varchar, json, jsonb, bytea as text)
// of every table of the store's schema, one per line.
func dumpPostgresText(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	rows, err := st.DB().QueryContext(ctx, `SELECT table_schema, table_name, column_name FROM information_schema.columns
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
		AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ schema, table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.schema, &c.table, &c.column); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 20 {
		t.Fatalf("only %d text columns found", len(cols))
	}
	var b strings.Builder
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT COALESCE(CAST(%q AS text), '') FROM %q.%q`, c.column, c.schema, c.table)
		r, err := st.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for r.Next() {
			var v string
			if err := r.Scan(&v); err != nil {
				t.Fatal(err)
			}
			b.WriteString(v + "\n")
		}
		r.Close()
	}
	return b.String()
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
