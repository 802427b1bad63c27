package forecast

import (
	"math"
	"slices"
)

// shapeMinSeries is how many established series a seasonal shape needs: with fewer, an average profile is
// mostly their noise.
const shapeMinSeries = 5

// seasonalShape is the average normalised seasonal profile of the established series among series (smooth or
// erratic, at least two whole seasons observed): per series, the mean demand of each calendar position (month
// of the year for m = 12) over its last whole seasons (at most 3), divided by its mean over those seasons; per
// position, the median of those indexes over the series; finally scaled to average 1. Indexed by
// calPos(month, m). nil when fewer than shapeMinSeries series qualify or the period is 1.
func seasonalShape(series []Series, m int, co ClassifyOptions) []float64 {
	if m <= 1 {
		return nil
	}
	var idx [][]float64
	for _, s := range series {
		raw, _ := cleanHistory(s.Values)
		n := len(raw)
		seasons := min(n/m, 3)
		if seasons < 2 {
			continue
		}
		if c := Classify(raw, co).Class; c != ClassSmooth && c != ClassErratic {
			continue
		}
		start := s.End().Add(1 - seasons*m)
		win := raw[n-seasons*m:]
		sum, cnt := make([]float64, m), make([]float64, m)
		var total float64
		var nobs int
		for i, v := range win {
			if math.IsNaN(v) {
				continue
			}
			p := calPos(start.Add(i), m)
			sum[p] += v
			cnt[p]++
			total += v
			nobs++
		}
		mean := total / float64(max(nobs, 1))
		if !(mean > 0) || slices.Contains(cnt, 0) {
			continue
		}
		ix := make([]float64, m)
		for p := range ix {
			ix[p] = sum[p] / cnt[p] / mean
		}
		idx = append(idx, ix)
	}
	if len(idx) < shapeMinSeries {
		return nil
	}
	shape := make([]float64, m)
	col := make([]float64, len(idx))
	var avg float64
	for p := range shape {
		for i := range idx {
			col[i] = idx[i][p]
		}
		shape[p] = median(col)
		avg += shape[p] / float64(m)
	}
	if !(avg > 0) {
		return nil
	}
	for p := range shape {
		shape[p] /= avg
		if !(shape[p] > 0) {
			return nil // a position without demand anywhere: dividing by it would be undefined
		}
	}
	return shape
}

// calPos is a month's position in a season of m months (its calendar month - 1 for m = 12).
func calPos(mo Month, m int) int { return ((int(mo) % m) + m) % m }
