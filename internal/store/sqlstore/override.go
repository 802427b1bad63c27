package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/salesengine/salesengine/internal/store"
)

const overrideColumns = `id, connection_id, sku, forecast_date, action, quantity, note, created_by, source, created_at`

func (e *Exec) ForecastOverrideInsert(ctx context.Context, o *store.ForecastOverride) (int64, error) {
	var id int64
	err := e.queryRow(ctx, `INSERT INTO forecast_overrides (connection_id, sku, forecast_date, action, quantity, note,
		created_by, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		o.ConnectionID, o.SKU, e.d.Date(o.Date), o.Action, nullFloat(o.Quantity), o.Note, o.CreatedBy, o.Source,
		e.d.Time(o.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record the forecast override of %q for %s: %w", o.SKU, o.Date.Format("2006-01"), err)
	}
	o.ID = id
	return id, nil
}

func (e *Exec) ForecastOverrideList(ctx context.Context, p *store.ForecastOverrideListParams) ([]*store.ForecastOverride, error) {
	q := `SELECT ` + overrideColumns + ` FROM forecast_overrides o WHERE 1 = 1`
	var args []any
	if p.ConnectionID != 0 {
		q += ` AND connection_id = ?`
		args = append(args, p.ConnectionID)
	}
	if p.SKU != "" {
		q += ` AND sku = ?`
		args = append(args, p.SKU)
	}
	if !p.From.IsZero() {
		q += ` AND forecast_date >= ?`
		args = append(args, e.d.Date(p.From))
	}
	if p.History {
		q += ` ORDER BY id`
	} else {
		// The newest row of each SKU-month, when it sets: one probe of the (connection_id, sku, forecast_date, id)
		// index per row.
		q += ` AND action = 'set' AND id = (SELECT MAX(n.id) FROM forecast_overrides n WHERE n.connection_id = o.connection_id
			AND n.sku = o.sku AND n.forecast_date = o.forecast_date) ORDER BY connection_id, sku, forecast_date`
	}
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list forecast overrides: %w", err)
	}
	defer rows.Close()
	var out []*store.ForecastOverride
	for rows.Next() {
		var o store.ForecastOverride
		var qty sql.NullFloat64
		if err := rows.Scan(&o.ID, &o.ConnectionID, &o.SKU, timeDest{&o.Date}, &o.Action, &qty, &o.Note, &o.CreatedBy,
			&o.Source, timeDest{&o.CreatedAt}); err != nil {
			return nil, fmt.Errorf("list forecast overrides: %w", err)
		}
		if qty.Valid {
			v := qty.Float64
			o.Quantity = &v
		}
		out = append(out, &o)
	}
	return out, rows.Err()
}
