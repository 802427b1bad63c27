package forecast

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestMethodsRegistry(t *testing.T) {
	t.Parallel()
	want := []string{"naive", "snaive", "mean", "zero", "ses", "holt_damped", "hw_additive", "hw_multiplicative",
		"ets", "theta", "croston", "sba", "tsb", "adida", "imapa", "dotm", "arima",
		"ets_damped", "otm", "dstm", "theta_js", "dotm_js", "ets_js", "pooled"}
	ms := Methods()
	if len(ms) != len(want) {
		t.Fatalf("Methods() has %d methods, want %d", len(ms), len(want))
	}
	for i, m := range ms {
		if m.Name() != want[i] {
			t.Fatalf("Methods()[%d] = %q, want %q (order is part of the contract)", i, m.Name(), want[i])
		}
		got, ok := MethodByName(m.Name())
		if !ok || got.Name() != m.Name() {
			t.Fatalf("MethodByName(%q) = %v, %v", m.Name(), got, ok)
		}
	}
	if _, ok := MethodByName("nope"); ok {
		t.Fatal("MethodByName of an unknown name must report false")
	}
	// Callers may modify the returned slice without affecting the registry.
	ms[0] = nil
	if Methods()[0] == nil {
		t.Fatal("Methods() must return a copy")
	}
}

// adversarialSeries are inputs that break naive implementations: empty-ish, constant, all zero, huge, tiny,
// spiky, negative, and short.
func adversarialSeries() map[string][]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	s := map[string][]float64{
		"one":         {7},
		"one_zero":    {0},
		"two":         {1, 2},
		"huge_const":  rep(1e12, 30),
		"tiny":        rep(1e-12, 24),
		"negative":    {-5, -3, -8, -1, -4, -6, -2, -7, -3, -5, -4, -6, -5, -3, -8},
		"mixed_sign":  {3, -2, 5, -1, 0, 4, -3, 2, 0, 1, -1, 6, 2, -4, 3, 0, 1},
		"spike":       append(rep(0, 40), 1e9),
		"spike_first": append([]float64{1e6}, rep(0, 30)...),
		"alternating": alternating(48),
	}
	for n := 1; n <= 30; n++ {
		s["zeros_"+itoa(n)] = rep(0, n)
		s["const_"+itoa(n)] = rep(5, n)
		r := make([]float64, n)
		h := make([]float64, n)
		lumpy := make([]float64, n)
		for i := range r {
			r[i] = math.Round(rng.Float64() * 20)
			h[i] = 1e12 * (1 + rng.Float64())
			if rng.Float64() < 0.2 {
				lumpy[i] = math.Round(rng.ExpFloat64() * 50)
			}
		}
		s["random_"+itoa(n)] = r
		s["huge_"+itoa(n)] = h
		s["lumpy_"+itoa(n)] = lumpy
	}
	return s
}

func rep(v float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func alternating(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		if i%2 == 0 {
			s[i] = 100
		}
	}
	return s
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// nonNegativeMethods never forecast below zero when the data are non-negative.
var nonNegativeMethods = map[string]bool{"naive": true, "snaive": true, "mean": true, "zero": true, "croston": true,
	"sba": true, "tsb": true, "adida": true, "imapa": true}

// checkPrediction asserts the contract on one call's result.
func checkPrediction(t *testing.T, label, name string, y []float64, h int, p Prediction, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrTooShort) {
			t.Fatalf("%s: error %v does not wrap ErrTooShort", label, err)
		}
		return
	}
	if len(p.Mean) != h || len(p.Fitted) != len(y) {
		t.Fatalf("%s: len(Mean)=%d len(Fitted)=%d, want %d and %d", label, len(p.Mean), len(p.Fitted), h, len(y))
	}
	if p.Sigma != nil && len(p.Sigma) != h {
		t.Fatalf("%s: len(Sigma)=%d, want %d", label, len(p.Sigma), h)
	}
	nonneg := true
	for _, v := range y {
		if v < 0 {
			nonneg = false
		}
	}
	for i, v := range p.Mean {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s: Mean[%d] = %v", label, i, v)
		}
		if nonneg && nonNegativeMethods[name] && v < 0 {
			t.Fatalf("%s: negative forecast %v from non-negative data", label, v)
		}
	}
	for i, v := range p.Sigma {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Fatalf("%s: Sigma[%d] = %v", label, i, v)
		}
	}
	for i, v := range p.Fitted {
		if math.IsInf(v, 0) {
			t.Fatalf("%s: Fitted[%d] = %v", label, i, v)
		}
	}
}

// TestMethodsProperties runs every method on every adversarial series with several periods and horizons: no
// panic, only ErrTooShort-wrapping errors, correct lengths, no NaN/Inf, no negative forecasts where impossible.
func TestMethodsProperties(t *testing.T) {
	t.Parallel()
	series := adversarialSeries()
	for _, meth := range Methods() {
		meth := meth
		t.Run(meth.Name(), func(t *testing.T) {
			t.Parallel()
			for sname, y := range series {
				for _, m := range []int{1, 4, 12} {
					for _, h := range []int{0, 1, 18} {
						p, err := meth.Forecast(y, m, h)
						checkPrediction(t, meth.Name()+"/"+sname+"/m="+itoa(m)+"/h="+itoa(h), meth.Name(), y, h, p, err)
					}
				}
			}
		})
	}
}

// TestMethodsDeterministic: the same input gives bit-identical output (no randomness, no shared state).
func TestMethodsDeterministic(t *testing.T) {
	t.Parallel()
	y := []float64{12, 15, 9, 20, 25, 18, 14, 16, 22, 30, 28, 19, 13, 17, 10, 22, 27, 20, 15, 18, 24, 33, 30, 21,
		14, 18, 12, 24, 29, 21, 16, 19, 26, 35, 32, 23}
	for _, meth := range Methods() {
		a, errA := meth.Forecast(y, 12, 12)
		b, errB := meth.Forecast(y, 12, 12)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("%s: errors differ: %v / %v", meth.Name(), errA, errB)
		}
		for i := range a.Mean {
			if a.Mean[i] != b.Mean[i] {
				t.Fatalf("%s: not deterministic: %v vs %v", meth.Name(), a.Mean, b.Mean)
			}
		}
	}
}

// FuzzMethods feeds arbitrary finite series to every method. Run longer by hand:
// go test -run '^$' -fuzz FuzzMethods -fuzztime 60s ./internal/forecast/
func FuzzMethods(f *testing.F) {
	f.Add([]byte{}, uint8(12), uint8(6))
	f.Add(make([]byte, 8*30), uint8(12), uint8(12))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40}, uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, m, h uint8) {
		var y []float64
		for len(data) >= 8 && len(y) < 120 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data))
			data = data[8:]
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e15 {
				continue
			}
			y = append(y, v)
		}
		hh := int(h % 37)
		mm := int(m % 25)
		for _, meth := range Methods() {
			p, err := meth.Forecast(y, mm, hh)
			checkPrediction(t, meth.Name(), meth.Name(), y, hh, p, err)
		}
	})
}

// TestMethodsScaleEquivariant: demand in units or in millions of units gives the same forecasts up to the
// scale factor (within the optimisers' tolerance): no method has a bound or step fixed in absolute units.
func TestMethodsScaleEquivariant(t *testing.T) {
	t.Parallel()
	y := []float64{12, 15, 9, 20, 25, 18, 14, 16, 22, 30, 28, 19, 13, 17, 10, 22, 27, 20, 15, 18, 24, 33, 30, 21,
		14, 18, 12, 24, 29, 21, 16, 19, 26, 35, 32, 23}
	for _, factor := range []float64{1e-6, 1e9} {
		scaled := make([]float64, len(y))
		for i, v := range y {
			scaled[i] = v * factor
		}
		for _, meth := range Methods() {
			a, errA := meth.Forecast(y, 12, 6)
			b, errB := meth.Forecast(scaled, 12, 6)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s x%g: errors differ: %v / %v", meth.Name(), factor, errA, errB)
			}
			if errA != nil {
				continue
			}
			for i := range a.Mean {
				if d := math.Abs(b.Mean[i]/factor - a.Mean[i]); d > 0.02*math.Max(1, math.Abs(a.Mean[i])) {
					t.Errorf("%s x%g h=%d: %v vs %v (%s / %s)", meth.Name(), factor, i+1, a.Mean[i], b.Mean[i]/factor,
						a.Model, b.Model)
					break
				}
			}
		}
	}
}
