package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Stamp is a record as a change listing returns it: enough to tell whether a stored copy is current, without
// reading the record.
type Stamp struct {
	ID        int64
	WriteDate time.Time // second precision, as the API shows it
	State     string    // sale.order and sale.order.line, mrp.production, purchase.order and its lines
	OrderID   int64     // sale.order.line (purchase.order.line): its order
	Lines     int       // sale.order: how many lines it has
	Layout    bool      // sale.order.line (purchase.order.line): a section or note (display_type set), or a line without a product
	ProductID int64     // sale.order.line, purchase.order.line, stock.quant
}

// stampFields are the fields a listing asks per model (write_date and id always).
var stampFields = map[string][]fieldSpec{
	"sale.order":      {req("write_date"), req("state"), opt("order_line")},
	"sale.order.line": {req("write_date"), opt("state"), req("order_id"), opt("display_type"), req("product_id")},
	"stock.quant":     {req("write_date"), req("product_id")},
	// manufacturing and purchasing (supply.go)
	"mrp.production":      {req("write_date"), req("state")},
	"purchase.order":      {req("write_date"), req("state")},
	"purchase.order.line": {req("write_date"), opt("state"), req("order_id"), opt("display_type"), req("product_id")},
	"stock.move":          {req("write_date"), req("state")},
}

type stampRow struct {
	ID          jsonInt     `json:"id"`
	WriteDate   jsonTime    `json:"write_date"`
	State       jsonString  `json:"state"`
	OrderLine   jsonIDCount `json:"order_line"`
	Order       Many2One    `json:"order_id"`
	DisplayType jsonString  `json:"display_type"`
	Product     Many2One    `json:"product_id"`
}

func (r *stampRow) key() (time.Time, int64) { return time.Time(r.WriteDate), int64(r.ID) }

// ServerTime is the server's clock as the Date header of its newest response said, and false before any response
// carried one. Odoo stamps write_date with its database's clock; the HTTP Date comes from the same machine or its
// proxy, which is why the sync's lag must cover a small skew between the two.
func (c *Client) ServerTime() (time.Time, bool) { return c.h.serverTime() }

// Stamps lists the records of model written at or after since (every record when since is zero), archived ones
// included, in pages of (id, write_date, ...) by ascending id. The listing reads a fixed window: it stops at the
// server's clock when it started (its first answer's Date), so writes made while it runs cannot keep it going;
// they are for the next listing. It returns that server time (the local clock when the server sent no Date).
func (c *Client) Stamps(ctx context.Context, model string, since time.Time, pageSize int, fn func(page []Stamp) error) (time.Time, error) {
	var d Domain
	if !since.IsZero() {
		d = Gte("write_date", since.UTC().Truncate(time.Second))
	}
	return c.stamps(ctx, model, d, true, pageSize, fn)
}

// Changed is the domain of the records written at or after since, or matching also: a listing that also finds
// the records another listing would point to (orders with a line written since the lines' cursor, through the
// one2many path order_line.write_date), so that when it finds nothing the other listing need not run.
func Changed(since time.Time, also Domain) Domain {
	return Or(Gte("write_date", since.UTC().Truncate(time.Second)), also)
}

// StampsOr is Stamps over Changed(since, also).
func (c *Client) StampsOr(ctx context.Context, model string, since time.Time, also Domain, pageSize int, fn func(page []Stamp) error) (time.Time, error) {
	return c.stamps(ctx, model, Changed(since, also), true, pageSize, fn)
}

// StampsWhere lists the records of model matching d like Stamps, without bounding the window by the server's
// clock (d bounds it).
func (c *Client) StampsWhere(ctx context.Context, model string, d Domain, pageSize int, fn func(page []Stamp) error) error {
	_, err := c.stamps(ctx, model, d, false, pageSize, fn)
	return err
}

func (c *Client) stamps(ctx context.Context, model string, base Domain, bound bool, pageSize int, fn func(page []Stamp) error) (time.Time, error) {
	if err := base.Err(); err != nil {
		return time.Time{}, err
	}
	spec, ok := stampFields[model]
	if !ok {
		spec = []fieldSpec{req("write_date")}
	}
	fields, err := c.modelFields(ctx, model, spec)
	if err != nil {
		return time.Time{}, err
	}
	if pageSize <= 0 {
		pageSize = 5000
	}
	var (
		serverNow time.Time
		until     Domain // the window's end, once the server's clock is known
		bounded   bool
		last      int64
		pages     pageEnd
	)
	for {
		d := And(base, Gt("id", last))
		if bounded {
			d = And(d, until)
		}
		kw := map[string]any{"domain": d, "fields": fields, "order": "id asc", "limit": pageSize}
		rows, err := callDecode[[]stampRow](ctx, c, &call{model: model, method: "search_read", kwargs: kw},
			callOpts{includeArchived: true})
		if err != nil {
			return serverNow, err
		}
		if serverNow.IsZero() {
			if t, ok := c.ServerTime(); ok {
				serverNow = t
			} else {
				serverNow = time.Now().UTC().Truncate(time.Second)
			}
			// Date has second precision: rows of the second it names may still be committing, so the window
			// ends after it; the caller's horizon lies well before anyway.
			until, bounded = Lt("write_date", serverNow.Add(time.Second)), bound
		}
		if len(rows) > 0 {
			if id := int64(rows[len(rows)-1].ID); id <= last {
				return serverNow, &ProtocolError{Protocol: c.protocol(), Model: model, Method: "search_read",
					Detail: fmt.Sprintf("ids not ascending (got %d after %d) although order 'id asc' was asked", id, last)}
			}
			last = int64(rows[len(rows)-1].ID)
			page := make([]Stamp, len(rows))
			for i, r := range rows {
				page[i] = Stamp{ID: int64(r.ID), WriteDate: time.Time(r.WriteDate), State: string(r.State),
					OrderID: r.Order.ID, Lines: int(r.OrderLine), Layout: r.DisplayType != "" || r.Product.ID == 0,
					ProductID: r.Product.ID}
			}
			stampRows.put(rows)
			if err := fn(page); err != nil {
				return serverNow, err
			}
		}
		if pages.done(c, len(rows), pageSize) {
			return serverNow, nil
		}
	}
}

// pageEnd decides when a paged read is over without an extra "is there more" call per read. A page shorter than
// asked ends it, unless the server caps the page size: the client learns that once (the first short page is
// followed by one more call; if that call finds rows, the server caps at the short page's length).
type pageEnd struct {
	probing int // length of the short page being verified, 0 = none
}

func (p *pageEnd) done(c *Client, n, limit int) bool {
	if p.probing > 0 {
		if n == 0 {
			c.pageCap.CompareAndSwap(0, -1) // the short page was the end: no cap below what was asked
			return true
		}
		c.pageCap.Store(int64(p.probing))
		p.probing = 0
	}
	switch cap := c.pageCap.Load(); {
	case n == 0:
		return true
	case n >= limit:
		return false
	case cap > 0 && int64(n) >= cap:
		return false // a full page at the server's cap
	case cap == 0:
		p.probing = n
		return false
	}
	return true
}

// MonthStat is one month of a model's records as read_group sums them up: how many there are and the newest
// write_date among them.
type MonthStat struct {
	Month     time.Time // first day of the month, UTC; zero for records whose date field is empty
	Count     int64
	LastWrite time.Time // second precision
}

// MonthStats groups the records of model matching d (archived included) by the month of dateField, with their
// count and newest write_date, in one read_group call. Reconciliation compares these with what is stored and
// re-lists only the months that differ.
func (c *Client) MonthStats(ctx context.Context, model string, d Domain, dateField string) ([]MonthStat, error) {
	if err := d.Err(); err != nil {
		return nil, err
	}
	group := dateField + ":month"
	rows, err := callDecode[[]map[string]json.RawMessage](ctx, c, &call{model: model, method: "read_group", kwargs: map[string]any{
		"domain": d, "fields": []string{"write_date:max"}, "groupby": []string{group}, "lazy": false}},
		callOpts{includeArchived: true})
	if err != nil {
		return nil, err
	}
	out := make([]MonthStat, 0, len(rows))
	for _, r := range rows {
		var st MonthStat
		var n jsonInt
		if err := n.UnmarshalJSON(r["__count"]); err != nil {
			return nil, &ProtocolError{Protocol: c.protocol(), Model: model, Method: "read_group", Detail: "__count", Err: err}
		}
		st.Count = int64(n)
		var wd jsonTime
		if err := wd.UnmarshalJSON(r["write_date"]); err != nil {
			return nil, &ProtocolError{Protocol: c.protocol(), Model: model, Method: "read_group", Detail: "write_date:max", Err: err}
		}
		st.LastWrite = time.Time(wd)
		if !isFalse(r[group]) {
			m, err := groupMonth(r, group, dateField)
			if err != nil {
				return nil, &ProtocolError{Protocol: c.protocol(), Model: model, Method: "read_group", Detail: "month of a group", Err: err}
			}
			st.Month = m
		}
		out = append(out, st)
	}
	return out, nil
}

// groupMonth finds a date group's first day: __range (17+) names it; 16 only has it in the group's __domain. The
// group's label ("January 2026") is translated and not parsed.
func groupMonth(r map[string]json.RawMessage, group, field string) (time.Time, error) {
	if raw, ok := r["__range"]; ok && !isFalse(raw) {
		var rg map[string]struct {
			From jsonTime `json:"from"`
		}
		if err := json.Unmarshal(raw, &rg); err == nil {
			if v, ok := rg[group]; ok && !time.Time(v.From).IsZero() {
				return monthStart(time.Time(v.From)), nil
			}
		}
	}
	var dom []json.RawMessage
	if err := json.Unmarshal(r["__domain"], &dom); err != nil {
		return time.Time{}, fmt.Errorf("no __range and no __domain: %w", err)
	}
	for _, leaf := range dom {
		var l []json.RawMessage
		if json.Unmarshal(leaf, &l) != nil || len(l) != 3 {
			continue
		}
		var name, op string
		if json.Unmarshal(l[0], &name) != nil || json.Unmarshal(l[1], &op) != nil || name != field || op != ">=" {
			continue
		}
		var from jsonTime
		if err := from.UnmarshalJSON(l[2]); err != nil {
			return time.Time{}, err
		}
		return monthStart(time.Time(from)), nil
	}
	return time.Time{}, fmt.Errorf("no %s >= bound in __domain", field)
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
