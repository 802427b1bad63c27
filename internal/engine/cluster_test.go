package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// keepers is a few lease keepers, as several serve processes would run them, on one store.
type keepers struct {
	t      *testing.T
	s      store.Store
	active []*store.Connection
	ks     []*leaseKeeper
	polled []map[int64]bool
}

func (kp *keepers) add() *leaseKeeper {
	kp.t.Helper()
	// Refreshes 25 ms apart: a lease released is claimable by a keeper above the floor after 50 ms.
	k := newLeaseKeeper(kp.s, slog.New(slog.DiscardHandler), time.Minute, 25*time.Millisecond, false)
	k.proc.ID = fmt.Sprintf("p%d", len(kp.ks)+1)
	if err := k.start(context.Background()); err != nil {
		kp.t.Fatal(err)
	}
	kp.ks = append(kp.ks, k)
	kp.polled = append(kp.polled, nil)
	return k
}

// round refreshes every keeper once, in order, a refresh after the last round.
func (kp *keepers) round() {
	kp.t.Helper()
	time.Sleep(60 * time.Millisecond)
	for i, k := range kp.ks {
		if k == nil {
			continue
		}
		p, err := k.refresh(context.Background(), kp.active)
		if err != nil {
			kp.t.Fatal(err)
		}
		kp.polled[i] = p
	}
}

// shares checks that every active connection is polled by exactly one keeper, and returns how many each polls.
func (kp *keepers) shares() []int {
	kp.t.Helper()
	by := map[int64]int{}
	var out []int
	for i, p := range kp.polled {
		if kp.ks[i] == nil {
			continue
		}
		out = append(out, len(p))
		for id := range p {
			by[id]++
		}
	}
	for _, c := range kp.active {
		if by[c.ID] > 1 {
			kp.t.Errorf("connection %d polled by %d keepers", c.ID, by[c.ID])
		}
	}
	return out
}

func (kp *keepers) covered() bool {
	n := 0
	for i, p := range kp.polled {
		if kp.ks[i] != nil {
			n += len(p)
		}
	}
	return n == len(kp.active)
}

// TestLeaseKeepersShareAndRebalance: keepers started together split the connections between floor and ceiling
// of the fair share, never two on one connection; one joining takes a share from the others; one stopping
// hands its connections over at once; a pass in flight keeps its lease until it ends.
func TestLeaseKeepersShareAndRebalance(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		kp := &keepers{t: t, s: s}
		for i := range 7 {
			c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: fmt.Sprintf("c%d", i), URL: "http://x", PollInterval: time.Minute, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			kp.active = append(kp.active, c)
		}
		kp.add()
		kp.add()
		kp.round() // the first round records the processes, claims nothing
		if got := kp.shares(); got[0]+got[1] != 0 {
			t.Fatalf("claimed in the first round: %v", got)
		}
		kp.round() // each up to the floor, 3
		if got := kp.shares(); got[0] != 3 || got[1] != 3 {
			t.Fatalf("two keepers over 7 connections, second round: %v, want [3 3]", got)
		}
		kp.round() // the one left, free for two refreshes now, to the first to look
		if got := kp.shares(); !kp.covered() || got[0] != 4 || got[1] != 3 {
			t.Fatalf("two keepers over 7 connections: %v, want [4 3]", got)
		}

		// A third joins while p1 has a pass in flight on one of its connections.
		var busy int64
		for id := range kp.polled[0] {
			busy = id
			break
		}
		if _, ok := kp.ks[0].begin(busy); !ok {
			t.Fatal("begin on a held connection")
		}
		kp.add()
		for range 6 {
			kp.round()
			for i, p := range kp.polled {
				if p[busy] && i != 0 {
					t.Fatalf("keeper %d polls connection %d while p1's pass runs", i+1, busy)
				}
			}
		}
		got := kp.shares()
		if !kp.covered() || got[0] < 2 || got[0] > 3 || got[1] < 2 || got[1] > 3 || got[2] < 2 || got[2] > 3 {
			t.Errorf("three keepers over 7 connections: %v, want each 2 or 3", got)
		}
		kp.ks[0].end(busy)

		// p2 stops: the other two take its connections over in their next rounds, without waiting for the TTL.
		if err := kp.ks[1].stop(ctx); err != nil {
			t.Fatal(err)
		}
		kp.ks[1] = nil
		kp.round()
		kp.round()
		if got := kp.shares(); !kp.covered() || got[0]+got[1] != 7 || got[0] < 3 || got[1] < 3 {
			t.Errorf("after p2 stopped: %v, want 3 and 4", got)
		}
		// The epochs moved with every claim: what p2 held is fenced against it.
		ls, err := s.ConnectionLeaseList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			if l.Holder == "p2" || l.Epoch < 1 {
				t.Errorf("lease %+v after p2 stopped", l)
			}
		}
	})
}

// TestLeaseKeeperExclusive: the only serve of its database (SQLite) claims everything in its first round and
// clears the records of a process that was killed before it.
func TestLeaseKeeperExclusive(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		var active []*store.Connection
		for i := range 3 {
			c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: fmt.Sprintf("c%d", i), URL: "http://x", PollInterval: time.Minute, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			active = append(active, c)
		}
		dead := newLeaseKeeper(s, slog.New(slog.DiscardHandler), time.Minute, 2*time.Second, true)
		if err := dead.start(ctx); err != nil {
			t.Fatal(err)
		}
		if p, err := dead.refresh(ctx, active); err != nil || len(p) != 3 {
			t.Fatalf("first exclusive keeper: %v, %v", p, err)
		}
		// Killed: its leases run for another minute. The next one does not wait for them.
		k := newLeaseKeeper(s, slog.New(slog.DiscardHandler), time.Minute, 2*time.Second, true)
		if err := k.start(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := k.refresh(ctx, active)
		if err != nil || len(p) != 3 {
			t.Fatalf("exclusive keeper after a killed one: polls %v, %v; want all 3 at once", p, err)
		}
		if ps, _ := s.ServeProcessList(ctx); len(ps) != 1 || ps[0].ID != k.proc.ID {
			t.Errorf("process rows: %v", ps)
		}
	})
}

// TestClusterJobOncePerDueTime: processes firing the same time of a schedule run the work once; a run whose
// process died unfinished is taken over once; an unfinished run older than a claimed one is closed, not run.
func TestClusterJobOncePerDueTime(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		var mu gosync.Mutex
		ran := map[string][]time.Time{} // process -> due times it worked on
		job := func(k *leaseKeeper) *clusterJob {
			j := &clusterJob{name: "forecast", k: k, log: log}
			j.work = func(context.Context) error {
				mu.Lock()
				defer mu.Unlock()
				ran[k.proc.ID] = append(ran[k.proc.ID], time.Time{})
				return nil
			}
			return j
		}
		var jobs []*clusterJob
		for i := range 3 {
			k := newLeaseKeeper(s, log, time.Minute, time.Second, false)
			k.proc.ID = fmt.Sprintf("p%d", i+1)
			if err := k.start(ctx); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, job(k))
		}
		due := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		var wg gosync.WaitGroup
		for _, j := range jobs {
			wg.Go(func() {
				if err := j.run(ctx, due); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		total := 0
		for _, r := range ran {
			total += len(r)
		}
		if total != 1 {
			t.Fatalf("the run due at 12:00 worked %d times by %v, want once", total, ran)
		}

		// p1 claims 18:00 and dies before it ends (a stop: its row goes); p2 takes the run over, once.
		late := due.Add(6 * time.Hour)
		if ok, err := s.ScheduleRunClaim(ctx, "forecast", late, "p1"); err != nil || !ok {
			t.Fatalf("p1 claims 18:00: %v, %v", ok, err)
		}
		if err := jobs[0].k.stop(ctx); err != nil {
			t.Fatal(err)
		}
		orphans, err := s.ScheduleRunOrphanList(ctx)
		if err != nil || len(orphans) != 1 {
			t.Fatalf("orphans: %v, %v", orphans, err)
		}
		clear(ran)
		for _, j := range jobs[1:] {
			wg.Go(func() {
				if err := j.adopt(ctx, orphans[0]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(ran["p2"])+len(ran["p3"]) != 1 {
			t.Errorf("the orphan was worked by %v, want once", ran)
		}

		// An unfinished run of 06:00 (its process dead) when 12:00 and 18:00 are claimed: closed, not run.
		early := due.Add(-6 * time.Hour)
		if ok, err := s.ScheduleRunClaim(ctx, "forecast", early, "gone"); err != nil || !ok {
			t.Fatal(ok, err)
		}
		clear(ran)
		if err := jobs[1].adopt(ctx, &store.ScheduleRun{Name: "forecast", DueAt: early, ClaimedBy: "gone"}); err != nil {
			t.Fatal(err)
		}
		if len(ran) != 0 {
			t.Errorf("a superseded run was worked: %v", ran)
		}
		runs, err := s.ScheduleRunList(ctx, "forecast")
		if err != nil || len(runs) != 3 {
			t.Fatalf("runs: %v, %v", runs, err)
		}
		for _, r := range runs {
			if r.FinishedAt == nil {
				t.Errorf("run due %v unfinished", r.DueAt)
			}
		}
		if r := runs[0]; !r.DueAt.Equal(early) || r.Error == "" || r.ClaimedBy != "p2" {
			t.Errorf("the superseded run: %+v", r)
		}
	})
}

// TestFailedPassEnqueuesItsEvents: a pass that fails part-way (here: its lease taken over after its first page
// with events) still gives the events its committed pages stored a delivery job each; before, they waited for
// the next start of serve.
func TestFailedPassEnqueuesItsEvents(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenants(t, s, 1, nil)
		tn := tenants[0]
		if _, err := eng.SyncConnection(ctx, tn.conn, SyncOptions{}); err != nil { // the baseline
			t.Fatal(err)
		}
		if _, err := tn.srv.SimulateActivity(200, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		lost := func(ctx context.Context, tx store.Executor) error {
			ds, err := tx.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: tn.conn.ID})
			if err == nil && len(ds) > 0 {
				err = fmt.Errorf("connection %d: %w", tn.conn.ID, store.ErrLeaseLost)
			}
			return err
		}
		res, err := eng.SyncConnection(ctx, tn.conn, SyncOptions{Fence: lost})
		if !errors.Is(err, store.ErrLeaseLost) || len(res.DeliveryIDs) == 0 {
			t.Fatalf("the pass: %d events committed, %v; want some, then lease lost", len(res.DeliveryIDs), err)
		}
		var jobs int
		q := `SELECT COUNT(*) FROM river_job WHERE kind = ` + map[store.Dialect]string{store.DialectSQLite: "?", store.DialectPostgres: "$1"}[s.Dialect()]
		if err := s.DB().QueryRowContext(ctx, q, webhook.JobKind).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != len(res.DeliveryIDs) {
			t.Errorf("%d delivery jobs for the %d events the failed pass committed", jobs, len(res.DeliveryIDs))
		}
	})
}

// TestUnqueuedDeliveriesAreEnqueuedAgain: deliveries a pass committed but could not give a job (the database
// failed between the commit and the enqueue) get one from serve's retry, without waiting for the next start;
// so does every pending delivery when the start-up sweep failed.
func TestUnqueuedDeliveriesAreEnqueuedAgain(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenants(t, s, 1, nil)
		tn := tenants[0]
		if _, err := eng.SyncConnection(ctx, tn.conn, SyncOptions{}); err != nil { // the baseline
			t.Fatal(err)
		}
		if _, err := tn.srv.SimulateActivity(200, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		res, err := eng.SyncConnection(ctx, tn.conn, SyncOptions{})
		if err != nil || len(res.DeliveryIDs) < 2 {
			t.Fatalf("the pass: %d events, %v; want some", len(res.DeliveryIDs), err)
		}
		jobs := func() int {
			t.Helper()
			var n int
			q := `SELECT COUNT(*) FROM river_job WHERE kind = ` + map[store.Dialect]string{store.DialectSQLite: "?", store.DialectPostgres: "$1"}[s.Dialect()]
			if err := s.DB().QueryRowContext(ctx, q, webhook.JobKind).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The jobs lost, as when the enqueue after the pass's commit failed.
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM river_job`); err != nil {
			t.Fatal(err)
		}
		half := res.DeliveryIDs[:len(res.DeliveryIDs)/2]
		eng.unqueued.add(half)
		tick := make(chan time.Time)
		done := make(chan struct{})
		rctx, stop := context.WithCancel(ctx)
		go func() { defer close(done); eng.enqueueLeftovers(rctx, func() <-chan time.Time { return tick }) }()
		tick <- time.Now()
		tick <- time.Now() // the first round is done once the loop takes the second tick
		if n := jobs(); n != len(half) {
			t.Errorf("%d jobs after the retry, want the %d deliveries that were left without one", n, len(half))
		}
		if ids, sweep := eng.unqueued.take(); len(ids) != 0 || sweep {
			t.Errorf("left to enqueue after a good retry: %v, sweep %v", ids, sweep)
		}
		// The start-up sweep failed: the retry enqueues every pending delivery.
		eng.unqueued.sweepLater()
		tick <- time.Now()
		tick <- time.Now()
		if n := jobs(); n != len(res.DeliveryIDs) {
			t.Errorf("%d jobs after the sweep's retry, want one for each of the %d pending deliveries", n, len(res.DeliveryIDs))
		}
		stop()
		<-done
	})
}

// TestServeForgetsDeletedConnectionsClients: serve keeps an Odoo client per connection from pass to pass; a
// connection deleted or disabled loses its client at the pollers' next refresh (it kept it until serve stopped).
func TestServeForgetsDeletedConnectionsClients(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenants(t, s, 3, nil)
		eng.clients = &clientCache{byID: map[int64]cachedClient{}}
		k := newLeaseKeeper(s, slog.New(slog.DiscardHandler), time.Minute, 25*time.Millisecond, true)
		if err := k.start(ctx); err != nil {
			t.Fatal(err)
		}
		eng.leases = k
		src := pollSource{eng}
		if _, err := src.PollTargets(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tn := range tenants {
			if _, err := eng.client(tn.conn); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ConnectionDelete(ctx, tenants[0].conn.ID); err != nil {
			t.Fatal(err)
		}
		off := false
		if _, err := s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: tenants[1].conn.ID, Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := src.PollTargets(ctx); err != nil {
			t.Fatal(err)
		}
		eng.clients.mu.Lock()
		defer eng.clients.mu.Unlock()
		if _, ok := eng.clients.byID[tenants[2].conn.ID]; len(eng.clients.byID) != 1 || !ok {
			t.Errorf("clients kept for %d connections, want only the one still active (%d)", len(eng.clients.byID), tenants[2].conn.ID)
		}
	})
}
