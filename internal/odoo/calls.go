package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Query describes a search_read.
type Query struct {
	Domain Domain
	Fields []string // fields to read; empty reads every field (slow on big models: name them)
	// Order is Odoo's order clause ("date_order desc, id"). Empty pages by id with a keyset (id > last), which
	// stays correct while records are created or deleted; a custom order pages by offset.
	Order           string
	PageSize        int  // records per call; default DefaultPageSize
	Offset          int  // first record to skip (custom Order only)
	Limit           int  // stop after this many records in total; 0 = all
	IncludeArchived bool // context active_test=false: archived records too
	CompanyIDs      []int64
	Context         map[string]any // extra context keys (lang, warehouse_id...)
}

func (q Query) opts() callOpts {
	return callOpts{includeArchived: q.IncludeArchived, companyIDs: q.CompanyIDs, extra: q.Context}
}

// SearchRead streams the records matching q to fn one page at a time, so memory stays bounded by one page.
// fn must not keep the page slice beyond the call if it wants that guarantee.
func (c *Client) SearchRead(ctx context.Context, model string, q Query, fn func(page []Record) error) error {
	return searchReadPages(ctx, c, model, q, func(r *Record) int64 { return r.ID() }, fn)
}

// searchReadPages is SearchRead decoding into any record type T.
func searchReadPages[T any](ctx context.Context, c *Client, model string, q Query, id func(*T) int64, fn func([]T) error) error {
	if err := q.Domain.Err(); err != nil {
		return err
	}
	size := q.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	keyset := q.Order == ""
	offset := q.Offset
	if keyset {
		offset = 0
	}
	var lastID int64
	var pages pageEnd
	total := 0
	for {
		limit := size
		if q.Limit > 0 && q.Limit-total < limit {
			limit = q.Limit - total
		}
		if limit <= 0 {
			return nil
		}
		kw := map[string]any{"limit": limit}
		if len(q.Fields) > 0 {
			kw["fields"] = q.Fields
		}
		if keyset {
			kw["domain"] = And(q.Domain, Gt("id", lastID))
			kw["order"] = "id asc"
		} else {
			kw["domain"] = q.Domain
			kw["order"] = q.Order
			kw["offset"] = offset
		}
		page, err := callDecode[[]T](ctx, c, &call{model: model, method: "search_read", kwargs: kw}, q.opts())
		if err != nil {
			return err
		}
		if len(page) == 0 {
			pages.done(c, 0, limit)
			return nil
		}
		total += len(page)
		offset += len(page)
		if keyset {
			next := id(&page[len(page)-1])
			if next <= lastID {
				return &ProtocolError{Protocol: c.protocol(), Model: model, Method: "search_read",
					Detail: fmt.Sprintf("ids not ascending (got %d after %d) although order 'id asc' was asked", next, lastID)}
			}
			lastID = next
		}
		if err := fn(page); err != nil {
			return err
		}
		if pages.done(c, len(page), limit) {
			return nil
		}
	}
}

// callDecode executes cl and decodes its result into T. The response is read into a buffer of the client's
// pool: the decoders copy what they keep (strings, json.RawMessage), so the buffer is free again once decoded.
// After a failure it is not reused: the error may still point into it.
func callDecode[T any](ctx context.Context, c *Client, cl *call, o callOpts) (T, error) {
	var out T
	bb := c.bodies.get()
	cl.page = true
	raw, err := c.execute(context.WithValue(ctx, bodyBufKey{}, bb), cl, o)
	if err != nil {
		return out, err
	}
	err = decodeResult(raw, &out)
	if err != nil && c.protocol() == ProtocolJSONRPC {
		// A page found at the envelope's tail may hold a member that followed the result (resultAtTail).
		if exact, ok := exactResult(bb.b, raw); ok {
			err = decodeResult(exact, &out)
		}
	}
	if err != nil {
		return out, &ProtocolError{Protocol: c.protocol(), Model: cl.model, Method: cl.method,
			Detail: "decoding the result", Err: fmt.Errorf("%w", redactErr(err, c.cfg.Secret))}
	}
	c.bodies.put(bb)
	return out, nil
}

// decodeResult decodes a result, through the reflection-free decoder for the row types of the hot path.
func decodeResult(raw json.RawMessage, out any) error {
	var err error
	switch p := out.(type) {
	case *[]orderRow:
		if *p, err = decodeRows[orderRow](orderRows.get(), raw); err == nil {
			err = checkKeys(*p)
		}
	case *[]lineRow:
		if *p, err = decodeRows[lineRow](lineRows.get(), raw); err == nil {
			err = checkKeys(*p)
		}
	case *[]productRow:
		*p, err = decodeRows[productRow](productRows.get(), raw) // read without write_date for the stock
	case *[]stampRow:
		if *p, err = decodeRows[stampRow](stampRows.get(), raw); err == nil {
			err = checkKeys(*p)
		}
	case *[]stockMoveRow: // a first sync reads the whole stock history: as many moves as lines, or more
		if *p, err = decodeRows[stockMoveRow](stockMoveRows.get(), raw); err == nil {
			err = checkKeys(*p)
		}
	default:
		err = json.Unmarshal(raw, out)
	}
	return err
}

// keyed rows carry Odoo's magic fields id and write_date, which every record has and the cursor is made of.
type keyed interface{ key() (time.Time, int64) }

// checkKeys refuses a page with a record lacking them (a proxy or a module that mangles answers): stored, such
// a record would have a zero write_date, and the cursor would pass it for good.
func checkKeys[R any, P interface {
	*R
	keyed
}](rows []R) error {
	for i := range rows {
		wd, id := P(&rows[i]).key()
		switch {
		case id <= 0:
			return fmt.Errorf("record %d: no id", i+1)
		case wd.IsZero():
			return fmt.Errorf("record %d (id %d): no write_date", i+1, id)
		}
	}
	return nil
}

// The row slices of decoded pages are kept for the next pages: each page's rows are normalized into the
// package's types, then handed back with put, before the next page of that kind is read.
var (
	orderRows   rowPool[orderRow]
	lineRows    rowPool[lineRow]
	productRows rowPool[productRow]
	stampRows   rowPool[stampRow]

	stockMoveRows rowPool[stockMoveRow]
)

// maxPooledRows bounds the slices kept: a page larger than the sync's is not held on to.
const maxPooledRows = 20000

type rowPool[R any] struct{ p sync.Pool }

func (rp *rowPool[R]) get() []R {
	if v, _ := rp.p.Get().(*[]R); v != nil {
		return (*v)[:0]
	}
	return nil
}

// put hands rows back; the caller keeps nothing of them (values copied out are fine).
func (rp *rowPool[R]) put(rows []R) {
	if c := cap(rows); c > 0 && c <= maxPooledRows {
		rp.p.Put(&rows)
	}
}

func redactErr(err error, secret string) error {
	if s := redactSecret(err.Error(), secret); s != err.Error() {
		return fmt.Errorf("%s", s)
	}
	return err
}

func (c *Client) protocol() Protocol {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t == nil {
		return c.cfg.Protocol
	}
	return c.t.protocol()
}

// SearchCount returns the number of records matching d.
func (c *Client) SearchCount(ctx context.Context, model string, d Domain) (int64, error) {
	if err := d.Err(); err != nil {
		return 0, err
	}
	n, err := callDecode[jsonInt](ctx, c, &call{model: model, method: "search_count",
		kwargs: map[string]any{"domain": d}}, callOpts{})
	return int64(n), err
}

// Read returns the given records (archived ones included). Like Odoo's read, it fails with an *RPCError whose
// IsMissing is true when an id does not exist; use SearchRead with In("id", ids...) to skip missing ids.
func (c *Client) Read(ctx context.Context, model string, ids []int64, fields []string) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	kw := map[string]any{}
	if len(fields) > 0 {
		kw["fields"] = fields
	}
	return callDecode[[]Record](ctx, c, &call{model: model, method: "read", ids: ids, kwargs: kw},
		callOpts{includeArchived: true})
}

// FieldInfo describes one field of a model as fields_get reports it.
type FieldInfo struct {
	Name     string
	Type     string // char, many2one, datetime, selection...
	String   string // label
	Relation string // co-model of relational fields
	Required bool
	ReadOnly bool
	Store    bool
}

// FieldsGet returns the model's fields on this server. Results are cached per Login.
func (c *Client) FieldsGet(ctx context.Context, model string) (map[string]FieldInfo, error) {
	c.mu.Lock()
	if f, ok := c.fields[model]; ok {
		c.mu.Unlock()
		return maps.Clone(f), nil
	}
	c.mu.Unlock()
	raw, err := callDecode[map[string]struct {
		Type     jsonString `json:"type"`
		String   jsonString `json:"string"`
		Relation jsonString `json:"relation"`
		Required jsonBool   `json:"required"`
		ReadOnly jsonBool   `json:"readonly"`
		Store    *jsonBool  `json:"store"`
	}](ctx, c, &call{model: model, method: "fields_get",
		kwargs: map[string]any{"attributes": []string{"type", "string", "relation", "required", "readonly", "store"}}},
		callOpts{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]FieldInfo, len(raw))
	for name, f := range raw {
		store := f.Store == nil || bool(*f.Store)
		out[name] = FieldInfo{Name: name, Type: string(f.Type), String: string(f.String), Relation: string(f.Relation),
			Required: bool(f.Required), ReadOnly: bool(f.ReadOnly), Store: store}
	}
	c.mu.Lock()
	c.fields[model] = out
	c.mu.Unlock()
	return maps.Clone(out), nil
}

// IDs streams the ids of every record matching d (archived included), in ascending order, for reconciling
// deletions: an id stored locally but absent from the sweep was deleted in Odoo.
func (c *Client) IDs(ctx context.Context, model string, d Domain, pageSize int, fn func(ids []int64) error) error {
	if err := d.Err(); err != nil {
		return err
	}
	if pageSize <= 0 {
		pageSize = 5000
	}
	var last int64
	for {
		ids, err := callDecode[[]jsonInt](ctx, c, &call{model: model, method: "search", kwargs: map[string]any{
			"domain": And(d, Gt("id", last)), "order": "id asc", "limit": pageSize}}, callOpts{includeArchived: true})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		page := make([]int64, len(ids))
		for i, id := range ids {
			page[i] = int64(id)
		}
		if page[len(page)-1] <= last {
			return &ProtocolError{Protocol: c.protocol(), Model: model, Method: "search", Detail: "ids not ascending"}
		}
		last = page[len(page)-1]
		if err := fn(page); err != nil {
			return err
		}
	}
}
