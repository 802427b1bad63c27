package webhook

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// TestBreakerDefaults: the documented defaults (Convoy's 70% over 5 minutes, at least 10 requests; 120 s).
func TestBreakerDefaults(t *testing.T) {
	t.Parallel()
	p := BreakerPolicy{}.withDefaults()
	if p.Ratio != 0.7 || p.Window != 5*time.Minute || p.MinRequests != 10 || p.Cooldown != 120*time.Second {
		t.Fatalf("defaults: %+v", p)
	}
}

// TestBreakerRatioOverWindow: a run of consecutive failures among many successes does not open the circuit;
// 80% failures over at least MinRequests does; fewer than MinRequests never does; old results leave the window.
func TestBreakerRatioOverWindow(t *testing.T) {
	t.Parallel()
	var p BreakerPolicy // defaults
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

	// 10% failures, delivered in bursts of consecutive failures (completion order of concurrent requests).
	var c Circuit
	var w BreakerWindow
	for i := range 1000 {
		fail := i%100 >= 50 && i%100 < 60 // 10 failures in a row out of every 100
		c = p.Record(c, &w, !fail, false, now.Add(time.Duration(i)*100*time.Millisecond))
		if c.State != CircuitClosed {
			t.Fatalf("circuit opened at request %d with 10%% failures: %+v", i, c)
		}
	}

	// 9 failures out of 9: below the minimum of requests.
	c, w = Circuit{}, BreakerWindow{}
	for i := range 9 {
		if c = p.Record(c, &w, false, false, now); c.State != CircuitClosed {
			t.Fatalf("opened after %d requests, under the minimum of 10", i+1)
		}
	}

	// 8 failures and 2 successes over 10 requests: 80% >= 70% opens it for the cooldown.
	c, w = Circuit{}, BreakerWindow{}
	for i := range 10 {
		c = p.Record(c, &w, i%5 == 0, false, now.Add(time.Duration(i)*time.Second))
	}
	at := now.Add(9 * time.Second)
	if c.State != CircuitOpen || !c.Until.Equal(at.Add(120*time.Second)) || c.Failures != 8 {
		t.Fatalf("80%% failures over 10 requests: %+v", c)
	}

	// 6 failures of 10 (60%) stays closed.
	c, w = Circuit{}, BreakerWindow{}
	for i := range 10 {
		c = p.Record(c, &w, i < 4, false, now)
	}
	if c.State != CircuitClosed {
		t.Fatalf("60%% failures opened the circuit: %+v", c)
	}

	// Failures older than the window do not count: 9 failures, 6 minutes of quiet, then 1 failure.
	c, w = Circuit{}, BreakerWindow{}
	for range 9 {
		c = p.Record(c, &w, false, false, now)
	}
	if c = p.Record(c, &w, false, false, now.Add(6*time.Minute)); c.State != CircuitClosed {
		t.Fatalf("failures outside the window opened the circuit: %+v", c)
	}
}

// TestBreakerHalfOpen drives the half-open phase with an injected clock: after the cooldown one probe goes,
// the others wait; the probe's failure reopens for another cooldown, its success closes; results of requests
// sent before the circuit opened change nothing.
func TestBreakerHalfOpen(t *testing.T) {
	t.Parallel()
	p := BreakerPolicy{MinRequests: 3, Cooldown: time.Minute, ProbeLease: 20 * time.Second}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	var c Circuit
	var w BreakerWindow
	for range 3 {
		c = p.Record(c, &w, false, false, now)
	}
	if c.State != CircuitOpen || !c.Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("want open until +1m: %+v", c)
	}
	// A success of a request that was in flight when the circuit opened does not close it.
	if r := p.Record(c, &w, true, false, now.Add(time.Second)); r != c {
		t.Fatalf("late success changed an open circuit: %+v", r)
	}

	ok, next, wait := p.Allow(c, now.Add(10*time.Second))
	if ok || wait != 50*time.Second || next != c {
		t.Fatalf("open circuit: allowed %v, wait %s, next %+v", ok, wait, next)
	}
	probeAt := now.Add(time.Minute)
	ok, half, _ := p.Allow(c, probeAt)
	if !ok || half.State != CircuitHalfOpen {
		t.Fatalf("after the cooldown one probe goes: %v %+v", ok, half)
	}
	if ok, _, wait := p.Allow(half, probeAt.Add(time.Second)); ok || wait <= 0 {
		t.Fatal("a second request went through while the probe is in flight")
	}
	// A non-probe result while half-open is ignored.
	if r := p.Record(half, &w, true, false, probeAt); r != half {
		t.Fatalf("non-probe result decided the half-open circuit: %+v", r)
	}
	if ok, _, _ := p.Allow(half, probeAt.Add(21*time.Second)); !ok {
		t.Fatal("probe lease expired but no new probe allowed")
	}
	reopened := p.Record(half, &w, false, true, probeAt.Add(time.Second))
	if reopened.State != CircuitOpen || !reopened.Until.Equal(probeAt.Add(time.Second+time.Minute)) {
		t.Fatalf("failed probe must reopen for the cooldown: %+v", reopened)
	}
	_, half, _ = p.Allow(reopened, reopened.Until)
	closed := p.Record(half, &w, true, true, reopened.Until)
	if closed.State != CircuitClosed {
		t.Fatalf("successful probe must close: %+v", closed)
	}
	// Closed again with an empty window: the failures before do not count.
	if c := p.Record(closed, &w, false, false, reopened.Until); c.State != CircuitClosed {
		t.Fatalf("window not reset on close: %+v", c)
	}
}

// TestWorkerCircuitStaysClosedUnderSporadicFailures: an endpoint that fails 10% of requests, hit by 16
// concurrent requests, never opens the circuit, even when its failures come in bursts (a stall times out the
// requests in flight, whose failures complete one after the other: ten in a row in completion order).
func TestWorkerCircuitStaysClosedUnderSporadicFailures(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
		ctx := testContext(t)
		var n atomic.Int64
		ep := newEndpoint(t, testSecretA, func(call int, _ string, _ http.ResponseWriter, _ *http.Request) int {
			if call > 1 {
				return http.StatusOK // retries succeed
			}
			switch k := n.Add(1) % 100; {
			case k >= 50 && k < 57:
				time.Sleep(400 * time.Millisecond) // longer than the request timeout below
				return http.StatusOK
			case k >= 57 && k < 60:
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		ds := newMemDeliveries()
		ds.addConnection(1, ep.srv.URL, testSecretA)
		var ids []int64
		for i := range 300 {
			ids = append(ids, ds.add(1, int64(1000+i), wd0))
		}
		cfg := testQueueConfig(ds)
		cfg.Timeout = 200 * time.Millisecond
		cfg.EndpointConcurrency = 16
		cfg.MaxWorkers = 32
		q := open(t, cfg)
		if err := q.Enqueue(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		startQueue(t, ctx, q)
		if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == len(ids) }); err != nil {
			t.Fatalf("%d of %d delivered: %v", ds.countState(store.DeliveryDelivered), len(ids), err)
		}
		ds.mu.Lock()
		defer ds.mu.Unlock()
		for _, c := range ds.circuitLog {
			if c.State != CircuitClosed {
				t.Fatalf("circuit left closed with 10%% failures: %+v", ds.circuitLog)
			}
		}
	})
}

// TestWorker410StopsDelivery: after the first 410 Gone no further request reaches the endpoint, even from
// deliveries that were read (and found enabled) before it; they stay pending and come out once the webhook is
// re-enabled.
func TestWorker410StopsDelivery(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 8} {
		forBackends(t, func(t *testing.T, open func(testing.TB, QueueConfig) runner) {
			ctx := testContext(t)
			var gone atomic.Bool
			gone.Store(true)
			var requests atomic.Int32
			ep := newEndpoint(t, testSecretA, func(int, string, http.ResponseWriter, *http.Request) int {
				requests.Add(1)
				if gone.Load() {
					time.Sleep(5 * time.Millisecond) // let the other deliveries queue up for the endpoint
					return http.StatusGone
				}
				return http.StatusOK
			})
			ds := newMemDeliveries()
			ds.addConnection(1, ep.srv.URL, testSecretA)
			var ids []int64
			for i := range 60 {
				ids = append(ids, ds.add(1, int64(100+i), wd0))
			}
			cfg := testQueueConfig(ds)
			cfg.EndpointConcurrency = conc
			q := open(t, cfg)
			if err := q.Enqueue(ctx, ids...); err != nil {
				t.Fatal(err)
			}
			if _, err := q.Drain(ctx, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if n := requests.Load(); n > int32(conc) {
				t.Errorf("concurrency %d: %d requests reached the endpoint, want at most the %d in flight at the first 410", conc, n, conc)
			}
			if n := ds.countState(store.DeliveryPending); n != len(ids) {
				t.Errorf("%d of %d deliveries pending after the 410 (dead: %d)", n, len(ids), ds.countState(store.DeliveryDead))
			}
			ds.mu.Lock()
			enabled := ds.conns[1].enabled
			ds.mu.Unlock()
			if enabled {
				t.Error("webhook still enabled after 410")
			}

			// Re-enabled (by a person, in any process): the parked deliveries go out through the same worker.
			gone.Store(false)
			ds.setEnabled(1, true)
			if err := q.Replay(ctx, ids...); err != nil {
				t.Fatal(err)
			}
			if _, err := q.Drain(ctx, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if n := ds.countState(store.DeliveryDelivered); n != len(ids) {
				t.Errorf("%d of %d delivered after re-enabling", n, len(ids))
			}
		})
	}
}
