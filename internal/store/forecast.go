package store

import "time"

// Demand is one sold quantity of a SKU, read to build its monthly demand.
type Demand struct {
	SKU       string
	DateOrder time.Time
	Quantity  float64
}

// ForecastRow is a row of forecast: one SKU and future month.
type ForecastRow struct {
	ConnectionID  int64
	SKU           string
	Date          time.Time // first day of the month
	Quantity      float64
	Lower         float64 // at IntervalLevel
	Upper         float64
	IntervalLevel float64
	Lower95       float64
	Upper95       float64
	Method        string
	GeneratedAt   time.Time
}

// ForecastStat is a row of forecast_stats: how one SKU was forecast.
type ForecastStat struct {
	ConnectionID  int64
	SKU           string
	Method        string
	Model         string
	Class         string
	BacktestRMSSE *float64 // nil without a backtest (short history)
	// RunnerUp is the method the selection ranked second ("" without a backtest or a second candidate; NULL
	// in runner_up_method), RunnerUpRMSSE its backtest error.
	RunnerUp      string
	RunnerUpRMSSE *float64
	Bias          *float64
	Origins       int
	HistoryMonths int
	MeanDemand    float64
	StdDemand     float64
	ADI           *float64 // nil when the SKU never sold
	CV2           *float64
	LastMonth     time.Time
	GeneratedAt   time.Time
	// Outliers are the months of history the forecast cleaned (outlier_count, outlier_months, outlier_raw,
	// outlier_cleaned), oldest first.
	Outliers []CleanedMonth
	// StockoutMonths are the months of the history the stock history marks as stock-outs, CensoredMonths those
	// of them whose demand was treated as missing and imputed (both ascending; empty: none, or no stock history).
	StockoutMonths []time.Time
	CensoredMonths []time.Time
}

// CleanedMonth is a month of a SKU's history that the forecast treated as an outlier.
type CleanedMonth struct {
	Month   time.Time // first day of the month
	Raw     float64   // the recorded demand
	Cleaned float64   // the demand the forecast was fitted with
}

type ForecastListParams struct {
	ConnectionID int64
	SKU          string    // empty: all
	From, To     time.Time // months, inclusive; zero: unbounded
}

// ForecastRun is a row of forecast_runs: one kept forecast run of a connection.
type ForecastRun struct {
	ID           int64
	ConnectionID int64
	GeneratedAt  time.Time // the run's time, as forecast.generated_at
	// FirstMonth is the first month forecast (the origin: the history ended the month before).
	FirstMonth    time.Time
	Horizon       int
	IntervalLevel float64 // the level of forecast.lower_bound/upper_bound in that run
	SKUs          int
}

// ForecastSnapshot is a row of forecast_snapshots: what a run forecast for one SKU and month.
type ForecastSnapshot struct {
	RunID            int64
	SKU              string
	Date             time.Time // first day of the month
	Quantity         float64
	Lower80, Upper80 float64
	Lower95, Upper95 float64
	Method           string
	Class            string // demand_class
}

// ForecastSnapshotListParams select snapshot rows.
type ForecastSnapshotListParams struct {
	RunIDs []int64     // required
	SKU    string      // empty: all
	Months []time.Time // first days of months; empty: all
}

// Override actions: a row of forecast_overrides sets an override or clears it.
const (
	OverrideSet   = "set"
	OverrideClear = "clear"
)

// Override sources: where a change was made.
const (
	OverrideSourceCLI       = "cli"
	OverrideSourceDashboard = "dashboard"
)

// ForecastOverride is a row of forecast_overrides: one change of a planner's override of a SKU's forecast for
// one month. The table is append-only; the override in force for a SKU-month is its newest row when that row
// sets one.
type ForecastOverride struct {
	ID           int64
	ConnectionID int64
	SKU          string
	Date         time.Time // first day of the month (forecast_date)
	Action       string    // OverrideSet or OverrideClear
	Quantity     *float64  // the override (>= 0) when Action is OverrideSet; nil for a clear
	Note         string    // why
	CreatedBy    string    // who: the OS user, --by, or the dashboard's user
	Source       string    // OverrideSourceCLI or OverrideSourceDashboard
	CreatedAt    time.Time
}

// ForecastOverrideListParams selects rows of forecast_overrides.
type ForecastOverrideListParams struct {
	ConnectionID int64     // 0: every connection
	SKU          string    // "": every SKU
	From         time.Time // first month listed (inclusive); zero: every month
	// History lists every change, oldest first; otherwise only the overrides in force (each SKU-month's newest
	// row, when it sets one), by SKU and month.
	History bool
}
