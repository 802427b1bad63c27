package schedule

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/clock"
)

func mustParse(t *testing.T, expr string, loc *time.Location) *Schedule {
	t.Helper()
	s, err := Parse(expr, loc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseRefusesBadExpressions(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{"", "every six hours", "0 */6 * *", "61 * * * *", "@every 0s", "@every 500ms", "0 0 * * * *"} {
		if _, err := Parse(expr, nil); err == nil {
			t.Errorf("Parse(%q) accepted", expr)
		} else if !strings.Contains(err.Error(), expr) {
			t.Errorf("Parse(%q) error does not name the expression: %v", expr, err)
		}
	}
}

func TestNextInTimeZone(t *testing.T) {
	t.Parallel()
	mx, err := time.LoadLocation("America/Mexico_City") // UTC-6, no daylight saving since 2022
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	s := mustParse(t, "0 */6 * * *", mx)
	at := time.Date(2026, 12, 6, 1, 30, 0, 0, time.UTC) // 19:30 on the 5th in Mexico City
	var got []string
	for range 4 {
		at = s.Next(at)
		got = append(got, at.In(mx).Format("02 15:04"))
	}
	if want := "06 00:00,06 06:00,06 12:00,06 18:00"; strings.Join(got, ",") != want {
		t.Errorf("next times %v, want %s", got, want)
	}
	if s.Next(at).UTC().Hour() != 6 { // 00:00 in Mexico City is 06:00 UTC
		t.Errorf("00:00 America/Mexico_City = %v UTC", s.Next(at).UTC())
	}
}

// TestPrevAndEveryAligned: Prev is the latest time at or before t; the times of @every are multiples of its
// duration, the same whenever a process computes them.
func TestPrevAndEveryAligned(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 7, 30, 15, 0, time.UTC)
	for _, c := range []struct {
		expr string
		at   time.Time
		want time.Time
	}{
		{"0 */6 * * *", at, time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)},
		{"0 */6 * * *", time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)}, // at the time itself
		{"* * * * *", at, time.Date(2026, 12, 6, 7, 30, 0, 0, time.UTC)},
		{"@daily", at, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		{"0 0 1 1 *", at, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"0 0 29 2 *", at, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"@every 20s", at, time.Date(2026, 12, 6, 7, 30, 0, 0, time.UTC)},
		{"@every 6h", at, time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)},
	} {
		s := mustParse(t, c.expr, nil)
		if got := s.Prev(c.at); !got.Equal(c.want) {
			t.Errorf("%s: Prev(%v) = %v, want %v", c.expr, c.at, got, c.want)
		}
	}
	every := mustParse(t, "@every 20s", nil)
	for _, from := range []time.Time{at, at.Add(3 * time.Second), at.Add(4*time.Second + 999*time.Millisecond)} {
		if got, want := every.Next(from), time.Date(2026, 12, 6, 7, 30, 20, 0, time.UTC); !got.Equal(want) {
			t.Errorf("@every 20s: Next(%v) = %v, want %v", from, got, want)
		}
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	s := mustParse(t, "0 */6 * * *", nil)
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		last, now time.Time
		want      bool
	}{
		{time.Time{}, day, true},                                  // never ran
		{day.Add(time.Minute), day.Add(5 * time.Hour), false},     // ran at 00:01, now 05:00
		{day.Add(time.Minute), day.Add(6 * time.Hour), true},      // 06:00 came
		{day.Add(-20 * time.Hour), day.Add(2 * time.Hour), true},  // down over several times
		{day.Add(6 * time.Hour), day.Add(6*time.Hour + 1), false}, // ran exactly at 06:00
	} {
		if got := s.Due(c.last, c.now); got != c.want {
			t.Errorf("Due(last %s, now %s) = %v, want %v", c.last.Format(time.TimeOnly), c.now.Format(time.TimeOnly), got, c.want)
		}
	}
}

// TestRunnerFiresAndCatchesUp: a time missed while down runs once at start, then the job runs at each time.
func TestRunnerFiresAndCatchesUp(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 6, 7, 30, 0, 0, time.UTC)
	clock := clock.NewFake(start)
	runs := make(chan time.Time, 10)
	dues := make(chan time.Time, 10)
	job := Job{Name: "forecast", Schedule: mustParse(t, "0 */6 * * *", nil),
		Run:       func(_ context.Context, due time.Time) error { runs <- clock.Now(); dues <- due; return nil },
		LastStart: func(context.Context) (time.Time, error) { return start.Add(-8 * time.Hour), nil }} // 23:30: 00:00 and 06:00 missed
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { (&Runner{Clock: clock}).Run(ctx, job); close(done) }()

	if got := <-runs; !got.Equal(start) {
		t.Fatalf("catch-up run at %v, want at start %v", got, start)
	}
	if due := <-dues; !due.Equal(time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("catch-up run due %v, want 06:00, the latest time missed", due)
	}
	clock.WaitWaiters(t, 1)
	select {
	case got := <-runs:
		t.Fatalf("a second catch-up run at %v: missed times must collapse into one", got)
	default:
	}
	clock.Set(time.Date(2026, 12, 6, 11, 59, 0, 0, time.UTC))
	select {
	case got := <-runs:
		t.Fatalf("ran at %v, before 12:00", got)
	case <-time.After(50 * time.Millisecond):
	}
	clock.Set(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	if got := <-runs; got.Hour() != 12 {
		t.Fatalf("run at %v, want 12:00", got)
	}
	if due := <-dues; !due.Equal(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("run due %v, want 12:00", due)
	}
	cancel()
	<-done
}

// TestRunnerNeverOverlaps: a run longer than two intervals is not started again while it runs; the times that
// passed collapse into one run right after it.
func TestRunnerNeverOverlaps(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	clock := clock.NewFake(start)
	var running, maxRunning, count atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var lastDue atomic.Int64
	job := Job{Name: "forecast", Schedule: mustParse(t, "@every 1h", nil),
		Run: func(ctx context.Context, due time.Time) error {
			lastDue.Store(due.Unix())
			n := running.Add(1)
			defer running.Add(-1)
			for {
				m := maxRunning.Load()
				if n <= m || maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			count.Add(1)
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		},
		LastStart: func(context.Context) (time.Time, error) { return start, nil }} // just ran: not due
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { (&Runner{Clock: clock}).Run(ctx, job); close(done) }()

	clock.WaitWaiters(t, 1)
	clock.Set(start.Add(time.Hour))
	<-started
	clock.Set(start.Add(3*time.Hour + 30*time.Minute)) // 02:00 and 03:00 pass during the run
	release <- struct{}{}
	<-started // one run right after, for the times that passed
	if got := count.Load(); got != 2 {
		t.Errorf("%d runs, want 2", got)
	}
	if due := time.Unix(lastDue.Load(), 0).UTC(); !due.Equal(start.Add(3 * time.Hour)) {
		t.Errorf("the collapsed run is due %v, want 03:00 (the latest time that passed)", due)
	}
	release <- struct{}{}
	clock.WaitWaiters(t, 1) // and then it waits for the next time
	if got := count.Load(); got != 2 {
		t.Errorf("%d runs after catching up, want 2", got)
	}
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("%d runs at once, want 1", m)
	}
	cancel()
	<-done
}

// TestRunnerNotDueWaits: a job that ran recently waits for its next time at start.
func TestRunnerNotDueWaits(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	clock := clock.NewFake(start)
	var count atomic.Int32
	job := Job{Name: "full-sync", Schedule: mustParse(t, "@daily", nil),
		Run:       func(context.Context, time.Time) error { count.Add(1); return nil },
		LastStart: func(context.Context) (time.Time, error) { return start.Add(-time.Hour), nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { (&Runner{Clock: clock}).Run(ctx, job); close(done) }()
	clock.WaitWaiters(t, 1)
	cancel()
	<-done
	if n := count.Load(); n != 0 {
		t.Errorf("%d runs at start, want 0 (ran an hour ago, @daily)", n)
	}
}
