package forecast

import (
	"math"
	"testing"
)

// benchSeries72 is a deterministic 72-month seasonal series with trend and noise, positive so every method runs.
func benchSeries72() []float64 {
	y := make([]float64, 72)
	state := uint64(12345)
	for i := range y {
		state = state*6364136223846793005 + 1442695040888963407
		noise := float64(state>>40)/float64(1<<24) - 0.5
		y[i] = 100 + 0.5*float64(i) + 20*math.Sin(2*math.Pi*float64(i)/12) + 10*noise
	}
	return y
}

// BenchmarkMethodFit measures one fit + 12-step forecast of each method on a 72-month series.
func BenchmarkMethodFit(b *testing.B) {
	y := benchSeries72()
	for _, meth := range Methods() {
		b.Run(meth.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := meth.Forecast(y, 12, 12); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMethodFit48 is BenchmarkMethodFit on the first 48 months (the 100,000-SKU scenario's length).
func BenchmarkMethodFit48(b *testing.B) {
	y := benchSeries72()[:48]
	for _, meth := range Methods() {
		b.Run(meth.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := meth.Forecast(y, 12, 12); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHospitalETSAuto fits automatic ETS (15 candidate models, AICc) to all 767 hospital series (72 months
// each) per iteration, on one goroutine.
func BenchmarkHospitalETSAuto(b *testing.B) {
	series := hospitalSeries(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, y := range series {
			if _, err := (ETS{}).Forecast(y[:72], 12, 12); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkHospitalAllMethods fits every method once to all 767 hospital series per iteration, on one goroutine.
func BenchmarkHospitalAllMethods(b *testing.B) {
	series := hospitalSeries(b)
	ms := Methods()
	b.ReportAllocs()
	for b.Loop() {
		for _, y := range series {
			for _, m := range ms {
				m.Forecast(y[:72], 12, 12)
			}
		}
	}
}

// BenchmarkHospitalARIMAAuto runs the automatic ARIMA search on all 767 hospital series (72 months each) per
// iteration, on one goroutine; the fixed-order re-fit a backtest origin uses is BenchmarkHospitalARIMAFixed.
func BenchmarkHospitalARIMAAuto(b *testing.B) {
	series := hospitalSeries(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, y := range series {
			if _, err := (ARIMA{}).Forecast(y[:72], 12, 12); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkHospitalARIMAFixed re-fits each series' chosen order on its first 60 months.
func BenchmarkHospitalARIMAFixed(b *testing.B) {
	series := hospitalSeries(b)
	models := make([]ARIMA, len(series))
	for i, y := range series {
		p, err := ARIMA{}.Forecast(y[:72], 12, 12)
		if err != nil {
			b.Fatal(err)
		}
		models[i] = ARIMA{Model: p.Model}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, y := range series {
			models[i].Forecast(y[:60], 12, 12)
		}
	}
}
