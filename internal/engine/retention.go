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

// pruneSyncLogsEvery prunes the logs older than retention a minute after the start, then every hour, until ctx
// ends: serve's passes add a row each (1.7 million a day for 200 connections polled every 10 s).
func (e *Engine) pruneSyncLogsEvery(ctx context.Context, clk clock.Clock, retention time.Duration) {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-clk.After(wait):
		}
		wait = time.Hour
		n, err := e.PruneSyncLogs(ctx, clk.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			e.log.Warn("serve: pruning old sync logs failed; trying again in an hour", "err", err, "pruned", n)
		case n > 0:
			e.log.Info("serve: pruned old sync logs", "rows", n, "retention", retention.String())
		}
	}
}
