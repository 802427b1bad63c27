package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// seasonalSeries is 72 months of a level of 100 times a sine season of amplitude amp, with Gaussian noise of
// relative deviation noise.
func seasonalSeries(seed uint64, amp, noise float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 3))
	y := make([]float64, 72)
	for t := range y {
		y[t] = 100 * (1 + amp*math.Sin(2*math.Pi*float64(t)/12)) * (1 + noise*r.NormFloat64())
	}
	return y
}

// figDistance is the root mean squared distance of a seasonal figure from no season (every index 1).
func figDistance(fig []float64) float64 {
	if fig == nil {
		return 0
	}
	var d float64
	for _, f := range fig {
		d += (f - 1) * (f - 1)
	}
	return math.Sqrt(d / float64(len(fig)))
}

// TestShrunkSeasonality: a clear season is kept nearly whole, a season made of noise shrinks toward none,
// and histories that cannot carry a multiplicative figure have none.
func TestShrunkSeasonality(t *testing.T) {
	t.Parallel()
	// A clear season (amplitude 30%, noise 3%): at least 97% of the classical figure's distance from 1 is kept.
	y := seasonalSeries(1, 0.3, 0.03)
	raw := make([]float64, 12)
	if !decomposeFigure(y, 12, true, raw) {
		t.Fatal("no classical figure")
	}
	fig, ok := shrunkSeasonality(y, 12)
	if !ok {
		t.Fatal("clear season: no figure")
	}
	keep := figDistance(fig) / figDistance(raw)
	t.Logf("clear season: %.3f of the classical figure kept", keep)
	if keep < 0.97 || keep > 1 {
		t.Errorf("clear season: kept %.3f of the figure, want >= 0.97", keep)
	}
	// No season, 15% noise: the classical figure is noise; over 20 seeds the shrunk one keeps under a third of
	// its distance from 1 on average, and none keeps more than the classical figure.
	var kept float64
	for seed := range uint64(20) {
		y := seasonalSeries(100+seed, 0, 0.15)
		if !decomposeFigure(y, 12, true, raw) {
			t.Fatal("no classical figure")
		}
		fig, _ := shrunkSeasonality(y, 12)
		k := figDistance(fig) / figDistance(raw)
		if k > 1 {
			t.Fatalf("seed %d: shrunk figure farther from 1 than the classical one (%.3f)", seed, k)
		}
		kept += k / 20
	}
	t.Logf("noise only: %.3f of the classical figure kept on average", kept)
	if kept > 1.0/3 {
		t.Errorf("noise only: kept %.3f of the classical figure on average, want < 1/3", kept)
	}
	for name, y := range map[string][]float64{
		"two seasons": seasonalSeries(2, 0.3, 0.03)[:24],
		"zeros":       make([]float64, 48),
	} {
		if fig, ok := shrunkSeasonality(y, 12); ok {
			t.Errorf("%s: figure %v, want none", name, fig)
		}
	}
}

// TestETSJSBacktestForm: the backtest re-fits ets_js with the ETS form chosen on the whole history, as it does
// for ets, and the fixed form forecasts.
func TestETSJSBacktestForm(t *testing.T) {
	t.Parallel()
	y := seasonalSeries(3, 0.3, 0.05)
	p, err := ETSJS{}.Forecast(y, 12, 12)
	if err != nil {
		t.Fatal(err)
	}
	at, ok := originMethod(ETSJS{}, p).(ETSJS)
	if !ok || at.Model == "" || at.Model != ETSModelSpec(p.Model) {
		t.Fatalf("origin method %#v for model %q, want ETSJS with its form", at, p.Model)
	}
	q, err := at.Forecast(y[:60], 12, 12)
	if err != nil || len(q.Mean) != 12 || !finiteAll(q.Mean) {
		t.Fatalf("fixed form: %v, %v", q.Mean, err)
	}
}
