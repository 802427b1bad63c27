package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// stockMoveTable is written like the sales lines (bulk.go): a first sync stores the whole stock history, as many
// moves as lines or more, through binary COPY on PostgreSQL.
var stockMoveTable = table[*store.StockMove]{upsertSpec: upsertSpec{table: "stock_moves", keys: []string{"connection_id", "move_id"},
	cols: []string{"connection_id", "move_id", "product_id", "quantity", "date", "location_id", "location_dest_id", "location_usage",
		"location_dest_usage", "state", "company_id", "write_date", "removed_at", "synced_at"},
	pgTypes: []string{"bigint", "bigint", "bigint", "float8", "timestamptz", "bigint", "bigint", "text", "text", "text", "bigint",
		"timestamptz", "timestamptz", "timestamptz"}},
	bind: func(b *binder, dst []any, r *store.StockMove) []any {
		return append(dst, b.int(r.ConnectionID), r.MoveID, b.int(r.ProductID), b.float(r.Quantity), b.time(r.Date),
			b.nullInt(r.LocationID), b.nullInt(r.LocationDestID), b.str(r.LocationUsage), b.str(r.LocationDestUsage), b.str(r.State),
			b.nullInt(r.CompanyID), b.time(r.WriteDate), b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	},
	copy: func(c *copyEncoder, r *store.StockMove) {
		c.int8(r.ConnectionID)
		c.int8(r.MoveID)
		c.int8(r.ProductID)
		c.float8(r.Quantity)
		c.timestamptz(r.Date)
		c.nullInt8(r.LocationID)
		c.nullInt8(r.LocationDestID)
		c.text(r.LocationUsage)
		c.text(r.LocationDestUsage)
		c.text(r.State)
		c.nullInt8(r.CompanyID)
		c.timestamptz(r.WriteDate)
		c.nullTimestamptz(r.RemovedAt)
		c.timestamptz(r.SyncedAt)
	}}

func scanStockMove(r rowScanner) (*store.StockMove, error) {
	var m store.StockMove
	err := r.Scan(&m.ConnectionID, &m.MoveID, &m.ProductID, &m.Quantity, timeDest{&m.Date}, nullID{&m.LocationID},
		nullID{&m.LocationDestID}, &m.LocationUsage, &m.LocationDestUsage, &m.State, nullID{&m.CompanyID}, timeDest{&m.WriteDate},
		nullTimeDest{&m.RemovedAt}, timeDest{&m.SyncedAt})
	return &m, err
}

func (e *Exec) StockMoveUpsertMany(ctx context.Context, rows []*store.StockMove) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, stockMoveTable, rows, func(r *store.StockMove) (int64, int64) { return r.ConnectionID, r.MoveID }, scanStockMove)
}

func (e *Exec) StockMoveWriteMany(ctx context.Context, rows []*store.StockMove, stored map[int64]*store.StockMove) (store.UpsertResult, error) {
	if len(rows) == 0 {
		return store.UpsertResult{}, nil
	}
	return writeChanged(ctx, e, stockMoveTable, rows, stored, func(r *store.StockMove) (int64, int64) { return r.ConnectionID, r.MoveID },
		func(old, new *store.StockMove) bool { return !sameRow(old, new) })
}

func (e *Exec) StockMoveList(ctx context.Context, connectionID int64, since time.Time) ([]*store.StockMove, error) {
	where := ` AND removed_at IS NULL AND (location_usage = 'internal') <> (location_dest_usage = 'internal')`
	args := []any{connectionID}
	if !since.IsZero() {
		where += ` AND date >= ?`
		args = append(args, e.d.Time(since))
	}
	out, err := supplyRows(ctx, e, stockMoveTable, scanStockMove, where, args...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *store.StockMove) int {
		return cmp.Or(cmp.Compare(a.ProductID, b.ProductID), a.Date.Compare(b.Date), cmp.Compare(a.MoveID, b.MoveID))
	})
	return out, nil
}

func (e *Exec) StockMoveNetList(ctx context.Context, connectionID int64) ([]store.StockMoveNet, error) {
	rows, err := e.query(ctx, `SELECT product_id, date, CASE WHEN location_dest_usage = 'internal' THEN quantity ELSE -quantity END
		FROM stock_moves WHERE connection_id = ? AND removed_at IS NULL
		AND (location_usage = 'internal') <> (location_dest_usage = 'internal') ORDER BY product_id, date, move_id`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list stock moves: %w", err)
	}
	defer rows.Close()
	var out []store.StockMoveNet
	for rows.Next() {
		var m store.StockMoveNet
		if err := rows.Scan(&m.ProductID, timeDest{&m.Date}, &m.Net); err != nil {
			return nil, fmt.Errorf("list stock moves: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
