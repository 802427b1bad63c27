package plan

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func benchInputs(n, horizon int) []SKUInput {
	r := rand.New(rand.NewPCG(1, 2))
	start := m(2026, time.January)
	inputs := make([]SKUInput, n)
	for i := range inputs {
		fc := make([]ForecastPoint, horizon)
		for k := range fc {
			q := r.ExpFloat64() * 50
			fc[k] = ForecastPoint{Month: start.Add(k), Quantity: q, Upper95: q * (1.2 + r.Float64())}
		}
		inputs[i] = SKUInput{SKU: fmt.Sprintf("SKU-%06d", i), ProductName: "Producto", ProductType: "storable",
			Active: true, HasSales: true, Forecast: fc, HasInventory: r.IntN(10) != 0, OnHand: r.NormFloat64()*50 + 40,
			Backlog: float64(r.IntN(20))}
	}
	return inputs
}

// BenchmarkCompute plans 100k SKUs (12-month forecasts) for one month.
func BenchmarkCompute(b *testing.B) {
	inputs := benchInputs(100_000, 12)
	months := []Month{m(2026, time.January)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(inputs, months, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeRange plans 100k SKUs for a 6-month range.
func BenchmarkComputeRange(b *testing.B) {
	inputs := benchInputs(100_000, 12)
	months, _ := MonthRange(m(2026, time.January), m(2026, time.June))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(inputs, months, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
