package forecast

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
)

func TestMakePlan(t *testing.T) {
	t.Parallel()
	o := Options{}.withDefaults()
	cases := []struct {
		n        int
		seasonal bool
		origins  []int
		h        int
	}{
		// 72 months: three origins a year apart, full 12-month horizon, training from 36 months.
		{72, true, []int{60, 48, 36}, 12},
		// 48 months (seasonal needs 24 to train): origins squeezed to 6 months apart.
		{48, true, []int{36, 30, 24}, 12},
		// 30 months, seasonal: little room, adjacent origins and a shorter horizon.
		{30, true, []int{26, 25, 24}, 4},
		// 8 months, non-seasonal: training from 4 months.
		{8, false, []int{6, 5, 4}, 2},
		{4, false, []int{3}, 1},
		{3, false, nil, 0},
	}
	for _, c := range cases {
		p := makePlan(c.n, o, c.seasonal)
		if !equalInts(p.origins, c.origins) || p.h != c.h {
			t.Errorf("n=%d seasonal=%v: origins %v h %d, want %v h %d", c.n, c.seasonal, p.origins, p.h, c.origins, c.h)
		}
		for _, t0 := range p.origins {
			if t0+p.h > c.n {
				t.Errorf("n=%d: origin %d + h %d runs past the data", c.n, t0, p.h)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCombine(t *testing.T) {
	t.Parallel()
	a, b, c := []float64{1, 10}, []float64{2, 20}, []float64{6, 0}
	if got := combineInto(CombineMean, [][]float64{a, b, c}, nil); !equalSlices(got, []float64{3, 10}) {
		t.Errorf("mean = %v", got)
	}
	if got := combineInto(CombineMedian, [][]float64{a, b, c}, nil); !equalSlices(got, []float64{2, 10}) {
		t.Errorf("median = %v", got)
	}
	if got := combineInto(CombineMedian, [][]float64{a, b}, nil); !equalSlices(got, []float64{1.5, 15}) {
		t.Errorf("median of two = %v", got)
	}
	if got := combineInto(CombineMean, [][]float64{a, nil}, nil); got != nil {
		t.Errorf("combination with a missing member = %v, want nil", got)
	}
	if n := (Ensemble{CombineMean, []string{"ets", "theta"}}).Name(); n != "mean(ets+theta)" {
		t.Errorf("name %q", n)
	}
}

func TestBacktestSigma(t *testing.T) {
	t.Parallel()
	raw := make([]float64, 40)
	pl := plan{origins: []int{30, 25, 20}, h: 4}
	// Errors grow with the step: forecast 0, actual = step+1 at every origin.
	fcs := make([][]float64, 3)
	for k, t0 := range pl.origins {
		fcs[k] = make([]float64, 4)
		for j := range 4 {
			raw[t0+j] = float64(j + 1)
		}
	}
	sig := backtestSigma(raw, pl, fcs, 8)
	if len(sig) != 8 {
		t.Fatalf("len %d", len(sig))
	}
	// Step 1 pools steps 1-2: sqrt((1+4)/2).
	if !near(sig[0], math.Sqrt(2.5)) {
		t.Errorf("sigma[0] = %v, want %v", sig[0], math.Sqrt(2.5))
	}
	for k := 1; k < len(sig); k++ {
		if sig[k] < sig[k-1] {
			t.Errorf("sigma decreases at step %d: %v", k+1, sig)
		}
	}
	// Beyond the backtest horizon: sqrt growth from the last backtested step.
	if !near(sig[7], sig[3]*math.Sqrt(2)) {
		t.Errorf("sigma[7] = %v, want sigma[3]*sqrt2 = %v", sig[7], sig[3]*math.Sqrt(2))
	}
	if backtestSigma(raw, plan{origins: []int{30}, h: 4}, fcs[:1], 8) != nil {
		t.Error("one origin must not give a backtest sigma")
	}
	if z := zForLevel(95); math.Abs(z-1.959964) > 1e-6 {
		t.Errorf("z(95) = %v", z)
	}
	// Laplace: P(|e| <= m*sigma) = 1 - exp(-m*sqrt2) must equal the level.
	for _, lv := range []float64{50, 80, 95, 99} {
		m := intervalMultiplier(lv)
		if got := 1 - math.Exp(-m*math.Sqrt2); math.Abs(got-lv/100) > 1e-12 {
			t.Errorf("Laplace coverage at %v%%: %v", lv, got)
		}
	}
}

// TestAutoPrefersClearlyBetter checks selection itself: on a pure seasonal pattern the seasonal naive is
// exact, so it must beat the default ensemble by far more than the margin.
func TestAutoPrefersClearlyBetter(t *testing.T) {
	t.Parallel()
	v := pureSeasonal()
	r, err := Auto(Series{ID: "pure-seasonal", Values: v}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "snaive" || r.BacktestRMSSE > 1e-9 {
		t.Errorf("method %s (backtest RMSSE %v), want snaive with zero error", r.Method, r.BacktestRMSSE)
	}
	if r.Points[1].Forecast != 80 || r.Points[5].Forecast != 90 {
		t.Errorf("forecasts %v", r.Forecasts())
	}
	// With selection restricted, the user's method is used.
	r, _ = Auto(Series{ID: "x", Values: v}, Options{Methods: []string{"mean"}, NoEnsembles: true})
	if r.Method != "mean" {
		t.Errorf("restricted to mean: got %s", r.Method)
	}
}

func TestBacktestReport(t *testing.T) {
	t.Parallel()
	series := mixedSeries()
	series[0].Values[len(series[0].Values)-3] = math.NaN() // a missing actual in the holdout
	var mu sync.Mutex
	last := map[string]int{}
	rep, err := Backtest(context.Background(), series, BacktestOptions{
		Holdout: 6, Methods: []string{"naive", "snaive", "zero"},
		Ensembles: []Ensemble{{CombineMean, []string{"naive", "zero"}}},
		Progress: func(row string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if done <= last[row] || done > total {
				t.Errorf("progress %s: %d/%d after %d", row, done, total, last[row])
			}
			last[row] = done
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if last["auto"] != rep.Series || last["naive"] != rep.Series {
		t.Errorf("progress did not reach the end: %v (series %d)", last, rep.Series)
	}
	rows := map[string]ReportRow{}
	for _, r := range rep.Rows {
		rows[r.Method] = r
	}
	if len(rep.Rows) != 5 || rows["mean(naive+zero)"].Series != rep.Series {
		t.Fatalf("rows %+v", rep.Rows)
	}
	// The naive/zero average forecasts half the naive level, so its ME is between the two.
	n, z, e := rows["naive"].ME, rows["zero"].ME, rows["mean(naive+zero)"].ME
	if !(e > n && e < z) || !near(e, (n+z)/2) {
		t.Errorf("ME naive %v zero %v mean %v", n, z, e)
	}
	// zero never fails; its sMAPE is 200 on months with demand and 0 on months without.
	if zr := rows["zero"]; zr.Fallbacks != 0 || !(zr.SMAPE > 0 && zr.SMAPE <= 200) {
		t.Errorf("zero row %+v", rows["zero"])
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"method", "MASE", "RMSSE", "sMAPE", "auto", "mean(naive+zero)", "holdout 6 months"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back.Rows) != 5 || back.Rows[0]["method"] != "naive" {
		t.Errorf("json: %v %s", err, buf.String())
	}
	// NaN metrics become null rather than breaking the encoder.
	if b, err := json.Marshal(ReportRow{Method: "x", MASE: math.NaN()}); err != nil || !strings.Contains(string(b), `"mase":null`) {
		t.Errorf("NaN row json: %s %v", b, err)
	}
}

// With a single backtest origin there are no empirical errors: an ensemble must still get a real interval.
func TestEnsembleSigmaWithoutBacktest(t *testing.T) {
	t.Parallel()
	y := []float64{10, 14, 9, 12}
	o := Options{Margin: 1e9}.withDefaults()
	ch, err := selectAndForecast(y, y, Classify(y, ClassifyOptions{}), []Method{Mean{}, Naive{}},
		[]Ensemble{{CombineMean, []string{"mean", "naive"}}}, o, nil, func(me Method, _ int) Method { return me })
	if err != nil {
		t.Fatal(err)
	}
	if ch.name != "mean(mean+naive)" || ch.nOrigins != 1 {
		t.Fatalf("chose %s with %d origins", ch.name, ch.nOrigins)
	}
	if len(ch.sigma) != o.Horizon || !(ch.sigma[0] > 0) || ch.sigma[11] < ch.sigma[0] {
		t.Errorf("sigma %v", ch.sigma)
	}
}

// TestRunnerUp checks that the selection reports the candidate it ranked second, with that candidate's own
// backtest error, and none when there was no backtest.
func TestRunnerUp(t *testing.T) {
	t.Parallel()
	v := pureSeasonal()
	r, err := Auto(Series{ID: "pure-seasonal", Values: v}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// snaive is exact here, so every other candidate has a larger error.
	if r.Method != "snaive" || r.RunnerUp == "" || r.RunnerUp == r.Method || !(r.RunnerUpRMSSE > r.BacktestRMSSE) {
		t.Errorf("chosen %s (%v), runner-up %q (%v): want a different runner-up with a larger error",
			r.Method, r.BacktestRMSSE, r.RunnerUp, r.RunnerUpRMSSE)
	}
	// Only two candidates: the one not chosen is the runner-up, and its error is what a backtest of it alone
	// measures.
	r, err = Auto(Series{ID: "two", Values: v}, Options{Methods: []string{"snaive", "mean"}, NoEnsembles: true})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := Auto(Series{ID: "mean", Values: v}, Options{Methods: []string{"mean"}, NoEnsembles: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "snaive" || r.RunnerUp != "mean" || math.Abs(r.RunnerUpRMSSE-alone.BacktestRMSSE) > 1e-12 {
		t.Errorf("two candidates: chosen %s, runner-up %q %v; mean alone scored %v", r.Method, r.RunnerUp, r.RunnerUpRMSSE, alone.BacktestRMSSE)
	}
	// Too short for a backtest, and dead: no runner-up.
	for _, vals := range [][]float64{{4, 6, 5}, append([]float64{5, 3, 4, 6, 2, 5, 4, 3}, make([]float64, 14)...)} {
		r, err := Auto(Series{ID: "none", Values: vals}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.RunnerUp != "" || !math.IsNaN(r.RunnerUpRMSSE) {
			t.Errorf("%s (%s) without a backtest has runner-up %q %v", r.Class, r.Method, r.RunnerUp, r.RunnerUpRMSSE)
		}
	}
}

// pureSeasonal is five years of one repeating yearly pattern, on which the seasonal naive is exact.
func pureSeasonal() []float64 {
	v := make([]float64, 60)
	for i := range v {
		v[i] = []float64{5, 80, 3, 40, 7, 90, 2, 60, 9, 30, 4, 70}[i%12]
	}
	return v
}
