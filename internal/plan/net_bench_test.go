package plan

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// benchNetInputs draws n products in four tiers, BoMs three levels deep: 40% finished products (sold, forecast
// 12 months ahead, made from 2-4 subassemblies or parts), 25% subassemblies (made from 2-3 parts), 20% parts
// (made from 1-3 raw materials), 15% raw materials (bought). Produced products have open manufacturing orders
// now and then, bought ones purchase order lines, a third of all an orderpoint, bought ones a supplier; a tenth
// of the parts and materials also sell as spares.
func benchNetInputs(n int, today time.Time, horizon int) []NetInput {
	r := rand.New(rand.NewPCG(16, 100))
	cur := MonthOf(today)
	tiers := []int{0, n * 40 / 100, n * 65 / 100, n * 85 / 100, n} // first index of each tier, then n
	tierOf := func(i int) int {
		t := 0
		for i >= tiers[t+1] {
			t++
		}
		return t
	}
	pick := func(t int) string { return fmt.Sprintf("P%06d", tiers[t]+r.IntN(tiers[t+1]-tiers[t])) }
	inputs := make([]NetInput, n)
	for i := range inputs {
		in := &inputs[i]
		t := tierOf(i)
		in.SKUInput = SKUInput{SKU: fmt.Sprintf("P%06d", i), ProductName: "Producto", ProductType: "storable", Active: true,
			HasInventory: r.IntN(10) != 0, OnHand: r.NormFloat64()*50 + 40}
		if t == 0 || r.IntN(10) == 0 {
			in.HasSales = true
			in.Forecast = make([]ForecastPoint, horizon)
			for k := range in.Forecast {
				q := r.ExpFloat64() * 50
				in.Forecast[k] = ForecastPoint{Month: cur.Add(k), Quantity: q, Upper95: q * (1.2 + r.Float64())}
			}
			in.Backlog = float64(r.IntN(20))
			in.OpenOrders = []MonthQuantity{{cur, in.Backlog / 2}, {cur.Add(1), in.Backlog / 4}}
			in.ShippedThisMonth = float64(r.IntN(10))
		}
		if r.IntN(3) == 0 {
			in.Orderpoint = &Orderpoint{Min: float64(r.IntN(50)), Max: float64(50 + r.IntN(100)), Multiple: []float64{0, 1, 6, 12, 25}[r.IntN(5)]}
		}
		receipt := func() Receipt {
			return Receipt{Quantity: float64(1 + r.IntN(200)), Date: today.AddDate(0, 0, r.IntN(120)-20)}
		}
		if t < 3 {
			in.ManufactureDays = r.IntN(30)
			for range 1 + r.IntN(3) + min(1, 2-t) {
				ct := t + 1
				if t < 2 && r.IntN(4) == 0 {
					ct++ // now and then a component from two tiers down, as a screw in a finished product
				}
				in.Components = append(in.Components, Component{SKU: pick(ct), PerUnit: float64(1 + r.IntN(4))})
			}
			if r.IntN(4) == 0 {
				in.Production = []Receipt{receipt()}
			}
		} else {
			in.Supplier = &Supplier{DelayDays: r.IntN(45), MinQty: float64(r.IntN(3) * 50)}
			if r.IntN(3) == 0 {
				in.Purchases = []Receipt{receipt(), receipt()}
			}
		}
	}
	return inputs
}

// BenchmarkComputeNet plans 100,000 products with BoMs three levels deep over 12 months (1.2 million rows) and
// reports seconds per run, the peak heap in use (sampled every 10 ms) and the heap the inputs and the rows hold.
// Run by hand, once per process (with more runs, a run's rows are garbage the next run's peak includes):
//
//	go test -run '^$' -bench BenchmarkComputeNet -benchtime 1x ./internal/plan
func BenchmarkComputeNet(b *testing.B) {
	today := time.Date(2026, time.January, 15, 0, 0, 0, 0, time.UTC)
	inputs := benchNetInputs(100_000, today, 12)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := heapPeak()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var rows []NetRow
	for b.Loop() {
		rows = nil // the previous run's rows are garbage, as they would be in a process planning once
		var err error
		if rows, err = ComputeNet(inputs, NetParams{Today: today, Horizon: 12}, Config{}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start).Seconds() / float64(b.N)
	top := stop()
	runtime.GC()
	var live runtime.MemStats
	runtime.ReadMemStats(&live) // the inputs and the last run's rows
	levels := map[int]int{}
	planned := 0
	for _, r := range rows {
		levels[r.Level]++
		if r.PlannedQuantity > 0 {
			planned++
		}
	}
	b.ReportMetric(elapsed, "s/run")
	b.ReportMetric(float64(top)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "inputs-heap-MiB")
	b.ReportMetric(float64(live.HeapInuse)/(1<<20), "live-heap-MiB")
	b.Logf("100k products x 12 months: %d rows (%d with a planned quantity), rows by level %v: %.2f s per run, peak heap %.0f MiB (inputs %.0f MiB, inputs and rows %.0f MiB)",
		len(rows), planned, levels, elapsed, float64(top)/(1<<20), float64(base.HeapInuse)/(1<<20), float64(live.HeapInuse)/(1<<20))
}

// heapPeak samples the heap in use every 10 ms until the function it returns is called, which returns the
// highest sample.
func heapPeak() func() uint64 {
	var top uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			top = max(top, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait() // top is read after the sampler's last write
		return top
	}
}
