package forecast

import (
	"math"
	"testing"
)

func TestNaiveClosedForm(t *testing.T) {
	t.Parallel()
	y := []float64{3, 5, 4, 8, 6}
	p, err := Naive{}.Forecast(y, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Mean {
		if v != 6 {
			t.Fatalf("naive mean %v, want all 6", p.Mean)
		}
	}
	if !math.IsNaN(p.Fitted[0]) || p.Fitted[3] != 4 {
		t.Fatalf("naive fitted %v", p.Fitted)
	}
	// Residuals 2,-1,4,-2: sigma = sqrt(25/4) = 2.5, growing with sqrt(h).
	for i, s := range p.Sigma {
		if want := 2.5 * math.Sqrt(float64(i+1)); math.Abs(s-want) > 1e-12 {
			t.Fatalf("naive sigma[%d] = %v, want %v", i, s, want)
		}
	}
}

func TestSeasonalNaiveClosedForm(t *testing.T) {
	t.Parallel()
	y := []float64{1, 2, 3, 4, 2, 3, 4, 5}
	p, err := SeasonalNaive{}.Forecast(y, 4, 6)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2, 3, 4, 5, 2, 3}
	for i := range want {
		if p.Mean[i] != want[i] {
			t.Fatalf("snaive mean %v, want %v", p.Mean, want)
		}
	}
	// Residuals all 1: sigma 1 for the first season, sqrt(2) for the second.
	if math.Abs(p.Sigma[0]-1) > 1e-12 || math.Abs(p.Sigma[4]-math.Sqrt2) > 1e-12 {
		t.Fatalf("snaive sigma %v", p.Sigma)
	}
	if _, err := (SeasonalNaive{}).Forecast(y, 1, 3); err == nil {
		t.Fatal("snaive with m=1 must be refused")
	}
	if _, err := (SeasonalNaive{}).Forecast(y[:3], 4, 3); err == nil {
		t.Fatal("snaive with fewer than m points must be refused")
	}
}

func TestMeanAndZero(t *testing.T) {
	t.Parallel()
	y := []float64{2, 4, 6, 8}
	p, err := Mean{}.Forecast(y, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	// sd = sqrt(20/3); R meanf's forecast sd is sd*sqrt(1+1/n).
	wantSigma := math.Sqrt(20.0/3) * math.Sqrt(1.25)
	if p.Mean[0] != 5 || math.Abs(p.Sigma[1]-wantSigma) > 1e-12 {
		t.Fatalf("mean %v sigma %v, want 5 and %v", p.Mean, p.Sigma, wantSigma)
	}
	z, err := Zero{}.Forecast(y, 1, 3)
	if err != nil || len(z.Mean) != 3 || z.Mean[2] != 0 || len(z.Fitted) != 4 {
		t.Fatalf("zero: %+v %v", z, err)
	}
}

// TestBaselinesAgainstR compares naive, snaive and meanf (means and standard deviations) with R on the fixtures.
func TestBaselinesAgainstR(t *testing.T) {
	t.Parallel()
	for name, fx := range loadRFixtures(t) {
		p, err := Naive{}.Forecast(fx.Y, fx.M, fx.H)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, name+"/naive mean", p.Mean, fx.Naive.Mean, 1e-9)
		assertClose(t, name+"/naive sigma", p.Sigma, fx.Naive.Sigma, 1e-6)
		p, err = Mean{}.Forecast(fx.Y, fx.M, fx.H)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, name+"/meanf mean", p.Mean, fx.MeanF.Mean, 1e-9)
		assertClose(t, name+"/meanf sigma", p.Sigma, fx.MeanF.Sigma, 1e-6)
		if fx.SNaive != nil {
			p, err = SeasonalNaive{}.Forecast(fx.Y, fx.M, fx.H)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, name+"/snaive mean", p.Mean, fx.SNaive.Mean, 1e-9)
		}
	}
}

// assertClose fails when any element differs by more than tol relative to max(1, |want|).
func assertClose(t *testing.T, label string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", label, len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s: [%d] = %v, want %v\n got %v\nwant %v", label, i, got[i], want[i], got, want)
		}
	}
}
