package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

var itemTable = table[*store.Item]{upsertSpec: upsertSpec{table: "sales_items", keys: []string{"connection_id", "line_id"}, cols: []string{
	"connection_id", "line_id", "order_id", "order_name", "order_state", "date_order", "sku", "product_id",
	"product_name", "quantity", "uom", "qty_delivered", "qty_invoiced", "price_unit", "discount", "subtotal",
	"total", "currency", "company_id", "write_date", "removed_at", "synced_at", "updated_at"},
	pgTypes: []string{"bigint", "bigint", "bigint", "text", "text", "timestamptz", "text", "bigint", "text", "float8", "text",
		"float8", "float8", "float8", "float8", "float8", "float8", "text", "bigint", "timestamptz", "timestamptz",
		"timestamptz", "timestamptz"}},
	bind: func(b *binder, dst []any, it *store.Item) []any {
		return append(dst, b.int(it.ConnectionID), it.LineID, b.int(it.OrderID), b.str(it.OrderName), b.str(it.OrderState),
			b.nullTime(it.DateOrder), b.str(it.SKU), b.nullInt(it.ProductID), b.str(it.ProductName), b.float(it.Quantity),
			b.str(it.UoM), b.float(it.QtyDelivered), b.float(it.QtyInvoiced), b.float(it.PriceUnit), b.float(it.Discount),
			it.Subtotal, it.Total, b.str(it.Currency), b.nullInt(it.CompanyID), b.time(it.WriteDate),
			b.nullTime(it.RemovedAt), b.time(it.SyncedAt), b.time(it.UpdatedAt))
	},
	copy: func(c *copyEncoder, it *store.Item) {
		c.int8(it.ConnectionID)
		c.int8(it.LineID)
		c.int8(it.OrderID)
		c.text(it.OrderName)
		c.text(it.OrderState)
		c.nullTimestamptz(it.DateOrder)
		c.text(it.SKU)
		c.nullInt8(it.ProductID)
		c.text(it.ProductName)
		c.float8(it.Quantity)
		c.text(it.UoM)
		c.float8(it.QtyDelivered)
		c.float8(it.QtyInvoiced)
		c.float8(it.PriceUnit)
		c.float8(it.Discount)
		c.float8(it.Subtotal)
		c.float8(it.Total)
		c.text(it.Currency)
		c.nullInt8(it.CompanyID)
		c.timestamptz(it.WriteDate)
		c.nullTimestamptz(it.RemovedAt)
		c.timestamptz(it.SyncedAt)
		c.timestamptz(it.UpdatedAt)
	},
}

var itemSpec = itemTable.upsertSpec

func scanItem(r rowScanner) (*store.Item, error) {
	var it store.Item
	var product, company sql.NullInt64
	err := r.Scan(&it.ConnectionID, &it.LineID, &it.OrderID, &it.OrderName, &it.OrderState, nullTimeDest{&it.DateOrder},
		&it.SKU, &product, &it.ProductName, &it.Quantity, &it.UoM, &it.QtyDelivered, &it.QtyInvoiced, &it.PriceUnit,
		&it.Discount, &it.Subtotal, &it.Total, &it.Currency, &company, timeDest{&it.WriteDate},
		nullTimeDest{&it.RemovedAt}, timeDest{&it.SyncedAt}, timeDest{&it.UpdatedAt})
	it.ProductID, it.CompanyID = product.Int64, company.Int64
	return &it, err
}

// itemChanged compares everything but synced_at and updated_at.
func itemChanged(a, b *store.Item) bool {
	return a.OrderID != b.OrderID || a.OrderName != b.OrderName || a.OrderState != b.OrderState ||
		!sameTime(a.DateOrder, b.DateOrder) || a.SKU != b.SKU || a.ProductID != b.ProductID ||
		a.ProductName != b.ProductName || a.Quantity != b.Quantity || a.UoM != b.UoM ||
		a.QtyDelivered != b.QtyDelivered || a.QtyInvoiced != b.QtyInvoiced || a.PriceUnit != b.PriceUnit ||
		a.Discount != b.Discount || a.Subtotal != b.Subtotal || a.Total != b.Total || a.Currency != b.Currency ||
		a.CompanyID != b.CompanyID || !a.WriteDate.Equal(b.WriteDate) || !sameTime(a.RemovedAt, b.RemovedAt)
}

func (e *Exec) itemsWhere(ctx context.Context, where string, connectionID int64, ids []int64) ([]*store.Item, error) {
	var out []*store.Item
	err := inChunks(ids, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		rows, err := e.query(ctx, `SELECT `+joinCols(itemSpec.cols)+` FROM sales_items WHERE connection_id = ? AND `+where+` IN (`+ph+`) ORDER BY line_id`,
			append([]any{connectionID}, args...)...)
		if err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

func (e *Exec) ItemGetMany(ctx context.Context, connectionID int64, lineIDs []int64) (map[int64]*store.Item, error) {
	items, err := e.itemsWhere(ctx, "line_id", connectionID, lineIDs)
	out := make(map[int64]*store.Item, len(items))
	for _, it := range items {
		out[it.LineID] = it
	}
	return out, err
}

func (e *Exec) ItemListByOrder(ctx context.Context, connectionID int64, orderIDs []int64) ([]*store.Item, error) {
	items, err := e.itemsWhere(ctx, "removed_at IS NULL AND order_id", connectionID, orderIDs)
	return items, err
}

func (e *Exec) ItemUpsertMany(ctx context.Context, items []*store.Item) (store.UpsertResult, error) {
	var res store.UpsertResult
	for conn, group := range byConnection(items, func(it *store.Item) int64 { return it.ConnectionID }) {
		ids := make([]int64, len(group))
		for i, it := range group {
			ids[i] = it.LineID
		}
		existing, err := e.ItemGetMany(ctx, conn, ids)
		if err != nil {
			return res, err
		}
		r, err := e.ItemWriteMany(ctx, group, existing)
		res.Inserted, res.Updated = res.Inserted+r.Inserted, res.Updated+r.Updated
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func (e *Exec) ItemWriteMany(ctx context.Context, items []*store.Item, stored map[int64]*store.Item) (store.UpsertResult, error) {
	return writeChanged(ctx, e, itemTable, items, stored, func(it *store.Item) (int64, int64) { return it.ConnectionID, it.LineID },
		itemChanged)
}

func (e *Exec) ItemIDList(ctx context.Context, connectionID int64) ([]int64, error) {
	return e.idList(ctx, `SELECT line_id FROM sales_items WHERE connection_id = ? AND removed_at IS NULL ORDER BY line_id`, connectionID)
}

func (e *Exec) ItemMarkRemoved(ctx context.Context, connectionID int64, lineIDs []int64, at time.Time) (int64, error) {
	var n int64
	err := inChunks(lineIDs, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		res, err := e.exec(ctx, `UPDATE sales_items SET removed_at = ?, updated_at = ? WHERE connection_id = ? AND removed_at IS NULL AND line_id IN (`+ph+`)`,
			append([]any{e.d.Time(at), e.d.Time(at), connectionID}, args...)...)
		if err != nil {
			return fmt.Errorf("mark items removed: %w", err)
		}
		c, _ := res.RowsAffected()
		n += c
		return nil
	})
	return n, err
}

func (e *Exec) ItemListBySKU(ctx context.Context, connectionID int64, sku string, limit int) ([]*store.Item, error) {
	// NULL dates sort last on both engines (they disagree where NULL goes by default).
	q := `SELECT ` + joinCols(itemSpec.cols) + ` FROM sales_items WHERE connection_id = ? AND sku = ? AND removed_at IS NULL
		ORDER BY CASE WHEN date_order IS NULL THEN 1 ELSE 0 END, date_order DESC, line_id DESC`
	args := []any{connectionID, sku}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list lines of %q: %w", sku, err)
	}
	defer rows.Close()
	var out []*store.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("list lines of %q: %w", sku, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
