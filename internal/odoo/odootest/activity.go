package odootest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// SetProductActive archives or restores a product.
func (tx *Tx) SetProductActive(id int64, active bool) error {
	r := tx.s.products.get(id)
	if r == nil {
		return fmt.Errorf("%w: product.product %d", ErrNotFound, id)
	}
	r.(*Product).Active = active
	tx.touch(tx.s.products, r)
	return nil
}

// SetQuantity sets the on-hand quantity of a product in a location (an inventory adjustment), creating
// the quant if needed. The quant's company is the location's (or 1 for shared locations). Like Odoo's, the
// adjustment is a done stock move of the difference, from or to the inventory adjustment location.
func (tx *Tx) SetQuantity(productID, locationID int64, qty float64) error {
	before, err := tx.setQuant(productID, locationID, qty)
	if err != nil {
		return err
	}
	tx.recordAdjustment(productID, locationID, qty-before)
	return nil
}

// setQuant sets a quant's quantity, with no stock move, and returns the quantity it had.
func (tx *Tx) setQuant(productID, locationID int64, qty float64) (float64, error) {
	s := tx.s
	if s.products.get(productID) == nil {
		return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	lr := s.locations.get(locationID)
	if lr == nil {
		return 0, fmt.Errorf("%w: stock.location %d", ErrNotFound, locationID)
	}
	for _, r := range s.quants.rows {
		q := r.(*Quant)
		if q.ProductID == productID && q.LocationID == locationID {
			before := q.Quantity
			q.Quantity = qty
			tx.touch(s.quants, q)
			return before, nil
		}
	}
	company := lr.(*Location).CompanyID
	if company == 0 {
		company = 1
	}
	s.quants.add(&Quant{ID: s.quants.newID(), ProductID: productID, LocationID: locationID, CompanyID: company,
		Quantity: qty, InDate: tx.wd, CreateDate: tx.wd, WriteDate: tx.wd})
	return 0, nil
}

// ActivityStats counts what SimulateActivity or RunActivity did.
type ActivityStats struct {
	NewOrders, Confirmed, Cancelled, Delivered, Edited, MassConfirmed int
	Events                                                            int   // events applied (clock steps taken)
	Err                                                               error // RunActivity only: the error that stopped it
}

// SimulateActivity applies n business events, advancing the clock by step before each: new quotations and
// orders, confirmations (sometimes several in one transaction), cancellations, deliveries (stamping the
// line and the stock, not the order) and quantity edits. Deterministic for the server's seed and the
// sequence of calls. The demo calls it on a ticker to show the sync following a live database.
func (s *Server) SimulateActivity(n int, step time.Duration) (ActivityStats, error) {
	var st ActivityStats
	for i := 0; i < n; i++ {
		s.Advance(step)
		if err := s.tx(func(tx *Tx) error { return tx.randomEvent(&st) }); err != nil {
			return st, err
		}
		st.Events++
	}
	return st, nil
}

// RunActivity is a steady stream of writes for tests and benchmarks that sync a live database: a goroutine
// applies one SimulateActivity event per tick of every (real time), advancing the fake clock by step before
// each. It stops when ctx is done, the server closes or an event fails; then it sends the cumulative stats
// (Err set if an event failed) on the returned channel and closes it. HTTP calls may run concurrently: each
// event is one transaction under the server's write lock.
func (s *Server) RunActivity(ctx context.Context, every, step time.Duration) <-chan ActivityStats {
	out := make(chan ActivityStats, 1)
	go func() {
		defer close(out)
		var total ActivityStats
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				out <- total
				return
			case <-s.closing:
				out <- total
				return
			case <-tick.C:
			}
			st, err := s.SimulateActivity(1, step)
			total.add(st)
			if err != nil {
				total.Err = err
				out <- total
				return
			}
		}
	}()
	return out
}

func (a *ActivityStats) add(b ActivityStats) {
	a.NewOrders += b.NewOrders
	a.Confirmed += b.Confirmed
	a.Cancelled += b.Cancelled
	a.Delivered += b.Delivered
	a.Edited += b.Edited
	a.MassConfirmed += b.MassConfirmed
	a.Events += b.Events
}

func (tx *Tx) rng() *rand.Rand {
	if tx.s.activityRNG == nil {
		tx.s.activityRNG = rand.New(rand.NewPCG(uint64(tx.s.opts.Seed), 0xac71))
	}
	return tx.s.activityRNG
}

// recentOrders returns up to max orders from the end (newest ids) with a state in states.
func (tx *Tx) recentOrders(limit int, states ...string) []*Order {
	var out []*Order
	rows := tx.s.orders.rows
	for i := len(rows) - 1; i >= 0 && len(out) < limit && i >= len(rows)-2000; i-- {
		o := rows[i].(*Order)
		for _, st := range states {
			if o.State == st {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

func (tx *Tx) randomEvent(st *ActivityStats) error {
	r := tx.rng()
	x := r.Float64()
	switch {
	case x < 0.40:
		return tx.randomOrder(st)
	case x < 0.62:
		if c := tx.recentOrders(50, "draft", "sent"); len(c) > 0 {
			st.Confirmed++
			return tx.ConfirmOrder(c[r.IntN(len(c))].ID)
		}
		return tx.randomOrder(st)
	case x < 0.67:
		if c := tx.recentOrders(50, "draft", "sent"); len(c) > 0 {
			st.Cancelled++
			return tx.CancelOrder(c[r.IntN(len(c))].ID)
		}
	case x < 0.72:
		c := tx.recentOrders(200, "draft", "sent")
		for j := 0; j < len(c) && j < 5; j++ {
			if err := tx.ConfirmOrder(c[j].ID); err != nil {
				return err
			}
			st.MassConfirmed++
		}
	case x < 0.93:
		return tx.randomDelivery(st)
	default:
		if c := tx.recentOrders(50, "draft", "sent"); len(c) > 0 {
			o := c[r.IntN(len(c))]
			if len(o.LineIDs) > 0 {
				lr := tx.s.lines.get(o.LineIDs[r.IntN(len(o.LineIDs))])
				if l := lr.(*Line); l.DisplayType == "" {
					st.Edited++
					return tx.EditLine(l.ID, l.ProductUomQty+float64(1+r.IntN(5)), true)
				}
			}
		}
	}
	return nil
}

func (tx *Tx) randomOrder(st *ActivityStats) error {
	r := tx.rng()
	s := tx.s
	company := int64(1)
	if r.Float64() < 0.12 {
		company = 2
	}
	var candidates []*Product
	for _, pr := range s.products.rows {
		p := pr.(*Product)
		if p.Active && (p.CompanyID == 0 || p.CompanyID == company) {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	var partners []int64
	for _, pr := range s.partners.rows {
		p := pr.(*Partner)
		if p.Active && p.CustomerRank > 0 && (p.CompanyID == 0 || p.CompanyID == company) {
			partners = append(partners, p.ID)
		}
	}
	n := NewOrder{CompanyID: company, State: "draft"}
	if len(partners) > 0 {
		n.PartnerID = partners[r.IntN(len(partners))]
	}
	if r.Float64() < 0.3 {
		n.State = "sale"
	}
	for k := 1 + r.IntN(8); k > 0; k-- {
		p := candidates[r.IntN(len(candidates))]
		n.Lines = append(n.Lines, NewLine{ProductID: p.ID, Qty: float64(1 + r.IntN(6))})
	}
	st.NewOrders++
	_, err := tx.AddOrder(n)
	return err
}

func (tx *Tx) randomDelivery(st *ActivityStats) error {
	r := tx.rng()
	s := tx.s
	for _, o := range tx.recentOrders(300, "sale") {
		for _, lid := range o.LineIDs {
			lr := s.lines.get(lid)
			if lr == nil {
				continue
			}
			l := lr.(*Line)
			if l.DisplayType != "" || l.QtyDelivered >= l.ProductUomQty || r.Float64() < 0.5 {
				continue
			}
			qty := l.ProductUomQty - l.QtyDelivered
			if err := tx.SetDelivered(l.ID, l.ProductUomQty); err != nil {
				return err
			}
			p := s.products.get(l.ProductID).(*Product)
			switch {
			case !s.installed(ModuleStock) || p.Type == "service":
			case p.IsStorable:
				if _, err := tx.moveStock(p.ID, stockLocation(o.CompanyID), locCustomers, qty, l.ID, "OUT"); err != nil {
					return err
				}
			default: // a consumable moves too, its stock untracked
				tx.addMove(p, stockLocation(o.CompanyID), locCustomers, qty, o.CompanyID, l.ID, "OUT")
			}
			st.Delivered++
			return nil
		}
	}
	return nil
}

// SetProductCode changes a product's internal reference (default_code, the SKU), as renaming it in Odoo does.
func (tx *Tx) SetProductCode(id int64, code string) error {
	r := tx.s.products.get(id)
	if r == nil {
		return fmt.Errorf("%w: product.product %d", ErrNotFound, id)
	}
	r.(*Product).DefaultCode = code
	tx.touch(tx.s.products, r)
	return nil
}
