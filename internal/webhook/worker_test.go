package webhook

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// startQueue starts a queue and stops it at cleanup.
func startQueue(t *testing.T, ctx context.Context, q runner) {
	t.Helper()
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
}

func forBackends(t *testing.T, fn func(t *testing.T, open func(testing.TB, QueueConfig) runner)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.open(t))
		})
	}
}

var wd0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func TestWorkerRetriesWithSameIDThenDelivers(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, func(call int, _ string, _ http.ResponseWriter, _ *http.Request) int {
			if call < 3 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		id := ds.add(1, 10, wd0)
		q := open(t, testQueueConfig(ds))
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := ds.waitFor(ctx, func() bool { return ds.get(id).State == store.DeliveryDelivered }); err != nil {
			t.Fatalf("not delivered: %+v, %v", ds.get(id), err)
		}
		att := ds.attemptsOf(id)
		if len(att) != 3 || att[0].Status != 500 || att[1].Status != 500 || att[2].Status != 200 {
			t.Fatalf("attempts: %+v", att)
		}
		if att[0].State != store.DeliveryPending || att[0].NextAttemptAt.IsZero() || !strings.Contains(att[0].Error, "500") {
			t.Errorf("first attempt record: %+v", att[0])
		}
		hits, _ := ep.snapshot()
		for _, h := range hits {
			if h.ID != ds.get(id).EventID {
				t.Errorf("retry carried webhook-id %q, want %q", h.ID, ds.get(id).EventID)
			}
		}
		if len(hits) != 3 {
			t.Errorf("endpoint saw %d requests, want 3", len(hits))
		}
	})
}

func TestWorkerHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, func(call int, _ string, w http.ResponseWriter, _ *http.Request) int {
			if call == 1 {
				w.Header().Set("Retry-After", "1")
				return http.StatusTooManyRequests
			}
			return http.StatusOK
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		id := ds.add(1, 10, wd0)
		q := open(t, testQueueConfig(ds))
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := ds.waitFor(ctx, func() bool { return ds.get(id).State == store.DeliveryDelivered }); err != nil {
			t.Fatalf("not delivered: %v", err)
		}
		att := ds.attemptsOf(id)
		if len(att) != 2 || att[0].Status != 429 {
			t.Fatalf("attempts: %+v", att)
		}
		// The schedule says 20 ms here; Retry-After asked for 1 s and won.
		wait := att[0].NextAttemptAt.Sub(att[0].StartedAt) - att[0].Duration
		if wait < time.Second || wait > time.Second+500*time.Millisecond {
			t.Errorf("retry scheduled %s after the attempt, want Retry-After's 1s", wait)
		}
		if !att[1].StartedAt.After(att[0].NextAttemptAt.Add(-10 * time.Millisecond)) {
			t.Errorf("second attempt at %s, before the Retry-After time %s", att[1].StartedAt, att[0].NextAttemptAt)
		}
	})
}

func TestWorkerDeadLettersAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		ep := newEndpoint(t, testSecretA, func(int, string, http.ResponseWriter, *http.Request) int { return http.StatusBadGateway })
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		id := ds.add(1, 10, wd0)
		cfg := testQueueConfig(ds)
		cfg.Retry.MaxAttempts = 3
		q := open(t, cfg)
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := ds.waitFor(ctx, func() bool { return ds.get(id).State == store.DeliveryDead }); err != nil {
			t.Fatalf("not dead-lettered: %+v %v", ds.get(id), err)
		}
		att := ds.attemptsOf(id)
		if len(att) != 3 || att[2].State != store.DeliveryDead || !att[2].NextAttemptAt.IsZero() || att[2].Status != 502 {
			t.Fatalf("attempts: %+v", att)
		}
		// The dead letter is kept: a person retries it by resetting it and enqueueing again.
		ds.resetForReplay(id)
		if err := q.Replay(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := ds.waitFor(ctx, func() bool { return len(ds.attemptsOf(id)) == 6 }); err != nil {
			t.Fatalf("replayed dead letter was not retried: %d attempts", len(ds.attemptsOf(id)))
		}
	})
}

func TestWorkerGoneDisablesAndParks(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		var gone atomic.Bool
		gone.Store(true)
		ep := newEndpoint(t, testSecretA, func(int, string, http.ResponseWriter, *http.Request) int {
			if gone.Load() {
				return http.StatusGone
			}
			return http.StatusOK
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		first := ds.add(1, 10, wd0)
		q := open(t, testQueueConfig(ds))
		if err := q.Enqueue(ctx, first); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		// The attempt is recorded first, then the connection disabled: wait for both.
		disabled := func() bool {
			ds.mu.Lock()
			defer ds.mu.Unlock()
			return !ds.conns[1].enabled
		}
		if err := ds.waitFor(ctx, func() bool { return len(ds.attemptsOf(first)) == 1 && disabled() }); err != nil {
			t.Fatalf("after 410: %d attempts, disabled %v: %v", len(ds.attemptsOf(first)), disabled(), err)
		}
		ds.mu.Lock()
		conn := *ds.conns[1]
		ds.mu.Unlock()
		if conn.enabled || !strings.Contains(conn.reason, "410") {
			t.Fatalf("connection not disabled after 410: %+v", conn)
		}
		if d := ds.get(first); d.State != store.DeliveryPending {
			t.Fatalf("delivery after 410 must stay pending (replayable), got %s", d.State)
		}
		// Events keep accumulating while disabled and are not sent.
		second := ds.add(1, 11, wd0)
		if err := q.Enqueue(ctx, second); err != nil {
			t.Fatal(err)
		}
		// The job for the second delivery runs, sees the webhook disabled and completes without sending.
		if err := ds.waitFor(ctx, func() bool { return ds.getCount(second) > 0 }); err != nil {
			t.Fatal(err)
		}
		// Re-enable and replay both.
		gone.Store(false)
		ds.setEnabled(1, true)
		if err := q.Replay(ctx, first, second); err != nil {
			t.Fatal(err)
		}
		if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == 2 }); err != nil {
			t.Fatalf("replay after re-enable: %v", err)
		}
		hits, _ := ep.snapshot()
		// first: 410 then 200; second: only 200 (never sent while disabled).
		if len(hits) != 3 {
			t.Errorf("endpoint saw %d requests, want 3: %+v", len(hits), hits)
		}
		if a := ds.attemptsOf(second); len(a) != 1 || a[0].Status != 200 {
			t.Errorf("second delivery attempts: %+v", a)
		}
	})
}
