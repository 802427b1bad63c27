package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// demandWhere selects the lines that count as demand: confirmed, not removed, with an order date.
const demandWhere = `SELECT sku, date_order, quantity FROM sales_items WHERE connection_id = ? AND removed_at IS NULL
		AND order_state IN ('sale', 'done') AND date_order IS NOT NULL`

func (e *Exec) DemandList(ctx context.Context, connectionID int64, since time.Time) ([]store.Demand, error) {
	q := demandWhere
	args := []any{connectionID}
	if !since.IsZero() {
		q += ` AND date_order >= ?`
		args = append(args, e.d.Time(since))
	}
	return e.demand(ctx, q, args...)
}

func (e *Exec) DemandListBySKU(ctx context.Context, connectionID int64, sku string) ([]store.Demand, error) {
	return e.demand(ctx, demandWhere+` AND sku = ?`, connectionID, sku)
}

func (e *Exec) demand(ctx context.Context, q string, args ...any) ([]store.Demand, error) {
	rows, err := e.query(ctx, q+` ORDER BY date_order, line_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read demand: %w", err)
	}
	defer rows.Close()
	var out []store.Demand
	for rows.Next() {
		var d store.Demand
		if err := rows.Scan(&d.SKU, timeDest{&d.DateOrder}, &d.Quantity); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

var forecastSpec = upsertSpec{table: "forecast", keys: []string{"connection_id", "sku", "forecast_date"}, cols: []string{
	"connection_id", "sku", "forecast_date", "year", "month", "forecasted_quantity", "lower_bound", "upper_bound",
	"interval_level", "lower_95", "upper_95", "method", "generated_at"}}

var forecastStatSpec = upsertSpec{table: "forecast_stats", keys: []string{"connection_id", "sku"}, cols: []string{
	"connection_id", "sku", "method", "model", "demand_class", "backtest_rmsse", "bias", "origins", "history_months",
	"mean_demand", "std_demand", "adi", "cv2", "last_month", "generated_at", "runner_up_method", "runner_up_rmsse",
	"outlier_count", "outlier_months", "outlier_raw", "outlier_cleaned", "stockout_months", "censored_months"}}

func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// nullString stores "" as NULL.
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func (e *Exec) ForecastReplace(ctx context.Context, connectionID int64, rows []*store.ForecastRow, stats []*store.ForecastStat) error {
	for _, t := range []string{"forecast", "forecast_stats"} {
		if _, err := e.exec(ctx, `DELETE FROM `+t+` WHERE connection_id = ?`, connectionID); err != nil {
			return fmt.Errorf("clear %s: %w", t, err)
		}
	}
	vals := make([][]any, len(rows))
	for i, r := range rows {
		vals[i] = []any{connectionID, r.SKU, e.d.Date(r.Date), r.Date.Year(), int(r.Date.Month()), r.Quantity, r.Lower,
			r.Upper, r.IntervalLevel, r.Lower95, r.Upper95, r.Method, e.d.Time(r.GeneratedAt)}
	}
	if err := e.upsert(ctx, forecastSpec, vals); err != nil {
		return err
	}
	vals = make([][]any, len(stats))
	for i, s := range stats {
		months, raw, cleaned := outlierColumns(s.Outliers)
		vals[i] = []any{connectionID, s.SKU, s.Method, s.Model, s.Class, nullFloat(s.BacktestRMSSE), nullFloat(s.Bias),
			s.Origins, s.HistoryMonths, s.MeanDemand, s.StdDemand, nullFloat(s.ADI), nullFloat(s.CV2),
			e.d.Date(s.LastMonth), e.d.Time(s.GeneratedAt), nullString(s.RunnerUp), nullFloat(s.RunnerUpRMSSE),
			len(s.Outliers), months, raw, cleaned, formatMonths(s.StockoutMonths), formatMonths(s.CensoredMonths)}
	}
	return e.upsert(ctx, forecastStatSpec, vals)
}

func (e *Exec) ForecastList(ctx context.Context, p *store.ForecastListParams) ([]*store.ForecastRow, error) {
	q := `SELECT connection_id, sku, forecast_date, forecasted_quantity, lower_bound, upper_bound, interval_level,
		lower_95, upper_95, method, generated_at FROM forecast WHERE connection_id = ?`
	args := []any{p.ConnectionID}
	if p.SKU != "" {
		q += ` AND sku = ?`
		args = append(args, p.SKU)
	}
	if !p.From.IsZero() {
		q += ` AND forecast_date >= ?`
		args = append(args, e.d.Date(p.From))
	}
	if !p.To.IsZero() {
		q += ` AND forecast_date <= ?`
		args = append(args, e.d.Date(p.To))
	}
	rows, err := e.query(ctx, q+` ORDER BY sku, forecast_date`, args...)
	if err != nil {
		return nil, fmt.Errorf("list forecast: %w", err)
	}
	defer rows.Close()
	var out []*store.ForecastRow
	for rows.Next() {
		var r store.ForecastRow
		if err := rows.Scan(&r.ConnectionID, &r.SKU, timeDest{&r.Date}, &r.Quantity, &r.Lower, &r.Upper, &r.IntervalLevel,
			&r.Lower95, &r.Upper95, &r.Method, timeDest{&r.GeneratedAt}); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (e *Exec) ForecastStatList(ctx context.Context, connectionID int64) ([]*store.ForecastStat, error) {
	rows, err := e.query(ctx, `SELECT `+joinCols(forecastStatSpec.cols)+` FROM forecast_stats WHERE connection_id = ? ORDER BY sku`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list forecast stats: %w", err)
	}
	defer rows.Close()
	var out []*store.ForecastStat
	for rows.Next() {
		s, err := scanForecastStat(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (e *Exec) ForecastStatGet(ctx context.Context, connectionID int64, sku string) (*store.ForecastStat, error) {
	s, err := scanForecastStat(e.queryRow(ctx, `SELECT `+joinCols(forecastStatSpec.cols)+` FROM forecast_stats WHERE connection_id = ? AND sku = ?`,
		connectionID, sku))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("forecast stats of %q: %w", sku, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read forecast stats: %w", err)
	}
	return s, nil
}

func scanForecastStat(r rowScanner) (*store.ForecastStat, error) {
	var s store.ForecastStat
	var rmsse, bias, adi, cv2, runnerUpRMSSE sql.NullFloat64
	var runnerUp sql.NullString
	var nOutliers int
	var months, raw, cleaned, stockouts, censored string
	if err := r.Scan(&s.ConnectionID, &s.SKU, &s.Method, &s.Model, &s.Class, &rmsse, &bias, &s.Origins,
		&s.HistoryMonths, &s.MeanDemand, &s.StdDemand, &adi, &cv2, timeDest{&s.LastMonth}, timeDest{&s.GeneratedAt},
		&runnerUp, &runnerUpRMSSE, &nOutliers, &months, &raw, &cleaned, &stockouts, &censored); err != nil {
		return nil, err
	}
	var err error
	if s.Outliers, err = parseOutlierColumns(months, raw, cleaned); err != nil || len(s.Outliers) != nOutliers {
		return nil, fmt.Errorf("forecast stats of %q: outlier columns (%d: %q, %q, %q) do not match: %v", s.SKU, nOutliers, months, raw, cleaned, err)
	}
	if s.StockoutMonths, err = parseMonths(stockouts); err != nil {
		return nil, fmt.Errorf("stockout_months of %q: %w", s.SKU, err)
	}
	if s.CensoredMonths, err = parseMonths(censored); err != nil {
		return nil, fmt.Errorf("censored_months of %q: %w", s.SKU, err)
	}
	for _, p := range []struct {
		src sql.NullFloat64
		dst **float64
	}{{rmsse, &s.BacktestRMSSE}, {bias, &s.Bias}, {adi, &s.ADI}, {cv2, &s.CV2}, {runnerUpRMSSE, &s.RunnerUpRMSSE}} {
		if p.src.Valid {
			v := p.src.Float64
			*p.dst = &v
		}
	}
	s.RunnerUp = runnerUp.String
	return &s, nil
}

// outlierColumns encodes cleaned months as the outlier_months ("2025-03,2025-07"), outlier_raw and
// outlier_cleaned (numbers in the same order) columns; all empty when there are none.
func outlierColumns(cm []store.CleanedMonth) (months, raw, cleaned string) {
	var m, r, c []string
	for _, o := range cm {
		m = append(m, o.Month.Format("2006-01"))
		r = append(r, strconv.FormatFloat(o.Raw, 'g', -1, 64))
		c = append(c, strconv.FormatFloat(o.Cleaned, 'g', -1, 64))
	}
	return strings.Join(m, ","), strings.Join(r, ","), strings.Join(c, ",")
}

func parseOutlierColumns(months, raw, cleaned string) ([]store.CleanedMonth, error) {
	if months == "" && raw == "" && cleaned == "" {
		return nil, nil
	}
	m, r, c := strings.Split(months, ","), strings.Split(raw, ","), strings.Split(cleaned, ",")
	if len(r) != len(m) || len(c) != len(m) {
		return nil, fmt.Errorf("%d months, %d raw and %d cleaned values", len(m), len(r), len(c))
	}
	out := make([]store.CleanedMonth, len(m))
	for i := range m {
		t, err := time.Parse("2006-01", m[i])
		if err != nil {
			return nil, err
		}
		rv, err := strconv.ParseFloat(r[i], 64)
		if err != nil {
			return nil, err
		}
		cv, err := strconv.ParseFloat(c[i], 64)
		if err != nil {
			return nil, err
		}
		out[i] = store.CleanedMonth{Month: t, Raw: rv, Cleaned: cv}
	}
	return out, nil
}

// formatMonths stores months as "2025-03,2025-04" (” for none).
func formatMonths(ms []time.Time) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.UTC().Format("2006-01")
	}
	return strings.Join(parts, ",")
}

func parseMonths(s string) ([]time.Time, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]time.Time, len(parts))
	for i, p := range parts {
		t, err := time.Parse("2006-01", p)
		if err != nil {
			return nil, fmt.Errorf("month %q: %w", p, err)
		}
		out[i] = t
	}
	return out, nil
}
