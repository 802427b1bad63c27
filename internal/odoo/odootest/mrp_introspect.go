package odootest

import "slices"

// Introspection of the manufacturing, purchasing and replenishment records: the fake's ground truth.

// Modules returns every ir.module.module, by id.
func (s *Server) Modules() []Module { return copyRows[Module](s, s.sup.modules) }

// Routes returns every stock.route (archived included), by id.
func (s *Server) Routes() []Route {
	out := copyRows[Route](s, s.sup.routes)
	for i := range out {
		out[i].RuleIDs = slices.Clone(out[i].RuleIDs)
	}
	return out
}

// Rules returns every stock.rule, by id.
func (s *Server) Rules() []Rule { return copyRows[Rule](s, s.sup.rules) }

// BoMs returns every mrp.bom (archived included), by id.
func (s *Server) BoMs() []BoM {
	out := copyRows[BoM](s, s.sup.boms)
	for i := range out {
		out[i].LineIDs = slices.Clone(out[i].LineIDs)
	}
	return out
}

// BoMLines returns every mrp.bom.line, by id.
func (s *Server) BoMLines() []BoMLine { return copyRows[BoMLine](s, s.sup.bomLines) }

// Productions returns every mrp.production, by id.
func (s *Server) Productions() []Production { return copyRows[Production](s, s.sup.productions) }

// PurchaseOrders returns every purchase.order, by id.
func (s *Server) PurchaseOrders() []PurchaseOrder {
	out := copyRows[PurchaseOrder](s, s.sup.purchases)
	for i := range out {
		out[i].LineIDs = slices.Clone(out[i].LineIDs)
	}
	return out
}

// PurchaseLines returns every purchase.order.line, by id.
func (s *Server) PurchaseLines() []PurchaseLine {
	return copyRows[PurchaseLine](s, s.sup.purchaseLines)
}

// Orderpoints returns every stock.warehouse.orderpoint (archived included), by id.
func (s *Server) Orderpoints() []Orderpoint { return copyRows[Orderpoint](s, s.sup.orderpoints) }

// SupplierInfos returns every product.supplierinfo, by id.
func (s *Server) SupplierInfos() []SupplierInfo { return copyRows[SupplierInfo](s, s.sup.sellers) }

// ShownMultiple is an orderpoint's multiple as this version shows it: qty_multiple up to 18; in 19 the factor of
// its replenishment unit, 0 without one.
func (s *Server) ShownMultiple(o Orderpoint) float64 {
	if !s.ver.replenishmentUoM() {
		return o.Multiple
	}
	if packUoM(o.Multiple) == 0 {
		return 0
	}
	return o.Multiple
}

// Installed reports whether an app (ModuleSale, ModuleStock, ModuleMRP, ModulePurchase) is installed.
func (s *Server) Installed(module string) bool { return s.installed(module) }

// ProduceDelayOnBoM reports whether this version keeps the manufacturing lead time on mrp.bom (17+) rather than
// on product.template (16).
func (s *Server) ProduceDelayOnBoM() bool { return s.ver.produceDelayOnBoM() }
