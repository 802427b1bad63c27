package forecast

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// airPassengers is Box & Jenkins' series G (monthly airline passengers, thousands, 1949-1960), R's AirPassengers.
var airPassengers = []float64{
	112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
	145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
	196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
	242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
	315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
	360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
}

// R forecast's auto.arima(AirPassengers) picks ARIMA(2,1,1)(0,1,0)[12]; these are its 1961 point forecasts.
var rAirPassengersARIMA = []float64{445.6349, 420.3950, 449.1983, 491.8399, 503.3945, 566.8624, 654.2602, 638.5975,
	540.8837, 494.1266, 423.3327, 465.5076}

func TestARIMAMatchesAutoARIMA(t *testing.T) {
	t.Parallel()
	p, err := ARIMA{}.Forecast(airPassengers, 12, 12)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Model, "ARIMA(2,1,1)(0,1,0)[12] ") {
		t.Fatalf("model %q, R's auto.arima picks ARIMA(2,1,1)(0,1,0)[12]", p.Model)
	}
	for i, want := range rAirPassengersARIMA {
		// Conditional least squares instead of R's exact likelihood: within 1%.
		if math.Abs(p.Mean[i]-want) > 0.01*want {
			t.Errorf("month %d: %.2f, R %.2f", i+1, p.Mean[i], want)
		}
	}
	for i := 1; i < len(p.Sigma); i++ {
		if !(p.Sigma[i] >= p.Sigma[i-1] && p.Sigma[0] > 0) {
			t.Fatalf("sigma not increasing: %v", p.Sigma)
		}
	}

	// On the log scale R's choice is Box and Jenkins' airline model, ma1 = -0.4018 and sma1 = -0.5569 by exact
	// maximum likelihood.
	logY := make([]float64, len(airPassengers))
	for i, v := range airPassengers {
		logY[i] = math.Log(v)
	}
	p, err = ARIMA{}.Forecast(logY, 12, 12)
	if err != nil {
		t.Fatal(err)
	}
	var ma1, sma1 float64
	if _, err := fmt.Sscanf(p.Model, "ARIMA(0,1,1)(0,1,1)[12] ma1=%g sma1=%g", &ma1, &sma1); err != nil {
		t.Fatalf("model %q, want the airline model: %v", p.Model, err)
	}
	if math.Abs(ma1+0.4018) > 0.05 || math.Abs(sma1+0.5569) > 0.05 {
		t.Errorf("ma1 %.4f sma1 %.4f, R -0.4018 -0.5569", ma1, sma1)
	}
}

// An AR(1) without constant fitted by conditional least squares is the regression of y_t on y_{t-1} through the
// origin, and ARIMA(0,1,0) with drift is the random walk with drift: both have closed forms.
func TestARIMAClosedForms(t *testing.T) {
	t.Parallel()
	y := []float64{3, 5, 4, 6, 2, 1, 4, 5, 7, 3, 2, 4, 5, 6, 3, 2}
	p, err := ARIMA{Model: "ARIMA(1,0,0)"}.Forecast(y, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	var sxy, sxx float64
	for i := 1; i < len(y); i++ {
		sxy += y[i] * y[i-1]
		sxx += y[i-1] * y[i-1]
	}
	phi := sxy / sxx
	for h := range 3 {
		want := y[len(y)-1] * math.Pow(phi, float64(h+1))
		if math.Abs(p.Mean[h]-want) > 1e-4 {
			t.Errorf("AR(1) step %d: %.6f, want %.6f (phi %.4f, %s)", h+1, p.Mean[h], want, phi, p.Model)
		}
	}
	p, err = ARIMA{Model: "ARIMA(0,1,0) with drift"}.Forecast(y, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	drift := (y[len(y)-1] - y[0]) / float64(len(y)-1)
	for h := range 3 {
		if want := y[len(y)-1] + drift*float64(h+1); math.Abs(p.Mean[h]-want) > 1e-9 {
			t.Errorf("drift step %d: %.6f, want %.6f", h+1, p.Mean[h], want)
		}
	}
	// The random walk's h-step standard deviation is sigma*sqrt(h), sigma^2 the mean squared first difference.
	p, err = ARIMA{Model: "ARIMA(0,1,0)"}.Forecast(y, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for i := 1; i < len(y); i++ {
		ss += (y[i] - y[i-1]) * (y[i] - y[i-1])
	}
	for h := range 4 {
		want := math.Sqrt(ss / float64(len(y)-1) * float64(h+1))
		if math.Abs(p.Sigma[h]-want) > 1e-9 || p.Mean[h] != y[len(y)-1] {
			t.Errorf("random walk step %d: mean %.4f sigma %.6f, want %.4f and %.6f", h+1, p.Mean[h], p.Sigma[h], y[len(y)-1], want)
		}
	}
	if _, err := (ARIMA{Model: "ARIMA(9,0,0)"}).Forecast(y, 1, 3); err == nil {
		t.Error("an order beyond p+q+P+Q <= 5 was accepted")
	}
}

func TestKPSSAndSeasonalStrength(t *testing.T) {
	t.Parallel()
	// A random walk is not level-stationary, its differences are.
	trend := make([]float64, 60)
	season := make([]float64, 60)
	for i := range trend {
		trend[i] = float64(i) + float64(i%5)
		season[i] = 100 + 30*math.Sin(2*math.Pi*float64(i)/12) + float64(i%5)
	}
	if s := kpssStat(trend); !(s > kpssCrit5) {
		t.Errorf("KPSS of a trend %.3f, want > %.3f", s, kpssCrit5)
	}
	if s := kpssStat(season); !(s < kpssCrit5) {
		t.Errorf("KPSS of a stationary seasonal series %.3f, want < %.3f", s, kpssCrit5)
	}
	if f := seasonalStrength(season, 12); !(f > arimaSeasStrength) {
		t.Errorf("seasonal strength %.3f of a strongly seasonal series", f)
	}
	if f := seasonalStrength(trend, 12); !(f < arimaSeasStrength) {
		t.Errorf("seasonal strength %.3f of a series without season", f)
	}
}

// Backtest origins re-estimate the form chosen on the whole history instead of searching again.
func TestOriginMethodReusesChosenForm(t *testing.T) {
	t.Parallel()
	full, err := ARIMA{}.Forecast(airPassengers, 12, 12)
	if err != nil {
		t.Fatal(err)
	}
	at := originMethod(ARIMA{}, full)
	a, ok := at.(ARIMA)
	if !ok || a.Model != full.Model {
		t.Fatalf("origin method %#v, want ARIMA{Model: %q}", at, full.Model)
	}
	p, err := at.Forecast(airPassengers[:120], 12, 12)
	if err != nil {
		t.Fatal(err)
	}
	if o1, _ := parseARIMAOrder(full.Model, 12); !strings.HasPrefix(p.Model, o1.String(12)+" ") {
		t.Errorf("re-fit model %q, want the order of %q", p.Model, full.Model)
	}
	d, err := ETSDamped{}.Forecast(airPassengers, 12, 12)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Model, ",Ad,") {
		t.Errorf("ets_damped chose %q, want a damped trend", d.Model)
	}
	if e, ok := originMethod(ETSDamped{}, d).(ETS); !ok || e.Model != ETSModelSpec(d.Model) {
		t.Errorf("origin method for ets_damped: %#v", originMethod(ETSDamped{}, d))
	}
}
