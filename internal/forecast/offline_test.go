package forecast

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthIntermittent builds carparts-like series: each month has demand with probability p (Bernoulli), sizes
// negative-binomial (gamma-Poisson mixture) so both intermittent and lumpy patterns appear. Seeded.
func synthIntermittent(seed uint64, count, months int) []Series {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]Series, count)
	for i := range out {
		p := 0.08 + 0.5*r.Float64()
		mu := 1 + 6*r.Float64()
		shape := 0.5 + 3*r.Float64() // small shape: lumpy
		v := make([]float64, months)
		for t := range v {
			if r.Float64() < p {
				lam := gammaRand(r, shape) * mu / shape
				v[t] = float64(1 + poissonRand(r, lam))
			}
		}
		out[i] = Series{ID: fmt.Sprintf("P%04d", i), Start: MonthFor(2018, 1), Values: v}
	}
	return out
}

// gammaRand draws Gamma(shape, 1) (Marsaglia-Tsang, with the shape<1 boost).
func gammaRand(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaRand(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

func poissonRand(r *rand.Rand, lam float64) int {
	l, k, p := math.Exp(-lam), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func TestIntermittentBeatsTSBAndZero(t *testing.T) {
	t.Parallel()
	series := synthIntermittent(42, 300, 51)
	if _, ok := MethodByName("tsb"); !ok {
		t.Skip("tsb not registered yet")
	}
	rep, err := Backtest(context.Background(), series, BacktestOptions{Holdout: 12, Methods: []string{"tsb", "zero"}, Ensembles: []Ensemble{}})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]ReportRow{}
	for _, r := range rep.Rows {
		rows[r.Method] = r
	}
	auto, tsb, zero := rows["auto"], rows["tsb"], rows["zero"]
	t.Logf("pooled RMSE auto %.4f tsb %.4f zero %.4f; mean RMSE auto %.4f tsb %.4f zero %.4f; chosen %v",
		auto.RMSEPooled, tsb.RMSEPooled, zero.RMSEPooled, auto.RMSE, tsb.RMSE, zero.RMSE, rep.Chosen)
	if !(auto.RMSEPooled < tsb.RMSEPooled && auto.RMSEPooled < zero.RMSEPooled) {
		t.Errorf("pooled RMSE: auto %.4f must beat tsb %.4f and zero %.4f", auto.RMSEPooled, tsb.RMSEPooled, zero.RMSEPooled)
	}
	if !(auto.RMSE < tsb.RMSE && auto.RMSE < zero.RMSE) {
		t.Errorf("mean RMSE: auto %.4f must beat tsb %.4f and zero %.4f", auto.RMSE, tsb.RMSE, zero.RMSE)
	}
	// The synthetic set must really be intermittent for this test to mean anything.
	intermittent := 0
	for _, s := range series {
		if c := Classify(s.Values[:39], ClassifyOptions{}).Class; c == ClassIntermittent || c == ClassLumpy {
			intermittent++
		}
	}
	if intermittent < len(series)*2/3 {
		t.Errorf("only %d of %d synthetic series are intermittent or lumpy", intermittent, len(series))
	}
}

// resultsKey renders results exactly (bit patterns of floats) for determinism checks; NaN-safe.
func resultsKey(rs []Result) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("%s|%s|%s|%s|%x|%x|%d|%d|%x|%x;", r.ID, r.Method, r.Model, r.Class, math.Float64bits(r.BacktestRMSSE),
			math.Float64bits(r.Bias), r.Origins, r.HistoryLength, math.Float64bits(r.Mean), math.Float64bits(r.Std))
		for _, p := range r.Points {
			s += fmt.Sprintf("%s:%x", p.Month, math.Float64bits(p.Forecast))
			for _, iv := range p.Intervals {
				s += fmt.Sprintf(",%x,%x", math.Float64bits(iv.Lower), math.Float64bits(iv.Upper))
			}
		}
	}
	return s
}

func mixedSeries() []Series {
	out := synthIntermittent(1, 20, 40)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range 20 {
		v := make([]float64, 30+i*3)
		for t := range v {
			v[t] = math.Max(0, 50+float64(t)*0.5*float64(i%3)+15*math.Sin(2*math.Pi*float64(t)/12)+5*r.NormFloat64())
		}
		out = append(out, Series{ID: fmt.Sprintf("S%02d", i), Start: MonthFor(2019, 3), Values: v})
	}
	return out
}

func TestForecastAllDeterministic(t *testing.T) {
	t.Parallel()
	series := mixedSeries()
	a, err := ForecastAll(context.Background(), series, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ForecastAll(context.Background(), series, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if resultsKey(a) != resultsKey(b) {
		t.Error("results differ between runs / worker counts")
	}
	for i, r := range a {
		if r.ID != series[i].ID {
			t.Fatalf("result %d is %s, want input order %s", i, r.ID, series[i].ID)
		}
	}
}

func TestForecastAllProperties(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	long := func(f func(t int) float64) []float64 {
		v := make([]float64, 40)
		for t := range v {
			v[t] = f(t)
		}
		return v
	}
	inputs := map[string][]float64{
		"empty":       nil,
		"all zeros":   make([]float64, 30),
		"one value":   {7},
		"two values":  {0, 3},
		"all missing": {nan, nan, nan},
		"huge":        long(func(t int) float64 { return 1e300 * (1 + float64(t%5)) }),
		"max float":   long(func(int) float64 { return math.MaxFloat64 }),
		"tiny":        long(func(t int) float64 { return 1e-300 * float64(t%3) }),
		"missing":     long(func(t int) float64 { return []float64{nan, 4, 5, nan, nan, 6}[t%6] }),
		"leading nan": append([]float64{nan, nan}, long(func(t int) float64 { return float64(t) })...),
		"trailing":    append(long(func(t int) float64 { return float64(t % 7) }), nan, nan),
		"negative":    long(func(t int) float64 { return float64(t%4) - 2 }),
		"inf":         long(func(t int) float64 { return []float64{1, inf, 3, -inf}[t%4] }),
		"one spike":   append(make([]float64, 35), 1000),
		"constant":    long(func(int) float64 { return 5 }),
		"trend down":  long(func(t int) float64 { return 100 - 5*float64(t) }),
	}
	for name, v := range inputs {
		for _, round := range []bool{false, true} {
			o := Options{Horizon: 14, Levels: []float64{80, 95}, Round: round}
			if round {
				o.Period = 1 // also cover the non-seasonal candidate set
			}
			res, err := ForecastAll(context.Background(), []Series{{ID: name, Start: MonthFor(2020, 1), Values: v}}, o)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			r := res[0]
			if len(r.Points) != 14 || r.Points[0].Month != MonthFor(2020, 1).Add(len(v)) {
				t.Errorf("%s: %d points starting %v", name, len(r.Points), r.Points)
				continue
			}
			for _, p := range r.Points {
				bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }
				if bad(p.Forecast) {
					t.Errorf("%s (%s): forecast %v", name, r.Method, p.Forecast)
				}
				for _, iv := range p.Intervals {
					if bad(iv.Lower) || bad(iv.Upper) || iv.Lower > p.Forecast || iv.Upper < p.Forecast {
						t.Errorf("%s (%s): interval %+v around %v", name, r.Method, iv, p.Forecast)
					}
				}
				if round && p.Forecast != math.Round(p.Forecast) {
					t.Errorf("%s: rounded forecast %v", name, p.Forecast)
				}
			}
		}
	}
}

func TestDeadAndShortFallbacks(t *testing.T) {
	t.Parallel()
	dead := append([]float64{5, 3, 4, 6, 2, 5, 4, 3}, make([]float64, 14)...)
	r, err := Auto(Series{ID: "d", Values: dead}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Class != ClassDead || r.Method != "zero" || r.Points[0].Forecast != 0 {
		t.Errorf("dead item: %s %s %v", r.Class, r.Method, r.Points[0].Forecast)
	}
	r, _ = Auto(Series{ID: "s", Values: []float64{4, 6, 5}}, Options{})
	if r.Class != ClassShort || r.Points[0].Forecast <= 0 {
		t.Errorf("short item: %s %s %v", r.Class, r.Method, r.Points[0].Forecast)
	}
	// Seven months: one backtest origin only, so the interval comes from the methods' own deviations.
	r, _ = Auto(Series{ID: "new", Values: []float64{10, 14, 9, 12, 15, 11, 13}}, Options{})
	if iv := r.Points[0].Intervals[0]; !(iv.Upper > iv.Lower) || r.Origins > 1 {
		t.Errorf("new item (%s, %d origins): zero-width interval %+v", r.Method, r.Origins, iv)
	}
	if _, err := ForecastAll(context.Background(), nil, Options{Methods: []string{"no-such"}}); err == nil {
		t.Error("unknown method accepted")
	}
}

func TestForecastAllCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ForecastAll(ctx, mixedSeries(), Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestResultJSON(t *testing.T) {
	t.Parallel()
	r, err := Auto(Series{ID: "j", Start: MonthFor(2024, 1), Values: []float64{3, 4}}, Options{Horizon: 2, Levels: []float64{80}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"series":"j"`, `"class":"short"`, `"backtest_rmsse":null`, `"month":"2024-03"`, `"levels":[80]`, `"outliers":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("json lacks %s: %s", want, b)
		}
	}
	// A cleaned month is listed with its raw and cleaned demand.
	y := make([]float64, 36)
	for i := range y {
		y[i] = 100 + float64(i%3)
	}
	y[20] = 1000
	r, err = Auto(Series{ID: "k", Start: MonthFor(2023, 1), Values: y}, Options{Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	if want := `"outliers":[{"month":"2024-09","raw":1000,"cleaned":113.12}]`; !strings.Contains(string(b), want) {
		t.Errorf("json lacks %s: %s", want, b)
	}
}

func TestForecastFileAndBacktestFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "history.csv")
	var b strings.Builder
	b.WriteString("series,month,value\n")
	for _, s := range mixedSeries()[18:22] {
		for i, v := range s.Values {
			fmt.Fprintf(&b, "%q,%s,%g\n", s.ID, s.Start.Add(i), v)
		}
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "fc.csv")
	res, err := ForecastFile(context.Background(), in, out, Options{Horizon: 5}, 90)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(res) != 4 || len(lines) != 1+4*5 {
		t.Fatalf("%d results, %d lines:\n%s", len(res), len(lines), got)
	}
	if _, ok := res[0].Points[0].Interval(90); !ok {
		t.Error("level 90 not computed")
	}
	var rep bytes.Buffer
	r, err := BacktestFile(context.Background(), in, &rep, BacktestOptions{Holdout: 6, Methods: []string{"naive"}}, true)
	if err != nil || r.Series != 4 || !strings.Contains(rep.String(), `"method": "auto"`) {
		t.Errorf("backtest file: %v %d\n%s", err, r.Series, rep.String())
	}
	if _, err := ForecastFile(context.Background(), filepath.Join(dir, "missing.csv"), out, Options{}, 80); err == nil {
		t.Error("missing input accepted")
	}
}
