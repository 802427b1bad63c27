// Package demand forecasts a connection's demand from its stored sales: it builds each SKU's monthly demand from
// confirmed order lines, runs the automatic forecaster over every SKU, and replaces the connection's forecast
// rows and per-SKU statistics in one transaction (or writes them as report files).
package demand

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/store"
)

// Options configure a forecasting run.
type Options struct {
	Forecast forecast.Options // horizon, levels, methods...
	// Level is the interval level stored in forecast.lower_bound/upper_bound (default 80); the 95% interval
	// is stored too (lower_95, upper_95), for safety stock.
	Level float64
	// Window keeps at most this many months of history per SKU (0: all).
	Window int
	// Partial is what happens to the current, unfinished month (default: excluded).
	Partial forecast.PartialMonth
	// Location is the business's time zone: an order belongs to the month of its local date (default UTC).
	Location *time.Location
	// Now is the forecasting date (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Level == 0 {
		o.Level = 80
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// 80 and 95 always: the kept snapshot stores both, whatever the configured level.
	levels := []float64{o.Level}
	for _, lv := range []float64{95, 80} {
		if o.Level != lv {
			levels = append(levels, lv)
		}
	}
	o.Forecast.Levels = levels
	return o
}

// Series builds the monthly demand series of every SKU of a connection, sorted by SKU.
func Series(ctx context.Context, s store.Executor, connectionID int64, o Options) ([]forecast.Series, error) {
	o = o.withDefaults()
	now := o.Now().In(o.Location)
	var since time.Time
	if o.Window > 0 {
		// A little before the window, so months that straddle the time-zone shift are whole.
		since = time.Date(now.Year(), now.Month()-time.Month(o.Window)-1, 1, 0, 0, 0, 0, time.UTC)
	}
	rows, err := s.DemandList(ctx, connectionID, since)
	if err != nil {
		return nil, err
	}
	bySKU := map[string][]forecast.Sale{}
	for _, r := range rows {
		bySKU[r.SKU] = append(bySKU[r.SKU], forecast.Sale{Time: r.DateOrder.In(o.Location), Qty: r.Quantity})
	}
	skus := make([]string, 0, len(bySKU))
	for sku := range bySKU {
		skus = append(skus, sku)
	}
	sort.Strings(skus)
	categ, err := skuCategories(ctx, s, connectionID)
	if err != nil {
		return nil, err
	}
	out := make([]forecast.Series, 0, len(skus))
	for _, sku := range skus {
		ser, err := forecast.BuildMonthly(sku, bySKU[sku], buildOptions(o, now))
		if err != nil {
			return nil, err
		}
		if len(ser.Values) == 0 {
			continue // every sale falls in the excluded current month
		}
		ser.Group = categ[sku]
		out = append(out, ser)
	}
	return out, nil
}

// skuCategories maps each SKU to its product category's name (the first product of the SKU that has one): new
// products borrow their category's seasonal shape (forecast.Series.Group).
func skuCategories(ctx context.Context, s store.Executor, connectionID int64) (map[string]string, error) {
	products, err := s.ProductList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(products))
	for _, p := range products { // by product_id
		if _, seen := out[p.SKU]; !seen && p.CategName != "" {
			out[p.SKU] = p.CategName
		}
	}
	return out, nil
}

func buildOptions(o Options, now time.Time) forecast.BuildOptions {
	return forecast.BuildOptions{Window: o.Window, AsOf: now, Partial: o.Partial}
}

// SKUSeries builds one SKU's monthly demand series as Series does (its Values are empty when the SKU has no
// sales that count), from all of its stored history: Window is ignored.
func SKUSeries(ctx context.Context, s store.Executor, connectionID int64, sku string, o Options) (forecast.Series, error) {
	o = o.withDefaults()
	o.Window = 0
	rows, err := s.DemandListBySKU(ctx, connectionID, sku)
	if err != nil {
		return forecast.Series{}, err
	}
	now := o.Now().In(o.Location)
	sales := make([]forecast.Sale, len(rows))
	for i, r := range rows {
		sales[i] = forecast.Sale{Time: r.DateOrder.In(o.Location), Qty: r.Quantity}
	}
	return forecast.BuildMonthly(sku, sales, buildOptions(o, now))
}

// Summary says what a run forecast.
type Summary struct {
	SKUs     int
	Rows     int
	ByClass  map[forecast.Class]int
	ByMethod map[string]int
	RunID    int64 // the forecast_runs row that keeps this run (0 in report mode)
	// Outliers counts the months of history cleaned as outliers, in OutlierSKUs SKUs.
	Outliers, OutlierSKUs int
	Took                  time.Duration
	// Stockouts are the SKUs whose history had stock-out months, by SKU.
	Stockouts []Stockout
}

// Stockout is a SKU's stock-out months and those of them whose demand was censored.
type Stockout struct {
	SKU              string
	Months, Censored []forecast.Month
}

// Forecast forecasts every SKU of the connection, from its demand series with the stock-out months the stock
// history tells censored (stockout.go); each result says which months were stock-outs and which were censored.
func Forecast(ctx context.Context, s store.Executor, connectionID int64, o Options) ([]forecast.Result, error) {
	o = o.withDefaults()
	series, err := Series(ctx, s, connectionID, o)
	if err != nil {
		return nil, err
	}
	if o.Forecast.Archived, err = archivedSKUs(ctx, s, connectionID); err != nil {
		return nil, err
	}
	stock, err := stockoutsBySKU(ctx, s, connectionID, o)
	if err != nil {
		return nil, fmt.Errorf("stock history: %w", err)
	}
	type marks struct{ stockouts, censored []forecast.Month }
	bySKU := map[string]marks{}
	for i, ser := range series {
		if months := stock[ser.ID]; months != nil {
			var m marks
			series[i], m.stockouts, m.censored = Censor(ser, months)
			bySKU[ser.ID] = m
		}
	}
	res, err := forecast.ForecastAll(ctx, series, o.Forecast)
	if err != nil {
		return nil, err
	}
	for i := range res {
		if m, ok := bySKU[res[i].ID]; ok {
			res[i].StockoutMonths, res[i].CensoredMonths = m.stockouts, m.censored
		}
	}
	return res, nil
}

// archivedSKUs returns the SKUs all of whose stored products are archived (inactive) in Odoo: they cannot be
// sold any more, so the forecaster declares them dead.
func archivedSKUs(ctx context.Context, s store.Executor, connectionID int64) (map[string]bool, error) {
	products, err := s.ProductList(ctx, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	active := map[string]bool{} // SKU -> any of its products is active
	for _, p := range products {
		if p.SKU != "" {
			active[p.SKU] = active[p.SKU] || p.Active
		}
	}
	out := map[string]bool{}
	for sku, a := range active {
		if !a {
			out[sku] = true
		}
	}
	return out, nil
}

// Run forecasts the connection and replaces its forecast and forecast_stats rows atomically.
func Run(ctx context.Context, s store.Store, connectionID int64, o Options) (Summary, error) {
	o = o.withDefaults()
	start := time.Now()
	results, err := Forecast(ctx, s, connectionID, o)
	if err != nil {
		return Summary{}, err
	}
	generated := o.Now().UTC()
	sum := Summarize(results)
	rows, stats := Rows(connectionID, results, o.Level, generated)
	run, snaps := Snapshot(connectionID, results, o, generated)
	if err := s.Tx(ctx, func(tx store.Executor) error {
		if err := tx.ForecastReplace(ctx, connectionID, rows, stats); err != nil {
			return err
		}
		if len(results) == 0 {
			return nil // nothing forecast: no run to keep
		}
		return tx.ForecastRunInsert(ctx, run, snaps)
	}); err != nil {
		return Summary{}, fmt.Errorf("store forecasts: %w", err)
	}
	sum.RunID = run.ID
	sum.Rows, sum.Took = len(rows), time.Since(start)
	return sum, nil
}

// Summarize counts results by class and method, and the months cleaned as outliers.
func Summarize(results []forecast.Result) Summary {
	sum := Summary{SKUs: len(results), ByClass: map[forecast.Class]int{}, ByMethod: map[string]int{}}
	for _, r := range results {
		sum.ByClass[r.Class]++
		sum.ByMethod[r.Method]++
		if len(r.Outliers) > 0 {
			sum.Outliers += len(r.Outliers)
			sum.OutlierSKUs++
		}
		if len(r.StockoutMonths) > 0 {
			sum.Stockouts = append(sum.Stockouts, Stockout{SKU: r.ID, Months: r.StockoutMonths, Censored: r.CensoredMonths})
		}
	}
	sort.Slice(sum.Stockouts, func(i, j int) bool { return sum.Stockouts[i].SKU < sum.Stockouts[j].SKU })
	return sum
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Rows turns results into forecast and forecast_stats rows.
func Rows(connectionID int64, results []forecast.Result, level float64, generated time.Time) ([]*store.ForecastRow, []*store.ForecastStat) {
	var rows []*store.ForecastRow
	stats := make([]*store.ForecastStat, 0, len(results))
	for _, r := range results {
		for _, p := range r.Points {
			row := &store.ForecastRow{ConnectionID: connectionID, SKU: r.ID, Date: p.Month.Time(), Quantity: p.Forecast,
				Lower: p.Forecast, Upper: p.Forecast, IntervalLevel: level, Lower95: p.Forecast, Upper95: p.Forecast,
				Method: r.Method, GeneratedAt: generated}
			if iv, ok := p.Interval(level); ok {
				row.Lower, row.Upper = iv.Lower, iv.Upper
			}
			if iv, ok := p.Interval(95); ok {
				row.Lower95, row.Upper95 = iv.Lower, iv.Upper
			}
			rows = append(rows, row)
		}
		last := time.Time{}
		if len(r.Points) > 0 {
			last = r.Points[0].Month.Add(-1).Time()
		}
		stats = append(stats, &store.ForecastStat{ConnectionID: connectionID, SKU: r.ID, Method: r.Method, Model: r.Model,
			Class: string(r.Class), BacktestRMSSE: finite(r.BacktestRMSSE), Bias: finite(r.Bias), Origins: r.Origins,
			HistoryMonths: r.HistoryLength, MeanDemand: r.Mean, StdDemand: r.Std, ADI: finite(r.ADI), CV2: finite(r.CV2),
			LastMonth: last, GeneratedAt: generated, RunnerUp: r.RunnerUp, RunnerUpRMSSE: finite(r.RunnerUpRMSSE),
			Outliers: cleanedMonths(r.Outliers), StockoutMonths: monthTimes(r.StockoutMonths), CensoredMonths: monthTimes(r.CensoredMonths)})
	}
	return rows, stats
}

// Snapshot turns results into the forecast_runs row and forecast_snapshots rows that keep this run: the
// forecast and its 80% and 95% bounds per SKU and month. The run's first month is the earliest forecast one
// (the month after the history, for every SKU alike); the current month when nothing was forecast.
func Snapshot(connectionID int64, results []forecast.Result, o Options, generated time.Time) (*store.ForecastRun, []*store.ForecastSnapshot) {
	o = o.withDefaults()
	run := &store.ForecastRun{ConnectionID: connectionID, GeneratedAt: generated, Horizon: o.Forecast.Horizon,
		IntervalLevel: o.Level, SKUs: len(results)}
	first, found := forecast.MonthOf(o.Now().In(o.Location)), false
	n := 0
	for _, r := range results {
		n += len(r.Points)
		if len(r.Points) > 0 && (!found || r.Points[0].Month < first) {
			first, found = r.Points[0].Month, true
		}
	}
	run.FirstMonth = first.Time()
	// One allocation for every row: 120,000 of them for 10,000 SKUs.
	all := make([]store.ForecastSnapshot, 0, n)
	snaps := make([]*store.ForecastSnapshot, 0, n)
	for _, r := range results {
		for _, p := range r.Points {
			sn := store.ForecastSnapshot{SKU: r.ID, Date: p.Month.Time(), Quantity: p.Forecast, Lower80: p.Forecast, Upper80: p.Forecast,
				Lower95: p.Forecast, Upper95: p.Forecast, Method: r.Method, Class: string(r.Class)}
			if iv, ok := p.Interval(80); ok {
				sn.Lower80, sn.Upper80 = iv.Lower, iv.Upper
			}
			if iv, ok := p.Interval(95); ok {
				sn.Lower95, sn.Upper95 = iv.Lower, iv.Upper
			}
			all = append(all, sn)
			snaps = append(snaps, &all[len(all)-1])
		}
	}
	return run, snaps
}

// cleanedMonths is what forecast_stats keeps of the months a forecast cleaned as outliers.
func cleanedMonths(outs []forecast.Outlier) []store.CleanedMonth {
	if len(outs) == 0 {
		return nil
	}
	cm := make([]store.CleanedMonth, len(outs))
	for i, o := range outs {
		cm[i] = store.CleanedMonth{Month: o.Month.Time(), Raw: o.Raw, Cleaned: o.Cleaned}
	}
	return cm
}

// monthTimes turns months into their first days, for the store.
func monthTimes(ms []forecast.Month) []time.Time {
	if len(ms) == 0 {
		return nil
	}
	out := make([]time.Time, len(ms))
	for i, m := range ms {
		out[i] = m.Time()
	}
	return out
}
