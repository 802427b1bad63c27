package forecast

import "math"

// Intermittent-demand methods: demand sizes and the intervals (or occurrence) between them are smoothed
// separately, so many zero months do not drag a level towards zero and back. Smoothing constants are fitted by
// minimising in-sample squared one-step error (as statsforecast's CrostonOptimized does), within the usual
// ranges so a handful of demands cannot produce a runaway constant.

// Croston is Croston's method with optimised smoothing: SES on the non-zero demand sizes and SES on the intervals
// between them, each with its own alpha in [0.1, 0.3] minimising that SES's in-sample SSE; forecast = size/interval.
type Croston struct{}

// SBA is the Syntetos-Boylan approximation: Croston's forecast times (1 - alpha_interval/2), which removes
// Croston's known upward bias.
type SBA struct{}

// TSB is Teunter-Syntetos-Babai: SES on the demand occurrence probability every period and on the demand size at
// demand periods; forecast = probability * size. Unlike Croston it decays towards zero for items that stopped
// selling. Both alphas are chosen jointly in [0.01, 0.5] to minimise the in-sample one-step MSE of the forecast.
type TSB struct{}

var (
	_ Method = Croston{}
	_ Method = SBA{}
	_ Method = TSB{}
)

// Name implements Method.
func (Croston) Name() string { return "croston" }
func (SBA) Name() string     { return "sba" }
func (TSB) Name() string     { return "tsb" }

// Croston bounds for the SES smoothing constants (statsforecast's CrostonOptimized).
const crostonLo, crostonHi = 0.1, 0.3

// Forecast implements Method. Sigma is nil; m is not used.
func (Croston) Forecast(y []float64, m, h int) (Prediction, error) {
	return crostonForecast(y, h, false)
}

// Forecast implements Method. Sigma is nil; m is not used.
func (SBA) Forecast(y []float64, m, h int) (Prediction, error) {
	return crostonForecast(y, h, true)
}

// demandsIntervals splits y into the non-zero demand sizes and the intervals between them (the first interval
// counts from the start of the series: position+1), as R's croston() and statsforecast's _intervals do.
func demandsIntervals(y []float64) (sizes, intervals []float64) {
	last := -1
	for t, v := range y {
		if v != 0 {
			sizes = append(sizes, v)
			intervals = append(intervals, float64(t-last))
			last = t
		}
	}
	return sizes, intervals
}

// sesSimpleSSE runs SES with "simple" initialisation (level = x[0]) and returns the final level (the forecast)
// and the sum of squared one-step errors from the second point on (R's ses(initial="simple"),
// statsforecast's _ses_sse).
func sesSimpleSSE(x []float64, alpha float64) (float64, float64) {
	l := x[0]
	var sse float64
	for _, v := range x[1:] {
		e := v - l
		sse += e * e
		l += alpha * e
	}
	return l, sse
}

// sesOptimized picks alpha in [lo, hi] minimising sesSimpleSSE; with fewer than three points there is nothing to
// fit and lo is used.
func sesOptimized(x []float64, lo, hi float64) float64 {
	if len(x) < 3 {
		return lo
	}
	a, _ := goldenMin(func(a float64) float64 {
		_, sse := sesSimpleSSE(x, a)
		return sse
	}, lo, hi, 1e-3)
	return a
}

// crostonForecast is Croston (or SBA) with both smoothing constants optimised.
func crostonForecast(y []float64, h int, sba bool) (Prediction, error) {
	n := len(y)
	if n < 1 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	sizes, intervals := demandsIntervals(y)
	if len(sizes) == 0 {
		return zeroPrediction(n, h, "croston: no demand"), nil
	}
	az := sesOptimized(sizes, crostonLo, crostonHi)
	ap := sesOptimized(intervals, crostonLo, crostonHi)
	return crostonWith(y, h, az, ap, sba), nil
}

// crostonWith runs Croston (or SBA) with fixed smoothing constants for sizes and intervals.
func crostonWith(y []float64, h int, az, ap float64, sba bool) Prediction {
	n := len(y)
	factor := 1.0
	if sba {
		factor = 1 - ap/2
	}
	fitted := nanSlice(n)
	var z, p float64
	seen := 0
	last := -1
	for t, v := range y {
		if seen > 0 {
			fitted[t] = factor * z / p
		}
		if v != 0 {
			q := float64(t - last)
			if seen == 0 {
				z, p = v, q
			} else {
				z += az * (v - z)
				p += ap * (q - p)
			}
			seen++
			last = t
		}
	}
	f := factor * z / p
	mean := make([]float64, h)
	for i := range mean {
		mean[i] = f
	}
	name := "croston"
	if sba {
		name = "sba"
	}
	pr := Prediction{Mean: mean, Fitted: fitted, Model: name + " alpha_size=" + formatG(az) + " alpha_interval=" +
		formatG(ap)}
	sanitize(&pr)
	return pr
}

// Forecast implements Method. Sigma is nil; m is not used.
func (TSB) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if n < 1 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	sizes, _ := demandsIntervals(y)
	if len(sizes) == 0 {
		return zeroPrediction(n, h, "tsb: no demand"), nil
	}
	// Start from the sample's demand rate and mean size so the first periods are not dominated by the
	// initialisation.
	p0 := float64(len(sizes)) / float64(n)
	z0 := mean(sizes)
	ad, ap := 0.1, 0.1
	if n >= 4 {
		var nm nmWork
		x := []float64{0.1, 0.1}
		obj := func(v []float64) float64 {
			if v[0] < 0.01 || v[0] > 0.5 || v[1] < 0.01 || v[1] > 0.5 {
				return math.Inf(1)
			}
			_, _, sse := tsbRun(y, v[0], v[1], p0, z0, nil)
			return sse
		}
		nm.nmMinimize(obj, x, []float64{0.1, 0.1}, 120, 1e-6)
		ad, ap = x[0], x[1]
	}
	fitted := make([]float64, n)
	pr, z, _ := tsbRun(y, ad, ap, p0, z0, fitted)
	mean := make([]float64, h)
	for i := range mean {
		mean[i] = pr * z
	}
	out := Prediction{Mean: mean, Fitted: fitted, Model: "tsb alpha_size=" + formatG(ad) + " alpha_prob=" + formatG(ap)}
	sanitize(&out)
	return out, nil
}

// tsbRun runs TSB and returns the final probability, size and the in-sample one-step SSE.
func tsbRun(y []float64, ad, ap, p, z float64, fitted []float64) (float64, float64, float64) {
	var sse float64
	for t, v := range y {
		f := p * z
		if fitted != nil {
			fitted[t] = f
		}
		sse += (v - f) * (v - f)
		if v != 0 {
			p += ap * (1 - p)
			z += ad * (v - z)
		} else {
			p -= ap * p
		}
	}
	return p, z, sse
}

// zeroPrediction forecasts zero demand with zero fitted values (a series without any demand).
func zeroPrediction(n, h int, model string) Prediction {
	return Prediction{Mean: make([]float64, h), Fitted: make([]float64, n), Model: model}
}
