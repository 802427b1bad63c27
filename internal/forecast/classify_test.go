package forecast

import (
	"math"
	"slices"
	"testing"
)

// pattern builds a series with demand d every `every` months (starting with a demand), total n months.
func pattern(n, every int, sizes ...float64) []float64 {
	y := make([]float64, n)
	k := 0
	for i := 0; i < n; i += every {
		y[i] = sizes[k%len(sizes)]
		k++
	}
	return y
}

func TestClassifyBoundaries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		y    []float64
		want Class
	}{
		{"smooth constant", pattern(24, 1, 10), ClassSmooth},
		// sizes 1 and 3 alternate: mean 2, sample var 24/23*1 -> CV² ≈ 0.26 (smooth)
		{"smooth varying", pattern(24, 1, 1, 3), ClassSmooth},
		// sizes 1 and 9: mean 5, var ≈ 16.7 -> CV² ≈ 0.67 (erratic)
		{"erratic", pattern(24, 1, 1, 9), ClassErratic},
		// demand every 2nd month: ADI = 2
		{"intermittent", pattern(24, 2, 5), ClassIntermittent},
		{"lumpy", pattern(24, 2, 1, 9), ClassLumpy},
		{"short", []float64{3, 4, 5}, ClassShort},
		{"never sold", []float64{0, 0, 0, 0, 0, 0, 0}, ClassDead},
		{"all missing", []float64{math.NaN(), math.NaN()}, ClassDead},
		// sold monthly for two years, then 12 silent months: dead
		{"dead tail", append(pattern(24, 1, 5), make([]float64, 12)...), ClassDead},
		// demand every 6 months; 11 silent months is under 3 intervals (18): still alive
		{"slow mover not dead", append(pattern(36, 6, 5), make([]float64, 11)...), ClassIntermittent},
		// demand every 2nd month, once a 10-month gap, now 18 silent months: not over 2 x 10, still alive although
		// over 12 months and 3 average intervals (the rule before issue 17 called it dead)
		{"came back from long gaps before", slices.Concat(pattern(24, 2, 5), make([]float64, 9), []float64{4},
			pattern(12, 2, 5), make([]float64, 17)), ClassIntermittent},
		// the same with 22 silent months: longer than twice its longest gap, dead
		{"silent twice its longest gap", slices.Concat(pattern(24, 2, 5), make([]float64, 9), []float64{4},
			pattern(12, 2, 5), make([]float64, 21)), ClassDead},
	}
	for _, c := range cases {
		if got := Classify(c.y, ClassifyOptions{}); got.Class != c.want {
			t.Errorf("%s: class %s, want %s (%v)", c.name, got.Class, c.want, got)
		}
	}
}

func TestClassifyLongestGapAndFading(t *testing.T) {
	t.Parallel()
	y := slices.Concat([]float64{3, 0, 0, 2, 0, 0, 0, 0, 5, 0, 1}, make([]float64, 4))
	p := Classify(y, ClassifyOptions{})
	if p.LongestGap != 4 || p.ZeroTail != 4 || p.Fading() {
		t.Errorf("longest gap %d, zero tail %d, fading %v; want 4, 4, false (a silence as long as one it came back from)", p.LongestGap, p.ZeroTail, p.Fading())
	}
	y = append(y, 0)
	if p = Classify(y, ClassifyOptions{}); !p.Fading() || p.Class != ClassIntermittent {
		t.Errorf("%v with a 5-month silence: want intermittent and fading", p)
	}
}

func TestClassifyCutoffsExact(t *testing.T) {
	t.Parallel()
	// ADI exactly at the cut-off goes to the intermittent side: 33 demands in 33*1.32 = 43.56 months is not
	// an integer, so use 25 demands in 33 months: ADI = 1.32 exactly.
	y := make([]float64, 33)
	for i := range 25 {
		y[i*33/25] = 4
	}
	p := Classify(y, ClassifyOptions{DeadMonths: 100})
	if p.ADI != 33.0/25 || p.Class != ClassIntermittent {
		t.Errorf("ADI %v -> %s, want 1.32 -> intermittent", p.ADI, p.Class)
	}
	// One demand fewer is below the ADI cut-off... no: 26 demands gives ADI 1.269 -> smooth.
	y[32] = 4
	if y2 := Classify(y, ClassifyOptions{DeadMonths: 100}); y2.ADI >= ADICutoff || y2.Class != ClassSmooth {
		t.Errorf("ADI %v -> %s, want < 1.32 -> smooth", y2.ADI, y2.Class)
	}
	for _, c := range []struct {
		adi, cv2 float64
		want     Class
	}{
		{1.3199, 0.4899, ClassSmooth}, {1.32, 0.4899, ClassIntermittent}, {1.3199, 0.49, ClassErratic},
		{1.32, 0.49, ClassLumpy}, {1, 0, ClassSmooth}, {5, 3, ClassLumpy},
	} {
		if got := demandClass(c.adi, c.cv2); got != c.want {
			t.Errorf("ADI %v CV² %v -> %s, want %s", c.adi, c.cv2, got, c.want)
		}
	}
}

func TestClassifyStats(t *testing.T) {
	t.Parallel()
	p := Classify([]float64{math.NaN(), 0, 2, 0, 4, math.NaN(), 0}, ClassifyOptions{MinHistory: 1})
	if p.N != 5 || p.NonZero != 2 || p.ADI != 2.5 || p.ZeroTail != 1 {
		t.Errorf("profile %+v", p)
	}
	if !near(p.Mean, 1.2) || !near(p.CV2, 2.0/9) {
		t.Errorf("mean %v cv2 %v, want 1.2 and 2/9", p.Mean, p.CV2)
	}
}

// An archived product is dead even while it still sold last month; others with the same history are not.
func TestArchivedIsDead(t *testing.T) {
	t.Parallel()
	v := pattern(36, 1, 5, 7)
	series := []Series{{ID: "OLD", Start: MonthFor(2022, 1), Values: v}, {ID: "LIVE", Start: MonthFor(2022, 1), Values: v}}
	res, err := ForecastAll(t.Context(), series, Options{Archived: map[string]bool{"OLD": true}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Class != ClassDead || res[0].Method != "zero" || res[0].Points[0].Forecast != 0 {
		t.Errorf("archived: %s %s %g, want dead zero 0", res[0].Class, res[0].Method, res[0].Points[0].Forecast)
	}
	if res[1].Class == ClassDead || !(res[1].Points[0].Forecast > 0) {
		t.Errorf("active: %s %g, want a positive forecast", res[1].Class, res[1].Points[0].Forecast)
	}
}
