package forecast

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestMetricsHandComputed(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	actual := []float64{1, 2, 3, nan}
	fc := []float64{2, 2, 1, 5}
	// Errors (actual - forecast) on the three observed pairs: -1, 0, 2.
	train := []float64{1, 3, 2, 4, nan, 6}
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		{"MAE", MAE(actual, fc), 1},
		{"MSE", MSE(actual, fc), 5.0 / 3},
		{"RMSE", RMSE(actual, fc), math.Sqrt(5.0 / 3)},
		{"ME", ME(actual, fc), 1.0 / 3},
		{"sMAPE", SMAPE(actual, fc), (200.0/3 + 0 + 100) / 3},
		// lag-1 in-sample |diffs| on present pairs: 2, 1, 2 -> 5/3
		{"MASE m=1", MASE(actual, fc, train, 1), 1 / (5.0 / 3)},
		// lag-2 pairs: 2-1, 4-3, 6-4 (the pair with the gap is skipped) -> 4/3
		{"MASE m=2", MASE(actual, fc, train, 2), 1 / (4.0 / 3)},
		// lag-1 squared diffs 4, 1, 4 -> 3
		{"RMSSE", RMSSE(actual, fc, train), math.Sqrt(5.0/3) / math.Sqrt(3)},
	}
	for _, c := range cases {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMetricsEdgeCases(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	if v := MAE([]float64{nan, nan}, []float64{1, 2}); !math.IsNaN(v) {
		t.Errorf("MAE with no observed actual = %v, want NaN", v)
	}
	if v := MAE(nil, nil); !math.IsNaN(v) {
		t.Errorf("MAE of nothing = %v, want NaN", v)
	}
	if v := SMAPE([]float64{0, 0}, []float64{0, 0}); v != 0 {
		t.Errorf("sMAPE of perfect zero forecast = %v, want 0", v)
	}
	if v := SMAPE([]float64{0}, []float64{3}); v != 200 {
		t.Errorf("sMAPE(0 vs 3) = %v, want 200", v)
	}
	if v := MASE([]float64{1}, []float64{2}, []float64{5, 5, 5}, 1); !math.IsInf(v, 1) {
		t.Errorf("MASE with constant training data = %v, want +Inf", v)
	}
	if v := MASE([]float64{1}, []float64{2}, []float64{5}, 12); !math.IsNaN(v) {
		t.Errorf("MASE with too short training data = %v, want NaN", v)
	}
	if m, n := finiteMean([]float64{1, nan, math.Inf(1), 3}); m != 2 || n != 2 {
		t.Errorf("finiteMean = %v over %d, want 2 over 2", m, n)
	}
}
