package forecast

import (
	"math"
	"testing"
)

// TestImputeSeasonal: a gap over the seasonal peak of a series with two full seasons is filled with the peak's
// seasonal component, not the level of the months around it; short series, gap-free ones and period 1 are filled
// like impute.
func TestImputeSeasonal(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	// period 4, level 10, season +6 -2 -2 -2 (an exact additive pattern), the peaks of months 16 and 20 missing:
	// the moving average near the gap sees the gap filled linearly, so the components are a little off.
	season := []float64{6, -2, -2, -2}
	y := make([]float64, 24)
	for i := range y {
		y[i] = 10 + season[i%4]
	}
	y[16], y[20] = nan, nan
	got := imputeSeasonal(y, 4)
	for _, i := range []int{16, 20} {
		if math.Abs(got[i]-16) > 0.1 {
			t.Errorf("month %d imputed %v, want the peak 16 (linear gives %v)", i, got[i], impute(y)[i])
		}
	}
	for i, v := range y {
		if !math.IsNaN(v) && got[i] != v {
			t.Errorf("observed month %d changed: %v", i, got[i])
		}
	}
	short := []float64{1, nan, 3, 4, 5}
	for name, tc := range map[string]struct {
		y      []float64
		period int
	}{"short": {short, 4}, "period 1": {y, 1}, "complete": {[]float64{1, 2, 3, 4, 5, 6, 7, 8}, 4}} {
		if got, want := imputeSeasonal(tc.y, tc.period), impute(tc.y); !equalSlices(got, want) {
			t.Errorf("%s: %v, want impute's %v", name, got, want)
		}
	}
}
