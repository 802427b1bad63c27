package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

var orderTable = table[*store.Order]{upsertSpec: upsertSpec{table: "sales_orders", keys: []string{"connection_id", "order_id"}, cols: []string{
	"connection_id", "order_id", "name", "state", "date_order", "write_date", "partner_id", "partner_name",
	"company_id", "company_name", "currency", "amount_untaxed", "amount_tax", "amount_total", "client_order_ref",
	"commitment_date", "warehouse_id", "warehouse_name", "removed_at", "synced_at"},
	pgTypes: []string{"bigint", "bigint", "text", "text", "timestamptz", "timestamptz", "bigint", "text", "bigint", "text",
		"text", "float8", "float8", "float8", "text", "timestamptz", "bigint", "text", "timestamptz", "timestamptz"}},
	bind: func(b *binder, dst []any, o *store.Order) []any {
		return append(dst, b.int(o.ConnectionID), o.OrderID, o.Name, b.str(o.State), b.nullTime(o.DateOrder), b.time(o.WriteDate),
			b.nullInt(o.PartnerID), b.str(o.PartnerName), b.nullInt(o.CompanyID), b.str(o.CompanyName), b.str(o.Currency),
			o.AmountUntaxed, o.AmountTax, o.AmountTotal, o.ClientOrderRef, b.nullTime(o.CommitmentDate),
			b.nullInt(o.WarehouseID), b.str(o.WarehouseName), b.nullTime(o.RemovedAt), b.time(o.SyncedAt))
	},
	copy: func(c *copyEncoder, o *store.Order) {
		c.int8(o.ConnectionID)
		c.int8(o.OrderID)
		c.text(o.Name)
		c.text(o.State)
		c.nullTimestamptz(o.DateOrder)
		c.timestamptz(o.WriteDate)
		c.nullInt8(o.PartnerID)
		c.text(o.PartnerName)
		c.nullInt8(o.CompanyID)
		c.text(o.CompanyName)
		c.text(o.Currency)
		c.float8(o.AmountUntaxed)
		c.float8(o.AmountTax)
		c.float8(o.AmountTotal)
		c.text(o.ClientOrderRef)
		c.nullTimestamptz(o.CommitmentDate)
		c.nullInt8(o.WarehouseID)
		c.text(o.WarehouseName)
		c.nullTimestamptz(o.RemovedAt)
		c.timestamptz(o.SyncedAt)
	},
}

var orderSpec = orderTable.upsertSpec

func scanOrder(r rowScanner) (*store.Order, error) {
	var o store.Order
	var partner, company, warehouse sql.NullInt64
	err := r.Scan(&o.ConnectionID, &o.OrderID, &o.Name, &o.State, nullTimeDest{&o.DateOrder}, timeDest{&o.WriteDate},
		&partner, &o.PartnerName, &company, &o.CompanyName, &o.Currency, &o.AmountUntaxed, &o.AmountTax,
		&o.AmountTotal, &o.ClientOrderRef, nullTimeDest{&o.CommitmentDate}, &warehouse, &o.WarehouseName,
		nullTimeDest{&o.RemovedAt}, timeDest{&o.SyncedAt})
	o.PartnerID, o.CompanyID, o.WarehouseID = partner.Int64, company.Int64, warehouse.Int64
	return &o, err
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// orderChanged compares everything but synced_at.
func orderChanged(a, b *store.Order) bool {
	return a.Name != b.Name || a.State != b.State || !sameTime(a.DateOrder, b.DateOrder) || !a.WriteDate.Equal(b.WriteDate) ||
		a.PartnerID != b.PartnerID || a.PartnerName != b.PartnerName || a.CompanyID != b.CompanyID ||
		a.CompanyName != b.CompanyName || a.Currency != b.Currency || a.AmountUntaxed != b.AmountUntaxed ||
		a.AmountTax != b.AmountTax || a.AmountTotal != b.AmountTotal || a.ClientOrderRef != b.ClientOrderRef ||
		!sameTime(a.CommitmentDate, b.CommitmentDate) || a.WarehouseID != b.WarehouseID ||
		a.WarehouseName != b.WarehouseName || !sameTime(a.RemovedAt, b.RemovedAt)
}

func (e *Exec) OrderGetMany(ctx context.Context, connectionID int64, ids []int64) (map[int64]*store.Order, error) {
	out := make(map[int64]*store.Order, len(ids))
	err := inChunks(ids, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		rows, err := e.query(ctx, `SELECT `+joinCols(orderSpec.cols)+` FROM sales_orders WHERE connection_id = ? AND order_id IN (`+ph+`)`,
			append([]any{connectionID}, args...)...)
		if err != nil {
			return fmt.Errorf("read orders: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrder(rows)
			if err != nil {
				return err
			}
			out[o.OrderID] = o
		}
		return rows.Err()
	})
	return out, err
}

func (e *Exec) OrderUpsertMany(ctx context.Context, orders []*store.Order) (store.UpsertResult, error) {
	var res store.UpsertResult
	for conn, group := range byConnection(orders, func(o *store.Order) int64 { return o.ConnectionID }) {
		ids := make([]int64, len(group))
		for i, o := range group {
			ids[i] = o.OrderID
		}
		existing, err := e.OrderGetMany(ctx, conn, ids)
		if err != nil {
			return res, err
		}
		r, err := e.OrderWriteMany(ctx, group, existing)
		res.Inserted, res.Updated = res.Inserted+r.Inserted, res.Updated+r.Updated
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func (e *Exec) OrderWriteMany(ctx context.Context, orders []*store.Order, stored map[int64]*store.Order) (store.UpsertResult, error) {
	return writeChanged(ctx, e, orderTable, orders, stored, func(o *store.Order) (int64, int64) { return o.ConnectionID, o.OrderID },
		orderChanged)
}

// writeChanged upserts the rows that are new or differ from their stored version (stored: by id, one
// connection's), and counts them. On SQLite the new ones go through insertNew.
func writeChanged[T any](ctx context.Context, e *Exec, t table[T], rows []T, stored map[int64]T,
	key func(T) (conn, id int64), changed func(old, new T) bool) (store.UpsertResult, error) {
	var res store.UpsertResult
	var out, fresh []T
	split := e.d.Name() == store.DialectSQLite
	for _, r := range rows {
		conn, id := key(r)
		if first, _ := key(rows[0]); conn != first {
			return store.UpsertResult{}, fmt.Errorf("write %s: rows of connections %d and %d in one call; the stored versions are keyed by id alone", t.table, first, conn)
		}
		old, ok := stored[id]
		switch {
		case !ok:
			res.Inserted++
			if split {
				fresh = append(fresh, r)
				continue
			}
		case changed(old, r):
			res.Updated++
		default:
			continue
		}
		out = append(out, r)
	}
	if err := insertNew(ctx, e, t, fresh); err != nil {
		return store.UpsertResult{}, err
	}
	if err := upsertRows(ctx, e, t, out); err != nil {
		return store.UpsertResult{}, err
	}
	return res, nil
}

func (e *Exec) OrderIDList(ctx context.Context, connectionID int64) ([]int64, error) {
	return e.idList(ctx, `SELECT order_id FROM sales_orders WHERE connection_id = ? AND removed_at IS NULL ORDER BY order_id`, connectionID)
}

func (e *Exec) OrderMarkRemoved(ctx context.Context, connectionID int64, ids []int64, at time.Time) (int64, error) {
	var n int64
	err := inChunks(ids, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		head := []any{e.d.Time(at), connectionID}
		res, err := e.exec(ctx, `UPDATE sales_orders SET removed_at = ? WHERE connection_id = ? AND removed_at IS NULL AND order_id IN (`+ph+`)`, append(head, args...)...)
		if err != nil {
			return fmt.Errorf("mark orders removed: %w", err)
		}
		c, _ := res.RowsAffected()
		n += c
		if _, err := e.exec(ctx, `UPDATE sales_items SET removed_at = ? WHERE connection_id = ? AND removed_at IS NULL AND order_id IN (`+ph+`)`, append(head, args...)...); err != nil {
			return fmt.Errorf("mark items of removed orders: %w", err)
		}
		return nil
	})
	return n, err
}

func (e *Exec) idList(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func byConnection[T any](rows []T, conn func(T) int64) map[int64][]T {
	out := map[int64][]T{}
	for _, r := range rows {
		out[conn(r)] = append(out[conn(r)], r)
	}
	return out
}

func joinCols(cols []string) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}

func (e *Exec) StatisticsRefresh(ctx context.Context) error {
	q := `ANALYZE sales_orders`
	if e.d.Name() == store.DialectSQLite {
		q = `PRAGMA optimize`
	}
	if _, err := e.exec(ctx, q); err != nil {
		return fmt.Errorf("refresh statistics: %w", err)
	}
	if e.d.Name() == store.DialectPostgres {
		if _, err := e.exec(ctx, `ANALYZE sales_items`); err != nil {
			return fmt.Errorf("refresh statistics: %w", err)
		}
	}
	return nil
}

func (e *Exec) CommitAsync(ctx context.Context) error {
	if e.d.Name() != store.DialectPostgres {
		return nil
	}
	if _, err := e.exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return fmt.Errorf("relax commit: %w", err)
	}
	return nil
}
