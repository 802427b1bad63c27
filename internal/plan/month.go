package plan

import (
	"errors"
	"fmt"
	"time"
)

// Month is a calendar month.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf returns the month of t, in t's location.
func MonthOf(t time.Time) Month { return Month{Year: t.Year(), Month: t.Month()} }

// index counts months from year 0, so month arithmetic and comparison are integer operations.
func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

func monthFromIndex(i int) Month {
	y := i / 12
	r := i % 12
	if r < 0 { // floor division for years before 0
		y--
		r += 12
	}
	return Month{Year: y, Month: time.Month(r + 1)}
}

// Add returns the month n months after m (before it when n is negative), across year boundaries.
func (m Month) Add(n int) Month { return monthFromIndex(m.index() + n) }

// Sub returns the number of months from o to m (m.Sub(o) == 1 when m is the month after o).
func (m Month) Sub(o Month) int { return m.index() - o.index() }

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool { return m.index() < o.index() }

// First returns the first day of the month at midnight UTC.
func (m Month) First() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }

// String formats the month as YYYY-MM, e.g. "2026-01".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Valid reports whether the month is a real calendar month in years 1-9999.
func (m Month) Valid() bool {
	return m.Month >= time.January && m.Month <= time.December && m.Year >= 1 && m.Year <= 9999
}

// ParseMonth parses "YYYY-MM" (e.g. "2026-01").
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Month{}, fmt.Errorf("plan: month %q: want YYYY-MM, e.g. 2026-01", s)
	}
	return MonthOf(t), nil
}

// MonthRange returns every month from first to last inclusive; an error when last is before first.
func MonthRange(first, last Month) ([]Month, error) {
	if last.Before(first) {
		return nil, fmt.Errorf("plan: month range %s..%s: the last month is before the first", first, last)
	}
	out := make([]Month, 0, last.Sub(first)+1)
	for m := first; !last.Before(m); m = m.Add(1) {
		out = append(out, m)
	}
	return out, nil
}

// Errors of CheckTarget, for callers that tell them apart.
var (
	ErrPastMonth     = errors.New("plan: month in the past")
	ErrBeyondHorizon = errors.New("plan: month beyond the forecast horizon")
)

// CheckTarget tells whether a plan may target month m when the current month is cur and the forecast covers
// horizon months from cur on (at least 1): m must lie from cur to cur.Add(horizon-1). A past month would compare
// today's stock with a forecast that does not cover it (and overwrite what was planned then); a month past the
// horizon has no forecast, and an unbounded range would run for as long as it is long.
func CheckTarget(m, cur Month, horizon int) error {
	horizon = max(horizon, 1)
	last := cur.Add(horizon - 1)
	switch {
	case m.Before(cur):
		return fmt.Errorf("%w: %s is before this month, %s", ErrPastMonth, m, cur)
	case last.Before(m):
		months := "months"
		if horizon == 1 {
			months = "month"
		}
		return fmt.Errorf("%w: %s is after %s, the end of the %d %s forecast from %s", ErrBeyondHorizon, m, last, horizon, months, cur)
	}
	return nil
}
