package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCleanOutliers(t *testing.T) {
	t.Parallel()
	// seasonalBase is 4 years of a smooth series with a yearly swing and a small wiggle (MAD > 0).
	seasonalBase := func() []float64 {
		y := make([]float64, 48)
		for i := range y {
			y[i] = 100 + 30*math.Sin(2*math.Pi*float64(i)/12) + float64(i%3)
		}
		return y
	}
	lumpy := func() []float64 {
		// Orders every 2-3 months of 8-14 units.
		return []float64{0, 10, 0, 0, 12, 0, 9, 0, 0, 14, 0, 11, 0, 0, 8, 0, 13, 0, 0, 10, 0, 12, 0, 0, 9, 0, 11, 0, 0, 10}
	}
	cases := []struct {
		name  string
		class Class
		y     func() []float64
		want  []int // flagged indexes
		check func(t *testing.T, y []float64)
	}{
		{name: "spike in a smooth series", class: ClassSmooth, y: func() []float64 {
			y := make([]float64, 36)
			for i := range y {
				y[i] = 100 + float64(i%3)
			}
			y[20] = 1000
			return y
		}, want: []int{20}, check: func(t *testing.T, y []float64) {
			// Clipped to 6 scales above the running median 101: the scale is the 2% floor (the wiggle's MAD is 1.48).
			if y[20] != 101+6*0.02*101 {
				t.Errorf("spike cleaned to %v, want %v", y[20], 101+6*0.02*101)
			}
			if y[19] != 100+float64(19%3) {
				t.Errorf("neighbour changed: %v", y[19])
			}
		}},
		{name: "dip in a seasonal series", class: ClassSmooth, y: func() []float64 {
			y := seasonalBase()
			y[27] = 5 // March of year 3
			return y
		}, want: []int{27}, check: func(t *testing.T, y []float64) {
			if y[27] < 50 || y[27] > 100+30*math.Sin(2*math.Pi*27/12) {
				t.Errorf("dip cleaned to %.1f, want between 50 and the seasonal value", y[27])
			}
		}},
		{name: "recurring seasonal peak is not an outlier", class: ClassSmooth, y: func() []float64 {
			y := seasonalBase()
			for i := 11; i < len(y); i += 12 {
				y[i] = 1000 // every December
			}
			return y
		}},
		{name: "seasonal peak with two years of history", class: ClassErratic, y: func() []float64 {
			y := seasonalBase()[:24]
			y[11], y[23] = 900, 1000
			return y
		}},
		{name: "level shift is not a run of outliers", class: ClassSmooth, y: func() []float64 {
			y := make([]float64, 36)
			for i := range y {
				y[i] = 100 + float64(i%3)
				if i >= 20 {
					y[i] += 400
				}
			}
			return y
		}},
		{name: "shift in the last three months is not an outlier", class: ClassSmooth, y: func() []float64 {
			y := make([]float64, 30)
			for i := range y {
				y[i] = 100 + float64(i%3)
				if i >= 27 {
					y[i] = 300
				}
			}
			return y
		}},
		{name: "two consecutive spikes", class: ClassSmooth, y: func() []float64 {
			y := make([]float64, 36)
			for i := range y {
				y[i] = 100 + float64(i%3)
			}
			y[10], y[11] = 900, 950
			return y
		}, want: []int{10, 11}},
		{name: "lumpy series: one huge order", class: ClassLumpy, y: func() []float64 {
			y := lumpy()
			y[16] = 400
			return y
		}, want: []int{16}, check: func(t *testing.T, y []float64) {
			if y[16] < 9 || y[16] > 12 {
				t.Errorf("huge order cleaned to %v, want the median order size", y[16])
			}
			if y[15] != 0 || y[17] != 0 {
				t.Errorf("zeros around the order changed: %v %v", y[15], y[17])
			}
		}},
		{name: "lumpy series: ordinary spread is not flagged", class: ClassLumpy, y: lumpy},
		{name: "lumpy series: a yearly big order is not flagged", class: ClassLumpy, y: func() []float64 {
			y := lumpy()
			y[1], y[13], y[25] = 200, 220, 210
			return y
		}},
		{name: "intermittent: too few orders to judge", class: ClassIntermittent, y: func() []float64 {
			return []float64{0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0, 500, 0, 0, 4, 0, 0, 0}
		}},
		{name: "short series are left alone", class: ClassShort, y: func() []float64 { return []float64{10, 11, 500, 10, 12} }},
		{name: "missing months are never flagged", class: ClassSmooth, y: func() []float64 {
			y := make([]float64, 24)
			for i := range y {
				y[i] = 100 + float64(i%3)
			}
			y[5] = math.NaN()
			y[6] = 1000
			return y
		}, want: []int{6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := tc.y()
			y := impute(raw)
			before := slices.Clone(y)
			got := cleanOutliers(y, raw, tc.class, 6, 12)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("flagged %v, want %v", got, tc.want)
			}
			for i := range y {
				if y[i] != before[i] && !slices.Contains(got, i) {
					t.Errorf("month %d changed from %v to %v without being flagged", i, before[i], y[i])
				}
				if slices.Contains(got, i) && (y[i] == before[i] || y[i] < 0) {
					t.Errorf("flagged month %d cleaned to %v (was %v)", i, y[i], before[i])
				}
			}
			if tc.check != nil {
				tc.check(t, y)
			}
			if cleanOutliers(slices.Clone(before), raw, tc.class, -1, 12) != nil {
				t.Error("a negative threshold still cleaned")
			}
		})
	}
}

// One abnormal order must barely move the forecast: the forecast with it is close to the forecast without it,
// and the result reports the month with its raw and cleaned values.
func TestOutlierForecastProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 3))
	for i := range 40 {
		n := 30 + r.IntN(30)
		base := make([]float64, n)
		lumpy := i%2 == 1
		for t := range base {
			switch {
			case lumpy:
				if r.Float64() < 0.4 {
					base[t] = float64(5 + r.IntN(10))
				}
			default:
				base[t] = math.Round(200 + 60*math.Sin(2*math.Pi*float64(t)/12) + 20*r.NormFloat64())
			}
		}
		if lumpy {
			base[1] = 7 // at least one order before at
		}
		at := n/2 + r.IntN(n/3)
		for lumpy && base[at] == 0 {
			at-- // the abnormal order replaces an ordinary one: same months with demand
		}
		spiked := slices.Clone(base)
		if lumpy {
			spiked[at] = 500
		} else {
			spiked[at] = base[at] + 3000
		}
		name := fmt.Sprintf("S%d", i)

		clean, err := Auto(Series{ID: name, Start: MonthFor(2020, 1), Values: base}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		dirty, err := Auto(Series{ID: name, Start: MonthFor(2020, 1), Values: spiked}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, o := range dirty.Outliers {
			if o.Month == MonthFor(2020, 1).Add(at) {
				found = o.Raw == spiked[at] && o.Cleaned < spiked[at]/2
			}
		}
		if !found {
			t.Errorf("%s (%s, lumpy %v): the abnormal month %d is not reported as cleaned: %+v", name, dirty.Class, lumpy, at, dirty.Outliers)
			continue
		}
		raw, err := Auto(Series{ID: name, Start: MonthFor(2020, 1), Values: spiked}, Options{OutlierK: -1})
		if err != nil {
			t.Fatal(err)
		}
		var sc, sd, sr float64
		for k := range clean.Points {
			sc += clean.Points[k].Forecast
			sd += dirty.Points[k].Forecast
			sr += raw.Points[k].Forecast
		}
		// The abnormal order still weighs in the backtest errors (measured against the raw history), which can
		// change the method chosen, and its month is fitted with the median size rather than the ordinary order
		// it replaced: close means within 20% of the year's total, and under a third of the shift the order
		// causes without cleaning (when that is more than 2%).
		if d := math.Abs(sd - sc); d > 0.2*sc || (d > math.Abs(sr-sc)/3 && d > 0.02*sc) {
			t.Errorf("%s (%s): forecast total %.1f with the abnormal order (%s), %.1f without (%s), %.1f without cleaning",
				name, dirty.Class, sd, dirty.Method, sc, clean.Method, sr)
		}
	}
}
