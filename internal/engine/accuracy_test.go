package engine

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/store"
)

// TestAccuracy forecasts known sales at several dates on both engines, then measures: the lag-1 forecasts are
// those of the last run of each month before, set against the demand, with the benchmark and the scale from
// the history up to each run; a kept forecast of a SKU without sales is left out and counted.
func TestAccuracy(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, c := acmeEngine(t, s)
		// 13 months to November 2025, then December, January and February.
		qty := []float64{10, 20, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 14, 20, 16, 30}
		var items []*store.Item
		for i, q := range qty {
			d := time.Date(2024, time.Month(11+i), 10, 0, 0, 0, 0, time.UTC)
			items = append(items, &store.Item{ConnectionID: c.ID, LineID: int64(i + 1), OrderID: int64(i + 1), OrderName: fmt.Sprint(i),
				OrderState: "sale", DateOrder: &d, SKU: "A", ProductID: 1, Quantity: q, WriteDate: d, SyncedAt: d, UpdatedAt: d})
		}
		if _, err := s.ItemUpsertMany(ctx, items); err != nil {
			t.Fatal(err)
		}
		forecastAt := func(day time.Time) {
			t.Helper()
			eng.set.Now = func() time.Time { return day }
			if _, err := eng.ForecastAndPlan(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		forecastAt(time.Date(2025, 12, 1, 6, 0, 0, 0, time.UTC))
		forecastAt(time.Date(2025, 12, 20, 6, 0, 0, 0, time.UTC)) // December's last: January's past forecast
		forecastAt(time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC))
		// November's kept forecast of a SKU with no sales (renamed since), for January at lag 2: left out.
		gone := &store.ForecastRun{ConnectionID: c.ID, GeneratedAt: time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC),
			FirstMonth: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Horizon: 4, IntervalLevel: 80, SKUs: 1}
		if err := s.Tx(ctx, func(tx store.Executor) error {
			return tx.ForecastRunInsert(ctx, gone, []*store.ForecastSnapshot{{SKU: "GONE", Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Quantity: 5, Method: "mean", Class: "smooth"}})
		}); err != nil {
			t.Fatal(err)
		}

		eng.set.Now = func() time.Time { return time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC) }
		rep, err := eng.Accuracy(ctx, []*store.Connection{c}, []int{1, 2}, "")
		if err != nil {
			t.Fatal(err)
		}
		runs, _ := s.ForecastRunList(ctx, c.ID)
		snap := func(run *store.ForecastRun, month time.Month) float64 {
			t.Helper()
			rows, err := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{run.ID}, SKU: "A",
				Months: []time.Time{time.Date(2026, month, 1, 0, 0, 0, 0, time.UTC)}})
			if err != nil || len(rows) != 1 {
				t.Fatalf("snapshot of run %d for month %d: %v, %v", run.ID, month, rows, err)
			}
			return rows[0].Quantity
		}
		if rep.Runs != 4 || rep.NoSales != 1 || rep.Current != forecast.MonthFor(2026, 3) {
			t.Fatalf("report: %d runs, %d without sales, current %s", rep.Runs, rep.NoSales, rep.Current)
		}
		want := []struct {
			lag           int
			month         time.Month
			run           *store.ForecastRun
			actual, bench float64
			scale         float64
		}{
			{1, 1, runs[2], 16, 10, 4}, // December's last run; history to November: |14-10|
			{1, 2, runs[3], 30, 10, 2}, // January's; history to December: (|14-10|+|20-20|)/2
			{2, 2, runs[2], 30, 10, 4}, // two months ahead from December
		}
		if len(rep.Points) != len(want) {
			t.Fatalf("points: %+v; want %d", rep.Points, len(want))
		}
		for _, w := range want {
			found := false
			for _, p := range rep.Points {
				if p.Lag != w.lag || p.Month != forecast.MonthFor(2026, w.month) {
					continue
				}
				found = true
				if p.SKU != "A" || p.Actual != w.actual || p.Bench != w.bench || !p.BenchSeasonal || math.Abs(p.Scale-w.scale) > 1e-12 ||
					!p.ScaleSeasonal || p.Forecast != snap(w.run, w.month) || p.Connection != "acme" || p.Class == "" || p.Method == "" {
					t.Errorf("lag %d of month %d: %+v; want actual %g, benchmark %g, scale %g, the forecast of run %d", w.lag, w.month, p,
						w.actual, w.bench, w.scale, w.run.ID)
				}
			}
			if !found {
				t.Errorf("no lag-%d point for month %d", w.lag, w.month)
			}
		}
		// One SKU's: the dashboard's figures.
		sku, err := eng.SKUAccuracy(ctx, c, "A")
		if err != nil || len(sku.Past) != 2 || sku.Past[0].Month != forecast.MonthFor(2026, 1) || sku.Figures[0].Forecasts != 2 {
			t.Errorf("SKU accuracy: %+v, %v", sku, err)
		}
	})
}

// TestAccuracyAllKept: the accuracy page's report is kept a while: the same report again for the same lag, a new
// one for another lag, after a new forecast run, and once accuracyCacheTTL has passed (sales synced since).
func TestAccuracyAllKept(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, c := acmeEngine(t, s)
		sale := func(line int64, d time.Time, q float64) {
			t.Helper()
			it := &store.Item{ConnectionID: c.ID, LineID: line, OrderID: line, OrderName: fmt.Sprint(line), OrderState: "sale", DateOrder: &d,
				SKU: "A", ProductID: 1, Quantity: q, WriteDate: d, SyncedAt: d, UpdatedAt: d}
			if _, err := s.ItemUpsertMany(ctx, []*store.Item{it}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 14 {
			sale(int64(i+1), time.Date(2025, time.Month(1+i), 10, 0, 0, 0, 0, time.UTC), 10)
		}
		now := time.Date(2026, 1, 20, 6, 0, 0, 0, time.UTC)
		eng.set.Now = func() time.Time { return now }
		if _, err := eng.ForecastAndPlan(ctx, c); err != nil { // January's run: February at lag 1
			t.Fatal(err)
		}
		now = time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)
		first, err := eng.AccuracyAll(ctx, 1)
		if err != nil || len(first.Points) != 1 || first.Points[0].Actual != 10 || !first.MeasuredAt.Equal(now) {
			t.Fatalf("first report: %+v, %v", first, err)
		}
		sale(100, time.Date(2026, 2, 12, 0, 0, 0, 0, time.UTC), 5) // a late sale of February
		now = now.Add(time.Minute)
		if again, _ := eng.AccuracyAll(ctx, 1); again != first {
			t.Error("the report was measured again within the time it is kept")
		}
		if other, _ := eng.AccuracyAll(ctx, 3); other == first {
			t.Error("another lag got the kept report")
		}
		now = now.Add(accuracyCacheTTL)
		later, err := eng.AccuracyAll(ctx, 1)
		if err != nil || later == first || len(later.Points) != 1 || later.Points[0].Actual != 15 {
			t.Errorf("after %s: %+v, %v; want February's late sale counted", accuracyCacheTTL, later, err)
		}
		// A new forecast run is measured at once.
		if _, err := eng.ForecastAndPlan(ctx, c); err != nil {
			t.Fatal(err)
		}
		if rerun, _ := eng.AccuracyAll(ctx, 1); rerun == later {
			t.Error("a new forecast run did not measure again")
		}
	})
}
