package forecast

// ADIDA (Nikolopoulos et al. 2011) and IMAPA (Petropoulos & Kourentzes 2015), as in statsforecast: temporal
// aggregation turns an intermittent series into a smoother one of bucket sums, where SES works well; the bucket
// forecast is spread evenly over the periods of the next bucket.

// ADIDA aggregates into non-overlapping buckets of round(mean inter-demand interval) periods (dropping the
// oldest remainder), forecasts the bucket sums with SES (alpha in [0.1, 0.3] minimising SSE) and divides by the
// bucket size.
type ADIDA struct{}

// IMAPA averages the ADIDA forecasts over every aggregation level from 1 to round(mean inter-demand interval).
type IMAPA struct{}

var (
	_ Method = ADIDA{}
	_ Method = IMAPA{}
)

// Name implements Method.
func (ADIDA) Name() string { return "adida" }
func (IMAPA) Name() string { return "imapa" }

// Forecast implements Method.
func (ADIDA) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if n < 1 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	level, ok := aggregationLevel(y)
	if !ok {
		return zeroPrediction(n, h, "adida: no demand"), nil
	}
	fitted := nanSlice(n)
	f, alpha := aggregatedSES(y, level, fitted)
	p := constantMean(f, h)
	p.Fitted = fitted
	p.Model = "adida level=" + formatG(float64(level)) + " alpha=" + formatG(alpha)
	sanitize(&p)
	return p, nil
}

// Forecast implements Method. Fitted values are those of aggregation level 1 (plain SES).
func (IMAPA) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if n < 1 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	maxLevel, ok := aggregationLevel(y)
	if !ok {
		return zeroPrediction(n, h, "imapa: no demand"), nil
	}
	fitted := nanSlice(n)
	var sum float64
	for level := 1; level <= maxLevel; level++ {
		var fl []float64
		if level == 1 {
			fl = fitted
		}
		f, _ := aggregatedSES(y, level, fl)
		sum += f
	}
	p := constantMean(sum/float64(maxLevel), h)
	p.Fitted = fitted
	p.Model = "imapa levels=1.." + formatG(float64(maxLevel))
	sanitize(&p)
	return p, nil
}

// aggregationLevel is round(mean interval between demands), at least 1 and at most len(y); false when y has no
// demand at all.
func aggregationLevel(y []float64) (int, bool) {
	cnt, last := 0, -1
	for t, v := range y {
		if v != 0 {
			cnt++
			last = t
		}
	}
	if cnt == 0 {
		return 0, false
	}
	// The intervals telescope: their sum is the position of the last demand plus one.
	level := int(float64(last+1)/float64(cnt) + 0.5)
	if level < 1 {
		level = 1
	}
	if level > len(y) {
		level = len(y)
	}
	return level, true
}

// aggregatedSES sums y into buckets of size level aligned to the end of the series, fits SES on the sums and
// returns the per-period forecast (bucket forecast / level) and alpha. fitted, if non-nil, receives per-period
// one-step fitted values of the buckets (NaN for the dropped remainder and the first bucket).
func aggregatedSES(y []float64, level int, fitted []float64) (float64, float64) {
	n := len(y)
	rem := n % level
	nb := n / level
	var buf [64]float64
	sums := buf[:0]
	if nb > len(buf) {
		sums = make([]float64, 0, nb)
	}
	for b := 0; b < nb; b++ {
		var s float64
		for _, v := range y[rem+b*level : rem+(b+1)*level] {
			s += v
		}
		sums = append(sums, s)
	}
	alpha := sesOptimized(sums, crostonLo, crostonHi)
	l := sums[0]
	for b := 1; b < nb; b++ {
		if fitted != nil {
			for t := rem + b*level; t < rem+(b+1)*level; t++ {
				fitted[t] = l / float64(level)
			}
		}
		l += alpha * (sums[b] - l)
	}
	return l / float64(level), alpha
}

// constantMean is a prediction whose h forecasts all equal f.
func constantMean(f float64, h int) Prediction {
	mean := make([]float64, h)
	for i := range mean {
		mean[i] = f
	}
	return Prediction{Mean: mean}
}
