package odoo

import (
	"context"
	"fmt"
	"time"
)

// Cursor is the position of an incremental sync: every record whose write_date second is before WriteDate has
// been delivered, and so have the records of the WriteDate second with id <= LastID. The zero Cursor starts from
// the beginning.
//
// Odoo stores write_date with microseconds but returns and compares it at second precision, so the second is the
// unit: the boundary second is paged by id, later seconds by (write_date, id). See doc.go.
type Cursor struct {
	WriteDate time.Time // second precision, UTC
	LastID    int64
}

// Rewind returns a cursor d earlier, at the start of that second. Re-reading a small window on each poll catches
// rows committed late by long transactions (their write_date is older than the commit) and records modified
// again inside the second the cursor points at (same second-precision write_date, id below LastID). Store what
// the overlap returns with an upsert: such a same-second edit has the same (id, write_date) as the version
// already stored, so de-duplicating on that pair would drop it.
func (c Cursor) Rewind(d time.Duration) Cursor {
	if c.WriteDate.IsZero() {
		return c
	}
	return Cursor{WriteDate: c.WriteDate.Add(-d).Truncate(time.Second)}
}

func (c Cursor) String() string {
	return fmt.Sprintf("(%s, %d)", formatOdooTime(c.WriteDate), c.LastID)
}

// OrdersSince streams sale.order records changed at or after cur, oldest first, one page at a time with the
// cursor to store after the page. Every record present at the start is delivered; a record modified during the
// sync is delivered again with its new write_date. Archived/cancelled orders are included.
func (c *Client) OrdersSince(ctx context.Context, cur Cursor, pageSize int, fn func(page []Order, next Cursor) error) error {
	fields, err := c.modelFields(ctx, "sale.order", orderFields)
	if err != nil {
		return err
	}
	return since(ctx, c, "sale.order", fields, cur, pageSize, (*orderRow).key, (*orderRow).normalize, fn)
}

// OrderLinesSince streams sale.order.line records changed at or after cur. Lines are polled on their own
// write_date because editing a line does not always touch its order's.
func (c *Client) OrderLinesSince(ctx context.Context, cur Cursor, pageSize int, fn func(page []OrderLine, next Cursor) error) error {
	fields, err := c.modelFields(ctx, "sale.order.line", lineFields)
	if err != nil {
		return err
	}
	return since(ctx, c, "sale.order.line", fields, cur, pageSize, (*lineRow).key, (*lineRow).normalize, fn)
}

// since implements the second-granular keyset:
//
//	phase 1, boundary second C:  [write_date >= C, write_date < C+1s, id > LAST]  order id
//	phase 2, later seconds:      [write_date >= C+1s]                             order write_date asc, id asc
//
// A full phase-2 page may end inside a second whose rows continue on the next page; since rows inside a second
// are ordered by the hidden microseconds rather than by id, that last second is not delivered from the page but
// re-read by phase 1, which pages it by id. A short page is delivered whole as the tail once one more row past
// it is known not to exist (servers or proxies may cap the limit, so a short page alone proves nothing).
func since[R any, T any](ctx context.Context, c *Client, model string, fields []string, cur Cursor, pageSize int,
	key func(*R) (time.Time, int64), norm func(*R) T, fn func([]T, Cursor) error) error {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	readAt := func(d Domain, order string, offset, limit int) ([]R, error) {
		kw := map[string]any{"domain": d, "fields": fields, "order": order, "limit": limit}
		if offset > 0 {
			kw["offset"] = offset
		}
		return callDecode[[]R](ctx, c, &call{model: model, method: "search_read", kwargs: kw}, callOpts{includeArchived: true})
	}
	read := func(d Domain, order string) ([]R, error) { return readAt(d, order, 0, pageSize) }
	emit := func(rows []R, next Cursor) error {
		if len(rows) == 0 {
			return nil
		}
		out := make([]T, len(rows))
		for i := range rows {
			out[i] = norm(&rows[i])
		}
		return fn(out, next)
	}
	// boundary pages through one second by id, from id > last, until a page comes back empty (a short page is
	// not trusted as the end: a server or proxy may cap the limit).
	boundary := func(sec time.Time, last int64) error {
		for {
			rows, err := read(And(Gte("write_date", sec), Lt("write_date", sec.Add(time.Second)), Gt("id", last)), "id asc")
			if err != nil {
				return err
			}
			if len(rows) > 0 {
				_, id := key(&rows[len(rows)-1])
				if id <= last {
					return &ProtocolError{Protocol: c.protocol(), Model: model, Method: "search_read", Detail: "ids not ascending"}
				}
				last = id
				if err := emit(rows, Cursor{WriteDate: sec, LastID: last}); err != nil {
					return err
				}
			}
			if len(rows) == 0 {
				return nil
			}
		}
	}

	var from time.Time // phase 2 lower bound; zero = from the beginning
	if sec := cur.WriteDate.UTC().Truncate(time.Second); !cur.WriteDate.IsZero() {
		if err := boundary(sec, cur.LastID); err != nil {
			return err
		}
		from = sec.Add(time.Second)
	}
	for {
		var d Domain
		if !from.IsZero() {
			d = Gte("write_date", from)
		}
		rows, err := read(d, "write_date asc, id asc")
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		lastSec, _ := key(&rows[len(rows)-1])
		lastSec = lastSec.Truncate(time.Second)
		complete := false
		if len(rows) < pageSize {
			// Probably the whole tail; make sure the server did not cap the limit before trusting it.
			more, err := readAt(d, "write_date asc, id asc", len(rows), 1)
			if err != nil {
				return err
			}
			complete = len(more) == 0
		}
		if complete {
			// The whole tail: every row of the last second is here.
			var maxID int64
			for i := range rows {
				if t, id := key(&rows[i]); t.Truncate(time.Second).Equal(lastSec) && id > maxID {
					maxID = id
				}
			}
			return emit(rows, Cursor{WriteDate: lastSec, LastID: maxID})
		}
		k := len(rows)
		for k > 0 {
			if t, _ := key(&rows[k-1]); t.Truncate(time.Second).Before(lastSec) {
				break
			}
			k--
		}
		if t, _ := key(&rows[0]); t.Truncate(time.Second).Before(from) {
			return &ProtocolError{Protocol: c.protocol(), Model: model, Method: "search_read",
				Detail: fmt.Sprintf("write_date %s before the requested %s", formatOdooTime(t), formatOdooTime(from))}
		}
		if err := emit(rows[:k], Cursor{WriteDate: lastSec}); err != nil {
			return err
		}
		if err := boundary(lastSec, 0); err != nil {
			return err
		}
		from = lastSec.Add(time.Second)
	}
}

// ProductsWhere streams the product.product records matching d (every one when d is empty), archived ones
// included, with on-hand and forecast quantities summed over all the user's companies.
func (c *Client) ProductsWhere(ctx context.Context, d Domain, pageSize int, fn func(page []Product) error) error {
	fields, err := c.modelFields(ctx, "product.product", productFields)
	if err != nil {
		return err
	}
	q := Query{Domain: d, Fields: fields, PageSize: pageSize, IncludeArchived: true}
	return searchReadPages(ctx, c, "product.product", q, func(r *productRow) int64 { return int64(r.ID) },
		func(rows []productRow) error {
			out := make([]Product, len(rows))
			for i := range rows {
				out[i] = rows[i].normalize()
			}
			productRows.put(rows)
			return fn(out)
		})
}

// InventoryParams scopes Inventory.
type InventoryParams struct {
	PageSize    int
	CompanyID   int64 // 0 = every company of the user
	WarehouseID int64 // 0 = every warehouse of those companies
}

// StockLevel is a storable product's quantity in the scope asked.
type StockLevel struct {
	ProductID        int64
	DefaultCode      string
	CompanyID        int64 // the scope: 0 = all the user's companies
	WarehouseID      int64 // the scope: 0 = all warehouses
	QtyAvailable     float64
	VirtualAvailable float64
}

// Inventory streams on-hand and forecast quantities of storable products (archived included).
func (c *Client) Inventory(ctx context.Context, p InventoryParams, fn func(page []StockLevel) error) error {
	storable, err := c.storableDomain(ctx)
	if err != nil {
		return err
	}
	q := Query{Domain: storable, Fields: []string{"default_code", "qty_available", "virtual_available"},
		PageSize: p.PageSize, IncludeArchived: true}
	if p.CompanyID != 0 {
		q.CompanyIDs = []int64{p.CompanyID}
	}
	if p.WarehouseID != 0 {
		// 16 reads "warehouse", 17+ "warehouse_id".
		q.Context = map[string]any{"warehouse": p.WarehouseID, "warehouse_id": p.WarehouseID}
	}
	return searchReadPages(ctx, c, "product.product", q, func(r *productRow) int64 { return int64(r.ID) },
		func(rows []productRow) error {
			out := make([]StockLevel, len(rows))
			for i, r := range rows {
				out[i] = StockLevel{ProductID: int64(r.ID), DefaultCode: string(r.DefaultCode), CompanyID: p.CompanyID,
					WarehouseID: p.WarehouseID, QtyAvailable: float64(r.QtyAvailable), VirtualAvailable: float64(r.Virtual)}
			}
			productRows.put(rows)
			return fn(out)
		})
}
