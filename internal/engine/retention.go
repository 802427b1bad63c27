package engine

import (
	"context"
	"time"

	"github.com/salesengine/salesengine/internal/clock"
	"github.com/salesengine/salesengine/internal/store"
)

// syncLogPruneBatch bounds one delete, so pruning a large backlog never holds the write lock for long (SQLite
// has one writer: the pollers' passes wait for it).
const syncLogPruneBatch = 5000

// PruneSyncLogs deletes the sync logs that started before before, every connection's, in batches, keeping each
// connection's newest successful pass of each kind. It returns how many rows went.
func (e *Engine) PruneSyncLogs(ctx context.Context, before time.Time) (int64, error) {
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{})
	if err != nil {
		return 0, err
	}
	var total int64
	for _, c := range conns {
		for {
			n, err := e.store.SyncLogPrune(ctx, c.ID, before, syncLogPruneBatch)
			total += n
			if err != nil {
				return total, err
			}
			if n < syncLogPruneBatch {
				break
			}
		}
	}
	return total, nil
}

// pruneEvery runs prune a minute after the start, then every hour, until ctx ends; what names the rows in the
// log. serve's passes add a sync log each (1.7 million a day for 200 connections polled every 10 s), its
// forecast schedule a run of past forecasts (120,000 rows for 10,000 SKUs).
func (e *Engine) pruneEvery(ctx context.Context, clk clock.Clock, what string, prune func(ctx context.Context, now time.Time) (int64, error),
	attrs ...any) {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-clk.After(wait):
		}
		wait = time.Hour
		n, err := prune(ctx, clk.Now())
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			e.log.Warn("serve: pruning old "+what+" failed; trying again in an hour", "err", err, "pruned", n)
		case n > 0:
			e.log.Info("serve: pruned old "+what, append([]any{"rows", n}, attrs...)...)
		}
	}
}

// PruneForecastRuns thins the kept forecast runs of a connection (0: of every connection) made before now minus
// the retention (SALESENGINE_FORECAST_SNAPSHOT_RETENTION; 0 keeps every run): it deletes each run but the last
// of its calendar month (in the business's time zone). The last run before a month began is that month's past
// forecast, and the one before month m-k+1 began the lag-k forecast of month m: those stay forever. Each run
// goes in a transaction of its own, so the write lock is never held for long. It returns the snapshot rows
// deleted.
func (e *Engine) PruneForecastRuns(ctx context.Context, connectionID int64, now time.Time) (int64, error) {
	if e.set.Forecast == nil {
		return 0, notLoaded("forecast")
	}
	if e.set.Forecast.SnapshotRetention <= 0 {
		return 0, nil
	}
	runs, err := e.store.ForecastRunList(ctx, connectionID)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, id := range forecastRunsToThin(runs, e.set.Location, now.Add(-e.set.Forecast.SnapshotRetention)) {
		n, err := e.store.ForecastRunDelete(ctx, id)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// forecastRunsToThin returns the runs made before cutoff that are not the last of their connection's calendar
// month in loc.
func forecastRunsToThin(runs []*store.ForecastRun, loc *time.Location, cutoff time.Time) []int64 {
	if loc == nil {
		loc = time.UTC
	}
	type key struct {
		conn  int64
		month int
	}
	monthOf := func(r *store.ForecastRun) key {
		t := r.GeneratedAt.In(loc)
		return key{r.ConnectionID, t.Year()*12 + int(t.Month())}
	}
	last := map[key]*store.ForecastRun{}
	for _, r := range runs {
		k := monthOf(r)
		if l := last[k]; l == nil || r.GeneratedAt.After(l.GeneratedAt) || (r.GeneratedAt.Equal(l.GeneratedAt) && r.ID > l.ID) {
			last[k] = r
		}
	}
	var out []int64
	for _, r := range runs {
		if r.GeneratedAt.Before(cutoff) && last[monthOf(r)] != r {
			out = append(out, r.ID)
		}
	}
	return out
}
