package poll

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/clock"
)

// source is a set of targets the test edits, as another process would edit the connections table.
type source struct {
	mu      sync.Mutex
	targets []Target
}

func (s *source) set(ts ...Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = ts
}

func (s *source) PollTargets(context.Context) ([]Target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Target(nil), s.targets...), nil
}

// passes records the passes per connection name, with the clock's time.
type passes struct {
	mu    sync.Mutex
	at    map[string][]time.Time
	clock *clock.Fake
	event chan string
}

func newPasses(clock *clock.Fake) *passes {
	return &passes{at: map[string][]time.Time{}, clock: clock, event: make(chan string, 100)}
}

func (p *passes) record(name string) {
	p.mu.Lock()
	p.at[name] = append(p.at[name], p.clock.Now())
	p.mu.Unlock()
	p.event <- name
}

func (p *passes) count(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.at[name])
}

// next waits for the next pass of name (passes of others are skipped).
func (p *passes) next(t *testing.T, name string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case n := <-p.event:
			if n == name {
				return
			}
		case <-timeout:
			t.Fatalf("no pass of %s", name)
		}
	}
}

var t0 = time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)

func run(t *testing.T, s *Supervisor) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	work, cancelWork := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx, work); close(done) }()
	return func() {
		cancel()
		cancelWork()
		<-done
	}
}

// TestHungTenantDelaysNoOther: one connection's pass never returns; another keeps its interval.
func TestHungTenantDelaysNoOther(t *testing.T) {
	t.Parallel()
	clock := clock.NewFake(t0)
	p := newPasses(clock)
	src := &source{}
	src.set(Target{ID: 1, Name: "hung", Interval: 10 * time.Second, Version: "1"},
		Target{ID: 2, Name: "healthy", Interval: 10 * time.Second, Version: "1"})
	stop := run(t, &Supervisor{Source: src, Clock: clock, Refresh: time.Hour, Poll: func(ctx context.Context, tg Target) error {
		p.record(tg.Name)
		if tg.Name == "hung" {
			<-ctx.Done() // an Odoo that never answers
			return ctx.Err()
		}
		return nil
	}})
	p.next(t, "healthy")
	for deadline := time.Now().Add(10 * time.Second); p.count("hung") == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hung tenant's first pass never started")
		}
	}
	for i := 1; i <= 5; i++ {
		clock.WaitWaiters(t, 2) // the supervisor's refresh and the healthy poller
		clock.Advance(10 * time.Second)
		p.next(t, "healthy")
	}
	if n := p.count("healthy"); n != 6 {
		t.Errorf("healthy polled %d times over 50 s at 10 s, want 6", n)
	}
	if n := p.count("hung"); n != 1 {
		t.Errorf("hung polled %d times, want 1 (still in its first pass)", n)
	}
	stop() // returns: the hung pass is cut by the work context
}

// TestTargetsFollowTheSource: a connection added by another process is polled at the next refresh, a changed
// interval applies at once, a removed one stops.
func TestTargetsFollowTheSource(t *testing.T) {
	t.Parallel()
	clock := clock.NewFake(t0)
	p := newPasses(clock)
	src := &source{}
	src.set(Target{ID: 1, Name: "acme", Interval: time.Minute, Version: "1"})
	stopped := &logSignal{msg: "poll: stopped polling a connection that was removed or disabled", ch: make(chan struct{}, 8)}
	stop := run(t, &Supervisor{Source: src, Clock: clock, Refresh: 2 * time.Second, Logger: slog.New(stopped),
		Poll: func(ctx context.Context, tg Target) error { p.record(tg.Name); return nil }})
	defer stop()
	p.next(t, "acme")

	src.set(Target{ID: 1, Name: "acme", Interval: time.Minute, Version: "1"}, Target{ID: 2, Name: "beta", Interval: time.Minute, Version: "1"})
	clock.WaitWaiters(t, 2)
	clock.Advance(2 * time.Second)
	p.next(t, "beta") // added: polled within one refresh, no restart

	// acme's interval shrinks to 5 s: its poller re-reads it and polls 5 s after its last pass.
	src.set(Target{ID: 1, Name: "acme", Interval: 5 * time.Second, Version: "2"}, Target{ID: 2, Name: "beta", Interval: time.Minute, Version: "1"})
	clock.WaitWaiters(t, 3)
	clock.Advance(2 * time.Second) // refresh delivers the new interval; acme last polled 4 s ago
	clock.WaitWaiters(t, 3)
	clock.Advance(time.Second)
	p.next(t, "acme")
	if at := p.at["acme"]; at[len(at)-1].Sub(t0) != 5*time.Second {
		t.Errorf("acme polled again at +%v, want +5s", at[len(at)-1].Sub(t0))
	}

	src.set(Target{ID: 2, Name: "beta", Interval: time.Minute, Version: "1"}) // acme deleted
	before := p.count("acme")
	// acme's next poll is due at +10 s. Step the clock a second at a time until the supervisor says it stopped
	// acme's poller (at its refresh, +6 or +8 s): a single jump past both would let either fire first.
	for !stopped.seen(t, 50*time.Millisecond) {
		if clock.Now().Sub(t0) >= 9*time.Second {
			t.Fatal("the supervisor never stopped the removed connection's poller")
		}
		clock.Advance(time.Second)
	}
	for range 10 {
		clock.WaitWaiters(t, 1)
		clock.Advance(5 * time.Second)
	}
	if n := p.count("acme"); n != before {
		t.Errorf("acme polled %d more times after it was removed", n-before)
	}
}

// TestHoldAndWake: an open circuit holds polls until its trial time; a reset seen at the next refresh (a new
// Version without the hold) polls at once instead of after the cooldown.
func TestHoldAndWake(t *testing.T) {
	t.Parallel()
	clock := clock.NewFake(t0)
	p := newPasses(clock)
	src := &source{}
	src.set(Target{ID: 1, Name: "acme", Interval: 10 * time.Second, NotBefore: t0.Add(120 * time.Second), Version: "open"})
	stop := run(t, &Supervisor{Source: src, Clock: clock, Refresh: 2 * time.Second,
		Poll: func(ctx context.Context, tg Target) error { p.record(tg.Name); return nil }})
	defer stop()
	for range 5 { // 10 s pass: nothing, the circuit holds
		clock.WaitWaiters(t, 2)
		clock.Advance(2 * time.Second)
	}
	if n := p.count("acme"); n != 0 {
		t.Fatalf("polled %d times while the circuit held", n)
	}
	src.set(Target{ID: 1, Name: "acme", Interval: 10 * time.Second, Version: "reset"})
	clock.WaitWaiters(t, 2)
	clock.Advance(2 * time.Second)
	p.next(t, "acme")
	if at := p.at["acme"][0].Sub(t0); at > 14*time.Second {
		t.Errorf("polled %v after start, want within a refresh of the reset (12 s)", at)
	}
}

// TestShutdownWaitsForPassInFlight: after ctx ends no pass starts, and Run returns once the pass in flight
// ended.
func TestShutdownWaitsForPassInFlight(t *testing.T) {
	t.Parallel()
	clock := clock.NewFake(t0)
	src := &source{}
	src.set(Target{ID: 1, Name: "acme", Interval: 10 * time.Second, Version: "1"})
	inPass, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	ended := false
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = (&Supervisor{Source: src, Clock: clock, Poll: func(ctx context.Context, tg Target) error {
			close(inPass)
			<-release
			mu.Lock()
			ended = true
			mu.Unlock()
			return nil
		}}).Run(ctx, context.Background())
		close(done)
	}()
	<-inPass
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while a pass was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if !ended {
		t.Error("the pass in flight did not end")
	}
}

// logSignal is a log handler that signals each record with the message msg: a test waits on what the code under
// test says it did.
type logSignal struct {
	msg string
	ch  chan struct{}
}

func (l *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSignal) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logSignal) WithGroup(string) slog.Handler            { return l }
func (l *logSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == l.msg {
		l.ch <- struct{}{}
	}
	return nil
}

// seen waits up to d (real time) for the message.
func (l *logSignal) seen(t *testing.T, d time.Duration) bool {
	t.Helper()
	select {
	case <-l.ch:
		return true
	case <-time.After(d):
		return false
	}
}
