package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// TestPlanMonthBounds: a plan is for this month (in SALESENGINE_TIMEZONE) up to the end of the forecast horizon;
// a month outside is a usage error naming the bound, refused before any work (1900-2900 once ran for minutes).
func TestPlanMonthBounds(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	now := time.Date(2026, time.December, 6, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--month", "2026-11"}, []string{"--month 2026-11 is in the past", "this month (2026-12)", "from 2026-12 (this month) to 2027-11"}},
		{[]string{"--from", "2026-01", "--to", "2026-12"}, []string{"--from 2026-01 is in the past"}},
		{[]string{"--to", "2026-11"}, []string{"--to 2026-11 is in the past"}},
		{[]string{"--from", "1900-01", "--to", "2900-12"}, []string{"--from 1900-01 is in the past"}},
		{[]string{"--from", "2026-12", "--to", "2900-12"}, []string{"--to 2900-12 is beyond the forecast horizon: the forecast covers 12 months, 2026-12 to 2027-11",
			"SALESENGINE_FORECAST_HORIZON=12"}},
		{[]string{"--to", "2027-12"}, []string{"--to 2027-12 is beyond the forecast horizon"}},
		{[]string{"--month", "2028-01"}, []string{"--month 2028-01 is beyond the forecast horizon"}},
	} {
		start := time.Now()
		r := runAt(t, now, env, append([]string{"--config", cfg, "plan"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "Hint:") {
			t.Errorf("plan %v: exit %d, stderr %q; want a usage error (2) with a hint", tt.args, r.code, r.stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("plan %v: stderr %q lacks %q", tt.args, r.stderr, w)
			}
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("plan %v took %s to refuse", tt.args, took)
		}
	}

	// A longer horizon widens the bound; the month check passes and the command goes on to find no connection.
	long := map[string]string{"SALESENGINE_FORECAST_HORIZON": "18"}
	for k, v := range env {
		long[k] = v
	}
	if r := runAt(t, now, long, "--config", cfg, "plan", "--to", "2028-05"); !strings.Contains(r.stderr, "no active connections") {
		t.Errorf("plan --to 2028-05 with an 18-month horizon: %+v; want the month accepted", r)
	}
	// "This month" is the business's: 03:00 UTC on December 1st is still November in Mexico City.
	mx := map[string]string{"SALESENGINE_TIMEZONE": "America/Mexico_City"}
	for k, v := range env {
		mx[k] = v
	}
	if r := runAt(t, time.Date(2026, time.December, 1, 3, 0, 0, 0, time.UTC), mx, "--config", cfg, "plan", "--month", "2026-11"); !strings.Contains(r.stderr, "no active connections") {
		t.Errorf("plan --month 2026-11 on November 30th in Mexico City: %+v; want the month accepted", r)
	}
}

// TestDemoThenToday runs the demo on the real clock, then forecasts and plans as of today, as the README suggests
// after the demo: the demo's history ends today, so the figures are real, not zeros.
func TestDemoThenToday(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	db := filepath.Join(dir, "demo.db")
	r := run(t, env, "--config", cfg, "demo", "--no-serve", "--skus", "30", "--years", "2", "--db", db)
	if r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	today := time.Now().UTC().Format("2006-01")
	if !strings.Contains(r.stdout, "plan for "+today) {
		t.Errorf("the demo did not plan this month (%s):\n%s", today, r.stdout)
	}
	env["DATABASE_URL"] = "sqlite:" + db
	r = run(t, env, "--config", cfg, "forecast")
	if r.code != 0 || !strings.Contains(r.stdout, "plan for "+today) {
		t.Fatalf("forecast: %+v", r)
	}
	r = run(t, env, "--config", cfg, "plan", "--format", "json")
	if r.code != 0 {
		t.Fatalf("plan: %+v", r)
	}
	var rows []struct {
		Month       string
		Priority    string
		Forecast    float64 `json:"forecast_quantity"`
		Recommended float64 `json:"recommended_quantity"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, r.stdout)
	}
	var forecast float64
	produce := 0
	for _, row := range rows {
		if row.Month != today {
			t.Errorf("plan row for %s, want this month %s", row.Month, today)
		}
		forecast += row.Forecast
		if row.Recommended > 0 && row.Priority != "BAJA" {
			produce++
		}
	}
	// The months just before this one have sales, and this month's forecast is of their order: a history that
	// ended months ago leaves those months empty and forecasts a fraction of the demand.
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := time.Now().UTC()
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	var recent float64
	if err := s.DB().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(quantity), 0) / 3 FROM sales_items
		WHERE order_state IN ('sale', 'done') AND date_order >= ? AND date_order < ?`,
		first.AddDate(0, -3, 0).Format(time.DateOnly), first.Format(time.DateOnly)).Scan(&recent); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 || recent == 0 || forecast < recent/2 || forecast > 2*recent || produce == 0 {
		t.Errorf("plan for today: %d rows, total forecast %.1f against %.1f sold per month over the last 3 months, %d with something to produce; want real figures",
			len(rows), forecast, recent, produce)
	}
}
