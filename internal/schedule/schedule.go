// Package schedule runs jobs at the times of a cron expression in a time zone: the forecast and plan refresh
// (every 6 hours by default) and the daily full sync of `serve`.
//
// A job never overlaps itself: one goroutine runs it, and the next time is computed when a run ends, so the
// times that passed while it ran collapse into one run right after it. A time missed while the service was
// down runs once at start: the job's last start, as the caller recorded it, is compared with the schedule.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/salesengine/salesengine/internal/clock"
)

// Schedule is a cron expression read in a time zone.
type Schedule struct {
	expr string
	loc  *time.Location
	spec cron.Schedule
}

// parser reads the five standard fields (minute hour day-of-month month day-of-week) and the descriptors
// @yearly, @monthly, @weekly, @daily, @hourly and @every <duration>.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a cron expression; its times are wall-clock times in loc (UTC when nil).
func Parse(expr string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	spec, err := parser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w (five fields: minute hour day-of-month month day-of-week, e.g. \"0 */6 * * *\"; or @daily, @every 1h)", expr, err)
	}
	// The parser rounds an @every under a second up to one; say so instead.
	if d, ok := strings.CutPrefix(strings.TrimSpace(expr), "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && every < time.Second {
			return nil, fmt.Errorf("schedule %q: @every needs at least 1s", expr)
		}
	}
	return &Schedule{expr: expr, loc: loc, spec: spec}, nil
}

// String returns the expression and its zone, e.g. "0 */6 * * * (America/Mexico_City)".
func (s *Schedule) String() string { return s.expr + " (" + s.loc.String() + ")" }

// Next returns the first time of the schedule after t (zero if there is none, e.g. "0 0 30 2 *"). The times
// of "@every D" are the multiples of D (since year 1, UTC): every process computes the same times, whenever it
// started, so processes sharing a database can agree on which run is due.
func (s *Schedule) Next(t time.Time) time.Time {
	if every, ok := s.spec.(cron.ConstantDelaySchedule); ok {
		return t.In(s.loc).Truncate(every.Delay).Add(every.Delay)
	}
	return s.spec.Next(t.In(s.loc))
}

// Prev returns the latest time of the schedule at or before t, zero if there is none in the five years
// before t: the time a run missed at t stands for.
func (s *Schedule) Prev(t time.Time) time.Time {
	if every, ok := s.spec.(cron.ConstantDelaySchedule); ok {
		return t.In(s.loc).Truncate(every.Delay)
	}
	// The first window that holds a time holds few (the one before held none), so the walk is short.
	for _, w := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 5 * 367 * 24 * time.Hour} {
		p := s.Next(t.Add(-w))
		if p.IsZero() || p.After(t) {
			continue
		}
		for {
			n := s.Next(p)
			if n.IsZero() || n.After(t) {
				return p
			}
			p = n
		}
	}
	return time.Time{}
}

// Due reports whether a time of the schedule passed after last and at or before now: a run was missed. A job
// that never ran (zero last) is due.
func (s *Schedule) Due(last, now time.Time) bool {
	if last.IsZero() {
		return true
	}
	next := s.Next(last)
	return !next.IsZero() && !next.After(now)
}

// Job is one scheduled task.
type Job struct {
	Name     string
	Schedule *Schedule
	// Run does the work of the schedule's time due: the time that came, or, for a run that catches up, the
	// latest time that passed (processes sharing a database claim a run by it). Its error is logged (and
	// recorded by Run itself if it wants); the schedule goes on.
	Run func(ctx context.Context, due time.Time) error
	// LastStart returns when the job last started (zero if never), from wherever Run records it, so a time
	// missed while no process ran is caught up once at start. Nil: a fresh start waits for the next time.
	LastStart func(ctx context.Context) (time.Time, error)
}

// Runner runs jobs on their schedules until its context ends.
type Runner struct {
	Clock  clock.Clock
	Logger *slog.Logger
}

// Run runs every job on its schedule and returns when ctx ends, after the runs in progress return (they get
// ctx, so they should stop early).
func (r *Runner) Run(ctx context.Context, jobs ...Job) {
	clk, log := r.Clock, r.Logger
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.Default()
	}
	done := make(chan struct{})
	for _, j := range jobs {
		go func() {
			defer func() { done <- struct{}{} }()
			runJob(ctx, clk, log, j)
		}()
	}
	for range jobs {
		<-done
	}
}

func runJob(ctx context.Context, clk clock.Clock, log *slog.Logger, j Job) {
	now := clk.Now()
	next := j.Schedule.Next(now)
	due := next // the schedule's time the next run stands for
	if j.LastStart != nil {
		last, err := j.LastStart(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("schedule: could not read the last run; waiting for the next time", "job", j.Name, "err", err)
		case err == nil && j.Schedule.Due(last, now):
			next, due = now, missed(j.Schedule, now) // missed while down: once, now
			if !last.IsZero() {
				log.Info("schedule: a run was missed while the service was down; running it now", "job", j.Name, "last_start", last, "due", due)
			}
		}
	}
	for {
		if next.IsZero() {
			log.Warn("schedule: the expression has no future time; the job will not run", "job", j.Name, "schedule", j.Schedule.String())
			<-ctx.Done()
			return
		}
		if wait := next.Sub(clk.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-clk.After(wait):
			}
		}
		if ctx.Err() != nil {
			return
		}
		start := clk.Now()
		err := j.Run(ctx, due)
		switch {
		case err != nil && errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return // shutting down: not an error
		case err != nil:
			log.Error("schedule: run failed", "job", j.Name, "due", due, "err", err)
		}
		// Times that passed while the job ran collapse into one run now, for the latest of them; otherwise wait
		// for the next.
		next = j.Schedule.Next(start)
		due = next
		if end := clk.Now(); !next.After(end) {
			next, due = end, missed(j.Schedule, end)
		}
	}
}

// missed is the time a run catching up at now stands for: the latest time of the schedule that passed (now
// itself, to the second, when the schedule has none in the last five years).
func missed(s *Schedule, now time.Time) time.Time {
	if p := s.Prev(now); !p.IsZero() {
		return p
	}
	return now.Truncate(time.Second)
}
