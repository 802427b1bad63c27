package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra, namedTest{"ServeProcess", testServeProcess}, namedTest{"ConnectionLease", testConnectionLease},
		namedTest{"LeaseFence", testLeaseFence}, namedTest{"ScheduleRun", testScheduleRun})
}

func leasedConnections(t *testing.T, s store.Store, names ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, n := range names {
		c, err := s.ConnectionInsert(context.Background(), sampleConnection(n))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func leaseIDs(ls []*store.ConnectionLease) []int64 {
	out := make([]int64, len(ls))
	for i, l := range ls {
		out[i] = l.ConnectionID
	}
	slices.Sort(out)
	return out
}

func beat(t *testing.T, s store.Store, id string, ttl time.Duration) store.ServeProcessBeatResult {
	t.Helper()
	r, err := s.ServeProcessBeat(context.Background(), &store.ServeProcess{ID: id, Hostname: "host-" + id, PID: 100}, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func liveIDs(r store.ServeProcessBeatResult) []string {
	var out []string
	for _, p := range r.Live {
		out = append(out, p.ID)
	}
	return out
}

// testServeProcess: heartbeats make a process live until its TTL passes without one, and its end releases its
// leases.
func testServeProcess(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	ttl := 400 * time.Millisecond
	beat(t, s, "a", ttl)
	r := beat(t, s, "b", ttl)
	if got := liveIDs(r); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("live after two heartbeats: %v", got)
	}
	if r.Now.IsZero() || time.Since(r.Now).Abs() > time.Minute {
		t.Errorf("database clock %v, far from ours", r.Now)
	}
	time.Sleep(ttl + 100*time.Millisecond)
	if got := liveIDs(beat(t, s, "b", time.Minute)); !slices.Equal(got, []string{"b"}) {
		t.Errorf("live after a's silence: %v, want [b]", got)
	}
	ps, err := s.ServeProcessList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Hostname != "host-a" || ps[0].PID != 100 || ps[0].Name() != "host-a:100" ||
		!ps[0].HeartbeatAt.Before(ps[1].HeartbeatAt) || !ps[0].ExpiresAt.Equal(ps[0].HeartbeatAt.Add(ttl)) {
		t.Errorf("process rows: %+v %+v", ps[0], ps[1])
	}

	ids := leasedConnections(t, s, "acme", "beta")
	held, err := s.ConnectionLeaseClaim(ctx, "b", 10, 0)
	if err != nil || len(held) != 2 {
		t.Fatalf("claim: %v, %v", held, err)
	}
	for _, p := range beat(t, s, "b", time.Minute).Live {
		if want := map[string]int{"b": 2}[p.ID]; p.Leases != want {
			t.Errorf("process %s holds %d leases, want %d", p.ID, p.Leases, want)
		}
	}
	if err := s.ServeProcessEnd(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	ls, err := s.ConnectionLeaseList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Holder != "" || ls[1].Holder != "" {
		t.Errorf("leases after b ended: %+v %+v, want released", ls[0], ls[1])
	}
	// Released at once: another process claims them without waiting for b's TTL.
	beat(t, s, "c", time.Minute)
	held, err = s.ConnectionLeaseClaim(ctx, "c", 10, 0)
	if err != nil || !slices.Equal(leaseIDs(held), ids) {
		t.Errorf("claim after b ended: %v, %v; want %v", leaseIDs(held), err, ids)
	}
	if ps, _ := s.ServeProcessList(ctx); len(ps) != 2 || ps[0].ID != "a" || ps[1].ID != "c" {
		t.Errorf("rows after b ended: %v", ps)
	}
}

// testConnectionLease: claims divide the connections without overlap, each claim increments the epoch, a lease
// lives as long as its holder's heartbeat, a release frees a lease at once (rebalancing) or after freeFor, and
// inactive connections are never leased.
func testConnectionLease(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	ids := leasedConnections(t, s, "c1", "c2", "c3", "c4", "c5")
	off := false
	if _, err := s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: ids[4], Active: &off}); err != nil {
		t.Fatal(err)
	}
	active := ids[:4]
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		beat(t, s, p, time.Minute)
	}

	// Two processes claiming at once, each up to three: four connections between them, none twice.
	var wg sync.WaitGroup
	got := make([][]*store.ConnectionLease, 2)
	for i, h := range []string{"p1", "p2"} {
		wg.Go(func() {
			l, err := s.ConnectionLeaseClaim(ctx, h, 3, 0)
			if err != nil {
				t.Error(err)
			}
			got[i] = l
		})
	}
	wg.Wait()
	all := append(leaseIDs(got[0]), leaseIDs(got[1])...)
	slices.Sort(all)
	if !slices.Equal(all, active) {
		t.Fatalf("claimed %v and %v; want the active %v, each once", leaseIDs(got[0]), leaseIDs(got[1]), active)
	}
	for _, l := range append(got[0], got[1]...) {
		if l.Epoch != 1 || l.ClaimedAt == nil || l.ClaimedAt.Before(l.FreedAt) {
			t.Errorf("first claim: %+v, want epoch 1, claimed after its row was made", l)
		}
	}
	// Nothing is left to claim while p1 and p2 live.
	if l, err := s.ConnectionLeaseClaim(ctx, "p3", 10, 0); err != nil || len(l) != 0 {
		t.Errorf("p3 claimed %v, %v; want nothing", leaseIDs(l), err)
	}
	p1, p2 := leaseIDs(got[0]), leaseIDs(got[1])
	if held, err := s.ConnectionLeaseHeld(ctx, "p1"); err != nil || !slices.Equal(leaseIDs(held), p1) || held[0].Epoch != 1 {
		t.Fatalf("held by p1: %v, %v; want %v", leaseIDs(held), err, p1)
	}

	// Rebalance: p1 releases one, p3 claims it with the next epoch (not when it wants leases free for an
	// hour); releasing what p1 does not hold changes nothing.
	if err := s.ConnectionLeaseRelease(ctx, "p1", []int64{p1[0], p2[0]}); err != nil {
		t.Fatal(err)
	}
	if l, err := s.ConnectionLeaseClaim(ctx, "p3", 10, time.Hour); err != nil || len(l) != 0 {
		t.Errorf("p3 claimed %v (free for an hour), %v; want nothing", leaseIDs(l), err)
	}
	l, err := s.ConnectionLeaseClaim(ctx, "p3", 10, 0)
	if err != nil || len(l) != 1 || l[0].ConnectionID != p1[0] || l[0].Epoch != 2 {
		t.Fatalf("p3 after p1's release: %+v, %v; want connection %d at epoch 2", l, err, p1[0])
	}
	if r, _ := s.ConnectionLeaseHeld(ctx, "p2"); !slices.Equal(leaseIDs(r), p2) {
		t.Errorf("p2 lost leases to p1's release of one it does not hold: %v", leaseIDs(r))
	}

	// Expiry: p2 falls silent (its last heartbeat good for 300 ms); its leases go to p4, at epoch 2.
	beat(t, s, "p2", 300*time.Millisecond)
	if l, _ := s.ConnectionLeaseClaim(ctx, "p4", 10, 0); len(l) != 0 {
		t.Fatalf("p4 claimed %v while p2 lives", leaseIDs(l))
	}
	time.Sleep(400 * time.Millisecond)
	l, err = s.ConnectionLeaseClaim(ctx, "p4", 10, time.Hour) // a dead holder's lease is free at once
	if err != nil || !slices.Equal(leaseIDs(l), p2) || l[0].Epoch != 2 {
		t.Fatalf("p4 after p2's expiry: %+v, %v; want %v at epoch 2", l, err, p2)
	}
	if r, _ := s.ConnectionLeaseHeld(ctx, "p2"); len(r) != 0 {
		t.Errorf("p2 holds %v after losing them", leaseIDs(r))
	}

	// The list names the holders and says who lives; the inactive connection was never leased; a deleted
	// connection's lease goes with it.
	ls, err := s.ConnectionLeaseList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.ConnectionID == ids[4] {
			t.Errorf("inactive connection leased: %+v", l)
		}
		if l.Holder != "" && (l.HolderName != "host-"+l.Holder+":100" || !l.HolderLive) {
			t.Errorf("lease %+v: want its holder named and alive", l)
		}
	}
	if err := s.ConnectionDelete(ctx, active[0]); err != nil {
		t.Fatal(err)
	}
	after, _ := s.ConnectionLeaseList(ctx)
	if len(after) != len(ls)-1 {
		t.Errorf("%d leases after deleting a connection, want %d", len(after), len(ls)-1)
	}
}

// testLeaseFence: a pass's write transaction checks its lease first. The check fails once another process holds
// the lease, and while a transaction holds the check, no claim takes the lease: the claim either waits for the
// commit (SQLite's one writer) or passes it by (PostgreSQL's SKIP LOCKED), so the new holder's pass starts after
// the old holder's last write.
func testLeaseFence(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	id := leasedConnections(t, s, "acme")[0]
	beat(t, s, "old", 200*time.Millisecond)
	beat(t, s, "new", time.Minute)
	l, err := s.ConnectionLeaseClaim(ctx, "old", 1, 0)
	if err != nil || len(l) != 1 {
		t.Fatalf("claim: %v, %v", l, err)
	}
	epoch := l[0].Epoch
	if err := s.ConnectionLeaseCheck(ctx, id, "old", epoch); err != nil {
		t.Fatalf("check of the holder: %v", err)
	}
	if err := s.ConnectionLeaseCheck(ctx, id, "old", epoch+1); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("check at another epoch: %v, want ErrLeaseLost", err)
	}
	time.Sleep(300 * time.Millisecond) // old's heartbeat expired: its lease is claimable

	var committed time.Time
	claimed := make(chan time.Time, 1)
	var claimErr error
	var firstClaim []*store.ConnectionLease
	err = s.Tx(ctx, func(tx store.Executor) error {
		// Nobody claimed it yet: old, paused past its expiry, may still write.
		if err := tx.ConnectionLeaseCheck(ctx, id, "old", epoch); err != nil {
			return err
		}
		if s.Dialect() == store.DialectPostgres {
			// Heartbeats and the list of what a process holds never wait for its passes' transactions (on
			// SQLite every write waits for the one writer, this transaction).
			bctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := s.ServeProcessBeat(bctx, &store.ServeProcess{ID: "new", Hostname: "host-new", PID: 100}, time.Minute)
			if err == nil {
				_, err = s.ConnectionLeaseHeld(bctx, "old")
			}
			cancel()
			if err != nil {
				return fmt.Errorf("a heartbeat while a pass writes: %w", err)
			}
		}
		go func() {
			firstClaim, claimErr = s.ConnectionLeaseClaim(ctx, "new", 1, 0)
			claimed <- time.Now()
		}()
		time.Sleep(300 * time.Millisecond) // the claim runs meanwhile
		if err := tx.SyncCursorSet(ctx, &store.SyncCursor{ConnectionID: id, Model: "sale.order", WriteDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Now()}); err != nil {
			return err
		}
		committed = time.Now()
		return nil
	})
	if err != nil {
		t.Fatalf("the old holder's write: %v", err)
	}
	at := <-claimed
	if claimErr != nil {
		t.Fatal(claimErr)
	}
	if len(firstClaim) == 1 && at.Before(committed) {
		t.Fatalf("claimed at %v while the fenced transaction was open (committed %v)", at, committed)
	}
	if len(firstClaim) == 0 { // passed by: the next claim gets it
		if firstClaim, err = s.ConnectionLeaseClaim(ctx, "new", 1, 0); err != nil || len(firstClaim) != 1 {
			t.Fatalf("claim after the commit: %v, %v", firstClaim, err)
		}
	}
	if firstClaim[0].Epoch != epoch+1 || firstClaim[0].Holder != "new" {
		t.Errorf("new lease %+v, want holder new at epoch %d", firstClaim[0], epoch+1)
	}
	// The old holder's next write transaction is refused, even once it beats again.
	beat(t, s, "old", time.Minute)
	err = s.Tx(ctx, func(tx store.Executor) error { return tx.ConnectionLeaseCheck(ctx, id, "old", epoch) })
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("old holder's check after the takeover: %v, want ErrLeaseLost", err)
	}
	if err := s.ConnectionLeaseCheck(ctx, id, "new", epoch+1); err != nil {
		t.Errorf("new holder's check: %v", err)
	}
}

// testScheduleRun: one process gets a (job, due time); a run left unfinished by a dead process is taken over
// once; a finished one is never run again.
func testScheduleRun(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	ttl := time.Minute
	beat(t, s, "a", ttl)
	beat(t, s, "b", ttl)
	due := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	claim := func(holder string, due time.Time) bool {
		t.Helper()
		ok, err := s.ScheduleRunClaim(ctx, "forecast", due, holder)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	var wg sync.WaitGroup
	wins := make([]bool, 2)
	for i, h := range []string{"a", "b"} {
		wg.Go(func() { wins[i] = claim(h, due) })
	}
	wg.Wait()
	if wins[0] == wins[1] {
		t.Fatalf("claims of one due time: a %v, b %v; want exactly one", wins[0], wins[1])
	}
	winner, loser := "a", "b"
	if wins[1] {
		winner, loser = "b", "a"
	}
	if claim(loser, due) || claim(winner, due) {
		t.Error("a claimed run claimed again")
	}
	if o, err := s.ScheduleRunOrphanList(ctx); err != nil || len(o) != 0 {
		t.Errorf("orphans while the claimer lives: %v, %v", o, err)
	}
	// The winner dies mid-run: its run is an orphan, taken over by the loser, once.
	if err := s.ServeProcessEnd(ctx, winner); err != nil {
		t.Fatal(err)
	}
	o, err := s.ScheduleRunOrphanList(ctx)
	if err != nil || len(o) != 1 || o[0].ClaimedBy != winner || !o[0].DueAt.Equal(due) || o[0].FinishedAt != nil {
		t.Fatalf("orphans after the claimer died: %+v, %v", o, err)
	}
	if !claim(loser, due) {
		t.Fatal("the orphan was not taken over")
	}
	if claim(loser, due) {
		t.Error("taken over twice")
	}
	if err := s.ScheduleRunFinish(ctx, "forecast", due, loser, "acme: no sales"); err != nil {
		t.Fatal(err)
	}
	beat(t, s, "c", ttl)
	if claim("c", due) {
		t.Error("a finished run claimed again")
	}
	if !claim("c", due.Add(6*time.Hour)) {
		t.Error("the next due time not claimed")
	}
	runs, err := s.ScheduleRunList(ctx, "forecast")
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs: %v, %v", runs, err)
	}
	if r := runs[0]; r.ClaimedBy != loser || r.FinishedAt == nil || r.Error != "acme: no sales" || !r.DueAt.Equal(due) {
		t.Errorf("first run: %+v", r)
	}
	if r := runs[1]; r.ClaimedBy != "c" || r.FinishedAt != nil {
		t.Errorf("second run: %+v", r)
	}
}
