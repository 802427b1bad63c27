package forecast

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHospitalForecastAll is the production path: classification, rolling-origin selection over every
// candidate and ensemble, final fit and intervals, for all 767 hospital series.
func BenchmarkHospitalForecastAll(b *testing.B) {
	series := loadHospital(b)
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, err := ForecastAll(context.Background(), series, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
}

// BenchmarkHospitalBacktest is `salesengine backtest --holdout 12` on hospital: every method, the default
// ensembles and the automatic choice, each over all series.
func BenchmarkHospitalBacktest(b *testing.B) {
	series := loadHospital(b)
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, err := Backtest(context.Background(), series, BacktestOptions{Holdout: 12}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
}

// synthMixed builds n series of `months` months: 40% smooth seasonal with trend, 60% intermittent/lumpy,
// a retail-like mix. Seeded, deterministic.
func synthMixed(n, months int) []Series {
	r := rand.New(rand.NewPCG(2024, 11))
	out := make([]Series, n)
	for i := range out {
		v := make([]float64, months)
		if i%5 < 2 {
			level, trend, amp := 20+200*r.Float64(), r.NormFloat64(), 0.3*r.Float64()
			for t := range v {
				mu := (level + trend*float64(t)) * (1 + amp*math.Sin(2*math.Pi*float64(t)/12))
				v[t] = math.Max(0, math.Round(mu+math.Sqrt(math.Max(mu, 1))*r.NormFloat64()))
			}
		} else {
			p, mu := 0.05+0.5*r.Float64(), 1+8*r.Float64()
			for t := range v {
				if r.Float64() < p {
					v[t] = float64(1 + poissonRand(r, mu*gammaRand(r, 1.5)/1.5))
				}
			}
		}
		out[i] = Series{ID: fmt.Sprintf("SKU%06d", i), Start: MonthFor(2021, 1), Values: v}
	}
	return out
}

// BenchmarkBig100k forecasts 100,000 SKUs x 48 months and reports seconds and peak heap (sampled every 10 ms
// from runtime.MemStats; HeapSys and Sys peaks are reported too). Run by hand:
//
//	go test -run '^$' -bench Big100k -benchtime 1x ./internal/forecast
func BenchmarkBig100k(b *testing.B) {
	series := synthMixed(100_000, 48)
	runtime.GC()
	var peakHeap, peakSys atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			if ms.Sys > peakSys.Load() {
				peakSys.Store(ms.Sys)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuSeconds()
	var res []Result
	for b.Loop() {
		var err error
		res, err = ForecastAll(context.Background(), series, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start).Seconds() / float64(b.N)
	cpu := (cpuSeconds() - cpu0) / float64(b.N)
	close(stop)
	wg.Wait()
	counts := map[Class]int{}
	for _, r := range res {
		counts[r.Class]++
	}
	b.ReportMetric(elapsed, "s/run")
	b.ReportMetric(cpu, "cpu-s/run")
	b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakSys.Load())/(1<<20), "peak-sys-MiB")
	b.Logf("100k x 48: %.2f s per run (%.1f CPU-seconds on %d procs), peak heap %.0f MiB, peak sys %.0f MiB, classes %v", elapsed, cpu, runtime.GOMAXPROCS(0),
		float64(peakHeap.Load())/(1<<20), float64(peakSys.Load())/(1<<20), counts)
}

// cpuSeconds is the process's user+system CPU time: on a shared machine wall time depends on other load,
// CPU time divided by the cores used does not.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
