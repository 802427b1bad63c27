package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// The supply stage reads how products are made and bought, where the mrp or purchase app is installed:
// manufacturing orders, bills of materials and their lines, purchase order lines with their order's state,
// reordering rules, vendors' terms and product routes. Each model is listed like orders (a window from its
// cursor minus the recheck window, ending at the server's clock; the cursor saved at that clock minus the lag)
// and the records that differ from the stored ones are read whole. A change of a BoM or a purchase order reads
// its lines again (lines it lost are marked removed); a change of a product template reads its variants' routes.
// A full sync compares ids and marks what Odoo deleted. docs/sync.md describes it.

// SupplySource is what the supply stage needs from Odoo besides Source; *odoo.Client implements it. A Source
// without it skips the stage.
type SupplySource interface {
	Modules(ctx context.Context) (odoo.Modules, error)
	StampsFiltered(ctx context.Context, model string, since time.Time, filter odoo.Domain, pageSize int, fn func(page []odoo.Stamp) error) (time.Time, error)
	ProductionsWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.Production) error) error
	BoMsWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.BoM) error) error
	BoMLinesWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.BoMLine) error) error
	PurchaseLinesWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.PurchaseLine) error) error
	OrderpointsWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.Orderpoint) error) error
	SupplierInfosWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.SupplierInfo) error) error
	ProductRoutesWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.ProductRoute) error) error
	RouteActions(ctx context.Context, actions ...string) (map[string][]int64, error)
}

var _ SupplySource = (*odoo.Client)(nil)

// Models of the supply stage (their cursors live in sync_state under these names).
const (
	ModelProduction    = "mrp.production"
	ModelBoM           = "mrp.bom"
	ModelBoMLine       = "mrp.bom.line"
	ModelPurchase      = "purchase.order"
	ModelPurchaseLine  = "purchase.order.line"
	ModelOrderpoint    = "stock.warehouse.orderpoint"
	ModelSupplierInfo  = "product.supplierinfo"
	ModelTemplate      = "product.template"
	modelModules       = "_modules" // the apps found installed at the last pass (cursor_id: a bit per app)
	supplyModulesKnown = 1 << 4
)

// SupplyHistory bounds what a first (or full) pass reads of manufacturing and purchase orders: the open ones,
// and those written within it (done, cancelled, received). Later passes read every change.
const SupplyHistory = 90 * 24 * time.Hour

// openPurchaseStates are purchase order states whose lines may still arrive (done is locked up to 18: its lines
// arrived, or were let go).
var openPurchaseStates = []any{"draft", "sent", "to approve", "purchase"}

// syncSupply runs the supply stage.
func (r *run) syncSupply(ctx context.Context) error {
	p, ok, err := r.supplyPass(ctx)
	if !ok || err != nil {
		return err
	}
	mods := p.mods
	if !mods.MRP && !mods.Purchase {
		return nil
	}
	type step struct {
		model string
		on    bool
		fn    func(context.Context) error
	}
	for _, s := range []step{
		{ModelTemplate, mods.Stock, p.templates},
		{ModelBoM, mods.MRP, p.boms},
		{ModelBoMLine, mods.MRP, p.bomLines},
		{ModelProduction, mods.MRP, p.productions},
		{ModelPurchase, mods.Purchase, p.purchases},
		{ModelPurchaseLine, mods.Purchase, p.purchaseLines},
		{ModelOrderpoint, mods.Stock, p.orderpoints},
		{ModelSupplierInfo, mods.Purchase, p.supplierInfos},
	} {
		if !s.on {
			continue
		}
		err := s.fn(ctx)
		var rpc *odoo.RPCError
		var missing *odoo.FieldMissingError
		if errors.As(err, &rpc) && rpc.IsAccessError() || errors.As(err, &missing) {
			// One model the user cannot read does not stop the sales sync; it is read again next pass.
			r.note("%s cannot be read, skipped: %v", s.model, err)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.model, err)
		}
	}
	if r.opts.Full {
		return p.sweep(ctx)
	}
	return nil
}

// supplyPass starts the supply stage (and the stock history) with the installed apps, asked once a pass (the
// client keeps them an hour); false when the Source cannot read them (it then has no supply stage).
func (r *run) supplyPass(ctx context.Context) (*supplyPass, bool, error) {
	ss, ok := r.src.(SupplySource)
	if !ok {
		return nil, false, nil
	}
	if r.mods == nil {
		mods, err := ss.Modules(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("find the installed apps: %w", err)
		}
		if err := r.noteModules(ctx, mods); err != nil {
			return nil, false, err
		}
		r.mods = &mods
	}
	return &supplyPass{run: r, src: ss, mods: *r.mods}, true, nil
}

// noteModules records the apps found, and says so in the sync log when they differ from the last pass's.
func (r *run) noteModules(ctx context.Context, mods odoo.Modules) error {
	bits := int64(supplyModulesKnown)
	for i, app := range odoo.Apps {
		if mods.Has(app) {
			bits |= 1 << i
		}
	}
	prev, err := r.cursor(ctx, modelModules)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	case prev.LastID == bits:
		return nil
	}
	msg := "Odoo apps installed: " + mods.String()
	if missing := mods.Missing(); len(missing) > 0 {
		msg += "; not installed: " + strings.Join(missing, ", ")
	}
	if !mods.MRP && !mods.Purchase {
		msg += " (without mrp or purchase only sales and stock are read)"
	}
	if !mods.Stock {
		msg += " (without stock there is no stock history: months without sales are not told from stock-outs)"
	}
	if mods.Probed {
		msg += " (ir.module.module is not readable: found by probing their models)"
	}
	r.note("%s", msg)
	r.res.Apps = msg
	r.keep(&store.SyncCursor{ConnectionID: r.conn.ID, Model: modelModules, LastID: bits, UpdatedAt: r.s.now()})
	return nil
}

// supplyPass is one pass's supply stage.
type supplyPass struct {
	*run
	src  SupplySource
	mods odoo.Modules
	// routes are the route ids with a manufacture rule and with a buy rule, read once when a product's routes are.
	routes map[string][]int64
	// quietBoMLines is, when the BoM listing found no BoM with a line written in the lines' window, the server's
	// clock at that listing: the lines' listing is skipped and their cursor saved there.
	quietBoMLines time.Time
}

// listing is one model's listing: its window and what it found to read whole.
type listing struct {
	model string
	w     window
	want  []int64
	seen  map[int64]time.Time // write_date of every record listed, by id
	now   time.Time
}

// sameStamp: the stored record is the listed one (same write_date and state).
func sameStamp(st odoo.Stamp, s store.SupplyStamp) bool {
	return s.WriteDate.Equal(st.WriteDate) && s.State == st.State
}

// list lists model from its cursor (restricted by filter) and wants every record whose stamp differs from the
// stored one (stamps reads them, by id; same compares them) or that was written at or after the cursor.
func (p *supplyPass) list(ctx context.Context, model string, filter odoo.Domain, stamps func(ids []int64) (map[int64]store.SupplyStamp, error),
	same func(odoo.Stamp, store.SupplyStamp) bool) (*listing, error) {
	return p.listOr(ctx, model, filter, odoo.Domain{}, stamps, same)
}

// listOr is list over the records of the window or matching also (when the window has a start): see
// syncOrders, which lists orders with the orders of changed lines the same way.
func (p *supplyPass) listOr(ctx context.Context, model string, filter, also odoo.Domain, stamps func(ids []int64) (map[int64]store.SupplyStamp, error),
	same func(odoo.Stamp, store.SupplyStamp) bool) (*listing, error) {
	w, err := p.windowOf(ctx, model)
	if err != nil {
		return nil, err
	}
	p.widen(&w)
	l := &listing{model: model, w: w, seen: map[int64]time.Time{}}
	fresh := p.freshFrom(w)
	since := w.since
	if !also.IsEmpty() && !since.IsZero() {
		filter = odoo.And(filter, odoo.Changed(since, also))
		since = time.Time{}
	}
	l.now, err = p.src.StampsFiltered(ctx, model, since, filter, p.s.listSize(), func(page []odoo.Stamp) error {
		p.fetched(model, len(page))
		ids := make([]int64, len(page))
		for i, st := range page {
			ids[i] = st.ID
			l.seen[st.ID] = st.WriteDate
		}
		stored, err := stamps(ids)
		if err != nil {
			return err
		}
		for _, st := range page {
			s, ok := stored[st.ID]
			if ok && !p.opts.Full && st.WriteDate.Before(fresh) && !s.Removed && same(st, s) {
				continue // stored as it is
			}
			l.want = append(l.want, st.ID)
		}
		return nil
	})
	return l, err
}

// stampsOf reads the stored stamps of a table.
func (p *supplyPass) stampsOf(ctx context.Context, table store.SupplyTable) func(ids []int64) (map[int64]store.SupplyStamp, error) {
	return func(ids []int64) (out map[int64]store.SupplyStamp, err error) {
		// a read, run again on a new connection when the database connection is lost
		err = p.retry(ctx, "read the stored "+string(table), func() error {
			out, err = p.s.Store.SupplyStampGetMany(ctx, p.conn.ID, table, ids)
			return err
		})
		return out, err
	}
}

// recent is the filter of a first pass's manufacturing and purchase orders: the open ones, and the others
// written within SupplyHistory.
func (p *supplyPass) recent(open odoo.Domain) odoo.Domain {
	now := p.s.now()
	if t, ok := p.run.src.ServerTime(); ok {
		now = t
	}
	return odoo.Or(open, odoo.Gte("write_date", now.Add(-SupplyHistory).Truncate(time.Second)))
}

// flat reads the wanted records of one table by id in chunks, writes each chunk in a transaction and marks
// removed those it asked for that Odoo no longer has.
func flat[T any](ctx context.Context, p *supplyPass, table store.SupplyTable, model string, ids []int64,
	read func(d odoo.Domain, fn func([]T) error) error, id func(T) int64,
	write func(tx store.Executor, rows []T) (store.UpsertResult, error)) error {
	return flatIn(ctx, p, p.s.pageSize(), table, model, ids, read, id, write)
}

// flatIn is flat with chunks of size ids.
func flatIn[T any](ctx context.Context, p *supplyPass, size int, table store.SupplyTable, model string, ids []int64,
	read func(d odoo.Domain, fn func([]T) error) error, id func(T) int64,
	write func(tx store.Executor, rows []T) (store.UpsertResult, error)) error {
	for start := 0; start < len(ids); start += size {
		chunk := ids[start:min(len(ids), start+size)]
		var rows []T
		if err := read(odoo.In("id", chunk...), func(page []T) error { rows = append(rows, page...); return nil }); err != nil {
			return err
		}
		p.fetched(model, len(rows))
		got := make(map[int64]bool, len(rows))
		for _, r := range rows {
			got[id(r)] = true
		}
		var gone []int64
		for _, id := range chunk {
			if !got[id] {
				gone = append(gone, id)
			}
		}
		if err := p.writeSupply(ctx, table, gone, func(tx store.Executor) (store.UpsertResult, error) { return write(tx, rows) }); err != nil {
			return err
		}
	}
	return nil
}

// children reads again every child (of model) of the given parents (BoM lines of BoMs, lines of purchase orders,
// variants of templates), writes them and marks removed the stored children Odoo no longer gives.
func children[T any](ctx context.Context, p *supplyPass, table store.SupplyTable, model string, parents []int64, parentField string,
	read func(d odoo.Domain, fn func([]T) error) error, id func(T) int64,
	write func(tx store.Executor, rows []T) (store.UpsertResult, error)) error {
	for start := 0; start < len(parents); start += p.s.pageSize() {
		chunk := parents[start:min(len(parents), start+p.s.pageSize())]
		var rows []T
		if err := read(odoo.In(parentField, chunk...), func(page []T) error { rows = append(rows, page...); return nil }); err != nil {
			return err
		}
		p.fetched(model, len(rows))
		stored, err := p.s.Store.SupplyChildIDList(ctx, p.conn.ID, table, chunk)
		if err != nil {
			return err
		}
		got := make(map[int64]bool, len(rows))
		for _, r := range rows {
			got[id(r)] = true
		}
		var gone []int64
		for _, ids := range stored {
			for _, id := range ids {
				if !got[id] {
					gone = append(gone, id)
				}
			}
		}
		slices.Sort(gone)
		if err := p.writeSupply(ctx, table, gone, func(tx store.Executor) (store.UpsertResult, error) { return write(tx, rows) }); err != nil {
			return err
		}
	}
	return nil
}

// writeSupply runs one transaction: the rows write, then the removals.
func (p *supplyPass) writeSupply(ctx context.Context, table store.SupplyTable, gone []int64, write func(tx store.Executor) (store.UpsertResult, error)) error {
	var res store.UpsertResult
	var removed int64
	err := p.tx(ctx, "store "+string(table), func(tx store.Executor) error {
		var err error
		if res, err = write(tx); err != nil {
			return err
		}
		removed = 0
		if len(gone) > 0 {
			removed, err = tx.SupplyMarkRemoved(ctx, p.conn.ID, table, gone, p.syncedAt)
		}
		return err
	})
	if err != nil {
		return err
	}
	p.add(written{inserted: res.Inserted, updated: res.Updated, removed: removed})
	if removed > 0 {
		p.note("%d %s rows deleted in Odoo marked removed", removed, table)
	}
	return nil
}

func timeOrNil(t time.Time) *time.Time { return timePtr(t) }

func (p *supplyPass) productions(ctx context.Context) error {
	l, err := p.list(ctx, ModelProduction, p.recent(odoo.NotIn("state", "done", "cancel")), p.stampsOf(ctx, store.TableProductions), sameStamp)
	if err != nil {
		return err
	}
	err = flat(ctx, p, store.TableProductions, ModelProduction, l.want,
		func(d odoo.Domain, fn func([]odoo.Production) error) error {
			return p.src.ProductionsWhere(ctx, d, p.s.pageSize(), fn)
		},
		func(m odoo.Production) int64 { return m.ID },
		func(tx store.Executor, rows []odoo.Production) (store.UpsertResult, error) {
			out := make([]*store.MRPProduction, len(rows))
			for i, m := range rows {
				out[i] = &store.MRPProduction{ConnectionID: p.conn.ID, ProductionID: m.ID, Name: m.Name, ProductID: m.ProductID, State: m.State,
					ProductQty: m.Qty, QtyProduced: m.QtyProduced, PlannedStart: timeOrNil(m.PlannedStart), PlannedFinish: timeOrNil(m.PlannedFinish),
					Deadline: timeOrNil(m.Deadline), BoMID: m.BoMID, CompanyID: m.CompanyID, WriteDate: m.WriteDate, SyncedAt: p.syncedAt}
			}
			return tx.MRPProductionUpsertMany(ctx, out)
		})
	if err != nil {
		return err
	}
	p.saveCursor(ModelProduction, l.now)
	return nil
}

func (p *supplyPass) storeBoMLines(ctx context.Context) func(tx store.Executor, rows []odoo.BoMLine) (store.UpsertResult, error) {
	return func(tx store.Executor, rows []odoo.BoMLine) (store.UpsertResult, error) {
		out := make([]*store.BoMLine, len(rows))
		for i, l := range rows {
			out[i] = &store.BoMLine{ConnectionID: p.conn.ID, LineID: l.ID, BoMID: l.BoMID, ProductID: l.ProductID, ProductQty: l.Qty,
				WriteDate: l.WriteDate, SyncedAt: p.syncedAt}
		}
		return tx.BoMLineUpsertMany(ctx, out)
	}
}

func (p *supplyPass) readBoMLines(ctx context.Context) func(d odoo.Domain, fn func([]odoo.BoMLine) error) error {
	return func(d odoo.Domain, fn func([]odoo.BoMLine) error) error {
		return p.src.BoMLinesWhere(ctx, d, p.s.listSize(), fn)
	}
}

func bomLineID(l odoo.BoMLine) int64 { return l.ID }

// boms reads the BoMs that changed, then all the lines of those BoMs: a line removed from a BoM may leave no
// other trace. The listing also finds the BoMs with a line written in the lines' window: when it finds none, the
// lines are not listed (bomLines), as orders and their lines.
func (p *supplyPass) boms(ctx context.Context) error {
	var also odoo.Domain
	lw, err := p.windowOf(ctx, ModelBoMLine)
	if err != nil {
		return err
	}
	if !lw.since.IsZero() && p.stepFrom.IsZero() {
		also = odoo.Gte("bom_line_ids.write_date", lw.since)
	}
	l, err := p.listOr(ctx, ModelBoM, odoo.Domain{}, also, p.stampsOf(ctx, store.TableBoMs), sameStamp)
	if err != nil {
		return err
	}
	err = flat(ctx, p, store.TableBoMs, ModelBoM, l.want,
		func(d odoo.Domain, fn func([]odoo.BoM) error) error {
			return p.src.BoMsWhere(ctx, d, p.s.pageSize(), fn)
		},
		func(b odoo.BoM) int64 { return b.ID },
		func(tx store.Executor, rows []odoo.BoM) (store.UpsertResult, error) {
			out := make([]*store.BoM, len(rows))
			for i, b := range rows {
				out[i] = &store.BoM{ConnectionID: p.conn.ID, BoMID: b.ID, ProductTmplID: b.TemplateID, ProductID: b.ProductID, Code: b.Code,
					Type: b.Type, ProductQty: b.Qty, Active: b.Active, Sequence: b.Sequence, CompanyID: b.CompanyID, WriteDate: b.WriteDate,
					SyncedAt: p.syncedAt}
				if b.HasProduceDelay {
					d := b.ProduceDelay
					out[i].ProduceDelay = &d
				}
			}
			return tx.BoMUpsertMany(ctx, out)
		})
	if err != nil {
		return err
	}
	if err := children(ctx, p, store.TableBoMLines, ModelBoMLine, l.want, "bom_id", p.readBoMLines(ctx), bomLineID, p.storeBoMLines(ctx)); err != nil {
		return err
	}
	p.saveCursor(ModelBoM, l.now)
	if !also.IsEmpty() && len(l.seen) == 0 && p.stepFrom.IsZero() {
		p.quietBoMLines = l.now // no BoM and no BoM line written in their windows
	}
	return nil
}

func (p *supplyPass) bomLines(ctx context.Context) error {
	if !p.quietBoMLines.IsZero() {
		p.saveCursor(ModelBoMLine, p.quietBoMLines)
		return nil
	}
	l, err := p.list(ctx, ModelBoMLine, odoo.Domain{}, p.stampsOf(ctx, store.TableBoMLines), sameStamp)
	if err != nil {
		return err
	}
	if err := flat(ctx, p, store.TableBoMLines, ModelBoMLine, l.want, p.readBoMLines(ctx), bomLineID, p.storeBoMLines(ctx)); err != nil {
		return err
	}
	p.saveCursor(ModelBoMLine, l.now)
	return nil
}

func (p *supplyPass) readPurchaseLines(ctx context.Context) func(d odoo.Domain, fn func([]odoo.PurchaseLine) error) error {
	return func(d odoo.Domain, fn func([]odoo.PurchaseLine) error) error {
		return p.src.PurchaseLinesWhere(ctx, d, p.s.listSize(), func(page []odoo.PurchaseLine) error {
			// Sections and notes are layout: they are not stored, and their ids count as gone.
			return fn(slices.DeleteFunc(page, func(l odoo.PurchaseLine) bool { return l.DisplayType != "" || l.ProductID == 0 }))
		})
	}
}

func (p *supplyPass) storePurchaseLines(ctx context.Context) func(tx store.Executor, rows []odoo.PurchaseLine) (store.UpsertResult, error) {
	return func(tx store.Executor, rows []odoo.PurchaseLine) (store.UpsertResult, error) {
		out := make([]*store.PurchaseLine, len(rows))
		for i, l := range rows {
			out[i] = &store.PurchaseLine{ConnectionID: p.conn.ID, LineID: l.ID, OrderID: l.OrderID, OrderName: l.OrderName, OrderState: l.State,
				ProductID: l.ProductID, ProductQty: l.Qty, QtyReceived: l.QtyReceived, DatePlanned: timeOrNil(l.DatePlanned),
				CompanyID: l.CompanyID, WriteDate: l.WriteDate, SyncedAt: p.syncedAt}
		}
		return tx.PurchaseLineUpsertMany(ctx, out)
	}
}

func purchaseLineID(l odoo.PurchaseLine) int64 { return l.ID }

// purchases lists purchase orders and reads all the lines of those whose state moved, or that are new: on 19 a
// line's state is not stored, and confirming its order does not touch the line.
func (p *supplyPass) purchases(ctx context.Context) error {
	l, err := p.list(ctx, ModelPurchase, p.recent(odoo.In("state", openPurchaseStates...)), func(ids []int64) (map[int64]store.SupplyStamp, error) {
		// An order is stored as its lines: its state is theirs, and it differs when any line's does.
		byOrder, err := p.s.Store.SupplyChildIDList(ctx, p.conn.ID, store.TablePurchaseLines, ids)
		if err != nil {
			return nil, err
		}
		var lines []int64
		for _, ls := range byOrder {
			lines = append(lines, ls...)
		}
		stamps, err := p.s.Store.SupplyStampGetMany(ctx, p.conn.ID, store.TablePurchaseLines, lines)
		if err != nil {
			return nil, err
		}
		return orderStamps(byOrder, stamps), nil
	}, func(st odoo.Stamp, s store.SupplyStamp) bool { return s.State == st.State })
	if err != nil {
		return err
	}
	// The order's own write_date is not stored: a stored order is read again only when its state moved, or
	// within the fresh window.
	if err := children(ctx, p, store.TablePurchaseLines, ModelPurchaseLine, l.want, "order_id", p.readPurchaseLines(ctx), purchaseLineID,
		p.storePurchaseLines(ctx)); err != nil {
		return err
	}
	p.saveCursor(ModelPurchase, l.now)
	return nil
}

// orderStamps is the stamp of each order as its stored lines give it: their state, "?" when they disagree.
func orderStamps(byOrder map[int64][]int64, lines map[int64]store.SupplyStamp) map[int64]store.SupplyStamp {
	out := make(map[int64]store.SupplyStamp, len(byOrder))
	for order, ids := range byOrder {
		st := store.SupplyStamp{ID: order, State: "?"}
		for i, id := range ids {
			s := lines[id]
			if i == 0 {
				st.State = s.State
			} else if s.State != st.State {
				st.State = "?" // lines that disagree: read the order again
			}
		}
		out[order] = st
	}
	return out
}

func (p *supplyPass) purchaseLines(ctx context.Context) error {
	l, err := p.list(ctx, ModelPurchaseLine, p.recent(odoo.In("state", openPurchaseStates...)), func(ids []int64) (map[int64]store.SupplyStamp, error) {
		return p.s.Store.SupplyStampGetMany(ctx, p.conn.ID, store.TablePurchaseLines, ids)
	}, sameStamp)
	if err != nil {
		return err
	}
	if err := flat(ctx, p, store.TablePurchaseLines, ModelPurchaseLine, l.want, p.readPurchaseLines(ctx), purchaseLineID,
		p.storePurchaseLines(ctx)); err != nil {
		return err
	}
	p.saveCursor(ModelPurchaseLine, l.now)
	return nil
}

func (p *supplyPass) orderpoints(ctx context.Context) error {
	l, err := p.list(ctx, ModelOrderpoint, odoo.Domain{}, p.stampsOf(ctx, store.TableOrderpoints), sameStamp)
	if err != nil {
		return err
	}
	err = flat(ctx, p, store.TableOrderpoints, ModelOrderpoint, l.want,
		func(d odoo.Domain, fn func([]odoo.Orderpoint) error) error {
			return p.src.OrderpointsWhere(ctx, d, p.s.pageSize(), fn)
		},
		func(o odoo.Orderpoint) int64 { return o.ID },
		func(tx store.Executor, rows []odoo.Orderpoint) (store.UpsertResult, error) {
			out := make([]*store.Orderpoint, len(rows))
			for i, o := range rows {
				out[i] = &store.Orderpoint{ConnectionID: p.conn.ID, OrderpointID: o.ID, ProductID: o.ProductID, WarehouseID: o.WarehouseID,
					LocationID: o.LocationID, ProductMinQty: o.Min, ProductMaxQty: o.Max, QtyMultiple: o.Multiple, Trigger: o.Trigger,
					Active: o.Active, CompanyID: o.CompanyID, WriteDate: o.WriteDate, SyncedAt: p.syncedAt}
			}
			return tx.OrderpointUpsertMany(ctx, out)
		})
	if err != nil {
		return err
	}
	p.saveCursor(ModelOrderpoint, l.now)
	return nil
}

func (p *supplyPass) supplierInfos(ctx context.Context) error {
	l, err := p.list(ctx, ModelSupplierInfo, odoo.Domain{}, p.stampsOf(ctx, store.TableSupplierInfos), sameStamp)
	if err != nil {
		return err
	}
	err = flat(ctx, p, store.TableSupplierInfos, ModelSupplierInfo, l.want,
		func(d odoo.Domain, fn func([]odoo.SupplierInfo) error) error {
			return p.src.SupplierInfosWhere(ctx, d, p.s.pageSize(), fn)
		},
		func(x odoo.SupplierInfo) int64 { return x.ID },
		func(tx store.Executor, rows []odoo.SupplierInfo) (store.UpsertResult, error) {
			out := make([]*store.SupplierInfo, len(rows))
			for i, x := range rows {
				out[i] = &store.SupplierInfo{ConnectionID: p.conn.ID, SupplierInfoID: x.ID, PartnerID: x.PartnerID, PartnerName: x.PartnerName,
					ProductTmplID: x.TemplateID, ProductID: x.ProductID, Delay: x.Delay, MinQty: x.MinQty, Price: x.Price, Sequence: x.Sequence,
					CompanyID: x.CompanyID, WriteDate: x.WriteDate, SyncedAt: p.syncedAt}
			}
			return tx.SupplierInfoUpsertMany(ctx, out)
		})
	if err != nil {
		return err
	}
	p.saveCursor(ModelSupplierInfo, l.now)
	return nil
}

// templates lists product templates and reads the routes (16: and manufacturing lead time) of the variants of
// those that changed. A variant's row carries its template's write_date.
func (p *supplyPass) templates(ctx context.Context) error {
	l, err := p.list(ctx, ModelTemplate, odoo.Domain{}, func(ids []int64) (map[int64]store.SupplyStamp, error) {
		byTemplate, err := p.s.Store.SupplyChildIDList(ctx, p.conn.ID, store.TableProductRoutes, ids)
		if err != nil {
			return nil, err
		}
		var products []int64
		for _, ps := range byTemplate {
			products = append(products, ps...)
		}
		stamps, err := p.s.Store.SupplyStampGetMany(ctx, p.conn.ID, store.TableProductRoutes, products)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]store.SupplyStamp, len(byTemplate))
		for tmpl, ps := range byTemplate {
			st := stamps[ps[0]]
			for _, id := range ps[1:] {
				if !stamps[id].WriteDate.Equal(st.WriteDate) {
					st.WriteDate = time.Time{} // variants written apart: read the template again
				}
			}
			st.ID = tmpl
			out[tmpl] = st
		}
		return out, nil
	}, sameStamp)
	if err != nil {
		return err
	}
	if len(l.want) > 0 && p.routes == nil {
		if p.routes, err = p.src.RouteActions(ctx, "manufacture", "buy"); err != nil {
			return err
		}
	}
	err = children(ctx, p, store.TableProductRoutes, ModelProduct, l.want, "product_tmpl_id",
		func(d odoo.Domain, fn func([]odoo.ProductRoute) error) error {
			return p.src.ProductRoutesWhere(ctx, d, p.s.listSize(), fn)
		},
		func(r odoo.ProductRoute) int64 { return r.ProductID },
		func(tx store.Executor, rows []odoo.ProductRoute) (store.UpsertResult, error) {
			out := make([]*store.ProductRoute, len(rows))
			for i, r := range rows {
				out[i] = &store.ProductRoute{ConnectionID: p.conn.ID, ProductID: r.ProductID, ProductTmplID: r.TemplateID, RouteIDs: r.RouteIDs,
					WriteDate: l.seen[r.TemplateID], SyncedAt: p.syncedAt}
				for _, id := range r.RouteIDs {
					out[i].Manufacture = out[i].Manufacture || slices.Contains(p.routes["manufacture"], id)
					out[i].Buy = out[i].Buy || slices.Contains(p.routes["buy"], id)
				}
				if r.HasProduceDelay {
					d := r.ProduceDelay
					out[i].ProduceDelay = &d
				}
			}
			return tx.ProductRouteUpsertMany(ctx, out)
		})
	if err != nil {
		return err
	}
	p.saveCursor(ModelTemplate, l.now)
	return nil
}

// sweep compares the ids Odoo has with those stored and marks the missing ones removed (a full sync). The tables
// of an app no longer installed are emptied the same way: their records went with it.
func (p *supplyPass) sweep(ctx context.Context) error {
	for _, s := range []struct {
		table store.SupplyTable
		model string
		on    bool
	}{
		{store.TableProductions, ModelProduction, p.mods.MRP},
		{store.TableBoMs, ModelBoM, p.mods.MRP},
		{store.TableBoMLines, ModelBoMLine, p.mods.MRP},
		{store.TablePurchaseLines, ModelPurchaseLine, p.mods.Purchase},
		{store.TableOrderpoints, ModelOrderpoint, p.mods.Stock},
		{store.TableSupplierInfos, ModelSupplierInfo, p.mods.Purchase},
		{store.TableProductRoutes, ModelProduct, p.mods.Stock},
	} {
		stored, err := p.s.Store.SupplyIDList(ctx, p.conn.ID, s.table)
		if err != nil {
			return err
		}
		if len(stored) == 0 {
			continue
		}
		inOdoo := map[int64]bool{}
		if s.on {
			err := p.run.src.IDs(ctx, s.model, odoo.Domain{}, 5000, func(ids []int64) error {
				for _, id := range ids {
					inOdoo[id] = true
				}
				return nil
			})
			if rpc := (*odoo.RPCError)(nil); errors.As(err, &rpc) && rpc.IsAccessError() {
				// Rights taken away after a sync stored its records: unreadable is not deleted, so nothing is
				// marked removed; the rows stay as last read.
				p.note("%s cannot be read, its deletions not checked: %v", s.model, err)
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", s.model, err)
			}
		}
		var gone []int64
		for _, id := range stored {
			if !inOdoo[id] {
				gone = append(gone, id)
			}
		}
		if len(gone) == 0 {
			continue
		}
		if err := p.writeSupply(ctx, s.table, gone, func(store.Executor) (store.UpsertResult, error) { return store.UpsertResult{}, nil }); err != nil {
			return err
		}
	}
	return nil
}
