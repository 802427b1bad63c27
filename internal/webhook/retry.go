package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy is when failed deliveries are tried again and when they are given up (dead-lettered).
type RetryPolicy struct {
	// Schedule[i] is the base delay after failed attempt i+1; attempts past the end use the last entry.
	Schedule []time.Duration
	// Jitter spreads each delay uniformly by +-Jitter (a fraction, 0.1 = +-10%) so that retries of many
	// deliveries failing together do not hit the endpoint in lockstep.
	Jitter float64
	// MaxAttempts is the total number of attempts (first try included) before a delivery is dead-lettered.
	MaxAttempts int
	// MaxRetryAfter caps a receiver's Retry-After so a bogus header cannot park a delivery for days.
	MaxRetryAfter time.Duration
}

// DefaultMaxAttempts is the default number of attempts before dead-lettering.
const DefaultMaxAttempts = 12

// DefaultRetryPolicy is 30 s, 60 s, 120 s, 240 s, then every 600 s, +-10% jitter, 12 attempts,
// Retry-After honoured up to one hour.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		Schedule:      []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second, 240 * time.Second, 600 * time.Second},
		Jitter:        0.1,
		MaxAttempts:   DefaultMaxAttempts,
		MaxRetryAfter: time.Hour,
	}
}

// Exhausted reports whether a delivery that has now made `attempts` attempts must be dead-lettered.
func (p RetryPolicy) Exhausted(attempts int) bool { return attempts >= p.MaxAttempts }

// BaseDelay is the delay after failed attempt number `attempt` (1-based) before jitter.
func (p RetryPolicy) BaseDelay(attempt int) time.Duration {
	if len(p.Schedule) == 0 {
		return 0
	}
	i := min(max(attempt, 1), len(p.Schedule)) - 1
	return p.Schedule[i]
}

// Delay is the jittered delay after failed attempt number `attempt` (1-based). rnd returns a float in [0,1);
// nil means math/rand/v2.
func (p RetryPolicy) Delay(attempt int, rnd func() float64) time.Duration {
	base := p.BaseDelay(attempt)
	if p.Jitter <= 0 || base <= 0 {
		return base
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	f := 1 + p.Jitter*(2*rnd()-1)
	return time.Duration(float64(base) * f)
}

// NextDelay decides the delay after a failed attempt: the receiver's Retry-After when it sent one (capped at
// MaxRetryAfter, never below one second), the schedule otherwise.
func (p RetryPolicy) NextDelay(attempt int, retryAfter time.Duration, rnd func() float64) time.Duration {
	if retryAfter > 0 {
		if p.MaxRetryAfter > 0 && retryAfter > p.MaxRetryAfter {
			retryAfter = p.MaxRetryAfter
		}
		return max(retryAfter, time.Second)
	}
	return p.Delay(attempt, rnd)
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 10.2.3). ok is false when
// the header is absent or unparseable; a date in the past yields (0, true): retry now.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		// Guard against overflow of absurd values; the policy caps them anyway.
		if n > int64(365*24*time.Hour/time.Second) {
			n = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
