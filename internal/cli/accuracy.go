package cli

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/accuracy"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

func (app *App) accuracyCommand() *cobra.Command {
	var conn, by string
	var lags []int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "accuracy",
		Short: "Measure past forecasts against what was sold",
		Long: `Compare the kept past forecasts (every forecast run is kept: forecast_runs, forecast_snapshots) with the
demand of every completed month, the same monthly demand the forecaster builds from the stored sales. The lag-k
forecast of a month is what the last forecast run made k months before it forecast (lag 1: the last run of the
month before, the "past forecast" of frePPLe). For each lag (default 1, 3 and 6):

  MAE        mean absolute error
  bias       mean error, forecast - actual (positive: forecasts too high), and as a % of mean demand
  MASE       MAE scaled by the in-sample MAE of the seasonal naive over the history up to the forecast
             (of the naive for a SKU with a year of history or less; the footer says how many of each)
  in 80/95%  share of the actuals inside the 80% and 95% intervals
  FVA        forecast value added: how much lower the MAE is than that of the seasonal naive forecast made
             at the same origin from the history as it then was (positive: better than the benchmark)

--by sku, class, method or connection breaks each lag down (class and method: as forecast then).`,
		Example: `  salesengine accuracy
  salesengine accuracy --connection acme --lag 1 --by class
  salesengine accuracy --by method --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			group, ok := accuracy.By(""), true
			if by != "" {
				if group, ok = accuracy.ParseBy(by); !ok {
					return usagef("use --by sku, class, method or connection", "unknown grouping %q", by)
				}
			}
			s, eng, err := app.openEngineForReading(cmd.Context(), engine.NeedForecast)
			if err != nil {
				return err
			}
			defer s.Close()
			var conns []*store.Connection
			if conn != "" {
				c, err := engine.ResolveConnection(cmd.Context(), s, conn)
				if err != nil {
					return err
				}
				conns = []*store.Connection{c}
			} else if conns, err = s.ConnectionList(cmd.Context(), &store.ConnectionListParams{}); err != nil {
				return err
			}
			rep, err := eng.Accuracy(cmd.Context(), conns, lags, "")
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(app.Stdout, accuracyJSON(rep, group))
			}
			return writeAccuracy(app.Stdout, rep, group)
		},
	}
	cmd.Flags().StringVarP(&conn, "connection", "c", "", "only this connection (ID or NAME; default: every one)")
	cmd.Flags().IntSliceVar(&lags, "lag", nil, "months ahead the forecasts were made, e.g. --lag 1 or --lag 1,3 (default 1,3,6)")
	cmd.Flags().StringVar(&by, "by", "", "break each lag down by sku, class, method or connection")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// accuracyEmpty says why there are no figures and what to do, or "" when there are.
func accuracyEmpty(rep *engine.AccuracyReport) string {
	switch {
	case rep.Runs == 0:
		return "no past forecasts yet: every forecast run is kept from this version on. Run 'salesengine forecast' " +
			"(or let serve's schedule run it); figures come once a month forecast ahead has ended."
	case len(rep.Points) == 0 && rep.OldestMonth().Add(rep.Lags[0]) < rep.Current:
		// A month that could have a forecast has ended, and none was found.
		msg := fmt.Sprintf("no past forecast of a completed month at lag %s: the %d kept runs (the oldest from %s) forecast none "+
			"(a lag-k forecast needs a run in the month k months before, with a horizon beyond k)", joinInts(rep.Lags), rep.Runs,
			rep.Oldest.In(rep.Location).Format("2006-01-02"))
		if rep.NoSales > 0 {
			msg += fmt.Sprintf("; %d past forecasts were left out: no sales are stored under their SKU any more", rep.NoSales)
		}
		return msg + "."
	case len(rep.Points) == 0:
		first := rep.Lags[0] // the lags are sorted
		return fmt.Sprintf("no completed month has a past forecast yet: the oldest kept forecast run is from %s; "+
			"the first lag-%d figures come once %s has ended (keep forecasting at least once a month).",
			rep.Oldest.In(rep.Location).Format("2006-01-02"), first, rep.OldestMonth().Add(first))
	}
	return ""
}

func writeAccuracy(w io.Writer, rep *engine.AccuracyReport, by accuracy.By) error {
	if msg := accuracyEmpty(rep); msg != "" {
		_, err := fmt.Fprintln(w, msg)
		return err
	}
	fmt.Fprintf(w, "past forecasts against sales, completed months up to %s (error = forecast - actual; %d kept forecast runs)\n",
		rep.Current.Add(-1), rep.Runs)
	headers := []string{"forecasts", "skus", "MAE", "bias", "bias%", "MASE", "in 80%", "in 95%", "FVA"}
	cells := func(f accuracy.Figures) []any {
		return []any{f.Forecasts, f.SKUs, num(f.MAE, 2, false), num(f.Bias, 2, true), pct(f.BiasPct, true), num(f.MASE, 3, false),
			pct(100*f.Coverage80, false), pct(100*f.Coverage95, false), pct(f.FVA, true)}
	}
	all := accuracy.Measure(rep.Points)
	if by == "" {
		t := newTable(w, append([]string{"lag", "months"}, headers...)...)
		for _, k := range rep.Lags {
			ps := accuracy.AtLag(rep.Points, k)
			t.row(append([]any{k, monthRange(ps)}, cells(accuracy.Measure(ps))...)...)
		}
		if err := t.flush(); err != nil {
			return err
		}
	} else {
		for _, k := range rep.Lags {
			ps := accuracy.AtLag(rep.Points, k)
			if len(ps) == 0 {
				fmt.Fprintf(w, "\nlag %d: no completed month has a lag-%d forecast yet\n", k, k)
				continue
			}
			fmt.Fprintf(w, "\nlag %d, %s, by %s:\n", k, monthRange(ps), by)
			t := newTable(w, append([]string{string(by)}, headers...)...)
			for _, g := range accuracy.GroupBy(ps, by) {
				t.row(append([]any{g.Key}, cells(g.Figures)...)...)
			}
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "\nMASE: %d forecasts scaled by the seasonal naive, %d by the naive (a year of history or less), %d without a scale (a history constant or under two months).\n",
		all.MASESeasonal, all.MASEForecasts-all.MASESeasonal, all.Forecasts-all.MASEForecasts)
	fmt.Fprintf(w, "FVA: against the seasonal naive made at the same origin for %d forecasts, the naive (under a year of history) for %d.\n",
		all.BenchSeasonal, all.BenchForecasts-all.BenchSeasonal)
	if rep.NoSales > 0 {
		fmt.Fprintf(w, "%d past forecasts left out: no sales are stored under their SKU any more (renamed in Odoo, or every line removed).\n", rep.NoSales)
	}
	return nil
}

func monthRange(ps []accuracy.Point) string {
	if len(ps) == 0 {
		return "-"
	}
	first, last := accuracy.Months(ps)
	if first == last {
		return first.String()
	}
	return first.String() + ".." + last.String()
}

// num formats a figure ("-" when it cannot be computed), with a sign when asked.
func num(v float64, prec int, signed bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if signed && v >= 0 && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

func pct(v float64, signed bool) string {
	s := num(v, 1, signed)
	if s == "-" {
		return s
	}
	return s + "%"
}

type accuracyLagJSON struct {
	Lag    int              `json:"lag"`
	First  string           `json:"first_month,omitempty"`
	Last   string           `json:"last_month,omitempty"`
	All    accuracy.Figures `json:"all"`
	Groups []accuracy.Group `json:"groups,omitempty"`
}

type accuracyReportJSON struct {
	Message   string            `json:"message,omitempty"`
	Completed string            `json:"completed_through"`
	Runs      int               `json:"runs"`
	By        string            `json:"by,omitempty"`
	NoSales   int               `json:"left_out_no_sales"`
	Lags      []accuracyLagJSON `json:"lags"`
}

func accuracyJSON(rep *engine.AccuracyReport, by accuracy.By) accuracyReportJSON {
	out := accuracyReportJSON{Message: accuracyEmpty(rep), Completed: rep.Current.Add(-1).String(), Runs: rep.Runs, By: string(by),
		NoSales: rep.NoSales, Lags: []accuracyLagJSON{}}
	for _, k := range rep.Lags {
		ps := accuracy.AtLag(rep.Points, k)
		l := accuracyLagJSON{Lag: k, All: accuracy.Measure(ps)}
		if len(ps) > 0 {
			first, last := accuracy.Months(ps)
			l.First, l.Last = first.String(), last.String()
		}
		if by != "" {
			l.Groups = accuracy.GroupBy(ps, by)
		}
		out.Lags = append(out.Lags, l)
	}
	return out
}

func joinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}
