package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/atomicfile"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

func (app *App) forecastOverrideCommand() *cobra.Command {
	var conn, note, by string
	var clear bool
	cmd := &cobra.Command{
		Use:   "override SKU MONTH [QTY]",
		Short: "Set or clear a planner's override of a SKU's forecast for one month",
		Long: `Replace the statistical forecast of one SKU for one month (YYYY-MM, from this month to the end of the
forecast horizon) with QTY, the month's total demand as you expect it (a number, at least 0), and say why
with --note (required). --clear ends the override in force (--note optional).

The plan uses the override instead of the statistical forecast of that month, its interval scaled with it,
and flags the row 'override'; this month's plan of the connection is made again at once, and every later
forecast run keeps the override until its month is past (the forecast table keeps the statistical figure;
the view forecast_final shows both). Every change is kept with who made it (--by, default the OS user), when
and why: 'salesengine forecast overrides --all' lists them.

Without --connection the connection is the one that holds the SKU.`,
		Example: `  salesengine forecast override CEM-00351 2027-01 2500 --note "Constructora Sur confirmed 1,000 extra"
  salesengine forecast override CAS-00250 2027-02 0 --note "discontinued" --by ana
  salesengine forecast override CEM-00351 2027-01 --clear --note "order cancelled"`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case clear && len(args) != 2:
				return usagef("e.g. salesengine forecast override CEM-00351 2027-01 --clear", "--clear takes SKU and MONTH, no quantity (got %d arguments)", len(args))
			case !clear && len(args) != 3:
				return usagef(`e.g. salesengine forecast override CEM-00351 2027-01 2500 --note "customer order"; to end one, --clear`,
					"want SKU MONTH QTY (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ch := engine.OverrideChange{SKU: args[0], Month: args[1], Note: note, By: by, Source: store.OverrideSourceCLI}
			if !clear {
				q, err := parseQuantity(args[2])
				if err != nil {
					return err
				}
				ch.Quantity = &q
			}
			if !cmd.Flags().Changed("by") {
				ch.By = osUser()
				if ch.By == "" {
					return usagef("give --by NAME", "cannot tell who you are (no OS user name): give --by")
				}
			}
			s, eng, err := app.openEngineFor(ctx, engine.NeedForecast|engine.NeedPlan)
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := eng.OverrideConnection(ctx, conn, ch.SKU)
			if err != nil {
				return err
			}
			out, err := eng.ForecastOverrideChange(ctx, c, ch)
			if err != nil {
				return err
			}
			app.printOverrideOutcome(c, out)
			return out.PlanErr
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&conn, "connection", "c", "", "the connection (ID or NAME); default: the one holding the SKU")
	fs.StringVar(&note, "note", "", "why (required to set; at most 500 characters)")
	fs.StringVar(&by, "by", "", "who makes the change (default: the OS user)")
	fs.BoolVar(&clear, "clear", false, "end the override in force of SKU for MONTH")
	return cmd
}

// parseQuantity reads an override's QTY: a plain number (the engine checks its range).
func parseQuantity(s string) (float64, error) {
	q, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		hint := "write the month's total demand as a number, e.g. 2500 or 87.5"
		if strings.Contains(s, ",") {
			hint = "write decimals with a dot and no thousands separator, e.g. 1250.5"
		}
		return 0, usagef(hint, "QTY %q is not a number", s)
	}
	return q, nil
}

// osUser is the name of the user running the command ("" when it cannot be told).
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

func (app *App) printOverrideOutcome(c *store.Connection, out *engine.OverrideOutcome) {
	o := out.Override
	month := o.Date.Format("2006-01")
	stat := "no statistical forecast"
	if out.Statistical != nil {
		stat = "statistical forecast " + fmtQty(*out.Statistical)
	}
	if o.Action == store.OverrideSet {
		was := ""
		if out.Previous != nil {
			was = fmt.Sprintf(", replacing %s", exactQty(*out.Previous.Quantity))
		}
		fmt.Fprintf(app.Stdout, "%s: %s %s: override %s (%s%s), by %s: %s\n", c.Name, o.SKU, month, exactQty(*o.Quantity), stat, was, o.CreatedBy, o.Note)
	} else {
		then := "the plan uses the " + stat
		if out.Statistical == nil {
			then = "the month has no statistical forecast"
		}
		fmt.Fprintf(app.Stdout, "%s: %s %s: override %s cleared by %s; %s\n", c.Name, o.SKU, month,
			exactQty(*out.Previous.Quantity), o.CreatedBy, then)
	}
	if p := out.Plan; p != nil {
		fmt.Fprintf(app.Stdout, "%s: plan for %s made again: %d SKUs, %d ALTA, %d MEDIA, %d BAJA; %s\n",
			c.Name, p.Month, p.Summary.Rows, p.Summary.Alta, p.Summary.Media, p.Summary.Baja, planNeeds(p.Summary))
	} else if out.PlanErr != nil {
		fmt.Fprintf(app.Stdout, "%s: the override is stored, but planning again FAILED: %v (the next 'plan', 'forecast' or 'run' uses it)\n", c.Name, out.PlanErr)
	}
}

// exactQty prints a quantity as given (2500, 87.5), not rounded to two decimals.
func exactQty(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }

func (app *App) forecastOverridesCommand() *cobra.Command {
	var conn string
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "overrides",
		Short: "List the forecast overrides in force, or with --all every change",
		Long: `List the overrides in force from this month on (the ones the plan uses), with the statistical forecast
now stored for the same SKU and month, who set them, when and why. --all lists every change ever made,
sets and clears, oldest first, past months included (the history kept in forecast_overrides).`,
		Example: `  salesengine forecast overrides
  salesengine forecast overrides --connection acme --all
  salesengine forecast overrides --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			set, err := app.settings(engine.NeedForecast | engine.NeedPlan)
			if err != nil {
				return err
			}
			s, eng, err := app.openEngine(ctx, set)
			if err != nil {
				return err
			}
			defer s.Close()
			conns, err := overrideConnections(ctx, s, conn)
			if err != nil {
				return err
			}
			lines, err := eng.OverrideLines(ctx, conns, all)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(app.Stdout, overrideJSON(lines))
			}
			if len(lines) == 0 {
				what := "no overrides in force"
				if all {
					what = "no override was ever set"
				}
				fmt.Fprintf(app.Stdout, "%s (set one with 'salesengine forecast override SKU MONTH QTY --note TEXT')\n", what)
				return nil
			}
			var t *table
			if all {
				t = newTable(app.Stdout, "ID", "CONNECTION", "SKU", "MONTH", "ACTION", "QUANTITY", "STATISTICAL", "BY", "SOURCE", "AT", "NOTE")
			} else {
				t = newTable(app.Stdout, "CONNECTION", "SKU", "MONTH", "OVERRIDE", "STATISTICAL", "BY", "AT", "NOTE")
			}
			for _, l := range lines {
				qty, stat := "-", "-"
				if l.Quantity != nil {
					qty = exactQty(*l.Quantity)
				}
				if l.Statistical != nil {
					stat = strconv.FormatFloat(*l.Statistical, 'f', 2, 64)
				}
				at := l.CreatedAt.In(set.Location).Format("2006-01-02 15:04")
				note := strings.Join(strings.Fields(l.Note), " ") // one line in the table
				if all {
					t.row(l.ID, l.Connection, l.SKU, l.Date.Format("2006-01"), l.Action, qty, stat, l.CreatedBy, l.Source, at, note)
				} else {
					t.row(l.Connection, l.SKU, l.Date.Format("2006-01"), qty, stat, l.CreatedBy, at, note)
				}
			}
			return t.flush()
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&conn, "connection", "c", "", "only this connection (ID or NAME)")
	fs.BoolVar(&all, "all", false, "every change ever made (sets and clears), oldest first")
	fs.BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// overrideConnections are the connections listed: the one named, or all of them (inactive ones too: their
// overrides are still stored).
func overrideConnections(ctx context.Context, s store.Store, ref string) ([]*store.Connection, error) {
	if ref != "" {
		c, err := engine.ResolveConnection(ctx, s, ref)
		if err != nil {
			return nil, err
		}
		return []*store.Connection{c}, nil
	}
	return s.ConnectionList(ctx, &store.ConnectionListParams{})
}

type overrideRecord struct {
	ID          int64     `json:"id"`
	Connection  string    `json:"connection"`
	SKU         string    `json:"sku"`
	Month       string    `json:"month"`
	Action      string    `json:"action"`
	Quantity    *float64  `json:"quantity"`
	Statistical *float64  `json:"statistical"`
	Note        string    `json:"note"`
	By          string    `json:"by"`
	Source      string    `json:"source"`
	At          time.Time `json:"at"`
}

func overrideJSON(lines []engine.OverrideLine) []overrideRecord {
	out := make([]overrideRecord, len(lines))
	for i, l := range lines {
		out[i] = overrideRecord{ID: l.ID, Connection: l.Connection, SKU: l.SKU, Month: l.Date.Format("2006-01"), Action: l.Action,
			Quantity: l.Quantity, Statistical: l.Statistical, Note: l.Note, By: l.CreatedBy, Source: l.Source, At: l.CreatedAt}
	}
	return out
}

// writeOverridesCSVFile writes the overrides a report's plan used, with the report's statistical forecast of
// each SKU-month (an empty cell: none).
func writeOverridesCSVFile(path string, lines []engine.OverrideLine) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"sku", "month", "statistical", "override", "note", "by", "at"}); err != nil {
			return err
		}
		for _, l := range lines {
			stat := ""
			if l.Statistical != nil {
				stat = strconv.FormatFloat(*l.Statistical, 'f', -1, 64)
			}
			if err := cw.Write([]string{l.SKU, l.Date.Format("2006-01"), stat, exactQty(*l.Quantity), l.Note, l.CreatedBy,
				l.CreatedAt.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}
