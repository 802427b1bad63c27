package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	gosync "sync"
	"time"

	"github.com/salesengine/salesengine/internal/accuracy"
	"github.com/salesengine/salesengine/internal/demand"
	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/store"
)

// DefaultLags are the lags the accuracy report measures unless told: a month, a quarter and half a year ahead.
var DefaultLags = []int{1, 3, 6}

// AccuracyReport is the past forecasts of completed months set against the demand, for the lags asked.
type AccuracyReport struct {
	Lags   []int
	Points []accuracy.Point
	// Runs counts the kept forecast runs of the connections measured; Oldest is the first one's time (zero
	// without runs). Current is this month: every month before it is completed.
	Runs     int
	Oldest   time.Time
	Current  forecast.Month
	Location *time.Location // the business's time zone, of the months
	// NoSales counts the past forecasts left out because no sales are stored under their SKU any more (renamed
	// in Odoo, or every line removed).
	NoSales int
	// MeasuredAt is when the report was measured (set by AccuracyAll, which keeps reports a while).
	MeasuredAt time.Time
}

// OldestMonth is the month of the oldest kept run.
func (r *AccuracyReport) OldestMonth() forecast.Month {
	return forecast.MonthOf(r.Oldest.In(r.Location))
}

// Accuracy measures the kept forecasts of the connections against what was sold. The lag-k forecast of month
// m is what the last run made in month m-k (the last before month m-k+1 began) forecast for m; a month without
// runs has no lag-k forecasts. The actuals are the demand series the forecaster builds from the stored sales
// (all history); the benchmark and MASE's scale are computed from the same series up to each run's origin.
// With sku set, only that SKU's forecasts are measured (the dashboard's SKU page).
func (e *Engine) Accuracy(ctx context.Context, conns []*store.Connection, lags []int, sku string) (*AccuracyReport, error) {
	o, err := e.demandOptions()
	if err != nil {
		return nil, err
	}
	if len(lags) == 0 {
		lags = DefaultLags
	}
	lags = slices.Compact(slices.Sorted(slices.Values(lags)))
	for _, k := range lags {
		if k < 1 || k > 120 {
			return nil, usagef("give lags between 1 and 120 months (1: the forecast made the month before)", "lag %d is out of range", k)
		}
	}
	loc := e.set.Location
	rep := &AccuracyReport{Lags: lags, Current: forecast.MonthOf(e.set.now().In(loc)), Location: loc}
	for _, c := range conns {
		if err := e.accuracyOf(ctx, c, o, sku, rep); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return rep, nil
}

func (e *Engine) accuracyOf(ctx context.Context, c *store.Connection, o demand.Options, sku string, rep *AccuracyReport) error {
	runs, err := e.store.ForecastRunList(ctx, c.ID)
	if err != nil || len(runs) == 0 {
		return err
	}
	loc := e.set.Location
	rep.Runs += len(runs)
	if rep.Oldest.IsZero() || runs[0].GeneratedAt.Before(rep.Oldest) {
		rep.Oldest = runs[0].GeneratedAt
	}
	monthOf := func(r *store.ForecastRun) forecast.Month { return forecast.MonthOf(r.GeneratedAt.In(loc)) }
	// The last run of each month (runs are oldest first).
	last := map[forecast.Month]*store.ForecastRun{}
	for _, r := range runs {
		last[monthOf(r)] = r
	}
	var series map[string]forecast.Series
	for _, r := range runs {
		rm := monthOf(r)
		if last[rm] != r {
			continue
		}
		var months []time.Time
		lagOf := map[forecast.Month]int{}
		for _, k := range rep.Lags {
			if m := rm.Add(k); m < rep.Current {
				months = append(months, m.Time())
				lagOf[m] = k
			}
		}
		if len(months) == 0 {
			continue
		}
		snaps, err := e.store.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{r.ID}, SKU: sku, Months: months})
		if err != nil {
			return err
		}
		if len(snaps) == 0 {
			continue
		}
		if series == nil {
			if series, err = accuracySeries(ctx, e.store, c.ID, o, sku); err != nil {
				return err
			}
		}
		origin := forecast.MonthOf(r.FirstMonth)
		type base struct {
			scale    float64
			seasonal bool
			hist     []float64
		}
		bases := map[string]base{}
		for _, sn := range snaps {
			s, ok := series[sn.SKU]
			if !ok {
				rep.NoSales++
				continue
			}
			b, ok := bases[sn.SKU]
			if !ok {
				b.hist = before(s, origin)
				b.scale, b.seasonal = accuracy.Scale(b.hist)
				bases[sn.SKU] = b
			}
			m := forecast.MonthOf(sn.Date)
			bench, benchSeasonal := accuracy.Benchmark(b.hist, m.Sub(origin)+1)
			rep.Points = append(rep.Points, accuracy.Point{Connection: c.Name, SKU: sn.SKU, Class: sn.Class, Method: sn.Method,
				Lag: lagOf[m], Month: m, Forecast: sn.Quantity, Lower80: sn.Lower80, Upper80: sn.Upper80, Lower95: sn.Lower95,
				Upper95: sn.Upper95, Actual: valueAt(s, m), Bench: bench, BenchSeasonal: benchSeasonal, Scale: b.scale,
				ScaleSeasonal: b.seasonal})
		}
	}
	return nil
}

// before is the part of s before month m: the history as a run with that origin saw it.
func before(s forecast.Series, m forecast.Month) []float64 {
	n := m.Sub(s.Start)
	if n <= 0 {
		return nil
	}
	return s.Values[:min(n, len(s.Values))]
}

// valueAt is s's demand in month m: 0 outside the series (before the first sale, or a month it does not reach).
func valueAt(s forecast.Series, m forecast.Month) float64 {
	i := m.Sub(s.Start)
	if i < 0 || i >= len(s.Values) {
		return 0
	}
	v := s.Values[i]
	if v != v { // a missing month (NaN) counts as no sales, as the series' own months without sales
		return 0
	}
	return v
}

// accuracySeries builds the demand series of a connection's SKUs (or of the one given) from their whole history,
// whatever the forecaster's window: the actuals and the benchmarks' histories.
func accuracySeries(ctx context.Context, s store.Executor, connectionID int64, o demand.Options, sku string) (map[string]forecast.Series, error) {
	if sku != "" {
		one, err := demand.SKUSeries(ctx, s, connectionID, sku, o)
		if err != nil || len(one.Values) == 0 {
			return map[string]forecast.Series{}, err
		}
		return map[string]forecast.Series{sku: one}, nil
	}
	o.Window = 0
	list, err := demand.Series(ctx, s, connectionID, o)
	if err != nil {
		return nil, err
	}
	out := make(map[string]forecast.Series, len(list))
	for _, ser := range list {
		out[ser.ID] = ser
	}
	return out, nil
}

// SKUAccuracy is how one SKU's past forecasts did: the figures per lag and its lag-1 forecasts beside the
// demand, month by month.
type SKUAccuracy struct {
	Runs    int // the connection's kept forecast runs
	Lags    []int
	Figures []accuracy.Figures // per lag, as Lags
	// Past are the SKU's lag-1 forecasts (the past forecast of each month), oldest first.
	Past []accuracy.Point
}

// SKUAccuracy measures one SKU's kept forecasts for the default lags.
func (e *Engine) SKUAccuracy(ctx context.Context, c *store.Connection, sku string) (*SKUAccuracy, error) {
	rep, err := e.Accuracy(ctx, []*store.Connection{c}, DefaultLags, sku)
	if err != nil {
		return nil, err
	}
	out := &SKUAccuracy{Runs: rep.Runs, Lags: rep.Lags}
	for _, k := range rep.Lags {
		out.Figures = append(out.Figures, accuracy.Measure(accuracy.AtLag(rep.Points, k)))
	}
	out.Past = accuracy.AtLag(rep.Points, 1)
	sort.Slice(out.Past, func(i, j int) bool { return out.Past[i].Month < out.Past[j].Month })
	return out, nil
}

// AccuracyAll measures every connection's kept forecasts at one lag: the dashboard's accuracy page. The report is
// kept (accuracyCache) and shared: callers must not change it.
func (e *Engine) AccuracyAll(ctx context.Context, lag int) (*AccuracyReport, error) {
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{})
	if err != nil {
		return nil, err
	}
	// The key: the lag, this month, and every connection with its newest kept run.
	key := fmt.Sprintf("%d %s", lag, forecast.MonthOf(e.set.now().In(e.set.Location)))
	for _, c := range conns {
		runs, err := e.store.ForecastRunList(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		var newest int64
		if len(runs) > 0 {
			newest = runs[len(runs)-1].ID
		}
		key += fmt.Sprintf(" %d:%d", c.ID, newest)
	}
	return e.accuracy.get(key, e.set.now(), func() (*AccuracyReport, error) {
		return e.Accuracy(ctx, conns, []int{lag}, "")
	})
}

// accuracyCacheTTL is how long a kept accuracy report is shown before it is measured again.
const accuracyCacheTTL = 5 * time.Minute

// accuracyCache keeps the accuracy page's latest report: at 10,000 SKUs measuring reads every stored sale and
// kept forecast (about 2.5 s of CPU), and a page opened again, or grouped another way, need not read them again.
// A new forecast run, another lag or a new month is measured at once; sales synced since a report was measured
// show in it within accuracyCacheTTL (the page says when it was measured).
type accuracyCache struct {
	mu  gosync.Mutex
	key string
	at  time.Time
	rep *AccuracyReport
}

// get returns the kept report for key when it is younger than accuracyCacheTTL, else measures and keeps it.
// Requests wait for one measurement rather than each making its own.
func (c *accuracyCache) get(key string, now time.Time, measure func() (*AccuracyReport, error)) (*AccuracyReport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rep != nil && c.key == key && now.Sub(c.at) < accuracyCacheTTL && !now.Before(c.at) {
		return c.rep, nil
	}
	rep, err := measure()
	if err != nil {
		return nil, err
	}
	rep.MeasuredAt = now
	c.key, c.at, c.rep = key, now, rep
	return rep, nil
}
