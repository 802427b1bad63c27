package forecast

import (
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// calibrationScore is one held-out month of the automatic choice: its signed normalised error
// (actual - forecast) / sigma, where sigma is the error deviation behind the intervals, and its weight in the
// scaled interval score, sigma / the window's in-sample naive MAE (MSIS divides each window's score by that).
type calibrationScore struct{ z, weight float64 }

// intervalScores are the calibration scores of the windows, split by demand class group.
func intervalScores(wins []evalWindow) map[string][]calibrationScore {
	out := map[string][]calibrationScore{}
	for _, w := range wins {
		g := intervalGroup(Class(w.class))
		scale := NaiveMAE(w.train, 1)
		for t, a := range w.actuals {
			if t >= len(w.sigma) {
				break
			}
			sd := w.sigma[t]
			if math.IsNaN(a) || !(sd > 0) || !(scale > 0) {
				continue
			}
			out[g] = append(out[g], calibrationScore{z: (a - w.fc[t]) / sd, weight: sd / scale})
		}
	}
	return out
}

// weightedQuantile is the smallest score whose cumulative weight reaches p of the total (scores sorted by z).
func weightedQuantile(s []calibrationScore, p float64) float64 {
	s = slices.SortedFunc(slices.Values(s), func(a, b calibrationScore) int { return compareFloat(a.z, b.z) })
	var total, c float64
	for _, x := range s {
		total += x.weight
	}
	for _, x := range s {
		c += x.weight
		if c >= p*total {
			return x.z
		}
	}
	return s[len(s)-1].z
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// calibrationFit gives the half-widths of a group at calibrationLevels (see calibrationQuantiles for the rules):
// the quantiles of |z|, weighted by the score for smooth series, unweighted for intermittent ones.
func calibrationFit(group string, s []calibrationScore) []float64 {
	abs := make([]calibrationScore, len(s))
	for i, x := range s {
		abs[i] = calibrationScore{z: math.Abs(x.z), weight: x.weight}
		if group != "smooth" {
			abs[i].weight = 1
		}
	}
	q := make([]float64, len(calibrationLevels))
	for i, lv := range calibrationLevels {
		q[i] = weightedQuantile(abs, lv/100)
	}
	return q
}

// TestIntervalCalibrationDev prints the calibration's half-widths fitted on held-out windows that the
// evaluation never uses: hospital trained to month 60 and 54 (the real holdout starts at 72) and a synthetic
// intermittent set with another seed. Run by hand with FS_CALIB=1.
func TestIntervalCalibrationDev(t *testing.T) {
	if os.Getenv("FS_CALIB") == "" {
		t.Skip("set FS_CALIB=1 to fit the interval calibration")
	}
	hosp := loadHospital(t)
	for i := range hosp {
		hosp[i].Values = hosp[i].Values[:72]
	}
	_, hw := rollingEvalWindows(t, hosp, 2, 6, 12, Options{})
	_, iw := rollingEvalWindows(t, pooledSeries(synthEvalSets(99, 60, 60)), 4, 6, 12, Options{})
	format := func(q []float64) string {
		parts := make([]string, len(q))
		for i, v := range q {
			parts[i] = strconv.FormatFloat(v, 'f', 3, 64)
		}
		return strings.Join(parts, ", ")
	}
	for g, s := range intervalScores(append(hw, iw...)) {
		t.Logf("%s: %d scores; half-widths at %v: {%s}", g, len(s), calibrationLevels, format(calibrationFit(g, s)))
	}
}

// TestIntervalCoverage checks the calibrated intervals where the calibration never looked: the hospital
// benchmark's real holdout (trained on 72 months) and the intermittent evaluation set (another seed). The
// coverage must be within 2 points of nominal (the target). The 95% interval score (MSIS) must be no
// worse than an ETS model's own intervals (its sigma, normal quantiles) on either set.
func TestIntervalCoverage(t *testing.T) {
	t.Parallel()
	if testing.Short() || methodsRaceBuild {
		t.Skip("forecasts the hospital set and the intermittent evaluation set: run without -short and -race")
	}
	hosp := loadHospital(t)
	sets := map[string][]evalRow{
		"hospital holdout": rollingEval(t, hosp, 1, 6, 12, Options{}),
		"intermittent":     rollingEval(t, pooledSeries(intermittentEvalSeries()), 4, 6, 12, Options{}),
	}
	for name, rows := range sets {
		var auto, ets evalRow
		for _, r := range rows {
			switch r.Method {
			case "auto":
				auto = r
			case "ets":
				ets = r
			}
		}
		t.Logf("%s: auto covers %.1f%% (80%%) and %.1f%% (95%%), MSIS %.3f; ets %.1f%%, %.1f%%, MSIS %.3f", name,
			auto.Cover80, auto.Cover95, auto.MSIS95, ets.Cover80, ets.Cover95, ets.MSIS95)
		if math.Abs(auto.Cover80-80) > 2 || math.Abs(auto.Cover95-95) > 2 {
			t.Errorf("%s: coverage %.1f%% and %.1f%%, want within 2 points of 80 and 95", name, auto.Cover80, auto.Cover95)
		}
		if !(auto.MSIS95 <= ets.MSIS95) {
			t.Errorf("%s: MSIS %.3f, want at most ets's %.3f", name, auto.MSIS95, ets.MSIS95)
		}
	}
}

// BenchmarkIntervalCoverage reports what TestIntervalCoverage checks on the hospital holdout: the automatic
// choice's coverage and MSIS next to ETS's (the intermittent set's are in BenchmarkIntermittentEvaluation):
//
//	go test -run '^$' -bench IntervalCoverage -benchtime 1x ./internal/forecast
func BenchmarkIntervalCoverage(b *testing.B) {
	hosp := loadHospital(b)
	var rows []evalRow
	for b.Loop() {
		rows = rollingEval(b, hosp, 1, 6, 12, Options{})
	}
	for _, r := range rows {
		switch r.Method {
		case "auto":
			b.ReportMetric(r.Cover80, "auto-cover80-%")
			b.ReportMetric(r.Cover95, "auto-cover95-%")
			b.ReportMetric(r.MSIS95, "auto-msis")
		case "ets":
			b.ReportMetric(r.Cover80, "ets-cover80-%")
			b.ReportMetric(r.Cover95, "ets-cover95-%")
			b.ReportMetric(r.MSIS95, "ets-msis")
		}
	}
}
