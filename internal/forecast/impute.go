package forecast

import "math"

// imputeSeasonal fills the missing months of y like impute, but across the season: where y has at least two
// full seasons of observed values, the gaps are interpolated on the seasonally adjusted series and the month's
// seasonal component is added back, so a gap over a seasonal peak (a stock-out in the high season) is not filled
// with the level of the months around it. The seasonal components are the mean deviation of each month of the
// season from a centred moving average (classical additive decomposition), over observed months only. Otherwise,
// or without gaps, it is impute.
func imputeSeasonal(y []float64, period int) []float64 {
	out := impute(y)
	if period <= 1 {
		return out
	}
	observed := 0
	for _, v := range y {
		if !math.IsNaN(v) {
			observed++
		}
	}
	if observed == len(y) || observed < 2*period {
		return out
	}
	// The moving average near a gap sees the gap as filled so far: a few rounds let the fill and the components
	// settle (the first from the linear fill).
	for range 3 {
		season, ok := seasonalComponents(y, centredAverage(out, period), period)
		if !ok {
			return out
		}
		adjusted := make([]float64, len(y))
		for i, v := range y {
			adjusted[i] = v - season[i%period] // NaN stays NaN
		}
		filled := impute(adjusted)
		for i, v := range y {
			if math.IsNaN(v) {
				out[i] = math.Max(0, filled[i]+season[i%period])
			}
		}
	}
	return out
}

// seasonalComponents are the mean deviations of the observed months from the trend, per month of the season,
// centred on zero; false when a month of the season is seen less than twice.
func seasonalComponents(y, trend []float64, period int) ([]float64, bool) {
	sum := make([]float64, period)
	n := make([]int, period)
	for i, v := range y {
		if !math.IsNaN(v) && !math.IsNaN(trend[i]) {
			sum[i%period] += v - trend[i]
			n[i%period]++
		}
	}
	season := make([]float64, period)
	var mean float64
	for k := range season {
		if n[k] < 2 {
			return nil, false
		}
		season[k] = sum[k] / float64(n[k])
		mean += season[k] / float64(period)
	}
	for k := range season {
		season[k] -= mean
	}
	return season, true
}

// centredAverage is the centred moving average of a complete series over one season (2 x period for an even
// period), NaN where the window does not fit.
func centredAverage(y []float64, period int) []float64 {
	out := make([]float64, len(y))
	half := period / 2
	for i := range y {
		if i < half || i+half >= len(y) {
			out[i] = math.NaN()
			continue
		}
		var s float64
		if period%2 == 0 {
			s = (y[i-half] + y[i+half]) / 2
			for j := i - half + 1; j < i+half; j++ {
				s += y[j]
			}
		} else {
			for j := i - half; j <= i+half; j++ {
				s += y[j]
			}
		}
		out[i] = s / float64(period)
	}
	return out
}
