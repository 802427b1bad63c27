package odootest

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Now is the fake's clock.
func (s *Server) Now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now
}

// Advance moves the clock by d (d >= 0 in normal use). A negative d is a backward step, as SetNow to an
// earlier time.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setNow(s.now.Add(d))
}

// SetNow sets the clock to t, which may be earlier than the current time: an NTP step backwards after the
// server's clock ran ahead. Transaction stamps follow the clock: after a backward step, rows written carry
// times around t, older than rows written before the step. A forward step behaves like Advance.
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setNow(t.UTC())
}

// setNow moves the clock; a backward step starts a new stamp epoch. Caller holds the write lock.
func (s *Server) setNow(t time.Time) {
	if t.Before(s.now) {
		s.lastStamp = time.Time{}
	}
	s.now = t
}

// stamp is one transaction's now(): the clock with microseconds. When the clock sits on a whole second a
// deterministic sub-second part is added (a real now() almost never ends in .000000). Within one clock epoch
// (since the last backward step of the clock) stamps are unique and never go backwards; after a backward
// step they restart around the new clock, as a real server's do. Caller holds the write lock.
func (s *Server) stamp() time.Time {
	t := s.now
	if t.Nanosecond() == 0 {
		t = t.Add(time.Duration(1+s.stampRNG.IntN(999_000)) * time.Microsecond)
	}
	t = t.Truncate(time.Microsecond)
	if !t.After(s.lastStamp) {
		t = s.lastStamp.Add(time.Duration(1+s.stampRNG.IntN(50)) * time.Microsecond)
	}
	s.lastStamp = t
	return t
}

// ErrNotFound is returned by mutations on ids that do not exist.
var ErrNotFound = errors.New("odootest: record not found")

// Tx is one Odoo transaction: every record it writes gets the same write_date.
type Tx struct {
	s  *Server
	wd time.Time
}

// Batch runs fn as one transaction: every record written shares one write_date (microseconds included),
// like a mass confirmation or an import. fn runs under the server's write lock: it must use only tx, never
// the Server's methods (they would deadlock). The fake does not roll back: what fn did before returning an
// error stays.
func (s *Server) Batch(fn func(tx *Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&Tx{s: s, wd: s.stamp()})
}

// CommitLate runs fn as a transaction that started delay ago and commits now: its rows carry a write_date
// older than the clock (and possibly older than what a client already synced).
func (s *Server) CommitLate(delay time.Duration, fn func(tx *Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	wd := s.now.Add(-delay)
	if wd.Nanosecond() == 0 {
		wd = wd.Add(time.Duration(1+s.stampRNG.IntN(999_000)) * time.Microsecond)
	}
	return fn(&Tx{s: s, wd: wd.Truncate(time.Microsecond)})
}

// LateTx is a long transaction opened by StartTx: its write_date is fixed when it starts, its changes become
// visible only when it commits.
type LateTx struct {
	s    *Server
	wd   time.Time
	mu   sync.Mutex
	done bool
}

// ErrTxDone is returned by LateTx.Commit on a transaction that already committed.
var ErrTxDone = errors.New("odootest: transaction already committed")

// StartTx opens a long transaction (an import, a cron job, a slow confirmation): its write_date is the
// clock now, with microseconds, like any transaction's now(). Nothing is written until Commit, so rows stay
// invisible (and unchanged) to every call until then, and appear afterwards with this older write_date.
func (s *Server) StartTx() *LateTx {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &LateTx{s: s, wd: s.stamp()}
}

// WriteDate is the write_date every row written by the transaction will carry.
func (lt *LateTx) WriteDate() time.Time { return lt.wd }

// Commit applies fn, stamping what it writes with the write_date fixed by StartTx, and makes it visible.
// fn runs under the server's write lock (use only tx, as in Batch). A second Commit returns ErrTxDone.
func (lt *LateTx) Commit(fn func(tx *Tx) error) error {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.done {
		return ErrTxDone
	}
	lt.done = true
	lt.s.mu.Lock()
	defer lt.s.mu.Unlock()
	return fn(&Tx{s: lt.s, wd: lt.wd})
}

func (s *Server) tx(fn func(tx *Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&Tx{s: s, wd: s.stamp()})
}

// WriteDate is the transaction's write_date.
func (tx *Tx) WriteDate() time.Time { return tx.wd }

func (tx *Tx) touch(t *table, r rec) {
	t.touch(r)
	r.setWD(tx.wd)
}

func (tx *Tx) order(id int64) (*Order, error) {
	r := tx.s.orders.get(id)
	if r == nil {
		return nil, fmt.Errorf("%w: sale.order %d", ErrNotFound, id)
	}
	return r.(*Order), nil
}

// SetOrderState sets an order's state (and locked), stamping the order and its lines.
func (tx *Tx) SetOrderState(id int64, state string) error {
	o, err := tx.order(id)
	if err != nil {
		return err
	}
	valid := map[string]bool{"draft": true, "sent": true, "sale": true, "cancel": true, "done": tx.s.ver.hasDoneState()}
	if !valid[state] {
		return fmt.Errorf("odootest: state %q does not exist in Odoo %s", state, tx.s.ver.serie())
	}
	o.State = state
	if state != "sale" {
		o.Locked = false
	}
	tx.touch(tx.s.orders, o)
	for _, lid := range o.LineIDs {
		if r := tx.s.lines.get(lid); r != nil {
			tx.touch(tx.s.lines, r)
		}
	}
	return nil
}

// ConfirmOrder is action_confirm: state sale.
func (tx *Tx) ConfirmOrder(id int64) error { return tx.SetOrderState(id, "sale") }

// CancelOrder is action_cancel: state cancel.
func (tx *Tx) CancelOrder(id int64) error { return tx.SetOrderState(id, "cancel") }

// LockOrder locks a confirmed order: state done up to 16, locked=true from 17.
func (tx *Tx) LockOrder(id int64) error {
	o, err := tx.order(id)
	if err != nil {
		return err
	}
	if tx.s.ver.hasDoneState() {
		return tx.SetOrderState(id, "done")
	}
	o.Locked = true
	tx.touch(tx.s.orders, o)
	return nil
}

func computeLine(l *Line) {
	if l.DisplayType != "" {
		l.PriceSubtotal, l.PriceTax, l.PriceTotal = 0, 0, 0
		return
	}
	l.PriceSubtotal = round2(l.ProductUomQty * l.PriceUnit * (1 - l.Discount/100))
	l.PriceTax = round2(l.PriceSubtotal * taxRates[l.TaxID] / 100)
	l.PriceTotal = round2(l.PriceSubtotal + l.PriceTax)
}

func (s *Server) computeOrder(o *Order) {
	var untaxed, tax float64
	for _, lid := range o.LineIDs {
		if r := s.lines.get(lid); r != nil {
			l := r.(*Line)
			untaxed += l.PriceSubtotal
			tax += l.PriceTax
		}
	}
	o.AmountUntaxed, o.AmountTax = round2(untaxed), round2(tax)
	o.AmountTotal = round2(untaxed + tax)
}

// EditLine changes a line's quantity. With bumpOrder the order is rewritten too (totals and write_date);
// without it only the line changes, as for edits that do not go through the order in Odoo.
func (tx *Tx) EditLine(lineID int64, qty float64, bumpOrder bool) error {
	r := tx.s.lines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: sale.order.line %d", ErrNotFound, lineID)
	}
	l := r.(*Line)
	l.ProductUomQty = qty
	computeLine(l)
	tx.touch(tx.s.lines, l)
	if bumpOrder {
		o, err := tx.order(l.OrderID)
		if err != nil {
			return err
		}
		tx.s.computeOrder(o)
		tx.touch(tx.s.orders, o)
	}
	return nil
}

// EditLineTotals changes a line's quantity and recomputes its order's totals without stamping the order: Odoo
// writes stored computed fields without always moving the record's write_date.
func (tx *Tx) EditLineTotals(lineID int64, qty float64) error {
	if err := tx.EditLine(lineID, qty, false); err != nil {
		return err
	}
	o, err := tx.order(tx.s.lines.get(lineID).(*Line).OrderID)
	if err != nil {
		return err
	}
	tx.s.computeOrder(o)
	return nil
}

// SetDelivered sets a line's qty_delivered (a delivery validated): the line is stamped, the order is not.
func (tx *Tx) SetDelivered(lineID int64, qty float64) error {
	r := tx.s.lines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: sale.order.line %d", ErrNotFound, lineID)
	}
	l := r.(*Line)
	l.QtyDelivered = qty
	tx.touch(tx.s.lines, l)
	return nil
}

// AddOrder creates an order with its lines.
func (tx *Tx) AddOrder(n NewOrder) (int64, error) {
	s := tx.s
	if n.CompanyID == 0 {
		n.CompanyID = 1
	}
	cr := s.companies.get(n.CompanyID)
	if cr == nil {
		return 0, fmt.Errorf("%w: res.company %d", ErrNotFound, n.CompanyID)
	}
	company := cr.(*Company)
	if n.PartnerID == 0 {
		for _, r := range s.partners.rows {
			p := r.(*Partner)
			if p.CustomerRank > 0 && (p.CompanyID == 0 || p.CompanyID == n.CompanyID) {
				n.PartnerID = p.ID
				break
			}
		}
		if n.PartnerID == 0 {
			n.PartnerID = company.PartnerID
		}
	} else if s.partners.get(n.PartnerID) == nil {
		return 0, fmt.Errorf("%w: res.partner %d", ErrNotFound, n.PartnerID)
	}
	if n.State == "" {
		n.State = "draft"
	}
	if n.State == "done" && !s.ver.hasDoneState() {
		return 0, fmt.Errorf("odootest: state done does not exist in Odoo %s", s.ver.serie())
	}
	if n.DateOrder.IsZero() {
		n.DateOrder = s.now.Truncate(time.Second)
	}
	for _, nl := range n.Lines {
		if nl.DisplayType == "" && s.products.get(nl.ProductID) == nil {
			return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, nl.ProductID)
		}
	}
	wh := int64(1)
	if n.CompanyID == 2 {
		wh = 2
	}
	if !s.installed(ModuleStock) {
		wh = 0 // warehouse_id comes with sale_stock
	}
	id := s.orders.newID()
	o := &Order{ID: id, Name: orderName(id), State: n.State, DateOrder: n.DateOrder.UTC().Truncate(time.Second),
		PartnerID: n.PartnerID, CompanyID: n.CompanyID, CurrencyID: company.CurrencyID, UserID: AdminUID, WarehouseID: wh,
		CreateDate: tx.wd, WriteDate: tx.wd}
	if !n.CommitmentDate.IsZero() {
		o.CommitmentDate = n.CommitmentDate.UTC().Truncate(time.Second)
	}
	for i, nl := range n.Lines {
		l := &Line{ID: s.lines.newID(), OrderID: id, Sequence: 10 * (i + 1), ProductID: nl.ProductID, Name: nl.Name,
			DisplayType: nl.DisplayType, ProductUomQty: nl.Qty, PriceUnit: nl.PriceUnit, CompanyID: n.CompanyID,
			CurrencyID: company.CurrencyID, CreateDate: tx.wd, WriteDate: tx.wd}
		if nl.DisplayType == "" {
			p := s.products.get(nl.ProductID).(*Product)
			if l.Name == "" {
				l.Name = productLabel(p)
			}
			if l.PriceUnit == 0 {
				l.PriceUnit = p.ListPrice
			}
			l.UoMID = p.UoMID
			l.TaxID = 1
			if n.CompanyID == 2 {
				l.TaxID = 3
			}
		} else {
			l.ProductID, l.ProductUomQty, l.PriceUnit = 0, 0, 0
		}
		computeLine(l)
		s.lines.add(l)
		o.LineIDs = append(o.LineIDs, l.ID)
	}
	s.computeOrder(o)
	s.orders.add(o)
	return id, nil
}

// DeleteOrder unlinks an order and its lines: they vanish from every search.
func (tx *Tx) DeleteOrder(id int64) error {
	o, err := tx.order(id)
	if err != nil {
		return err
	}
	for _, lid := range o.LineIDs {
		tx.s.lines.remove(lid)
	}
	tx.s.orders.remove(id)
	return nil
}

// TouchOrders stamps orders without changing anything else (a write that changes nothing visible).
func (tx *Tx) TouchOrders(ids ...int64) error {
	for _, id := range ids {
		o, err := tx.order(id)
		if err != nil {
			return err
		}
		tx.touch(tx.s.orders, o)
	}
	return nil
}

// Server-level shortcuts: each is its own transaction.

// SetOrderState sets an order's state in its own transaction.
func (s *Server) SetOrderState(id int64, state string) error {
	return s.tx(func(tx *Tx) error { return tx.SetOrderState(id, state) })
}

// ConfirmOrder confirms an order in its own transaction.
func (s *Server) ConfirmOrder(id int64) error { return s.SetOrderState(id, "sale") }

// CancelOrder cancels an order in its own transaction.
func (s *Server) CancelOrder(id int64) error { return s.SetOrderState(id, "cancel") }

// EditLine changes a line's quantity in its own transaction (see Tx.EditLine).
func (s *Server) EditLine(lineID int64, qty float64, bumpOrder bool) error {
	return s.tx(func(tx *Tx) error { return tx.EditLine(lineID, qty, bumpOrder) })
}

// AddOrder creates an order in its own transaction.
func (s *Server) AddOrder(o NewOrder) (int64, error) {
	var id int64
	err := s.tx(func(tx *Tx) error {
		var err error
		id, err = tx.AddOrder(o)
		return err
	})
	return id, err
}

// DeleteOrder unlinks an order and its lines.
func (s *Server) DeleteOrder(id int64) error {
	return s.tx(func(tx *Tx) error { return tx.DeleteOrder(id) })
}

// DeleteLine unlinks one line; the order loses it and is rewritten (totals and write_date), as when a user
// removes a line in the order form.
func (tx *Tx) DeleteLine(lineID int64) error {
	r := tx.s.lines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: sale.order.line %d", ErrNotFound, lineID)
	}
	o, err := tx.order(r.(*Line).OrderID)
	if err != nil {
		return err
	}
	tx.s.lines.remove(lineID)
	ids := make([]int64, 0, len(o.LineIDs))
	for _, id := range o.LineIDs {
		if id != lineID {
			ids = append(ids, id)
		}
	}
	o.LineIDs = ids
	tx.s.computeOrder(o)
	tx.touch(tx.s.orders, o)
	return nil
}
