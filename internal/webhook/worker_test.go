package webhook

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
		store := newMemDeliveries()
		store.addConnection(1, ep.srv.URL, testSecretA)
		id := store.add(1, 10, wd0)
		q := open(t, testQueueConfig(store))
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := store.waitFor(ctx, func() bool { return store.get(id).State == DeliveryDelivered }); err != nil {
			t.Fatalf("not delivered: %+v, %v", store.get(id), err)
		}
		att := store.attemptsOf(id)
		if len(att) != 3 || att[0].Status != 500 || att[1].Status != 500 || att[2].Status != 200 {
			t.Fatalf("attempts: %+v", att)
		}
		if att[0].State != DeliveryPending || att[0].NextAttemptAt.IsZero() || !strings.Contains(att[0].Error, "500") {
			t.Errorf("first attempt record: %+v", att[0])
		}
		hits, _ := ep.snapshot()
		for _, h := range hits {
			if h.ID != store.get(id).EventID {
				t.Errorf("retry carried webhook-id %q, want %q", h.ID, store.get(id).EventID)
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
		store := newMemDeliveries()
		store.addConnection(1, ep.srv.URL, testSecretA)
		id := store.add(1, 10, wd0)
		q := open(t, testQueueConfig(store))
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := store.waitFor(ctx, func() bool { return store.get(id).State == DeliveryDelivered }); err != nil {
			t.Fatalf("not delivered: %v", err)
		}
		att := store.attemptsOf(id)
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
		store := newMemDeliveries()
		store.addConnection(1, ep.srv.URL, testSecretA)
		id := store.add(1, 10, wd0)
		cfg := testQueueConfig(store)
		cfg.Retry.MaxAttempts = 3
		q := open(t, cfg)
		if err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := store.waitFor(ctx, func() bool { return store.get(id).State == DeliveryDead }); err != nil {
			t.Fatalf("not dead-lettered: %+v %v", store.get(id), err)
		}
		att := store.attemptsOf(id)
		if len(att) != 3 || att[2].State != DeliveryDead || !att[2].NextAttemptAt.IsZero() || att[2].Status != 502 {
			t.Fatalf("attempts: %+v", att)
		}
		// The dead letter is kept: a person retries it by resetting it and enqueueing again.
		store.resetForReplay(id)
		if err := q.Replay(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := store.waitFor(ctx, func() bool { return len(store.attemptsOf(id)) == 6 }); err != nil {
			t.Fatalf("replayed dead letter was not retried: %d attempts", len(store.attemptsOf(id)))
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
		store := newMemDeliveries()
		store.addConnection(1, ep.srv.URL, testSecretA)
		first := store.add(1, 10, wd0)
		q := open(t, testQueueConfig(store))
		if err := q.Enqueue(ctx, first); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		// The attempt is recorded first, then the connection disabled: wait for both.
		disabled := func() bool {
			store.mu.Lock()
			defer store.mu.Unlock()
			return !store.conns[1].enabled
		}
		if err := store.waitFor(ctx, func() bool { return len(store.attemptsOf(first)) == 1 && disabled() }); err != nil {
			t.Fatalf("after 410: %d attempts, disabled %v: %v", len(store.attemptsOf(first)), disabled(), err)
		}
		store.mu.Lock()
		conn := *store.conns[1]
		store.mu.Unlock()
		if conn.enabled || !strings.Contains(conn.reason, "410") {
			t.Fatalf("connection not disabled after 410: %+v", conn)
		}
		if d := store.get(first); d.State != DeliveryPending {
			t.Fatalf("delivery after 410 must stay pending (replayable), got %s", d.State)
		}
		// Events keep accumulating while disabled and are not sent.
		second := store.add(1, 11, wd0)
		if err := q.Enqueue(ctx, second); err != nil {
			t.Fatal(err)
		}
		// The job for the second delivery runs, sees the webhook disabled and completes without sending.
		if err := store.waitFor(ctx, func() bool { return store.getCount(second) > 0 }); err != nil {
			t.Fatal(err)
		}
		// Re-enable and replay both.
		gone.Store(false)
		store.setEnabled(1, true)
		if err := q.Replay(ctx, first, second); err != nil {
			t.Fatal(err)
		}
		if err := store.waitFor(ctx, func() bool { return store.countState(DeliveryDelivered) == 2 }); err != nil {
			t.Fatalf("replay after re-enable: %v", err)
		}
		hits, _ := ep.snapshot()
		// first: 410 then 200; second: only 200 (never sent while disabled).
		if len(hits) != 3 {
			t.Errorf("endpoint saw %d requests, want 3: %+v", len(hits), hits)
		}
		if a := store.attemptsOf(second); len(a) != 1 || a[0].Status != 200 {
			t.Errorf("second delivery attempts: %+v", a)
		}
	})
}
