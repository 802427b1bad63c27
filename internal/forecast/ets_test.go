package forecast

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rFixture is one series with R forecast 8.20 reference output (testdata/methods/gen_r_fixtures.R).
type rFixture struct {
	Y      []float64 `json:"y"`
	M      int       `json:"m"`
	H      int       `json:"h"`
	ANN    *rModel   `json:"ets_ANN"`
	AAdN   *rModel   `json:"ets_AAdN"`
	AAA    *rModel   `json:"ets_AAA"`
	MAM    *rModel   `json:"ets_MAM"`
	Auto   *rModel   `json:"ets_auto"`
	Theta  *rModel   `json:"thetaf"`
	Cro01  *rModel   `json:"croston_0.1"`
	Naive  *rModel   `json:"naive"`
	SNaive *rModel   `json:"snaive"`
	MeanF  *rModel   `json:"meanf"`
	Detail string    `json:"-"`
}

type rModel struct {
	Mean   []float64          `json:"mean"`
	Par    map[string]float64 `json:"par"`
	AICc   float64            `json:"aicc"`
	Method string             `json:"method"`
	Sigma  []float64          `json:"sigma"`
}

func loadRFixtures(t *testing.T) map[string]rFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "methods", "r_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]rFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx) == 0 {
		t.Fatal("no fixtures")
	}
	return fx
}

// relErr is the largest relative difference between two forecast paths, relative to the reference's mean
// level so near-zero forecasts do not blow it up.
func relErr(got, want []float64) float64 {
	var scale float64
	for _, v := range want {
		scale += math.Abs(v)
	}
	scale = math.Max(scale/float64(len(want)), 1e-9)
	var worst float64
	for i := range want {
		worst = math.Max(worst, math.Abs(got[i]-want[i])/scale)
	}
	return worst
}

func TestETSAgainstR(t *testing.T) {
	t.Parallel()
	for name, fx := range loadRFixtures(t) {
		cases := []struct {
			label string
			meth  Method
			ref   *rModel
			tol   float64
		}{
			// SES: same model, same initialisation, one-dimensional likelihood: R's optimum is matched closely.
			{"ses", SES{}, fx.ANN, 0.02},
			// Damped trend: the likelihood is flat along phi/beta, so two optimisers stop at different points
			// of nearly equal likelihood (TestETSLikelihoodNotWorseThanR checks we are as good as R).
			{"holt_damped", HoltDamped{}, fx.AAdN, 0.10},
			// Seasonal: R re-optimises the 11 initial seasonal states, we keep them from a decomposition of
			// the whole series (faster, and more accurate on the hospital holdout), so paths differ more.
			{"hw_additive", HWAdditive{}, fx.AAA, 0.25},
			{"hw_multiplicative", HWMultiplicative{}, fx.MAM, 0.25},
		}
		for _, c := range cases {
			if c.ref == nil {
				continue
			}
			p, err := c.meth.Forecast(fx.Y, fx.M, fx.H)
			if err != nil {
				t.Errorf("%s/%s: %v", name, c.label, err)
				continue
			}
			e := relErr(p.Mean, c.ref.Mean)
			t.Logf("%s/%s: rel err %.4f (%s) R par %v", name, c.label, e, p.Model, c.ref.Par)
			if e > c.tol {
				t.Errorf("%s/%s: forecasts differ from R by %.3f (tol %.3f)\n got %v\nwant %v", name, c.label, e, c.tol,
					p.Mean, c.ref.Mean)
			}
		}
		if fx.Auto != nil {
			p, err := ETS{}.Forecast(fx.Y, fx.M, fx.H)
			if err != nil {
				t.Errorf("%s/ets: %v", name, err)
				continue
			}
			t.Logf("%s/ets: got %s, R chose %s, rel diff %.3f", name, p.Model, fx.Auto.Method, relErr(p.Mean, fx.Auto.Mean))
		}
	}
}

// TestETSLikelihoodNotWorseThanR evaluates our likelihood at R's fitted parameters for the non-seasonal
// models (same parameterisation, initial level and trend included) and requires our optimum to be at least as
// good, up to a small tolerance for the optimiser's stopping rule.
func TestETSLikelihoodNotWorseThanR(t *testing.T) {
	t.Parallel()
	for name, fx := range loadRFixtures(t) {
		for _, c := range []struct {
			spec etsSpec
			ref  *rModel
		}{
			{etsSpec{err: 'A', trend: 'N', season: 'N'}, fx.ANN},
			{etsSpec{err: 'A', trend: 'A', damped: true, season: 'N'}, fx.AAdN},
		} {
			if c.ref == nil {
				continue
			}
			w := &etsWork{y: fx.Y, m: 1, spec: c.spec}
			p := c.ref.Par
			phi := 1.0
			if c.spec.damped {
				phi = p["phi"]
			}
			atR := w.run(p["alpha"], p["beta"], 0, phi, p["l"], p["b"], nil)
			var f etsFit
			if !w.fit(c.spec, &f, etsRestarts) {
				t.Fatalf("%s/%v: fit failed", name, c.spec)
			}
			if f.lik > atR+0.5 {
				t.Errorf("%s/%v: our -2logL criterion %.3f is worse than at R's parameters %.3f", name, c.spec, f.lik, atR)
			}
			// Same likelihood and parameter count as R, so AICc agrees with R's printed value up to the optimum.
			if f.aicc > c.ref.AICc+0.5 || math.Abs(f.aicc-c.ref.AICc) > 0.02*math.Abs(c.ref.AICc) {
				t.Errorf("%s/%v: AICc %.4f, R %.4f", name, c.spec, f.aicc, c.ref.AICc)
			}
		}
	}
}

// TestETSAutoChoosesLikeR: the AICc search picks the same model as R's ets() on the fixtures. Our seasonal
// starting states differ from R's (see ets.go), so only fixtures whose R choice is not a close call are listed.
func TestETSAutoChoosesLikeR(t *testing.T) {
	t.Parallel()
	fx := loadRFixtures(t)
	for name, f := range fx {
		if f.Auto == nil {
			continue
		}
		p, err := ETS{}.Forecast(f.Y, f.M, f.H)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := ETSModelSpec(p.Model)
		t.Logf("%s: ours %s, R %s", name, got, f.Auto.Method)
		// When R picks a seasonal model we may not: R re-optimises the 11 starting seasonal states, which lowers
		// its seasonal models' AICc (hosp_theta_seasonal_72: R's ETS(M,N,A) reaches AICc 528.3, ours 534.5,
		// while both give ETS(A,N,N) exactly 531.63). That is the documented trade-off for speed.
		if strings.HasSuffix(f.Auto.Method, ",A)") || strings.HasSuffix(f.Auto.Method, ",M)") {
			continue
		}
		if got != f.Auto.Method {
			t.Errorf("%s: chose %s, R's ets() chose %s", name, got, f.Auto.Method)
		}
		// The chosen spec round-trips through ETS{Model: ...}, and a fixed-spec fit lands on the same forecast
		// up to the optimiser's stopping rule.
		specs, err := etsSpecs(got)
		if err != nil || len(specs) != 1 || specs[0].String() != got {
			t.Fatalf("%s: spec %q does not round-trip: %v %v", name, got, specs, err)
		}
		q, err := ETS{Model: got}.Forecast(f.Y, f.M, f.H)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(q.Mean, p.Mean); e > 0.05 {
			t.Errorf("%s: fixed-spec refit differs from the automatic fit by %.3f", name, e)
		}
	}
}

func TestETSSpecs(t *testing.T) {
	t.Parallel()
	all, err := etsSpecs("ZZZ")
	if err != nil || len(all) != 15 {
		t.Fatalf("ZZZ gives %d specs (%v), want R's 15", len(all), err)
	}
	for _, sp := range all {
		if sp.err == 'A' && sp.season == 'M' {
			t.Fatalf("restricted set contains %v", sp)
		}
	}
	for code, want := range map[string]int{"": 15, "ANN": 1, "AAdN": 1, "MAM": 1, "AAM": 1, "ZZN": 6, "AZA": 3,
		"ETS(M,Ad,M)": 1} {
		got, err := etsSpecs(code)
		if err != nil || len(got) != want {
			t.Errorf("etsSpecs(%q) = %d specs, %v; want %d", code, len(got), err, want)
		}
	}
	for _, bad := range []string{"X", "AXN", "ANdN", "AAAA", "MMM"} {
		if _, err := etsSpecs(bad); err == nil {
			t.Errorf("etsSpecs(%q) accepted", bad)
		}
	}
	if _, err := (ETS{Model: "bogus"}).Forecast([]float64{1, 2, 3}, 1, 1); err == nil {
		t.Error("ETS with a bad model code must fail")
	}
	if got := ETSModelSpec("ETS(M,Ad,M) alpha=0.1"); got != "ETS(M,Ad,M)" {
		t.Errorf("ETSModelSpec = %q", got)
	}
	if got := ETSModelSpec("theta alpha=0.1"); got != "" {
		t.Errorf("ETSModelSpec of a non-ETS model = %q", got)
	}
}

// TestETSSigmaClosedForm: for ETS(A,N,N) the h-step variance is sigma^2 * (1 + (h-1)*alpha^2).
func TestETSSigmaClosedForm(t *testing.T) {
	t.Parallel()
	y := []float64{10, 12, 11, 13, 12, 14, 13, 15, 12, 13, 14, 12, 15, 13, 14}
	w := &etsWork{y: y, m: 1}
	var f etsFit
	if !w.fit(etsSpec{err: 'A', trend: 'N', season: 'N'}, &f, etsRestarts) {
		t.Fatal("fit failed")
	}
	p := w.predict(&f, 5)
	var sse float64
	for i, v := range y {
		sse += (v - p.Fitted[i]) * (v - p.Fitted[i])
	}
	s2 := sse / float64(len(y)-2)
	for h := 1; h <= 5; h++ {
		want := math.Sqrt(s2 * (1 + float64(h-1)*f.alpha*f.alpha))
		if math.Abs(p.Sigma[h-1]-want) > 1e-9*want {
			t.Fatalf("sigma[%d] = %v, want %v", h, p.Sigma[h-1], want)
		}
	}
}
