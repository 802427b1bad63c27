package engine

import (
	"context"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// TestPruneSyncLogs prunes more old logs than one batch holds, on both engines, and keeps the last success.
func TestPruneSyncLogs(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, _ := newTenants(t, s, 0, nil)
		c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		old := syncLogPruneBatch + 7
		err = s.Tx(ctx, func(tx store.Executor) error {
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
