package forecast

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// synthShaped is n series of `months` months: 70% share a seasonal shape (±30%, peak in summer), 30% are flat;
// levels from 5 to 500, a mild random trend, gamma-Poisson noise. Seeded.
func synthShaped(seed uint64, n, months int) []Series {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]Series, n)
	for i := range out {
		level := 5 * math.Pow(100, r.Float64())
		amp := 0.0
		if r.Float64() < 0.7 {
			amp = 0.3
		}
		trend := 0.01 * r.NormFloat64()
		v := make([]float64, months)
		for t := range v {
			mu := level * (1 + amp*math.Sin(2*math.Pi*float64(t-3)/12)) * math.Exp(trend*float64(t))
			v[t] = float64(poissonRand(r, gammaRand(r, 8)*mu/8))
		}
		out[i] = Series{ID: fmt.Sprintf("N%03d", i), Start: MonthFor(2020, 1), Values: v}
	}
	return out
}

// newProductScore is the rolling-origin evaluation of short-history forecasts: at each origin T, every other
// series is cut to its last k months before T (a new product, k = 2..5 in turn) and the rest keep their
// history up to T (the established products the shape comes from); the new products' next 12 months are
// scored, then the roles swap. Returns the pooled RMSE, MAE and mean error (actual - forecast) over the new
// products' forecasts, and the methods chosen for them.
func newProductScore(t *testing.T, all []Series, origins []int, o Options) (rmse, mae, me float64, methods map[string]int) {
	t.Helper()
	var se, ae, e, n float64
	methods = map[string]int{}
	for _, T := range origins {
		for _, k := range []int{2, 3, 4, 5} {
			for parity := range 2 {
				in := make([]Series, len(all))
				for i, s := range all {
					in[i] = Series{ID: s.ID, Start: s.Start, Values: s.Values[:T]}
					if i%2 == parity {
						in[i] = Series{ID: s.ID, Start: s.Start.Add(T - k), Values: s.Values[T-k : T]}
					}
				}
				res, err := ForecastAll(context.Background(), in, o)
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range all {
					if i%2 != parity {
						continue
					}
					methods[res[i].Method]++
					for h, a := range s.Values[T : T+12] {
						d := a - res[i].Points[h].Forecast
						se, ae, e, n = se+d*d, ae+math.Abs(d), e+d, n+1
					}
				}
			}
		}
	}
	return math.Sqrt(se / n), ae / n, e / n, methods
}

// TestNewProductShapeDev prints the evaluation on hospital (FS_NEWPROD=1) or on synthShaped
// (FS_NEWPROD=synth), with and without the borrowed shape.
func TestNewProductShapeDev(t *testing.T) {
	if os.Getenv("FS_NEWPROD") == "" {
		t.Skip("set FS_NEWPROD=1 (hospital) or FS_NEWPROD=synth")
	}
	all, origins := loadHospital(t), []int{48, 54, 60, 66, 72}
	if os.Getenv("FS_NEWPROD") == "synth" {
		all, origins = synthShaped(17, 400, 60), []int{30, 36, 42, 48}
	}
	for _, noShape := range []bool{true, false} {
		rmse, mae, me, methods := newProductScore(t, all, origins, Options{NoShape: noShape})
		t.Logf("NoShape %-5v RMSE %.3f MAE %.3f ME %.3f %v", noShape, rmse, mae, me, methods)
	}
}

// New products with a few months of history forecast better with the established products' seasonal shape
// than from their own months alone, when the established products share a shape (synthShaped with a seed not
// used while designing): lower RMSE, at least 1% lower MAE, and less bias.
func TestNewProductShape(t *testing.T) {
	t.Parallel()
	all := synthShaped(29, 200, 48)
	rb, mb, eb, _ := newProductScore(t, all, []int{27, 36}, Options{NoShape: true})
	rs, ms, es, methods := newProductScore(t, all, []int{27, 36}, Options{})
	t.Logf("own history: RMSE %.3f MAE %.3f ME %.3f; shaped: RMSE %.3f MAE %.3f ME %.3f %v", rb, mb, eb, rs, ms, es, methods)
	if !(rs < rb) || !(ms < 0.99*mb) || !(math.Abs(es) < math.Abs(eb)) {
		t.Errorf("the borrowed shape does not help: RMSE %.3f vs %.3f, MAE %.3f vs %.3f, ME %.3f vs %.3f", rs, rb, ms, mb, es, eb)
	}
	for m := range methods {
		if !strings.HasPrefix(m, "shaped(") {
			t.Errorf("a new product was forecast with %s, not a shaped method", m)
		}
	}
	// No shape without enough established series, nor for a non-seasonal period.
	if seasonalShape(all[:shapeMinSeries-1], 12, ClassifyOptions{}) != nil || seasonalShape(all, 1, ClassifyOptions{}) != nil {
		t.Error("a shape from too few series or without seasons")
	}
}
