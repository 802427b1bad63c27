package forecast

import (
	"math"
	"slices"
)

// shapeMinSeries is how many established series a seasonal shape needs: with fewer, an average profile is
// mostly their noise.
const shapeMinSeries = 5

// shapes are the seasonal shapes short series borrow: per group (Series.Group, e.g. the product category) with
// at least shapeMinSeries established series, and over all the series for the others.
type shapes struct {
	all     []float64
	byGroup map[string][]float64
}

// of returns the shape for a series of group g: its group's, else the overall one (nil when there is none).
func (sh shapes) of(g string) []float64 {
	if s, ok := sh.byGroup[g]; ok && g != "" {
		return s
	}
	return sh.all
}

// seasonalShapes computes the shapes of the established series among series (seasonalShape), overall and per
// group.
func seasonalShapes(series []Series, m int, co ClassifyOptions) shapes {
	if m <= 1 {
		return shapes{}
	}
	var all [][]float64
	groups := map[string][][]float64{}
	for _, s := range series {
		if ix := seasonalIndex(s, m, co); ix != nil {
			all = append(all, ix)
			if s.Group != "" {
				groups[s.Group] = append(groups[s.Group], ix)
			}
		}
	}
	sh := shapes{all: pooledShape(all, m)}
	for g, idx := range groups {
		if shape := pooledShape(idx, m); shape != nil {
			if sh.byGroup == nil {
				sh.byGroup = map[string][]float64{}
			}
			sh.byGroup[g] = shape
		}
	}
	return sh
}

// seasonalShape is the average normalised seasonal profile of the established series among series (smooth or
// erratic, at least two whole seasons observed): per series, the mean demand of each calendar position (month
// of the year for m = 12) over its last whole seasons (at most 3), divided by its mean over those seasons; per
// position, the median of those indexes over the series; finally scaled to average 1. Indexed by
// calPos(month, m). nil when fewer than shapeMinSeries series qualify or the period is 1.
func seasonalShape(series []Series, m int, co ClassifyOptions) []float64 {
	return seasonalShapes(series, m, co).all
}

// seasonalIndex is an established series' seasonal index per calendar position (see seasonalShape), nil for
// other series.
func seasonalIndex(s Series, m int, co ClassifyOptions) []float64 {
	raw, _ := cleanHistory(s.Values)
	n := len(raw)
	seasons := min(n/m, 3)
	if seasons < 2 {
		return nil
	}
	if c := Classify(raw, co).Class; c != ClassSmooth && c != ClassErratic {
		return nil
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
		return nil
	}
	for p := range sum {
		sum[p] = sum[p] / cnt[p] / mean
	}
	return sum
}

// pooledShape is the per-position median of the indexes, scaled to average 1; nil with fewer than
// shapeMinSeries indexes or a position without demand anywhere (dividing by it would be undefined).
func pooledShape(idx [][]float64, m int) []float64 {
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
			return nil
		}
	}
	return shape
}

// calPos is a month's position in a season of m months (its calendar month - 1 for m = 12).
func calPos(mo Month, m int) int { return ((int(mo) % m) + m) % m }
