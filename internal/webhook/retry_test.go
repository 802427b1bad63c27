package webhook

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

func TestRetrySchedule(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	want := []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second, 240 * time.Second, 600 * time.Second, 600 * time.Second, 600 * time.Second}
	for i, w := range want {
		if got := p.BaseDelay(i + 1); got != w {
			t.Errorf("BaseDelay(%d) = %s, want %s", i+1, got, w)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for attempt := 1; attempt <= 20; attempt++ {
		base := p.BaseDelay(attempt)
		lo, hi := time.Duration(float64(base)*0.9), time.Duration(float64(base)*1.1)
		for range 50 {
			d := p.Delay(attempt, rng.Float64)
			if d < lo || d > hi {
				t.Fatalf("Delay(%d) = %s outside [%s, %s]", attempt, d, lo, hi)
			}
		}
	}
	// The jitter actually spreads values (edges of the rnd range).
	if p.Delay(1, func() float64 { return 0 }) != 27*time.Second || p.Delay(1, func() float64 { return 0.5 }) != 30*time.Second {
		t.Error("jitter is not +-10% around the base")
	}
	if p.Exhausted(11) || !p.Exhausted(12) {
		t.Error("default policy must dead-letter after the 12th attempt")
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"Wednesday, 04-Mar-26 10:05:00 GMT", 5 * time.Minute, true}, // RFC 850, still accepted by RFC 9110
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	p := DefaultRetryPolicy()
	if d := p.NextDelay(1, 5*time.Second, nil); d != 5*time.Second {
		t.Errorf("Retry-After 5s gave %s", d)
	}
	if d := p.NextDelay(1, 48*time.Hour, nil); d != time.Hour {
		t.Errorf("Retry-After 48h not capped: %s", d)
	}
	if d := p.NextDelay(3, 0, func() float64 { return 0.5 }); d != 120*time.Second {
		t.Errorf("no Retry-After: %s, want schedule", d)
	}
}
