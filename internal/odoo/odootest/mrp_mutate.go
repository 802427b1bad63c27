package odootest

import (
	"fmt"
	"slices"
	"time"
)

// Mutations of the manufacturing, purchasing and replenishment records. Each stamps what Odoo's transaction
// would write: a manufacturing order's changes touch only it; a purchase order's state touches its lines too up
// to 18 (their related state is stored there), only the order in 19; a receipt touches only its line.

func (tx *Tx) needs(module string) error {
	if !tx.s.installed(module) {
		return fmt.Errorf("odootest: module %s is not installed", module)
	}
	return nil
}

func (tx *Tx) production(id int64) (*Production, error) {
	r := tx.s.sup.productions.get(id)
	if r == nil {
		return nil, fmt.Errorf("%w: mrp.production %d", ErrNotFound, id)
	}
	return r.(*Production), nil
}

// NewProduction describes a manufacturing order for Tx.AddProduction.
type NewProduction struct {
	ProductID int64
	Qty       float64
	Start     time.Time // planned start; zero: the clock
	State     string    // "": draft
}

// AddProduction creates a manufacturing order with the product's active normal BoM; its planned finish is its
// start plus the product's manufacturing lead time.
func (tx *Tx) AddProduction(n NewProduction) (int64, error) {
	s := tx.s
	if err := tx.needs(ModuleMRP); err != nil {
		return 0, err
	}
	pr := s.products.get(n.ProductID)
	if pr == nil {
		return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, n.ProductID)
	}
	p := pr.(*Product)
	if n.State == "" {
		n.State = "draft"
	}
	if n.Start.IsZero() {
		n.Start = s.now.Truncate(time.Second)
	}
	mo := &Production{ID: s.sup.productions.newID(), ProductID: p.ID, ProductQty: n.Qty, UoMID: p.UoMID, State: n.State,
		CompanyID: 1, PlannedFrom: n.Start.UTC().Truncate(time.Second), CreateDate: tx.wd, WriteDate: tx.wd}
	mo.Name = fmt.Sprintf("WH/MO/%05d", mo.ID)
	delay := int(p.ProduceDelay)
	if b := s.activeBoM(p.ID); b != nil {
		mo.BoMID = b.ID
		if s.ver.produceDelayOnBoM() {
			delay = b.ProduceDelay
		}
	}
	mo.PlannedTo = mo.PlannedFrom.Add(time.Duration(max(delay, 1)) * 24 * time.Hour)
	s.sup.productions.add(mo)
	return mo.ID, nil
}

// activeBoM is the first active normal BoM of a product (by sequence, then id), as Odoo's _bom_find picks it.
func (s *Server) activeBoM(productID int64) *BoM {
	var best *BoM
	for _, r := range s.sup.boms.rows {
		b := r.(*BoM)
		if !b.Active || b.Type != "normal" || b.ProductTmplID != productID {
			continue
		}
		if best == nil || b.Sequence < best.Sequence {
			best = b
		}
	}
	return best
}

func (tx *Tx) setProduction(id int64, fn func(mo *Production) error) error {
	mo, err := tx.production(id)
	if err != nil {
		return err
	}
	if err := fn(mo); err != nil {
		return err
	}
	tx.touch(tx.s.sup.productions, mo)
	return nil
}

// ConfirmProduction is action_confirm of a draft manufacturing order.
func (tx *Tx) ConfirmProduction(id int64) error {
	return tx.setProduction(id, func(mo *Production) error {
		if mo.State != "draft" {
			return fmt.Errorf("odootest: mrp.production %d is %s, not draft", id, mo.State)
		}
		mo.State = "confirmed"
		return nil
	})
}

// ProduceProduction records qty more units produced: the order is in progress (to close once all are made).
func (tx *Tx) ProduceProduction(id int64, qty float64) error {
	return tx.setProduction(id, func(mo *Production) error {
		if mo.State == "done" || mo.State == "cancel" || mo.State == "draft" {
			return fmt.Errorf("odootest: mrp.production %d is %s", id, mo.State)
		}
		mo.QtyProduced = min(mo.ProductQty, mo.QtyProduced+qty)
		mo.State = "progress"
		if mo.QtyProduced >= mo.ProductQty {
			mo.State = "to_close"
		}
		if mo.Started.IsZero() {
			mo.Started = tx.wd.Truncate(time.Second)
		}
		return nil
	})
}

// FinishProduction is button_mark_done: everything produced, the order done.
func (tx *Tx) FinishProduction(id int64) error {
	return tx.setProduction(id, func(mo *Production) error {
		if mo.State == "cancel" || mo.State == "draft" {
			return fmt.Errorf("odootest: mrp.production %d is %s", id, mo.State)
		}
		mo.State, mo.QtyProduced = "done", mo.ProductQty
		if mo.Started.IsZero() {
			mo.Started = tx.wd.Truncate(time.Second)
		}
		mo.Finished = tx.wd.Truncate(time.Second)
		return nil
	})
}

// CancelProduction is action_cancel.
func (tx *Tx) CancelProduction(id int64) error {
	return tx.setProduction(id, func(mo *Production) error {
		if mo.State == "done" {
			return fmt.Errorf("odootest: mrp.production %d is done", id)
		}
		mo.State = "cancel"
		return nil
	})
}

// ReplanProduction moves a manufacturing order's planned start and finish.
func (tx *Tx) ReplanProduction(id int64, start, finish time.Time) error {
	return tx.setProduction(id, func(mo *Production) error {
		mo.PlannedFrom, mo.PlannedTo = start.UTC().Truncate(time.Second), finish.UTC().Truncate(time.Second)
		return nil
	})
}

// DeleteProduction unlinks a manufacturing order.
func (tx *Tx) DeleteProduction(id int64) error {
	if !tx.s.sup.productions.remove(id) {
		return fmt.Errorf("%w: mrp.production %d", ErrNotFound, id)
	}
	return nil
}

// NewPurchase describes a purchase order for Tx.AddPurchase.
type NewPurchase struct {
	PartnerID int64  // 0: the first vendor of the product of the first line (or company 1's partner)
	State     string // "": draft
	Lines     []NewPurchaseLine
}

// NewPurchaseLine is one line of a NewPurchase.
type NewPurchaseLine struct {
	ProductID   int64
	Qty         float64
	DatePlanned time.Time // zero: the clock
}

// AddPurchase creates a purchase order with its lines.
func (tx *Tx) AddPurchase(n NewPurchase) (int64, error) {
	s := tx.s
	if err := tx.needs(ModulePurchase); err != nil {
		return 0, err
	}
	if n.State == "" {
		n.State = "draft"
	}
	if n.State == "done" && !s.ver.purchaseDone() {
		return 0, fmt.Errorf("odootest: purchase state done does not exist in Odoo %s", s.ver.serie())
	}
	for _, l := range n.Lines {
		if s.products.get(l.ProductID) == nil {
			return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, l.ProductID)
		}
	}
	if n.PartnerID == 0 && len(n.Lines) > 0 {
		if ids := s.sellersOf(n.Lines[0].ProductID); len(ids) > 0 {
			n.PartnerID = s.sup.sellers.get(ids[0]).(*SupplierInfo).PartnerID
		}
	}
	if n.PartnerID == 0 {
		n.PartnerID = 1
	}
	po := &PurchaseOrder{ID: s.sup.purchases.newID(), State: n.State, PartnerID: n.PartnerID, CompanyID: 1, CurrencyID: 1,
		DateOrder: s.now.Truncate(time.Second), CreateDate: tx.wd, WriteDate: tx.wd}
	po.Name = fmt.Sprintf("P%05d", po.ID)
	for i, nl := range n.Lines {
		p := s.products.get(nl.ProductID).(*Product)
		if nl.DatePlanned.IsZero() {
			nl.DatePlanned = s.now
		}
		l := &PurchaseLine{ID: s.sup.purchaseLines.newID(), OrderID: po.ID, Sequence: 10 * (i + 1), ProductID: p.ID,
			Name: productLabel(p), ProductQty: nl.Qty, PriceUnit: round2(p.StandardPrice * 0.9), UoMID: p.UoMID,
			DatePlanned: nl.DatePlanned.UTC().Truncate(time.Second), CompanyID: 1, CreateDate: tx.wd, WriteDate: tx.wd}
		s.sup.purchaseLines.add(l)
		po.LineIDs = append(po.LineIDs, l.ID)
		if po.DatePlanned.IsZero() || l.DatePlanned.Before(po.DatePlanned) {
			po.DatePlanned = l.DatePlanned
		}
	}
	s.sup.purchases.add(po)
	return po.ID, nil
}

func (tx *Tx) purchase(id int64) (*PurchaseOrder, error) {
	r := tx.s.sup.purchases.get(id)
	if r == nil {
		return nil, fmt.Errorf("%w: purchase.order %d", ErrNotFound, id)
	}
	return r.(*PurchaseOrder), nil
}

// SetPurchaseState sets a purchase order's state. Up to 18 its lines are stamped too (their stored related
// state is recomputed); in 19 the lines' state is not stored and only the order is.
func (tx *Tx) SetPurchaseState(id int64, state string) error {
	po, err := tx.purchase(id)
	if err != nil {
		return err
	}
	valid := map[string]bool{"draft": true, "sent": true, "to approve": true, "purchase": true, "cancel": true,
		"done": tx.s.ver.purchaseDone()}
	if !valid[state] {
		return fmt.Errorf("odootest: purchase state %q does not exist in Odoo %s", state, tx.s.ver.serie())
	}
	po.State = state
	tx.touch(tx.s.sup.purchases, po)
	if tx.s.ver.purchaseDone() {
		for _, lid := range po.LineIDs {
			if r := tx.s.sup.purchaseLines.get(lid); r != nil {
				tx.touch(tx.s.sup.purchaseLines, r)
			}
		}
	}
	return nil
}

// ConfirmPurchase is button_confirm: state purchase.
func (tx *Tx) ConfirmPurchase(id int64) error { return tx.SetPurchaseState(id, "purchase") }

// CancelPurchase is button_cancel.
func (tx *Tx) CancelPurchase(id int64) error { return tx.SetPurchaseState(id, "cancel") }

// ReceivePurchaseLine records qty more received on a line (a validated receipt): only the line is stamped.
func (tx *Tx) ReceivePurchaseLine(lineID int64, qty float64) error {
	r := tx.s.sup.purchaseLines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: purchase.order.line %d", ErrNotFound, lineID)
	}
	l := r.(*PurchaseLine)
	l.QtyReceived += qty
	tx.touch(tx.s.sup.purchaseLines, l)
	return nil
}

// SetPurchaseLineDate moves a line's expected arrival (a vendor's new date): only the line is stamped.
func (tx *Tx) SetPurchaseLineDate(lineID int64, planned time.Time) error {
	r := tx.s.sup.purchaseLines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: purchase.order.line %d", ErrNotFound, lineID)
	}
	r.(*PurchaseLine).DatePlanned = planned.UTC().Truncate(time.Second)
	tx.touch(tx.s.sup.purchaseLines, r)
	return nil
}

// DeletePurchase unlinks a purchase order and its lines.
func (tx *Tx) DeletePurchase(id int64) error {
	po, err := tx.purchase(id)
	if err != nil {
		return err
	}
	for _, lid := range po.LineIDs {
		tx.s.sup.purchaseLines.remove(lid)
	}
	tx.s.sup.purchases.remove(id)
	return nil
}

// DeletePurchaseLine unlinks one line of a purchase order; the order itself is not stamped, so only a full sync
// sees the line gone. As in Odoo, a line of a confirmed (purchase) or done order cannot be deleted.
func (tx *Tx) DeletePurchaseLine(lineID int64) error {
	r := tx.s.sup.purchaseLines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: purchase.order.line %d", ErrNotFound, lineID)
	}
	po, err := tx.purchase(r.(*PurchaseLine).OrderID)
	if err != nil {
		return err
	}
	if po.State == "purchase" || po.State == "done" {
		return fmt.Errorf("odootest: cannot delete a purchase order line which is in state '%s'", po.State)
	}
	po.LineIDs = slices.DeleteFunc(po.LineIDs, func(id int64) bool { return id == lineID })
	tx.s.sup.purchaseLines.remove(lineID)
	return nil
}

// SetBoMLineQty changes a component's quantity: only the line is stamped.
func (tx *Tx) SetBoMLineQty(lineID int64, qty float64) error {
	r := tx.s.sup.bomLines.get(lineID)
	if r == nil {
		return fmt.Errorf("%w: mrp.bom.line %d", ErrNotFound, lineID)
	}
	r.(*BoMLine).ProductQty = qty
	tx.touch(tx.s.sup.bomLines, r)
	return nil
}

// AddBoM creates a bill of materials (normal or phantom) for a product with the given components and quantities
// (per BoM quantity qty), and returns its id.
func (tx *Tx) AddBoM(productID int64, typ string, qty float64, components map[int64]float64) (int64, error) {
	s := tx.s
	if err := tx.needs(ModuleMRP); err != nil {
		return 0, err
	}
	pr := s.products.get(productID)
	if pr == nil {
		return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	b := &BoM{ID: s.sup.boms.newID(), ProductTmplID: productID, Type: typ, ProductQty: qty, UoMID: pr.(*Product).UoMID,
		Sequence: 10, Active: true, ProduceDelay: 1, CreateDate: tx.wd, WriteDate: tx.wd}
	ids := make([]int64, 0, len(components))
	for id := range components {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if s.products.get(id) == nil {
			return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, id)
		}
		l := &BoMLine{ID: s.sup.bomLines.newID(), BoMID: b.ID, ProductID: id, ProductQty: components[id], UoMID: 1,
			Sequence: 10 * (i + 1), CreateDate: tx.wd, WriteDate: tx.wd}
		s.sup.bomLines.add(l)
		b.LineIDs = append(b.LineIDs, l.ID)
	}
	s.sup.boms.add(b)
	return b.ID, nil
}

// SetBoMActive archives or restores a bill of materials.
func (tx *Tx) SetBoMActive(id int64, active bool) error {
	r := tx.s.sup.boms.get(id)
	if r == nil {
		return fmt.Errorf("%w: mrp.bom %d", ErrNotFound, id)
	}
	r.(*BoM).Active = active
	tx.touch(tx.s.sup.boms, r)
	return nil
}

// DeleteBoM unlinks a bill of materials and its lines (ondelete cascade).
func (tx *Tx) DeleteBoM(id int64) error {
	r := tx.s.sup.boms.get(id)
	if r == nil {
		return fmt.Errorf("%w: mrp.bom %d", ErrNotFound, id)
	}
	for _, lid := range r.(*BoM).LineIDs {
		tx.s.sup.bomLines.remove(lid)
	}
	tx.s.sup.boms.remove(id)
	return nil
}

// SetProduceDelay sets a product's manufacturing lead time: on its template in 16, on its BoMs from 17.
func (tx *Tx) SetProduceDelay(productID int64, days int) error {
	s := tx.s
	pr := s.products.get(productID)
	if pr == nil {
		return fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	if !s.ver.produceDelayOnBoM() {
		pr.(*Product).ProduceDelay = float64(days)
		tx.touch(s.products, pr)
		return nil
	}
	for _, r := range s.sup.boms.rows {
		if b := r.(*BoM); b.ProductTmplID == productID {
			b.ProduceDelay = days
			tx.touch(s.sup.boms, b)
		}
	}
	return nil
}

// SetProductRoutes replaces the routes of a product's template.
func (tx *Tx) SetProductRoutes(productID int64, routes ...int64) error {
	pr := tx.s.products.get(productID)
	if pr == nil {
		return fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	pr.(*Product).RouteIDs = slices.Clone(routes)
	tx.touch(tx.s.products, pr)
	return nil
}

// SetOrderpoint changes a reordering rule's minimum, maximum and multiple (19: the multiple must be 0, 6, 12
// or 24, the fake's pack units).
func (tx *Tx) SetOrderpoint(id int64, minQty, maxQty, multiple float64) error {
	r := tx.s.sup.orderpoints.get(id)
	if r == nil {
		return fmt.Errorf("%w: stock.warehouse.orderpoint %d", ErrNotFound, id)
	}
	if tx.s.ver.replenishmentUoM() && multiple != 0 && packUoM(multiple) == 0 {
		return fmt.Errorf("odootest: Odoo %s has no unit for a multiple of %g", tx.s.ver.serie(), multiple)
	}
	o := r.(*Orderpoint)
	o.MinQty, o.MaxQty, o.Multiple = minQty, maxQty, multiple
	tx.touch(tx.s.sup.orderpoints, o)
	return nil
}

// AddOrderpoint creates a reordering rule in the main warehouse and returns its id.
func (tx *Tx) AddOrderpoint(productID int64, minQty, maxQty, multiple float64) (int64, error) {
	s := tx.s
	if err := tx.needs(ModuleStock); err != nil {
		return 0, err
	}
	if s.products.get(productID) == nil {
		return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	o := &Orderpoint{ID: s.sup.orderpoints.newID(), ProductID: productID, WarehouseID: 1, LocationID: 8, CompanyID: 1,
		MinQty: minQty, MaxQty: maxQty, Multiple: multiple, Trigger: "auto", Active: true, CreateDate: tx.wd, WriteDate: tx.wd}
	o.Name = fmt.Sprintf("OP/%05d", o.ID)
	s.sup.orderpoints.add(o)
	return o.ID, nil
}

// DeleteOrderpoint unlinks a reordering rule.
func (tx *Tx) DeleteOrderpoint(id int64) error {
	if !tx.s.sup.orderpoints.remove(id) {
		return fmt.Errorf("%w: stock.warehouse.orderpoint %d", ErrNotFound, id)
	}
	return nil
}

// SetSupplierInfo changes a vendor line's lead time and least quantity.
func (tx *Tx) SetSupplierInfo(id int64, delay int, minQty float64) error {
	r := tx.s.sup.sellers.get(id)
	if r == nil {
		return fmt.Errorf("%w: product.supplierinfo %d", ErrNotFound, id)
	}
	x := r.(*SupplierInfo)
	x.Delay, x.MinQty = delay, minQty
	tx.touch(tx.s.sup.sellers, x)
	return nil
}

// DeleteSupplierInfo unlinks a vendor line.
func (tx *Tx) DeleteSupplierInfo(id int64) error {
	if !tx.s.sup.sellers.remove(id) {
		return fmt.Errorf("%w: product.supplierinfo %d", ErrNotFound, id)
	}
	return nil
}

// Each in its own transaction.

// AddProduction creates a manufacturing order in its own transaction.
func (s *Server) AddProduction(n NewProduction) (int64, error) {
	var id int64
	err := s.tx(func(tx *Tx) error {
		var err error
		id, err = tx.AddProduction(n)
		return err
	})
	return id, err
}

// ConfirmProduction confirms a manufacturing order in its own transaction.
func (s *Server) ConfirmProduction(id int64) error {
	return s.tx(func(tx *Tx) error { return tx.ConfirmProduction(id) })
}

// FinishProduction marks a manufacturing order done in its own transaction.
func (s *Server) FinishProduction(id int64) error {
	return s.tx(func(tx *Tx) error { return tx.FinishProduction(id) })
}

// CancelProduction cancels a manufacturing order in its own transaction.
func (s *Server) CancelProduction(id int64) error {
	return s.tx(func(tx *Tx) error { return tx.CancelProduction(id) })
}

// AddPurchase creates a purchase order in its own transaction.
func (s *Server) AddPurchase(n NewPurchase) (int64, error) {
	var id int64
	err := s.tx(func(tx *Tx) error {
		var err error
		id, err = tx.AddPurchase(n)
		return err
	})
	return id, err
}

// ConfirmPurchase confirms a purchase order in its own transaction.
func (s *Server) ConfirmPurchase(id int64) error {
	return s.tx(func(tx *Tx) error { return tx.ConfirmPurchase(id) })
}

// CancelPurchase cancels a purchase order in its own transaction.
func (s *Server) CancelPurchase(id int64) error {
	return s.tx(func(tx *Tx) error { return tx.CancelPurchase(id) })
}

// ReceivePurchaseLine records a receipt in its own transaction.
func (s *Server) ReceivePurchaseLine(lineID int64, qty float64) error {
	return s.tx(func(tx *Tx) error { return tx.ReceivePurchaseLine(lineID, qty) })
}

// NewProduct describes a product for Tx.AddProduct: a storable good in units, shared between companies, whose
// variant stands for its template (as in a database without variants).
type NewProduct struct {
	Code      string  // default_code, the SKU; "": none
	Name      string  // "": the code
	ListPrice float64 // 0: 10
}

// AddProduct creates a product by hand (Pattern ""), with no sales, stock, BoM, route or vendor, and returns its
// id (also its template's).
func (tx *Tx) AddProduct(n NewProduct) (int64, error) {
	s := tx.s
	if n.Name == "" {
		n.Name = n.Code
	}
	if n.Name == "" {
		return 0, fmt.Errorf("odootest: a product needs a name or a code")
	}
	if n.ListPrice == 0 {
		n.ListPrice = 10
	}
	p := &Product{ID: s.products.newID(), DefaultCode: n.Code, Name: n.Name, Type: "consu", IsStorable: true, Active: true,
		ListPrice: n.ListPrice, StandardPrice: round2(n.ListPrice * 0.6), UoMID: 1, CreateDate: tx.wd, WriteDate: tx.wd}
	s.products.add(p)
	return p.ID, nil
}

// AddSupplierInfo creates a vendor line (product.supplierinfo) for a product's template: the vendor (0: company
// 1's partner), its delivery lead time in days and its least quantity, after the template's other vendor lines.
func (tx *Tx) AddSupplierInfo(productID, partnerID int64, delay int, minQty float64) (int64, error) {
	s := tx.s
	if err := tx.needs(ModulePurchase); err != nil {
		return 0, err
	}
	pr := s.products.get(productID)
	if pr == nil {
		return 0, fmt.Errorf("%w: product.product %d", ErrNotFound, productID)
	}
	if partnerID == 0 {
		partnerID = 1
	}
	x := &SupplierInfo{ID: s.sup.sellers.newID(), PartnerID: partnerID, ProductTmplID: productID, Delay: delay, MinQty: minQty,
		Price: pr.(*Product).StandardPrice, Sequence: len(s.sellersOf(productID)) + 1, CurrencyID: 1, CreateDate: tx.wd, WriteDate: tx.wd}
	s.sup.sellers.add(x)
	return x.ID, nil
}
