package forecast

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// BacktestOptions configures Backtest, the holdout evaluation behind `salesengine backtest`.
type BacktestOptions struct {
	// Holdout is the number of final months of each series kept out of training and forecast (default 12).
	Holdout int
	// Methods lists the single methods to report (default: every registered method).
	Methods []string
	// Ensembles adds fixed ensembles as rows (default: the seasonal and intermittent default ensembles).
	Ensembles []Ensemble
	// NoAuto skips the automatic-selection row.
	NoAuto bool
	// Auto configures the automatic row (Horizon is forced to Holdout).
	Auto Options
	// Workers and Progress as in Options; progress counts series per row.
	Workers  int
	Progress func(row string, done, total int)
}

// ReportRow is the accuracy of one method (or "auto") over all series, each metric averaged over series.
type ReportRow struct {
	Method string  `json:"method"`
	MAE    float64 `json:"mae"`
	RMSE   float64 `json:"rmse"` // mean over series of per-series RMSE (R's convention for these comparisons)
	// RMSEPooled is the square root of the mean squared error over all points of all series.
	RMSEPooled float64 `json:"rmse_pooled"`
	ME         float64 `json:"me"`    // mean error, actual - forecast: positive = forecasts too low
	MASE       float64 `json:"mase"`  // scaled by in-sample seasonal naive MAE (lag Period)
	RMSSE      float64 `json:"rmsse"` // scaled by in-sample naive RMSE (lag 1)
	SMAPE      float64 `json:"smape"` // percent
	Seconds    float64 `json:"seconds"`
	Series     int     `json:"series"`    // series evaluated
	Fallbacks  int     `json:"fallbacks"` // series where the method could not run and naive was used instead
}

// Report is the result of Backtest.
type Report struct {
	Holdout int         `json:"holdout"`
	Period  int         `json:"period"`
	Series  int         `json:"series"`
	Skipped int         `json:"skipped"` // series with no observed value in the holdout or training part
	Rows    []ReportRow `json:"rows"`
	// Seconds is the wall time of the whole evaluation (every row, fits shared between rows counted once).
	Seconds float64 `json:"seconds"`
	// Coverage is the share of holdout actuals inside the automatic choice's prediction intervals.
	Coverage []Coverage `json:"coverage,omitempty"`
	// Chosen counts how often auto picked each method or ensemble.
	Chosen map[string]int `json:"chosen,omitempty"`
}

// Coverage is the observed coverage of the prediction intervals at one nominal level (percent).
type Coverage struct {
	Level    float64 `json:"level"`
	Observed float64 `json:"observed"` // fraction in [0, 1]
}

// seriesEval is one series split into training and holdout parts.
type seriesEval struct {
	start  Month     // of train
	group  string    // Series.Group
	train  []float64 // raw, NaN = missing, leading NaN trimmed
	fit    []float64 // imputed train
	actual []float64
}

// Backtest trains every method on each series minus its last Holdout months, forecasts those months, and
// reports accuracy per method and for the automatic choice. Missing actuals are skipped; series whose
// holdout or training part has no observation are skipped (counted in Report.Skipped). Metrics are computed
// per series and then averaged over series, ignoring series where a scaled metric is undefined or infinite.
func Backtest(ctx context.Context, series []Series, bo BacktestOptions) (Report, error) {
	if bo.Holdout <= 0 {
		bo.Holdout = 12
	}
	ao := bo.Auto
	ao.Horizon = bo.Holdout
	ao.Workers = 1
	ao.Progress = nil
	ao = ao.withDefaults()
	m := ao.Period
	names := bo.Methods
	if len(names) == 0 {
		for _, me := range Methods() {
			names = append(names, me.Name())
		}
	}
	var singles []Method
	for _, name := range names {
		me, ok := MethodByName(name)
		if !ok {
			return Report{}, fmt.Errorf("backtest: unknown method %q", name)
		}
		singles = append(singles, me)
	}
	ensembles := bo.Ensembles
	if ensembles == nil {
		ensembles = append(append([]Ensemble{}, ensemblesSeasonal...), ensemblesIntermittent...)
	}
	rm, err := resolveMethods(ao)
	if err != nil {
		return Report{}, fmt.Errorf("backtest: %w", err)
	}

	rep := Report{Holdout: bo.Holdout, Period: m}
	var evals []seriesEval
	for _, s := range series {
		v, _ := cleanHistory(s.Values)
		if len(v) <= bo.Holdout {
			rep.Skipped++
			continue
		}
		tr, act := v[:len(v)-bo.Holdout], v[len(v)-bo.Holdout:]
		if !anyObserved(tr) || !anyObserved(act) {
			rep.Skipped++
			continue
		}
		evals = append(evals, seriesEval{start: s.End().Add(1 - len(v)), group: s.Group, train: tr, fit: impute(tr), actual: act})
	}
	rep.Series = len(evals)
	begin := time.Now()
	trains := make([]Series, len(evals))
	for i, e := range evals {
		trains[i] = Series{Start: e.start, Values: e.train, Group: e.group}
	}
	pl := newPool(trains, ao.Classify) // the training windows only

	// Every single method of the report (and every ensemble member) is fitted once per series; ensemble rows
	// and the automatic choice reuse these fits (their Seconds include the reused members' time).
	// The automatic choice fits whatever else its classes need itself, only for the series that need it.
	need := slices.Clone(singles)
	for _, e := range ensembles {
		for _, name := range e.Members {
			if me, ok := MethodByName(name); ok && !slices.ContainsFunc(need, func(x Method) bool { return x.Name() == name }) {
				need = append(need, me)
			}
		}
	}
	preds := make(map[string][]Prediction, len(need))
	ok := make(map[string][]bool, len(need))
	secs := make(map[string]float64, len(need))
	for _, me := range need {
		ps, oks := make([]Prediction, len(evals)), make([]bool, len(evals))
		start := time.Now()
		var prog ProgressFunc
		if bo.Progress != nil {
			prog = func(done, total int) { bo.Progress(me.Name(), done, total) }
		}
		err := parallelFor(ctx, len(evals), bo.Workers, prog, func(i int) {
			p, err := pl.bind(me, trains[i].End()).Forecast(evals[i].fit, m, bo.Holdout)
			if err == nil && len(p.Mean) >= bo.Holdout && finiteAll(p.Mean) {
				ps[i], oks[i] = p, true
			}
		})
		if err != nil {
			return Report{}, fmt.Errorf("backtest %s: %w", me.Name(), err)
		}
		preds[me.Name()], ok[me.Name()], secs[me.Name()] = ps, oks, time.Since(start).Seconds()
	}
	naiveFC := func(i int) []float64 {
		p, _ := Naive{}.Forecast(evals[i].fit, m, bo.Holdout)
		return p.Mean
	}
	pointFC := func(name string, i int) ([]float64, bool) {
		if !ok[name][i] {
			return nil, false
		}
		f := slices.Clone(preds[name][i].Mean[:bo.Holdout])
		clip0(f)
		return f, true
	}
	fcs := make([][]float64, len(evals))
	for _, me := range singles {
		fallbacks := 0
		for i := range evals {
			f, good := pointFC(me.Name(), i)
			if !good {
				f, fallbacks = naiveFC(i), fallbacks+1
			}
			fcs[i] = f
		}
		r := scoreRow(me.Name(), evals, fcs, m)
		r.Seconds, r.Fallbacks = secs[me.Name()], fallbacks
		rep.Rows = append(rep.Rows, r)
	}
	for _, e := range ensembles {
		if slices.ContainsFunc(e.Members, func(name string) bool { _, reg := MethodByName(name); return !reg }) {
			continue // a member is not registered
		}
		start := time.Now()
		fallbacks := 0
		parts := make([][]float64, len(e.Members))
		for i := range evals {
			good := true
			for j, name := range e.Members {
				parts[j], good = pointFC(name, i)
				if !good {
					break
				}
			}
			if good {
				fcs[i] = combineInto(e.Combine, parts, nil)
			} else {
				fcs[i], fallbacks = naiveFC(i), fallbacks+1
			}
		}
		r := scoreRow(e.Name(), evals, fcs, m)
		r.Seconds, r.Fallbacks = time.Since(start).Seconds(), fallbacks
		for _, name := range e.Members {
			r.Seconds += secs[name]
		}
		rep.Rows = append(rep.Rows, r)
	}
	if !bo.NoAuto {
		var sh shapes // borrowed by short series, from the training windows only
		if !ao.NoShape {
			sh = seasonalShapes(trains, m, ao.Classify)
		}
		chosen := make([]string, len(evals))
		inside := make([][]int, len(evals)) // per series, per level: actuals inside the interval
		observed := make([]int, len(evals))
		start := time.Now()
		var prog ProgressFunc
		if bo.Progress != nil {
			prog = func(done, total int) { bo.Progress("auto", done, total) }
		}
		err := parallelFor(ctx, len(evals), bo.Workers, prog, func(i int) {
			pre := make(map[string]Prediction, len(need))
			for name, ps := range preds {
				if ok[name][i] {
					pre[name] = ps[i]
				}
			}
			res := forecastSeries(Series{Start: evals[i].start, Values: evals[i].train}, ao, rm, pre, sh.of(evals[i].group), pl)
			chosen[i] = res.Method
			fcs[i] = res.Forecasts()
			inside[i] = make([]int, len(ao.Levels))
			for t, a := range evals[i].actual {
				if math.IsNaN(a) {
					continue
				}
				observed[i]++
				for l, iv := range res.Points[t].Intervals {
					if a >= iv.Lower && a <= iv.Upper {
						inside[i][l]++
					}
				}
			}
		})
		if err != nil {
			return Report{}, fmt.Errorf("backtest auto: %w", err)
		}
		r := scoreRow("auto", evals, fcs, m)
		r.Seconds = time.Since(start).Seconds()
		for _, list := range [][]Method{rm.seasonal, rm.nonSeasonal, rm.intermittent, rm.short} {
			for _, me := range list {
				if _, counted := secs[me.Name()]; counted {
					r.Seconds += secs[me.Name()]
					secs[me.Name()] = 0 // count each reused method once
				}
			}
		}
		rep.Rows = append(rep.Rows, r)
		rep.Chosen = map[string]int{}
		for _, c := range chosen {
			rep.Chosen[c]++
		}
		var total int
		in := make([]int, len(ao.Levels))
		for i := range evals {
			total += observed[i]
			for l := range in {
				in[l] += inside[i][l]
			}
		}
		for l, lv := range ao.Levels {
			if total > 0 {
				rep.Coverage = append(rep.Coverage, Coverage{Level: lv, Observed: float64(in[l]) / float64(total)})
			}
		}
	}
	rep.Seconds = time.Since(begin).Seconds()
	return rep, nil
}

func anyObserved(v []float64) bool {
	for _, x := range v {
		if !math.IsNaN(x) {
			return true
		}
	}
	return false
}

func scoreRow(name string, evals []seriesEval, fcs [][]float64, m int) ReportRow {
	n := len(evals)
	mae, rmse, me, mase, rmsse, smape := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	var sse float64
	var cnt int
	for i, e := range evals {
		f := fcs[i]
		mae[i], rmse[i], me[i] = MAE(e.actual, f), RMSE(e.actual, f), ME(e.actual, f)
		mase[i] = mae[i] / NaiveMAE(e.train, m)
		rmsse[i] = rmse[i] / math.Sqrt(naiveMSE(e.train, 1))
		smape[i] = SMAPE(e.actual, f)
		for t, a := range e.actual {
			if !math.IsNaN(a) {
				sse += (a - f[t]) * (a - f[t])
				cnt++
			}
		}
	}
	r := ReportRow{Method: name, Series: n}
	r.MAE, _ = finiteMean(mae)
	r.RMSE, _ = finiteMean(rmse)
	r.ME, _ = finiteMean(me)
	r.MASE, _ = finiteMean(mase)
	r.RMSSE, _ = finiteMean(rmsse)
	r.SMAPE, _ = finiteMean(smape)
	if cnt > 0 {
		r.RMSEPooled = math.Sqrt(sse / float64(cnt))
	}
	return r
}

// WriteTable writes the report as an aligned text table.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "method\tMAE\tRMSE\tRMSE(pooled)\tME\tMASE\tRMSSE\tsMAPE\tseconds\tfallbacks\t\n")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.4f\t%.4f\t%.2f\t%.3f\t%d\t\n", row.Method, row.MAE, row.RMSE,
			row.RMSEPooled, row.ME, row.MASE, row.RMSSE, row.SMAPE, row.Seconds, row.Fallbacks)
	}
	fmt.Fprintf(tw, "\n")
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	_, err := fmt.Fprintf(w, "%d series (%d skipped), holdout %d months, seasonal period %d, %.2f s in total.\n"+
		"RMSE is the mean of per-series RMSEs, RMSE(pooled) the root of the mean squared error over all points\n"+
		"(R's figures match the pooled one); ME = actual - forecast (positive: forecasts too low).\n",
		r.Series, r.Skipped, r.Holdout, r.Period, r.Seconds)
	for _, c := range r.Coverage {
		if err == nil {
			_, err = fmt.Fprintf(w, "auto %g%% intervals contain %.1f%% of the holdout actuals\n", c.Level, 100*c.Observed)
		}
	}
	return err
}

// WriteJSON writes the report as indented JSON (NaN metrics, e.g. with no scalable series, become null).
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report json: %w", err)
	}
	return nil
}

// MarshalJSON writes NaN metrics (undefined, e.g. no scalable series) as null, which encoding/json refuses
// to do for plain float64 values.
func (r ReportRow) MarshalJSON() ([]byte, error) {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Method     string   `json:"method"`
		MAE        *float64 `json:"mae"`
		RMSE       *float64 `json:"rmse"`
		RMSEPooled *float64 `json:"rmse_pooled"`
		ME         *float64 `json:"me"`
		MASE       *float64 `json:"mase"`
		RMSSE      *float64 `json:"rmsse"`
		SMAPE      *float64 `json:"smape"`
		Seconds    float64  `json:"seconds"`
		Series     int      `json:"series"`
		Fallbacks  int      `json:"fallbacks"`
	}{r.Method, f(r.MAE), f(r.RMSE), f(r.RMSEPooled), f(r.ME), f(r.MASE), f(r.RMSSE), f(r.SMAPE), r.Seconds, r.Series, r.Fallbacks})
}

// BacktestFile is `salesengine backtest --input in --holdout N [--json]`: it reads a long-format history CSV,
// runs Backtest and writes the table (or JSON) to w.
func BacktestFile(ctx context.Context, in string, w io.Writer, bo BacktestOptions, asJSON bool) (Report, error) {
	series, err := ReadLongCSVFile(in)
	if err != nil {
		return Report{}, err
	}
	rep, err := Backtest(ctx, series, bo)
	if err != nil {
		return Report{}, err
	}
	if asJSON {
		return rep, rep.WriteJSON(w)
	}
	return rep, rep.WriteTable(w)
}
