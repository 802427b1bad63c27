package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

func (app *App) forecastCommand() *cobra.Command {
	var conn, mode, out, input string
	var horizon, level int
	var round, asJSON bool
	cmd := &cobra.Command{
		Use:   "forecast",
		Short: "Forecast demand per SKU, 12 months ahead",
		Long: `Forecast every SKU with sales, choosing per SKU the method that forecast its own history best in a
rolling-origin backtest (ETS, Theta, Croston/SBA/TSB, ADIDA/IMAPA, seasonal naive and ensembles of them,
by demand class: smooth, erratic, intermittent, lumpy, short, dead).

  --mode db      (default) replace the forecast and forecast_stats tables of each connection, atomically,
                 then regenerate the production plan
  --mode report  write CSV files to --out (one forecast and one per-SKU summary per connection), touching
                 no table

Offline, on any history and without Odoo: --input history.csv (long format: series,month,value with month
YYYY-MM; an empty value is missing; commas between columns, or semicolons with decimal commas as a Spanish
Excel saves it) writes --out (series,month,forecast,lower,upper,method).`,
		Example: `  salesengine forecast
  salesengine forecast --connection acme --horizon 18
  salesengine forecast --json
  salesengine forecast --mode report --out data/forecasts
  salesengine forecast --input history.csv --out fc.csv --level 95`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			needs := engine.NeedForecast
			if input == "" {
				needs |= engine.NeedPlan
			}
			set, err := app.settings(needs)
			if err != nil {
				return err
			}
			if asJSON && (input != "" || mode != "db") {
				return usagef("drop --json, or use --mode db", "--json prints what --mode db stored: it does not go with --input or --mode report")
			}
			if input != "" {
				if conn != "" || cmd.Flags().Changed("mode") {
					return usagef("", "--input forecasts a CSV file: it does not go with --connection or --mode")
				}
				if out == "" {
					return usagef("e.g. --out forecast.csv", "--input needs --out, the CSV file to write")
				}
				return app.forecastFile(cmd.Context(), set, input, out)
			}
			switch mode {
			case "db", "report":
			default:
				return usagef("use --mode db or --mode report", "unknown mode %q", mode)
			}
			if mode == "report" && out == "" {
				out = filepath.Join("data", "forecasts")
			}
			if mode == "db" && out != "" {
				return usagef("--out goes with --mode report or --input", "--mode db writes tables, not files")
			}
			s, eng, err := app.openEngine(cmd.Context(), set)
			if err != nil {
				return err
			}
			defer s.Close()
			conns, err := eng.Select(cmd.Context(), conn)
			if err != nil {
				return err
			}
			if asJSON {
				return app.forecastJSON(cmd.Context(), eng, conns)
			}
			return app.forecastConnections(cmd.Context(), eng, conns, mode, out)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&conn, "connection", "c", "", "only this connection (ID or NAME)")
	fs.StringVar(&mode, "mode", "db", "db (write the tables) or report (write CSV files)")
	fs.StringVar(&out, "out", "", "report directory (--mode report, default data/forecasts) or forecast CSV (--input)")
	fs.StringVar(&input, "input", "", "forecast this long-format CSV (series,month,value) instead of stored sales")
	fs.IntVar(&horizon, "horizon", 12, "months to forecast")
	fs.IntVar(&level, "level", 80, "prediction interval level, percent")
	fs.BoolVar(&round, "round", false, "round forecasts to whole units")
	fs.BoolVar(&asJSON, "json", false, "print what was forecast and planned per connection as JSON (--mode db), stock-out months included")
	bindVar(fs, "horizon", "SALESENGINE_FORECAST_HORIZON")
	bindVar(fs, "level", "SALESENGINE_FORECAST_LEVEL")
	bindVar(fs, "round", "SALESENGINE_FORECAST_ROUND")
	cmd.AddCommand(app.forecastOverrideCommand(), app.forecastOverridesCommand())
	return cmd
}

func (app *App) forecastFile(ctx context.Context, set engine.Settings, in, out string) error {
	if _, err := os.Stat(in); err != nil {
		return usagef("give the path of a CSV with columns series,month,value", "--input %s: %v", in, err)
	}
	start := time.Now()
	sum, err := engine.ForecastFile(ctx, set, in, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "forecast %d series, %d months ahead, in %s: wrote %s\n", sum.SKUs, set.Forecast.Horizon, time.Since(start).Round(time.Millisecond), out)
	printMix(app, sum)
	return nil
}

func printMix(app *App, sum engine.ForecastSummary) {
	classes := make([]string, 0, len(sum.ByClass))
	for c, n := range sum.ByClass {
		classes = append(classes, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(classes)
	type kv struct {
		k string
		n int
	}
	var methods []kv
	for m, n := range sum.ByMethod {
		methods = append(methods, kv{m, n})
	}
	sort.Slice(methods, func(i, j int) bool {
		return methods[i].n > methods[j].n || (methods[i].n == methods[j].n && methods[i].k < methods[j].k)
	})
	var ms []string
	for i, m := range methods {
		if i == 6 {
			ms = append(ms, fmt.Sprintf("%d others", len(methods)-6))
			break
		}
		ms = append(ms, fmt.Sprintf("%s %d", m.k, m.n))
	}
	fmt.Fprintf(app.Stdout, "  classes: %s\n  methods: %s\n", strings.Join(classes, ", "), strings.Join(ms, ", "))
	fmt.Fprintf(app.Stdout, "  outlier months cleaned: %d, in %s\n", sum.Outliers, plural(sum.OutlierSKUs, "SKU", "SKUs"))
	if len(sum.Stockouts) > 0 {
		months, censored := 0, 0
		for _, so := range sum.Stockouts {
			months += len(so.Months)
			censored += len(so.Censored)
		}
		their := "their"
		if len(sum.Stockouts) == 1 {
			their = "its"
		}
		fmt.Fprintf(app.Stdout, "  stock-outs: %s with %s in %s history, %d of them censored (forecast_stats.stockout_months)\n",
			plural(len(sum.Stockouts), "SKU", "SKUs"), plural(months, "stock-out month", "stock-out months"), their, censored)
	}
}

// plural is n with the noun in the number n takes ("1 SKU", "2 SKUs").
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// forecastJSONView is one connection's forecast run, for forecast --json.
type forecastJSONView struct {
	Connection string            `json:"connection"`
	SKUs       int               `json:"skus"`
	Rows       int               `json:"rows"`
	Horizon    int               `json:"horizon"`
	Seconds    float64           `json:"seconds"`
	Classes    map[string]int    `json:"classes"`
	Methods    map[string]int    `json:"methods"`
	Stockouts  []stockoutView    `json:"stockouts"`
	Plan       *forecastPlanView `json:"plan,omitempty"`
	Error      string            `json:"error,omitempty"`
}

type stockoutView struct {
	SKU            string   `json:"sku"`
	StockoutMonths []string `json:"stockout_months"`
	CensoredMonths []string `json:"censored_months"`
}

type forecastPlanView struct {
	Month          string `json:"month"`
	Rows           int    `json:"rows"`
	Alta           int    `json:"alta"`
	Media          int    `json:"media"`
	Baja           int    `json:"baja"`
	NeedProduction int    `json:"need_production"`
	// A net plan's (a connection whose Odoo makes or buys): rows to produce and to buy, rows released late and the
	// earliest release date among them.
	Produce         int    `json:"produce,omitempty"`
	Buy             int    `json:"buy,omitempty"`
	LateRelease     int    `json:"late_release,omitempty"`
	EarliestRelease string `json:"earliest_release,omitempty"`
}

func monthStrings(ms []forecast.Month) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

// forecastJSON forecasts each connection into its tables, as --mode db does, and prints the runs as JSON.
func (app *App) forecastJSON(ctx context.Context, eng *engine.Engine, conns []*store.Connection) error {
	views := make([]forecastJSONView, 0, len(conns))
	var failed []string
	for _, c := range conns {
		out, err := eng.ForecastAndPlan(ctx, c)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		sum := out.Forecast
		v := forecastJSONView{Connection: c.Name, SKUs: sum.SKUs, Rows: sum.Rows, Horizon: out.Horizon, Seconds: sum.Took.Seconds(),
			Classes: map[string]int{}, Methods: sum.ByMethod, Stockouts: []stockoutView{}}
		if v.Methods == nil {
			v.Methods = map[string]int{}
		}
		for cl, n := range sum.ByClass {
			v.Classes[string(cl)] = n
		}
		for _, so := range sum.Stockouts {
			v.Stockouts = append(v.Stockouts, stockoutView{SKU: so.SKU, StockoutMonths: monthStrings(so.Months), CensoredMonths: monthStrings(so.Censored)})
		}
		if p := out.Plan; p != nil {
			v.Plan = &forecastPlanView{Month: p.Month.String(), Rows: p.Summary.Rows, Alta: p.Summary.Alta, Media: p.Summary.Media,
				Baja: p.Summary.Baja, NeedProduction: p.Summary.NeedProduction}
			if s := p.Summary; s.LateRelease > 0 {
				v.Plan.EarliestRelease = s.EarliestRelease.Format(time.DateOnly)
			}
			v.Plan.Produce, v.Plan.Buy, v.Plan.LateRelease = p.Summary.Produce, p.Summary.Buy, p.Summary.LateRelease
		}
		if err != nil {
			v.Error = err.Error()
			failed = append(failed, c.Name)
		}
		views = append(views, v)
	}
	if err := writeJSON(app.Stdout, views); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("forecast failed for %v", failed)
	}
	return nil
}

// forecastConnections forecasts each connection in the given mode.
func (app *App) forecastConnections(ctx context.Context, eng *engine.Engine, conns []*store.Connection, mode, out string) error {
	var failed []string
	for _, c := range conns {
		var err error
		if mode == "db" {
			err = app.forecastToDB(ctx, eng, c)
		} else {
			err = app.forecastReport(ctx, eng, c, out)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed = append(failed, c.Name)
			fmt.Fprintf(app.Stdout, "%s: forecast FAILED: %v\n", c.Name, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("forecast failed for %v", failed)
	}
	return nil
}

func (app *App) forecastToDB(ctx context.Context, eng *engine.Engine, c *store.Connection) error {
	out, err := eng.ForecastAndPlan(ctx, c)
	sum := out.Forecast
	if sum.SKUs > 0 { // stored, whatever became of the plan
		fmt.Fprintf(app.Stdout, "%s: forecast %d SKUs, %d months ahead (%d rows) in %s\n", c.Name, sum.SKUs, out.Horizon, sum.Rows, sum.Took.Round(time.Millisecond))
		printMix(app, sum)
	}
	if err != nil {
		return err
	}
	if sum.SKUs == 0 {
		fmt.Fprintf(app.Stdout, "%s: no sales to forecast yet (run 'salesengine sync')\n", c.Name)
		return nil
	}
	p := out.Plan
	fmt.Fprintf(app.Stdout, "%s: plan for %s: %d SKUs, %d ALTA, %d MEDIA, %d BAJA; %s\n",
		c.Name, p.Month, p.Summary.Rows, p.Summary.Alta, p.Summary.Media, p.Summary.Baja, planNeeds(p.Summary))
	if out.Overrides > 0 {
		fmt.Fprintf(app.Stdout, "%s: %d forecast overrides in force: the plan uses them instead of the statistical forecast of their months (see 'salesengine forecast overrides')\n",
			c.Name, out.Overrides)
	}
	return nil
}

// planNeeds says what a plan asks for: a net plan's planned quantities by action and its late releases, or how
// many SKUs need production.
func planNeeds(s plan.Summary) string {
	if !s.Net {
		return fmt.Sprintf("%d need production (see 'salesengine plan')", s.NeedProduction)
	}
	late := fmt.Sprintf("%d released late", s.LateRelease)
	if s.LateRelease > 0 {
		late += ", the earliest due " + s.EarliestRelease.Format(time.DateOnly)
	}
	return fmt.Sprintf("%d to replenish: %d to produce, %d to buy, %s (see 'salesengine plan --late')",
		s.NeedProduction, s.Produce, s.Buy, late)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// forecastReport writes a connection's forecast, its per-SKU summary and this month's plan as CSV files in dir.
func (app *App) forecastReport(ctx context.Context, eng *engine.Engine, c *store.Connection, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	rep, err := eng.ForecastReport(ctx, c)
	if err != nil {
		return err
	}
	base := filepath.Join(dir, unsafeFileChars.ReplaceAllString(c.Name, "_"))
	if err := forecast.WriteForecastCSVFile(base+"_forecast.csv", rep.Results, rep.Level); err != nil {
		return err
	}
	if err := writeSummaryCSV(base+"_summary.csv", rep.Results); err != nil {
		return err
	}
	lines := make([]planLine, len(rep.Plan))
	for i, r := range rep.Plan {
		lines[i] = planLine{Connection: c.Name, NetRow: r}
	}
	if err := writePlanCSVFile(base+"_production_plan.csv", lines); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "%s: forecast %d SKUs: wrote %s_forecast.csv, %s_summary.csv and %s_production_plan.csv\n", c.Name, len(rep.Results), base, base, base)
	if len(rep.Overrides) > 0 {
		if err := writeOverridesCSVFile(base+"_overrides.csv", rep.Overrides); err != nil {
			return err
		}
		fmt.Fprintf(app.Stdout, "%s: %d forecast overrides in force, used by the plan instead of the statistical forecast of their months: wrote %s_overrides.csv\n",
			c.Name, len(rep.Overrides), base)
	}
	return nil
}
