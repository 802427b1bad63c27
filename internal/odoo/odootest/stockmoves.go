package odootest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Stock moves (module stock): what moved goods into, out of and between locations. Generated data gives every
// storable product a history consistent with its quants and its sales: an initial inventory, receipts from
// vendors when the stock falls below about a month of demand, a delivery to the customer for every delivered
// order line, an internal transfer to the shelf, and a final inventory adjustment so that the stock on hand the
// moves add up to is exactly the product's quants. With GenerateOptions.StockOuts, some products also run out of
// stock for a while: receipts stop, the stock falls to zero, the order lines that would have sold meanwhile are
// lost (removed from their orders, or cut to what was left), and a receipt ends it (Server.StockOuts).
//
// Versions (read from Odoo's addons/stock/models/stock_move.py): the done quantity, in the move's unit, is
// quantity_done in 16 and quantity from 17 (with the boolean picked); product_uom_qty is the demand in the move's
// unit and product_qty the same demand in the product's unit, in every version. state has partially_available in
// 16 only. date is the planned date until the move is done, then when it was done.

// StockMove is a stock.move record.
type StockMove struct {
	ID             int64
	Kind           string // IN (receipt), OUT (delivery), INT (transfer), INV (inventory adjustment), MOVE: its Reference
	ProductID      int64
	ProductUomQty  float64 // demand, in UoMID
	Quantity       float64 // done (16: quantity_done), in UoMID
	ProductQty     float64 // demand, in the product's unit
	UoMID          int64
	LocationID     int64
	LocationDestID int64
	State          string // draft, waiting, confirmed, partially_available (16), assigned, done, cancel
	Date           time.Time
	SaleLineID     int64
	CompanyID      int64
	CreateDate     time.Time
	WriteDate      time.Time
}

// Reference is the move's reference as Odoo shows it: its warehouse, kind and number (WH/OUT/00042).
func (r *StockMove) Reference() string {
	wh := "WH"
	if r.CompanyID == 2 {
		wh = "USW"
	}
	return fmt.Sprintf("%s/%s/%05d", wh, r.Kind, r.ID)
}

func (r *StockMove) recID() int64      { return r.ID }
func (r *StockMove) recWD() time.Time  { return r.WriteDate }
func (r *StockMove) setWD(t time.Time) { r.WriteDate = t }

// StockOut is a generated period without stock: from the time a product's stock reached zero until the receipt
// that ended it (To is zero while it lasts).
type StockOut struct {
	ProductID int64
	From, To  time.Time
}

// stockState holds the stock moves and the stock-outs the generator made.
type stockState struct {
	moves     *table
	stockOuts []StockOut
}

// StockMoves returns every stock.move, by id.
func (s *Server) StockMoves() []StockMove { return copyRows[StockMove](s, s.stock.moves) }

// StockOuts returns the stock-outs the generator made, by product.
func (s *Server) StockOuts() []StockOut {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.stock.stockOuts)
}

// The locations moves go through (base.go): vendors, customers, inventory adjustment, and each company's stock.
const (
	locVendors   = 4
	locCustomers = 5
	locShelf     = 9
)

func stockLocation(company int64) int64 {
	if company == 2 {
		return 11
	}
	return 8
}

func adjustLocation(company int64) int64 {
	if company == 2 {
		return 12
	}
	return 6
}

// moveUnitDozens is the unit some receipts of products counted in units are made in (12 units).
const moveUnitDozens = 11

// buildStockMoves adds stock.move where the stock app is installed.
func (s *Server) buildStockMoves(ms map[string]*model) {
	if !s.installed(ModuleStock) {
		return
	}
	v := s.ver
	states := [][2]string{{"draft", "New"}, {"waiting", "Waiting Another Move"}, {"confirmed", "Waiting Availability"}}
	if v.major <= 16 {
		states = append(states, [2]string{"partially_available", "Partially Available"})
	}
	states = append(states, [2]string{"assigned", "Available"}, [2]string{"done", "Done"}, [2]string{"cancel", "Cancelled"})
	m := &model{name: "stock.move", t: s.stock.moves, defaultOrder: "sequence, id", srv: s,
		display: func(e *env, r rec) string {
			mv := r.(*StockMove)
			return mv.Reference() + ": " + e.displayName("product.product", mv.ProductID)
		},
		rule: func(e *env, r rec) bool { return e.allowed(r.(*StockMove).CompanyID) }}
	addCommon(m)
	m.add(fld("reference", "char", "Reference", true, on(func(mv *StockMove) value { return vStr(mv.Reference()) })))
	m.add(fld("sequence", "integer", "Sequence", true, func(*env, rec) value { return vInt(10) }))
	m.add(rel("product_id", "many2one", "Product", "product.product", true, on(func(mv *StockMove) value { return vM2O(mv.ProductID) })))
	m.add(fld("product_uom_qty", "float", "Demand", true, on(func(mv *StockMove) value { return vFloat(mv.ProductUomQty) })))
	m.add(fld("product_qty", "float", "Real Quantity", true, on(func(mv *StockMove) value { return vFloat(mv.ProductQty) })))
	if v.major <= 16 {
		m.add(fld("quantity_done", "float", "Quantity Done", true, on(func(mv *StockMove) value { return vFloat(mv.Quantity) })))
	} else {
		m.add(fld("quantity", "float", "Quantity", true, on(func(mv *StockMove) value { return vFloat(mv.Quantity) })))
		m.add(fld("picked", "boolean", "Picked", true, on(func(mv *StockMove) value { return vBool(mv.State == "done") })))
	}
	m.add(rel("product_uom", "many2one", "UoM", "uom.uom", true, on(func(mv *StockMove) value { return vM2O(mv.UoMID) })))
	m.add(rel("location_id", "many2one", "Source Location", "stock.location", true, on(func(mv *StockMove) value { return vM2O(mv.LocationID) })))
	m.add(rel("location_dest_id", "many2one", "Destination Location", "stock.location", true, on(func(mv *StockMove) value { return vM2O(mv.LocationDestID) })))
	m.add(selection("state", "Status", true, states, on(func(mv *StockMove) value { return vStr(mv.State) })))
	m.add(fld("date", "datetime", "Date Scheduled", true, on(func(mv *StockMove) value { return vTime(mv.Date) })))
	m.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(mv *StockMove) value { return vM2O(mv.CompanyID) })))
	if s.installed(ModuleSale) {
		m.add(rel("sale_line_id", "many2one", "Sale Line", "sale.order.line", true, on(func(mv *StockMove) value { return vM2O(mv.SaleLineID) })))
	}
	m.add(fld("create_date", "datetime", "Created on", true, on(func(mv *StockMove) value { return vTime(mv.CreateDate) })))
	ms[m.name] = m
}

// delivery is a delivered order line of a product, as the stock simulation meets it.
type delivery struct {
	line  *Line
	order *Order
	at    time.Time
}

// generateStockMoves builds the stock moves of the generated history (see the top of this file). It draws from
// its own random stream, so the sales are the same with or without it, stock-outs aside.
func (s *Server) generateStockMoves(g GenerateOptions) {
	if !s.installed(ModuleStock) {
		return
	}
	g.defaults()
	r := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x570c))
	now := s.now
	histStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -g.Years*12+1, 0)

	// delivered lines, by product and company
	type key struct{ product, company int64 }
	byKey := map[key][]delivery{}
	for _, lr := range s.lines.rows {
		l := lr.(*Line)
		if l.ProductID == 0 || l.QtyDelivered <= 0 {
			continue
		}
		o := s.orders.get(l.OrderID).(*Order)
		if o.State != "sale" && o.State != "done" {
			continue
		}
		at := o.DateOrder.Add(time.Duration(20+r.IntN(72)) * time.Hour)
		if limit := now.Add(-2 * time.Hour); at.After(limit) {
			at = limit.Add(-time.Duration(r.IntN(3600)) * time.Second)
		}
		k := key{l.ProductID, l.CompanyID}
		byKey[k] = append(byKey[k], delivery{line: l, order: o, at: at})
	}
	quants := map[key]float64{}
	shelf := map[int64]float64{}
	for _, qr := range s.quants.rows {
		q := qr.(*Quant)
		if l := s.locations.get(q.LocationID).(*Location); l.Usage == "internal" {
			quants[key{q.ProductID, q.CompanyID}] += q.Quantity
			if q.LocationID == locShelf {
				shelf[q.ProductID] += q.Quantity
			}
		}
	}

	// products that run out of stock: steady sellers of company 1 only (a stock-out is of the whole stock)
	var candidates []*Product
	for _, pr := range s.products.rows {
		p := pr.(*Product)
		if !p.Active || !p.IsStorable || p.Type != "consu" || p.Pattern != PatternSmooth || quants[key{p.ID, 2}] != 0 ||
			len(byKey[key{p.ID, 2}]) > 0 || len(byKey[key{p.ID, 1}]) < 3*g.Years*12 {
			continue
		}
		candidates = append(candidates, p)
	}
	slices.SortFunc(candidates, func(a, b *Product) int {
		return cmp.Or(cmp.Compare(len(byKey[key{b.ID, 1}]), len(byKey[key{a.ID, 1}])), cmp.Compare(a.ID, b.ID))
	})
	stopAt := map[int64]time.Time{}
	for i, p := range candidates[:min(len(candidates), max(g.StockOuts, 0))] {
		// The first stops its receipts six months ago: its stock-out ends a month or two before this month.
		back := 6 + 5*i
		if back > g.Years*12-4 {
			break
		}
		stopAt[p.ID] = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -back, 0)
	}

	keys := make([]key, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	for k := range quants {
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.product, b.product), cmp.Compare(a.company, b.company))
	})
	var moves []*StockMove
	var lost, cut []*Line
	for _, k := range keys {
		pr := s.products.get(k.product)
		if pr == nil {
			continue
		}
		p := pr.(*Product)
		ds := byKey[k]
		slices.SortFunc(ds, func(a, b delivery) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.line.ID, b.line.ID)) })
		mv := func(kind string, qty float64, from, to int64, at time.Time) *StockMove {
			m := &StockMove{Kind: kind, ProductID: p.ID, ProductUomQty: qty, Quantity: qty, ProductQty: qty,
				UoMID: p.UoMID, LocationID: from, LocationDestID: to, State: "done", Date: at.Truncate(time.Second), CompanyID: k.company}
			moves = append(moves, m)
			return m
		}
		if !p.IsStorable {
			// Consumables move too, but their stock is not tracked: deliveries only.
			for _, d := range ds {
				mv("OUT", d.line.QtyDelivered, stockLocation(k.company), locCustomers, d.at).SaleLineID = d.line.ID
			}
			continue
		}
		var total float64
		for _, d := range ds {
			total += d.line.QtyDelivered
		}
		first := histStart
		if len(ds) > 0 && ds[0].at.Before(first) {
			first = ds[0].at
		}
		months := max(1, now.Sub(first).Hours()/24/30.4)
		monthly := math.Max(1, total/months)
		round := func(f float64) float64 {
			if p.UoMID == 3 {
				return math.Ceil(f*2) / 2
			}
			return math.Ceil(f)
		}
		reorder, upTo := round(monthly), round(2.5*monthly)
		lead := time.Duration(3+r.IntN(8)) * 24 * time.Hour
		var level float64
		receive := func(qty float64, at time.Time) {
			m := mv("IN", qty, locVendors, stockLocation(k.company), at)
			if p.UoMID == 1 && qty >= 24 && r.Float64() < 0.3 {
				// bought by the dozen: the move's unit is not the product's
				dz := math.Ceil(qty / 12)
				m.UoMID, m.ProductUomQty, m.Quantity, m.ProductQty = moveUnitDozens, dz, dz, dz*12
			}
			level += m.ProductQty
		}

		level = upTo
		mv("INV", level, adjustLocation(k.company), stockLocation(k.company), first.Add(-48*time.Hour))
		var pending float64
		var arrives time.Time
		stop, outs := stopAt[p.ID], k.company == 1 && !stopAt[p.ID].IsZero()
		var zeroAt, resumeAt time.Time
		for _, d := range ds {
			if pending > 0 && !arrives.After(d.at) {
				receive(pending, arrives)
				pending = 0
			}
			if !resumeAt.IsZero() && !resumeAt.After(d.at) {
				receive(upTo, resumeAt)
				s.stock.stockOuts[len(s.stock.stockOuts)-1].To = resumeAt
				outs, resumeAt = false, time.Time{}
			}
			if outs && zeroAt.IsZero() && d.at.After(stop.Add(150*24*time.Hour)) {
				outs = false // sells too little to run out: no stock-out after all
			}
			qty := d.line.QtyDelivered
			if outs && !d.at.Before(stop) {
				switch {
				case !zeroAt.IsZero():
					lost = append(lost, d.line) // nothing to sell
					continue
				case level <= qty:
					// the last of the stock: the customer takes what there is, and nothing comes in
					zeroAt, resumeAt = d.at, d.at.Add(stockOutLength(len(s.stock.stockOuts)))
					s.stock.stockOuts = append(s.stock.stockOuts, StockOut{ProductID: p.ID, From: zeroAt})
					if level <= 0 {
						lost = append(lost, d.line)
						continue
					}
					cutLine(d.line, level)
					cut = append(cut, d.line)
					qty = level
				}
			} else if level < qty {
				// an urgent purchase, received just in time
				q := upTo - level + qty
				receive(q, d.at.Add(-time.Hour))
			}
			level -= qty
			mv("OUT", qty, stockLocation(k.company), locCustomers, d.at).SaleLineID = d.line.ID
			if pending == 0 && level < reorder && (!outs || d.at.Add(lead).Before(stop)) {
				pending, arrives = upTo-level, d.at.Add(lead)
			}
		}
		if !resumeAt.IsZero() && resumeAt.Before(now.Add(-24*time.Hour)) {
			receive(upTo, resumeAt)
			s.stock.stockOuts[len(s.stock.stockOuts)-1].To = resumeAt
		} else if pending > 0 && arrives.Before(now.Add(-24*time.Hour)) {
			receive(pending, arrives)
		}
		if k.company == 1 && shelf[p.ID] != 0 {
			mv("INT", shelf[p.ID], stockLocation(1), locShelf, now.Add(-time.Duration(5+r.IntN(20))*24*time.Hour))
		}
		// The count that makes the moves add up to the quants (an oversold product ends below zero).
		if diff := quants[k] - level; diff > 0 {
			mv("INV", diff, adjustLocation(k.company), stockLocation(k.company), now.Add(-3*time.Hour))
		} else if diff < 0 {
			mv("INV", -diff, stockLocation(k.company), adjustLocation(k.company), now.Add(-3*time.Hour))
		}
	}
	s.loseLines(lost, cut)
	// open deliveries of confirmed lines not delivered yet: moves that are not done
	for _, lr := range s.lines.rows {
		l := lr.(*Line)
		if l.ProductID == 0 || l.QtyDelivered >= l.ProductUomQty {
			continue
		}
		o := s.orders.get(l.OrderID).(*Order)
		p := s.products.get(l.ProductID).(*Product)
		if (o.State != "sale" && o.State != "done") || p.Type == "service" {
			continue
		}
		state := "assigned"
		if r.Float64() < 0.3 {
			state = "confirmed"
		}
		moves = append(moves, &StockMove{Kind: "OUT", ProductID: p.ID, ProductUomQty: l.ProductUomQty - l.QtyDelivered,
			ProductQty: l.ProductUomQty - l.QtyDelivered, UoMID: p.UoMID, LocationID: stockLocation(o.CompanyID), LocationDestID: locCustomers,
			State: state, Date: o.DateOrder.Add(72 * time.Hour).Truncate(time.Second), SaleLineID: l.ID, CompanyID: o.CompanyID})
	}
	// ids follow the dates (as moves are validated); the order they were made in breaks ties
	for i, m := range moves {
		m.ID = int64(i)
	}
	slices.SortFunc(moves, func(a, b *StockMove) int { return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.ID, b.ID)) })
	for _, m := range moves {
		m.ID = s.stock.moves.newID()
		m.CreateDate = m.Date.Add(-time.Duration(r.IntN(48*3600)) * time.Second).Add(micro(r))
		if m.State == "done" {
			m.WriteDate = m.Date.Add(micro(r))
		} else {
			m.WriteDate = m.CreateDate.Add(time.Second)
		}
		if !m.WriteDate.Before(now) {
			m.WriteDate = now.Add(-time.Duration(1+r.IntN(3000)) * time.Second).Add(micro(r))
		}
		s.stock.moves.add(m)
		if m.WriteDate.After(s.lastStamp) {
			s.lastStamp = m.WriteDate
		}
	}
}

// stockOutLength is how long the n-th generated stock-out lasts: two months, or 40 days for every third.
func stockOutLength(n int) time.Duration {
	if n%3 == 2 {
		return 40 * 24 * time.Hour
	}
	return 61 * 24 * time.Hour
}

// cutLine makes a line sell only qty (what was left in stock), its order's totals with it.
func cutLine(l *Line, qty float64) {
	l.ProductUomQty, l.QtyDelivered = qty, qty
	l.QtyInvoiced = min(l.QtyInvoiced, qty)
	computeLine(l)
}

// loseLines removes lines that could not be sold: the salesperson took them out of the order before it was
// confirmed; an order left without a product line was cancelled. The orders of lines cut get their totals again.
func (s *Server) loseLines(lines, cut []*Line) {
	orders := map[int64]*Order{}
	for _, l := range cut {
		orders[l.OrderID] = s.orders.get(l.OrderID).(*Order)
	}
	for _, l := range lines {
		o := s.orders.get(l.OrderID).(*Order)
		o.LineIDs = slices.DeleteFunc(slices.Clone(o.LineIDs), func(id int64) bool { return id == l.ID })
		s.lines.remove(l.ID)
		orders[o.ID] = o
	}
	for _, o := range orders {
		s.computeOrder(o)
		products := 0
		for _, id := range o.LineIDs {
			if s.lines.get(id).(*Line).ProductID != 0 {
				products++
			}
		}
		if products == 0 {
			o.State, o.Locked = "cancel", false
		}
	}
}

// MoveStock validates a transfer: a done stock move of qty (in the product's unit) from one location to another,
// dated and stamped now, with the quants of the internal locations changed by it, so that the stock on hand stays
// what the moves add up to. It returns the move's id.
func (tx *Tx) MoveStock(productID, from, to int64, qty float64) (int64, error) {
	return tx.moveStock(productID, from, to, qty, 0, "MOVE")
}

// moveStock is MoveStock for a sale line's delivery (saleLine 0: none), its reference of kind (OUT, IN...).
func (tx *Tx) moveStock(productID, from, to int64, qty float64, saleLine int64, kind string) (int64, error) {
	if err := tx.needs(ModuleStock); err != nil {
		return 0, err
	}
	s := tx.s
	pr := s.products.get(productID)
	if pr == nil {
		return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	var company int64
	for _, loc := range []int64{from, to} {
		lr := s.locations.get(loc)
		if lr == nil {
			return 0, fmt.Errorf("%w: stock.location %d", ErrNotFound, loc)
		}
		if l := lr.(*Location); l.Usage == "internal" {
			company = l.CompanyID
			delta := qty
			if loc == from {
				delta = -qty
			}
			if _, err := tx.setQuant(productID, loc, tx.quantity(productID, loc)+delta); err != nil {
				return 0, err
			}
		}
	}
	return tx.addMove(pr.(*Product), from, to, qty, max(company, 1), saleLine, kind), nil
}

// quantity is a product's quant in a location (0 without one).
func (tx *Tx) quantity(productID, loc int64) float64 {
	for _, r := range tx.s.quants.rows {
		if q := r.(*Quant); q.ProductID == productID && q.LocationID == loc {
			return q.Quantity
		}
	}
	return 0
}

// addMove records a done move stamped with the transaction.
func (tx *Tx) addMove(p *Product, from, to int64, qty float64, company, saleLine int64, kind string) int64 {
	s := tx.s
	m := &StockMove{ID: s.stock.moves.newID(), Kind: kind, ProductID: p.ID, ProductUomQty: qty, Quantity: qty, ProductQty: qty, UoMID: p.UoMID,
		LocationID: from, LocationDestID: to, State: "done", Date: s.now.Truncate(time.Second), SaleLineID: saleLine, CompanyID: company,
		CreateDate: tx.wd, WriteDate: tx.wd}
	s.stock.moves.add(m)
	return m.ID
}

// recordAdjustment records the move of an inventory adjustment of an internal location by delta, where the stock
// app is installed.
func (tx *Tx) recordAdjustment(productID, loc int64, delta float64) {
	s := tx.s
	l, p := s.locations.get(loc).(*Location), s.products.get(productID).(*Product)
	if delta == 0 || l.Usage != "internal" || !s.installed(ModuleStock) {
		return
	}
	company := max(l.CompanyID, 1)
	if delta > 0 {
		tx.addMove(p, adjustLocation(company), loc, delta, company, 0, "INV")
	} else {
		tx.addMove(p, loc, adjustLocation(company), -delta, company, 0, "INV")
	}
}

// DeleteStockMove deletes a stock move (Odoo refuses to for a done one; a database cleanup does it anyway).
func (tx *Tx) DeleteStockMove(id int64) error {
	if !tx.s.stock.moves.remove(id) {
		return fmt.Errorf("%w: stock.move %d", ErrNotFound, id)
	}
	return nil
}
