// Package accuracy measures past forecasts against what was sold: the error of each kept forecast of a completed
// month, summed up as MAE, bias, MASE, interval coverage and forecast value added over the seasonal naive made
// at the same origin. It is pure computation: the engine reads the forecasts and the demand and builds the
// points.
package accuracy

import (
	"encoding/json"
	"math"
	"sort"

	"github.com/salesengine/salesengine/internal/forecast"
)

// Point is one past forecast of one month and what was sold that month.
type Point struct {
	Connection string
	SKU        string
	Class      string // the SKU's demand class when forecast
	Method     string
	Lag        int            // months between the run's month and Month
	Month      forecast.Month // the month forecast, completed
	Forecast   float64
	Lower80    float64
	Upper80    float64
	Lower95    float64
	Upper95    float64
	Actual     float64
	// Bench is the benchmark's forecast of Month from the history up to the run's origin (NaN: no history):
	// the seasonal naive (BenchSeasonal) or, with less than a year of history, the naive.
	Bench         float64
	BenchSeasonal bool
	// Scale is the in-sample MAE of the seasonal naive (ScaleSeasonal) or, with a year of history or less, of
	// the naive, over the history up to the origin: MASE's denominator (NaN or 0: this point has no MASE).
	Scale         float64
	ScaleSeasonal bool
}

// Error is the forecast's error, forecast − actual.
func (p Point) Error() float64 { return p.Forecast - p.Actual }

// Benchmark is the forecast h months ahead (h >= 1) of the history hist by the seasonal naive (the same month
// of the last year of history) when hist holds a year or more, else by the naive (the last month); NaN for an
// empty history.
func Benchmark(hist []float64, h int) (v float64, seasonal bool) {
	n := len(hist)
	switch {
	case n == 0 || h < 1:
		return math.NaN(), false
	case n < 12:
		return hist[n-1], false
	}
	return hist[n-12+(h-1)%12], true
}

// Scale is the mean absolute error in-sample of the seasonal naive (y[t] against y[t-12]) when the history is
// longer than a year, else of the naive (y[t] against y[t-1]); NaN with fewer than two months.
func Scale(hist []float64) (v float64, seasonal bool) {
	lag := 1
	if len(hist) > 12 {
		lag, seasonal = 12, true
	}
	if len(hist) <= lag {
		return math.NaN(), false
	}
	sum := 0.0
	for t := lag; t < len(hist); t++ {
		sum += math.Abs(hist[t] - hist[t-lag])
	}
	return sum / float64(len(hist)-lag), seasonal
}

// Figures sum up points. Errors are forecast − actual: a positive bias is over-forecasting. A figure that
// cannot be computed is NaN (null in JSON).
type Figures struct {
	Forecasts  int // points measured
	SKUs       int
	MAE        float64
	Bias       float64 // mean error
	MeanActual float64 // mean demand of the months measured
	BiasPct    float64 // Bias as a percentage of MeanActual (NaN when that is 0)
	// MASE is the mean of |error| / Scale over the points with a scale (MASEForecasts of them, MASESeasonal of
	// those scaled by the seasonal naive, the others by the naive).
	MASE          float64
	MASEForecasts int
	MASESeasonal  int
	Coverage80    float64 // share of actuals within the 80% interval, bounds included
	Coverage95    float64
	// BenchMAE is the benchmark's MAE over the points that have one (BenchForecasts, BenchSeasonal of them by
	// the seasonal naive), and FVA the forecast value added there: (BenchMAE − the forecast's MAE on the same
	// points) / BenchMAE, in percent. Positive: the forecast beat the benchmark.
	BenchMAE       float64
	FVA            float64
	BenchForecasts int
	BenchSeasonal  int
}

// Measure sums up points (NaN figures when there are none).
func Measure(points []Point) Figures {
	nan := math.NaN()
	f := Figures{Forecasts: len(points), MAE: nan, Bias: nan, MeanActual: nan, BiasPct: nan, MASE: nan, Coverage80: nan,
		Coverage95: nan, BenchMAE: nan, FVA: nan}
	if len(points) == 0 {
		return f
	}
	var absErr, err, actual, scaled, benchErr, benchOwn float64
	var in80, in95 int
	skus := map[[2]string]bool{}
	for _, p := range points {
		skus[[2]string{p.Connection, p.SKU}] = true
		e := p.Forecast - p.Actual
		absErr += math.Abs(e)
		err += e
		actual += p.Actual
		if p.Actual >= p.Lower80 && p.Actual <= p.Upper80 {
			in80++
		}
		if p.Actual >= p.Lower95 && p.Actual <= p.Upper95 {
			in95++
		}
		if p.Scale > 0 && !math.IsInf(p.Scale, 0) {
			scaled += math.Abs(e) / p.Scale
			f.MASEForecasts++
			if p.ScaleSeasonal {
				f.MASESeasonal++
			}
		}
		if !math.IsNaN(p.Bench) {
			benchErr += math.Abs(p.Bench - p.Actual)
			benchOwn += math.Abs(e)
			f.BenchForecasts++
			if p.BenchSeasonal {
				f.BenchSeasonal++
			}
		}
	}
	n := float64(len(points))
	f.SKUs = len(skus)
	f.MAE, f.Bias, f.MeanActual = absErr/n, err/n, actual/n
	if f.MeanActual != 0 {
		f.BiasPct = 100 * f.Bias / f.MeanActual
	}
	f.Coverage80, f.Coverage95 = float64(in80)/n, float64(in95)/n
	if f.MASEForecasts > 0 {
		f.MASE = scaled / float64(f.MASEForecasts)
	}
	if f.BenchForecasts > 0 {
		f.BenchMAE = benchErr / float64(f.BenchForecasts)
		if benchErr > 0 {
			f.FVA = 100 * (benchErr - benchOwn) / benchErr
		}
	}
	return f
}

// MarshalJSON writes the figures with null for those that cannot be computed (JSON has no NaN).
func (f Figures) MarshalJSON() ([]byte, error) {
	return json.Marshal(f.jsonFigures())
}

type jsonFigures struct {
	Forecasts      int      `json:"forecasts"`
	SKUs           int      `json:"skus"`
	MAE            *float64 `json:"mae"`
	Bias           *float64 `json:"bias"`
	MeanActual     *float64 `json:"mean_actual"`
	BiasPct        *float64 `json:"bias_pct"`
	MASE           *float64 `json:"mase"`
	MASEForecasts  int      `json:"mase_forecasts"`
	MASESeasonal   int      `json:"mase_seasonal"`
	Coverage80     *float64 `json:"coverage_80"`
	Coverage95     *float64 `json:"coverage_95"`
	BenchMAE       *float64 `json:"benchmark_mae"`
	FVA            *float64 `json:"fva_pct"`
	BenchForecasts int      `json:"benchmark_forecasts"`
	BenchSeasonal  int      `json:"benchmark_seasonal"`
}

func (f Figures) jsonFigures() jsonFigures {
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return jsonFigures{Forecasts: f.Forecasts, SKUs: f.SKUs, MAE: num(f.MAE), Bias: num(f.Bias), MeanActual: num(f.MeanActual),
		BiasPct: num(f.BiasPct), MASE: num(f.MASE), MASEForecasts: f.MASEForecasts, MASESeasonal: f.MASESeasonal,
		Coverage80: num(f.Coverage80), Coverage95: num(f.Coverage95), BenchMAE: num(f.BenchMAE), FVA: num(f.FVA),
		BenchForecasts: f.BenchForecasts, BenchSeasonal: f.BenchSeasonal}
}

// By names what points are grouped by.
type By string

const (
	BySKU        By = "sku"
	ByClass      By = "class"
	ByMethod     By = "method"
	ByConnection By = "connection"
)

// Bys are the groupings, in the order the help lists them.
var Bys = []By{BySKU, ByClass, ByMethod, ByConnection}

// Key is the group a point belongs to (a SKU is named with its connection when points span several).
func (b By) Key(p Point, manyConnections bool) string {
	switch b {
	case BySKU:
		if manyConnections {
			return p.Connection + "/" + p.SKU
		}
		return p.SKU
	case ByClass:
		return p.Class
	case ByMethod:
		return p.Method
	case ByConnection:
		return p.Connection
	}
	return ""
}

// Group is the figures of one group of points.
type Group struct {
	Key string `json:"key"`
	Figures
}

// MarshalJSON flattens the figures beside the key.
func (g Group) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Key string `json:"key"`
		jsonFigures
	}{g.Key, g.jsonFigures()})
}

// GroupBy measures the points of each group, by key.
func GroupBy(points []Point, by By) []Group {
	conns := map[string]bool{}
	for _, p := range points {
		conns[p.Connection] = true
	}
	byKey := map[string][]Point{}
	for _, p := range points {
		k := by.Key(p, len(conns) > 1)
		byKey[k] = append(byKey[k], p)
	}
	out := make([]Group, 0, len(byKey))
	for k, ps := range byKey {
		out = append(out, Group{Key: k, Figures: Measure(ps)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// AtLag returns the points of lag k.
func AtLag(points []Point, k int) []Point {
	var out []Point
	for _, p := range points {
		if p.Lag == k {
			out = append(out, p)
		}
	}
	return out
}

// Months is the first and last month of the points (zero without points).
func Months(points []Point) (first, last forecast.Month) {
	for i, p := range points {
		if i == 0 || p.Month < first {
			first = p.Month
		}
		if i == 0 || p.Month > last {
			last = p.Month
		}
	}
	return first, last
}

// ParseBy reads a grouping's name.
func ParseBy(s string) (By, bool) {
	for _, b := range Bys {
		if string(b) == s {
			return b, true
		}
	}
	return "", false
}
