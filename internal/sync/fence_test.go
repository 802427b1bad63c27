package sync_test

import (
	"context"
	"errors"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// TestPassStopsWritingWhenItsLeaseIsLost: a first sync runs under process a's lease; part-way, the lease expires
// and process b claims it. a's pass must write nothing more (no page, no cursor), end with "lease lost", and b's
// pass, under its own lease, brings the store to the fake's ground truth.
func TestPassStopsWritingWhenItsLeaseIsLost(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "17", smallHistory)
		claim := func(holder string, ttl time.Duration) int64 {
			t.Helper()
			if _, err := st.ServeProcessBeat(ctx, &store.ServeProcess{ID: holder, Hostname: holder, PID: 1}, ttl); err != nil {
				t.Fatal(err)
			}
			l, err := st.ConnectionLeaseClaim(ctx, holder, 1, 0)
			if err != nil || len(l) != 1 {
				t.Fatalf("%s claims: %v, %v", holder, l, err)
			}
			return l[0].Epoch
		}
		fence := func(holder string, epoch int64) func(context.Context, store.Executor) error {
			return func(ctx context.Context, tx store.Executor) error {
				return tx.ConnectionLeaseCheck(ctx, f.conn.ID, holder, epoch)
			}
		}
		orders := func() int {
			ids, err := st.OrderIDList(ctx, f.conn.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(ids)
		}
		epochA := claim("a", time.Millisecond) // a's heartbeat expires at once: b may claim its lease whenever
		var once gosync.Once
		var atTakeover int
		f.syncer.Progress = func(p sync.Progress) {
			if p.Stage == "orders" && p.Done > 0 {
				once.Do(func() {
					claim("b", time.Minute)
					atTakeover = orders()
				})
			}
		}
		res, err := f.syncer.Sync(ctx, f.conn, f.client, sync.Options{Fence: fence("a", epochA)})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("a's pass after the takeover: %v, want lease lost", err)
		}
		if atTakeover == 0 {
			t.Fatal("the takeover did not happen mid-pass")
		}
		if n := orders(); n != atTakeover {
			t.Errorf("a wrote %d orders after losing its lease (%d then)", n-atTakeover, atTakeover)
		}
		if cs, _ := st.SyncCursorList(ctx, f.conn.ID); len(cs) != 0 {
			t.Errorf("a saved cursors after losing its lease: %v", cs)
		}
		logs, err := st.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: f.conn.ID, Limit: 1})
		if err != nil || len(logs) != 1 || logs[0].ID != res.LogID || logs[0].Status != store.SyncFailed || !strings.Contains(logs[0].Error, "lease lost") {
			t.Fatalf("a's sync log: %+v, %v", logs, err)
		}

		f.syncer.Progress = nil
		for _, o := range f.srv.Orders() {
			if o.State == "sale" || o.State == "done" {
				f.ever[o.ID] = true
			}
		}
		if _, err := f.syncer.Sync(ctx, f.conn, f.client, sync.Options{Fence: fence("b", epochA+1)}); err != nil {
			t.Fatalf("b's pass: %v", err)
		}
		f.check(t)
	})
}
