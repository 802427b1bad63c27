package odoo

import (
	"context"
)

// OrderLinesOf streams every line (sections and notes included) of the given orders, archived products'
// lines too, by id. The sync reads an order's lines with the order so the two are stored together. Each page
// is a new slice, which fn may keep.
func (c *Client) OrderLinesOf(ctx context.Context, orderIDs []int64, pageSize int, fn func(page []OrderLine) error) error {
	if len(orderIDs) == 0 {
		return nil
	}
	fields, err := c.modelFields(ctx, "sale.order.line", lineFields)
	if err != nil {
		return err
	}
	q := Query{Domain: In("order_id", orderIDs...), Fields: fields, PageSize: pageSize, IncludeArchived: true}
	return searchReadPages(ctx, c, "sale.order.line", q, func(r *lineRow) int64 { _, id := r.key(); return id },
		func(rows []lineRow) error {
			out := make([]OrderLine, len(rows))
			for i := range rows {
				out[i] = rows[i].normalize()
			}
			lineRows.put(rows)
			return fn(out)
		})
}

// OrdersByID reads the given orders, normalized; ids that no longer exist are simply absent.
func (c *Client) OrdersByID(ctx context.Context, ids []int64) ([]Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	fields, err := c.modelFields(ctx, "sale.order", orderFields)
	if err != nil {
		return nil, err
	}
	out := make([]Order, 0, len(ids))
	// As few pages as the ids allow (each page evaluates the whole id list again), up to ten default pages, and
	// no call after the last id's record.
	q := Query{Domain: In("id", ids...), Fields: fields, PageSize: min(max(len(ids), DefaultPageSize), 10*DefaultPageSize),
		Limit: len(ids), IncludeArchived: true}
	err = searchReadPages(ctx, c, "sale.order", q, func(r *orderRow) int64 { _, id := r.key(); return id },
		func(rows []orderRow) error {
			for i := range rows {
				out = append(out, rows[i].normalize())
			}
			orderRows.put(rows)
			return nil
		})
	return out, err
}
