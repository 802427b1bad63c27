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
	// StockoutMonths are the months of the history the stock history marks as stock-outs, CensoredMonths those
	// of them whose demand was treated as missing and imputed (both ascending; empty: none, or no stock history).
	StockoutMonths []time.Time
	CensoredMonths []time.Time
}

type ForecastListParams struct {
	ConnectionID int64
	SKU          string    // empty: all
	From, To     time.Time // months, inclusive; zero: unbounded
}
