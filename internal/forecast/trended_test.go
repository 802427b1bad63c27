package forecast

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// synthTrendSeasonal builds count realistic trended and seasonal monthly series of 48 to 96 months, seeded:
// a level with a linear or damped trend, additive or multiplicative seasonality of random shape and strength,
// Gaussian or Poisson-like noise, and now and then a permanent level shift (a lost customer, a new listing).
func synthTrendSeasonal(seed uint64, count int) []Series {
	r := rand.New(rand.NewPCG(seed, 17))
	out := make([]Series, count)
	for i := range out {
		months := 48 + 12*r.IntN(5)
		level := 20 + 480*r.Float64()*r.Float64()
		slope := level * 0.01 * r.NormFloat64()
		damp := 1.0
		if r.Float64() < 0.4 {
			damp = 0.9 + 0.08*r.Float64()
		}
		amp := 0.5 * r.Float64()
		mult := r.Float64() < 0.6
		phase := 2 * math.Pi * r.Float64()
		var shape [12]float64
		for k := range shape {
			shape[k] = math.Sin(2*math.Pi*float64(k)/12+phase) + 0.5*r.NormFloat64()*amp
		}
		noise := 0.05 + 0.2*r.Float64()
		poisson := r.Float64() < 0.3
		v := make([]float64, months)
		lv, tr := level, slope
		for t := range v {
			if r.Float64() < 0.01 {
				lv *= 0.6 + 0.8*r.Float64()
			}
			lv = math.Max(lv+tr, 0.3*level)
			tr *= damp
			s := shape[t%12]
			mu := lv + amp*lv*s
			if mult {
				mu = lv * math.Max(1+amp*s, 0.05)
			}
			mu = math.Max(mu, 0)
			var x float64
			if poisson {
				x = float64(poissonRand(r, mu*(1+noise*r.NormFloat64()*0.5)))
			} else {
				x = mu * (1 + noise*r.NormFloat64())
			}
			v[t] = math.Max(0, math.Round(x))
		}
		out[i] = Series{ID: fmt.Sprintf("T%05d", i), Start: MonthFor(2018, 1), Values: v}
	}
	return out
}

// rollingOrigins evaluates on several 12-month holdouts: for each d in drops the last d months are removed
// first, then the last 12 of the rest are forecast from what precedes them. It returns the rows of every
// window (in the order of drops).
func rollingOrigins(tb testing.TB, series []Series, drops []int, bo BacktestOptions) []Report {
	tb.Helper()
	var reps []Report
	for _, d := range drops {
		cut := make([]Series, 0, len(series))
		for _, s := range series {
			if len(s.Values)-d > 12+6 {
				c := s
				c.Values = s.Values[:len(s.Values)-d]
				cut = append(cut, c)
			}
		}
		bo.Holdout = 12
		rep, err := Backtest(context.Background(), cut, bo)
		if err != nil {
			tb.Fatal(err)
		}
		reps = append(reps, rep)
	}
	return reps
}

// meanRow averages a method's sMAPE, MASE and pooled RMSE over the windows (each window weighs the same).
func meanRow(reps []Report, method string) (smape, mase, rmse float64) {
	for _, rep := range reps {
		for _, r := range rep.Rows {
			if r.Method == method {
				smape += r.SMAPE / float64(len(reps))
				mase += r.MASE / float64(len(reps))
				rmse += r.RMSEPooled / float64(len(reps))
			}
		}
	}
	return smape, mase, rmse
}

// TestTrendedDev prints the rolling-origin table on hospital (FS_SET=hospital) or the synthetic set; run by hand
// with FS_DEV=1 while tuning. FS_DROPS="24,36" picks the windows (months dropped before the 12-month holdout).
func TestTrendedDev(t *testing.T) {
	if os.Getenv("FS_DEV") == "" {
		t.Skip("set FS_DEV=1 to print the rolling-origin tables")
	}
	var series []Series
	drops := []int{0, 12, 24}
	if os.Getenv("FS_SET") == "hospital" {
		series = loadHospital(t)
	} else {
		// Tuning set: a different seed from the one TestTrendedSeasonalAccuracy uses (FS_SEED=2026 prints that one).
		seed := uint64(99)
		if v := os.Getenv("FS_SEED"); v != "" {
			fmt.Sscan(v, &seed)
		}
		series = synthTrendSeasonal(seed, 400)
	}
	if v := os.Getenv("FS_DROPS"); v != "" {
		drops = nil
		for _, f := range strings.Split(v, ",") {
			var d int
			fmt.Sscan(f, &d)
			drops = append(drops, d)
		}
	}
	bo := BacktestOptions{}
	saved, savedEns := candidatesSeasonal, ensemblesSeasonal
	t.Cleanup(func() { candidatesSeasonal, ensemblesSeasonal = saved, savedEns })
	if v := os.Getenv("FS_CANDS"); v != "" {
		candidatesSeasonal = strings.Split(v, ",")
	}
	if v := os.Getenv("FS_AUTOENS"); v != "" {
		ensemblesSeasonal = parseEnsembles(v)
	}
	if v := os.Getenv("FS_LAGS"); v != "" {
		saved := pooledLags
		t.Cleanup(func() { pooledLags = saved })
		fmt.Sscan(v, &pooledLags)
	}
	if v := os.Getenv("FS_MARGIN"); v != "" {
		fmt.Sscan(v, &bo.Auto.Margin)
	}
	if v := os.Getenv("FS_METHODS"); v != "" {
		bo.Methods = strings.Split(v, ",")
	}
	if v := os.Getenv("FS_ENS"); v != "" {
		bo.Ensembles = parseEnsembles(v)
	}
	reps := rollingOrigins(t, series, drops, bo)
	var buf bytes.Buffer
	for _, rep := range reps {
		rep.WriteTable(&buf)
		fmt.Fprintf(&buf, "chosen: %v\n\n", rep.Chosen)
	}
	fmt.Fprintf(&buf, "mean over windows %v:\n", drops)
	for _, r := range reps[0].Rows {
		s, m, e := meanRow(reps, r.Method)
		fmt.Fprintf(&buf, "%28s  sMAPE %.3f  MASE %.4f  RMSE %.3f\n", r.Method, s, m, e)
	}
	t.Logf("\n%s", buf.String())
}

// trendedEval is the deterministic evaluation behind TestTrendedSeasonalAccuracy and BenchmarkTrendedEval: the
// automatic choice against Theta alone over three 12-month rolling origins (the last 0, 12 and 24 months
// dropped first), on hospital (when present) and on 400 seeded synthetic trended/seasonal series.
type trendedResult struct {
	set                   string
	autoSMAPE, thetaSMAPE float64
	autoMASE, thetaMASE   float64
	autoRMSE, thetaRMSE   float64
	series, windows       int
}

func trendedEval(tb testing.TB, set string) trendedResult {
	tb.Helper()
	var series []Series
	switch set {
	case "hospital":
		series = loadHospital(tb)
	default:
		series = synthTrendSeasonal(2026, 400)
	}
	drops := []int{0, 12, 24}
	reps := rollingOrigins(tb, series, drops, BacktestOptions{Methods: []string{"theta"}, Ensembles: []Ensemble{}})
	r := trendedResult{set: set, series: reps[0].Series, windows: len(reps)}
	r.autoSMAPE, r.autoMASE, r.autoRMSE = meanRow(reps, "auto")
	r.thetaSMAPE, r.thetaMASE, r.thetaRMSE = meanRow(reps, "theta")
	return r
}

// TestTrendedSeasonalAccuracy asserts the automatic choice beats Theta alone on rolling origins: by at least 4%
// sMAPE on the synthetic trended/seasonal set (the target), and on hospital by at least 2.5% (it reaches
// 3.0%; the 4% target is not met on hospital, see docs/forecasting.md).
func TestTrendedSeasonalAccuracy(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("rolling-origin evaluation over hundreds of series; skipped with -short")
	}
	if selectionRaceBuild {
		t.Skip("accuracy figures are checked without -race: 10-20x slower under the race detector")
	}
	for _, set := range []string{"synthetic", "hospital"} {
		t.Run(set, func(t *testing.T) {
			t.Parallel()
			r := trendedEval(t, set)
			gain := 1 - r.autoSMAPE/r.thetaSMAPE
			t.Logf("%s: %d series x %d windows: auto sMAPE %.3f MASE %.4f RMSE %.3f; theta sMAPE %.3f MASE %.4f RMSE %.3f; %.1f%% lower sMAPE",
				set, r.series, r.windows, r.autoSMAPE, r.autoMASE, r.autoRMSE, r.thetaSMAPE, r.thetaMASE, r.thetaRMSE, 100*gain)
			want := 0.04
			if set == "hospital" {
				// 3.0% measured (2.2% before the pooled autoregression, 1.1% before the shrunk seasonal
				// candidates); the margin leaves room for changes elsewhere that move it a little while still
				// catching a selection that loses the pooled model's gain.
				want = 0.025
			}
			if !(gain >= want) {
				t.Errorf("auto sMAPE %.3f is only %.1f%% below theta's %.3f, want >= %.1f%%", r.autoSMAPE, 100*gain, r.thetaSMAPE, 100*want)
			}
			if !(r.autoMASE < r.thetaMASE) {
				t.Errorf("auto MASE %.4f not below theta's %.4f", r.autoMASE, r.thetaMASE)
			}
		})
	}
}

// BenchmarkTrendedEval runs the rolling-origin evaluation and reports its accuracy figures:
//
//	go test -run '^$' -bench TrendedEval -benchtime 1x ./internal/forecast
func BenchmarkTrendedEval(b *testing.B) {
	for _, set := range []string{"synthetic", "hospital"} {
		b.Run(set, func(b *testing.B) {
			var r trendedResult
			for b.Loop() {
				r = trendedEval(b, set)
			}
			b.ReportMetric(r.autoSMAPE, "auto-sMAPE")
			b.ReportMetric(r.thetaSMAPE, "theta-sMAPE")
			b.ReportMetric(100*(1-r.autoSMAPE/r.thetaSMAPE), "%-lower")
			b.ReportMetric(r.autoMASE, "auto-MASE")
			b.ReportMetric(r.thetaMASE, "theta-MASE")
		})
	}
}
