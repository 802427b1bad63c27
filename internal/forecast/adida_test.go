package forecast

import (
	"math"
	"testing"
)

func TestAggregationLevel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		y    []float64
		want int
	}{
		{[]float64{0, 0, 3, 0, 0, 5, 0, 0, 1}, 3}, // intervals 3,3,3
		{[]float64{1, 2, 3}, 1},
		{[]float64{0, 0, 0, 0, 7}, 5},
		{[]float64{0, 1, 0, 0, 0, 1, 0}, 3}, // intervals 2,4 -> 3
	} {
		if got, ok := aggregationLevel(c.y); !ok || got != c.want {
			t.Errorf("aggregationLevel(%v) = %d, %v; want %d", c.y, got, ok, c.want)
		}
	}
	if _, ok := aggregationLevel([]float64{0, 0}); ok {
		t.Error("no demand must report false")
	}
}

// TestADIDAAggregation: buckets are aligned to the end of the series (the oldest remainder is dropped), summed,
// smoothed and spread back over the bucket.
func TestADIDAAggregation(t *testing.T) {
	t.Parallel()
	y := []float64{9, 0, 3, 0, 0, 4, 0, 0, 2, 0}
	level, _ := aggregationLevel(y) // demands at 0,2,5,8 -> (8+1)/4 = 2.25 -> 2
	if level != 2 {
		t.Fatalf("level %d, want 2", level)
	}
	// n=10, level 2, no remainder: sums 9,3,4,0,2.
	sums := []float64{9, 3, 4, 0, 2}
	a := sesOptimized(sums, crostonLo, crostonHi)
	l, _ := sesSimpleSSE(sums, a)
	p, err := ADIDA{}.Forecast(y, 12, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Mean[1]-l/2) > 1e-12 {
		t.Fatalf("adida %v, want %v", p.Mean, l/2)
	}
	// Level 3 with remainder: n=10 drops y[0] and sums 3,4,2.
	fitted := nanSlice(10)
	f, alpha := aggregatedSES(y, 3, fitted)
	l3, _ := sesSimpleSSE([]float64{3, 4, 2}, alpha)
	if math.Abs(f-l3/3) > 1e-12 || !math.IsNaN(fitted[0]) || fitted[4] != 1 {
		t.Fatalf("aggregatedSES level 3: f=%v want %v, fitted %v", f, l3/3, fitted)
	}
}

func TestIMAPAAveragesLevels(t *testing.T) {
	t.Parallel()
	y := []float64{0, 0, 5, 0, 0, 0, 2, 0, 0, 6, 0, 0, 0, 1, 0, 0, 4, 0, 0, 3}
	maxLevel, _ := aggregationLevel(y)
	var sum float64
	for l := 1; l <= maxLevel; l++ {
		f, _ := aggregatedSES(y, l, nil)
		sum += f
	}
	p, err := IMAPA{}.Forecast(y, 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	if maxLevel < 2 || math.Abs(p.Mean[2]-sum/float64(maxLevel)) > 1e-12 {
		t.Fatalf("imapa %v, want mean over %d levels %v", p.Mean, maxLevel, sum/float64(maxLevel))
	}
	// With demand every period the only level is 1 and IMAPA equals ADIDA.
	smooth := []float64{3, 4, 5, 4, 3, 4, 5, 6, 5, 4}
	a, _ := ADIDA{}.Forecast(smooth, 12, 1)
	i, _ := IMAPA{}.Forecast(smooth, 12, 1)
	if a.Mean[0] != i.Mean[0] {
		t.Fatalf("smooth series: adida %v imapa %v", a.Mean, i.Mean)
	}
}
