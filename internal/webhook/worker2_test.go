package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/salesengine/salesengine/internal/store"
)

// TestWorkerOrdersByWriteDate: three changes of one order; the oldest fails twice, the newer ones must wait
// for it and go out in write_date order.
func TestWorkerOrdersByWriteDate(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ds := newMemDeliveries()
		var firstID atomic.Value
		ep := newEndpoint(t, testSecretA, func(call int, id string, _ http.ResponseWriter, _ *http.Request) int {
			if id == firstID.Load() && call <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		ds.addConnection(1, ep.srv.URL, testSecretA)
		// Inserted newest first so that delivery ids (and job order) disagree with write_date order.
		d3 := ds.add(1, 7, wd0.Add(2*time.Minute))
		d2 := ds.add(1, 7, wd0.Add(time.Minute))
		d1 := ds.add(1, 7, wd0)
		other := ds.add(1, 8, wd0) // another order is not held back
		firstID.Store(ds.get(d1).EventID)
		q := open(t, testQueueConfig(ds))
		if err := q.Enqueue(ctx, d3, d2, d1, other); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == 4 }); err != nil {
			t.Fatal(err)
		}
		hits, _ := ep.snapshot()
		var order []string
		for _, h := range hits {
			if h.Status == http.StatusOK && h.ID != ds.get(other).EventID {
				order = append(order, h.ID)
			}
		}
		want := []string{ds.get(d1).EventID, ds.get(d2).EventID, ds.get(d3).EventID}
		if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
			t.Errorf("delivered order %v, want write_date order %v", order, want)
		}
		if len(hits) != 6 {
			t.Errorf("endpoint saw %d requests, want 6 (2 failures of the oldest + 4 deliveries)", len(hits))
		}
	})
}

// TestWorkerCircuitBreaker: failures over the minimum of requests open the circuit (persisted), deliveries wait instead of
// hammering the endpoint, a half-open probe succeeds and closes it.
func TestWorkerCircuitBreaker(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		var calls atomic.Int32
		var healthy atomic.Bool
		ep := newEndpoint(t, testSecretA, func(int, string, http.ResponseWriter, *http.Request) int {
			calls.Add(1)
			if healthy.Load() {
				return http.StatusOK
			}
			return http.StatusInternalServerError
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		var ids []int64
		for i := range 5 {
			ids = append(ids, ds.add(1, int64(20+i), wd0))
		}
		cfg := testQueueConfig(ds)
		cfg.Breaker = BreakerPolicy{MinRequests: 3, Cooldown: 300 * time.Millisecond}
		cfg.EndpointConcurrency = 1 // one request at a time makes the failure count exact
		q := open(t, cfg)
		if err := q.Enqueue(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		opened := func() bool {
			ds.mu.Lock()
			defer ds.mu.Unlock()
			return ds.conns[1].circuit.State == CircuitOpen
		}
		if err := ds.waitFor(ctx, opened); err != nil {
			t.Fatalf("circuit never opened: %v", err)
		}
		n := calls.Load()
		if n != 3 {
			t.Errorf("%d requests before the circuit opened, want the threshold 3", n)
		}
		healthy.Store(true)
		closed := func() bool {
			ds.mu.Lock()
			defer ds.mu.Unlock()
			return ds.conns[1].circuit.State == CircuitClosed
		}
		// The breaker is persisted after the attempt is recorded: wait for both.
		if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == 5 && closed() }); err != nil {
			t.Fatalf("not all delivered after recovery (%d), circuit closed %v: %v", ds.countState(store.DeliveryDelivered), closed(), err)
		}
		ds.mu.Lock()
		log := append([]Circuit(nil), ds.circuitLog...)
		final := ds.conns[1].circuit
		ds.mu.Unlock()
		var sawHalfOpen bool
		for _, c := range log {
			sawHalfOpen = sawHalfOpen || c.State == CircuitHalfOpen
		}
		if !sawHalfOpen || final.State != CircuitClosed || final.Failures != 0 {
			t.Errorf("circuit history %+v, final %+v", log, final)
		}
	})
}

// TestWorkerKillAndRestart stops the River client while a request is in flight and starts a new client on the
// same database: the delivery is sent again with the same webhook-id and recorded once.
func TestWorkerKillAndRestart(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		inFlight := make(chan struct{})
		var once sync.Once
		ep := newEndpoint(t, testSecretA, func(call int, _ string, _ http.ResponseWriter, r *http.Request) int {
			if call == 1 {
				once.Do(func() { close(inFlight) })
				<-r.Context().Done() // hang until the sender gives up
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		id := ds.add(1, 30, wd0)

		first := open(t, testQueueConfig(ds))
		if err := first.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := first.Start(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-inFlight:
		case <-ctx.Done():
			t.Fatal("first request never arrived")
		}
		if err := first.StopAndCancel(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(ds.attemptsOf(id)); n != 0 {
			t.Fatalf("interrupted attempt was recorded (%d)", n)
		}

		second := open(t, testQueueConfig(ds))
		startQueue(t, ctx, second)
		if err := ds.waitFor(ctx, func() bool { return ds.get(id).State == store.DeliveryDelivered }); err != nil {
			t.Fatalf("not redelivered after restart: %v", err)
		}
		// The hung first request is recorded when its handler returns, which is when the server notices the
		// closed connection: that can come after the second request (CI saw one hit).
		if err := ds.waitFor(ctx, func() bool { hits, _ := ep.snapshot(); return len(hits) >= 2 }); err != nil {
			t.Fatalf("the interrupted request never returned: %v", err)
		}
		hits, _ := ep.snapshot()
		if len(hits) != 2 || hits[0].ID != hits[1].ID || hits[0].ID != ds.get(id).EventID {
			var seen []string
			for _, h := range hits {
				seen = append(seen, fmt.Sprintf("%s %d", h.ID, h.Status))
			}
			t.Errorf("requests %v: want two with the webhook-id %s", seen, ds.get(id).EventID)
		}
		if a := ds.attemptsOf(id); len(a) != 1 || a[0].Attempt != 1 || a[0].Status != 200 {
			t.Errorf("attempts %+v: want one recorded successful attempt", a)
		}
	})
}

// TestWorkerTwoClientsDeliverOnce: two daemons on one database and a duplicate enqueue never produce a second
// delivery of the same event.
func TestWorkerTwoClientsDeliverOnce(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, nil)
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		var ids []int64
		for i := range 40 {
			ids = append(ids, ds.add(1, int64(100+i), wd0))
		}
		a, b := open(t, testQueueConfig(ds)), open(t, testQueueConfig(ds))
		if err := a.Enqueue(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		if err := b.Enqueue(ctx, ids...); err != nil { // duplicates are skipped
			t.Fatal(err)
		}
		if c, err := a.Pending(ctx); err != nil || c.Due != len(ids) {
			t.Fatalf("after enqueueing twice: %+v %v; want %d jobs (one per delivery)", c, err, len(ids))
		}
		startQueue(t, ctx, a)
		startQueue(t, ctx, b)
		if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == len(ids) }); err != nil {
			t.Fatal(err)
		}
		// Let both clients finish whatever they fetched before counting.
		_ = a.Stop(ctx)
		_ = b.Stop(ctx)
		hits, _ := ep.snapshot()
		if len(hits) != len(ids) || ep.deliveredCount() != len(ids) {
			t.Errorf("%d requests for %d distinct events, want %d each", len(hits), ep.deliveredCount(), len(ids))
		}
	})
}

func TestQueueDrain(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, func(_ int, id string, _ http.ResponseWriter, _ *http.Request) int {
			return http.StatusOK
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		failing := newEndpoint(t, testSecretA, func(int, string, http.ResponseWriter, *http.Request) int { return 500 })
		ds.addConnection(2, failing.srv.URL, testSecretA)
		var ids []int64
		for i := range 25 {
			ids = append(ids, ds.add(1, int64(200+i), wd0))
		}
		stuck := ds.add(2, 300, wd0)
		cfg := testQueueConfig(ds)
		cfg.Retry.Schedule = []time.Duration{time.Hour}
		q := open(t, cfg)
		if err := q.Enqueue(ctx, append(ids, stuck)...); err != nil {
			t.Fatal(err)
		}
		res, err := q.Drain(ctx, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Idle || res.Scheduled != 1 {
			t.Errorf("drain result %+v: want idle with the failing delivery scheduled for later", res)
		}
		if n := ds.countState(store.DeliveryDelivered); n != len(ids) {
			t.Errorf("drain delivered %d of %d", n, len(ids))
		}
		if a := ds.attemptsOf(stuck); len(a) != 1 || a[0].State != store.DeliveryPending {
			t.Errorf("failing delivery attempts %+v", a)
		}
	})
}

func TestWorkerMissingAndRefused(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, nil)
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		id := ds.add(1, 40, wd0)
		cfg := testQueueConfig(ds)
		cfg.AllowPrivate = false // the loopback endpoint must be refused at dial time
		q := open(t, cfg)
		if err := q.Enqueue(ctx, 9999, id); err != nil { // 9999 does not exist: its job just completes
			t.Fatal(err)
		}
		res, err := q.Drain(ctx, 10*time.Second)
		if err != nil || !res.Idle {
			t.Fatalf("drain: %+v %v", res, err)
		}
		a := ds.attemptsOf(id)
		if len(a) != 1 || a[0].State != store.DeliveryDead || a[0].Status != 0 {
			t.Fatalf("refused destination: attempts %+v", a)
		}
		if hits, _ := ep.snapshot(); len(hits) != 0 {
			t.Errorf("refused endpoint got %d requests", len(hits))
		}
	})
}

// TestEnqueueTx: jobs inserted in the caller's transaction exist only if it commits (transactional outbox).
func TestEnqueueTx(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, ds *memDeliveries, ep *endpoint, q runner, committed, rolledBack int64) {
		ctx := testContext(t)
		if _, err := q.Drain(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if s := ds.get(committed).State; s != store.DeliveryDelivered {
			t.Errorf("committed delivery: %s", s)
		}
		if n := ds.getCount(rolledBack); n != 0 {
			t.Errorf("rolled-back delivery was worked %d times", n)
		}
		if ep.deliveredCount() != 1 {
			t.Errorf("endpoint received %d events, want 1", ep.deliveredCount())
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, nil)
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		committed, rolledBack := ds.add(1, 1, wd0), ds.add(1, 2, wd0)
		db := openSQLiteDB(t)
		q, err := NewSQLiteQueue(db, testQueueConfig(ds))
		if err != nil {
			t.Fatal(err)
		}
		if err := q.MigrateRiver(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			id     int64
			commit bool
		}{{rolledBack, false}, {committed, true}} {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.EnqueueTx(ctx, tx, c.id); err != nil {
				t.Fatal(err)
			}
			if c.commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		check(t, ds, ep, q, committed, rolledBack)
		var _ func(context.Context, *sql.Tx, ...int64) error = q.EnqueueTx
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		pool := openPostgresDB(t)
		ep := newEndpoint(t, testSecretA, nil)
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		committed, rolledBack := ds.add(1, 1, wd0), ds.add(1, 2, wd0)
		q, err := NewPostgresQueue(pool, testQueueConfig(ds))
		if err != nil {
			t.Fatal(err)
		}
		if err := q.MigrateRiver(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			id     int64
			commit bool
		}{{rolledBack, false}, {committed, true}} {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.EnqueueTx(ctx, tx, c.id); err != nil {
				t.Fatal(err)
			}
			if c.commit {
				err = tx.Commit(ctx)
			} else {
				err = tx.Rollback(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		check(t, ds, ep, q, committed, rolledBack)
		var _ func(context.Context, pgx.Tx, ...int64) error = q.EnqueueTx
	})
}

// TestWorkerEarlyJobWaits: the start-up sweep may enqueue a delivery that is waiting for a retry; its job
// must not send before next_attempt_at.
func TestWorkerEarlyJobWaits(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, nil)
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		id := ds.add(1, 50, wd0)
		ds.mu.Lock()
		ds.deliveries[id].nextAttemptAt = time.Now().Add(time.Hour)
		ds.mu.Unlock()
		q := open(t, testQueueConfig(ds))
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		res, err := q.Drain(ctx, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Idle || res.Scheduled != 1 || ds.getCount(id) == 0 {
			t.Errorf("drain %+v, job ran %d times: want the job seen once and snoozed", res, ds.getCount(id))
		}
		if hits, _ := ep.snapshot(); len(hits) != 0 {
			t.Errorf("sent %d requests before next_attempt_at", len(hits))
		}
	})
}
