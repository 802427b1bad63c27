package forecast

import (
	"slices"
	"strings"
)

// Combine says how an ensemble merges its members' forecasts.
type Combine string

// Ensemble combinations.
const (
	CombineMean   Combine = "mean"
	CombineMedian Combine = "median"
)

// Ensemble is a fixed combination of named methods, competing in selection like any single method.
// Its name is "mean(ets+theta)" style (no commas, so it needs no quoting in CSV), which is what Result.Method
// reports when it wins.
type Ensemble struct {
	Combine Combine
	Members []string
}

// Name is the reported identifier, e.g. "mean(ets+theta)".
func (e Ensemble) Name() string { return string(e.Combine) + "(" + strings.Join(e.Members, "+") + ")" }

// combineInto writes the combination of fcs (equal lengths) into dst (allocated when nil) and returns it.
// A nil member (a method that could not run) makes the whole combination unavailable (nil).
func combineInto(c Combine, fcs [][]float64, dst []float64) []float64 {
	if len(fcs) == 0 {
		return nil
	}
	for _, f := range fcs {
		if f == nil {
			return nil
		}
	}
	h := len(fcs[0])
	if dst == nil {
		dst = make([]float64, h)
	}
	var buf [16]float64
	for t := range h {
		switch c {
		case CombineMedian:
			vals := buf[:0]
			for _, f := range fcs {
				vals = append(vals, f[t])
			}
			slices.Sort(vals)
			k := len(vals)
			if k%2 == 1 {
				dst[t] = vals[k/2]
			} else {
				dst[t] = (vals[k/2-1] + vals[k/2]) / 2
			}
		default:
			var s float64
			for _, f := range fcs {
				s += f[t]
			}
			dst[t] = s / float64(len(fcs))
		}
	}
	return dst
}
