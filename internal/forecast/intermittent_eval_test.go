package forecast

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Rolling-origin evaluation of intermittent demand (issue 17): series synthesised from known processes, several
// origins 6 months apart, a 12-month horizon from each, every method of the intermittent class, the zero
// forecast and the automatic choice scored on the same windows. Everything is seeded and deterministic.

// evalSet is a named family of series.
type evalSet struct {
	Name   string
	Series []Series
}

// synthEvalSets makes per series of each family, months long. The families:
//   - croston_gamma: Croston's process, Bernoulli occurrence (p 0.1-0.6) times gamma sizes (rounded up);
//   - croston_lognormal: the same with lognormal sizes;
//   - negbin: negative binomial monthly counts (mean 0.2-3, dispersion 0.3-3), a Poisson-gamma mixture;
//   - lumpy: rare (p 0.05-0.3), large and very variable sizes;
//   - dying: a Croston process that stops for good 3 to 30 months before the end (obsolescence);
//   - returning: a Croston process with one long pause (12-30 months) that ends before the series does;
//   - demo: the demo generator's intermittent and lumpy SKUs (internal/odoo/odootest/generate.go: a month
//     sells with p 0.15-0.4 (lumpy 0.1-0.3), 1+Poisson(0.3) lines (lumpy 1+Poisson(1)), each of
//     1+Poisson(q) units with q 0.5-1.5 (lumpy 10 + Exp*40)).
func synthEvalSets(seed uint64, per, months int) []evalSet {
	r := rand.New(rand.NewPCG(seed, 17))
	croston := func(v []float64, p float64, size func() float64) {
		for t := range v {
			if r.Float64() < p {
				v[t] = size()
			}
		}
	}
	gammaSize := func() func() float64 {
		shape, mu := 0.5+3*r.Float64(), 1+19*r.Float64()
		return func() float64 { return math.Ceil(gammaRand(r, shape) * mu / shape) }
	}
	families := []struct {
		name string
		gen  func(v []float64)
	}{
		{"croston_gamma", func(v []float64) { croston(v, 0.1+0.5*r.Float64(), gammaSize()) }},
		{"croston_lognormal", func(v []float64) {
			mu, s := math.Log(1+10*r.Float64()), 0.3+0.9*r.Float64()
			croston(v, 0.1+0.5*r.Float64(), func() float64 { return math.Ceil(math.Exp(mu + s*r.NormFloat64())) })
		}},
		{"negbin", func(v []float64) {
			mean, k := 0.2+2.8*r.Float64(), 0.3+2.7*r.Float64()
			for t := range v {
				v[t] = float64(poissonRand(r, gammaRand(r, k)*mean/k))
			}
		}},
		{"lumpy", func(v []float64) {
			p, mu := 0.05+0.25*r.Float64(), 10+40*r.Float64()
			croston(v, p, func() float64 { return float64(1 + poissonRand(r, gammaRand(r, 0.5)*mu/0.5)) })
		}},
		{"dying", func(v []float64) {
			end := len(v) - 3 - r.IntN(28)
			croston(v[:end], 0.15+0.45*r.Float64(), gammaSize())
		}},
		{"returning", func(v []float64) {
			croston(v, 0.15+0.45*r.Float64(), gammaSize())
			gap := 12 + r.IntN(19)
			from := len(v) - gap - 1 - r.IntN(len(v)/2)
			clear(v[max(0, from) : from+gap])
		}},
		{"demo", func(v []float64) {
			lumpy := r.Float64() < 0.36 // the generator's intermittent:lumpy ratio is 18:10
			p, q, lines := 0.15+0.25*r.Float64(), 0.5+r.Float64(), 0.3
			if lumpy {
				p, q, lines = 0.1+0.2*r.Float64(), 10+r.ExpFloat64()*40, 1
			}
			for t := range v {
				if r.Float64() < p {
					for range 1 + poissonRand(r, lines) {
						v[t] += float64(1 + poissonRand(r, q))
					}
				}
			}
		}},
	}
	out := make([]evalSet, len(families))
	for f, fam := range families {
		out[f].Name = fam.name
		for i := range per {
			v := make([]float64, months)
			fam.gen(v)
			out[f].Series = append(out[f].Series, Series{ID: fmt.Sprintf("%s-%03d", fam.name, i), Start: MonthFor(2019, 1), Values: v})
		}
	}
	return out
}

// evalAcc accumulates one method's errors over windows (one series at one origin).
type evalAcc struct {
	windows        int
	rmsseSum       float64
	rmsseN         int
	sse            float64
	points         int
	sumF, sumA     float64
	in80, in95     int
	msisSum        float64
	msisN          int
	hasIntervals   bool
	dead, deadSold int // automatic choice: windows declared dead, and of those, sold within the horizon
}

// evalRow is the summary of one method on one set.
type evalRow struct {
	Method      string
	RMSSE       float64 // mean over windows of RMSE / in-sample naive RMSE
	RMSE        float64 // pooled over every point
	MEPct       float64 // 100 * sum(forecast - actual) / sum(actual): positive = over-forecasting
	Cover80     float64 // percent; NaN without intervals
	Cover95     float64
	MSIS95      float64 // mean scaled interval score of the 95% interval (scale: in-sample naive MAE)
	Dead        float64 // percent of windows declared dead (auto)
	DeadSold    float64 // percent of those that sold within the horizon
	WindowCount int
}

func (a *evalAcc) row(name string) evalRow {
	r := evalRow{Method: name, WindowCount: a.windows, RMSSE: a.rmsseSum / float64(a.rmsseN),
		RMSE: math.Sqrt(a.sse / float64(a.points)), MEPct: 100 * (a.sumF - a.sumA) / a.sumA,
		Cover80: math.NaN(), Cover95: math.NaN(), MSIS95: math.NaN(), Dead: math.NaN(), DeadSold: math.NaN()}
	if a.hasIntervals {
		r.Cover80, r.Cover95 = 100*float64(a.in80)/float64(a.points), 100*float64(a.in95)/float64(a.points)
		r.MSIS95 = a.msisSum / float64(a.msisN)
	}
	if name == "auto" {
		r.Dead = 100 * float64(a.dead) / float64(a.windows)
		if a.dead > 0 {
			r.DeadSold = 100 * float64(a.deadSold) / float64(a.dead)
		}
	}
	return r
}

// evalWindow is one forecast of one window with optional 80% and 95% intervals.
type evalWindow struct {
	fc             []float64
	lo80, hi80     []float64
	lo95, hi95     []float64
	dead           bool
	method, class  string
	sigma          []float64
	train, actuals []float64
}

func (a *evalAcc) add(w evalWindow) {
	a.windows++
	if s := math.Sqrt(naiveMSE(w.train, 1)); s > 0 {
		a.rmsseSum += RMSE(w.actuals, w.fc) / s
		a.rmsseN++
	}
	scale := NaiveMAE(w.train, 1)
	var is float64
	for t, y := range w.actuals {
		f := w.fc[t]
		a.sse += (y - f) * (y - f)
		a.points++
		a.sumF += f
		a.sumA += y
		if w.lo80 != nil {
			a.hasIntervals = true
			if y >= w.lo80[t] && y <= w.hi80[t] {
				a.in80++
			}
			if y >= w.lo95[t] && y <= w.hi95[t] {
				a.in95++
			}
			is += intervalScore(y, w.lo95[t], w.hi95[t], 0.05)
		}
	}
	if w.lo80 != nil && scale > 0 {
		a.msisSum += is / float64(len(w.actuals)) / scale
		a.msisN++
	}
	if w.dead {
		a.dead++
		if slices.ContainsFunc(w.actuals, func(v float64) bool { return v > 0 }) {
			a.deadSold++
		}
	}
}

// intervalScore is the interval score of Gneiting & Raftery (2007) for a (1-alpha) interval: its width plus
// 2/alpha times how far the actual falls outside.
func intervalScore(y, lo, hi, alpha float64) float64 {
	s := hi - lo
	if y < lo {
		s += 2 / alpha * (lo - y)
	}
	if y > hi {
		s += 2 / alpha * (y - hi)
	}
	return s
}

// evalMethods are the single methods scored besides auto; "ets" gives the reference intervals (its own sigma,
// normal quantiles) for MSIS.
var evalMethods = []string{"zero", "tsb", "sba", "croston", "imapa", "adida", "ses", "mean", "ets"}

// rollingEval forecasts every series from origins training lengths n-h, n-h-step, ... (count of them) and
// scores each method. Rows come back in evalMethods order, then the default intermittent ensemble, then auto.
func rollingEval(tb testing.TB, series []Series, origins, step, h int, o Options) []evalRow {
	rows, _ := rollingEvalWindows(tb, series, origins, step, h, o)
	return rows
}

// rollingEvalWindows is rollingEval that also returns the automatic choice's windows.
func rollingEvalWindows(tb testing.TB, series []Series, origins, step, h int, o Options) ([]evalRow, []evalWindow) {
	tb.Helper()
	type out struct{ wins map[string][]evalWindow }
	res := make([]out, len(series))
	o.Horizon, o.Levels, o.Workers = h, []float64{80, 95}, 1
	z80, z95 := zForLevel(80), zForLevel(95)
	// The automatic choice of each window as ForecastAll makes it (without borrowed shapes, as Auto): its pooled
	// model fitted on every series' training window of that origin.
	ao := o.withDefaults()
	rm, err := resolveMethods(ao)
	if err != nil {
		tb.Fatal(err)
	}
	pools := make([]*pool, origins)
	for k := range pools {
		var trains []Series
		for _, s := range series {
			if t := len(s.Values) - h - k*step; t >= 6 {
				trains = append(trains, Series{ID: s.ID, Start: s.Start, Values: s.Values[:t], Group: s.Group})
			}
		}
		pools[k] = newPool(trains, ao.Classify)
	}
	err = parallelFor(context.Background(), len(series), 0, nil, func(i int) {
		res[i].wins = map[string][]evalWindow{}
		v := series[i].Values
		for k := range origins {
			t := len(v) - h - k*step
			if t < 6 {
				break
			}
			train, act := v[:t], v[t:t+h]
			y := impute(train)
			fcs := map[string][]float64{}
			for _, name := range evalMethods {
				me, _ := MethodByName(name)
				p, err := me.Forecast(y, o.withDefaults().Period, h)
				w := evalWindow{train: train, actuals: act}
				if err != nil || !finiteAll(p.Mean) {
					p, _ = Mean{}.Forecast(y, 12, h) // ets on too short a window: the mean stands in
				}
				w.fc = slices.Clone(p.Mean[:h])
				clip0(w.fc)
				if name == "ets" && len(p.Sigma) >= h {
					w.lo80, w.hi80, w.lo95, w.hi95 = make([]float64, h), make([]float64, h), make([]float64, h), make([]float64, h)
					for j := range h {
						w.lo80[j], w.hi80[j] = max(0, w.fc[j]-z80*p.Sigma[j]), w.fc[j]+z80*p.Sigma[j]
						w.lo95[j], w.hi95[j] = max(0, w.fc[j]-z95*p.Sigma[j]), w.fc[j]+z95*p.Sigma[j]
					}
				}
				fcs[name] = w.fc
				res[i].wins[name] = append(res[i].wins[name], w)
			}
			def := ensemblesIntermittent[0]
			parts := make([][]float64, len(def.Members))
			for j, m := range def.Members {
				me, _ := MethodByName(m)
				p, _ := me.Forecast(y, 12, h)
				parts[j] = slices.Clone(p.Mean[:h])
				clip0(parts[j])
			}
			res[i].wins[def.Name()] = append(res[i].wins[def.Name()], evalWindow{train: train, actuals: act, fc: combineInto(def.Combine, parts, nil)})
			a := forecastSeries(Series{ID: series[i].ID, Start: series[i].Start, Values: train}, ao, rm, nil, nil, pools[k])
			w := evalWindow{train: train, actuals: act, fc: a.Forecasts(), dead: a.Class == ClassDead, method: a.Method, class: string(a.Class)}
			for _, p := range a.Points {
				// The upper bound is never clipped: it gives back the deviation the intervals were sized with.
				w.sigma = append(w.sigma, (p.Intervals[1].Upper-p.Forecast)/calibratedMultiplier(95, a.Class))
				w.lo80, w.hi80 = append(w.lo80, p.Intervals[0].Lower), append(w.hi80, p.Intervals[0].Upper)
				w.lo95, w.hi95 = append(w.lo95, p.Intervals[1].Lower), append(w.hi95, p.Intervals[1].Upper)
			}
			res[i].wins["auto"] = append(res[i].wins["auto"], w)
			if !w.dead {
				res[i].wins["auto, not dead"] = append(res[i].wins["auto, not dead"], w)
			}
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	var autos []evalWindow
	for i := range res {
		autos = append(autos, res[i].wins["auto"]...)
	}
	names := append(slices.Clone(evalMethods), ensemblesIntermittent[0].Name(), "auto", "auto, not dead")
	rows := make([]evalRow, 0, len(names))
	for _, name := range names {
		var acc evalAcc
		for i := range res {
			for _, w := range res[i].wins[name] {
				acc.add(w)
			}
		}
		rows = append(rows, acc.row(name))
	}
	if os.Getenv("FS_EVAL_CHOSEN") != "" {
		chosen := map[string]int{}
		for i := range res {
			for _, w := range res[i].wins["auto"] {
				chosen[w.class+" "+w.method]++
			}
		}
		keys := make([]string, 0, len(chosen))
		for k := range chosen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tb.Logf("  chosen %s: %d", k, chosen[k])
		}
	}
	return rows, autos
}

// evalTable renders rows for the test log (and docs/forecasting.md).
func evalTable(title string, rows []evalRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d windows)\n", title, rows[0].WindowCount)
	fmt.Fprintf(&b, "| method | RMSSE | RMSE | ME %% of mean | 80%% cover | 95%% cover | MSIS 95%% | dead %% | dead, sold again %% |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	f := func(v float64, prec int) string {
		if math.IsNaN(v) {
			return ""
		}
		return fmt.Sprintf("%.*f", prec, v)
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Method, f(r.RMSSE, 4), f(r.RMSE, 3), f(r.MEPct, 1),
			f(r.Cover80, 1), f(r.Cover95, 1), f(r.MSIS95, 3), f(r.Dead, 1), f(r.DeadSold, 1))
	}
	return b.String()
}

// intermittentEvalSeries is the fixed evaluation set: seed 1717, 100 series of each family, 60 months.
// FS_EVAL_N=n (exploration) makes n series of each family instead.
func intermittentEvalSeries() []evalSet {
	n, seed := 100, uint64(1717)
	if v, err := strconv.Atoi(os.Getenv("FS_EVAL_N")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.ParseUint(os.Getenv("FS_EVAL_SEED"), 10, 64); err == nil {
		seed = v
	}
	return synthEvalSets(seed, n, 60)
}

func pooledSeries(sets []evalSet) []Series {
	var all []Series
	for _, s := range sets {
		all = append(all, s.Series...)
	}
	return all
}

// TestIntermittentEvaluation is the intermittent target on the rolling-origin evaluation: the automatic
// choice beats TSB alone and the zero forecast on RMSE (pooled and scaled), with its mean error within ±3% of
// mean demand. FS_EVAL=1 logs every family's table.
func TestIntermittentEvaluation(t *testing.T) {
	t.Parallel()
	if methodsRaceBuild {
		t.Skip("the rolling-origin evaluation forecasts thousands of windows: run without -race")
	}
	sets := intermittentEvalSeries()
	var o Options
	if v, err := strconv.ParseFloat(os.Getenv("FS_DEADF"), 64); err == nil {
		o.Classify.DeadGapFactor = v // exploration: the dead rule's factor
	}
	rows := rollingEval(t, pooledSeries(sets), 4, 6, 12, o)
	t.Logf("\n%s", evalTable("all intermittent families, 4 origins 6 months apart, horizon 12", rows))
	if os.Getenv("FS_EVAL") != "" {
		for _, s := range sets {
			t.Logf("\n%s", evalTable(s.Name, rollingEval(t, s.Series, 4, 6, 12, o)))
		}
	}
	by := map[string]evalRow{}
	for _, r := range rows {
		by[r.Method] = r
	}
	auto, tsb, zero := by["auto"], by["tsb"], by["zero"]
	if !(auto.RMSE < tsb.RMSE && auto.RMSE < zero.RMSE) {
		t.Errorf("pooled RMSE: auto %.4f must beat tsb %.4f and zero %.4f", auto.RMSE, tsb.RMSE, zero.RMSE)
	}
	if !(auto.RMSSE < tsb.RMSSE && auto.RMSSE < zero.RMSSE) {
		t.Errorf("RMSSE: auto %.4f must beat tsb %.4f and zero %.4f", auto.RMSSE, tsb.RMSSE, zero.RMSSE)
	}
	if math.Abs(auto.MEPct) > 3 {
		t.Errorf("auto mean error %.2f%% of mean demand, want within ±3%%", auto.MEPct)
	}
}

// BenchmarkIntermittentEvaluation runs the rolling-origin evaluation of TestIntermittentEvaluation and reports
// the automatic choice's figures next to TSB's and the zero forecast's:
//
//	go test -run '^$' -bench IntermittentEvaluation -benchtime 1x ./internal/forecast
func BenchmarkIntermittentEvaluation(b *testing.B) {
	series := pooledSeries(intermittentEvalSeries())
	var rows []evalRow
	for b.Loop() {
		rows = rollingEval(b, series, 4, 6, 12, Options{})
	}
	for _, r := range rows {
		switch r.Method {
		case "auto":
			b.ReportMetric(r.RMSSE, "auto-rmsse")
			b.ReportMetric(r.RMSE, "auto-rmse")
			b.ReportMetric(r.MEPct, "auto-me-%")
			b.ReportMetric(r.Cover80, "auto-cover80-%")
			b.ReportMetric(r.Cover95, "auto-cover95-%")
			b.ReportMetric(r.MSIS95, "auto-msis")
			b.ReportMetric(r.Dead, "dead-%")
			b.ReportMetric(r.DeadSold, "dead-sold-again-%")
		case "tsb":
			b.ReportMetric(r.RMSSE, "tsb-rmsse")
			b.ReportMetric(r.RMSE, "tsb-rmse")
		case "zero":
			b.ReportMetric(r.RMSSE, "zero-rmsse")
			b.ReportMetric(r.RMSE, "zero-rmse")
		}
	}
}
