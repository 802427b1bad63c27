package forecast

import (
	"math"
	"testing"
)

// TestCrostonAgainstR: with both smoothing constants fixed at 0.1, Croston is exactly R forecast's
// croston(alpha=0.1) (SES with "simple" initialisation on sizes and intervals).
func TestCrostonAgainstR(t *testing.T) {
	t.Parallel()
	checked := 0
	for name, fx := range loadRFixtures(t) {
		if fx.Cro01 == nil {
			continue
		}
		p := crostonWith(fx.Y, fx.H, 0.1, 0.1, false)
		assertClose(t, name+"/croston", p.Mean, fx.Cro01.Mean, 1e-9)
		checked++
	}
	if checked == 0 {
		t.Fatal("no croston fixtures")
	}
}

func TestCrostonOptimisedAndSBA(t *testing.T) {
	t.Parallel()
	y := []float64{0, 0, 3, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 4, 0, 0, 2, 0, 0, 0, 7, 0, 0, 1, 0, 0, 0, 0, 3, 0}
	c, err := Croston{}.Forecast(y, 12, 4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := SBA{}.Forecast(y, 12, 4)
	if err != nil {
		t.Fatal(err)
	}
	sizes, intervals := demandsIntervals(y)
	az := sesOptimized(sizes, crostonLo, crostonHi)
	ap := sesOptimized(intervals, crostonLo, crostonHi)
	zl, _ := sesSimpleSSE(sizes, az)
	pl, _ := sesSimpleSSE(intervals, ap)
	if want := zl / pl; math.Abs(c.Mean[0]-want) > 1e-12 {
		t.Fatalf("croston %v, want size/interval %v", c.Mean[0], want)
	}
	if want := c.Mean[0] * (1 - ap/2); math.Abs(s.Mean[3]-want) > 1e-12 {
		t.Fatalf("sba %v, want croston*(1-alpha/2) %v", s.Mean[3], want)
	}
	if !math.IsNaN(c.Fitted[0]) || math.IsNaN(c.Fitted[3]) {
		t.Fatalf("croston fitted must be NaN before the first demand only: %v", c.Fitted[:4])
	}
}

// TestSESOptimized checks the golden-section alpha against a fine grid of the same objective.
func TestSESOptimized(t *testing.T) {
	t.Parallel()
	x := []float64{5, 7, 3, 8, 6, 9, 4, 7, 10, 6, 8, 5}
	a := sesOptimized(x, 0.1, 0.3)
	_, best := sesSimpleSSE(x, a)
	for g := 0.1; g <= 0.3; g += 0.001 {
		if _, sse := sesSimpleSSE(x, g); sse < best-1e-6 {
			t.Fatalf("alpha %v (SSE %v) is beaten by grid point %v (SSE %v)", a, best, g, sse)
		}
	}
	// Closed form of one SES step: level 5 then 5 + a*(7-5).
	if l, sse := sesSimpleSSE([]float64{5, 7}, 0.25); l != 5.5 || sse != 4 {
		t.Fatalf("sesSimpleSSE = %v, %v; want 5.5, 4", l, sse)
	}
}

// TestTSBRecursion checks the TSB update by hand: y = 0,2,0,0,4 with both alphas 0.5, p0 = 0.4, z0 = 3.
func TestTSBRecursion(t *testing.T) {
	t.Parallel()
	fitted := make([]float64, 5)
	p, z, sse := tsbRun([]float64{0, 2, 0, 0, 4}, 0.5, 0.5, 0.4, 3, fitted)
	want := []float64{1.2, 0.6, 1.5, 0.75, 0.375}
	assertClose(t, "tsb fitted", fitted, want, 1e-12)
	if math.Abs(p-0.575) > 1e-12 || math.Abs(z-3.25) > 1e-12 {
		t.Fatalf("final p, z = %v, %v; want 0.575, 3.25", p, z)
	}
	var wantSSE float64
	for i, v := range []float64{0, 2, 0, 0, 4} {
		wantSSE += (v - want[i]) * (v - want[i])
	}
	if math.Abs(sse-wantSSE) > 1e-12 {
		t.Fatalf("sse %v want %v", sse, wantSSE)
	}
}

// TestTSBDecaysForDeadItems: an item that stopped selling a year ago should get a lower forecast from TSB than
// from Croston, which only updates at demand periods.
func TestTSBDecaysForDeadItems(t *testing.T) {
	t.Parallel()
	y := make([]float64, 36)
	for i := 0; i < 24; i += 2 {
		y[i] = 10
	}
	tsb, err := TSB{}.Forecast(y, 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	cro, err := Croston{}.Forecast(y, 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !(tsb.Mean[0] < cro.Mean[0]) {
		t.Fatalf("tsb %v should be below croston %v after 12 zero months", tsb.Mean[0], cro.Mean[0])
	}
}

func TestIntermittentNoDemand(t *testing.T) {
	t.Parallel()
	y := make([]float64, 10)
	for _, m := range []Method{Croston{}, SBA{}, TSB{}, ADIDA{}, IMAPA{}} {
		p, err := m.Forecast(y, 12, 3)
		if err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
		for _, v := range p.Mean {
			if v != 0 {
				t.Fatalf("%s: forecast %v for a series without demand", m.Name(), p.Mean)
			}
		}
	}
}
