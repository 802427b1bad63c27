package forecast

import "math"

// Error convention (the same as R's forecast::accuracy): error = actual - forecast, so a positive ME (bias)
// means the forecast was too low. Every metric skips pairs whose actual or forecast is NaN (missing) and
// returns NaN when no pair is left; callers that average over series skip NaN (and Inf) values.

// MAE is the mean absolute error.
func MAE(actual, fc []float64) float64 {
	return meanOver(actual, fc, func(a, f float64) float64 { return math.Abs(a - f) })
}

// RMSE is the root mean squared error.
func RMSE(actual, fc []float64) float64 { return math.Sqrt(MSE(actual, fc)) }

// MSE is the mean squared error.
func MSE(actual, fc []float64) float64 {
	return meanOver(actual, fc, func(a, f float64) float64 { return (a - f) * (a - f) })
}

// ME is the mean error (actual - forecast): the bias, positive when forecasting too low.
func ME(actual, fc []float64) float64 {
	return meanOver(actual, fc, func(a, f float64) float64 { return a - f })
}

// SMAPE is the symmetric MAPE in percent, 200*|a-f|/(|a|+|f|), with 0 for a pair where both are zero (a
// perfect zero forecast of zero demand), so it stays finite on intermittent series.
func SMAPE(actual, fc []float64) float64 {
	return meanOver(actual, fc, func(a, f float64) float64 {
		d := math.Abs(a) + math.Abs(f)
		if d == 0 {
			return 0
		}
		return 200 * math.Abs(a-f) / d
	})
}

// MASE is MAE scaled by the in-sample MAE of the seasonal naive method with period m (m <= 1: naive),
// as in R's accuracy(): mean |train[t] - train[t-m]| over the pairs where both are present. Returns +Inf when
// the scale is zero (constant training data) and NaN when it cannot be computed (too short).
func MASE(actual, fc, train []float64, m int) float64 {
	return MAE(actual, fc) / NaiveMAE(train, m)
}

// RMSSE is RMSE scaled by the in-sample RMSE of the naive (lag-1) method, as in the M5 competition.
func RMSSE(actual, fc, train []float64) float64 {
	return RMSE(actual, fc) / math.Sqrt(naiveMSE(train, 1))
}

// NaiveMAE is the in-sample mean absolute lag-m difference of y (lag 1 when m <= 1), NaN if undefined.
func NaiveMAE(y []float64, m int) float64 {
	return lagMean(y, m, func(d float64) float64 { return math.Abs(d) })
}

// naiveMSE is the in-sample mean squared lag-m difference of y.
func naiveMSE(y []float64, m int) float64 {
	return lagMean(y, m, func(d float64) float64 { return d * d })
}

func lagMean(y []float64, m int, f func(float64) float64) float64 {
	if m < 1 {
		m = 1
	}
	var s float64
	n := 0
	for t := m; t < len(y); t++ {
		if math.IsNaN(y[t]) || math.IsNaN(y[t-m]) {
			continue
		}
		s += f(y[t] - y[t-m])
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

func meanOver(actual, fc []float64, f func(a, f float64) float64) float64 {
	var s float64
	n := 0
	for i := range min(len(actual), len(fc)) {
		a, p := actual[i], fc[i]
		if math.IsNaN(a) || math.IsNaN(p) {
			continue
		}
		s += f(a, p)
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// finiteMean averages the finite values of xs (NaN when there are none); used to average metrics over series
// where a series with an undefined or infinite scale must not poison the average.
func finiteMean(xs []float64) (float64, int) {
	var s float64
	n := 0
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		s += x
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return s / float64(n), n
}
