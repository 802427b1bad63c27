package webhook

import (
	"testing"
	"time"
)

func TestBreakerLifecycle(t *testing.T) {
	t.Parallel()
	p := BreakerPolicy{Threshold: 3, Cooldown: time.Minute, ProbeLease: 20 * time.Second}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	var c Circuit // zero value: closed

	for i := 1; i <= 2; i++ {
		c = p.Record(c, false, now)
		if c.State != CircuitClosed || c.Failures != i {
			t.Fatalf("after %d failures: %+v", i, c)
		}
	}
	// A success in between resets the count.
	if r := p.Record(c, true, now); r.State != CircuitClosed || r.Failures != 0 {
		t.Fatalf("success did not reset: %+v", r)
	}
	c = p.Record(c, false, now)
	if c.State != CircuitOpen || !c.Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("threshold reached, want open until +1m: %+v", c)
	}

	// Open: rejected with the remaining cooldown.
	ok, next, wait := p.Allow(c, now.Add(10*time.Second))
	if ok || wait != 50*time.Second || next != c {
		t.Fatalf("open circuit: ok=%v wait=%s next=%+v", ok, wait, next)
	}
	// After the cooldown exactly one probe passes.
	probeAt := now.Add(time.Minute)
	ok, half, _ := p.Allow(c, probeAt)
	if !ok || half.State != CircuitHalfOpen {
		t.Fatalf("after cooldown: ok=%v %+v", ok, half)
	}
	if ok, _, wait := p.Allow(half, probeAt.Add(time.Second)); ok || wait <= 0 {
		t.Fatalf("second request during probe allowed (wait %s)", wait)
	}
	// A probe whose result never came back frees the slot after its lease.
	if ok, _, _ := p.Allow(half, probeAt.Add(21*time.Second)); !ok {
		t.Fatal("expired probe lease still blocks")
	}
	// Probe fails: open again for a full cooldown.
	reopened := p.Record(half, false, probeAt.Add(time.Second))
	if reopened.State != CircuitOpen || !reopened.Until.Equal(probeAt.Add(time.Second+time.Minute)) {
		t.Fatalf("failed probe: %+v", reopened)
	}
	// Probe succeeds: closed with no failures.
	if closed := p.Record(half, true, probeAt); closed.State != CircuitClosed || closed.Failures != 0 {
		t.Fatalf("successful probe: %+v", closed)
	}
}

func TestBreakerDefaults(t *testing.T) {
	t.Parallel()
	var p BreakerPolicy
	now := time.Now()
	var c Circuit
	for range 9 {
		c = p.Record(c, false, now)
	}
	if c.State != CircuitClosed {
		t.Fatalf("opened before the default threshold of 10: %+v", c)
	}
	c = p.Record(c, false, now)
	if c.State != CircuitOpen || !c.Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("default threshold/cooldown: %+v", c)
	}
}
