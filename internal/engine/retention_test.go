package engine

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/clock"
	"github.com/salesengine/salesengine/internal/store/sqlite"

	"github.com/salesengine/salesengine/internal/store"
)

// TestPruneSyncLogs prunes more old logs than one batch holds, on both engines, and keeps the last success.
func TestPruneSyncLogs(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, c := acmeEngine(t, s)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		old := syncLogPruneBatch + 7
		err := s.Tx(ctx, func(tx store.Executor) error {
			for i := range old + 1 {
				status := store.SyncFailed
				if i == 0 {
					status = store.SyncOK // the only success: stays
				}
				start := t0.Add(time.Duration(i) * time.Second)
				if _, err := tx.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: c.ID, Kind: "incremental", StartedAt: start, FinishedAt: &start, Status: status}); err != nil {
					return err
				}
			}
			recent := t0.Add(48 * time.Hour)
			_, err := tx.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: c.ID, Kind: "incremental", StartedAt: recent, FinishedAt: &recent, Status: store.SyncFailed})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := eng.PruneSyncLogs(ctx, t0.Add(24*time.Hour))
		if err != nil || n != int64(old) {
			t.Fatalf("pruned %d, %v; want %d (more than one batch)", n, err, old)
		}
		left, err := s.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: c.ID})
		if err != nil || len(left) != 2 || left[1].Status != store.SyncOK || left[0].Status != store.SyncFailed {
			t.Fatalf("left %d rows (%v): want the recent failure and the one success", len(left), err)
		}
	})
}

// TestForecastRunsToThin: old runs go but the last of each calendar month of the business's time zone, per
// connection; recent runs all stay.
func TestForecastRunsToThin(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	runs := []*store.ForecastRun{
		{ID: 1, ConnectionID: 1, GeneratedAt: at("2025-10-01 06:00")},
		{ID: 2, ConnectionID: 1, GeneratedAt: at("2025-10-31 18:00")},
		{ID: 3, ConnectionID: 1, GeneratedAt: at("2025-11-01 03:00")}, // still 31 October in Mexico City (UTC-6)
		{ID: 4, ConnectionID: 1, GeneratedAt: at("2025-11-20 12:00")},
		{ID: 5, ConnectionID: 2, GeneratedAt: at("2025-10-02 12:00")}, // another connection's October: its own last
		{ID: 6, ConnectionID: 1, GeneratedAt: at("2026-02-27 12:00")}, // recent, not the last of February: stays
		{ID: 7, ConnectionID: 1, GeneratedAt: at("2026-02-28 12:00")},
	}
	mexico, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	cutoff := at("2025-12-01 00:00")
	for _, tc := range []struct {
		loc  *time.Location
		want []int64
	}{
		{time.UTC, []int64{1, 3}}, // October's last is 2, November's 4
		{mexico, []int64{1, 2}},   // October's last is 3 (local 21:00 on the 31st), November's 4
	} {
		got := forecastRunsToThin(runs, tc.loc, cutoff)
		if len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[1] != tc.want[1])) {
			t.Errorf("%s: thinned %v, want %v", tc.loc, got, tc.want)
		}
	}
}

// TestPruneForecastRuns deletes the runs to thin with their rows, on both engines, and keeps every run with a
// retention of 0.
func TestPruneForecastRuns(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, c := acmeEngine(t, s)
		var ids []int64
		for _, d := range []time.Time{time.Date(2025, 10, 1, 6, 0, 0, 0, time.UTC), time.Date(2025, 10, 20, 6, 0, 0, 0, time.UTC),
			time.Date(2026, 2, 1, 6, 0, 0, 0, time.UTC), time.Date(2026, 2, 2, 6, 0, 0, 0, time.UTC)} {
			run := &store.ForecastRun{ConnectionID: c.ID, GeneratedAt: d, FirstMonth: time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC),
				Horizon: 2, IntervalLevel: 80, SKUs: 1}
			rows := []*store.ForecastSnapshot{{SKU: "A", Date: run.FirstMonth, Quantity: 1, Method: "mean", Class: "smooth"},
				{SKU: "A", Date: run.FirstMonth.AddDate(0, 1, 0), Quantity: 1, Method: "mean", Class: "smooth"}}
			if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastRunInsert(ctx, run, rows) }); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, run.ID)
		}
		now := time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC) // 90 days back: 5 November
		eng.set.Forecast.SnapshotRetention = 0
		if n, err := eng.PruneForecastRuns(ctx, 0, now); err != nil || n != 0 {
			t.Fatalf("retention 0 pruned %d, %v; want nothing", n, err)
		}
		eng.set.Forecast.SnapshotRetention = 90 * 24 * time.Hour
		n, err := eng.PruneForecastRuns(ctx, 0, now)
		if err != nil || n != 2 {
			t.Fatalf("pruned %d rows, %v; want the 2 of 1 October's run", n, err)
		}
		left, err := s.ForecastRunList(ctx, c.ID)
		if err != nil || len(left) != 3 || left[0].ID != ids[1] || left[1].ID != ids[2] || left[2].ID != ids[3] {
			t.Fatalf("runs left = %+v, %v; want October's last and both recent ones", left, err)
		}
	})
}

// TestPruneEvery: serve's pruning runs a minute after the start, then hourly, with the clock's time, until its
// context ends.
func TestPruneEvery(t *testing.T) {
	t.Parallel()
	e := &Engine{log: slog.New(slog.DiscardHandler)}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	calls := make(chan time.Time, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.pruneEvery(ctx, clk, "past forecasts", func(_ context.Context, now time.Time) (int64, error) { calls <- now; return 1, nil })
	}()
	for _, step := range []time.Duration{time.Minute, time.Hour} {
		clk.WaitWaiters(t, 1)
		clk.Advance(step)
		if got := <-calls; !got.Equal(clk.Now()) {
			t.Errorf("pruned with now %s, want %s", got, clk.Now())
		}
	}
	clk.WaitWaiters(t, 1)
	cancel()
	<-done
	if len(calls) != 0 {
		t.Errorf("%d more prunes than the clock allowed", len(calls))
	}
}

// TestScheduledForecastKeepsRuns: serve's scheduled forecast keeps a run of every active connection.
func TestScheduledForecastKeepsRuns(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "se.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.MigrationApply(context.Background()); err != nil {
		t.Fatal(err)
	}
	eng, tenants := newTenants(t, s, 2, nil)
	syncAtOnce(t, eng, tenants)
	if err := eng.scheduledForecast(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tn := range tenants {
		runs, err := s.ForecastRunList(context.Background(), tn.conn.ID)
		if err != nil || len(runs) != 1 || runs[0].SKUs == 0 {
			t.Errorf("%s: kept runs %+v, %v; want one", tn.conn.Name, runs, err)
		}
	}
}
