package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// arSeries are count series around their own levels following one AR(1) on the scaled values (coefficient phi),
// the process a pooled fit should recover whatever each series' size.
func arSeries(seed uint64, count, n int, phi float64) []Series {
	r := rand.New(rand.NewPCG(seed, 5))
	out := make([]Series, count)
	for i := range out {
		level := 10 + 1000*r.Float64()
		v := make([]float64, n)
		x := 0.0
		for t := range v {
			x = phi*x + 0.1*r.NormFloat64()
			v[t] = level * (1 + x)
		}
		out[i] = Series{ID: fmt.Sprintf("P%03d", i), Start: MonthFor(2020, 1), Values: v}
	}
	return out
}

func TestPooledRecoversSharedAR(t *testing.T) {
	t.Parallel()
	p := newPool(arSeries(3, 200, 60, 0.7), ClassifyOptions{})
	ar := p.at(MonthFor(2020, 1).Add(59))
	if ar == nil {
		t.Fatal("no pooled fit on 200 series of 60 months")
	}
	// Lag 1 carries the dynamics, the other lags and the calendar next to nothing; intercept and weights add up
	// to about 1 (the scaled series hover around their level).
	if math.Abs(ar.coef[1]-0.7) > 0.05 {
		t.Errorf("lag-1 weight %.3f, want about 0.7", ar.coef[1])
	}
	var sum float64
	for j, c := range ar.coef {
		if j >= 2 && math.Abs(c) > 0.06 {
			t.Errorf("coefficient %d is %.3f, want about 0", j, c)
		}
		if j <= ar.lags {
			sum += c
		}
	}
	if math.Abs(sum-1) > 0.05 {
		t.Errorf("intercept and lag weights add up to %.3f, want about 1", sum)
	}
	fc, err := p.bind(Pooled{}, MonthFor(2020, 1).Add(59)).Forecast(impute(p.hists[0].y), 12, 24)
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k < len(fc.Sigma); k++ {
		if !(fc.Sigma[k] >= fc.Sigma[k-1]) || math.IsInf(fc.Sigma[k], 0) {
			t.Fatalf("sigma %v must be finite and never shrink with the horizon", fc.Sigma)
		}
	}
	// A stationary AR's deviation levels off at sigma_1 / sqrt(1 - phi^2), far below a random walk's sqrt(24).
	if r := fc.Sigma[23] / fc.Sigma[0]; r > 1.6 {
		t.Errorf("sigma grows %.2f times over 24 months, want about 1.4", r)
	}
}

// A backtest origin's pooled fit must not read any later month of any series.
func TestPooledNoLaterMonths(t *testing.T) {
	t.Parallel()
	series := arSeries(4, 50, 48, 0.5)
	cutoff := MonthFor(2020, 1).Add(35)
	before := newPool(series, ClassifyOptions{}).at(cutoff)
	changed := make([]Series, len(series))
	for i, s := range series {
		changed[i] = s
		changed[i].Values = slices.Clone(s.Values)
		for t := 36; t < len(s.Values); t++ {
			changed[i].Values[t] *= 3
		}
	}
	after := newPool(changed, ClassifyOptions{}).at(cutoff)
	if before == nil || !slices.Equal(before.coef, after.coef) {
		t.Fatalf("the fit at %s changed with the months after it: %v against %v", cutoff, before, after)
	}
	if full := newPool(changed, ClassifyOptions{}).at(cutoff.Add(12)); slices.Equal(full.coef, before.coef) {
		t.Fatal("the fit a year later did not see the changed months")
	}
}

// Too few series to pool, or none (Auto's single series): the pooled model does not run, and the default
// combination falls back to its members without it.
func TestPooledNeedsEnoughSeries(t *testing.T) {
	t.Parallel()
	end := MonthFor(2020, 1).Add(59)
	few := arSeries(5, pooledMinSeries-1, 60, 0.5)
	if ar := newPool(few, ClassifyOptions{}).at(end); ar != nil {
		t.Fatalf("a pooled fit on %d series", len(few))
	}
	if _, err := newPool(few, ClassifyOptions{}).bind(Pooled{}, end).Forecast(few[0].Values, 12, 12); !errors.Is(err, ErrNoPool) || !errors.Is(err, ErrTooShort) {
		t.Fatalf("pooled on too few series: %v", err)
	}
	if newPool(arSeries(5, pooledMinSeries, 60, 0.5), ClassifyOptions{}).at(end) == nil {
		t.Fatalf("no pooled fit on %d series", pooledMinSeries)
	}
	res, err := Auto(few[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Method, "pooled") {
		t.Errorf("Auto on one series chose %s", res.Method)
	}
	all, err := ForecastAll(context.Background(), few, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if strings.Contains(r.Method, "pooled") {
			t.Errorf("%s: %s with %d series to pool", r.ID, r.Method, len(few))
		}
	}
}
