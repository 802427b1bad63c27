package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// backlogSum is the confirmed quantity not yet delivered, over sales_items: the one definition of backlog.
const backlogSum = `SUM(CASE WHEN quantity > qty_delivered THEN quantity - qty_delivered ELSE 0 END)
		FROM sales_items WHERE connection_id = ? AND removed_at IS NULL AND order_state IN ('sale', 'done')`

func (e *Exec) BacklogList(ctx context.Context, connectionID int64) (map[string]float64, error) {
	rows, err := e.query(ctx, `SELECT sku, `+backlogSum+` GROUP BY sku`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("read backlog: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var sku string
		var q float64
		if err := rows.Scan(&sku, &q); err != nil {
			return nil, err
		}
		out[sku] = q
	}
	return out, rows.Err()
}

func (e *Exec) OrderDueList(ctx context.Context, connectionID int64, from, to time.Time) ([]*store.OrderDue, error) {
	// An item's order may not be stored yet (lines and orders are written apart): its date_order stands.
	const due = `COALESCE(o.commitment_date, i.date_order)`
	const placed = `CASE WHEN i.date_order >= ? AND i.date_order < ? THEN 1 ELSE 0 END`
	rows, err := e.query(ctx, `SELECT i.sku, `+due+`, `+placed+`,
		SUM(CASE WHEN i.quantity > i.qty_delivered THEN i.quantity - i.qty_delivered ELSE 0 END),
		SUM(CASE WHEN i.qty_delivered > 0 THEN i.qty_delivered ELSE 0 END)
		FROM sales_items i LEFT JOIN sales_orders o ON o.connection_id = i.connection_id AND o.order_id = i.order_id
		WHERE i.connection_id = ? AND i.removed_at IS NULL AND i.order_state IN ('sale', 'done')
		AND (i.quantity > i.qty_delivered OR (i.date_order >= ? AND i.date_order < ?))
		GROUP BY 1, 2, 3 ORDER BY 1, 2 NULLS LAST, 3`,
		e.d.Time(from), e.d.Time(to), connectionID, e.d.Time(from), e.d.Time(to))
	if err != nil {
		return nil, fmt.Errorf("read open orders by due date: %w", err)
	}
	defer rows.Close()
	var out []*store.OrderDue
	for rows.Next() {
		var d store.OrderDue
		var placedFlag int
		if err := rows.Scan(&d.SKU, nullTimeDest{&d.Due}, &placedFlag, &d.Open, &d.Delivered); err != nil {
			return nil, fmt.Errorf("read open orders by due date: %w", err)
		}
		d.Placed = placedFlag == 1
		out = append(out, &d)
	}
	return out, rows.Err()
}

var productionSpec = upsertSpec{table: "production_forecast", keys: []string{"connection_id", "sku", "year", "month"}, cols: []string{
	"connection_id", "sku", "product_name", "year", "month", "forecast_quantity", "inventory", "production_needed",
	"safety_stock", "backlog", "recommended_quantity", "coverage_months", "stockout_month", "priority", "flags",
	"inventory_synced_at", "generated_at", "incoming_production", "incoming_purchase", "component_demand", "planned_quantity",
	"action", "release_date"}}

func (e *Exec) ProductionReplace(ctx context.Context, connectionID int64, months []store.YearMonth, rows []*store.ProductionRow) error {
	for _, m := range months {
		if _, err := e.exec(ctx, `DELETE FROM production_forecast WHERE connection_id = ? AND year = ? AND month = ?`,
			connectionID, m.Year, m.Month); err != nil {
			return fmt.Errorf("clear plan %04d-%02d: %w", m.Year, m.Month, err)
		}
	}
	vals := make([][]any, len(rows))
	for i, r := range rows {
		var stockout any
		if r.StockoutMonth != "" {
			stockout = r.StockoutMonth
		}
		vals[i] = []any{connectionID, r.SKU, r.ProductName, r.Year, r.Month, r.ForecastQuantity, r.Inventory,
			r.ProductionNeeded, r.SafetyStock, r.Backlog, r.Recommended, nullFloat(r.CoverageMonths), stockout, r.Priority,
			r.Flags, e.nullTime(r.InventorySyncedAt), e.d.Time(r.GeneratedAt), r.IncomingProduction, r.IncomingPurchase,
			r.ComponentDemand, r.PlannedQuantity, r.Action, e.nullDate(r.ReleaseDate)}
	}
	return e.upsert(ctx, productionSpec, vals)
}

func (e *Exec) ProductionList(ctx context.Context, p *store.ProductionListParams) ([]*store.ProductionRow, error) {
	q := `SELECT ` + joinCols(productionSpec.cols) + ` FROM production_forecast WHERE connection_id = ?`
	args := []any{p.ConnectionID}
	if p.Year != 0 {
		q += ` AND year = ? AND month = ?`
		args = append(args, p.Year, p.Month)
	}
	if p.Priority != "" {
		q += ` AND priority = ?`
		args = append(args, p.Priority)
	}
	if p.SKU != "" {
		q += ` AND sku = ?`
		args = append(args, p.SKU)
	}
	q += ` ORDER BY year, month, CASE priority WHEN 'ALTA' THEN 0 WHEN 'MEDIA' THEN 1 ELSE 2 END, production_needed DESC, sku`
	if p.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, p.Limit)
	}
	return e.productionRows(ctx, q, args...)
}

// productionRows runs a query of productionSpec's columns.
func (e *Exec) productionRows(ctx context.Context, q string, args ...any) ([]*store.ProductionRow, error) {
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list plan: %w", err)
	}
	defer rows.Close()
	var out []*store.ProductionRow
	for rows.Next() {
		var r store.ProductionRow
		var cov sql.NullFloat64
		var stockout sql.NullString
		if err := rows.Scan(&r.ConnectionID, &r.SKU, &r.ProductName, &r.Year, &r.Month, &r.ForecastQuantity, &r.Inventory,
			&r.ProductionNeeded, &r.SafetyStock, &r.Backlog, &r.Recommended, &cov, &stockout, &r.Priority, &r.Flags,
			nullTimeDest{&r.InventorySyncedAt}, timeDest{&r.GeneratedAt}, &r.IncomingProduction, &r.IncomingPurchase,
			&r.ComponentDemand, &r.PlannedQuantity, &r.Action, nullTimeDest{&r.ReleaseDate}); err != nil {
			return nil, fmt.Errorf("list plan: %w", err)
		}
		if cov.Valid {
			v := cov.Float64
			r.CoverageMonths = &v
		}
		r.StockoutMonth = stockout.String
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (e *Exec) PlanRunList(ctx context.Context, year, month int) ([]*store.PlanRun, error) {
	rows, err := e.query(ctx, `SELECT c.id,
		(SELECT MAX(f.generated_at) FROM forecast_stats f WHERE f.connection_id = c.id),
		(SELECT MAX(p.generated_at) FROM production_forecast p WHERE p.connection_id = c.id),
		(SELECT COUNT(*) FROM production_forecast p WHERE p.connection_id = c.id AND p.year = ? AND p.month = ? AND p.priority = 'ALTA'),
		(SELECT COUNT(*) FROM production_forecast p WHERE p.connection_id = c.id AND p.year = ? AND p.month = ? AND p.priority = 'MEDIA'),
		(SELECT COUNT(*) FROM production_forecast p WHERE p.connection_id = c.id AND p.year = ? AND p.month = ? AND p.priority = 'BAJA')
		FROM connections c ORDER BY c.name`, year, month, year, month, year, month)
	if err != nil {
		return nil, fmt.Errorf("plan runs: %w", err)
	}
	defer rows.Close()
	var out []*store.PlanRun
	for rows.Next() {
		r := store.PlanRun{Priorities: map[string]int64{}}
		var alta, media, baja int64
		if err := rows.Scan(&r.ConnectionID, nullTimeDest{&r.ForecastAt}, nullTimeDest{&r.PlanAt}, &alta, &media, &baja); err != nil {
			return nil, fmt.Errorf("plan runs: %w", err)
		}
		r.Priorities["ALTA"], r.Priorities["MEDIA"], r.Priorities["BAJA"] = alta, media, baja
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (e *Exec) BacklogGet(ctx context.Context, connectionID int64, sku string) (float64, error) {
	var q sql.NullFloat64
	if err := e.queryRow(ctx, `SELECT `+backlogSum+` AND sku = ?`, connectionID, sku).Scan(&q); err != nil {
		return 0, fmt.Errorf("read backlog of %q: %w", sku, err)
	}
	return q.Float64, nil
}

func (e *Exec) ProductionMonthList(ctx context.Context) ([]*store.ProductionMonth, error) {
	rows, err := e.query(ctx, `SELECT p.connection_id, c.name, p.year, p.month, COUNT(*) FROM production_forecast p
		JOIN connections c ON c.id = p.connection_id GROUP BY p.connection_id, c.name, p.year, p.month ORDER BY c.name, p.year, p.month`)
	if err != nil {
		return nil, fmt.Errorf("list plan months: %w", err)
	}
	defer rows.Close()
	var out []*store.ProductionMonth
	for rows.Next() {
		var m store.ProductionMonth
		if err := rows.Scan(&m.ConnectionID, &m.Connection, &m.Year, &m.Month, &m.Rows); err != nil {
			return nil, fmt.Errorf("list plan months: %w", err)
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

func (e *Exec) ProductionRangeList(ctx context.Context, p *store.ProductionRangeListParams) ([]*store.ProductionRow, error) {
	// year bounds first, so the (year, month) index narrows the scan; then the exact months.
	q := `SELECT ` + joinCols(productionSpec.cols) + ` FROM production_forecast WHERE year >= ? AND year <= ?
		AND year * 100 + month >= ? AND year * 100 + month <= ?`
	args := []any{p.From.Year, p.To.Year, p.From.Year*100 + p.From.Month, p.To.Year*100 + p.To.Month}
	if p.ConnectionID != 0 {
		q += ` AND connection_id = ?`
		args = append(args, p.ConnectionID)
	}
	return e.productionRows(ctx, q+` ORDER BY connection_id, year, month, sku`, args...)
}

// nullDate binds a *time.Time as NULL or as the dialect's date.
func (e *Exec) nullDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return e.d.Date(*t)
}
