package store

import "time"

// ProductionRow is a row of production_forecast: what to produce of one SKU in one month.
type ProductionRow struct {
	ConnectionID      int64
	SKU               string
	ProductName       string
	Year              int
	Month             int
	ForecastQuantity  float64
	Inventory         float64
	ProductionNeeded  float64 // forecast - inventory, the previous system's definition; negative = surplus
	SafetyStock       float64
	Backlog           float64
	Recommended       float64
	CoverageMonths    *float64
	StockoutMonth     string // YYYY-MM, "" when none
	Priority          string // ALTA, MEDIA, BAJA
	Flags             string // comma-separated
	InventorySyncedAt *time.Time
	GeneratedAt       time.Time
	// The net plan's columns (docs/planning.md), where the connection's Odoo has manufacturing or purchasing
	// data; zero, "" and nil otherwise.
	IncomingProduction float64    // open manufacturing orders finishing in the month (late ones in this month)
	IncomingPurchase   float64    // confirmed purchase order lines arriving in the month (late ones in this month)
	ComponentDemand    float64    // what the parents' planned production needs of it, in the month it starts
	PlannedQuantity    float64    // the net requirement rounded to the lot sizes, or the orderpoint's order
	Action             string     // produce or buy
	ReleaseDate        *time.Time // when to order or start producing (a date); nil when nothing is planned
}

// OrderDue sums the confirmed order lines of a SKU that share a due date and whether their order was placed in
// the month asked for: what the net plan reads for the open orders by due month and for what of the current
// month's forecast is already accounted for (docs/planning.md, "The computation").
type OrderDue struct {
	SKU string
	// Due is the order's commitment_date when set, else its date_order (Odoo's expected date with no customer
	// lead time); nil when the order has neither.
	Due       *time.Time
	Placed    bool    // the order's date_order is within the month asked for
	Open      float64 // undelivered: quantity - qty_delivered where positive (the backlog's definition)
	Delivered float64 // qty_delivered where positive
}

// YearMonth names a calendar month.
type YearMonth struct {
	Year  int
	Month int
}

type ProductionListParams struct {
	ConnectionID int64
	Year, Month  int    // 0: all
	Priority     string // empty: all
	SKU          string // empty: all
	Limit        int
}

// ProductionRangeListParams selects the plan rows of a range of months.
type ProductionRangeListParams struct {
	ConnectionID int64     // 0: every connection
	From, To     YearMonth // inclusive
}

// ProductionMonth is one month of one connection's stored plan: how many SKUs it has.
type ProductionMonth struct {
	ConnectionID int64
	Connection   string // the connection's name
	Year, Month  int
	Rows         int64
}

// PlanRun is when a connection's forecast and plan were last made, and how many SKUs of one month's plan
// have each priority.
type PlanRun struct {
	ConnectionID int64
	ForecastAt   *time.Time // newest forecast_stats.generated_at; nil: never forecast
	PlanAt       *time.Time // newest production_forecast.generated_at; nil: never planned
	Priorities   map[string]int64
}
