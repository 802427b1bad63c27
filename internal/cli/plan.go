package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/atomicfile"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
)

// planMonths resolves --month or --from/--to (default: this month). Every month must lie from this month to the
// end of the forecast horizon (SALESENGINE_FORECAST_HORIZON).
func planMonths(set engine.Settings, month, from, to string) ([]plan.Month, error) {
	cur, horizon := set.CurrentMonth(), set.Plan.Horizon
	var err error
	parse := func(flag, s string) (plan.Month, error) {
		m, err := plan.ParseMonth(s)
		if err != nil {
			return m, usagef("months are written YYYY-MM, e.g. 2026-03", "--%s %q is not a month", flag, s)
		}
		if err := plan.CheckTarget(m, cur, horizon); err != nil {
			hint := fmt.Sprintf("plan a month from %s (this month) to %s (the end of the forecast horizon, SALESENGINE_FORECAST_HORIZON=%d)",
				cur, cur.Add(horizon-1), horizon)
			if errors.Is(err, plan.ErrPastMonth) {
				return m, usagef(hint, "--%s %s is in the past: a plan is computed from today's stock, so it is for this month (%s) or later",
					flag, s, cur)
			}
			return m, usagef(hint, "--%s %s is beyond the forecast horizon: the forecast covers %d months, %s to %s",
				flag, s, horizon, cur, cur.Add(horizon-1))
		}
		return m, nil
	}
	switch {
	case month != "" && (from != "" || to != ""):
		return nil, usagef("", "give --month, or --from and --to, not both")
	case month != "":
		m, err := parse("month", month)
		return []plan.Month{m}, err
	case from != "" || to != "":
		first, last := cur, cur
		if from != "" {
			if first, err = parse("from", from); err != nil {
				return nil, err
			}
		}
		if to != "" {
			if last, err = parse("to", to); err != nil {
				return nil, err
			}
		}
		ms, err := plan.MonthRange(first, last)
		if err != nil {
			return nil, usagef("--from must not be after --to", "%v", err)
		}
		return ms, nil
	}
	return []plan.Month{cur}, nil
}

func (app *App) planCommand() *cobra.Command {
	var conn, month, from, to, priority, action, format string
	var late bool
	var limit int
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "What to produce this month, and what first (ALTA/MEDIA/BAJA)",
		Long: `Compute the production plan of the target month (default: this month, in SALESENGINE_TIMEZONE) from the
stored forecast and the inventory last synced from Odoo (qty_available), store it in production_forecast
(replacing those months' rows), and print it sorted by priority, then by production needed (in the net plan,
late releases first within a priority, the earliest release first).

  recommended_quantity  = what to produce: max(0, forecast + safety stock + backlog - inventory)
  priority              = ALTA or MEDIA exactly when recommended_quantity > 0, BAJA when there is
                          nothing to produce: ALTA when the stock available for the month covers less
                          than SALESENGINE_PLAN_ALTA_COVERAGE (0.5) of its forecast, MEDIA otherwise
  production_needed     = forecast of the month - inventory on hand, the previous system's figure (it
                          ignores backlog and safety stock: sort and filter on recommended_quantity)

Where the connection's Odoo has the Manufacturing or Purchase app, the plan is net of what is already being
made and bought (open manufacturing orders, confirmed purchase order lines), adds what the bills of materials
of planned parents need (component_demand), rounds to the orderpoint's multiple and the vendor's minimum
(planned_quantity), and says whether to produce or buy and when to start (action, release_date; flags
late_supply and late_release). See docs/planning.md, "Net requirements". --action keeps the rows planned to
be produced or bought, --late those whose release date is already past (flag late_release): what to act on
first. A connection without the Manufacturing or Purchase app has no such rows.

A plan is for this month or a later one up to the end of the forecast horizon
(SALESENGINE_FORECAST_HORIZON, 12 months by default); a past month is refused.
Run 'salesengine forecast' (or 'run') first: the plan reads the stored forecast.`,
		Example: `  salesengine plan
  salesengine plan --priority ALTA --limit 20
  salesengine plan --connection acme --month 2026-03 --format csv > plan.csv
  salesengine plan --from 2026-01 --to 2026-03 --format json
  salesengine plan --late --action buy`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			priority = strings.ToUpper(strings.TrimSpace(priority))
			if priority != "" && priority != plan.Alta && priority != plan.Media && priority != plan.Baja {
				return usagef("use --priority ALTA, MEDIA or BAJA", "unknown priority %q", priority)
			}
			action = strings.ToLower(strings.TrimSpace(action))
			if action != "" && action != plan.ActionProduce && action != plan.ActionBuy {
				return usagef("use --action produce or buy (how the net plan replenishes a SKU)", "unknown action %q", action)
			}
			switch format {
			case "table", "csv", "json":
			default:
				return usagef("use --format table, csv or json", "unknown format %q", format)
			}
			if limit < 0 {
				return usagef("", "--limit must be 0 (all) or positive")
			}
			set, err := app.settings(engine.NeedPlan)
			if err != nil {
				return err
			}
			months, err := planMonths(set, month, from, to)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, eng, err := app.openEngine(ctx, set)
			if err != nil {
				return err
			}
			defer s.Close()
			conns, err := eng.Select(ctx, conn)
			if err != nil {
				return err
			}
			var all []planLine
			for _, c := range conns {
				rows, _, err := eng.Plan(ctx, c, months)
				if err != nil {
					return fmt.Errorf("%s: %w", c.Name, err)
				}
				for _, r := range rows {
					if (priority == "" || r.Priority == priority) && (action == "" || r.Action == action) &&
						(!late || slices.Contains(r.Flags, plan.FlagLateRelease)) {
						all = append(all, planLine{Connection: c.Name, NetRow: r})
					}
				}
			}
			if limit > 0 && len(all) > limit {
				all = all[:limit]
			}
			return writePlan(app.Stdout, format, all)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&conn, "connection", "c", "", "only this connection (ID or NAME); default: every active one")
	fs.StringVar(&month, "month", "", "target month YYYY-MM (default: this month)")
	fs.StringVar(&from, "from", "", "first month of a range YYYY-MM")
	fs.StringVar(&to, "to", "", "last month of a range YYYY-MM")
	fs.StringVar(&priority, "priority", "", "only ALTA, MEDIA or BAJA")
	fs.StringVar(&action, "action", "", "only rows the net plan produces (produce) or buys (buy)")
	fs.BoolVar(&late, "late", false, "only late releases: rows whose release date is past (flag late_release)")
	fs.StringVar(&format, "format", "table", "table, csv or json")
	fs.IntVarP(&limit, "limit", "n", 0, "at most this many rows (0: all)")
	return cmd
}

// planLine is a plan row with its connection, as printed.
type planLine struct {
	Connection string
	plan.NetRow
}

// fmtQty prints a quantity; one that is not a number is an empty cell (never the text NaN).
func fmtQty(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func planRecord(l planLine) []string {
	cov, stockout := "", ""
	if l.CoverageMonths != nil {
		cov = strconv.FormatFloat(*l.CoverageMonths, 'f', 2, 64)
	}
	if l.StockoutMonth != nil {
		stockout = l.StockoutMonth.String()
	}
	release := ""
	if !l.ReleaseDate.IsZero() {
		release = l.ReleaseDate.Format(time.DateOnly)
	}
	orders, demand := "", "" // the net plan's only: a sales Odoo's plan does not consume the forecast
	if l.Action != "" {
		orders, demand = fmtQty(l.OpenOrders), fmtQty(l.Demand)
	}
	return []string{l.Connection, l.SKU, l.ProductName, l.Month.String(), l.Priority, fmtQty(l.Forecast), fmtQty(l.Inventory),
		fmtQty(l.ProductionNeeded), fmtQty(l.SafetyStock), fmtQty(l.Backlog), fmtQty(l.Recommended), cov, stockout,
		strings.Join(l.Flags, ","), fmtQty(l.ProjectedOpening), fmtQty(l.IncomingProduction), fmtQty(l.IncomingPurchase),
		fmtQty(l.ComponentDemand), fmtQty(l.PlannedQuantity), l.Action, release, orders, demand}
}

// The net plan's columns come last: a sales Odoo's plan has them zero and empty.
var planHeader = []string{"connection", "sku", "product_name", "month", "priority", "forecast_quantity", "inventory",
	"production_needed", "safety_stock", "backlog", "recommended_quantity", "coverage_months", "stockout_month", "flags",
	"projected_opening", "incoming_production", "incoming_purchase", "component_demand", "planned_quantity", "action",
	"release_date", "open_orders", "demand"}

func writePlan(w io.Writer, format string, lines []planLine) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(planHeader)
		for _, l := range lines {
			_ = cw.Write(planRecord(l))
		}
		cw.Flush()
		return cw.Error()
	case "json":
		type jsonRow struct {
			Connection       string   `json:"connection"`
			SKU              string   `json:"sku"`
			ProductName      string   `json:"product_name"`
			Month            string   `json:"month"`
			Priority         string   `json:"priority"`
			Forecast         float64  `json:"forecast_quantity"`
			Inventory        float64  `json:"inventory"`
			ProductionNeeded float64  `json:"production_needed"`
			SafetyStock      float64  `json:"safety_stock"`
			Backlog          float64  `json:"backlog"`
			Recommended      float64  `json:"recommended_quantity"`
			ProjectedOpening float64  `json:"projected_opening"`
			CoverageMonths   *float64 `json:"coverage_months"`
			StockoutMonth    *string  `json:"stockout_month"`
			Reason           string   `json:"reason"`
			Flags            []string `json:"flags"`
			// The net plan's (zero and null for a sales Odoo).
			IncomingProduction float64  `json:"incoming_production"`
			IncomingPurchase   float64  `json:"incoming_purchase"`
			ComponentDemand    float64  `json:"component_demand"`
			PlannedQuantity    float64  `json:"planned_quantity"`
			Action             *string  `json:"action"`
			ReleaseDate        *string  `json:"release_date"`
			OpenOrders         *float64 `json:"open_orders"`
			Demand             *float64 `json:"demand"`
		}
		out := make([]jsonRow, 0, len(lines))
		for _, l := range lines {
			var so *string
			if l.StockoutMonth != nil {
				s := l.StockoutMonth.String()
				so = &s
			}
			flags := l.Flags
			if flags == nil {
				flags = []string{}
			}
			var action, release *string
			var orders, demand *float64
			if l.Action != "" {
				action, orders, demand = &l.Action, &l.OpenOrders, &l.Demand
			}
			if !l.ReleaseDate.IsZero() {
				d := l.ReleaseDate.Format(time.DateOnly)
				release = &d
			}
			out = append(out, jsonRow{l.Connection, l.SKU, l.ProductName, l.Month.String(), l.Priority, l.Forecast, l.Inventory,
				l.ProductionNeeded, l.SafetyStock, l.Backlog, l.Recommended, l.ProjectedOpening, l.CoverageMonths, so, l.Reason, flags,
				l.IncomingProduction, l.IncomingPurchase, l.ComponentDemand, l.PlannedQuantity, action, release, orders, demand})
		}
		return writeJSON(w, out)
	}
	if len(lines) == 0 {
		_, err := fmt.Fprintln(w, "nothing to plan: run 'salesengine forecast' first, or no SKU matches")
		return err
	}
	// The net plan's columns are shown where the connection's Odoo makes or buys (a sales Odoo's plan is as before).
	net := slices.ContainsFunc(lines, func(l planLine) bool { return l.Action != "" })
	head := []string{"PRIORITY", "SKU", "PRODUCT", "MONTH", "FORECAST", "ON HAND", "NEEDED", "SAFETY", "BACKLOG", "RECOMMENDED", "COVERAGE", "STOCK-OUT", "FLAGS"}
	if net {
		head = append(head[:len(head)-1], "INCOMING", "COMPONENTS", "PLANNED", "ACTION", "RELEASE", "FLAGS")
	}
	t := newTable(w, head...)
	for _, l := range lines {
		r := planRecord(l)
		cells := []string{r[4], r[1], truncate(r[2], 32), r[3], r[5], r[6], r[7], r[8], r[9], r[10], dash(r[11]), dash(r[12])}
		if net {
			cells = append(cells, fmtQty(l.IncomingProduction+l.IncomingPurchase), r[17], r[18], dash(r[19]), dash(r[20]))
		}
		t.row(toAny(append(cells, dash(r[13])))...)
	}
	return t.flush()
}

// writePlanCSVFile writes the plan of report mode next to the forecast files (atomically).
func writePlanCSVFile(path string, lines []planLine) error {
	return atomicfile.Write(path, func(w io.Writer) error { return writePlan(w, "csv", lines) })
}
