package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// Month statistics are summed up in Go from a scan of two columns rather than with GROUP BY: the engines spell
// "month of a timestamp" differently, and the scan holds one row at a time, so memory stays flat.

func (e *Exec) OrderMonthStatList(ctx context.Context, connectionID int64) ([]store.MonthStat, error) {
	return e.monthStats(ctx, `SELECT date_order, write_date FROM sales_orders
		WHERE connection_id = ? AND removed_at IS NULL AND state IN ('sale', 'done')`, connectionID)
}

func (e *Exec) ItemMonthStatList(ctx context.Context, connectionID int64) ([]store.MonthStat, error) {
	return e.monthStats(ctx, `SELECT write_date, write_date FROM sales_items
		WHERE connection_id = ? AND removed_at IS NULL AND order_state IN ('sale', 'done')`, connectionID)
}

func (e *Exec) monthStats(ctx context.Context, q string, args ...any) ([]store.MonthStat, error) {
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("month statistics: %w", err)
	}
	defer rows.Close()
	byMonth := map[time.Time]*store.MonthStat{}
	for rows.Next() {
		var date *time.Time
		var wd time.Time
		if err := rows.Scan(nullTimeDest{&date}, timeDest{&wd}); err != nil {
			return nil, err
		}
		var m time.Time
		if date != nil {
			m = time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		st := byMonth[m]
		if st == nil {
			st = &store.MonthStat{Month: m}
			byMonth[m] = st
		}
		st.Count++
		if wd = wd.Truncate(time.Second); wd.After(st.LastWrite) {
			st.LastWrite = wd
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]store.MonthStat, 0, len(byMonth))
	for _, st := range byMonth {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b store.MonthStat) int { return a.Month.Compare(b.Month) })
	return out, nil
}

func (e *Exec) OrderIDListByDate(ctx context.Context, connectionID int64, from, to time.Time) ([]int64, error) {
	if from.IsZero() {
		return e.idList(ctx, `SELECT order_id FROM sales_orders WHERE connection_id = ? AND removed_at IS NULL
			AND date_order IS NULL ORDER BY order_id`, connectionID)
	}
	return e.idList(ctx, `SELECT order_id FROM sales_orders WHERE connection_id = ? AND removed_at IS NULL
		AND date_order >= ? AND date_order < ? ORDER BY order_id`, connectionID, e.d.Time(from), e.d.Time(to))
}

func (e *Exec) ItemIDListByWriteDate(ctx context.Context, connectionID int64, from, to time.Time) ([]int64, error) {
	return e.idList(ctx, `SELECT line_id FROM sales_items WHERE connection_id = ? AND removed_at IS NULL
		AND write_date >= ? AND write_date < ? ORDER BY line_id`, connectionID, e.d.Time(from), e.d.Time(to))
}
