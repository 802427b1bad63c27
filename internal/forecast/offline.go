package forecast

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/salesengine/salesengine/internal/atomicfile"
)

// Result is the automatic forecast of one series.
type Result struct {
	ID     string
	Method string // winning method or ensemble, e.g. "ets", "mean(ets+theta)", "zero" for dead items
	Model  string // the method's detail when it reports one, e.g. "ETS(A,N,N)"
	Class  Class

	// BacktestRMSSE is the chosen candidate's rolling-origin error, scaled by the in-sample naive RMSE
	// (NaN when the history was too short for a backtest; JSON users should check Origins > 0).
	BacktestRMSSE float64
	// Bias is the chosen candidate's mean backtest error (actual - forecast) in demand units: positive means
	// the method forecast too low.
	Bias    float64
	Origins int // backtest origins used
	// RunnerUp is the method or ensemble the selection ranked second, and RunnerUpRMSSE its backtest error
	// ("" and NaN without a backtest or a second candidate). When the class's default ensemble is kept by the
	// margin (Options.Margin), the runner-up is the candidate that scored best.
	RunnerUp      string
	RunnerUpRMSSE float64

	HistoryLength int     // months from the first sale (or first observed month) to the end of the series
	Mean, Std     float64 // of monthly demand over the history
	ADI, CV2      float64 // classification statistics (ADI is +Inf without demand)

	Points []Point // Horizon future months, starting the month after the series ends
	// Outliers are the months of history replaced before fitting (see Options.OutlierK), oldest first; nil
	// when none was.
	Outliers []Outlier

	// StockoutMonths are the months of the history the stock history marks as stock-outs and CensoredMonths those
	// of them whose demand was treated as missing (and imputed) because it was below the series' typical level.
	// The forecaster does not set them: the caller that knows the stock does (internal/demand).
	StockoutMonths, CensoredMonths []Month
}

// Forecasts returns the point forecasts as a slice.
func (r Result) Forecasts() []float64 {
	out := make([]float64, len(r.Points))
	for i, p := range r.Points {
		out[i] = p.Forecast
	}
	return out
}

// resolvedMethods holds the Method values per candidate list, looked up once per run.
type resolvedMethods struct {
	seasonal, nonSeasonal, intermittent, short []Method
	fading                                     []Method
	ensSeasonal, ensNonSeasonal                []Ensemble
	ensIntermittent, ensShort                  []Ensemble
}

func resolveMethods(o Options) (resolvedMethods, error) {
	for _, lv := range o.Levels {
		if !(lv > 0 && lv < 100) {
			return resolvedMethods{}, fmt.Errorf("forecast: interval level %v%% must be between 0 and 100", lv)
		}
	}
	if o.Horizon > 1200 {
		return resolvedMethods{}, fmt.Errorf("forecast: horizon %d months is too long", o.Horizon)
	}
	var allow map[string]bool
	if len(o.Methods) > 0 {
		allow = map[string]bool{}
		for _, name := range o.Methods {
			if _, ok := MethodByName(name); !ok {
				return resolvedMethods{}, fmt.Errorf("forecast: unknown method %q", name)
			}
			allow[name] = true
		}
	}
	pick := func(names []string) []Method {
		var out []Method
		for _, name := range names {
			if allow != nil && !allow[name] {
				continue
			}
			if m, ok := MethodByName(name); ok {
				out = append(out, m)
			}
		}
		return out
	}
	rm := resolvedMethods{
		seasonal:        pick(candidatesSeasonal),
		nonSeasonal:     pick(candidatesNonSeasonal),
		intermittent:    pick(candidatesIntermittent),
		short:           pick(candidatesShort),
		fading:          pick(candidatesFading),
		ensSeasonal:     ensemblesSeasonal,
		ensNonSeasonal:  ensemblesNonSeasonal,
		ensIntermittent: ensemblesIntermittent,
		ensShort:        ensemblesShort,
	}
	if allow != nil {
		// Restricted runs: every allowed method competes everywhere, so the user's choice is honoured even
		// where the class would not normally include it.
		all := pick(o.Methods)
		rm.seasonal, rm.nonSeasonal, rm.intermittent, rm.short, rm.fading = all, all, all, all, all
	}
	return rm, nil
}

// ForecastAll forecasts every series automatically, in parallel, returning results in input order.
// The output depends only on the input and options (not on worker count or scheduling).
func ForecastAll(ctx context.Context, series []Series, o Options) ([]Result, error) {
	o = o.withDefaults()
	rm, err := resolveMethods(o)
	if err != nil {
		return nil, err
	}
	var sh shapes
	if !o.NoShape {
		sh = seasonalShapes(series, o.Period, o.Classify)
	}
	pl := newPool(series, o.Classify)
	out := make([]Result, len(series))
	err = parallelFor(ctx, len(series), o.Workers, o.Progress, func(i int) {
		out[i] = forecastSeries(series[i], o, rm, nil, sh.of(series[i].Group), pl)
	})
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	return out, nil
}

// Auto forecasts a single series (ForecastAll for one series, without the worker pool). With no other series
// to borrow a seasonal shape from, a short series is forecast from its own history only.
func Auto(s Series, o Options) (Result, error) {
	o = o.withDefaults()
	rm, err := resolveMethods(o)
	if err != nil {
		return Result{}, err
	}
	return forecastSeries(s, o, rm, nil, nil, nil), nil
}

// forecastSeries never fails: when nothing else can run it falls back to the history mean (or zero).
// pre optionally holds already computed whole-history forecasts (horizon o.Horizon) per method name on the
// imputed series; they are used only when the series needed no rescaling. shape, when not nil, is the seasonal
// shape (seasonalShape) short series borrow.
func forecastSeries(s Series, o Options, rm resolvedMethods, pre map[string]Prediction, shape []float64, pl *pool) Result {
	raw, scale := cleanHistory(s.Values)
	prof := Classify(raw, o.Classify)
	res := Result{
		ID: s.ID, Class: prof.Class, HistoryLength: len(raw), Mean: prof.Mean, Std: prof.Std,
		ADI: prof.ADI, CV2: prof.CV2, BacktestRMSSE: math.NaN(), Bias: math.NaN(), RunnerUpRMSSE: math.NaN(),
	}
	first := s.End().Add(1)
	if o.Archived[s.ID] {
		res.Class = ClassDead
	}
	if res.Class == ClassDead || scale == 0 {
		res.Method = "zero"
		res.Points = makePoints(first, make([]float64, o.Horizon), nil, res.Class, o)
		return res
	}
	// Astronomically large (or tiny) quantities are brought to units of the series maximum so squared errors
	// and optimisers stay far from overflow; ordinary data is left alone so results equal the methods' own.
	if scale > 1e-100 && scale < 1e100 {
		scale = 1
	} else {
		pre = nil
		for i := range raw {
			raw[i] /= scale
		}
	}
	y := imputeSeasonal(raw, o.Period)
	if idx := cleanOutliers(y, raw, prof.Class, o.OutlierK, o.Period); len(idx) > 0 {
		pre = nil // the shared fits were made on the uncleaned history
		start := s.End().Add(1 - len(raw))
		res.Outliers = make([]Outlier, len(idx))
		for i, t := range idx {
			res.Outliers[i] = Outlier{Month: start.Add(t), Raw: raw[t] * scale, Cleaned: y[t] * scale}
		}
	}

	var singles []Method
	var ens []Ensemble
	switch prof.Class {
	case ClassSmooth, ClassErratic:
		singles, ens = rm.seasonal, rm.ensSeasonal
		if o.Period <= 1 {
			singles, ens = rm.nonSeasonal, rm.ensNonSeasonal
		}
	case ClassIntermittent, ClassLumpy:
		singles, ens = rm.intermittent, rm.ensIntermittent
		if prof.Fading() && len(rm.fading) > 0 {
			singles, ens = rm.fading, nil
		}
	default:
		singles, ens = rm.short, rm.ensShort
	}
	shaped := prof.Class == ClassShort && len(shape) == o.Period
	if shaped {
		// A new product borrows the established products' seasonal shape: its own months are deseasonalised,
		// forecast as usual, and the forecast reseasonalised (see newproduct.go).
		pre = nil
		start := s.End().Add(1 - len(raw))
		for t := range raw {
			f := shape[calPos(start.Add(t), o.Period)]
			raw[t] /= f
			y[t] /= f
		}
	}
	start := s.End().Add(1 - len(raw))
	bind := func(me Method, t int) Method { return pl.bind(me, start.Add(t-1)) }
	ch, err := selectAndForecast(raw, y, prof, singles, ens, o, pre, bind)
	if err == nil && shaped {
		ch.name, ch.model = "shaped("+ch.name+")", strings.TrimSuffix("shape of the established series; "+ch.model, "; ")
		for k := range ch.mean {
			f := shape[calPos(first.Add(k), o.Period)]
			ch.mean[k] *= f
			if k < len(ch.sigma) {
				ch.sigma[k] *= f
			}
		}
	}
	if err != nil {
		// Nothing ran (e.g. a very short history): the mean is the least surprising forecast.
		mean := make([]float64, o.Horizon)
		for i := range mean {
			mean[i] = prof.Mean / scale
		}
		sd := make([]float64, o.Horizon)
		for i := range sd {
			sd[i] = prof.Std / scale
		}
		ch = choice{name: "mean", mean: mean, sigma: sd, rmsse: math.NaN(), bias: math.NaN(), runnerUpRMSSE: math.NaN()}
	}
	for i := range ch.mean {
		ch.mean[i] *= scale
	}
	for i := range ch.sigma {
		ch.sigma[i] *= scale
	}
	res.Method, res.Model = ch.name, ch.model
	res.BacktestRMSSE, res.Origins = ch.rmsse, ch.nOrigins
	res.RunnerUp, res.RunnerUpRMSSE = ch.runnerUp, ch.runnerUpRMSSE
	res.Bias = ch.bias * scale
	res.Points = makePoints(first, ch.mean, ch.sigma, res.Class, o)
	return res
}

// makePoints builds the future points with intervals; everything is finite and non-negative.
// The interval half-width is sigma times the calibrated multiplier of the class's group.
func makePoints(first Month, mean, sigma []float64, c Class, o Options) []Point {
	pts := make([]Point, len(mean))
	ivs := make([]Interval, len(mean)*len(o.Levels))
	for i, f := range mean {
		f = finiteNonNeg(f)
		var sd float64
		if i < len(sigma) {
			sd = finiteNonNeg(sigma[i])
		}
		p := Point{Month: first.Add(i), Forecast: f, Intervals: ivs[i*len(o.Levels) : (i+1)*len(o.Levels) : (i+1)*len(o.Levels)]}
		for j, lv := range o.Levels {
			z := calibratedMultiplier(lv, c)
			lo, hi := finiteNonNeg(f-z*sd), finiteNonNeg(f+z*sd)
			if o.Round {
				lo, hi = math.Floor(lo), math.Ceil(hi)
			}
			p.Intervals[j] = Interval{Level: lv, Lower: lo, Upper: hi}
		}
		if o.Round {
			p.Forecast = math.Round(f)
		}
		pts[i] = p
	}
	return pts
}

// finiteNonNeg maps NaN and negatives to 0 and +Inf to the largest float.
func finiteNonNeg(v float64) float64 {
	switch {
	case math.IsNaN(v) || v < 0:
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	}
	return v
}

// cleanHistory returns the series from its first observed month with Inf treated as missing and negative
// values clipped to zero (demand cannot be negative), and the largest value.
func cleanHistory(v []float64) ([]float64, float64) {
	lo, _ := trimMissing(v)
	raw := make([]float64, len(v)-lo)
	var peak float64
	for i, x := range v[lo:] {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			x = math.NaN()
		case x < 0:
			x = 0
		}
		raw[i] = x
		if x > peak {
			peak = x
		}
	}
	return raw, peak
}

// MarshalJSON writes the result with snake_case keys; undefined statistics (NaN backtest error without a
// backtest, infinite ADI without demand) become null, which encoding/json cannot do for plain floats.
func (r Result) MarshalJSON() ([]byte, error) {
	type point struct {
		Month    string    `json:"month"`
		Forecast float64   `json:"forecast"`
		Lower    []float64 `json:"lower"`
		Upper    []float64 `json:"upper"`
		Levels   []float64 `json:"levels"`
	}
	pts := make([]point, len(r.Points))
	for i, p := range r.Points {
		pt := point{Month: p.Month.String(), Forecast: p.Forecast}
		for _, iv := range p.Intervals {
			pt.Levels = append(pt.Levels, iv.Level)
			pt.Lower = append(pt.Lower, iv.Lower)
			pt.Upper = append(pt.Upper, iv.Upper)
		}
		pts[i] = pt
	}
	type outlier struct {
		Month   string  `json:"month"`
		Raw     float64 `json:"raw"`
		Cleaned float64 `json:"cleaned"`
	}
	outs := make([]outlier, len(r.Outliers)) // [] rather than null: the field is always a list
	for i, o := range r.Outliers {
		outs[i] = outlier{o.Month.String(), o.Raw, o.Cleaned}
	}
	return json.Marshal(struct {
		ID            string    `json:"series"`
		Method        string    `json:"method"`
		Model         string    `json:"model,omitempty"`
		Class         Class     `json:"class"`
		BacktestRMSSE *float64  `json:"backtest_rmsse"`
		Bias          *float64  `json:"bias"`
		Origins       int       `json:"origins"`
		HistoryLength int       `json:"history_length"`
		Mean          *float64  `json:"mean"`
		Std           *float64  `json:"std"`
		ADI           *float64  `json:"adi"`
		CV2           *float64  `json:"cv2"`
		Points        []point   `json:"points"`
		Outliers      []outlier `json:"outliers"`
	}{r.ID, r.Method, r.Model, r.Class, jsonFloat(r.BacktestRMSSE), jsonFloat(r.Bias), r.Origins, r.HistoryLength,
		jsonFloat(r.Mean), jsonFloat(r.Std), jsonFloat(r.ADI), jsonFloat(r.CV2), pts, outs})
}

func jsonFloat(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// ForecastFile is `salesengine forecast --input in --out out`: it reads a long-format history CSV, forecasts
// every series and writes the forecast CSV atomically with the interval at level (percent). level is added to
// o.Levels when missing. It returns the results for callers that also want to print or store them.
func ForecastFile(ctx context.Context, in, out string, o Options, level float64) ([]Result, error) {
	series, err := ReadLongCSVFile(in)
	if err != nil {
		return nil, err
	}
	// An unwritable destination fails now, not after the forecasting it would waste.
	f, err := atomicfile.Create(out)
	if err != nil {
		return nil, err
	}
	defer f.Abort()
	if !slices.Contains(o.Levels, level) {
		o.Levels = append(slices.Clone(o.Levels), level)
	}
	res, err := ForecastAll(ctx, series, o)
	if err != nil {
		return nil, err
	}
	if err := WriteForecastCSV(f, res, level); err != nil {
		return nil, err
	}
	if err := f.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}
