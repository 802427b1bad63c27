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
// Delivery.Circuit.
type Circuit struct {
	State CircuitState
	// Failures counts consecutive failed deliveries while closed.
	Failures int
	// Until is when an open circuit lets a probe through, or when a half-open probe's lease expires
	// (a probe whose worker died must not keep the circuit half-open forever).
	Until time.Time
}

// BreakerPolicy configures the breaker. Zero fields take the defaults.
type BreakerPolicy struct {
	// Threshold is the number of consecutive failures that opens the circuit (default 10).
	Threshold int
	// Cooldown is how long an open circuit rejects before a half-open probe (default 60 s).
	Cooldown time.Duration
	// ProbeLease is how long a half-open probe may take before another may be sent (default 2 min).
	ProbeLease time.Duration
}

func (p BreakerPolicy) withDefaults() BreakerPolicy {
	if p.Threshold <= 0 {
		p.Threshold = 10
	}
	if p.Cooldown <= 0 {
		p.Cooldown = time.Minute
	}
	if p.ProbeLease <= 0 {
		p.ProbeLease = 2 * time.Minute
	}
	return p
}

// Allow decides whether a delivery may be sent now. It returns the (possibly changed) state to keep and, when
// not allowed, how long to wait before asking again. Open turns half-open after the cooldown and lets exactly
// one probe through; everyone else waits for the probe's result.
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

// Record applies the result of a delivery attempt. A success closes the circuit; a failure while half-open
// reopens it; Threshold consecutive failures while closed open it for Cooldown.
func (p BreakerPolicy) Record(c Circuit, success bool, now time.Time) Circuit {
	p = p.withDefaults()
	if success {
		return Circuit{State: CircuitClosed}
	}
	switch c.State {
	case CircuitHalfOpen, CircuitOpen:
		return Circuit{State: CircuitOpen, Failures: c.Failures + 1, Until: now.Add(p.Cooldown)}
	default:
		f := c.Failures + 1
		if f >= p.Threshold {
			return Circuit{State: CircuitOpen, Failures: f, Until: now.Add(p.Cooldown)}
		}
		return Circuit{State: CircuitClosed, Failures: f}
	}
}

// normalize maps the zero value to closed so comparisons of persisted state are stable.
func (c Circuit) normalize() Circuit {
	if c.State == "" {
		c.State = CircuitClosed
	}
	if c.State == CircuitClosed {
		c.Until = time.Time{}
	}
	return c
}
