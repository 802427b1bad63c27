package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestForecastOverride: an override set on the command line changes this month's stored plan at once, is kept
// by a forecast run (the forecast table and the report's forecast CSV keep the statistical figure), shows in
// 'forecast overrides' with who, when and why, and a clear brings the statistical plan back; every change stays
// in the history. Bad input is refused with a hint and stores nothing.
func TestForecastOverride(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	db := filepath.Join(dir, "demo.db")
	if r := runAt(t, demoToday, env, "--config", cfg, "demo", "--no-serve", "--skus", "15", "--years", "2", "--db", db); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	env["DATABASE_URL"] = "sqlite:" + db
	cmd := func(args ...string) result {
		t.Helper()
		return runAt(t, demoToday, env, append([]string{"--config", cfg}, args...)...)
	}
	hasFlag := func(row map[string]any, flag string) bool {
		fl, _ := row["flags"].([]any)
		for _, f := range fl {
			if f == flag {
				return true
			}
		}
		return false
	}
	// planOf plans this month again and returns SKU's row of this month's stored plan (as 'plan --format json' prints it).
	planOf := func(sku string) map[string]any {
		t.Helper()
		r := cmd("plan", "--format", "json")
		if r.code != 0 {
			t.Fatalf("plan: %+v", r)
		}
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatalf("plan json: %v\n%s", err, r.stdout)
		}
		for _, row := range rows {
			if row["sku"] == sku {
				return row
			}
		}
		t.Fatalf("no plan row of %s", sku)
		return nil
	}
	r := cmd("plan", "--format", "csv", "--limit", "1")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("plan: %+v", r)
	}
	sku, month := strings.Split(lines[1], ",")[1], "2026-01"
	before := planOf(sku)
	stat := before["forecast_quantity"].(float64)

	r = cmd("forecast", "override", sku, month, "5000", "--note", "Constructora Sur confirmed an order", "--by", "luis")
	if r.code != 0 || !strings.Contains(r.stdout, "override 5000 (statistical forecast ") || !strings.Contains(r.stdout, "plan for 2026-01 made again") {
		t.Fatalf("override: %+v", r)
	}
	after := planOf(sku)
	if after["forecast_quantity"].(float64) != 5000 || !hasFlag(after, "override") ||
		after["recommended_quantity"].(float64) <= before["recommended_quantity"].(float64) {
		t.Errorf("plan row with the override: %v; before %v", after, before)
	}

	r = cmd("forecast", "override", sku, "2026-02", "0", "--note", "discontinued after January", "--by", "ana")
	if r.code != 0 {
		t.Fatalf("second override: %+v", r)
	}
	r = cmd("forecast")
	if r.code != 0 || !strings.Contains(r.stdout, "demo: 2 forecast overrides in force") {
		t.Fatalf("forecast: %+v", r)
	}
	if got := planOf(sku); got["forecast_quantity"].(float64) != 5000 {
		t.Errorf("after a forecast run the plan's forecast is %v, want the override 5000", got["forecast_quantity"])
	}
	if r = cmd("run", "--forecast-only"); r.code != 0 || !strings.Contains(r.stdout, "demo: 2 forecast overrides in force") {
		t.Fatalf("run --forecast-only: %+v", r)
	}
	if got := planOf(sku); got["forecast_quantity"].(float64) != 5000 {
		t.Errorf("after 'run' the plan's forecast is %v, want the override 5000", got["forecast_quantity"])
	}
	// The forecast table keeps the statistical figure; forecast_final shows both.
	out := filepath.Join(dir, "rep")
	if r = cmd("forecast", "--mode", "report", "--out", out); r.code != 0 || !strings.Contains(r.stdout, "2 forecast overrides in force") {
		t.Fatalf("report: %+v", r)
	}
	for _, row := range readCSV(t, filepath.Join(out, "demo_forecast.csv")) {
		if row[0] == sku && row[1] == month && row[2] == "5000.0000" {
			t.Errorf("the report's forecast CSV has the override, not the statistical forecast: %v", row)
		}
	}
	ov := readCSV(t, filepath.Join(out, "demo_overrides.csv"))
	if len(ov) != 3 || strings.Join(ov[0], ",") != "sku,month,statistical,override,note,by,at" || ov[1][0] != sku || ov[1][3] != "5000" ||
		ov[1][2] == "" || ov[2][3] != "0" || ov[2][5] != "ana" {
		t.Errorf("overrides CSV: %v", ov)
	}
	var planFlagged bool
	for _, row := range readCSV(t, filepath.Join(out, "demo_production_plan.csv")) {
		planFlagged = planFlagged || (row[1] == sku && strings.Contains(strings.Join(row, ","), "override"))
	}
	if !planFlagged {
		t.Error("the report's plan CSV does not flag the overridden row")
	}

	r = cmd("forecast", "overrides")
	if r.code != 0 || !strings.Contains(r.stdout, "CONNECTION  SKU") || strings.Count(r.stdout, sku) != 2 ||
		!strings.Contains(r.stdout, "Constructora Sur confirmed an order") || !strings.Contains(r.stdout, "luis") {
		t.Errorf("overrides: %+v", r)
	}
	r = cmd("forecast", "override", sku, month, "--clear", "--note", "order cancelled", "--by", "luis")
	if r.code != 0 || !strings.Contains(r.stdout, "override 5000 cleared by luis; the plan uses the statistical forecast") {
		t.Fatalf("clear: %+v", r)
	}
	if got := planOf(sku); got["forecast_quantity"].(float64) != stat || hasFlag(got, "override") {
		t.Errorf("after the clear: %v, statistical %g", got, stat)
	}
	r = cmd("forecast", "overrides", "--all", "--json")
	var hist []overrideRecord
	if err := json.Unmarshal([]byte(r.stdout), &hist); r.code != 0 || err != nil {
		t.Fatalf("overrides --all --json: %+v %v", r, err)
	}
	if len(hist) != 3 || hist[0].Action != "set" || *hist[0].Quantity != 5000 || hist[0].By != "luis" || hist[0].Source != "cli" ||
		hist[2].Action != "clear" || hist[2].Quantity != nil || hist[2].Note != "order cancelled" || hist[0].At.IsZero() {
		t.Errorf("history: %+v", hist)
	}
	if r = cmd("forecast", "overrides", "--connection", "demo"); r.code != 0 || strings.Count(r.stdout, sku) != 1 || !strings.Contains(r.stdout, "2026-02") {
		t.Errorf("overrides in force after the clear: %+v", r)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"forecast", "override", sku, "2025-12", "5", "--note", "x"}, "in the past"},
		{[]string{"forecast", "override", sku, "2027-01", "5", "--note", "x"}, "beyond the forecast horizon"},
		{[]string{"forecast", "override", sku, "2026-1", "5", "--note", "x"}, "is not a month"},
		{[]string{"forecast", "override", sku, month, "1,5", "--note", "x"}, "is not a number"},
		{[]string{"forecast", "override", sku, month, "Inf", "--note", "x"}, "is not a demand"},
		{[]string{"forecast", "override", sku, month, "--note", "x", "--", "-5"}, "is not a demand"},
		{[]string{"forecast", "override", sku, month, "5"}, "needs a note"},
		{[]string{"forecast", "override", "NO-SUCH-SKU", month, "5", "--note", "x"}, "no connection has a SKU"},
		{[]string{"forecast", "override", "NO-SUCH-SKU", month, "5", "--note", "x", "-c", "demo"}, `connection "demo" has no SKU`},
		{[]string{"forecast", "override", sku, month, "5", "--note", "x", "-c", "nope"}, "nope"},
		{[]string{"forecast", "override", sku, month, "--clear"}, "no override for 2026-01 to clear"},
		{[]string{"forecast", "override", sku, month, "5", "--clear"}, "--clear takes SKU and MONTH"},
		{[]string{"forecast", "override", sku, month}, "want SKU MONTH QTY"},
		{[]string{"forecast", "override", sku, month, "5", "--note", "x", "--by", ""}, "who made the change"},
		{[]string{"forecast", "overrides", "extra"}, ""},
	} {
		r := cmd(bad.args...)
		if r.code != 2 || !strings.Contains(r.stderr, "Hint:") || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error saying %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
	r = cmd("forecast", "overrides", "--all", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &hist); err != nil || len(hist) != 3 {
		t.Errorf("bad input stored something: %d changes, %v", len(hist), err)
	}
}
