package webhook

import "time"

// CircuitState is the state of a connection's circuit breaker.
type CircuitState string

// Circuit breaker states. The zero value ("") means closed, so a connection without stored state is closed.
const (
	CircuitClosed   CircuitState = "closed"
	CircuitOpen     CircuitState = "open"
	CircuitHalfOpen CircuitState = "half_open"
)

// Circuit is the breaker state of one connection's endpoint; the caller persists it in the connection's circuit
// state columns (circuit_state text, circuit_failures int, circuit_until timestamp) and passes it back in
// Delivery.Circuit, so a second process sees an open circuit.
type Circuit struct {
	State CircuitState
	// Failures is, for an open or half-open circuit, how many of the requests in the window that opened it
	// failed (for the operator; the decision to open is taken on the in-process window, see BreakerPolicy).
	Failures int
	// Until is when an open circuit lets a probe through, or when a half-open probe's lease expires
	// (a probe whose worker died must not keep the circuit half-open forever).
	Until time.Time
}

// Breaker defaults: Convoy's failure-ratio rule (70% over 5 minutes, at least 10 requests), and the previous
// system's 120 s cooldown.
const (
	DefaultBreakerRatio       = 0.7
	DefaultBreakerWindow      = 5 * time.Minute
	DefaultBreakerMinRequests = 10
	DefaultBreakerCooldown    = 120 * time.Second
)

// BreakerPolicy configures the breaker. Zero fields take the defaults.
//
// The circuit opens when, over the last Window, at least MinRequests requests completed and the share of them
// that failed is at least Ratio. It then rejects for Cooldown, after which one probe goes through (half-open):
// its success closes the circuit, its failure opens it for another Cooldown. A ratio over a window, not a count
// of consecutive failures: results of concurrent requests arrive in completion order, and a run of a few
// timeouts among many successes must not open the circuit of a healthy endpoint.
type BreakerPolicy struct {
	// Ratio is the failure ratio (0-1] that opens the circuit (default 0.7).
	Ratio float64
	// Window is how far back results count (default 5 min).
	Window time.Duration
	// MinRequests is how many results the window must hold before the ratio is considered (default 10).
	MinRequests int
	// Cooldown is how long an open circuit rejects before a half-open probe (default 120 s).
	Cooldown time.Duration
	// ProbeLease is how long a half-open probe may take before another may be sent (default 2 min).
	ProbeLease time.Duration
}

func (p BreakerPolicy) withDefaults() BreakerPolicy {
	if p.Ratio <= 0 || p.Ratio > 1 {
		p.Ratio = DefaultBreakerRatio
	}
	if p.Window <= 0 {
		p.Window = DefaultBreakerWindow
	}
	if p.MinRequests <= 0 {
		p.MinRequests = DefaultBreakerMinRequests
	}
	if p.Cooldown <= 0 {
		p.Cooldown = DefaultBreakerCooldown
	}
	if p.ProbeLease <= 0 {
		p.ProbeLease = 2 * time.Minute
	}
	return p
}

// Allow decides whether a delivery may be sent now. It returns the (possibly changed) state to keep and, when
// not allowed, how long to wait before asking again. Open turns half-open after the cooldown and lets exactly
// one probe through; everyone else waits for the probe's result. A request is the probe when it is allowed and
// next is half-open.
func (p BreakerPolicy) Allow(c Circuit, now time.Time) (allowed bool, next Circuit, wait time.Duration) {
	p = p.withDefaults()
	switch c.State {
	case CircuitOpen:
		if now.Before(c.Until) {
			return false, c, c.Until.Sub(now)
		}
		return true, Circuit{State: CircuitHalfOpen, Failures: c.Failures, Until: now.Add(p.ProbeLease)}, 0
	case CircuitHalfOpen:
		if now.Before(c.Until) {
			// A probe is in flight; check back soon after it must have finished.
			return false, c, min(c.Until.Sub(now), p.Cooldown)
		}
		// The probe's lease expired without a result: send another probe.
		return true, Circuit{State: CircuitHalfOpen, Failures: c.Failures, Until: now.Add(p.ProbeLease)}, 0
	default:
		return true, c, 0
	}
}

// Record applies the result of a delivery attempt; w is the connection's window of recent results (kept by the
// caller, in process). probe says the attempt was the half-open probe (see Allow).
//
// Closed: the result is added to the window; the circuit opens for Cooldown when the window holds at least
// MinRequests results and at least Ratio of them failed. Half-open: the probe's success closes the circuit
// (with an empty window), its failure reopens it. Results of requests that were already in flight when the
// circuit opened do not count (they say nothing about the endpoint after the cooldown).
func (p BreakerPolicy) Record(c Circuit, w *BreakerWindow, success, probe bool, now time.Time) Circuit {
	p = p.withDefaults()
	switch c.State {
	case CircuitHalfOpen:
		if !probe {
			return c
		}
		w.reset()
		if success {
			return Circuit{State: CircuitClosed}
		}
		return Circuit{State: CircuitOpen, Failures: c.Failures, Until: now.Add(p.Cooldown)}
	case CircuitOpen:
		return c
	default:
		w.add(p.Window, now, success)
		total, failed := w.counts(p.Window, now)
		if total >= p.MinRequests && float64(failed) >= p.Ratio*float64(total) {
			w.reset()
			return Circuit{State: CircuitOpen, Failures: failed, Until: now.Add(p.Cooldown)}
		}
		return Circuit{State: CircuitClosed}
	}
}

// windowBuckets is the resolution of a BreakerWindow: results are counted in Window/windowBuckets slices, so
// memory does not grow with the request rate and a result leaves the window at most one slice late.
const windowBuckets = 60

type windowBucket struct {
	slot        int64 // which slice of time the counts belong to
	ok, failure int
}

// BreakerWindow counts the results of one endpoint's requests over the policy's window. The zero value is
// empty. It is not safe for concurrent use (the worker guards it with its mutex).
type BreakerWindow struct {
	buckets [windowBuckets]windowBucket
}

func slotOf(window time.Duration, now time.Time) int64 {
	width := int64(window) / windowBuckets
	if width <= 0 {
		width = 1
	}
	return now.UnixNano() / width
}

func (w *BreakerWindow) add(window time.Duration, now time.Time, success bool) {
	s := slotOf(window, now)
	b := &w.buckets[s%windowBuckets]
	if b.slot != s {
		*b = windowBucket{slot: s}
	}
	if success {
		b.ok++
	} else {
		b.failure++
	}
}

// counts returns how many results, and how many failures, the window holds at now.
func (w *BreakerWindow) counts(window time.Duration, now time.Time) (total, failed int) {
	s := slotOf(window, now)
	for _, b := range w.buckets {
		if b.slot > s-windowBuckets && b.slot <= s {
			total += b.ok + b.failure
			failed += b.failure
		}
	}
	return total, failed
}

func (w *BreakerWindow) reset() { *w = BreakerWindow{} }

// normalize maps the zero value to closed so comparisons of persisted state are stable.
func (c Circuit) normalize() Circuit {
	if c.State == "" {
		c.State = CircuitClosed
	}
	if c.State == CircuitClosed {
		c.Until = time.Time{}
		c.Failures = 0
	}
	return c
}
