package accuracy

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestBenchmark(t *testing.T) {
	t.Parallel()
	year := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for _, tc := range []struct {
		name     string
		hist     []float64
		h        int
		want     float64
		seasonal bool
	}{
		{"empty history", nil, 1, math.NaN(), false},
		{"under a year: the last month", []float64{5, 7}, 3, 7, false},
		{"a year: the same month a year before", year, 1, 1, true},
		{"a year, 12 ahead", year, 12, 12, true},
		{"a year, 13 ahead: the month again", year, 13, 1, true},
		{"a year, 14 ahead", year, 14, 2, true},
		{"14 months: the last year's", append(append([]float64{}, year...), 20, 30), 1, 3, true},
	} {
		got, seasonal := Benchmark(tc.hist, tc.h)
		if seasonal != tc.seasonal || !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("%s: Benchmark = %v (seasonal %v), want %v (%v)", tc.name, got, seasonal, tc.want, tc.seasonal)
		}
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	year := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for _, tc := range []struct {
		name     string
		hist     []float64
		want     float64
		seasonal bool
	}{
		{"one month: none", []float64{4}, math.NaN(), false},
		{"naive: (2+1)/2", []float64{1, 3, 2}, 1.5, false},
		{"a year exactly: still naive, 11 steps of 1", year, 1, false},
		{"13 months: seasonal |5-1|", append(append([]float64{}, year...), 5), 4, true},
		{"14 months: seasonal (|5-1|+|10-2|)/2", append(append([]float64{}, year...), 5, 10), 6, true},
	} {
		got, seasonal := Scale(tc.hist)
		if seasonal != tc.seasonal || !(math.Abs(got-tc.want) < 1e-12 || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("%s: Scale = %v (seasonal %v), want %v (%v)", tc.name, got, seasonal, tc.want, tc.seasonal)
		}
	}
}

// points are three forecasts whose figures are worked out by hand in TestMeasure.
func points() []Point {
	return []Point{
		// error +2, inside both intervals; seasonal benchmark 9 (error 1); scale 2: scaled error 1
		{Connection: "acme", SKU: "A", Class: "smooth", Method: "ets", Lag: 1, Forecast: 10, Actual: 8, Lower80: 7, Upper80: 11,
			Lower95: 6, Upper95: 12, Bench: 9, BenchSeasonal: true, Scale: 2, ScaleSeasonal: true},
		// error -4, outside the 80% interval, on the 95% bound (inside); no benchmark; naive scale 4: scaled 1
		{Connection: "acme", SKU: "A", Class: "smooth", Method: "ets", Lag: 3, Forecast: 5, Actual: 9, Lower80: 4, Upper80: 6,
			Lower95: 3, Upper95: 9, Bench: math.NaN(), Scale: 4},
		// error 0 on a zero interval; naive benchmark 2 (error 2); scale 0: no MASE
		{Connection: "beta", SKU: "B", Class: "lumpy", Method: "tsb", Lag: 1, Forecast: 0, Actual: 0, Bench: 2, Scale: 0},
	}
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	f := Measure(points())
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if f.Forecasts != 3 || f.SKUs != 2 {
		t.Errorf("forecasts %d, skus %d; want 3 and 2", f.Forecasts, f.SKUs)
	}
	near("MAE (2+4+0)/3", f.MAE, 2)
	near("bias (2-4+0)/3", f.Bias, -2.0/3)
	near("mean actual 17/3", f.MeanActual, 17.0/3)
	near("bias % -2/17", f.BiasPct, -200.0/17)
	near("MASE (1+1)/2", f.MASE, 1)
	near("80% coverage 2/3", f.Coverage80, 2.0/3)
	near("95% coverage", f.Coverage95, 1)
	near("benchmark MAE (1+2)/2", f.BenchMAE, 1.5)
	near("FVA (3-2)/3", f.FVA, 100.0/3)
	if f.MASEForecasts != 2 || f.MASESeasonal != 1 || f.BenchForecasts != 2 || f.BenchSeasonal != 1 {
		t.Errorf("counts: %+v", f)
	}

	// A forecast worse than the benchmark adds negative value.
	worse := Measure([]Point{{Forecast: 10, Actual: 4, Bench: 6, Lower80: 0, Upper80: 20, Lower95: 0, Upper95: 20}})
	near("FVA (2-6)/2", worse.FVA, -200)
}

func TestMeasureNothingIsNaNAndNullInJSON(t *testing.T) {
	t.Parallel()
	f := Measure(nil)
	if f.Forecasts != 0 || !math.IsNaN(f.MAE) || !math.IsNaN(f.MASE) || !math.IsNaN(f.FVA) || !math.IsNaN(f.Coverage80) {
		t.Errorf("no points: %+v", f)
	}
	b, err := json.Marshal(f)
	if err != nil || !strings.Contains(string(b), `"mae":null`) || !strings.Contains(string(b), `"forecasts":0`) {
		t.Errorf("JSON %s, %v", b, err)
	}
	// All actuals zero: no bias %; no benchmark error: no FVA.
	z := Measure([]Point{{Forecast: 1, Actual: 0, Bench: 0, Scale: 1}})
	if !math.IsNaN(z.BiasPct) || !math.IsNaN(z.FVA) || z.MASE != 1 {
		t.Errorf("zero demand: %+v", z)
	}
}

func TestGroupBy(t *testing.T) {
	t.Parallel()
	byClass := GroupBy(points(), ByClass)
	if len(byClass) != 2 || byClass[0].Key != "lumpy" || byClass[0].Forecasts != 1 || byClass[1].Key != "smooth" ||
		byClass[1].Forecasts != 2 || byClass[1].MAE != 3 {
		t.Errorf("by class: %+v", byClass)
	}
	bySKU := GroupBy(points(), BySKU)
	if len(bySKU) != 2 || bySKU[0].Key != "acme/A" || bySKU[1].Key != "beta/B" {
		t.Errorf("by SKU over two connections: %+v", bySKU)
	}
	if one := GroupBy(points()[:2], BySKU); len(one) != 1 || one[0].Key != "A" {
		t.Errorf("by SKU, one connection: %+v", one)
	}
	b, err := json.Marshal(byClass[1])
	if err != nil || !strings.HasPrefix(string(b), `{"key":"smooth","forecasts":2,`) {
		t.Errorf("group JSON %s, %v", b, err)
	}
}
