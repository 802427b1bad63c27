package forecast

import (
	"math"
	"strings"
	"testing"
)

func TestThetaAgainstR(t *testing.T) {
	t.Parallel()
	for name, fx := range loadRFixtures(t) {
		if fx.Theta == nil {
			continue
		}
		p, err := Theta{}.Forecast(fx.Y, fx.M, fx.H)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		e := relErr(p.Mean, fx.Theta.Mean)
		t.Logf("%s: theta rel err %.4f (%s)", name, e, p.Model)
		if name == "hosp_theta_seasonal_72" && !strings.HasSuffix(p.Model, "seasonal") {
			t.Errorf("%s: R's thetaf seasonality test passes on this series but ours did not: %s", name, p.Model)
		}
		// Same decomposition, same drift; only the SES optimum (alpha, l0) can differ slightly.
		if e > 0.02 {
			t.Errorf("%s: theta differs from R thetaf by %.3f\n got %v\nwant %v", name, e, p.Mean, fx.Theta.Mean)
		}
	}
}

// TestThetaClosedForm checks the drift formula on a linear series, where SES with drift has a closed form:
// y = a + b*t gives regression slope b, so the forecast adds b/2*(i + (1-(1-alpha)^n)/alpha) to the SES level.
func TestThetaClosedForm(t *testing.T) {
	t.Parallel()
	y := make([]float64, 30)
	for i := range y {
		y[i] = 10 + 2*float64(i)
	}
	p, err := Theta{}.Forecast(y, 1, 6)
	if err != nil {
		t.Fatal(err)
	}
	// The SES part (alpha, level) is fitted exactly as Theta fits it; the test checks the drift on top.
	w := &etsWork{y: y, m: 1}
	var f etsFit
	if !w.fit(etsSpec{err: 'A', trend: 'N', season: 'N'}, &f, etsRestarts) {
		t.Fatal("SES fit failed")
	}
	ses := w.predict(&f, 6)
	alpha := f.alpha
	c := (1 - math.Pow(1-alpha, 30)) / alpha
	for i, v := range p.Mean {
		want := ses.Mean[i] + 1*(float64(i)+c)
		if math.Abs(v-want) > 1e-6*math.Abs(want) {
			t.Fatalf("h=%d: got %v want %v", i+1, v, want)
		}
	}
	// Forecasts of a rising line keep rising.
	for i := 1; i < len(p.Mean); i++ {
		if p.Mean[i] <= p.Mean[i-1] {
			t.Fatalf("theta forecasts not increasing on a linear trend: %v", p.Mean)
		}
	}
}
