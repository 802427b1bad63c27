package sync

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

func confirmed(state string) bool { return state == "sale" || state == "done" }

// syncOrders lists what changed in orders and in lines, then reads and writes the orders that differ from the
// store, and queues both cursors once everything is written.
func (r *run) syncOrders(ctx context.Context) error {
	ow, err := r.windowOf(ctx, ModelOrder)
	if err != nil {
		return err
	}
	lw, err := r.windowOf(ctx, ModelLine)
	if err != nil {
		return err
	}
	_, lineCursor, err := r.cursorOf(ctx, ModelLine)
	if err != nil {
		return err
	}
	if r.initial {
		// A first pass stores everything it lists; unless it resumes one cut short, nothing is stored to compare.
		n, err := r.s.Store.ConnectionDataCount(ctx, r.conn.ID)
		if err != nil {
			return err
		}
		r.noOrders = n.Orders == 0
	}
	want := map[int64]int{} // order id -> its line count, as listed (0: not known)
	// A first (or full) pass reads every order's lines with the order: listing lines too would find nothing new.
	lines := lineCursor && !r.opts.Full
	// Later passes list the orders written in their window together with the orders that have a line written in
	// the lines' window: when that finds nothing, no line changed either, and an idle pass asks one call for
	// sales instead of two.
	var also odoo.Domain
	if lines && !ow.since.IsZero() && !lw.since.IsZero() {
		also = odoo.Gte("order_line.write_date", lw.since)
	}
	listed := 0
	orderNow, err := r.listOrders(ctx, ow, also, want, &listed)
	if err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	if err := r.checkClock(ctx, orderNow); err != nil {
		return err
	}
	if r.widen(&ow) {
		if _, err := r.listOrders(ctx, ow, odoo.Domain{}, want, &listed); err != nil {
			return fmt.Errorf("orders: %w", err)
		}
	}
	// A clock step widens the lines' window beyond what the order listing covered: list them.
	quiet := !also.IsEmpty() && listed == 0 && r.stepFrom.IsZero()
	lineNow := orderNow
	if lines && !quiet {
		if lineNow, err = r.listLines(ctx, lw, want); err != nil {
			return fmt.Errorf("order lines: %w", err)
		}
		if r.widen(&lw) {
			if _, err := r.listLines(ctx, lw, want); err != nil {
				return fmt.Errorf("order lines: %w", err)
			}
		}
	}
	if err := r.refresh(ctx, want); err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	r.saveCursor(ModelOrder, orderNow)
	r.saveCursor(ModelLine, lineNow)
	return nil
}

// freshFrom is where a listing starts reading records whole whatever their stamps: at the cursor, or, on a
// first pass, at the horizon of the listing itself (so a first pass resumed after a crash does not read again
// what it already stored).
func (r *run) freshFrom(w window) time.Time {
	if !w.fresh.IsZero() || r.opts.Full {
		return w.fresh
	}
	if now, ok := r.src.ServerTime(); ok {
		return now.Add(-r.s.lag())
	}
	return time.Time{}
}

// listOrders adds to want the orders listed in w (or matching also) that the store lacks or holds in another
// version, and counts the orders listed.
func (r *run) listOrders(ctx context.Context, w window, also odoo.Domain, want map[int64]int, listed *int) (time.Time, error) {
	return r.list(ctx, ModelOrder, w, also, "listing orders", func(page []odoo.Stamp, ids []int64, fresh time.Time) error {
		*listed += len(page)
		var stored map[int64]*store.Order
		if !r.noOrders {
			var err error
			if stored, err = r.s.Store.OrderGetMany(ctx, r.conn.ID, ids); err != nil {
				return err
			}
		}
		for _, st := range page {
			o, ok := stored[st.ID]
			if !ok && !confirmed(st.State) {
				continue // a quotation
			}
			if ok && !r.opts.Full && st.WriteDate.Before(fresh) && o.RemovedAt == nil && o.State == st.State &&
				o.WriteDate.Equal(st.WriteDate) {
				continue // stored as it is
			}
			want[st.ID] = max(want[st.ID], st.Lines)
		}
		return nil
	})
}

// list runs a listing of model over w (and the records matching also, when not empty) and hands fn each page,
// its ids and where whole reads begin.
func (r *run) list(ctx context.Context, model string, w window, also odoo.Domain, stage string,
	fn func(page []odoo.Stamp, ids []int64, fresh time.Time) error) (time.Time, error) {
	var done int64
	stamps := r.src.Stamps
	if !also.IsEmpty() {
		stamps = func(ctx context.Context, model string, since time.Time, pageSize int, fn func(page []odoo.Stamp) error) (time.Time, error) {
			return r.src.StampsOr(ctx, model, since, also, pageSize, fn)
		}
	}
	return stamps(ctx, model, w.since, r.s.listSize(), func(page []odoo.Stamp) error {
		r.fetched(model, len(page))
		ids := make([]int64, len(page))
		for i, st := range page {
			ids[i] = st.ID
		}
		if err := fn(page, ids, r.freshFrom(w)); err != nil {
			return err
		}
		done += int64(len(page))
		r.s.progress(Progress{Connection: r.conn.Name, Stage: stage, Done: done})
		return nil
	})
}

// listLines adds to want the orders of lines listed in w that the store lacks or holds in another version: an
// edited line does not always touch its order's write_date.
func (r *run) listLines(ctx context.Context, w window, want map[int64]int) (time.Time, error) {
	return r.list(ctx, ModelLine, w, odoo.Domain{}, "listing lines", func(page []odoo.Stamp, ids []int64, fresh time.Time) error {
		stored, err := r.s.Store.ItemGetMany(ctx, r.conn.ID, ids)
		if err != nil {
			return err
		}
		var unknown []int64 // orders of lines not stored: is the order?
		for _, st := range page {
			if _, ok := stored[st.ID]; !ok && !st.Layout && !confirmed(st.State) {
				unknown = append(unknown, st.OrderID)
			}
		}
		known, err := r.s.Store.OrderGetMany(ctx, r.conn.ID, unknown)
		if err != nil {
			return err
		}
		for _, st := range page {
			it, ok := stored[st.ID]
			switch {
			case !ok && st.Layout:
				continue // sections and notes are not stored
			case !ok:
				if _, orderKnown := known[st.OrderID]; !orderKnown && !confirmed(st.State) {
					continue // a quotation's line
				}
			case st.WriteDate.Before(fresh) && it.RemovedAt == nil && it.WriteDate.Equal(st.WriteDate) && it.OrderState == st.State:
				continue // stored as it is
			}
			if _, ok := want[st.OrderID]; !ok {
				want[st.OrderID] = 0
			}
		}
		return nil
	})
}

// chunk is a group of orders read and written together: their lines, then the orders.
type chunk struct {
	ids    []int64
	orders []odoo.Order
	lines  map[int64][]odoo.OrderLine
	// readLines and readOrders count what was read whole (by model, for the pass's counts).
	readLines, readOrders int
}

// chunks groups the wanted orders so that one group holds about as many lines as one listing page (an order
// with more lines makes a group of its own), bounding memory however large the orders. Groups are not bounded
// by their number of orders: a group is a transaction and a call for its lines, and fewer, fuller ones cost
// less of both (SQLite's WAL rewrites the pages a commit touches; on a first sync with pages of 500 orders the
// groups held about 1,800 lines, and writing 5,000 wrote 30% fewer bytes).
func (r *run) chunks(want map[int64]int) [][]int64 {
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out [][]int64
	var cur []int64
	lines := 0
	for _, id := range ids {
		n := max(want[id], 1)
		if len(cur) > 0 && lines+n > r.s.listSize() {
			out = append(out, cur)
			cur, lines = nil, 0
		}
		cur = append(cur, id)
		lines += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// refresh reads the wanted orders whole and writes them. Odoo is read one group ahead of the store, so Odoo and
// the database work at the same time; groups are written in order. A group's lines are read before its orders:
// a line edited between the two reads then has a newer write_date than the one stored and is read again next
// pass, whereas lines read after their order could leave the order's totals stale for good.
func (r *run) refresh(ctx context.Context, want map[int64]int) error {
	groups := r.chunks(want)
	total := int64(len(want))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fetched := make(chan *chunk, 1)
	fetchErr := make(chan error, 1)
	go func() {
		defer close(fetched)
		for _, ids := range groups {
			c, err := r.fetch(ctx, ids)
			if err != nil {
				fetchErr <- err
				return
			}
			select {
			case fetched <- c:
			case <-ctx.Done():
				fetchErr <- context.Cause(ctx)
				return
			}
		}
		fetchErr <- nil
	}()
	var done int64
	var writeErr error
	for c := range fetched {
		if writeErr != nil {
			continue // the fetch is being cancelled; let it finish
		}
		if writeErr = r.write(ctx, c); writeErr != nil {
			cancel(writeErr)
			continue
		}
		done += int64(len(c.ids))
		r.s.progress(Progress{Connection: r.conn.Name, Stage: "orders", Done: done, Total: total})
	}
	ferr := <-fetchErr
	if writeErr != nil {
		return writeErr
	}
	// Every group before a failed fetch is written: the next pass lists them as stored and reads the rest.
	return ferr
}

func (r *run) fetch(ctx context.Context, ids []int64) (*chunk, error) {
	c := &chunk{ids: ids, lines: make(map[int64][]odoo.OrderLine, len(ids))}
	err := r.src.OrderLinesOf(ctx, ids, r.s.listSize(), func(page []odoo.OrderLine) error {
		c.readLines += len(page)
		// An order's lines usually follow each other (ids are given in order): keep each run as a slice of the
		// page (capped, so that appending a later run of the same order copies instead of overwriting the page).
		for i := 0; i < len(page); {
			j := i + 1
			for j < len(page) && page[j].OrderID == page[i].OrderID {
				j++
			}
			id := page[i].OrderID
			if prev, ok := c.lines[id]; ok {
				c.lines[id] = append(prev, page[i:j]...)
			} else {
				c.lines[id] = page[i:j:j]
			}
			i = j
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.orders, err = r.src.OrdersByID(ctx, ids); err != nil {
		return nil, err
	}
	c.readOrders += len(c.orders)
	return c, nil
}

// write stores a group: the orders that are sales (confirmed, or stored already: an order that leaves the
// confirmed state is updated, not left stale), their lines and events, in one transaction. Orders that Odoo no
// longer has are marked removed. The transaction is idempotent as a whole (it compares with what is stored,
// read again each time, and upserts; events are keyed by their content), so a lost connection is answered by
// writing the group again on a new one.
func (r *run) write(ctx context.Context, c *chunk) error {
	r.fetched(ModelLine, c.readLines)
	r.fetched(ModelOrder, c.readOrders)
	if err := r.knowProducts(ctx, c.lines); err != nil {
		return err
	}
	var w written
	var gone []int64
	tries := 0
	err := r.retry(ctx, "store orders", func() error {
		var err error
		tries++
		// A try after a lost connection reads the stored orders: the lost commit may have stored the group.
		w, gone, err = r.writeGroup(ctx, c, tries > 1 || !r.noOrders)
		return err
	})
	if err != nil {
		return err
	}
	r.add(w)
	if len(gone) > 0 {
		r.note("%d orders deleted in Odoo marked removed", len(gone))
	}
	if r.written >= r.nextStatistics {
		r.nextStatistics *= 2 // after 10k, 20k, 40k... rows: a handful of refreshes however large the history
		if err := r.retry(ctx, "refresh the planner's statistics", func() error { return r.s.Store.StatisticsRefresh(ctx) }); err != nil {
			return err
		}
	}
	return nil
}

// written is what a transaction stored; it counts once the transaction commits.
type written struct {
	inserted, updated, removed int64
	rows                       int64 // sales rows inserted, for the planner's statistics
	deliveries                 []int64
}

func (r *run) add(w written) {
	r.res.Inserted += w.inserted
	r.res.Updated += w.updated
	r.res.Removed += w.removed
	r.res.Events += len(w.deliveries)
	r.res.DeliveryIDs = append(r.res.DeliveryIDs, w.deliveries...)
	r.written += w.rows
}

// writeGroup is one try of write: it reads the group's stored orders (unless read is false: none can be) and
// writes the group in a transaction. It returns what it wrote and the orders it marked removed.
func (r *run) writeGroup(ctx context.Context, c *chunk, read bool) (written, []int64, error) {
	var w written
	var known map[int64]*store.Order
	if read {
		var err error
		if known, err = r.s.Store.OrderGetMany(ctx, r.conn.ID, c.ids); err != nil {
			return w, nil, err
		}
	}
	present := make(map[int64]bool, len(c.orders))
	var keep []int64
	for _, o := range c.orders {
		present[o.ID] = true
		if _, ok := known[o.ID]; ok || o.Confirmed() {
			keep = append(keep, o.ID)
		}
	}
	var gone []int64
	for _, id := range c.ids {
		if o, ok := known[id]; ok && !present[id] && o.RemovedAt == nil {
			gone = append(gone, id)
		}
	}
	err := r.s.Store.Tx(ctx, r.fenced(ctx, func(tx store.Executor) error {
		// A lost commit is found again by the next pass's listing (the cursors, saved by the pass's last
		// transaction, are committed durably, which flushes these too).
		if err := tx.CommitAsync(ctx); err != nil {
			return err
		}
		var err error
		if w, err = r.writeOrders(ctx, tx, c.orders, keep, known, c.lines); err != nil {
			return err
		}
		if len(gone) > 0 {
			n, err := tx.OrderMarkRemoved(ctx, r.conn.ID, gone, r.syncedAt)
			if err != nil {
				return err
			}
			w.removed += n
		}
		return nil
	}))
	return w, gone, err
}

// writeOrders upserts the kept orders and their product lines, marks lines that left an order as removed, and
// records an event for every order whose version moved.
//
// prev holds the stored versions of these orders, read just before the transaction: one sync at a time writes
// a connection's orders, so it cannot have changed since.
func (r *run) writeOrders(ctx context.Context, tx store.Executor, orders []odoo.Order, keep []int64, prev map[int64]*store.Order, lines map[int64][]odoo.OrderLine) (written, error) {
	var w written
	if len(keep) == 0 {
		return w, nil
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
			return w, err
		}
	}
	prevVersion := map[int64]time.Time{}
	prevLines := make(map[int64]*store.Item, len(prevItems))
	for _, o := range prev {
		prevVersion[o.OrderID] = o.WriteDate
	}
	prevCount := map[int64]int{}
	for _, it := range prevItems {
		prevLines[it.LineID] = it
		prevCount[it.OrderID]++
		if it.WriteDate.After(prevVersion[it.OrderID]) {
			prevVersion[it.OrderID] = it.WriteDate
		}
	}
	byID := make(map[int64]*odoo.Order, len(orders))
	for i := range orders {
		byID[orders[i].ID] = &orders[i]
	}
	// The rows live in slabs, one allocation per group instead of one per line, reused by the next group:
	// nothing keeps a group's rows once it is written (the outbox copies what an event carries).
	n := 0
	for _, id := range keep {
		n += len(lines[id])
	}
	slab, orderSlab := r.itemSlab[:0], r.orderSlab[:0]
	if cap(slab) < n {
		slab = make([]store.Item, 0, n)
	}
	if cap(orderSlab) < len(keep) {
		orderSlab = make([]store.Order, 0, len(keep))
	}
	defer func() { r.itemSlab, r.orderSlab = slab, orderSlab }()
	rows := make([]*store.Order, 0, len(keep))
	items := make([]*store.Item, 0, n)
	var changes []Change
	present := make(map[int64]bool, len(prevLines))
	for _, id := range keep {
		o := byID[id]
		orderSlab = append(orderSlab, r.storeOrder(o))
		so := &orderSlab[len(orderSlab)-1]
		version := o.WriteDate
		first := len(items)
		for i := range lines[id] {
			l := &lines[id][i]
			if l.WriteDate.After(version) {
				version = l.WriteDate
			}
			if l.DisplayType != "" || l.ProductID == 0 {
				continue // sections and notes are layout, not sales
			}
			slab = append(slab, r.storeItem(so, l))
			it := &slab[len(slab)-1]
			if len(prevLines) > 0 {
				present[l.ID] = true
			}
			items = append(items, it)
		}
		orderItems := items[first:len(items):len(items)]
		rows = append(rows, so)
		p, wasKnown := prev[id]
		// Odoo shows write_date to the second: a second edit within it changes the content, not the version.
		moved := !wasKnown || !version.Equal(prevVersion[id]) || p.State != so.State || p.RemovedAt != nil ||
			orderDiffers(p, so) || itemsDiffer(orderItems, prevLines, prevCount[id])
		if moved {
			// Only a change moves stock: an order read again as it is stored (inside the lag, each pass for
			// two minutes after its edit) makes no product's stock worth reading again.
			for _, it := range orderItems {
				r.sold[it.ProductID] = true
			}
			if !r.baseline {
				changes = append(changes, Change{Prev: p, Order: so, Items: orderItems, Version: version})
			}
		}
	}
	var gone []int64
	for id, it := range prevLines {
		if !present[id] {
			gone = append(gone, id)
			r.sold[it.ProductID] = true // a line that left its order gave its quantity back
		}
	}
	slices.Sort(gone)
	// prev and prevLines are what is stored (a line of an order not stored cannot be; a line marked removed
	// comes back as an insert): the writes skip re-reading them.
	or, err := tx.OrderWriteMany(ctx, rows, prev)
	if err != nil {
		return w, err
	}
	ir, err := tx.ItemWriteMany(ctx, items, prevLines)
	if err != nil {
		return w, err
	}
	removed, err := tx.ItemMarkRemoved(ctx, r.conn.ID, gone, r.syncedAt)
	if err != nil {
		return w, err
	}
	w = written{inserted: or.Inserted + ir.Inserted, updated: or.Updated + ir.Updated, removed: removed,
		rows: or.Inserted + ir.Inserted}
	if len(changes) == 0 || r.s.Outbox == nil {
		return w, nil
	}
	if w.deliveries, err = r.s.Outbox.OutboxRecord(ctx, tx, r.conn, changes); err != nil {
		return w, fmt.Errorf("record webhook events: %w", err)
	}
	return w, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (r *run) storeOrder(o *odoo.Order) store.Order {
	return store.Order{ConnectionID: r.conn.ID, OrderID: o.ID, Name: o.Name, State: o.State,
		DateOrder: timePtr(o.DateOrder), WriteDate: o.WriteDate, PartnerID: o.PartnerID, PartnerName: o.PartnerName,
		CompanyID: o.CompanyID, CompanyName: o.CompanyName, Currency: o.Currency, AmountUntaxed: o.AmountUntaxed,
		AmountTax: o.AmountTax, AmountTotal: o.AmountTotal, ClientOrderRef: o.ClientOrderRef,
		CommitmentDate: o.CommitmentDate, WarehouseID: o.WarehouseID, WarehouseName: o.WarehouseName, SyncedAt: r.syncedAt}
}

// storeItem is line l of order o (the stored row, whose date_order it shares).
func (r *run) storeItem(o *store.Order, l *odoo.OrderLine) store.Item {
	name := l.ProductName
	var sku string
	if p, ok := r.products[l.ProductID]; ok {
		sku = p.sku
		if name == "" {
			name = p.name
		}
	} else {
		sku = fmt.Sprintf("ID:%d", l.ProductID)
	}
	return store.Item{ConnectionID: r.conn.ID, LineID: l.ID, OrderID: o.OrderID, OrderName: o.Name, OrderState: o.State,
		DateOrder: o.DateOrder, SKU: sku, ProductID: l.ProductID, ProductName: name, Quantity: l.Quantity,
		UoM: l.UoM, QtyDelivered: l.QtyDelivered, QtyInvoiced: l.QtyInvoiced, PriceUnit: l.PriceUnit,
		Discount: l.Discount, Subtotal: l.Subtotal, Total: l.Total, Currency: l.Currency, CompanyID: l.CompanyID,
		WriteDate: l.WriteDate, SyncedAt: r.syncedAt, UpdatedAt: r.syncedAt}
}

// orderDiffers reports whether an order's stored content (what the event carries) differs from a new read.
func orderDiffers(a, b *store.Order) bool {
	return a.Name != b.Name || a.State != b.State || !sameTime(a.DateOrder, b.DateOrder) ||
		a.PartnerID != b.PartnerID || a.PartnerName != b.PartnerName || a.CompanyID != b.CompanyID ||
		a.Currency != b.Currency || a.AmountUntaxed != b.AmountUntaxed || a.AmountTax != b.AmountTax ||
		a.AmountTotal != b.AmountTotal || a.ClientOrderRef != b.ClientOrderRef ||
		!sameTime(a.CommitmentDate, b.CommitmentDate) || a.WarehouseID != b.WarehouseID
}

// itemsDiffer reports whether an order's lines after a read differ from the stored ones (prevCount of them).
func itemsDiffer(items []*store.Item, prev map[int64]*store.Item, prevCount int) bool {
	if len(items) != prevCount {
		return true
	}
	for _, it := range items {
		p, ok := prev[it.LineID]
		if !ok || p.SKU != it.SKU || p.ProductID != it.ProductID || p.Quantity != it.Quantity ||
			p.QtyDelivered != it.QtyDelivered || p.QtyInvoiced != it.QtyInvoiced || p.PriceUnit != it.PriceUnit ||
			p.Discount != it.Discount || p.Subtotal != it.Subtotal || p.Total != it.Total || p.UoM != it.UoM ||
			!p.WriteDate.Equal(it.WriteDate) {
			return true
		}
	}
	return false
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
