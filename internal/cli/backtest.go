package cli

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/atomicfile"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/forecast"
)

func (app *App) backtestCommand() *cobra.Command {
	var input, conn string
	var holdout int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backtest",
		Short: "Measure forecast accuracy on held-out history",
		Long: `Hold out the last --holdout months of every series, forecast them from the rest with every method and with
the automatic choice, and report per method: MAE, RMSE (mean of per-series RMSE, and pooled over all points),
bias (ME = actual - forecast; positive means forecasts too low), MASE (scaled by the in-sample seasonal naive),
RMSSE (scaled by the in-sample naive), sMAPE and seconds. This is how to check accuracy on your own data.

The history is a long-format CSV (--input: series,month,value, month YYYY-MM, empty value = missing), or a
connection's stored sales (--connection).`,
		Example: `  salesengine backtest --input ../shared/data/hospital_long.csv --holdout 12
  salesengine backtest --connection acme --holdout 6 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (input == "") == (conn == "") {
				return usagef("e.g. --input history.csv", "give either --input FILE or --connection ID|NAME")
			}
			if holdout < 1 || holdout > 60 {
				return usagef("", "--holdout must be between 1 and 60 months, got %d", holdout)
			}
			bo := forecast.BacktestOptions{Holdout: holdout}
			if input != "" {
				if _, err := os.Stat(input); err != nil {
					return usagef("give the path of a CSV with columns series,month,value", "--input %s: %v", input, err)
				}
				_, err := forecast.BacktestFile(cmd.Context(), input, app.Stdout, bo, asJSON)
				return err
			}
			s, eng, err := app.openEngineForReading(cmd.Context(), engine.NeedForecast)
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := engine.ResolveConnection(cmd.Context(), s, conn)
			if err != nil {
				return err
			}
			rep, err := eng.Backtest(cmd.Context(), c, bo)
			if err != nil {
				return err
			}
			if asJSON {
				return rep.WriteJSON(app.Stdout)
			}
			return rep.WriteTable(app.Stdout)
		},
	}
	cmd.Flags().StringVar(&input, "input", "", "long-format history CSV (series,month,value)")
	cmd.Flags().StringVarP(&conn, "connection", "c", "", "backtest this connection's stored sales instead")
	cmd.Flags().IntVar(&holdout, "holdout", 12, "months held out at the end of every series")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// writeSummaryCSV writes one row per SKU: how it was forecast (atomically, like every file we write). A
// measure that does not exist for a SKU (no backtest of a dead one) is an empty cell.
func writeSummaryCSV(path string, res []forecast.Result) error {
	return atomicfile.Write(path, func(out io.Writer) error {
		w := csv.NewWriter(out)
		f := func(v float64) string {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ""
			}
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		_ = w.Write([]string{"series", "method", "model", "class", "backtest_rmsse", "bias", "origins", "history_months", "mean", "std", "adi", "cv2",
			"outlier_count", "outlier_months", "stockout_months", "censored_months"})
		monthList := func(ms []forecast.Month) string {
			s := make([]string, len(ms))
			for i, m := range ms {
				s[i] = m.String()
			}
			return strings.Join(s, ",")
		}
		for _, r := range res {
			outliers := make([]forecast.Month, len(r.Outliers))
			for i, o := range r.Outliers {
				outliers[i] = o.Month
			}
			_ = w.Write([]string{r.ID, r.Method, r.Model, string(r.Class), f(r.BacktestRMSSE), f(r.Bias), strconv.Itoa(r.Origins),
				strconv.Itoa(r.HistoryLength), f(r.Mean), f(r.Std), f(r.ADI), f(r.CV2), strconv.Itoa(len(r.Outliers)), monthList(outliers),
				monthList(r.StockoutMonths), monthList(r.CensoredMonths)})
		}
		w.Flush()
		return w.Error()
	})
}
