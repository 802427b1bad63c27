package plan

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// zFor95 is the one-sided standard normal quantile of 0.95, written out so the tests don't reuse the code's
// computation of it.
const zFor95 = 1.6448536269514722

func m(y int, mo time.Month) Month { return Month{Year: y, Month: mo} }

func fp(mo Month, q, upper float64) ForecastPoint {
	return ForecastPoint{Month: mo, Quantity: q, Upper95: upper}
}

func ptr[T any](v T) *T { return &v }

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// checkRow compares every column of got with want.
func checkRow(t *testing.T, name string, got, want Row) {
	t.Helper()
	if got.SKU != want.SKU || got.ProductName != want.ProductName || got.Month != want.Month {
		t.Errorf("%s: identity = %q %q %s, want %q %q %s", name, got.SKU, got.ProductName, got.Month, want.SKU, want.ProductName, want.Month)
	}
	nums := []struct {
		col       string
		got, want float64
	}{
		{"Forecast", got.Forecast, want.Forecast},
		{"Inventory", got.Inventory, want.Inventory},
		{"ProductionNeeded", got.ProductionNeeded, want.ProductionNeeded},
		{"SafetyStock", got.SafetyStock, want.SafetyStock},
		{"Backlog", got.Backlog, want.Backlog},
		{"ProjectedOpening", got.ProjectedOpening, want.ProjectedOpening},
		{"Recommended", got.Recommended, want.Recommended},
	}
	for _, n := range nums {
		if !near(n.got, n.want) {
			t.Errorf("%s: %s = %v, want %v", name, n.col, n.got, n.want)
		}
	}
	switch {
	case (got.CoverageMonths == nil) != (want.CoverageMonths == nil):
		t.Errorf("%s: CoverageMonths = %v, want %v", name, fmtPtr(got.CoverageMonths), fmtPtr(want.CoverageMonths))
	case got.CoverageMonths != nil && !near(*got.CoverageMonths, *want.CoverageMonths):
		t.Errorf("%s: CoverageMonths = %v, want %v", name, *got.CoverageMonths, *want.CoverageMonths)
	}
	switch {
	case (got.StockoutMonth == nil) != (want.StockoutMonth == nil):
		t.Errorf("%s: StockoutMonth = %v, want %v", name, fmtPtr(got.StockoutMonth), fmtPtr(want.StockoutMonth))
	case got.StockoutMonth != nil && *got.StockoutMonth != *want.StockoutMonth:
		t.Errorf("%s: StockoutMonth = %s, want %s", name, *got.StockoutMonth, *want.StockoutMonth)
	}
	if got.Priority != want.Priority {
		t.Errorf("%s: Priority = %s (%s), want %s", name, got.Priority, got.Reason, want.Priority)
	}
	if got.Reason == "" {
		t.Errorf("%s: empty Reason", name)
	}
	if !slices.Equal(got.Flags, want.Flags) {
		t.Errorf("%s: Flags = %v, want %v", name, got.Flags, want.Flags)
	}
}

func fmtPtr[T any](p *T) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func TestComputeColumns(t *testing.T) {
	t.Parallel()
	jan, feb, mar := m(2026, time.January), m(2026, time.February), m(2026, time.March)
	ssOf := func(q, upper float64) float64 { return zFor95 * (upper - q) / 1.959963984540054 }
	tests := []struct {
		name string
		in   SKUInput
		want Row
	}{
		{
			// The package documentation's worked example: available stock exactly half the forecast is MEDIA.
			name: "worked example",
			in: SKUInput{SKU: "MESA-01", ProductName: "Mesa", ProductType: "storable", Active: true, HasSales: true,
				Forecast:     []ForecastPoint{fp(jan, 100, 139.2), fp(feb, 80, 130), fp(mar, 120, 180)},
				HasInventory: true, OnHand: 60, Backlog: 10},
			want: Row{SKU: "MESA-01", ProductName: "Mesa", Month: jan, Forecast: 100, Inventory: 60, ProductionNeeded: 40,
				SafetyStock: ssOf(100, 139.2), Backlog: 10, ProjectedOpening: 50, Recommended: 100 + ssOf(100, 139.2) + 10 - 60,
				CoverageMonths: ptr(60.0 / 100), StockoutMonth: ptr(jan), Priority: Media},
		},
		{
			name: "just below half is ALTA",
			in: SKUInput{SKU: "A", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 100, 100)},
				HasInventory: true, OnHand: 59, Backlog: 10},
			want: Row{SKU: "A", Month: jan, Forecast: 100, Inventory: 59, ProductionNeeded: 41, Backlog: 10,
				ProjectedOpening: 49, Recommended: 51, CoverageMonths: ptr(0.59), StockoutMonth: ptr(jan), Priority: Alta},
		},
		{
			name: "covered exactly without safety stock is BAJA, no stock-out at zero",
			in: SKUInput{SKU: "A", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 100, 100), fp(feb, 50, 50)},
				HasInventory: true, OnHand: 150},
			want: Row{SKU: "A", Month: jan, Forecast: 100, Inventory: 150, ProductionNeeded: -50,
				ProjectedOpening: 150, Recommended: 0, CoverageMonths: ptr(2.0), Priority: Baja, Flags: []string{FlagSurplus}},
		},
		{
			name: "covered but safety stock is not: MEDIA",
			in: SKUInput{SKU: "A", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 100, 139.2)},
				HasInventory: true, OnHand: 100},
			want: Row{SKU: "A", Month: jan, Forecast: 100, Inventory: 100, ProductionNeeded: 0, SafetyStock: ssOf(100, 139.2),
				ProjectedOpening: 100, Recommended: ssOf(100, 139.2), CoverageMonths: ptr(1.0), Priority: Media},
		},
		{
			name: "negative inventory",
			in: SKUInput{SKU: "NEG", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 30, 30)},
				HasInventory: true, OnHand: -20},
			want: Row{SKU: "NEG", Month: jan, Forecast: 30, Inventory: -20, ProductionNeeded: 50, ProjectedOpening: -20,
				Recommended: 50, CoverageMonths: ptr(0.0), StockoutMonth: ptr(jan), Priority: Alta,
				Flags: []string{FlagNegativeInventory}},
		},
		{
			name: "negative inventory and zero forecast is still ALTA",
			in: SKUInput{SKU: "NEG0", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 0, 0)},
				HasInventory: true, OnHand: -5},
			want: Row{SKU: "NEG0", Month: jan, Inventory: -5, ProductionNeeded: 5, ProjectedOpening: -5,
				Recommended: 5, StockoutMonth: ptr(jan), Priority: Alta, Flags: []string{FlagNegativeInventory}},
		},
		{
			name: "zero forecast with stock: surplus, infinite coverage",
			in: SKUInput{SKU: "Z", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 0, 0), fp(feb, 0, 0)},
				HasInventory: true, OnHand: 10},
			want: Row{SKU: "Z", Month: jan, Inventory: 10, ProductionNeeded: -10, ProjectedOpening: 10,
				Priority: Baja, Flags: []string{FlagSurplus}},
		},
		{
			name: "zero forecast, backlog exceeds stock",
			in: SKUInput{SKU: "Z", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 0, 0)},
				HasInventory: true, OnHand: 3, Backlog: 5},
			want: Row{SKU: "Z", Month: jan, Inventory: 3, ProductionNeeded: -3, Backlog: 5, ProjectedOpening: -2,
				Recommended: 2, StockoutMonth: ptr(jan), Priority: Alta},
		},
		{
			name: "zero forecast, safety stock not covered: MEDIA",
			in: SKUInput{SKU: "Z", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 0, 3)},
				HasInventory: true, OnHand: 10, Backlog: 9},
			want: Row{SKU: "Z", Month: jan, Inventory: 10, ProductionNeeded: -10, SafetyStock: ssOf(0, 3), Backlog: 9,
				ProjectedOpening: 1, Recommended: ssOf(0, 3) - 1, Priority: Media},
		},
		{
			// More on hand than the month's forecast (production_needed < 0), but the backlog takes most of it:
			// something to produce, urgently, and not a surplus.
			name: "stock above the forecast, eaten by the backlog: ALTA, not surplus",
			in: SKUInput{SKU: "BK", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 30, 30)},
				HasInventory: true, OnHand: 40, Backlog: 35},
			want: Row{SKU: "BK", Month: jan, Forecast: 30, Inventory: 40, ProductionNeeded: -10, Backlog: 35,
				ProjectedOpening: 5, Recommended: 25, CoverageMonths: ptr(40.0 / 30), StockoutMonth: ptr(jan), Priority: Alta},
		},
		{
			name: "missing inventory record: flagged, inventory 0",
			in: SKUInput{SKU: "NOINV", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, 40, 40), fp(feb, 20, 20)},
				OnHand: 999},
			want: Row{SKU: "NOINV", Month: jan, Forecast: 40, ProductionNeeded: 40, Recommended: 40,
				CoverageMonths: ptr(0.0), StockoutMonth: ptr(jan), Priority: Alta, Flags: []string{FlagNoInventoryRecord}},
		},
		{
			name: "missing forecast: listed as surplus",
			in:   SKUInput{SKU: "NOFC", Active: true, HasInventory: true, OnHand: 25},
			want: Row{SKU: "NOFC", Month: jan, Inventory: 25, ProductionNeeded: -25, ProjectedOpening: 25,
				Priority: Baja, Flags: []string{FlagNoForecast, FlagSurplus}},
		},
		{
			name: "missing forecast and inventory, with backlog",
			in:   SKUInput{SKU: "NOTHING", Active: true, HasSales: true, Backlog: 4},
			want: Row{SKU: "NOTHING", Month: jan, Backlog: 4, ProjectedOpening: -4, Recommended: 4,
				StockoutMonth: ptr(jan), Priority: Alta, Flags: []string{FlagNoInventoryRecord, FlagNoForecast}},
		},
		{
			name: "target month before the forecast starts",
			in: SKUInput{SKU: "LATE", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(feb, 30, 30), fp(mar, 30, 30)},
				HasInventory: true, OnHand: 50},
			want: Row{SKU: "LATE", Month: jan, Inventory: 50, ProductionNeeded: -50, ProjectedOpening: 50,
				CoverageMonths: ptr(50.0 / 30), StockoutMonth: ptr(mar), Priority: Baja,
				Flags: []string{FlagMonthOutsideForecast, FlagSurplus}},
		},
		{
			name: "negative point forecast is taken as zero",
			in: SKUInput{SKU: "NEGFC", Active: true, HasSales: true, Forecast: []ForecastPoint{fp(jan, -4, 0)},
				HasInventory: true, OnHand: 0},
			want: Row{SKU: "NEGFC", Month: jan, SafetyStock: ssOf(-4, 0), Recommended: ssOf(-4, 0), Priority: Media},
		},
		{
			name: "archived with sales is kept and flagged; interval below the forecast gives no safety stock",
			in: SKUInput{SKU: "OLD", Active: false, HasSales: true, Forecast: []ForecastPoint{fp(jan, 10, 5)},
				HasInventory: true, OnHand: 4},
			want: Row{SKU: "OLD", Month: jan, Forecast: 10, Inventory: 4, ProductionNeeded: 6, ProjectedOpening: 4,
				Recommended: 6, CoverageMonths: ptr(0.4), StockoutMonth: ptr(jan), Priority: Alta,
				Flags: []string{FlagArchived, FlagNoInterval}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := Compute([]SKUInput{tt.in}, []Month{jan}, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(rows))
			}
			checkRow(t, tt.name, rows[0], tt.want)
			if p := PriorityOf(rows[0], Config{}); p != rows[0].Priority {
				t.Errorf("PriorityOf = %s, row says %s", p, rows[0].Priority)
			}
		})
	}
}

func TestPriorityBoundaries(t *testing.T) {
	t.Parallel()
	custom := Config{AltaCoverage: 0.3, MediaCoverage: 1.5}
	tests := []struct {
		name       string
		f, a, rec  float64
		cfg        Config
		want       string
		wantReason string
	}{
		{"far below half", 100, 10, 90, Config{}, Alta, "ALTA share"},
		{"just below half", 100, 49.999, 50.001, Config{}, Alta, "ALTA share"},
		{"exactly half", 100, 50, 50, Config{}, Media, "MEDIA share"},
		{"just above half", 100, 50.001, 49.999, Config{}, Media, ""},
		{"just below the forecast", 100, 99.999, 0.001, Config{}, Media, ""},
		{"exactly the forecast, nothing recommended", 100, 100, 0, Config{}, Baja, "nothing"},
		{"exactly the forecast, safety stock to build", 100, 100, 20, Config{}, Media, "safety stock"},
		{"above the forecast", 100, 100.001, 0, Config{}, Baja, ""},
		{"zero forecast, zero stock", 0, 0, 0, Config{}, Baja, ""},
		{"zero forecast, just short", 0, -0.001, 0.001, Config{}, Alta, "already short"},
		{"zero forecast, something to build", 0, 0, 1, Config{}, Media, ""},
		{"negative stock", 100, -1, 101, Config{}, Alta, "already short"},
		{"custom: just below ALTA", 100, 29.999, 70.001, custom, Alta, "ALTA share"},
		{"custom: exactly ALTA", 100, 30, 70, custom, Media, ""},
		{"custom: just below MEDIA", 100, 149.999, 0.001, custom, Media, "MEDIA share"},
		{"custom: exactly MEDIA", 100, 150, 0, custom, Baja, ""},
		// Rows Compute cannot produce (Recommended disagrees with the stock): nothing to produce is BAJA anyway.
		{"below ALTA, nothing recommended", 100, 10, 0, Config{}, Baja, "nothing"},
		{"short, nothing recommended", 100, -1, 0, Config{}, Baja, "nothing"},
	}
	for _, tt := range tests {
		r := Row{Forecast: tt.f, ProjectedOpening: tt.a, Recommended: tt.rec}
		if got := PriorityOf(r, tt.cfg); got != tt.want {
			t.Errorf("%s: PriorityOf = %s, want %s", tt.name, got, tt.want)
		}
		if _, reason := rule(r, tt.cfg.WithDefaults()); !strings.Contains(reason, tt.wantReason) {
			t.Errorf("%s: reason %q lacks %q", tt.name, reason, tt.wantReason)
		}
	}
}

// TestComputeMediaMargin: a MEDIA coverage above 1 is a stock target, so a SKU below it has something to produce
// (MEDIA), and one above it has nothing (BAJA), never MEDIA with nothing recommended.
func TestComputeMediaMargin(t *testing.T) {
	t.Parallel()
	jan := m(2026, time.January)
	cfg := Config{MediaCoverage: 1.5}
	one := func(onHand float64) SKUInput {
		return SKUInput{SKU: "S", Active: true, HasSales: true, HasInventory: true, OnHand: onHand,
			Forecast: []ForecastPoint{fp(jan, 100, 100)}}
	}
	for _, tt := range []struct {
		onHand float64
		want   Row
	}{
		{120, Row{SKU: "S", Month: jan, Forecast: 100, Inventory: 120, ProductionNeeded: -20, ProjectedOpening: 120,
			Recommended: 30, CoverageMonths: ptr(1.2), Priority: Media}},
		{150, Row{SKU: "S", Month: jan, Forecast: 100, Inventory: 150, ProductionNeeded: -50, ProjectedOpening: 150,
			CoverageMonths: ptr(1.5), Priority: Baja}},
		{160, Row{SKU: "S", Month: jan, Forecast: 100, Inventory: 160, ProductionNeeded: -60, ProjectedOpening: 160,
			CoverageMonths: ptr(1.6), Priority: Baja, Flags: []string{FlagSurplus}}},
	} {
		rows, err := Compute([]SKUInput{one(tt.onHand)}, []Month{jan}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkRow(t, fmt.Sprintf("on hand %g", tt.onHand), rows[0], tt.want)
	}
}

// TestComputeRangeAcrossYear plans three months across a year boundary: ProductionNeeded uses today's
// inventory for each month, Recommended carries the projected stock over.
func TestComputeRangeAcrossYear(t *testing.T) {
	t.Parallel()
	nov, dec, jan, feb, mar := m(2025, time.November), m(2025, time.December), m(2026, time.January), m(2026, time.February), m(2026, time.March)
	in := SKUInput{SKU: "S", Active: true, HasSales: true, HasInventory: true, OnHand: 100,
		Forecast: []ForecastPoint{fp(nov, 30, 30), fp(dec, 40, 40), fp(jan, 50, 50), fp(feb, 60, 60), fp(mar, 70, 70)}}
	// Months out of order and repeated: sorted and deduplicated.
	rows, err := Compute([]SKUInput{in}, []Month{feb, dec, jan, dec}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Nov consumes 30 -> 70 available in Dec; Dec needs nothing and leaves 30; Jan needs 20 and leaves 0;
	// Feb needs 60. Without production the stock runs out in January (100-30-40-50 < 0).
	want := []Row{
		{SKU: "S", Month: feb, Forecast: 60, Inventory: 100, ProductionNeeded: -40, ProjectedOpening: 0, Recommended: 60,
			CoverageMonths: ptr(100.0 / 65), StockoutMonth: ptr(feb), Priority: Alta},
		{SKU: "S", Month: jan, Forecast: 50, Inventory: 100, ProductionNeeded: -50, ProjectedOpening: 30, Recommended: 20,
			CoverageMonths: ptr(100.0 / 60), StockoutMonth: ptr(jan), Priority: Media},
		{SKU: "S", Month: dec, Forecast: 40, Inventory: 100, ProductionNeeded: -60, ProjectedOpening: 70, Recommended: 0,
			CoverageMonths: ptr(100.0 / 55), StockoutMonth: ptr(jan), Priority: Baja, Flags: []string{FlagSurplus}},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		checkRow(t, want[i].Month.String(), rows[i], want[i])
	}

	// Coverage horizon of 2 months: Dec averages Dec and Jan.
	rows, err = Compute([]SKUInput{in}, []Month{dec}, Config{CoverageHorizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c := rows[0].CoverageMonths; c == nil || !near(*c, 100.0/45) {
		t.Errorf("coverage with a 2-month horizon = %v, want %v", fmtPtr(c), 100.0/45)
	}

	// A target month past the forecast: no forecast, but the stock has already run out.
	rows, err = Compute([]SKUInput{in}, []Month{m(2026, time.June)}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	checkRow(t, "after the forecast", rows[0], Row{SKU: "S", Month: m(2026, time.June), Inventory: 100, ProductionNeeded: -100,
		ProjectedOpening: -150, Recommended: 150, StockoutMonth: ptr(m(2026, time.June)), Priority: Alta,
		Flags: []string{FlagMonthOutsideForecast}})
}

// TestComputeRangeSafetyStockCarriesOver: safety stock built for one month is not asked for again the next.
func TestComputeRangeSafetyStockCarriesOver(t *testing.T) {
	t.Parallel()
	dec, jan := m(2025, time.December), m(2026, time.January)
	ssDec := zFor95 * 10 / 1.959963984540054
	ssJan := zFor95 * 15 / 1.959963984540054
	in := SKUInput{SKU: "S", Active: true, HasSales: true, HasInventory: true, OnHand: 0,
		Forecast: []ForecastPoint{fp(dec, 40, 50), fp(jan, 50, 65)}}
	rows, err := Compute([]SKUInput{in}, []Month{dec, jan}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	byMonth := map[Month]Row{}
	for _, r := range rows {
		byMonth[r.Month] = r
	}
	checkRow(t, "dec", byMonth[dec], Row{SKU: "S", Month: dec, Forecast: 40, ProductionNeeded: 40, SafetyStock: ssDec,
		ProjectedOpening: 0, Recommended: 40 + ssDec, CoverageMonths: ptr(0.0), StockoutMonth: ptr(dec), Priority: Alta})
	checkRow(t, "jan", byMonth[jan], Row{SKU: "S", Month: jan, Forecast: 50, ProductionNeeded: 50, SafetyStock: ssJan,
		ProjectedOpening: ssDec, Recommended: 50 + ssJan - ssDec, CoverageMonths: ptr(0.0), StockoutMonth: ptr(jan), Priority: Alta})
	total := byMonth[dec].Recommended + byMonth[jan].Recommended
	if !near(total, 40+50+ssJan) {
		t.Errorf("total recommended = %v, want both months' demand plus the last safety stock %v", total, 40+50+ssJan)
	}
}

func TestComputeExclusion(t *testing.T) {
	t.Parallel()
	fc := []ForecastPoint{fp(m(2026, time.January), 5, 5)}
	inputs := []SKUInput{
		{SKU: "service", ProductType: "service", Active: true, HasSales: true, Forecast: fc},
		{SKU: "service-spaced", ProductType: " Service ", Active: true, HasSales: true, Forecast: fc},
		{SKU: "combo", ProductType: "combo", Active: true, HasSales: true, Forecast: fc},
		{SKU: "archived-unsold", ProductType: "storable", Active: false, HasSales: false, HasInventory: true, OnHand: 3},
		{SKU: "archived-service-sold", ProductType: "service", Active: false, HasSales: true, Forecast: fc},
		{SKU: "archived-sold", ProductType: "storable", Active: false, HasSales: true, Forecast: fc},
		{SKU: "consumable", ProductType: "consumable", Active: true, HasSales: true, Forecast: fc},
		{SKU: "unknown-type", ProductType: "", Active: true, HasSales: true, Forecast: fc},
		{SKU: "active-unsold", ProductType: "storable", Active: true, HasInventory: true, OnHand: 1},
	}
	rows, err := Compute(inputs, []Month{m(2026, time.January)}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.SKU)
	}
	slices.Sort(got)
	want := []string{"active-unsold", "archived-sold", "consumable", "unknown-type"}
	if !slices.Equal(got, want) {
		t.Errorf("planned SKUs = %v, want %v", got, want)
	}
	for _, in := range inputs {
		ex, why := Excluded(in)
		if ex != !slices.Contains(want, in.SKU) {
			t.Errorf("Excluded(%s) = %v", in.SKU, ex)
		}
		if ex && why == "" {
			t.Errorf("Excluded(%s): no reason", in.SKU)
		}
	}
}

func TestComputeOrder(t *testing.T) {
	t.Parallel()
	jan := m(2026, time.January)
	one := func(sku string, f, onHand float64) SKUInput {
		return SKUInput{SKU: sku, Active: true, HasSales: true, HasInventory: true, OnHand: onHand,
			Forecast: []ForecastPoint{fp(jan, f, f)}}
	}
	inputs := []SKUInput{
		one("baja-big-surplus", 10, 100),  // BAJA, needed -90
		one("media-10", 100, 90),          // MEDIA, needed 10
		one("alta-b", 100, 0),             // ALTA, needed 100
		one("baja-small-surplus", 10, 20), // BAJA, needed -10
		one("alta-a", 100, 0),             // ALTA, needed 100 (tie: by SKU)
		one("media-40", 100, 60),          // MEDIA, needed 40
		one("alta-300", 400, 100),         // ALTA, needed 300
	}
	rows, err := Compute(inputs, []Month{jan}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.SKU)
	}
	want := []string{"alta-300", "alta-a", "alta-b", "media-40", "media-10", "baja-small-surplus", "baja-big-surplus"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

// TestComputeFlagsDoNotAlias: rows share one backing array for flags; appending to one row's flags must not
// change another's.
func TestComputeFlagsDoNotAlias(t *testing.T) {
	t.Parallel()
	inputs := []SKUInput{
		{SKU: "a", Active: true, HasSales: true},
		{SKU: "b", Active: true, HasSales: true},
	}
	rows, err := Compute(inputs, []Month{m(2026, time.January)}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(rows[1].Flags)
	rows[0].Flags = append(rows[0].Flags, "extra")
	if !slices.Equal(rows[1].Flags, before) {
		t.Errorf("appending to row 0's flags changed row 1's: %v -> %v", before, rows[1].Flags)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg     Config
		wantErr string // "" = valid
	}{
		{Config{}, ""},
		{Config{ServiceLevel: 0.5}, ""},
		{Config{ServiceLevel: 0.999}, ""},
		{Config{ServiceLevel: 0.4999}, "between 0.5 and 0.999"},
		{Config{ServiceLevel: 0.9991}, "between 0.5 and 0.999"},
		{Config{ServiceLevel: 1}, "between 0.5 and 0.999"},
		{Config{ServiceLevel: -0.95}, "between 0.5 and 0.999"},
		{Config{ServiceLevel: 95}, "did you mean 0.95?"},
		{Config{ServiceLevel: math.NaN()}, "service level NaN"},
		{Config{ServiceLevel: math.Inf(1)}, "between 0.5 and 0.999"},
		{Config{AltaCoverage: -0.1}, "ALTA coverage"},
		{Config{AltaCoverage: math.Inf(1)}, "ALTA coverage"},
		{Config{MediaCoverage: math.NaN()}, "MEDIA coverage"},
		{Config{AltaCoverage: 0.8, MediaCoverage: 0.6}, "MEDIA must be >= ALTA"},
		{Config{AltaCoverage: 0.8, MediaCoverage: 0.8}, ""},
		{Config{AltaCoverage: 2}, "MEDIA must be >= ALTA"}, // default MEDIA 1.0 is below
		{Config{AltaCoverage: 100, MediaCoverage: 100}, ""},
		{Config{AltaCoverage: 101, MediaCoverage: 101}, "ALTA coverage threshold 101: want a fraction between 0 and 100"},
		{Config{MediaCoverage: 1e300}, "MEDIA coverage threshold 1e+300: want a fraction between 0 and 100"},
		{Config{CoverageHorizon: -1}, "coverage horizon"},
		{Config{CoverageHorizon: 6}, ""},
	}
	in := []SKUInput{{SKU: "a", Active: true, HasSales: true}}
	for _, tt := range tests {
		err := tt.cfg.WithDefaults().Validate()
		_, cerr := Compute(in, []Month{m(2026, time.January)}, tt.cfg)
		if tt.wantErr == "" {
			if err != nil || cerr != nil {
				t.Errorf("%+v: unexpected errors %v / %v", tt.cfg, err, cerr)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v: Validate err = %v, want one containing %q", tt.cfg, err, tt.wantErr)
		}
		if cerr == nil || cerr.Error() != err.Error() {
			t.Errorf("%+v: Compute err = %v, want %v", tt.cfg, cerr, err)
		}
	}
	if z := (Config{}).SafetyFactor(); !near(z, zFor95) {
		t.Errorf("SafetyFactor at 95%% = %v, want %v", z, zFor95)
	}
	if z := (Config{ServiceLevel: 0.5}).SafetyFactor(); math.Abs(z) > 1e-12 {
		t.Errorf("SafetyFactor at 50%% = %v, want 0", z)
	}
}

func TestComputeInputErrors(t *testing.T) {
	t.Parallel()
	jan, feb := m(2026, time.January), m(2026, time.February)
	ok := func(sku string) SKUInput { return SKUInput{SKU: sku, Active: true, HasSales: true} }
	tests := []struct {
		name    string
		inputs  []SKUInput
		months  []Month
		wantErr string
	}{
		{"no months", []SKUInput{ok("a")}, nil, "no target month"},
		{"invalid month", []SKUInput{ok("a")}, []Month{{2026, 13}}, "invalid target month"},
		{"duplicate SKU", []SKUInput{ok("a"), ok("b"), ok("a")}, []Month{jan}, `SKU "a" appears twice`},
		{"NaN on hand", []SKUInput{{SKU: "x", HasInventory: true, OnHand: math.NaN()}}, []Month{jan}, `SKU "x": on-hand`},
		{"huge backlog", []SKUInput{{SKU: "x", Backlog: 2e15}}, []Month{jan}, `SKU "x": backlog`},
		{"negative backlog", []SKUInput{{SKU: "x", Backlog: -1}}, []Month{jan}, "negative"},
		{"Inf forecast", []SKUInput{{SKU: "x", Forecast: []ForecastPoint{fp(jan, math.Inf(1), 0)}}}, []Month{jan}, "forecast for 2026-01"},
		{"NaN upper", []SKUInput{{SKU: "x", Forecast: []ForecastPoint{fp(jan, 1, math.NaN())}}}, []Month{jan}, "upper bound for 2026-01"},
		{"forecast out of order", []SKUInput{{SKU: "x", Forecast: []ForecastPoint{fp(feb, 1, 1), fp(jan, 1, 1)}}}, []Month{jan}, "increasing"},
		{"forecast month twice", []SKUInput{{SKU: "x", Forecast: []ForecastPoint{fp(jan, 1, 1), fp(jan, 1, 1)}}}, []Month{jan}, "increasing"},
		{"invalid forecast month", []SKUInput{{SKU: "x", Forecast: []ForecastPoint{fp(Month{2026, 0}, 1, 1)}}}, []Month{jan}, "invalid forecast month"},
	}
	for _, tt := range tests {
		rows, err := Compute(tt.inputs, tt.months, Config{})
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
		if rows != nil {
			t.Errorf("%s: rows returned with an error", tt.name)
		}
	}
	// Without an inventory record, OnHand is ignored, whatever it holds.
	if _, err := Compute([]SKUInput{{SKU: "x", Active: true, OnHand: math.NaN()}}, []Month{jan}, Config{}); err != nil {
		t.Errorf("OnHand without HasInventory should be ignored: %v", err)
	}
}

// TestSummarizeNeedProduction: the rows that "need production" are the rows with something to produce, the ALTA
// and MEDIA ones, not those whose production_needed is positive (backlog and safety stock count too).
func TestSummarizeNeedProduction(t *testing.T) {
	t.Parallel()
	jan := m(2026, time.January)
	one := func(sku string, f, onHand, backlog float64) SKUInput {
		return SKUInput{SKU: sku, Active: true, HasSales: true, HasInventory: true, OnHand: onHand, Backlog: backlog,
			Forecast: []ForecastPoint{fp(jan, f, f)}}
	}
	rows, err := Compute([]SKUInput{
		one("backlog", 30, 40, 35), // production_needed -10, ALTA
		one("short", 100, 60, 0),   // production_needed 40, MEDIA
		one("covered", 10, 20, 0),  // BAJA
	}, []Month{jan}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	net := make([]NetRow, len(rows))
	for i, r := range rows {
		net[i] = NetRow{Row: r}
	}
	sum := Summarize(net)
	if sum.Net || sum.NeedProduction != 2 || sum.Alta+sum.Media != 2 || sum.Baja != 1 {
		t.Errorf("Summarize = %+v, want 2 needing production (1 ALTA, 1 MEDIA) and 1 BAJA", sum)
	}
}
