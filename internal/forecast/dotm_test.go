package forecast

import (
	"math"
	"strings"
	"testing"
)

// TestDOTMRecursiveOLS: the dynamic intercept and slope after each observation equal the batch least-squares
// fit of y[0..i] on time 1..i+1 (closed form), which is what makes the method "dynamic".
func TestDOTMRecursiveOLS(t *testing.T) {
	t.Parallel()
	y := []float64{5, 9, 4, 12, 8, 15, 11, 7, 14, 10}
	s := dotmState{level: y[0], meanY: y[0], a: y[0]}
	for i := 1; i < len(y); i++ {
		s = s.update(i, 0.3, y[i])
		a, b := linearFit(y[:i+1])
		if math.Abs(s.a-a) > 1e-9 || math.Abs(s.b-b) > 1e-9 || math.Abs(s.meanY-mean(y[:i+1])) > 1e-12 {
			t.Fatalf("after %d points: a=%v b=%v mean=%v, want a=%v b=%v mean=%v", i+1, s.a, s.b, s.meanY, a, b,
				mean(y[:i+1]))
		}
	}
}

// TestDOTMLinear: on an exact straight line the fitted model extrapolates the line.
func TestDOTMLinear(t *testing.T) {
	t.Parallel()
	y := make([]float64, 40)
	for i := range y {
		y[i] = 20 + 3*float64(i)
	}
	p, err := DOTM{}.Forecast(y, 1, 6)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range p.Mean {
		want := 20 + 3*float64(40+j)
		if math.Abs(v-want) > 0.02*want {
			t.Fatalf("h=%d: %v, want about %v (%s)", j+1, v, want, p.Model)
		}
	}
}

// TestDOTMSeasonal: the same seasonality test and multiplicative adjustment as Theta.
func TestDOTMSeasonal(t *testing.T) {
	t.Parallel()
	fx := loadRFixtures(t)["hosp_theta_seasonal_72"]
	p, err := DOTM{}.Forecast(fx.Y, fx.M, fx.H)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.Model, "seasonal") {
		t.Fatalf("seasonal series not adjusted: %s", p.Model)
	}
	if len(p.Mean) != fx.H || !finite(p.Mean) {
		t.Fatalf("bad forecast %v", p.Mean)
	}
	if _, err := (DOTM{}).Forecast(fx.Y[:4], 12, 3); err == nil {
		t.Fatal("four points must be too short")
	}
}

// TestDOTMScaleInvariant: multiplying the data by 1e10 multiplies the forecasts by 1e10 (the fit does not hit a
// fixed bound at large scales).
func TestDOTMScaleInvariant(t *testing.T) {
	t.Parallel()
	y := []float64{12, 15, 9, 20, 25, 18, 14, 16, 22, 30, 28, 19, 13, 17, 10, 22, 27, 20, 15, 18}
	big := make([]float64, len(y))
	for i, v := range y {
		big[i] = v * 1e10
	}
	a, err := DOTM{}.Forecast(y, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DOTM{}.Forecast(big, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Mean {
		if math.Abs(b.Mean[i]/1e10-a.Mean[i]) > 1e-3*math.Abs(a.Mean[i]) {
			t.Fatalf("h=%d: %v vs %v (x1e10)", i+1, a.Mean[i], b.Mean[i])
		}
	}
}

// TestDOTMSigma: the spread grows with the horizon as sqrt(1 + (h-1)*alpha^2) from the one-step error.
func TestDOTMSigma(t *testing.T) {
	t.Parallel()
	y := []float64{12, 15, 9, 20, 25, 18, 14, 16, 22, 30, 28, 19, 13, 17, 10, 22, 27, 20, 15, 18}
	p, err := DOTM{}.Forecast(y, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sigma) != 4 || p.Sigma[0] <= 0 {
		t.Fatalf("sigma %v", p.Sigma)
	}
	for j := 1; j < 4; j++ {
		if p.Sigma[j] < p.Sigma[j-1] {
			t.Fatalf("sigma must not shrink with the horizon: %v", p.Sigma)
		}
	}
	var sse float64
	for i := 3; i < len(y); i++ {
		sse += (y[i] - p.Fitted[i]) * (y[i] - p.Fitted[i])
	}
	if want := math.Sqrt(sse / float64(len(y)-6)); math.Abs(p.Sigma[0]-want) > 1e-9*want {
		t.Fatalf("sigma[0] = %v, want %v", p.Sigma[0], want)
	}
}
