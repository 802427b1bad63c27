package odootest

import (
	"fmt"
	"slices"
)

// Versions of the manufacturing and purchasing fields (read from Odoo's sources, addons/mrp, purchase, stock, uom).

// plannedDates16: up to 16, mrp.production plans with date_planned_start/date_planned_finished and records the
// real dates in date_start/date_finished; from 17 date_start/date_finished are the planned dates.
func (v version) plannedDates16() bool { return v.major <= 16 }

// produceDelayOnBoM: produce_delay moved from product.template (a float) to mrp.bom (an integer) in 17.
func (v version) produceDelayOnBoM() bool { return v.major >= 17 }

// purchaseDone: purchase.order's state done (locked) exists up to 18; 19 has a locked boolean instead.
func (v version) purchaseDone() bool { return v.major <= 18 }

// replenishmentUoM: 19 replaced stock.warehouse.orderpoint.qty_multiple by replenishment_uom_id (a unit
// "Pack of N"), renamed mrp.bom.product_uom_id to uom_id and reworked uom.uom (relative_factor).
func (v version) replenishmentUoM() bool { return v.major >= 19 }

// checkModules validates Options.Modules.
func checkModules(mods []string) error {
	for _, m := range mods {
		if !slices.Contains(AllModules, m) {
			return fmt.Errorf("odootest: unknown module %q (want %v)", m, AllModules)
		}
	}
	if mods != nil && slices.Contains(mods, ModuleMRP) && !slices.Contains(mods, ModuleStock) {
		return fmt.Errorf("odootest: module mrp depends on stock")
	}
	return nil
}

// drop removes a field from a model (a field an app that is not installed would have added).
func (m *model) drop(name string) {
	delete(m.fields, name)
	m.list = slices.DeleteFunc(m.list, func(f *field) bool { return f.name == name })
}

func companyRule[T any](company func(*T) int64) func(*env, rec) bool {
	return func(e *env, r rec) bool { return companyOrShared(e, company(any(r).(*T))) }
}

// buildSupplyModels adds ir.module.module, product.template, product.supplierinfo and the models of the apps
// installed (stock routes and orderpoints, mrp, purchase), and removes those of the apps that are not.
func (s *Server) buildSupplyModels(ms map[string]*model, add func(*model)) {
	v, t := s.ver, s.sup

	// ir.module.module: readable by every internal user, unless a module such as access_apps takes that away.
	module := &model{name: "ir.module.module", t: t.modules, defaultOrder: "name",
		display: func(_ *env, r rec) string { return r.(*Module).ShortDesc }}
	if s.opts.NoModuleAccess {
		module.access = func(*env) error {
			return errAccess("You are not allowed to access 'Module' (ir.module.module) records.\n\n" +
				"This operation is allowed for the following groups:\n\t- Administration/Settings\n\n" +
				"Contact your administrator to request access if necessary.")
		}
	}
	addCommon(module)
	module.add(fld("name", "char", "Technical Name", true, on(func(m *Module) value { return vStr(m.Name) })))
	module.add(fld("shortdesc", "char", "Module Name", true, on(func(m *Module) value { return vStr(m.ShortDesc) })))
	module.add(selection("state", "Status", true, [][2]string{{"uninstallable", "Uninstallable"}, {"uninstalled", "Not Installed"},
		{"installed", "Installed"}, {"to upgrade", "To be upgraded"}, {"to remove", "To be removed"}, {"to install", "To be installed"}},
		on(func(m *Module) value { return vStr(m.State) })))
	module.add(fld("create_date", "datetime", "Created on", true, on(func(m *Module) value { return vTime(m.CreateDate) })))
	add(module)

	stock, mrp, purchase := s.installed(ModuleStock), s.installed(ModuleMRP), s.installed(ModulePurchase)
	product := ms["product.product"]
	if !stock {
		for _, name := range []string{"stock.quant", "stock.location", "stock.warehouse"} {
			delete(ms, name)
		}
		product.drop("qty_available")
		product.drop("virtual_available")
		if o := ms["sale.order"]; o != nil {
			o.drop("warehouse_id") // sale_stock
		}
	}
	if !s.installed(ModuleSale) {
		delete(ms, "sale.order")
		delete(ms, "sale.order.line")
	}

	// product.template: the fake's templates are its products (one variant each, sharing its id and record).
	tmpl := &model{name: "product.template", t: s.products, defaultOrder: "priority desc, name",
		hasActive: true, active: func(r rec) bool { return r.(*Product).Active },
		display: func(_ *env, r rec) string { return productLabel(r.(*Product)) },
		rule:    companyRule(func(p *Product) int64 { return p.CompanyID })}
	addCommon(tmpl)
	tmpl.add(fld("name", "char", "Name", true, on(func(p *Product) value { return vStr(p.Name) })))
	tmpl.add(fld("default_code", "char", "Internal Reference", false, on(func(p *Product) value { return vStr(p.DefaultCode) })))
	tmpl.add(fld("active", "boolean", "Active", true, on(func(p *Product) value { return vBool(p.Active) })))
	tmpl.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(p *Product) value { return vM2O(p.CompanyID) })))
	tmpl.add(rel("product_variant_ids", "one2many", "Products", "product.product", false, on(func(p *Product) value { return vIDs([]int64{p.ID}) })))
	tmpl.add(rel("seller_ids", "one2many", "Vendors", "product.supplierinfo", false, func(e *env, r rec) value {
		return vIDs(s.sellersOf(r.recID()))
	}))
	tmpl.add(fld("create_date", "datetime", "Created on", true, on(func(p *Product) value { return vTime(p.CreateDate) })))
	add(tmpl)
	product.add(rel("seller_ids", "one2many", "Vendors", "product.supplierinfo", false, func(e *env, r rec) value {
		return vIDs(s.sellersOf(r.recID()))
	}))
	if stock {
		routes := func(p *Product) value { return vIDs(slices.Clone(p.RouteIDs)) }
		tmpl.add(rel("route_ids", "many2many", "Routes", "stock.route", true, on(routes)))
		product.add(rel("route_ids", "many2many", "Routes", "stock.route", false, on(routes))) // inherited from the template
	}
	if mrp && !v.produceDelayOnBoM() {
		delay := func(p *Product) value { return vFloat(p.ProduceDelay) }
		tmpl.add(fld("produce_delay", "float", "Manufacturing Lead Time", true, on(delay)))
		product.add(fld("produce_delay", "float", "Manufacturing Lead Time", false, on(delay)))
	}

	// product.supplierinfo belongs to the product module: it exists without purchase (empty then).
	seller := &model{name: "product.supplierinfo", t: t.sellers, defaultOrder: "sequence, min_qty desc, price, id",
		display: func(e *env, r rec) string { return e.displayName("res.partner", r.(*SupplierInfo).PartnerID) },
		rule:    companyRule(func(x *SupplierInfo) int64 { return x.CompanyID })}
	addCommon(seller)
	seller.add(rel("partner_id", "many2one", "Vendor", "res.partner", true, on(func(x *SupplierInfo) value { return vM2O(x.PartnerID) })))
	seller.add(rel("product_tmpl_id", "many2one", "Product Template", "product.template", true, on(func(x *SupplierInfo) value { return vM2O(x.ProductTmplID) })))
	seller.add(rel("product_id", "many2one", "Product Variant", "product.product", true, on(func(x *SupplierInfo) value { return vM2O(x.ProductID) })))
	seller.add(fld("delay", "integer", "Delivery Lead Time", true, on(func(x *SupplierInfo) value { return vInt(int64(x.Delay)) })))
	seller.add(fld("min_qty", "float", "Quantity", true, on(func(x *SupplierInfo) value { return vFloat(x.MinQty) })))
	seller.add(fld("price", "float", "Price", true, on(func(x *SupplierInfo) value { return vFloat(x.Price) })))
	seller.add(fld("sequence", "integer", "Sequence", true, on(func(x *SupplierInfo) value { return vInt(int64(x.Sequence)) })))
	seller.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(x *SupplierInfo) value { return vM2O(x.CompanyID) })))
	seller.add(rel("currency_id", "many2one", "Currency", "res.currency", true, on(func(x *SupplierInfo) value { return vM2O(x.CurrencyID) })))
	seller.add(fld("create_date", "datetime", "Created on", true, on(func(x *SupplierInfo) value { return vTime(x.CreateDate) })))
	add(seller)

	if v.replenishmentUoM() {
		uom := &model{name: "uom.uom", t: t.uoms, defaultOrder: "sequence, relative_uom_id, id",
			hasActive: true, active: func(r rec) bool { return r.(*UoM).Active },
			display: func(_ *env, r rec) string { return r.(*UoM).Name }}
		addCommon(uom)
		uom.add(fld("name", "char", "Unit Name", true, on(func(u *UoM) value { return vStr(u.Name) })))
		uom.add(fld("relative_factor", "float", "Contains", true, on(func(u *UoM) value { return vFloat(u.RelativeFactor) })))
		uom.add(rel("relative_uom_id", "many2one", "Reference Unit", "uom.uom", true, on(func(u *UoM) value { return vM2O(u.RelativeUoMID) })))
		uom.add(fld("factor", "float", "Absolute Quantity", true, func(e *env, r rec) value { return vFloat(s.uomFactor(r.(*UoM))) }))
		uom.add(fld("active", "boolean", "Active", true, on(func(u *UoM) value { return vBool(u.Active) })))
		uom.add(fld("sequence", "integer", "Sequence", true, on(func(u *UoM) value { return vInt(u.ID) })))
		add(uom)
	}

	if stock {
		s.buildStockSupply(add)
	}
	if mrp {
		s.buildMRP(add, product)
	}
	if purchase {
		s.buildPurchase(add)
	}
	for _, name := range s.opts.NoAccess {
		denyAccess(ms[name], name)
	}
}

// denyAccess makes every call on m fail with Odoo's AccessError.
func denyAccess(m *model, name string) {
	if m == nil {
		return
	}
	m.access = func(*env) error {
		return errAccess(fmt.Sprintf("You are not allowed to access '%s' (%s) records.\n\nContact your administrator to request access if necessary.", name, name))
	}
}

// DenyAccess makes a model unreadable from now on (AccessError on every call), as when an administrator takes the
// API user's Manufacturing or Purchase rights away after a sync stored its records.
func (s *Server) DenyAccess(model string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	denyAccess(s.models[model], model)
}

// uomFactor is how many reference units a 19 unit holds, following relative_uom_id.
func (s *Server) uomFactor(u *UoM) float64 {
	f := u.RelativeFactor
	for seen := 0; u.RelativeUoMID != 0 && seen < 10; seen++ {
		r := s.sup.uoms.get(u.RelativeUoMID)
		if r == nil {
			break
		}
		u = r.(*UoM)
		f *= u.RelativeFactor
	}
	return f
}

func (s *Server) sellersOf(tmplID int64) []int64 {
	var ids []int64
	for _, r := range s.sup.sellers.rows {
		if x := r.(*SupplierInfo); x.ProductTmplID == tmplID {
			ids = append(ids, x.ID)
		}
	}
	return ids
}

// buildStockSupply adds stock.route, stock.rule and stock.warehouse.orderpoint.
func (s *Server) buildStockSupply(add func(*model)) {
	v, t := s.ver, s.sup
	route := &model{name: "stock.route", t: t.routes, defaultOrder: "sequence",
		hasActive: true, active: func(r rec) bool { return r.(*Route).Active },
		display: func(_ *env, r rec) string { return r.(*Route).Name }}
	addCommon(route)
	route.add(fld("name", "char", "Route", true, on(func(r *Route) value { return vStr(r.Name) })))
	route.add(fld("sequence", "integer", "Sequence", true, on(func(r *Route) value { return vInt(int64(r.Sequence)) })))
	route.add(fld("active", "boolean", "Active", true, on(func(r *Route) value { return vBool(r.Active) })))
	route.add(rel("rule_ids", "one2many", "Rules", "stock.rule", false, on(func(r *Route) value { return vIDs(r.RuleIDs) })))
	route.add(fld("product_selectable", "boolean", "Applicable on Product", true, func(*env, rec) value { return vBool(true) }))
	route.add(fld("create_date", "datetime", "Created on", true, on(func(r *Route) value { return vTime(r.CreateDate) })))
	add(route)

	actions := [][2]string{{"pull", "Pull From"}, {"push", "Push To"}, {"pull_push", "Pull & Push"}}
	if s.installed(ModulePurchase) {
		actions = append(actions, [2]string{"buy", "Buy"})
	}
	if s.installed(ModuleMRP) {
		actions = append(actions, [2]string{"manufacture", "Manufacture"})
	}
	rule := &model{name: "stock.rule", t: t.rules, defaultOrder: "sequence, id",
		hasActive: true, active: func(r rec) bool { return r.(*Rule).Active },
		display: func(_ *env, r rec) string { return r.(*Rule).Name },
		rule:    companyRule(func(r *Rule) int64 { return r.CompanyID })}
	addCommon(rule)
	rule.add(fld("name", "char", "Name", true, on(func(r *Rule) value { return vStr(r.Name) })))
	rule.add(selection("action", "Action", true, actions, on(func(r *Rule) value { return vStr(r.Action) })))
	rule.add(rel("route_id", "many2one", "Route", "stock.route", true, on(func(r *Rule) value { return vM2O(r.RouteID) })))
	rule.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(r *Rule) value { return vM2O(r.CompanyID) })))
	rule.add(fld("active", "boolean", "Active", true, on(func(r *Rule) value { return vBool(r.Active) })))
	add(rule)

	op := &model{name: "stock.warehouse.orderpoint", t: t.orderpoints, defaultOrder: "location_id,company_id,id",
		hasActive: true, active: func(r rec) bool { return r.(*Orderpoint).Active },
		display: func(_ *env, r rec) string { return r.(*Orderpoint).Name },
		rule:    func(e *env, r rec) bool { return e.allowed(r.(*Orderpoint).CompanyID) }}
	addCommon(op)
	op.add(fld("name", "char", "Name", true, on(func(o *Orderpoint) value { return vStr(o.Name) })))
	op.add(selection("trigger", "Trigger", true, [][2]string{{"auto", "Auto"}, {"manual", "Manual"}}, on(func(o *Orderpoint) value { return vStr(o.Trigger) })))
	op.add(fld("active", "boolean", "Active", true, on(func(o *Orderpoint) value { return vBool(o.Active) })))
	op.add(rel("warehouse_id", "many2one", "Warehouse", "stock.warehouse", true, on(func(o *Orderpoint) value { return vM2O(o.WarehouseID) })))
	op.add(rel("location_id", "many2one", "Location", "stock.location", true, on(func(o *Orderpoint) value { return vM2O(o.LocationID) })))
	op.add(rel("product_id", "many2one", "Product", "product.product", true, on(func(o *Orderpoint) value { return vM2O(o.ProductID) })))
	op.add(fld("product_min_qty", "float", "Min Quantity", true, on(func(o *Orderpoint) value { return vFloat(o.MinQty) })))
	op.add(fld("product_max_qty", "float", "Max Quantity", true, on(func(o *Orderpoint) value { return vFloat(o.MaxQty) })))
	if v.replenishmentUoM() {
		op.add(rel("replenishment_uom_id", "many2one", "Multiple", "uom.uom", true, on(func(o *Orderpoint) value { return vM2O(packUoM(o.Multiple)) })))
	} else {
		op.add(fld("qty_multiple", "float", "Multiple Quantity", true, on(func(o *Orderpoint) value { return vFloat(o.Multiple) })))
	}
	op.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(o *Orderpoint) value { return vM2O(o.CompanyID) })))
	op.add(fld("create_date", "datetime", "Created on", true, on(func(o *Orderpoint) value { return vTime(o.CreateDate) })))
	add(op)
}

// buildMRP adds mrp.bom, mrp.bom.line and mrp.production.
func (s *Server) buildMRP(add func(*model), product *model) {
	v, t := s.ver, s.sup
	bom := &model{name: "mrp.bom", t: t.boms, defaultOrder: "sequence, id",
		hasActive: true, active: func(r rec) bool { return r.(*BoM).Active },
		display: func(e *env, r rec) string {
			b := r.(*BoM)
			name := e.displayName("product.template", b.ProductTmplID)
			if b.Code != "" {
				name = b.Code + ": " + name
			}
			return name
		},
		rule: companyRule(func(b *BoM) int64 { return b.CompanyID })}
	addCommon(bom)
	bom.add(fld("code", "char", "Reference", true, on(func(b *BoM) value { return vStr(b.Code) })))
	bom.add(fld("active", "boolean", "Active", true, on(func(b *BoM) value { return vBool(b.Active) })))
	bom.add(selection("type", "BoM Type", true, [][2]string{{"normal", "Manufacture this product"}, {"phantom", "Kit"}}, on(func(b *BoM) value { return vStr(b.Type) })))
	bom.add(rel("product_tmpl_id", "many2one", "Product", "product.template", true, on(func(b *BoM) value { return vM2O(b.ProductTmplID) })))
	bom.add(rel("product_id", "many2one", "Product Variant", "product.product", true, on(func(b *BoM) value { return vM2O(b.ProductID) })))
	bom.add(rel("bom_line_ids", "one2many", "BoM Lines", "mrp.bom.line", false, on(func(b *BoM) value { return vIDs(b.LineIDs) })))
	bom.add(fld("product_qty", "float", "Quantity", true, on(func(b *BoM) value { return vFloat(b.ProductQty) })))
	uomName := "product_uom_id"
	if v.replenishmentUoM() {
		uomName = "uom_id"
	}
	bom.add(rel(uomName, "many2one", "Unit", "uom.uom", true, on(func(b *BoM) value { return vM2O(b.UoMID) })))
	bom.add(fld("sequence", "integer", "Sequence", true, on(func(b *BoM) value { return vInt(int64(b.Sequence)) })))
	bom.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(b *BoM) value { return vM2O(b.CompanyID) })))
	if v.produceDelayOnBoM() {
		bom.add(fld("produce_delay", "integer", "Manufacturing Lead Time", true, on(func(b *BoM) value { return vInt(int64(b.ProduceDelay)) })))
		bom.add(fld("days_to_prepare_mo", "integer", "Days to prepare Manufacturing Order", true, func(*env, rec) value { return vInt(0) }))
	}
	bom.add(fld("create_date", "datetime", "Created on", true, on(func(b *BoM) value { return vTime(b.CreateDate) })))
	add(bom)

	line := &model{name: "mrp.bom.line", t: t.bomLines, defaultOrder: "sequence, id",
		display: func(e *env, r rec) string { return e.displayName("product.product", r.(*BoMLine).ProductID) },
		rule:    companyRule(func(l *BoMLine) int64 { return l.CompanyID })}
	line.inverse = map[string]func(int64) []int64{"bom_id": func(id int64) []int64 {
		if r := t.boms.get(id); r != nil {
			return r.(*BoM).LineIDs
		}
		return nil
	}}
	addCommon(line)
	line.add(rel("bom_id", "many2one", "Parent BoM", "mrp.bom", true, on(func(l *BoMLine) value { return vM2O(l.BoMID) })))
	line.add(rel("product_id", "many2one", "Component", "product.product", true, on(func(l *BoMLine) value { return vM2O(l.ProductID) })))
	line.add(rel("product_tmpl_id", "many2one", "Product Template", "product.template", true, on(func(l *BoMLine) value { return vM2O(l.ProductID) })))
	line.add(fld("product_qty", "float", "Quantity", true, on(func(l *BoMLine) value { return vFloat(l.ProductQty) })))
	line.add(rel("product_uom_id", "many2one", "Product Unit of Measure", "uom.uom", true, on(func(l *BoMLine) value { return vM2O(l.UoMID) })))
	line.add(fld("sequence", "integer", "Sequence", true, on(func(l *BoMLine) value { return vInt(int64(l.Sequence)) })))
	line.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(l *BoMLine) value { return vM2O(l.CompanyID) })))
	line.add(fld("create_date", "datetime", "Created on", true, on(func(l *BoMLine) value { return vTime(l.CreateDate) })))
	add(line)

	states := [][2]string{{"draft", "Draft"}, {"confirmed", "Confirmed"}, {"progress", "In Progress"}, {"to_close", "To Close"},
		{"done", "Done"}, {"cancel", "Cancelled"}}
	mo := &model{name: "mrp.production", t: t.productions, defaultOrder: "priority desc, date_start asc,id",
		display: func(_ *env, r rec) string { return r.(*Production).Name },
		rule:    func(e *env, r rec) bool { return e.allowed(r.(*Production).CompanyID) }}
	if v.plannedDates16() {
		mo.defaultOrder = "priority desc, date_planned_start asc,id"
	}
	addCommon(mo)
	mo.add(fld("name", "char", "Reference", true, on(func(p *Production) value { return vStr(p.Name) })))
	mo.add(fld("priority", "selection", "Priority", true, func(*env, rec) value { return vStr("0") }))
	mo.fields["priority"].sel = [][2]string{{"0", "Normal"}, {"1", "Urgent"}}
	mo.add(fld("origin", "char", "Source", true, on(func(p *Production) value { return vStr(p.Origin) })))
	mo.add(rel("product_id", "many2one", "Product", "product.product", true, on(func(p *Production) value { return vM2O(p.ProductID) })))
	mo.add(rel("product_tmpl_id", "many2one", "Product Template", "product.template", false, on(func(p *Production) value { return vM2O(p.ProductID) })))
	mo.add(fld("product_qty", "float", "Quantity To Produce", true, on(func(p *Production) value { return vFloat(p.ProductQty) })))
	mo.add(rel("product_uom_id", "many2one", "Product Unit of Measure", "uom.uom", true, on(func(p *Production) value { return vM2O(p.UoMID) })))
	mo.add(fld("qty_producing", "float", "Quantity Producing", true, on(func(p *Production) value {
		if p.State == "progress" || p.State == "to_close" {
			return vFloat(p.QtyProduced)
		}
		return vFloat(0)
	})))
	mo.add(fld("qty_produced", "float", "Quantity Produced", false, on(func(p *Production) value { return vFloat(p.QtyProduced) })))
	mo.add(rel("bom_id", "many2one", "Bill of Material", "mrp.bom", true, on(func(p *Production) value { return vM2O(p.BoMID) })))
	mo.add(selection("state", "State", true, states, on(func(p *Production) value { return vStr(p.State) })))
	if v.plannedDates16() {
		mo.add(fld("date_planned_start", "datetime", "Scheduled Date", true, on(func(p *Production) value { return vTime(p.PlannedFrom) })))
		mo.add(fld("date_planned_finished", "datetime", "Scheduled End Date", true, on(func(p *Production) value { return vTime(p.PlannedTo) })))
		mo.add(fld("date_start", "datetime", "Start Date", true, on(func(p *Production) value { return vTime(p.Started) })))
		mo.add(fld("date_finished", "datetime", "End Date", true, on(func(p *Production) value { return vTime(p.Finished) })))
	} else {
		mo.add(fld("date_start", "datetime", "Start", true, on(func(p *Production) value { return vTime(p.PlannedFrom) })))
		mo.add(fld("date_finished", "datetime", "End", true, on(func(p *Production) value { return vTime(p.PlannedTo) })))
	}
	mo.add(fld("date_deadline", "datetime", "Deadline", true, on(func(p *Production) value { return vTime(p.DateDeadline) })))
	mo.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(p *Production) value { return vM2O(p.CompanyID) })))
	mo.add(fld("create_date", "datetime", "Created on", true, on(func(p *Production) value { return vTime(p.CreateDate) })))
	add(mo)

	product.add(rel("bom_ids", "one2many", "Bill of Materials", "mrp.bom", false, func(e *env, r rec) value {
		var ids []int64
		for _, br := range t.boms.rows {
			if b := br.(*BoM); b.ProductTmplID == r.recID() {
				ids = append(ids, b.ID)
			}
		}
		return vIDs(ids)
	}))
}

// buildPurchase adds purchase.order and purchase.order.line.
func (s *Server) buildPurchase(add func(*model)) {
	v, t := s.ver, s.sup
	states := [][2]string{{"draft", "RFQ"}, {"sent", "RFQ Sent"}, {"to approve", "To Approve"}, {"purchase", "Purchase Order"}}
	if v.purchaseDone() {
		states = append(states, [2]string{"done", "Locked"})
	}
	states = append(states, [2]string{"cancel", "Cancelled"})
	po := &model{name: "purchase.order", t: t.purchases, defaultOrder: "priority desc, id desc",
		display: func(_ *env, r rec) string { return r.(*PurchaseOrder).Name },
		rule:    func(e *env, r rec) bool { return e.allowed(r.(*PurchaseOrder).CompanyID) }}
	addCommon(po)
	po.add(fld("name", "char", "Order Reference", true, on(func(o *PurchaseOrder) value { return vStr(o.Name) })))
	po.add(selection("state", "Status", true, states, on(func(o *PurchaseOrder) value { return vStr(o.State) })))
	if !v.purchaseDone() {
		po.add(fld("locked", "boolean", "Locked", true, on(func(o *PurchaseOrder) value { return vBool(o.Locked) })))
	}
	po.add(rel("partner_id", "many2one", "Vendor", "res.partner", true, on(func(o *PurchaseOrder) value { return vM2O(o.PartnerID) })))
	po.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(o *PurchaseOrder) value { return vM2O(o.CompanyID) })))
	po.add(rel("currency_id", "many2one", "Currency", "res.currency", true, on(func(o *PurchaseOrder) value { return vM2O(o.CurrencyID) })))
	po.add(fld("date_order", "datetime", "Order Deadline", true, on(func(o *PurchaseOrder) value { return vTime(o.DateOrder) })))
	po.add(fld("date_planned", "datetime", "Expected Arrival", true, on(func(o *PurchaseOrder) value { return vTime(o.DatePlanned) })))
	po.add(rel("order_line", "one2many", "Order Lines", "purchase.order.line", false, on(func(o *PurchaseOrder) value { return vIDs(o.LineIDs) })))
	po.add(fld("create_date", "datetime", "Creation Date", true, on(func(o *PurchaseOrder) value { return vTime(o.CreateDate) })))
	add(po)

	order := func(l *PurchaseLine) *PurchaseOrder {
		if r := t.purchases.get(l.OrderID); r != nil {
			return r.(*PurchaseOrder)
		}
		return nil
	}
	line := &model{name: "purchase.order.line", t: t.purchaseLines, defaultOrder: "order_id, sequence, id",
		display: func(e *env, r rec) string {
			l := r.(*PurchaseLine)
			return e.displayName("purchase.order", l.OrderID) + " - " + l.Name
		},
		rule: func(e *env, r rec) bool { return e.allowed(r.(*PurchaseLine).CompanyID) }}
	line.inverse = map[string]func(int64) []int64{"order_id": func(id int64) []int64 {
		if r := t.purchases.get(id); r != nil {
			return r.(*PurchaseOrder).LineIDs
		}
		return nil
	}}
	addCommon(line)
	line.add(rel("order_id", "many2one", "Order Reference", "purchase.order", true, on(func(l *PurchaseLine) value { return vM2O(l.OrderID) })))
	line.add(fld("sequence", "integer", "Sequence", true, on(func(l *PurchaseLine) value { return vInt(int64(l.Sequence)) })))
	line.add(fld("name", "text", "Description", true, on(func(l *PurchaseLine) value { return vStr(l.Name) })))
	line.add(selection("display_type", "Display Type", true, [][2]string{{"line_section", "Section"}, {"line_note", "Note"}},
		on(func(l *PurchaseLine) value { return vStr(l.DisplayType) })))
	line.add(rel("product_id", "many2one", "Product", "product.product", true, on(func(l *PurchaseLine) value { return vM2O(l.ProductID) })))
	line.add(fld("product_qty", "float", "Quantity", true, on(func(l *PurchaseLine) value { return vFloat(l.ProductQty) })))
	line.add(fld("qty_received", "float", "Received Qty", true, on(func(l *PurchaseLine) value { return vFloat(l.QtyReceived) })))
	line.add(fld("price_unit", "float", "Unit Price", true, on(func(l *PurchaseLine) value { return vFloat(l.PriceUnit) })))
	uomName, taxName := "product_uom", "taxes_id"
	if v.renamedUoMTax() {
		uomName, taxName = "product_uom_id", "tax_ids"
	}
	line.add(rel(uomName, "many2one", "Unit of Measure", "uom.uom", true, on(func(l *PurchaseLine) value { return vM2O(l.UoMID) })))
	line.add(rel(taxName, "many2many", "Taxes", "account.tax", false, func(*env, rec) value { return vIDs([]int64{}) }))
	line.add(fld("date_planned", "datetime", "Expected Arrival", true, on(func(l *PurchaseLine) value { return vTime(l.DatePlanned) })))
	// state: a related field, stored up to 18 (confirming the order rewrites its lines), not stored in 19.
	line.add(selection("state", "Status", !v.renamedUoMTax(), states, func(e *env, r rec) value {
		if o := order(r.(*PurchaseLine)); o != nil {
			return vStr(o.State)
		}
		return vNull()
	}))
	line.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(l *PurchaseLine) value { return vM2O(l.CompanyID) })))
	line.add(fld("create_date", "datetime", "Created on", true, on(func(l *PurchaseLine) value { return vTime(l.CreateDate) })))
	add(line)
}

// Units of the fake's Odoo 19 that orderpoints use as multiples ("Pack of N").
var packUoMs = map[float64]int64{6: 10, 12: 11, 24: 12}

// packUoM is the 19 unit of an orderpoint multiple (0: none); the generator and the mutations only use the
// multiples that have one.
func packUoM(multiple float64) int64 { return packUoMs[multiple] }
