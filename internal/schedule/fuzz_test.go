package schedule

import (
	"testing"
	"time"
)

// FuzzParse: any expression is refused with an error naming it, or read as a schedule whose next time, when
// there is one, is after the time asked from and is itself a time of the schedule (asking again moves on).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 0,6,12,18 * * *", "0 3 * * *", "@daily", "@every 90s", "@every 1ms", "*/15 * * * 1-5",
		"0 0 30 2 *", "61 * * * *", "", "off", "@every", "0 0 * * 7", "0 0 1-31/2 JAN-DEC SUN-SAT"} {
		f.Add(s)
	}
	from := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // a DST change in Europe/Madrid that night
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr, madrid)
		if err != nil {
			return
		}
		next := s.Next(from)
		if next.IsZero() {
			return
		}
		if !next.After(from) {
			t.Fatalf("%q: next after %v is %v", expr, from, next)
		}
		if again := s.Next(next); !again.IsZero() && !again.After(next) {
			t.Fatalf("%q: next after %v is %v", expr, next, again)
		}
	})
}
