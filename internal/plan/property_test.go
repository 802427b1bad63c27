package plan

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// adversarial returns a quantity drawn from edge values and random magnitudes.
func adversarial(r *rand.Rand) float64 {
	edges := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 5e-324, -5e-324, 1e-9, 1, -1,
		MaxQuantity, -MaxQuantity, MaxQuantity / 3, math.Nextafter(MaxQuantity, 0), 0.5, 1e15 - 1}
	if r.IntN(3) == 0 {
		return max(-MaxQuantity, min(MaxQuantity, r.NormFloat64()*math.Pow(10, float64(r.IntN(16)))))
	}
	return edges[r.IntN(len(edges))]
}

func randomInput(r *rand.Rand, sku string, base Month) SKUInput {
	in := SKUInput{
		SKU:          sku,
		ProductType:  []string{"storable", "consumable", "", "service", "combo"}[r.IntN(5)],
		Active:       r.IntN(4) != 0,
		HasSales:     r.IntN(3) != 0,
		HasInventory: r.IntN(4) != 0,
		OnHand:       adversarial(r),
		Backlog:      math.Abs(adversarial(r)),
	}
	if !in.HasInventory && r.IntN(2) == 0 {
		in.OnHand = math.NaN() // ignored without an inventory record
	}
	mo := base.Add(r.IntN(7) - 3)
	for range r.IntN(14) {
		mo = mo.Add(1 + r.IntN(2)*r.IntN(3)) // mostly consecutive, sometimes gaps
		in.Forecast = append(in.Forecast, ForecastPoint{Month: mo, Quantity: adversarial(r), Upper95: adversarial(r)})
	}
	return in
}

// TestComputeProperties runs Compute on adversarial inputs and configurations and checks that no output is NaN
// or infinite and that the documented relations between columns hold.
func TestComputeProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	base := m(2025, time.November)
	for iter := range 300 {
		inputs := make([]SKUInput, 1+r.IntN(20))
		for i := range inputs {
			inputs[i] = randomInput(r, string(rune('a'+i)), base)
		}
		var months []Month
		for range 1 + r.IntN(5) {
			months = append(months, base.Add(r.IntN(20)-4))
		}
		cfg := Config{
			ServiceLevel:    []float64{0, 0.5, 0.999, 0.8, 0.975}[r.IntN(5)],
			AltaCoverage:    []float64{0, 1e-12, 0.5, 1, MaxCoverage}[r.IntN(5)],
			CoverageHorizon: r.IntN(4),
		}
		cfg.MediaCoverage = min(MaxCoverage, cfg.WithDefaults().AltaCoverage*[]float64{1, 1.5, 1e8}[r.IntN(3)])
		media := cfg.WithDefaults().MediaCoverage
		rows, err := Compute(inputs, months, cfg)
		if err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
		}
		slices.SortFunc(months, func(a, b Month) int { return a.Sub(b) })
		months = slices.Compact(months)
		included := 0
		for _, in := range inputs {
			if ex, _ := Excluded(in); !ex {
				included++
			}
		}
		if len(rows) != included*len(months) {
			t.Fatalf("iteration %d: %d rows, want %d SKUs x %d months", iter, len(rows), included, len(months))
		}
		for i, row := range rows {
			vals := []float64{row.Forecast, row.Inventory, row.ProductionNeeded, row.SafetyStock, row.Backlog,
				row.ProjectedOpening, row.Recommended}
			if row.CoverageMonths != nil {
				vals = append(vals, *row.CoverageMonths)
			}
			for _, v := range vals {
				if !finite(v) {
					t.Fatalf("iteration %d: non-finite value in %+v", iter, row)
				}
			}
			if row.Forecast < 0 || row.SafetyStock < 0 || row.Recommended < 0 {
				t.Fatalf("iteration %d: negative forecast, safety stock or recommendation in %+v", iter, row)
			}
			if row.ProductionNeeded != row.Forecast-row.Inventory {
				t.Fatalf("iteration %d: ProductionNeeded != Forecast - Inventory in %+v", iter, row)
			}
			if row.Recommended != max(0, max(row.Forecast+row.SafetyStock, media*row.Forecast)-row.ProjectedOpening) {
				t.Fatalf("iteration %d: Recommended formula broken in %+v", iter, row)
			}
			// The documented rule: ALTA or MEDIA exactly when there is something to produce.
			if (row.Priority != Baja) != (row.Recommended > 0) {
				t.Fatalf("iteration %d: priority %s with recommended %v in %+v", iter, row.Priority, row.Recommended, row)
			}
			if slices.Contains(row.Flags, FlagSurplus) && row.Priority != Baja {
				t.Fatalf("iteration %d: %s and surplus at once in %+v", iter, row.Priority, row)
			}
			if row.CoverageMonths != nil && !(*row.CoverageMonths >= 0) {
				t.Fatalf("iteration %d: negative coverage in %+v", iter, row)
			}
			if row.StockoutMonth != nil && row.StockoutMonth.Before(row.Month) {
				t.Fatalf("iteration %d: stock-out before the target month in %+v", iter, row)
			}
			if PriorityOf(row, cfg) != row.Priority {
				t.Fatalf("iteration %d: PriorityOf disagrees with %+v", iter, row)
			}
			if i > 0 && compareRows(rows[i-1], row) > 0 {
				t.Fatalf("iteration %d: rows out of order at %d", iter, i)
			}
		}
	}
}

// FuzzCompute checks, on fuzzed quantities, that Compute either refuses the input or returns only finite numbers.
// Run by hand: go test -fuzz FuzzCompute -fuzztime 1m ./internal/plan
func FuzzCompute(f *testing.F) {
	f.Add(60.0, 10.0, 100.0, 139.2, 80.0, 90.0, 0.95, 0.5, 1.0)
	f.Add(-20.0, 0.0, 0.0, 0.0, 1e-300, 1e15, 0.5, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, onHand, backlog, q1, u1, q2, u2, sl, alta, media float64) {
		in := []SKUInput{{SKU: "f", Active: true, HasSales: true, HasInventory: true, OnHand: onHand, Backlog: backlog,
			Forecast: []ForecastPoint{fp(m(2025, time.December), q1, u1), fp(m(2026, time.January), q2, u2)}}}
		rows, err := Compute(in, []Month{m(2025, time.December), m(2026, time.January)}, Config{ServiceLevel: sl, AltaCoverage: alta, MediaCoverage: media})
		if err != nil {
			return
		}
		for _, row := range rows {
			for _, v := range []float64{row.ProductionNeeded, row.SafetyStock, row.ProjectedOpening, row.Recommended} {
				if !finite(v) {
					t.Fatalf("non-finite value in %+v", row)
				}
			}
			if row.CoverageMonths != nil && !finite(*row.CoverageMonths) {
				t.Fatalf("non-finite coverage in %+v", row)
			}
		}
	})
}
