package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/accuracy"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// accuracyHistory is SKU A's monthly demand: 13 months to November 2025 (a seasonal MASE scale of |14-10| for
// the run of December), then December, and January and February 2026, which the runs forecast.
var accuracyHistory = []struct {
	month string
	qty   float64
}{
	{"2024-11", 10}, {"2024-12", 20}, {"2025-01", 10}, {"2025-02", 10}, {"2025-03", 10}, {"2025-04", 10}, {"2025-05", 10},
	{"2025-06", 10}, {"2025-07", 10}, {"2025-08", 10}, {"2025-09", 10}, {"2025-10", 10}, {"2025-11", 14}, {"2025-12", 20},
	{"2026-01", 16}, {"2026-02", 30},
}

// TestAccuracyEndToEnd runs forecasts at several dates of a pinned clock over known sales, then 'accuracy',
// and checks its figures against the kept forecasts and the sales worked out by hand.
func TestAccuracyEndToEnd(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return v.Add(12 * time.Hour)
	}
	if r := run(t, env, "--config", cfg, "migrate"); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "se.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	var items []*store.Item
	for i, h := range accuracyHistory {
		d, _ := time.Parse("2006-01", h.month)
		d = d.Add(9 * 24 * time.Hour)
		items = append(items, &store.Item{ConnectionID: c.ID, LineID: int64(i + 1), OrderID: int64(i + 1), OrderName: fmt.Sprintf("S%05d", i+1),
			OrderState: "sale", DateOrder: &d, SKU: "A", ProductID: 1, ProductName: "A", Quantity: h.qty, UoM: "Units",
			WriteDate: d, SyncedAt: d, UpdatedAt: d})
	}
	if _, err := s.ItemUpsertMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	s.Close()

	accuracyAt := func(day string, args ...string) result {
		t.Helper()
		r := runAt(t, at(day), env, append([]string{"--config", cfg, "accuracy"}, args...)...)
		if r.code != 0 {
			t.Fatalf("accuracy at %s: %+v", day, r)
		}
		return r
	}
	if r := accuracyAt("2025-11-20"); !strings.Contains(r.stdout, "no past forecasts yet") {
		t.Errorf("before any forecast: %q", r.stdout)
	}
	forecastAt := func(day string, args ...string) {
		t.Helper()
		if r := runAt(t, at(day), env, append([]string{"--config", cfg, "forecast", "-c", "acme"}, args...)...); r.code != 0 {
			t.Fatalf("forecast at %s: %+v", day, r)
		}
	}
	// The first run of December forecasts one month only: were it taken for December's past forecast instead of
	// the last run of the month, January would have no lag-1 forecast.
	forecastAt("2025-12-01", "--horizon", "1")
	forecastAt("2025-12-15")
	if r := accuracyAt("2025-12-20"); !strings.Contains(r.stdout, "no completed month has a past forecast yet") ||
		!strings.Contains(r.stdout, "once 2026-01 has ended") {
		t.Errorf("before a forecast month ended: %q", r.stdout)
	}
	forecastAt("2026-01-15")

	// The kept forecasts of A: December's last run for January, January's for February.
	s, err = sqlite.Open(ctx, filepath.Join(dir, "se.db"))
	if err != nil {
		t.Fatal(err)
	}
	kept := func(runDay, month string) (f, lo80, hi80 float64) {
		t.Helper()
		if err := s.DB().QueryRowContext(ctx, `SELECT s.forecasted_quantity, s.lower_80, s.upper_80 FROM forecast_snapshots s
			JOIN forecast_runs r ON r.id = s.run_id WHERE r.generated_at LIKE ? AND s.sku = 'A' AND s.forecast_date = ?`,
			runDay+"%", month+"-01").Scan(&f, &lo80, &hi80); err != nil {
			t.Fatalf("snapshot of %s by the run of %s: %v", month, runDay, err)
		}
		return f, lo80, hi80
	}
	fJan, loJan, hiJan := kept("2025-12-15", "2026-01")
	fFeb, loFeb, hiFeb := kept("2026-01-15", "2026-02")
	s.Close()

	r := accuracyAt("2026-03-05", "--json", "--by", "method")
	var rep accuracyReportJSON
	var raw struct {
		Lags []struct {
			Lag int
			All map[string]any
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, r.stdout)
	}
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 3 || rep.Completed != "2026-02" || len(raw.Lags) != 3 || raw.Lags[0].Lag != 1 || raw.Lags[1].Lag != 3 {
		t.Fatalf("report: %+v", rep)
	}
	lag1 := raw.Lags[0].All
	get := func(k string) float64 {
		v, ok := lag1[k].(float64)
		if !ok {
			t.Fatalf("lag 1 %s = %v", k, lag1[k])
		}
		return v
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("lag 1 %s = %v, want %v", name, got, want)
		}
	}
	// January: actual 16; February: actual 30.
	eJan, eFeb := fJan-16, fFeb-30
	near("forecasts", get("forecasts"), 2)
	near("mae", get("mae"), (math.Abs(eJan)+math.Abs(eFeb))/2)
	near("bias", get("bias"), (eJan+eFeb)/2)
	near("bias_pct", get("bias_pct"), 100*(eJan+eFeb)/2/23)
	// Scales: December's run saw 13 months, |14-10| = 4; January's 14, (|14-10| + |20-20|)/2 = 2.
	near("mase", get("mase"), (math.Abs(eJan)/4+math.Abs(eFeb)/2)/2)
	near("mase_seasonal", get("mase_seasonal"), 2)
	// The seasonal naive of January 2026 is January 2025 (10), of February, February 2025 (10): MAE (6+20)/2.
	near("benchmark_mae", get("benchmark_mae"), 13)
	near("fva_pct", get("fva_pct"), 100*(13-(math.Abs(eJan)+math.Abs(eFeb))/2)/13)
	in := func(a, lo, hi float64) float64 {
		if a >= lo && a <= hi {
			return 1
		}
		return 0
	}
	near("coverage_80", get("coverage_80"), (in(16, loJan, hiJan)+in(30, loFeb, hiFeb))/2)
	if raw.Lags[1].All["forecasts"].(float64) != 0 || raw.Lags[1].All["mae"] != nil {
		t.Errorf("lag 3 (no run from November or before): %v", raw.Lags[1].All)
	}
	if len(rep.Lags[0].Groups) == 0 || rep.Lags[0].Groups[0].Forecasts == 0 {
		t.Errorf("lag 1 by method: %+v", rep.Lags[0].Groups)
	}

	// The table says the same.
	text := accuracyAt("2026-03-05", "--lag", "1").stdout
	if !strings.Contains(text, "completed months up to 2026-02") || !strings.Contains(text, "2026-01..2026-02") ||
		!strings.Contains(text, num((math.Abs(eJan)+math.Abs(eFeb))/2, 2, false)) || !strings.Contains(text, "2 forecasts scaled by the seasonal naive") {
		t.Errorf("table:\n%s", text)
	}
	if r := accuracyAt("2026-03-05", "--lag", "12"); !strings.Contains(r.stdout, "the first lag-12 figures come once 2026-12 has ended") {
		t.Errorf("lag 12: %q", r.stdout)
	}
	if r := runAt(t, at("2026-03-05"), env, "--config", cfg, "accuracy", "--lag", "0"); r.code != 2 || !strings.Contains(r.stderr, "lag 0 is out of range") {
		t.Errorf("--lag 0: %+v", r)
	}
	if r := runAt(t, at("2026-03-05"), env, "--config", cfg, "accuracy", "--by", "colour"); r.code != 2 || !strings.Contains(r.stderr, "unknown grouping") {
		t.Errorf("--by colour: %+v", r)
	}
}

// TestAccuracyEmptyMessages: without figures, the report says why and what to do.
func TestAccuracyEmptyMessages(t *testing.T) {
	t.Parallel()
	dec := time.Date(2025, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		rep  engine.AccuracyReport
		want string
	}{
		{engine.AccuracyReport{Lags: []int{1}}, "no past forecasts yet"},
		{engine.AccuracyReport{Lags: []int{1, 3}, Runs: 2, Oldest: dec, Current: forecast.MonthFor(2026, 1), Location: time.UTC},
			"the first lag-1 figures come once 2026-01 has ended"},
		// January has ended and nothing was measured: the runs forecast no completed month, or their SKUs lost their sales.
		{engine.AccuracyReport{Lags: []int{1}, Runs: 3, Oldest: dec, Current: forecast.MonthFor(2026, 6), Location: time.UTC, NoSales: 2},
			"no past forecast of a completed month at lag 1: the 3 kept runs (the oldest from 2025-12-01) forecast none (a lag-k forecast needs a run in the month k months before, with a horizon beyond k); 2 past forecasts were left out"},
	} {
		if got := accuracyEmpty(&tc.rep); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.rep, got, tc.want)
		}
	}
	if got := accuracyEmpty(&engine.AccuracyReport{Lags: []int{1}, Runs: 1, Points: make([]accuracy.Point, 1)}); got != "" {
		t.Errorf("with figures: %q", got)
	}
}
