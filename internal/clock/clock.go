// Package clock is the time source of the long-running parts of `serve` (the schedule, the pollers), so
// tests can move time instead of waiting for it.
package clock

import "time"

// Clock tells the time and sleeps.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// Real is the system clock.
type Real struct{}

func (Real) Now() time.Time                         { return time.Now() }
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }
