package sync_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/sync"
)

// TestSyncSurvivesDroppedConnections ends every PostgreSQL session of the store's database again and again
// (pg_terminate_backend, as a server restart or a failover does) while passes run against the fake Odoo. Each
// pass must finish, having written its transactions again on new connections, and record its outcome in
// sync_logs; in the end the store must equal the fake.
func TestSyncSurvivesDroppedConnections(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	ctx := context.Background()
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	migrate(t, st)
	f := newFixture(t, st, "17", smallHistory)
	f.syncer.PageSize = 20 // many small transactions
	// Slow Odoo down a little so that a pass spans several kills.
	f.srv.InjectFault(odootest.Fault{Kind: odootest.Slow, Delay: 3 * time.Millisecond})

	// The killer connects to the server's own database, so it is never among the sessions it ends.
	admin, err := pgx.Connect(ctx, os.Getenv(storetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed atomic.Int64
	kill := func() {
		var n int64
		if err := admin.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()) k`, dbName).Scan(&n); err != nil {
			t.Errorf("terminate sessions: %v", err)
		}
		killed.Add(n)
	}

	const rounds = 4
	for round := range rounds {
		for _, o := range f.srv.Orders() {
			if o.State == "sale" || o.State == "done" {
				f.ever[o.ID] = true
			}
		}
		before := killed.Load()
		done := make(chan struct{})
		var wg gosync.WaitGroup
		wg.Go(func() {
			tick := time.NewTicker(150 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					kill()
				}
			}
		})
		// The first pass is the initial one; the next ones are full passes, as long (an incremental pass over
		// a few changes is over before the first kill).
		_, err := f.syncer.Sync(ctx, f.conn, f.client, sync.Options{Full: round > 0})
		close(done)
		wg.Wait()
		if err != nil {
			t.Errorf("pass %d with its sessions ended %d times: %v", round+1, killed.Load()-before, err)
		}
		if killed.Load() == before {
			t.Errorf("pass %d ended before any session was terminated: make it longer", round+1)
		}
		// Odoo moves on between passes.
		f.srv.Advance(time.Hour)
		if lines := confirmedLines(f); len(lines) > round {
			must(t, f.srv.EditLine(lines[round], float64(30+round), false))
		}
		must(t, f.srv.ConfirmOrder(quotation(f)))
		f.srv.Advance(time.Minute)
	}
	f.srv.ClearFaults()
	f.sync(t, sync.Options{})
	f.check(t)

	logs, err := st.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: f.conn.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, l := range logs {
		switch {
		case l.Status == store.SyncOK:
			ok++
		case l.Status == store.SyncFailed && l.Error != "":
		default:
			t.Errorf("sync log %d: status %q, error %q; every pass must record its outcome", l.ID, l.Status, l.Error)
		}
	}
	if ok != rounds+1 || len(logs) != rounds+1 {
		t.Errorf("%d sync logs, %d ok; want %d, all ok", len(logs), ok, rounds+1)
		for _, l := range logs {
			t.Logf("log %d: %s %q %q", l.ID, l.Status, l.Error, l.Details)
		}
	}
	t.Logf("%d sessions terminated during %d passes", killed.Load(), rounds)
}
