package engine

import (
	"context"
	"fmt"

	"github.com/salesengine/salesengine/internal/demand"
	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// ForecastSummary says what a forecast did: SKUs, rows, the mix of classes and methods, how long it took.
type ForecastSummary = demand.Summary

// ForecastOutcome is what ForecastAndPlan did for one connection.
type ForecastOutcome struct {
	Forecast ForecastSummary // no SKUs: no sales to forecast yet (and no plan)
	Horizon  int
	// Plan is this month's plan, made from the new forecast; nil when there was nothing to forecast, or when
	// planning failed (the forecast is stored all the same).
	Plan *PlanOutcome
	// Overrides counts the overrides in force from this month on, which the plan used instead of the
	// statistical forecast of their months (the forecast table keeps the statistical figures).
	Overrides int
}

// PlanOutcome counts a plan stored for a month.
type PlanOutcome struct {
	Month   plan.Month
	Summary plan.Summary
}

// ForecastAndPlan forecasts a connection's demand from its stored sales, replaces its forecast tables, then
// regenerates this month's production plan from the new forecast. Connections may be forecast at the same time.
// When only the plan fails, the outcome says what was forecast and the error why there is no plan.
func (e *Engine) ForecastAndPlan(ctx context.Context, c *store.Connection) (ForecastOutcome, error) {
	o, err := e.demandOptions()
	if err != nil {
		return ForecastOutcome{}, err
	}
	if e.set.Plan == nil {
		return ForecastOutcome{}, notLoaded("plan")
	}
	sum, err := demand.Run(ctx, e.store, c.ID, o)
	if err != nil {
		return ForecastOutcome{}, err
	}
	out := ForecastOutcome{Forecast: sum, Horizon: e.set.Forecast.Horizon}
	// The forecast is stored: a failed thinning of old runs is logged and tried again next time.
	if n, err := e.PruneForecastRuns(ctx, c.ID, e.set.now()); err != nil {
		e.log.Warn("pruning old past forecasts failed; trying again after the next forecast", "connection", c.Name, "err", err, "pruned", n)
	}
	if sum.SKUs == 0 {
		return out, nil
	}
	ovr, err := e.ForecastOverrides(ctx, c, false)
	if err != nil {
		return out, err
	}
	out.Overrides = len(ovr)
	m := e.set.CurrentMonth()
	_, psum, err := e.Plan(ctx, c, []plan.Month{m})
	if err != nil {
		return out, fmt.Errorf("plan: %w", err)
	}
	out.Plan = &PlanOutcome{Month: m, Summary: psum}
	return out, nil
}

// ForecastReport is a connection's forecast and this month's plan from it, computed without touching a table.
type ForecastReport struct {
	Results []forecast.Result
	Level   float64 // of the prediction intervals in Results
	Plan    []plan.NetRow
	// Overrides are the overrides in force from this month on, which Plan used, each with the report's own
	// statistical forecast of its SKU-month (Results keeps the statistical forecast).
	Overrides []OverrideLine
}

// ForecastReport forecasts a connection and plans this month from that forecast, storing nothing.
func (e *Engine) ForecastReport(ctx context.Context, c *store.Connection) (*ForecastReport, error) {
	o, err := e.demandOptions()
	if err != nil {
		return nil, err
	}
	if e.set.Plan == nil {
		return nil, notLoaded("plan")
	}
	res, err := demand.Forecast(ctx, e.store, c.ID, o)
	if err != nil {
		return nil, err
	}
	now := e.set.now()
	rows, _ := demand.Rows(c.ID, res, o.Level, now)
	inputs, _, overridden, err := planInputs(ctx, e.store, c.ID, rows, e.set.monthOf(now))
	if err != nil {
		return nil, err
	}
	planRows, err := e.computePlan(ctx, e.store, c.ID, inputs, []plan.Month{e.set.monthOf(now)})
	if err != nil {
		return nil, err
	}
	flagOverrides(planRows, overridden)
	ovr, err := e.ForecastOverrides(ctx, c, false)
	if err != nil {
		return nil, err
	}
	return &ForecastReport{Results: res, Level: o.Level, Plan: planRows, Overrides: overrideLines(c.Name, ovr, rows)}, nil
}

// Backtest measures forecast accuracy on a connection's stored sales, holding out the end of every series.
func (e *Engine) Backtest(ctx context.Context, c *store.Connection, bo forecast.BacktestOptions) (forecast.Report, error) {
	o, err := e.demandOptions()
	if err != nil {
		return forecast.Report{}, err
	}
	series, err := demand.Series(ctx, e.store, c.ID, o)
	if err != nil {
		return forecast.Report{}, err
	}
	if len(series) == 0 {
		return forecast.Report{}, fmt.Errorf("connection %q has no sales to backtest (run 'salesengine sync')", c.Name)
	}
	return forecast.Backtest(ctx, series, bo)
}

// ForecastFile forecasts every series of a long-format history CSV (series,month,value) into the forecast CSV
// out, with no store: the offline mode.
func ForecastFile(ctx context.Context, set Settings, in, out string) (ForecastSummary, error) {
	o, err := set.demandOptions()
	if err != nil {
		return ForecastSummary{}, err
	}
	res, err := forecast.ForecastFile(ctx, in, out, o.Forecast, o.Level)
	if err != nil {
		return ForecastSummary{}, err
	}
	return demand.Summarize(res), nil
}

func (e *Engine) demandOptions() (demand.Options, error) { return e.set.demandOptions() }

// demandOptions are the forecast settings as the demand stage takes them.
func (s Settings) demandOptions() (demand.Options, error) {
	f := s.Forecast
	if f == nil {
		return demand.Options{}, notLoaded("forecast")
	}
	return demand.Options{Forecast: forecast.Options{Horizon: f.Horizon, Round: f.Round}, Level: float64(f.Level),
		Window: f.Window, Partial: f.Partial, Location: s.Location, Now: s.now}, nil
}
