package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestForecastModesAndBacktest(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	db := filepath.Join(dir, "demo.db")
	if r := runAt(t, demoToday, env, "--config", cfg, "demo", "--no-serve", "--skus", "15", "--years", "2", "--db", db); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	env["DATABASE_URL"] = "sqlite:" + db
	var before int
	countForecast := func() int {
		r := runAt(t, demoToday, env, "--config", cfg, "plan", "--month", "2026-01", "--format", "csv")
		if r.code != 0 {
			t.Fatalf("plan: %+v", r)
		}
		return strings.Count(r.stdout, "\n")
	}
	before = countForecast()

	out := filepath.Join(dir, "reports")
	r := runAt(t, demoToday, env, "--config", cfg, "forecast", "--mode", "report", "--out", out, "--horizon", "6")
	if r.code != 0 {
		t.Fatalf("report: %+v", r)
	}
	fc := readCSV(t, filepath.Join(out, "demo_forecast.csv"))
	if strings.Join(fc[0], ",") != "series,month,forecast,lower,upper,method" || len(fc) < 2 || (len(fc)-1)%6 != 0 {
		t.Errorf("forecast CSV: header %v, %d rows (want 6 months per SKU)", fc[0], len(fc)-1)
	}
	if sum := readCSV(t, filepath.Join(out, "demo_summary.csv")); sum[0][0] != "series" || len(sum) < 2 ||
		strings.Join(sum[0][len(sum[0])-4:], ",") != "outlier_count,outlier_months,stockout_months,censored_months" {
		t.Errorf("summary CSV: %v", sum[:1])
	}
	if pl := readCSV(t, filepath.Join(out, "demo_production_plan.csv")); pl[0][1] != "sku" || pl[0][4] != "priority" || len(pl) < 2 {
		t.Errorf("plan CSV: %v", pl[:1])
	}
	for _, name := range []string{"demo_forecast.csv", "demo_summary.csv", "demo_production_plan.csv"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		st, serr := os.Stat(filepath.Join(out, name))
		if err != nil || serr != nil {
			t.Fatalf("%s: %v %v", name, err, serr)
		}
		if st.Mode().Perm() != 0o644 || strings.Contains(string(b), "NaN") || strings.Contains(string(b), "Inf") {
			t.Errorf("%s: mode %v, or NaN/Inf in it", name, st.Mode().Perm())
		}
	}
	if after := countForecast(); after != before {
		t.Errorf("report mode touched the tables: plan rows %d -> %d", before, after)
	}

	// --json: what was stored, stock-outs included (the demo's history has none).
	r = runAt(t, demoToday, env, "--config", cfg, "forecast", "--json", "--horizon", "6")
	var runs []struct {
		Connection string `json:"connection"`
		SKUs, Rows int
		Horizon    int
		Stockouts  []struct {
			SKU            string   `json:"sku"`
			StockoutMonths []string `json:"stockout_months"`
		} `json:"stockouts"`
		Plan *struct {
			Month           string
			NeedProduction  int `json:"need_production"`
			Produce, Buy    int
			LateRelease     int    `json:"late_release"`
			EarliestRelease string `json:"earliest_release"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &runs); r.code != 0 || err != nil {
		t.Fatalf("forecast --json: %v, %+v", err, r)
	}
	if len(runs) != 1 || runs[0].Connection != "demo" || runs[0].SKUs == 0 || runs[0].Rows != 6*runs[0].SKUs || runs[0].Horizon != 6 ||
		runs[0].Stockouts == nil || len(runs[0].Stockouts) != 0 || runs[0].Plan == nil || runs[0].Plan.Month != "2026-01" ||
		runs[0].Plan.Produce+runs[0].Plan.Buy != runs[0].Plan.NeedProduction || (runs[0].Plan.LateRelease > 0) != (runs[0].Plan.EarliestRelease != "") {
		t.Errorf("forecast --json: %s", r.stdout)
	}

	// Offline: a history file in, a forecast file out.
	hist := history(t, dir, "history.csv", ",", ".")
	fcPath := filepath.Join(dir, "fc.csv")
	r = run(t, env, "--config", cfg, "forecast", "--input", hist, "--out", fcPath, "--level", "95")
	if r.code != 0 || !strings.Contains(r.stdout, "forecast 2 series") {
		t.Fatalf("offline forecast: %+v", r)
	}
	if rows := readCSV(t, fcPath); len(rows) != 1+2*12 || rows[1][0] != "A" || rows[1][1] != "2026-01" {
		t.Errorf("offline forecast CSV: %d rows, first %v", len(rows), rows[1])
	}
	// One abnormal month in a steady series is cleaned, and the command says so.
	var spiky strings.Builder
	spiky.WriteString("series,month,value\n")
	for i := range 36 {
		v := 100 + i%3
		if i == 20 {
			v = 1000
		}
		fmt.Fprintf(&spiky, "S,%d-%02d,%d\n", 2023+i/12, i%12+1, v)
	}
	spikyPath := filepath.Join(dir, "spiky.csv")
	if err := os.WriteFile(spikyPath, []byte(spiky.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "--config", cfg, "forecast", "--input", spikyPath, "--out", filepath.Join(dir, "spiky_fc.csv"))
	if r.code != 0 || !strings.Contains(r.stdout, "outlier months cleaned: 1, in 1 SKU\n") {
		t.Errorf("offline forecast of a series with one abnormal month: %+v", r)
	}
	r = run(t, env, "--config", cfg, "backtest", "--input", hist, "--holdout", "6", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"method": "auto"`) || !strings.Contains(r.stdout, `"rmsse"`) {
		t.Errorf("backtest: %+v", r)
	}
	for _, bad := range [][]string{
		{"forecast", "--input", hist},                           // no --out
		{"forecast", "--mode", "sideways"},                      // unknown mode
		{"forecast", "--json", "--mode", "report"},              // --json is what db mode stored
		{"forecast", "--horizon", "0"},                          // out of range
		{"backtest"},                                            // neither --input nor --connection
		{"backtest", "--input", filepath.Join(dir, "nope.csv")}, // missing file
		{"plan", "--month", "2026-13"},                          // not a month
		{"plan", "--priority", "URGENTE"},                       // unknown priority
		{"plan", "--month", "2026-01", "--from", "2026-01"},     // both forms
	} {
		if r := run(t, env, append([]string{"--config", cfg}, bad...)...); r.code != 2 || !strings.Contains(r.stderr, "Hint:") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", bad, r.code, r.stderr)
		}
	}
}

// TestRetryAndDiscard fails deliveries against an endpoint that answers 500, then retries one, discards one
// and retries the rest in bulk once the endpoint recovers.
func TestRetryAndDiscard(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 15})
	var mu gosync.Mutex
	healthy := false
	got := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !healthy {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		got[r.Header.Get("webhook-id")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	ce.env["SALESENGINE_WEBHOOK_MAX_ATTEMPTS"] = "1" // the first failure is a dead letter
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--webhook-url", hook.URL+"/hook")
	ce.cli(t, "sync", "--no-deliver")
	if _, err := ce.srv.SimulateActivity(25, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	r := ce.try(t, "sync", "--deliver-wait", "10s")
	dead := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'dead'")
	if dead < 3 {
		t.Fatalf("%d dead deliveries, want at least 3", dead)
	}
	if r.code != exitDeadLetters || !strings.Contains(r.stdout, "webhooks: 0 delivered") {
		t.Errorf("sync that dead-lettered %d deliveries: %+v", dead, r)
	}
	r = ce.cli(t, "retries", "--json")
	if !strings.Contains(r.stdout, `"state": "dead"`) || !strings.Contains(r.stdout, `"last_status": 500`) {
		t.Errorf("retries: %s", r.stdout)
	}
	ids := strings.Fields(strings.TrimSpace(ce.queryText(t, "SELECT id FROM webhook_deliveries WHERE state = 'dead' ORDER BY id")))
	if dead >= 10 {
		if n := ce.count(t, "SELECT COUNT(*) FROM connections WHERE circuit_state = 'open'"); n != 1 {
			t.Errorf("%d failures in a row did not open the circuit", dead)
		}
	}
	mu.Lock()
	healthy = true
	mu.Unlock()
	// The endpoint is fixed: close its circuit (or wait for the probe), then retry.
	if r := ce.cli(t, "reset-circuit", "acme"); !strings.Contains(r.stdout, "closed") {
		t.Errorf("reset-circuit: %s", r.stdout)
	}
	ce.cli(t, "discard", ids[0])
	ce.cli(t, "retry", ids[1], "--wait", "10s")
	if ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE id = "+ids[1]+" AND state = 'delivered'") != 1 {
		t.Errorf("retry %s did not deliver it", ids[1])
	}
	ce.cli(t, "retry", "--all", "--dead", "-c", "acme", "--wait", "10s")
	if n := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'"); n != dead-1 {
		t.Errorf("%d delivered after the bulk retry, want %d (all but the discarded one)", n, dead-1)
	}
	if n := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'discarded'"); n != 1 {
		t.Errorf("%d discarded, want 1", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != dead-1 {
		t.Errorf("receiver got %d distinct events, want %d", len(got), dead-1)
	}
	if r := run(t, ce.env, "--config", filepath.Join(ce.dir, "empty.env"), "retry", "--dead"); r.code != 2 {
		t.Errorf("--dead without --all: %+v", r)
	}
}

// TestSummaryCSVStockouts: the report's per-SKU summary names the stock-out months and those imputed, as
// forecast_stats does, and leaves them empty without any.
func TestSummaryCSVStockouts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.csv")
	res := []forecast.Result{
		{ID: "A", Method: "ets", Class: forecast.ClassSmooth, StockoutMonths: []forecast.Month{forecast.MonthFor(2025, 9), forecast.MonthFor(2025, 10)},
			CensoredMonths: []forecast.Month{forecast.MonthFor(2025, 10)}},
		{ID: "B", Method: "ets", Class: forecast.ClassSmooth},
	}
	if err := writeSummaryCSV(path, res); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, path)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) != 3 || rows[1][col["stockout_months"]] != "2025-09,2025-10" || rows[1][col["censored_months"]] != "2025-10" ||
		rows[2][col["stockout_months"]] != "" || rows[2][col["censored_months"]] != "" {
		t.Errorf("summary: %q", rows)
	}
}
