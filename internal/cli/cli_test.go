package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

type result struct {
	code           int
	stdout, stderr string
}

// run executes the command line in-process with its own environment and working directory.
func run(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errb, lookup)
	return result{code, out.String(), errb.String()}
}

// runAt is run with the command's clock pinned at now, for tests whose figures depend on the date.
func runAt(t *testing.T, now time.Time, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Env: lookup, now: func() time.Time { return now }}
	code := app.main(context.Background(), args)
	return result{code, out.String(), errb.String()}
}

// demoToday pins the demo at the fake Odoo's default clock: its generated history then ends, and its plan is
// for, 2026-01, whatever the date the tests run on.
var demoToday = odootest.DefaultNow.Add(demoEvents * demoStep)

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
	if r.code != 0 || !strings.Contains(r.stdout, "applied 0001_initial") || !strings.Contains(r.stdout, "applied webhook queue (River) migrations 001 to ") {
		t.Fatalf("first migrate: %+v", r)
	}
	r = run(t, env, "--config", cfg, "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "schema is up to date") {
		t.Fatalf("second migrate: %+v", r)
	}
	r = run(t, env, "--config", cfg, "migrate", "--status", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"applied": true`) {
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

// TestBadDatabaseURL: a DATABASE_URL that cannot be read is a usage error (exit 2, with a hint); one that can,
// but whose database cannot be reached or opened, a failure (exit 1, one line). Both name DATABASE_URL.
func TestBadDatabaseURL(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	cases := map[string]struct {
		code int
		want string
	}{
		"mysql://root:pw@h/db": {exitUsage, "unsupported database scheme"},
		"postgres://":          {exitUsage, "no host"},
		"postgres://u:pw@127.0.0.1:1/db?connect_timeout=5": {exitFailure, "cannot reach PostgreSQL"},
		"sqlite:" + filepath.Join(dir, "missing", "x.db"):  {exitFailure, "does not exist"},
	}
	for url, c := range cases {
		r := run(t, env, "--config", cfg, "--database-url", url, "migrate")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		wantLines := map[int]int{exitUsage: 2, exitFailure: 1}[c.code] // a usage error adds its Hint: line
		if r.code != c.code || len(lines) != wantLines || !strings.Contains(lines[0], "DATABASE_URL: ") || !strings.Contains(lines[0], c.want) {
			t.Errorf("%s: code %d, stderr %q; want exit %d and %d lines naming DATABASE_URL saying %q", url, r.code, r.stderr, c.code, wantLines, c.want)
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
	r := runAt(t, demoToday, env, "--config", filepath.Join(dir, "test.env"), "demo", "--no-serve", "--skus", "20", "--years", "1",
		"--db", filepath.Join(dir, "demo.db"))
	if r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	exe, _ := os.Executable()
	se := tryCommand(exe, exec.LookPath)
	for _, want := range []string{"1. First sync", "initial sync of Odoo 17.0", "incremental sync of Odoo 17.0", "signature=valid", "Done in",
		"Try next", "\n  " + se + " plan --priority ALTA\n", "\n  " + se + " connections list\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "the receiver verified 0 events") {
		t.Errorf("no webhook arrived:\n%s", r.stdout)
	}
}

// TestTryCommand checks that the demo's "try next" lines name the command in a form the reader can run.
func TestTryCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "salesengine")
	other := filepath.Join(dir, "other")
	for _, p := range []string{bin, other} {
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	onPath := func(string) (string, error) { return bin, nil }
	notOnPath := func(string) (string, error) { return "", exec.ErrNotFound }
	for _, c := range []struct {
		exe      string
		lookPath func(string) (string, error)
		want     string
	}{
		{"/tmp/go-build1234/b001/exe/salesengine", onPath, goRunCommand}, // go run
		{"", notOnPath, goRunCommand},
		{bin, onPath, "salesengine"}, // installed, and first on PATH
		{other, onPath, other},       // another binary is on PATH under that name
		{bin, notOnPath, bin},        // built with go build -o, not on PATH
	} {
		if got := tryCommand(c.exe, c.lookPath); got != c.want {
			t.Errorf("tryCommand(%q) = %q, want %q", c.exe, got, c.want)
		}
	}
}

// TestDemoPlanSpotCheck follows a few SKUs of the demo from history to forecast to plan and checks every
// number the planner reads against the tables it comes from.
func TestDemoPlanSpotCheck(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	db := filepath.Join(dir, "demo.db")
	cfg := filepath.Join(dir, "test.env")
	r := runAt(t, demoToday, env, "--config", cfg, "demo", "--no-serve", "--skus", "40", "--years", "2", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "plan for 2026-01") {
		t.Fatalf("demo: %+v", r)
	}
	env["DATABASE_URL"] = "sqlite:" + db
	r = runAt(t, demoToday, env, "--config", cfg, "plan", "--month", "2026-01", "--format", "json")
	if r.code != 0 {
		t.Fatalf("plan: %+v", r)
	}
	var rows []struct {
		SKU              string
		Priority         string
		Forecast         float64 `json:"forecast_quantity"`
		Inventory        float64
		ProductionNeeded float64 `json:"production_needed"`
		SafetyStock      float64 `json:"safety_stock"`
		Backlog          float64
		Recommended      float64 `json:"recommended_quantity"`
		// The net plan's (the demo's Odoo makes and buys).
		Action           *string
		ProjectedOpening float64  `json:"projected_opening"`
		Incoming         float64  `json:"incoming_production"`
		IncomingPurchase float64  `json:"incoming_purchase"`
		ComponentDemand  float64  `json:"component_demand"`
		OpenOrders       *float64 `json:"open_orders"`
		Demand           *float64 `json:"demand"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, r.stdout)
	}
	if len(rows) < 10 {
		t.Fatalf("plan has %d rows", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		if rank(rows[i].Priority) < rank(rows[i-1].Priority) {
			t.Fatalf("plan not sorted by priority at row %d", i)
		}
	}
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checked := 0
	for _, row := range rows {
		if row.Forecast <= 0 || checked == 5 {
			continue
		}
		checked++
		var fc, hist12, onHand, backlog float64
		var months int
		q := s.DB().QueryRowContext(context.Background(), `SELECT
			(SELECT forecasted_quantity FROM forecast WHERE sku = ? AND year = 2026 AND month = 1),
			(SELECT COALESCE(SUM(quantity), 0) FROM sales_items WHERE sku = ? AND order_state IN ('sale','done')
				AND date_order >= '2025-01-01' AND date_order < '2026-01-01'),
			(SELECT COUNT(DISTINCT substr(date_order, 1, 7)) FROM sales_items WHERE sku = ? AND order_state IN ('sale','done')),
			(SELECT COALESCE(SUM(qty_available), 0) FROM inventory WHERE sku = ?),
			(SELECT COALESCE(SUM(CASE WHEN quantity > qty_delivered THEN quantity - qty_delivered ELSE 0 END), 0)
				FROM sales_items WHERE sku = ? AND order_state IN ('sale','done') AND removed_at IS NULL)`,
			row.SKU, row.SKU, row.SKU, row.SKU, row.SKU)
		if err := q.Scan(&fc, &hist12, &months, &onHand, &backlog); err != nil {
			t.Fatal(err)
		}
		near := func(a, b float64) bool { return math.Abs(a-b) < 0.01 }
		if !near(row.Forecast, fc) || !near(row.Inventory, onHand) || !near(row.Backlog, backlog) || !near(row.ProductionNeeded, fc-onHand) {
			t.Errorf("%s: plan %+v does not follow from forecast %.2f, on hand %.2f, backlog %.2f", row.SKU, row, fc, onHand, backlog)
		}
		if row.Action == nil { // the current plan
			if !near(row.Recommended, math.Max(0, fc+row.SafetyStock+backlog-onHand)) {
				t.Errorf("%s: recommended %.2f does not follow from forecast %.2f, on hand %.2f, backlog %.2f", row.SKU, row.Recommended, fc, onHand, backlog)
			}
			continue
		}
		// The net plan: the month's open orders consume its forecast (less what shipped), the backlog not due in
		// the plan's months is off the stock, and the net requirement nets the supply.
		if row.Demand == nil || row.OpenOrders == nil {
			t.Fatalf("%s: a net plan row without demand or open orders: %s", row.SKU, r.stdout)
		}
		d, oo := *row.Demand, *row.OpenOrders
		if !near(d, oo) && (d < oo || d > fc+0.01) {
			t.Errorf("%s: demand %.2f, open orders %.2f, forecast %.2f: want max(forecast - shipped, open orders)", row.SKU, d, oo, fc)
		}
		if row.ProjectedOpening < onHand-backlog+oo-0.01 || row.ProjectedOpening > onHand+0.01 {
			t.Errorf("%s: opening %.2f, want on hand %.2f less at most the backlog %.2f not due this month (%.2f due)", row.SKU, row.ProjectedOpening, onHand, backlog, oo)
		}
		want := math.Max(0, d+row.ComponentDemand+row.SafetyStock-row.ProjectedOpening-row.Incoming-row.IncomingPurchase)
		if !near(row.Recommended, want) {
			t.Errorf("%s: recommended %.2f, want max(0, demand + component demand + safety - opening - incoming) = %.2f", row.SKU, row.Recommended, want)
		}
		// A forecast a planner would trust: the order of magnitude of last year's average month.
		if months >= 12 && hist12 > 0 && (fc > 5*hist12/12+10 || fc < 0) {
			t.Errorf("%s: forecast %.1f for January against %.1f sold per month last year", row.SKU, fc, hist12/12)
		}
	}
	if checked < 3 {
		t.Errorf("only %d SKUs with a positive forecast to check", checked)
	}
}

func rank(p string) int {
	switch p {
	case "ALTA":
		return 0
	case "MEDIA":
		return 1
	}
	return 2
}

func TestBadWebhookSettings(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	for name, value := range map[string]string{
		"SALESENGINE_WEBHOOK_WORKERS":      "0",
		"SALESENGINE_WEBHOOK_CONCURRENCY":  "-1",
		"SALESENGINE_WEBHOOK_MAX_ATTEMPTS": "0",
	} {
		e := map[string]string{name: value}
		for k, v := range env {
			e[k] = v
		}
		r := run(t, e, "--config", cfg, "deliver", "--wait", "1s")
		if r.code == 0 || !strings.Contains(r.stderr, name+"="+value+" must be at least 1") {
			t.Errorf("%s=%s: code %d, stderr %q; want a failure naming the setting and its bound", name, value, r.code, r.stderr)
		}
	}
}

func TestBadCircuitSettings(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	for name, value := range map[string]string{
		"SALESENGINE_WEBHOOK_CIRCUIT_RATIO":        "70",
		"SALESENGINE_WEBHOOK_CIRCUIT_WINDOW":       "0",
		"SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS": "0",
		"SALESENGINE_CIRCUIT_COOLDOWN":             "0s",
	} {
		e := map[string]string{name: value}
		for k, v := range env {
			e[k] = v
		}
		r := run(t, e, "--config", cfg, "deliver", "--wait", "1s")
		if r.code == 0 || !strings.Contains(r.stderr, name+"=") {
			t.Errorf("%s=%s: code %d, stderr %q; want a failure naming the setting", name, value, r.code, r.stderr)
		}
	}
	if r := run(t, env, "--config", cfg, "deliver", "--wait", "1s"); r.code != 0 {
		t.Errorf("defaults: %+v", r)
	}
}
