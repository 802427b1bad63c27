package plan

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMonthArithmetic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from Month
		n    int
		want string
	}{
		{Month{2025, time.December}, 1, "2026-01"},
		{Month{2026, time.January}, -1, "2025-12"},
		{Month{2025, time.November}, 2, "2026-01"},
		{Month{2026, time.March}, 0, "2026-03"},
		{Month{2026, time.March}, 25, "2028-04"},
		{Month{2026, time.March}, -15, "2024-12"},
		{Month{2026, time.January}, -12, "2025-01"},
		{Month{1, time.January}, -1, "0000-12"},
	}
	for _, tt := range tests {
		got := tt.from.Add(tt.n)
		if got.String() != tt.want {
			t.Errorf("%s.Add(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
		if d := got.Sub(tt.from); d != tt.n {
			t.Errorf("%s.Sub(%s) = %d, want %d", got, tt.from, d, tt.n)
		}
		if tt.n > 0 && (!tt.from.Before(got) || got.Before(tt.from)) {
			t.Errorf("Before: %s should precede %s", tt.from, got)
		}
		if tt.n == 0 && (got.Before(tt.from) || tt.from.Before(got)) {
			t.Errorf("Before: %s and %s are the same month", tt.from, got)
		}
	}
	if got := MonthOf(time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)); got != (Month{2025, time.December}) {
		t.Errorf("MonthOf = %v", got)
	}
	if got := (Month{2026, time.February}).First(); !got.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("First = %v", got)
	}
}

func TestParseMonth(t *testing.T) {
	t.Parallel()
	good := map[string]Month{
		"2026-01": {2026, time.January},
		"2025-12": {2025, time.December},
		"0001-01": {1, time.January},
	}
	for s, want := range good {
		got, err := ParseMonth(s)
		if err != nil || got != want {
			t.Errorf("ParseMonth(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("round trip %q -> %q", s, got.String())
		}
	}
	for _, s := range []string{"", "2026-13", "2026-00", "2026-1", "26-01", "2026-01-05", "2026/01", "enero", " 2026-01"} {
		if _, err := ParseMonth(s); err == nil || !strings.Contains(err.Error(), "YYYY-MM") {
			t.Errorf("ParseMonth(%q): err = %v, want a YYYY-MM error", s, err)
		}
	}
}

func TestMonthRange(t *testing.T) {
	t.Parallel()
	got, err := MonthRange(Month{2025, time.November}, Month{2026, time.February})
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, m := range got {
		s = append(s, m.String())
	}
	if strings.Join(s, ",") != "2025-11,2025-12,2026-01,2026-02" {
		t.Errorf("range = %v", s)
	}
	if one, err := MonthRange(Month{2026, time.May}, Month{2026, time.May}); err != nil || len(one) != 1 {
		t.Errorf("single-month range = %v, %v", one, err)
	}
	if _, err := MonthRange(Month{2026, time.January}, Month{2025, time.December}); err == nil {
		t.Error("reversed range: want an error")
	}
}

func TestCheckTarget(t *testing.T) {
	t.Parallel()
	cur := Month{2026, time.December}
	tests := []struct {
		m       Month
		horizon int
		want    error
		msg     string
	}{
		{cur, 12, nil, ""},
		{Month{2027, time.November}, 12, nil, ""},
		{Month{2027, time.December}, 12, ErrBeyondHorizon, "2027-12 is after 2027-11, the end of the 12 months forecast from 2026-12"},
		{Month{2026, time.November}, 12, ErrPastMonth, "2026-11 is before this month, 2026-12"},
		{Month{1900, time.January}, 12, ErrPastMonth, "1900-01"},
		{Month{2900, time.January}, 120, ErrBeyondHorizon, "the end of the 120 months"},
		{cur, 0, nil, ""}, // the current month is always plannable
		{Month{2027, time.January}, 1, ErrBeyondHorizon, "after 2026-12, the end of the 1 month forecast"},
	}
	for _, tt := range tests {
		err := CheckTarget(tt.m, cur, tt.horizon)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("CheckTarget(%s, %s, %d) = %v, want %v", tt.m, cur, tt.horizon, err, tt.want)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("CheckTarget(%s): %q lacks %q", tt.m, err, tt.msg)
		}
	}
}
