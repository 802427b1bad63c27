package plan

import (
	"slices"
	"testing"
	"time"
)

// workedExample is the net plan's worked example of docs/planning.md ("Net requirements: a worked example"):
// a table (MESA) made of a top (TABLERO) and four legs (PATA), the top made of three slats (LISTON); an open
// manufacturing order of tables, a partly received purchase order of slats, an orderpoint on the tops. Planned
// on 2026-01-15 over January to March at a 50% service level (no safety stock).
func workedExample() ([]NetInput, NetParams, Config) {
	dec, jan, feb, mar := m(2025, time.December), m(2026, time.January), m(2026, time.February), m(2026, time.March)
	day := func(mo time.Month, d int) time.Time { return time.Date(2026, mo, d, 0, 0, 0, 0, time.UTC) }
	inputs := []NetInput{
		{
			SKUInput: SKUInput{SKU: "MESA", ProductName: "Mesa", ProductType: "storable", Active: true, HasSales: true,
				Forecast:     []ForecastPoint{fp(jan, 60, 80), fp(feb, 50, 70), fp(mar, 70, 90)},
				HasInventory: true, OnHand: 30, Backlog: 25},
			OpenOrders:       []MonthQuantity{{dec, 5}, {jan, 20}},
			ShippedThisMonth: 30,
			// A manufacturing order of 50 tables, 10 produced, planned to finish on January 25.
			Production:      []Receipt{{Quantity: 50 - 10, Date: day(time.January, 25)}},
			ManufactureDays: 10,
			Components:      []Component{{"TABLERO", 1}, {"PATA", 4}},
		},
		{
			SKUInput: SKUInput{SKU: "TABLERO", ProductName: "Tablero", ProductType: "storable", Active: true,
				HasInventory: true, OnHand: 5},
			ManufactureDays: 5,
			Orderpoint:      &Orderpoint{Min: 10, Max: 30, Multiple: 25},
			Components:      []Component{{"LISTON", 3}},
		},
		{
			SKUInput: SKUInput{SKU: "LISTON", ProductName: "Listón", ProductType: "storable", Active: true,
				HasInventory: true, OnHand: 50},
			// A purchase order line of 200 slats, 80 received, planned for January 10: late.
			Purchases: []Receipt{{Quantity: 200 - 80, Date: day(time.January, 10)}},
			Supplier:  &Supplier{DelayDays: 20, MinQty: 250},
		},
		{
			SKUInput: SKUInput{SKU: "PATA", ProductName: "Pata", ProductType: "storable", Active: true,
				HasInventory: true, OnHand: 100},
			Supplier: &Supplier{DelayDays: 14, MinQty: 50},
		},
	}
	return inputs, NetParams{Today: day(time.January, 15), Horizon: 3}, Config{ServiceLevel: 0.5}
}

// TestNetWorkedExample checks the worked example's hand computation (docs/planning.md), row by row.
func TestNetWorkedExample(t *testing.T) {
	t.Parallel()
	inputs, p, cfg := workedExample()
	rows, err := ComputeNet(inputs, p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	jan, feb, mar := m(2026, time.January), m(2026, time.February), m(2026, time.March)
	date := func(y int, mo time.Month, d int) time.Time { return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC) }
	type want struct {
		sku                                       string
		month                                     Month
		level                                     int
		demand, orders, comp, opening, prod, purc float64
		net, planned                              float64
		release                                   time.Time
		priority                                  string
		flags                                     []string
	}
	wants := []want{
		{"MESA", jan, 0, 30, 20, 0, 25, 40, 0, 0, 0, time.Time{}, Baja, []string{FlagSurplus}},
		{"MESA", feb, 0, 50, 0, 0, 35, 0, 0, 15, 15, date(2026, time.January, 22), Media, nil},
		{"MESA", mar, 0, 70, 0, 0, 0, 0, 0, 70, 70, date(2026, time.February, 19), Alta, nil},
		{"TABLERO", jan, 1, 0, 0, 15, 5, 0, 0, 10, 50, date(2025, time.December, 27), Alta, []string{FlagNoForecast, FlagLateRelease}},
		{"TABLERO", feb, 1, 0, 0, 70, 40, 0, 0, 30, 75, date(2026, time.January, 27), Media, []string{FlagNoForecast}},
		{"TABLERO", mar, 1, 0, 0, 0, 45, 0, 0, 0, 0, time.Time{}, Baja, []string{FlagNoForecast, FlagSurplus}},
		{"PATA", jan, 1, 0, 0, 60, 100, 0, 0, 0, 0, time.Time{}, Baja, []string{FlagNoForecast, FlagSurplus}},
		{"PATA", feb, 1, 0, 0, 280, 40, 0, 0, 240, 240, date(2026, time.January, 18), Alta, []string{FlagNoForecast}},
		{"PATA", mar, 1, 0, 0, 0, 0, 0, 0, 0, 0, time.Time{}, Baja, []string{FlagNoForecast}},
		{"LISTON", jan, 2, 0, 0, 375, 50, 0, 120, 205, 250, date(2025, time.December, 12), Alta, []string{FlagNoForecast, FlagLateSupply, FlagLateRelease}},
		{"LISTON", feb, 2, 0, 0, 0, 45, 0, 0, 0, 0, time.Time{}, Baja, []string{FlagNoForecast, FlagSurplus}},
		{"LISTON", mar, 2, 0, 0, 0, 45, 0, 0, 0, 0, time.Time{}, Baja, []string{FlagNoForecast, FlagSurplus}},
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d", len(rows), len(wants))
	}
	for _, w := range wants {
		i := slices.IndexFunc(rows, func(r NetRow) bool { return r.SKU == w.sku && r.Month == w.month })
		if i < 0 {
			t.Errorf("no row for %s %s", w.sku, w.month)
			continue
		}
		r := rows[i]
		got := []float64{r.Demand, r.OpenOrders, r.ComponentDemand, r.ProjectedOpening, r.IncomingProduction, r.IncomingPurchase, r.Recommended, r.PlannedQuantity}
		exp := []float64{w.demand, w.orders, w.comp, w.opening, w.prod, w.purc, w.net, w.planned}
		names := []string{"Demand", "OpenOrders", "ComponentDemand", "ProjectedOpening", "IncomingProduction", "IncomingPurchase", "net requirement", "PlannedQuantity"}
		for k := range got {
			if got[k] != exp[k] {
				t.Errorf("%s %s: %s = %v, want %v", w.sku, w.month, names[k], got[k], exp[k])
			}
		}
		if !r.ReleaseDate.Equal(w.release) {
			t.Errorf("%s %s: ReleaseDate = %s, want %s", w.sku, w.month, r.ReleaseDate, w.release)
		}
		if r.Priority != w.priority || r.Level != w.level {
			t.Errorf("%s %s: priority %s level %d, want %s level %d (%s)", w.sku, w.month, r.Priority, r.Level, w.priority, w.level, r.Reason)
		}
		if !slices.Equal(r.Flags, w.flags) {
			t.Errorf("%s %s: flags %v, want %v", w.sku, w.month, r.Flags, w.flags)
		}
	}
	// The actions and lead times, and the closing stock that carries into the next month.
	for _, r := range rows {
		action := map[string]string{"MESA": ActionProduce, "TABLERO": ActionProduce, "LISTON": ActionBuy, "PATA": ActionBuy}[r.SKU]
		lead := map[string]int{"MESA": 10, "TABLERO": 5, "LISTON": 20, "PATA": 14}[r.SKU]
		if r.Action != action || r.LeadTimeDays != lead {
			t.Errorf("%s: action %s lead %d, want %s %d", r.SKU, r.Action, r.LeadTimeDays, action, lead)
		}
	}
}
