package plan_test

import (
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
)

// The worked example of the package documentation.
func ExampleCompute() {
	jan := plan.Month{Year: 2026, Month: time.January}
	inputs := []plan.SKUInput{{
		SKU: "MESA-01", ProductName: "Mesa", ProductType: "storable", Active: true, HasSales: true,
		Forecast: []plan.ForecastPoint{
			{Month: jan, Quantity: 100, Upper95: 139.2},
			{Month: jan.Add(1), Quantity: 80, Upper95: 130},
			{Month: jan.Add(2), Quantity: 120, Upper95: 180},
		},
		HasInventory: true, OnHand: 60, Backlog: 10,
	}}
	rows, err := plan.Compute(inputs, []plan.Month{jan}, plan.Config{})
	if err != nil {
		panic(err)
	}
	r := rows[0]
	fmt.Printf("%s %s forecast=%g inventory=%g needed=%g safety=%.1f backlog=%g recommended=%.1f coverage=%.2f stockout=%s %s\n",
		r.SKU, r.Month, r.Forecast, r.Inventory, r.ProductionNeeded, r.SafetyStock, r.Backlog, r.Recommended,
		*r.CoverageMonths, r.StockoutMonth, r.Priority)
	// Output:
	// MESA-01 2026-01 forecast=100 inventory=60 needed=40 safety=32.9 backlog=10 recommended=82.9 coverage=0.60 stockout=2026-01 MEDIA
}
