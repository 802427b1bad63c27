package forecast

import (
	"math"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// pooledLags is the pooled autoregression's order: a season and a half. Chosen on hospital's inner windows and
// the synthetic tuning set (docs/forecasting.md): 12 and 15 lags were a little worse on both; 24 leaves too few
// rows at backtest origins two years into a series.
var pooledLags = 18

// pooledMaxSeries bounds how many series a pooled fit reads: a few thousand already pin a model of 30
// coefficients, and the fits must stay cheap beside 100k per-series searches.
const pooledMaxSeries = 3000

// pooledMinSeries is the fewest smooth or erratic histories a pooled fit needs: with a handful of series (a
// small connection), 30 coefficients would be an over-fitted model of those few, not a global one, and the
// default combination falls back to its members without it.
const pooledMinSeries = 20

// Pooled is a global linear autoregression, as the Monash archive's pooled regression ("PR"): one set of
// coefficients for every series of a run, fitted by least squares on all their histories, forecasting each
// series recursively from its own last pooledLags months plus the calendar month. Every history is divided by
// the mean of its last 12 months, so series of any size share the coefficients. ForecastAll and Backtest bind
// it to their series (the fit for a backtest origin reads no month after it, of any series); unbound (Auto's
// single series, MethodByName), or where the run has fewer than pooledMinSeries to pool, it cannot run.
type Pooled struct {
	ar  *pooledAR
	end Month // the month y ends with (for the calendar terms)
}

var _ Method = Pooled{}

// Name implements Method.
func (Pooled) Name() string { return "pooled" }

// Forecast implements Method.
func (p Pooled) Forecast(y []float64, m, h int) (Prediction, error) {
	ar := p.ar
	if ar == nil {
		return Prediction{}, ErrNoPool
	}
	if len(y) == 0 {
		return Prediction{}, ErrTooShort
	}
	mean, fitted := ar.forecast(y, p.end, h)
	if !finiteAll(mean) {
		return Prediction{}, ErrTooShort
	}
	return Prediction{Mean: mean, Fitted: fitted, Sigma: ar.sigma(y, fitted, h), Model: "pooled AR(" + strconv.Itoa(ar.lags) + ")"}, nil
}

// sigma is the autoregression's own h-step forecast deviations: the series' one-step residual deviation grown
// by the model's moving-average weights (sigma_k = sigma_1 * sqrt(psi_0^2 + ... + psi_{k-1}^2)), nil with
// fewer than two residuals. A mean-reverting model's errors stop growing; a random walk's would grow as
// sqrt(k).
func (ar *pooledAR) sigma(y, fitted []float64, h int) []float64 {
	var ss float64
	n := 0
	for t, f := range fitted {
		if !math.IsNaN(f) {
			ss += (y[t] - f) * (y[t] - f)
			n++
		}
	}
	if n < 2 {
		return nil
	}
	s1 := math.Sqrt(ss / float64(n))
	psi := make([]float64, h)
	out := make([]float64, h)
	var cum float64
	for k := range h {
		psi[k] = 1
		if k > 0 {
			psi[k] = 0
			for i := 1; i <= min(k, ar.lags); i++ {
				psi[k] += ar.coef[i] * psi[k-i]
			}
		}
		cum += psi[k] * psi[k]
		out[k] = s1 * math.Sqrt(cum)
	}
	return out
}

// pooledAR is a fitted pooled autoregression: coef[0] the intercept, coef[1..lags] the weights of lags 1 to
// lags, then (calendar) one weight per calendar month but the last, for the month forecast.
type pooledAR struct {
	lags     int
	calendar bool
	coef     []float64
}

// pooledHistory is one history a pooled model is fitted on: imputed, oldest first, its first month start.
type pooledHistory struct {
	start Month
	y     []float64
}

// pooledScale is what a history is divided by: the mean of its last 12 months (0 when not positive).
func pooledScale(y []float64) float64 {
	w := y[max(0, len(y)-12):]
	var s float64
	for _, v := range w {
		s += v
	}
	if len(w) == 0 || !(s > 0) {
		return 0
	}
	return s / float64(len(w))
}

// features writes the regressors for forecasting month mo from the scaled lags (lag j at past[len-j]).
func (ar *pooledAR) features(x, past []float64, mo Month) {
	x[0] = 1
	for j := 1; j <= ar.lags; j++ {
		x[j] = past[len(past)-j]
	}
	if ar.calendar {
		for c := range 11 {
			x[ar.lags+1+c] = 0
		}
		if p := calPos(mo, 12); p < 11 {
			x[ar.lags+1+p] = 1
		}
	}
}

func (ar *pooledAR) width() int {
	if ar.calendar {
		return ar.lags + 12
	}
	return ar.lags + 1
}

// fitPooledAR fits the coefficients on the histories by ridge-stabilised least squares; nil when there are too
// few rows.
func fitPooledAR(hs []pooledHistory, lags int, calendar bool) *pooledAR {
	ar := &pooledAR{lags: lags, calendar: calendar}
	k := ar.width()
	xtx := make([]float64, k*k)
	xty := make([]float64, k)
	x := make([]float64, k)
	sc := []float64{}
	rows := 0
	for _, h := range hs {
		y := h.y
		if len(y) <= lags {
			continue
		}
		s := pooledScale(y)
		if s == 0 {
			continue
		}
		sc = sc[:0]
		for _, v := range y {
			sc = append(sc, v/s)
		}
		for t := lags; t < len(y); t++ {
			ar.features(x, sc[:t], h.start.Add(t))
			target := sc[t]
			for a := range k {
				xa := x[a]
				if xa == 0 {
					continue
				}
				row := xtx[a*k:]
				for b := a; b < k; b++ {
					row[b] += xa * x[b]
				}
				xty[a] += xa * target
			}
			rows++
		}
	}
	if rows < 2*k {
		return nil
	}
	sym := mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			v := xtx[a*k+b]
			if a == b {
				v += 1e-6 * float64(rows) // ridge: keeps the solve defined when lags are collinear
			}
			sym.SetSym(a, b, v)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sym) {
		return nil
	}
	var beta mat.VecDense
	if err := ch.SolveVecTo(&beta, mat.NewVecDense(k, xty)); err != nil {
		return nil
	}
	ar.coef = make([]float64, k)
	for i := range ar.coef {
		ar.coef[i] = beta.AtVec(i)
	}
	if !finiteAll(ar.coef) {
		return nil
	}
	return ar
}

// forecast runs the autoregression h months ahead from y's last lags months, y's last month being end
// (forecasts below zero count as zero demand in later steps), and returns it with the one-step fitted values
// of y (NaN in the first season).
func (ar *pooledAR) forecast(y []float64, end Month, h int) (mean, fitted []float64) {
	s := pooledScale(y)
	if s == 0 {
		return make([]float64, h), nil
	}
	// Months before the first are taken at the recent level: a history shorter than the lags still runs.
	sc := make([]float64, ar.lags+len(y), ar.lags+len(y)+h)
	for j := range ar.lags {
		sc[j] = 1
	}
	for i, v := range y {
		sc[ar.lags+i] = v / s
	}
	x := make([]float64, ar.width())
	step := func(past []float64, mo Month) float64 {
		ar.features(x, past, mo)
		var f float64
		for j, c := range ar.coef {
			f += c * x[j]
		}
		return max(f, 0)
	}
	start := end.Add(1 - len(y))
	fitted = make([]float64, len(y))
	for t := range y {
		fitted[t] = math.NaN()
		if t >= 12 {
			fitted[t] = step(sc[:ar.lags+t], start.Add(t)) * s
		}
	}
	mean = make([]float64, h)
	for i := range h {
		f := step(sc, end.Add(i+1))
		sc = append(sc, f)
		mean[i] = f * s
	}
	return mean, fitted
}

// pool is the set of series a run's pooled autoregressions are fitted on, with one fit per cutoff month
// (made once, when first needed, from the months up to the cutoff only: a backtest origin never sees later
// months of any series).
type pool struct {
	hists []pooledHistory // leading missing months trimmed
	co    ClassifyOptions

	mu   sync.Mutex
	fits map[Month]*poolFit
}

type poolFit struct {
	once sync.Once
	ar   *pooledAR
}

// newPool samples up to pooledMaxSeries of the series, evenly over the input order, so the fits are
// deterministic and cheap however many series there are.
func newPool(series []Series, co ClassifyOptions) *pool {
	p := &pool{co: co, fits: map[Month]*poolFit{}}
	step := max(1, (len(series)+pooledMaxSeries-1)/pooledMaxSeries)
	for i := 0; i < len(series); i += step {
		raw, _ := cleanHistory(series[i].Values)
		if len(raw) <= pooledLags {
			continue
		}
		p.hists = append(p.hists, pooledHistory{start: series[i].End().Add(1 - len(raw)), y: impute(raw)})
	}
	return p
}

// at returns the autoregression fitted on every pooled series' months up to cutoff (nil when too few).
func (p *pool) at(cutoff Month) *pooledAR {
	p.mu.Lock()
	f, ok := p.fits[cutoff]
	if !ok {
		f = &poolFit{}
		p.fits[cutoff] = f
	}
	p.mu.Unlock()
	f.once.Do(func() {
		var hs []pooledHistory
		for _, h := range p.hists {
			n := min(len(h.y), cutoff.Sub(h.start)+1)
			if n <= pooledLags {
				continue
			}
			w := h.y[:n]
			if c := Classify(w, p.co).Class; c != ClassSmooth && c != ClassErratic {
				continue
			}
			hs = append(hs, pooledHistory{start: h.start, y: w})
		}
		if len(hs) >= pooledMinSeries {
			f.ar = fitPooledAR(hs, pooledLags, true)
		}
	})
	return f.ar
}

// bind returns the method to fit on a series whose months up to cutoff are used: Pooled bound to this pool's
// fit at that cutoff, anything else unchanged.
func (p *pool) bind(me Method, cutoff Month) Method {
	if _, ok := me.(Pooled); !ok || p == nil {
		return me
	}
	ar := p.at(cutoff)
	if ar == nil {
		return me
	}
	return Pooled{ar: ar, end: cutoff}
}
