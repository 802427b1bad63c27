// Package sync brings one Odoo connection's sales into the store: products and inventory, then orders and
// their lines, incrementally and exactly once.
//
// Every page of orders is written with the lines of those orders, the cursor that follows the page and the
// webhook events the changes cause, in one transaction: a crash or an Odoo outage at any point leaves the
// store at the end of the last whole page, and the next run resumes there. Cursors are rewound by an overlap
// window on each run so rows committed late in Odoo are not missed; rows already stored with the same
// write_date are skipped, so the overlap costs reads, not writes.
package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// Source is what a sync needs from Odoo; *odoo.Client implements it.
type Source interface {
	Login(ctx context.Context) (odoo.Session, error)
	OrdersSince(ctx context.Context, cur odoo.Cursor, pageSize int, fn func(page []odoo.Order, next odoo.Cursor) error) error
	OrderLinesSince(ctx context.Context, cur odoo.Cursor, pageSize int, fn func(page []odoo.OrderLine, next odoo.Cursor) error) error
	OrderLinesOf(ctx context.Context, orderIDs []int64, pageSize int, fn func(page []odoo.OrderLine) error) error
	OrdersByID(ctx context.Context, ids []int64) ([]odoo.Order, error)
	Products(ctx context.Context, pageSize int, fn func(page []odoo.Product) error) error
	IDs(ctx context.Context, model string, d odoo.Domain, pageSize int, fn func(ids []int64) error) error
	SearchRead(ctx context.Context, model string, q odoo.Query, fn func(page []odoo.Record) error) error
	SearchCount(ctx context.Context, model string, d odoo.Domain) (int64, error)
}

var _ Source = (*odoo.Client)(nil)

// Outbox records the webhook events of order changes inside the transaction that stores them.
type Outbox interface {
	// OutboxRecord stores one event per change and returns the ids of the deliveries to enqueue once the
	// transaction commits. Recording an event that already exists is a no-op.
	OutboxRecord(ctx context.Context, tx store.Executor, conn *store.Connection, changes []Change) ([]int64, error)
}

// Change is an order whose stored version moved: a new confirmed order, or a stored one that changed.
type Change struct {
	Prev    *store.Order // nil when the order was not stored before
	Order   *store.Order
	Items   []*store.Item // the order's product lines after the change
	Version time.Time     // max(order write_date, its lines' write_dates): identifies the change
}

// firstStatistics is how many inserted rows make a sync first refresh the planner's statistics.
const firstStatistics = 10000

// Models whose cursors live in sync_state.
const (
	ModelOrder    = "sale.order"
	ModelLine     = "sale.order.line"
	modelBaseline = "_baseline" // present once the connection's first sync has finished
)

// Progress reports how far a pass is; Total is 0 when unknown.
type Progress struct {
	Connection string
	Stage      string // products, orders, lines, reconcile
	Done       int64
	Total      int64
}

// Syncer syncs connections into a store.
type Syncer struct {
	Store    store.Store
	Outbox   Outbox // nil: no webhook events
	Log      *slog.Logger
	PageSize int           // records per Odoo call (default 500)
	Overlap  time.Duration // how far each incremental pass re-reads behind its cursor (default 2m)
	// SendHistory emits events for the orders found by a connection's first sync too; by default the first
	// sync is a baseline and only later changes are sent.
	SendHistory bool
	Progress    func(Progress)
	Now         func() time.Time
}

// Options are per-run choices.
type Options struct {
	// Full re-reads everything and reconciles ids, marking orders and lines deleted in Odoo as removed.
	Full bool
}

// Result is what one run did.
type Result struct {
	LogID              int64
	Kind               string // initial (the connection's first), incremental or full
	Fetched            int64
	Inserted           int64
	Updated            int64
	Removed            int64
	Events             int
	DeliveryIDs        []int64 // to enqueue (already committed)
	Products           int
	ProductsWithoutSKU int
	ServerVersion      string
	Duration           time.Duration
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Syncer) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return odoo.DefaultPageSize
}

func (s *Syncer) overlap() time.Duration {
	if s.Overlap > 0 {
		return s.Overlap
	}
	return 2 * time.Minute
}

func (s *Syncer) progress(p Progress) {
	if s.Progress != nil {
		s.Progress(p)
	}
}

// Sync runs one sync of conn from src and records it in sync_logs.
func (s *Syncer) Sync(ctx context.Context, conn *store.Connection, src Source, opts Options) (Result, error) {
	start := s.now()
	res := Result{Kind: "incremental"}
	if opts.Full {
		res.Kind = "full"
	}
	if _, err := s.Store.SyncLogMarkInterrupted(ctx, conn.ID); err != nil {
		return res, err
	}
	logRow := &store.SyncLog{ConnectionID: conn.ID, Kind: res.Kind, StartedAt: start, Status: store.SyncRunning}
	if _, err := s.Store.SyncLogInsert(ctx, logRow); err != nil {
		return res, err
	}
	res.LogID = logRow.ID
	r := &run{s: s, conn: conn, src: src, opts: opts, res: &res, nextStatistics: firstStatistics}
	err := r.do(ctx)
	res.Duration = s.now().Sub(start)

	finished := s.now()
	logRow.FinishedAt = &finished
	logRow.RecordsFetched, logRow.RecordsInserted, logRow.RecordsUpdated, logRow.RecordsRemoved = res.Fetched, res.Inserted, res.Updated, res.Removed
	logRow.Details = r.details()
	logRow.Kind = res.Kind
	logRow.Status = store.SyncOK
	if err != nil {
		logRow.Status, logRow.Error = store.SyncFailed, err.Error()
	}
	// The log must be written even when the run was cancelled.
	logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if lerr := s.Store.SyncLogUpdate(logCtx, logRow); lerr != nil {
		err = errors.Join(err, lerr)
	}
	return res, err
}

// run is the state of one Sync call.
type run struct {
	s              *Syncer
	conn           *store.Connection
	src            Source
	opts           Options
	res            *Result
	products       map[int64]productInfo
	written        int64 // rows inserted by this run
	nextStatistics int64 // refresh the planner's statistics when written reaches this
	baseline       bool  // first sync: store, but emit no events
	syncedAt       time.Time
}

type productInfo struct {
	sku, name string
}

func (r *run) log() *slog.Logger {
	l := r.s.Log
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return l.With("connection", r.conn.Name)
}

func (r *run) details() string {
	if r.res.ProductsWithoutSKU == 0 {
		return ""
	}
	return fmt.Sprintf("%d products have no internal reference (default_code); they are keyed as ID:<product id>", r.res.ProductsWithoutSKU)
}

func (r *run) do(ctx context.Context) error {
	r.syncedAt = r.s.now()
	if _, err := r.s.Store.SyncCursorGet(ctx, r.conn.ID, modelBaseline); errors.Is(err, store.ErrNotFound) {
		r.baseline = !r.s.SendHistory
		if !r.opts.Full {
			r.res.Kind = "initial"
		}
	} else if err != nil {
		return err
	}
	sess, err := r.src.Login(ctx)
	if err != nil {
		return err
	}
	r.res.ServerVersion = sess.Version.String()
	if r.res.ServerVersion != r.conn.ServerVersion {
		v := r.res.ServerVersion
		if _, err := r.s.Store.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: r.conn.ID, ServerVersion: &v}); err != nil {
			return err
		}
	}
	if err := r.syncProducts(ctx); err != nil {
		return fmt.Errorf("products: %w", err)
	}
	if err := r.syncOrders(ctx); err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	if err := r.syncLines(ctx); err != nil {
		return fmt.Errorf("order lines: %w", err)
	}
	if r.opts.Full {
		if err := r.reconcile(ctx); err != nil {
			return fmt.Errorf("reconcile deleted records: %w", err)
		}
	}
	return r.s.Store.SyncCursorSet(ctx, &store.SyncCursor{ConnectionID: r.conn.ID, Model: modelBaseline, LastID: 1, UpdatedAt: r.s.now()})
}

// skuOf keys a product by its internal reference, or by a stable fallback when it has none.
func skuOf(p odoo.Product) string {
	if p.DefaultCode != "" {
		return p.DefaultCode
	}
	return fmt.Sprintf("ID:%d", p.ID)
}

func (r *run) syncProducts(ctx context.Context) error {
	r.products = map[int64]productInfo{}
	var done int64 // no total: search_count hides archived products, which are read too
	return r.src.Products(ctx, r.s.pageSize(), func(page []odoo.Product) error {
		prods := make([]*store.Product, 0, len(page))
		inv := make([]*store.Inventory, 0, len(page))
		for _, p := range page {
			sku := skuOf(p)
			if p.DefaultCode == "" {
				r.res.ProductsWithoutSKU++
			}
			r.products[p.ID] = productInfo{sku: sku, name: p.Name}
			var wd *time.Time
			if !p.WriteDate.IsZero() {
				t := p.WriteDate
				wd = &t
			}
			prods = append(prods, &store.Product{ConnectionID: r.conn.ID, ProductID: p.ID, SKU: sku, Name: p.Name,
				Type: p.Type, Active: p.Active, UoM: p.UoM, CompanyID: p.CompanyID, WriteDate: wd, SyncedAt: r.syncedAt})
			inv = append(inv, &store.Inventory{ConnectionID: r.conn.ID, ProductID: p.ID, SKU: sku, Name: p.Name,
				Type: p.Type, Active: p.Active, QtyAvailable: p.QtyAvailable, VirtualAvailable: p.VirtualAvailable,
				SyncedAt: r.syncedAt})
		}
		r.res.Products += len(page)
		r.res.Fetched += int64(len(page))
		err := r.s.Store.Tx(ctx, func(tx store.Executor) error {
			pr, err := tx.ProductUpsertMany(ctx, prods)
			if err != nil {
				return err
			}
			if _, err := tx.InventoryUpsertMany(ctx, inv); err != nil {
				return err
			}
			r.res.Inserted += pr.Inserted
			r.res.Updated += pr.Updated
			return nil
		})
		done += int64(len(page))
		r.s.progress(Progress{Connection: r.conn.Name, Stage: "products", Done: done})
		return err
	})
}

func (r *run) cursor(ctx context.Context, model string) (odoo.Cursor, bool, error) {
	c, err := r.s.Store.SyncCursorGet(ctx, r.conn.ID, model)
	if errors.Is(err, store.ErrNotFound) {
		return odoo.Cursor{}, false, nil
	}
	if err != nil {
		return odoo.Cursor{}, false, err
	}
	return odoo.Cursor{WriteDate: c.WriteDate, LastID: c.LastID}, true, nil
}

func (r *run) saveCursor(ctx context.Context, tx store.Executor, model string, c odoo.Cursor) error {
	return tx.SyncCursorSet(ctx, &store.SyncCursor{ConnectionID: r.conn.ID, Model: model, WriteDate: c.WriteDate,
		LastID: c.LastID, UpdatedAt: r.s.now()})
}

// latestWriteDate is the newest write_date of a model, read before a pass that covers everything older.
func (r *run) latestWriteDate(ctx context.Context, model string) (time.Time, error) {
	var latest time.Time
	err := r.src.SearchRead(ctx, model, odoo.Query{Fields: []string{"write_date"}, Order: "write_date desc, id desc",
		Limit: 1, PageSize: 1, IncludeArchived: true}, func(page []odoo.Record) error {
		if len(page) > 0 {
			t, err := page[0].Time("write_date")
			if err != nil {
				return err
			}
			latest = t
		}
		return nil
	})
	return latest, err
}

func (r *run) syncOrders(ctx context.Context) error {
	cur, found, err := r.cursor(ctx, ModelOrder)
	if err != nil {
		return err
	}
	if r.opts.Full || !found {
		cur = odoo.Cursor{}
		// Every line that exists now belongs to an order this pass reads; the lines pass then only has to
		// look at lines written from this moment on. Its cursor is stored first so a crash mid-pass resumes
		// with it.
		latest, err := r.latestWriteDate(ctx, ModelLine)
		if err != nil {
			return err
		}
		if _, lineFound, err := r.cursor(ctx, ModelLine); err != nil {
			return err
		} else if !lineFound || r.opts.Full {
			if err := r.s.Store.Tx(ctx, func(tx store.Executor) error {
				return r.saveCursor(ctx, tx, ModelLine, odoo.Cursor{WriteDate: latest})
			}); err != nil {
				return err
			}
		}
	} else {
		cur = cur.Rewind(r.s.overlap())
	}
	total, _ := r.src.SearchCount(ctx, ModelOrder, sinceDomain(cur))
	// Odoo is read one page ahead of the store: while a page is written, the next one (orders and their
	// lines) is fetched, so Odoo (or its network) and the database work at the same time. Pages are still
	// written one at a time and in order, each with the cursor that follows it.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pages := make(chan *orderPage, 1)
	fetched := make(chan error, 1)
	go func() {
		defer close(pages)
		fetched <- r.src.OrdersSince(ctx, cur, r.s.pageSize(), func(page []odoo.Order, next odoo.Cursor) error {
			p, err := r.fetchPage(ctx, page, next)
			if err != nil {
				return err
			}
			select {
			case pages <- p:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
	}()
	var done int64
	var writeErr error
	for p := range pages {
		if writeErr != nil {
			continue // the fetch is being cancelled; let it finish
		}
		writeErr = r.writeOrderPage(ctx, p)
		if writeErr != nil {
			cancel(writeErr)
			continue
		}
		done += int64(len(p.orders))
		r.s.progress(Progress{Connection: r.conn.Name, Stage: "orders", Done: done, Total: total})
	}
	fetchErr := <-fetched
	if writeErr != nil {
		return writeErr
	}
	// A failed fetch still leaves every page before it written, with its cursor: the next run resumes there.
	return fetchErr
}

// writeOrderPage writes a page of the orders pass and refreshes the planner's statistics as the tables grow.
func (r *run) writeOrderPage(ctx context.Context, p *orderPage) error {
	r.res.Fetched += int64(len(p.orders))
	if err := r.writePage(ctx, p, ModelOrder); err != nil {
		return err
	}
	if r.written >= r.nextStatistics {
		r.nextStatistics *= 2 // after 10k, 20k, 40k... rows: a handful of refreshes however large the history
		if err := r.s.Store.StatisticsRefresh(ctx); err != nil {
			return err
		}
	}
	return nil
}

func sinceDomain(c odoo.Cursor) odoo.Domain {
	if c.WriteDate.IsZero() {
		return odoo.Domain{}
	}
	return odoo.Gte("write_date", c.WriteDate)
}

// orderPage is a page of orders read from Odoo, with the lines of those that are sales.
type orderPage struct {
	orders []odoo.Order
	next   odoo.Cursor // the cursor after the page
	lines  map[int64][]odoo.OrderLine
	// linesOf marks the orders whose lines were read.
	linesOf map[int64]bool
	// known holds the stored versions of the orders when read; fresh says nothing can have been written since
	// (the page is written right after it was read, not one page ahead).
	known   map[int64]*store.Order
	fresh   bool
	fetched int64 // lines read from Odoo
}

// fetchPage reads the lines of the orders that are sales: confirmed, or stored already (an order that leaves
// the confirmed state is updated, not left stale). It only reads the store, so it can run ahead of the writes.
func (r *run) fetchPage(ctx context.Context, orders []odoo.Order, next odoo.Cursor) (*orderPage, error) {
	p := &orderPage{orders: orders, next: next, lines: map[int64][]odoo.OrderLine{}, linesOf: map[int64]bool{}}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	var err error
	if p.known, err = r.s.Store.OrderGetMany(ctx, r.conn.ID, ids); err != nil {
		return nil, err
	}
	return p, r.fetchLines(ctx, p, p.keep(p.known))
}

// keep lists the orders of the page that are sales, given the stored ones.
func (p *orderPage) keep(known map[int64]*store.Order) []int64 {
	var keep []int64
	for _, o := range p.orders {
		if _, ok := known[o.ID]; ok || o.Confirmed() {
			keep = append(keep, o.ID)
		}
	}
	return keep
}

func (r *run) fetchLines(ctx context.Context, p *orderPage, orderIDs []int64) error {
	if len(orderIDs) == 0 {
		return nil
	}
	for _, id := range orderIDs {
		p.linesOf[id] = true
	}
	return r.src.OrderLinesOf(ctx, orderIDs, r.s.pageSize()*4, func(page []odoo.OrderLine) error {
		p.fetched += int64(len(page))
		for _, l := range page {
			p.lines[l.OrderID] = append(p.lines[l.OrderID], l)
		}
		return nil
	})
}

// applyOrders stores a page of orders with all their lines, the cursor after the page, and the events the
// changes cause, in one transaction.
func (r *run) applyOrders(ctx context.Context, orders []odoo.Order, model string, next odoo.Cursor) error {
	p, err := r.fetchPage(ctx, orders, next)
	if err != nil {
		return err
	}
	p.fresh = true
	return r.writePage(ctx, p, model)
}

// writePage writes a fetched page and the cursor after it in one transaction.
func (r *run) writePage(ctx context.Context, p *orderPage, model string) error {
	known := p.known
	if !p.fresh {
		// Read again: the page written just before may have stored some of these orders (an order edited in
		// Odoo during the pass shows up again, later).
		ids := make([]int64, len(p.orders))
		for i, o := range p.orders {
			ids[i] = o.ID
		}
		var err error
		if known, err = r.s.Store.OrderGetMany(ctx, r.conn.ID, ids); err != nil {
			return err
		}
	}
	keep := p.keep(known)
	var missing []int64 // stored since the fetch and no longer confirmed: their lines were not read
	for _, id := range keep {
		if !p.linesOf[id] {
			missing = append(missing, id)
		}
	}
	if err := r.fetchLines(ctx, p, missing); err != nil {
		return err
	}
	r.res.Fetched += p.fetched
	return r.s.Store.Tx(ctx, func(tx store.Executor) error {
		if err := tx.CommitAsync(ctx); err != nil {
			return err
		}
		if err := r.writeOrders(ctx, tx, p.orders, keep, known, p.lines); err != nil {
			return err
		}
		return r.saveCursor(ctx, tx, model, p.next)
	})
}

// writeOrders upserts the kept orders and their product lines, marks lines that left an order as removed, and
// records an event for every order whose version moved.
//
// prev holds the stored versions of these orders, read just before the transaction: one sync at a time writes
// a connection's orders, so it cannot have changed since.
func (r *run) writeOrders(ctx context.Context, tx store.Executor, orders []odoo.Order, keep []int64, prev map[int64]*store.Order, lines map[int64][]odoo.OrderLine) error {
	if len(keep) == 0 {
		return nil
	}
	var prevItems []*store.Item
	if len(prev) > 0 { // a page of orders never seen before (a first sync) has no stored lines to compare
		known := make([]int64, 0, len(prev))
		for id := range prev {
			known = append(known, id)
		}
		slices.Sort(known)
		var err error
		if prevItems, err = tx.ItemListByOrder(ctx, r.conn.ID, known); err != nil {
			return err
		}
	}
	prevVersion := map[int64]time.Time{}
	prevLines := make(map[int64]*store.Item, len(prevItems))
	for _, o := range prev {
		prevVersion[o.OrderID] = o.WriteDate
	}
	for _, it := range prevItems {
		prevLines[it.LineID] = it
		if it.WriteDate.After(prevVersion[it.OrderID]) {
			prevVersion[it.OrderID] = it.WriteDate
		}
	}
	byID := make(map[int64]odoo.Order, len(orders))
	for _, o := range orders {
		byID[o.ID] = o
	}
	var rows []*store.Order
	var items []*store.Item
	var changes []Change
	present := map[int64]bool{}
	for _, id := range keep {
		o := byID[id]
		so := r.storeOrder(o)
		version := o.WriteDate
		var orderItems []*store.Item
		for _, l := range lines[id] {
			if l.WriteDate.After(version) {
				version = l.WriteDate
			}
			if l.DisplayType != "" || l.ProductID == 0 {
				continue // sections and notes are layout, not sales
			}
			it := r.storeItem(o, l)
			present[l.ID] = true
			orderItems = append(orderItems, it)
		}
		rows = append(rows, so)
		items = append(items, orderItems...)
		p, wasKnown := prev[id]
		moved := !wasKnown || !version.Equal(prevVersion[id]) || p.State != so.State || p.RemovedAt != nil
		if moved && !r.baseline {
			changes = append(changes, Change{Prev: p, Order: so, Items: orderItems, Version: version})
		}
	}
	var gone []int64
	for id := range prevLines {
		if !present[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	// prev and prevLines are what is stored (a line of an order not stored cannot be; a line marked removed
	// comes back as an insert): the writes skip re-reading them.
	or, err := tx.OrderWriteMany(ctx, rows, prev)
	if err != nil {
		return err
	}
	ir, err := tx.ItemWriteMany(ctx, items, prevLines)
	if err != nil {
		return err
	}
	removed, err := tx.ItemMarkRemoved(ctx, r.conn.ID, gone, r.syncedAt)
	if err != nil {
		return err
	}
	r.res.Inserted += or.Inserted + ir.Inserted
	r.res.Updated += or.Updated + ir.Updated
	r.res.Removed += removed
	r.written += or.Inserted + ir.Inserted
	if len(changes) == 0 || r.s.Outbox == nil {
		return nil
	}
	deliveries, err := r.s.Outbox.OutboxRecord(ctx, tx, r.conn, changes)
	if err != nil {
		return fmt.Errorf("record webhook events: %w", err)
	}
	r.res.Events += len(deliveries)
	r.res.DeliveryIDs = append(r.res.DeliveryIDs, deliveries...)
	return nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (r *run) storeOrder(o odoo.Order) *store.Order {
	return &store.Order{ConnectionID: r.conn.ID, OrderID: o.ID, Name: o.Name, State: o.State,
		DateOrder: timePtr(o.DateOrder), WriteDate: o.WriteDate, PartnerID: o.PartnerID, PartnerName: o.PartnerName,
		CompanyID: o.CompanyID, CompanyName: o.CompanyName, Currency: o.Currency, AmountUntaxed: o.AmountUntaxed,
		AmountTax: o.AmountTax, AmountTotal: o.AmountTotal, ClientOrderRef: o.ClientOrderRef,
		CommitmentDate: o.CommitmentDate, WarehouseID: o.WarehouseID, WarehouseName: o.WarehouseName, SyncedAt: r.syncedAt}
}

func (r *run) storeItem(o odoo.Order, l odoo.OrderLine) *store.Item {
	sku, name := fmt.Sprintf("ID:%d", l.ProductID), l.ProductName
	if p, ok := r.products[l.ProductID]; ok {
		sku = p.sku
		if name == "" {
			name = p.name
		}
	}
	return &store.Item{ConnectionID: r.conn.ID, LineID: l.ID, OrderID: o.ID, OrderName: o.Name, OrderState: o.State,
		DateOrder: timePtr(o.DateOrder), SKU: sku, ProductID: l.ProductID, ProductName: name, Quantity: l.Quantity,
		UoM: l.UoM, QtyDelivered: l.QtyDelivered, QtyInvoiced: l.QtyInvoiced, PriceUnit: l.PriceUnit,
		Discount: l.Discount, Subtotal: l.Subtotal, Total: l.Total, Currency: l.Currency, CompanyID: l.CompanyID,
		WriteDate: l.WriteDate, SyncedAt: r.syncedAt, UpdatedAt: r.syncedAt}
}

// syncLines catches line edits that did not touch their order's write_date: each changed line's order is
// re-read whole (order and every line) and written as the orders pass does.
func (r *run) syncLines(ctx context.Context) error {
	cur, _, err := r.cursor(ctx, ModelLine)
	if err != nil {
		return err
	}
	cur = cur.Rewind(r.s.overlap())
	total, _ := r.src.SearchCount(ctx, ModelLine, sinceDomain(cur))
	var done int64
	return r.src.OrderLinesSince(ctx, cur, r.s.pageSize(), func(page []odoo.OrderLine, next odoo.Cursor) error {
		r.res.Fetched += int64(len(page))
		done += int64(len(page))
		defer r.s.progress(Progress{Connection: r.conn.Name, Stage: "lines", Done: done, Total: total})
		lineIDs := make([]int64, len(page))
		orderIDs := make([]int64, 0, len(page))
		for i, l := range page {
			lineIDs[i] = l.ID
			orderIDs = append(orderIDs, l.OrderID)
		}
		stored, err := r.s.Store.ItemGetMany(ctx, r.conn.ID, lineIDs)
		if err != nil {
			return err
		}
		known, err := r.s.Store.OrderGetMany(ctx, r.conn.ID, orderIDs)
		if err != nil {
			return err
		}
		var stale []int64
		for _, l := range page {
			_, orderKnown := known[l.OrderID]
			if !orderKnown && l.State != "sale" && l.State != "done" {
				continue // a quotation's line: not a sale
			}
			if it, ok := stored[l.ID]; ok && sameLine(it, l) {
				continue // already stored as it is
			}
			if (l.DisplayType != "" || l.ProductID == 0) && orderKnown {
				if _, ok := stored[l.ID]; !ok {
					continue // a section or note of a stored order: nothing to store
				}
			}
			stale = append(stale, l.OrderID)
		}
		slices.Sort(stale)
		stale = slices.Compact(stale)
		if len(stale) == 0 {
			return r.s.Store.Tx(ctx, func(tx store.Executor) error { return r.saveCursor(ctx, tx, ModelLine, next) })
		}
		orders, err := r.src.OrdersByID(ctx, stale)
		if err != nil {
			return err
		}
		r.res.Fetched += int64(len(orders))
		return r.applyOrders(ctx, orders, ModelLine, next)
	})
}

// reconcile compares the ids Odoo has with the ids stored and marks the missing ones removed.
func (r *run) reconcile(ctx context.Context) error {
	for _, m := range []struct {
		model  string
		stored func(context.Context, int64) ([]int64, error)
		mark   func(context.Context, int64, []int64, time.Time) (int64, error)
	}{
		{ModelOrder, r.s.Store.OrderIDList, r.s.Store.OrderMarkRemoved},
		{ModelLine, r.s.Store.ItemIDList, r.s.Store.ItemMarkRemoved},
	} {
		stored, err := m.stored(ctx, r.conn.ID)
		if err != nil {
			return err
		}
		inOdoo := make(map[int64]bool, len(stored))
		if err := r.src.IDs(ctx, m.model, odoo.Domain{}, 5000, func(ids []int64) error {
			for _, id := range ids {
				inOdoo[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		var missing []int64
		for _, id := range stored {
			if !inOdoo[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			continue
		}
		n, err := m.mark(ctx, r.conn.ID, missing, r.syncedAt)
		if err != nil {
			return err
		}
		r.res.Removed += n
		r.log().Info("marked records deleted in Odoo as removed", "model", m.model, "count", n)
		r.s.progress(Progress{Connection: r.conn.Name, Stage: "reconcile", Done: n, Total: n})
	}
	return nil
}

// sameLine reports whether a stored item already holds what Odoo returned for the line. write_date alone is not
// enough: Odoo returns it at second precision, so a second edit within the same second keeps it.
func sameLine(it *store.Item, l odoo.OrderLine) bool {
	return it.WriteDate.Equal(l.WriteDate) && it.Quantity == l.Quantity && it.QtyDelivered == l.QtyDelivered &&
		it.QtyInvoiced == l.QtyInvoiced && it.PriceUnit == l.PriceUnit && it.Discount == l.Discount &&
		it.Subtotal == l.Subtotal && it.Total == l.Total && it.ProductID == l.ProductID && it.OrderState == l.State &&
		it.RemovedAt == nil
}
