package odootest

import (
	"strings"
)

// field is one field of a model as fields_get describes it, with its getter.
type field struct {
	name     string
	typ      string // char, text, integer, float, monetary, boolean, selection, date, datetime, many2one, one2many, many2many
	label    string
	relation string
	sel      [][2]string
	stored   bool // stored fields can be ordered by
	readonly bool
	required bool
	get      func(e *env, r rec) value
}

// model is one Odoo model over a table.
type model struct {
	srv          *Server
	name         string
	t            *table
	fields       map[string]*field
	list         []*field // definition order (fields_get, "all fields" reads)
	defaultOrder string
	hasActive    bool
	active       func(r rec) bool
	rule         func(e *env, r rec) bool // multi-company record rule; nil = none
	// access is the model's access rights (ir.model.access) for reading: an AccessError for a user without
	// them; nil = every user may read.
	access  func(e *env) error
	display func(e *env, r rec) string
	// inverse[f](id) lists the ids of the records whose many2one f is id (the comodel's one2many), so
	// ('order_id', 'in', ids) looks lines up instead of scanning them.
	inverse map[string]func(id int64) []int64
}

func (m *model) add(f *field) {
	if m.fields == nil {
		m.fields = map[string]*field{}
	}
	m.fields[f.name] = f
	m.list = append(m.list, f)
}

// on adapts a typed getter.
func on[T any](f func(*T) value) func(*env, rec) value {
	return func(_ *env, r rec) value { return f(any(r).(*T)) }
}

func fld(name, typ, label string, stored bool, get func(*env, rec) value) *field {
	return &field{name: name, typ: typ, label: label, stored: stored, readonly: !stored, get: get}
}

func rel(name, typ, label, relation string, stored bool, get func(*env, rec) value) *field {
	f := fld(name, typ, label, stored, get)
	f.relation = relation
	return f
}

func selection(name, label string, stored bool, sel [][2]string, get func(*env, rec) value) *field {
	f := fld(name, "selection", label, stored, get)
	f.sel = sel
	return f
}

// static comodels: only their display names are needed (many2one values are [id, display_name]).
var staticNames = map[string]map[int64]string{
	"uom.uom":          {1: "Units", 3: "kg", 4: "Hours"},
	"account.tax":      {1: "21%", 2: "10%", 3: "7%"},
	"product.category": {1: "All", 2: "All / Saleable", 3: "All / Services"},
	"res.country":      {68: "Spain", 233: "United States"},
}

var taxRates = map[int64]float64{1: 21, 2: 10, 3: 7}

// addCommon adds the magic fields every model has.
func addCommon(m *model) {
	m.add(fld("id", "integer", "ID", true, func(_ *env, r rec) value { return vInt(r.recID()) }))
	m.add(fld("display_name", "char", "Display Name", false, func(e *env, r rec) value { return vStr(m.display(e, r)) }))
	m.add(fld("write_date", "datetime", "Last Updated on", true, func(_ *env, r rec) value { return vTime(r.recWD()) }))
}

func companyOrShared(e *env, cid int64) bool { return cid == 0 || e.allowed(cid) }

// buildModels defines the models for one version.
func (s *Server) buildModels() map[string]*model {
	v := s.ver
	ms := map[string]*model{}
	add := func(m *model) { m.srv = s; ms[m.name] = m }

	// res.company
	company := &model{name: "res.company", t: s.companies, defaultOrder: "sequence, name",
		hasActive: true, active: func(r rec) bool { return r.(*Company).Active },
		display: func(_ *env, r rec) string { return r.(*Company).Name }}
	company.rule = func(e *env, r rec) bool { return e.userHasCompany(r.recID()) }
	addCommon(company)
	company.add(fld("name", "char", "Company Name", true, on(func(c *Company) value { return vStr(c.Name) })))
	company.add(rel("currency_id", "many2one", "Currency", "res.currency", true, on(func(c *Company) value { return vM2O(c.CurrencyID) })))
	company.add(rel("partner_id", "many2one", "Partner", "res.partner", true, on(func(c *Company) value { return vM2O(c.PartnerID) })))
	company.add(fld("sequence", "integer", "Sequence", true, on(func(c *Company) value { return vInt(int64(c.Sequence)) })))
	company.add(fld("active", "boolean", "Active", true, on(func(c *Company) value { return vBool(c.Active) })))
	company.add(fld("create_date", "datetime", "Created on", true, on(func(c *Company) value { return vTime(c.CreateDate) })))
	add(company)

	// res.currency
	currency := &model{name: "res.currency", t: s.currencies, defaultOrder: "active desc, name",
		hasActive: true, active: func(r rec) bool { return r.(*Currency).Active },
		display: func(_ *env, r rec) string { return r.(*Currency).Name }}
	addCommon(currency)
	currency.add(fld("name", "char", "Currency", true, on(func(c *Currency) value { return vStr(c.Name) })))
	currency.add(fld("symbol", "char", "Symbol", true, on(func(c *Currency) value { return vStr(c.Symbol) })))
	currency.add(fld("rate", "float", "Current Rate", false, on(func(c *Currency) value { return vFloat(c.Rate) })))
	currency.add(fld("decimal_places", "integer", "Decimal Places", false, on(func(c *Currency) value { return vInt(int64(c.DecimalPlaces)) })))
	currency.add(fld("active", "boolean", "Active", true, on(func(c *Currency) value { return vBool(c.Active) })))
	currency.add(fld("create_date", "datetime", "Created on", true, on(func(c *Currency) value { return vTime(c.CreateDate) })))
	add(currency)

	// res.partner
	partner := &model{name: "res.partner", t: s.partners, defaultOrder: "complete_name asc, id desc",
		hasActive: true, active: func(r rec) bool { return r.(*Partner).Active },
		display: func(_ *env, r rec) string { return r.(*Partner).Name },
		rule:    func(e *env, r rec) bool { return companyOrShared(e, r.(*Partner).CompanyID) }}
	addCommon(partner)
	partner.add(fld("name", "char", "Name", true, on(func(p *Partner) value { return vStr(p.Name) })))
	partner.add(fld("complete_name", "char", "Complete Name", true, on(func(p *Partner) value { return vStr(p.Name) })))
	partner.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(p *Partner) value { return vM2O(p.CompanyID) })))
	partner.add(fld("is_company", "boolean", "Is a Company", true, on(func(p *Partner) value { return vBool(p.IsCompany) })))
	partner.add(fld("email", "char", "Email", true, on(func(p *Partner) value { return vStr(p.Email) })))
	partner.add(fld("city", "char", "City", true, on(func(p *Partner) value { return vStr(p.City) })))
	partner.add(fld("vat", "char", "Tax ID", true, on(func(p *Partner) value { return vStr(p.VAT) })))
	partner.add(fld("customer_rank", "integer", "Customer Rank", true, on(func(p *Partner) value { return vInt(int64(p.CustomerRank)) })))
	partner.add(fld("active", "boolean", "Active", true, on(func(p *Partner) value { return vBool(p.Active) })))
	partner.add(fld("create_date", "datetime", "Created on", true, on(func(p *Partner) value { return vTime(p.CreateDate) })))
	add(partner)

	// res.users
	users := &model{name: "res.users", t: s.users, defaultOrder: "name, login",
		hasActive: true, active: func(r rec) bool { return r.(*User).Active },
		display: func(_ *env, r rec) string { return r.(*User).Name }}
	addCommon(users)
	users.add(fld("login", "char", "Login", true, on(func(u *User) value { return vStr(u.Login) })))
	users.add(fld("name", "char", "Name", true, on(func(u *User) value { return vStr(u.Name) })))
	users.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(u *User) value { return vM2O(u.CompanyID) })))
	users.add(rel("company_ids", "many2many", "Companies", "res.company", false, on(func(u *User) value { return vIDs(u.CompanyIDs) })))
	users.add(rel("partner_id", "many2one", "Related Partner", "res.partner", true, on(func(u *User) value { return vM2O(u.PartnerID) })))
	users.add(fld("active", "boolean", "Active", true, on(func(u *User) value { return vBool(u.Active) })))
	users.add(fld("create_date", "datetime", "Created on", true, on(func(u *User) value { return vTime(u.CreateDate) })))
	add(users)

	// ir.config_parameter: Odoo grants access to it to Administration / Settings only.
	params := &model{name: "ir.config_parameter", t: s.params, defaultOrder: "key",
		display: func(_ *env, r rec) string { return r.(*ConfigParam).Key },
		access: func(e *env) error {
			if e.user.Settings {
				return nil
			}
			return errAccess("You are not allowed to access 'System Parameter' (ir.config_parameter) records.\n\n" +
				"This operation is allowed for the following groups:\n\t- Administration/Settings\n\n" +
				"Contact your administrator to request access if necessary.")
		}}
	addCommon(params)
	params.add(fld("key", "char", "Key", true, on(func(p *ConfigParam) value { return vStr(p.Key) })))
	params.add(fld("value", "text", "Value", true, on(func(p *ConfigParam) value { return vStr(p.Value) })))
	add(params)

	// stock.location
	usages := [][2]string{{"supplier", "Vendor Location"}, {"view", "View"}, {"internal", "Internal Location"},
		{"customer", "Customer Location"}, {"inventory", "Inventory Loss"}, {"production", "Production"}, {"transit", "Transit Location"}}
	location := &model{name: "stock.location", t: s.locations, defaultOrder: "complete_name, id",
		hasActive: true, active: func(r rec) bool { return r.(*Location).Active },
		display: func(_ *env, r rec) string { return r.(*Location).CompleteName },
		rule:    func(e *env, r rec) bool { return companyOrShared(e, r.(*Location).CompanyID) }}
	addCommon(location)
	location.add(fld("name", "char", "Location Name", true, on(func(l *Location) value { return vStr(l.Name) })))
	location.add(fld("complete_name", "char", "Full Location Name", true, on(func(l *Location) value { return vStr(l.CompleteName) })))
	location.add(selection("usage", "Location Type", true, usages, on(func(l *Location) value { return vStr(l.Usage) })))
	location.add(rel("location_id", "many2one", "Parent Location", "stock.location", true, on(func(l *Location) value { return vM2O(l.ParentID) })))
	location.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(l *Location) value { return vM2O(l.CompanyID) })))
	location.add(rel("warehouse_id", "many2one", "Warehouse", "stock.warehouse", false, on(func(l *Location) value { return vM2O(l.WarehouseID) })))
	location.add(fld("active", "boolean", "Active", true, on(func(l *Location) value { return vBool(l.Active) })))
	location.add(fld("create_date", "datetime", "Created on", true, on(func(l *Location) value { return vTime(l.CreateDate) })))
	add(location)

	// stock.warehouse
	warehouse := &model{name: "stock.warehouse", t: s.warehouses, defaultOrder: "sequence, id",
		hasActive: true, active: func(r rec) bool { return r.(*Warehouse).Active },
		display: func(_ *env, r rec) string { return r.(*Warehouse).Name },
		rule:    func(e *env, r rec) bool { return e.allowed(r.(*Warehouse).CompanyID) }}
	addCommon(warehouse)
	warehouse.add(fld("name", "char", "Warehouse", true, on(func(w *Warehouse) value { return vStr(w.Name) })))
	warehouse.add(fld("code", "char", "Short Name", true, on(func(w *Warehouse) value { return vStr(w.Code) })))
	warehouse.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(w *Warehouse) value { return vM2O(w.CompanyID) })))
	warehouse.add(rel("lot_stock_id", "many2one", "Location Stock", "stock.location", true, on(func(w *Warehouse) value { return vM2O(w.LotStockID) })))
	warehouse.add(rel("view_location_id", "many2one", "View Location", "stock.location", true, on(func(w *Warehouse) value { return vM2O(w.ViewLocationID) })))
	warehouse.add(fld("sequence", "integer", "Sequence", true, on(func(w *Warehouse) value { return vInt(w.ID) })))
	warehouse.add(fld("active", "boolean", "Active", true, on(func(w *Warehouse) value { return vBool(w.Active) })))
	warehouse.add(fld("create_date", "datetime", "Created on", true, on(func(w *Warehouse) value { return vTime(w.CreateDate) })))
	add(warehouse)

	// product.product
	productDisplay := func(p *Product) string {
		if p.DefaultCode != "" {
			return "[" + p.DefaultCode + "] " + p.Name
		}
		return p.Name
	}
	product := &model{name: "product.product", t: s.products, defaultOrder: "priority desc, default_code, name, id",
		hasActive: true, active: func(r rec) bool { return r.(*Product).Active },
		display: func(_ *env, r rec) string { return productDisplay(r.(*Product)) },
		rule:    func(e *env, r rec) bool { return companyOrShared(e, r.(*Product).CompanyID) }}
	addCommon(product)
	product.add(fld("default_code", "char", "Internal Reference", true, on(func(p *Product) value { return vStr(p.DefaultCode) })))
	product.add(fld("name", "char", "Name", true, on(func(p *Product) value { return vStr(p.Name) })))
	product.add(rel("product_tmpl_id", "many2one", "Product Template", "product.template", true, on(func(p *Product) value { return vM2O(p.ID) })))
	product.add(fld("priority", "selection", "Favorite", true, func(*env, rec) value { return vStr("0") }))
	product.fields["priority"].sel = [][2]string{{"0", "Normal"}, {"1", "Favorite"}}
	if v.storableFlag() {
		product.add(selection("type", "Product Type", true, [][2]string{{"consu", "Goods"}, {"service", "Service"}, {"combo", "Combo"}},
			on(func(p *Product) value { return vStr(p.Type) })))
		product.add(fld("is_storable", "boolean", "Track Inventory", true, on(func(p *Product) value { return vBool(p.IsStorable) })))
	} else {
		legacy := func(p *Product) value {
			if p.IsStorable && p.Type == "consu" {
				return vStr("product")
			}
			return vStr(p.Type)
		}
		sel := [][2]string{{"consu", "Consumable"}, {"service", "Service"}, {"product", "Storable Product"}}
		product.add(selection("type", "Product Type", true, sel, on(legacy)))
		product.add(selection("detailed_type", "Product Type", true, sel, on(legacy)))
	}
	product.add(fld("active", "boolean", "Active", true, on(func(p *Product) value { return vBool(p.Active) })))
	product.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(p *Product) value { return vM2O(p.CompanyID) })))
	product.add(rel("uom_id", "many2one", "Unit of Measure", "uom.uom", true, on(func(p *Product) value { return vM2O(p.UoMID) })))
	product.add(rel("categ_id", "many2one", "Product Category", "product.category", true, on(func(p *Product) value {
		if p.Type == "service" {
			return vM2O(3)
		}
		return vM2O(2)
	})))
	product.add(fld("list_price", "float", "Sales Price", true, on(func(p *Product) value { return vFloat(p.ListPrice) })))
	product.add(fld("standard_price", "float", "Cost", false, on(func(p *Product) value { return vFloat(p.StandardPrice) })))
	product.add(fld("sale_ok", "boolean", "Can be Sold", true, func(*env, rec) value { return vBool(true) }))
	product.add(fld("barcode", "char", "Barcode", true, func(*env, rec) value { return vNull() }))
	product.add(fld("qty_available", "float", "Quantity On Hand", false, func(e *env, r rec) value { return vFloat(e.onHand(r.(*Product))) }))
	product.add(fld("virtual_available", "float", "Forecasted Quantity", false, func(e *env, r rec) value { return vFloat(e.forecasted(r.(*Product))) }))
	product.add(fld("x_demand_pattern", "char", "Demand Pattern (fake data)", true, on(func(p *Product) value { return vStr(p.Pattern) })))
	product.add(fld("create_date", "datetime", "Created on", true, on(func(p *Product) value { return vTime(p.CreateDate) })))
	add(product)

	// stock.quant
	quant := &model{name: "stock.quant", t: s.quants, defaultOrder: "id",
		display: func(e *env, r rec) string {
			return e.displayName("stock.location", r.(*Quant).LocationID) + " - " + e.displayName("product.product", r.(*Quant).ProductID)
		},
		rule: func(e *env, r rec) bool { return e.allowed(r.(*Quant).CompanyID) }}
	addCommon(quant)
	quant.add(rel("product_id", "many2one", "Product", "product.product", true, on(func(q *Quant) value { return vM2O(q.ProductID) })))
	quant.add(rel("location_id", "many2one", "Location", "stock.location", true, on(func(q *Quant) value { return vM2O(q.LocationID) })))
	quant.add(rel("lot_id", "many2one", "Lot/Serial Number", "stock.lot", true, func(*env, rec) value { return vNull() }))
	quant.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(q *Quant) value { return vM2O(q.CompanyID) })))
	quant.add(fld("quantity", "float", "Quantity", true, on(func(q *Quant) value { return vFloat(q.Quantity) })))
	quant.add(fld("reserved_quantity", "float", "Reserved Quantity", true, on(func(q *Quant) value { return vFloat(q.ReservedQuantity) })))
	quant.add(fld("in_date", "datetime", "Incoming Date", true, on(func(q *Quant) value { return vTime(q.InDate) })))
	quant.add(fld("create_date", "datetime", "Created on", true, on(func(q *Quant) value { return vTime(q.CreateDate) })))
	add(quant)

	// sale.order
	states := [][2]string{{"draft", "Quotation"}, {"sent", "Quotation Sent"}, {"sale", "Sales Order"}}
	if v.hasDoneState() {
		states = append(states, [2]string{"done", "Locked"})
	}
	states = append(states, [2]string{"cancel", "Cancelled"})
	order := &model{name: "sale.order", t: s.orders, defaultOrder: "date_order desc, id desc",
		display: func(_ *env, r rec) string { return r.(*Order).Name },
		rule:    func(e *env, r rec) bool { return e.allowed(r.(*Order).CompanyID) }}
	addCommon(order)
	order.add(fld("name", "char", "Order Reference", true, on(func(o *Order) value { return vStr(o.Name) })))
	order.add(selection("state", "Status", true, states, on(func(o *Order) value { return vStr(o.State) })))
	if v.hasLocked() {
		order.add(fld("locked", "boolean", "Locked", true, on(func(o *Order) value { return vBool(o.Locked) })))
	}
	order.add(fld("date_order", "datetime", "Order Date", true, on(func(o *Order) value { return vTime(o.DateOrder) })))
	order.add(fld("create_date", "datetime", "Creation Date", true, on(func(o *Order) value { return vTime(o.CreateDate) })))
	order.add(rel("partner_id", "many2one", "Customer", "res.partner", true, on(func(o *Order) value { return vM2O(o.PartnerID) })))
	order.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(o *Order) value { return vM2O(o.CompanyID) })))
	order.add(rel("currency_id", "many2one", "Currency", "res.currency", true, on(func(o *Order) value { return vM2O(o.CurrencyID) })))
	order.add(rel("user_id", "many2one", "Salesperson", "res.users", true, on(func(o *Order) value { return vM2O(o.UserID) })))
	order.add(rel("warehouse_id", "many2one", "Warehouse", "stock.warehouse", true, on(func(o *Order) value { return vM2O(o.WarehouseID) })))
	order.add(fld("client_order_ref", "char", "Customer Reference", true, on(func(o *Order) value { return vStr(o.ClientOrderRef) })))
	order.add(fld("commitment_date", "datetime", "Delivery Date", true, on(func(o *Order) value { return vTime(o.CommitmentDate) })))
	order.add(fld("amount_untaxed", "monetary", "Untaxed Amount", true, on(func(o *Order) value { return vFloat(o.AmountUntaxed) })))
	order.add(fld("amount_tax", "monetary", "Taxes", true, on(func(o *Order) value { return vFloat(o.AmountTax) })))
	order.add(fld("amount_total", "monetary", "Total", true, on(func(o *Order) value { return vFloat(o.AmountTotal) })))
	order.add(rel("order_line", "one2many", "Order Lines", "sale.order.line", false, on(func(o *Order) value { return vIDs(o.LineIDs) })))
	add(order)

	// sale.order.line
	displayTypes := [][2]string{{"line_section", "Section"}}
	if v.hasSubsection() {
		displayTypes = append(displayTypes, [2]string{"line_subsection", "Subsection"})
	}
	displayTypes = append(displayTypes, [2]string{"line_note", "Note"})
	line := &model{name: "sale.order.line", t: s.lines, defaultOrder: "order_id, sequence, id",
		display: func(e *env, r rec) string {
			l := r.(*Line)
			name, _, _ := strings.Cut(l.Name, "\n")
			return e.displayName("sale.order", l.OrderID) + " - " + name
		},
		rule: func(e *env, r rec) bool { return e.allowed(r.(*Line).CompanyID) }}
	addCommon(line)
	lineOrder := func(e *env, l *Line) *Order {
		if r := s.orders.get(l.OrderID); r != nil {
			return r.(*Order)
		}
		return nil
	}
	line.inverse = map[string]func(int64) []int64{"order_id": func(id int64) []int64 {
		if r := s.orders.get(id); r != nil {
			return r.(*Order).LineIDs
		}
		return nil
	}}
	line.add(rel("order_id", "many2one", "Order Reference", "sale.order", true, on(func(l *Line) value { return vM2O(l.OrderID) })))
	line.add(fld("sequence", "integer", "Sequence", true, on(func(l *Line) value { return vInt(int64(l.Sequence)) })))
	line.add(rel("product_id", "many2one", "Product", "product.product", true, on(func(l *Line) value { return vM2O(l.ProductID) })))
	line.add(fld("name", "text", "Description", true, on(func(l *Line) value { return vStr(l.Name) })))
	line.add(selection("display_type", "Display Type", true, displayTypes, on(func(l *Line) value { return vStr(l.DisplayType) })))
	line.add(fld("product_uom_qty", "float", "Quantity", true, on(func(l *Line) value { return vFloat(l.ProductUomQty) })))
	uomName := "product_uom"
	taxName := "tax_id"
	if v.renamedUoMTax() {
		uomName, taxName = "product_uom_id", "tax_ids"
	}
	line.add(rel(uomName, "many2one", "Unit of Measure", "uom.uom", true, on(func(l *Line) value { return vM2O(l.UoMID) })))
	line.add(rel(taxName, "many2many", "Taxes", "account.tax", false, on(func(l *Line) value {
		if l.TaxID == 0 {
			return vIDs([]int64{})
		}
		return vIDs([]int64{l.TaxID})
	})))
	line.add(fld("qty_delivered", "float", "Delivery Quantity", true, on(func(l *Line) value { return vFloat(l.QtyDelivered) })))
	line.add(fld("qty_invoiced", "float", "Invoiced Quantity", true, on(func(l *Line) value { return vFloat(l.QtyInvoiced) })))
	line.add(fld("price_unit", "float", "Unit Price", true, on(func(l *Line) value { return vFloat(l.PriceUnit) })))
	line.add(fld("discount", "float", "Discount (%)", true, on(func(l *Line) value { return vFloat(l.Discount) })))
	line.add(fld("price_subtotal", "monetary", "Subtotal", true, on(func(l *Line) value { return vFloat(l.PriceSubtotal) })))
	line.add(fld("price_tax", "float", "Total Tax", true, on(func(l *Line) value { return vFloat(l.PriceTax) })))
	line.add(fld("price_total", "monetary", "Total", true, on(func(l *Line) value { return vFloat(l.PriceTotal) })))
	line.add(selection("state", "Order Status", true, states, func(e *env, r rec) value {
		if o := lineOrder(e, r.(*Line)); o != nil {
			return vStr(o.State)
		}
		return vNull()
	}))
	line.add(rel("order_partner_id", "many2one", "Customer", "res.partner", true, func(e *env, r rec) value {
		if o := lineOrder(e, r.(*Line)); o != nil {
			return vM2O(o.PartnerID)
		}
		return vNull()
	}))
	line.add(rel("company_id", "many2one", "Company", "res.company", true, on(func(l *Line) value { return vM2O(l.CompanyID) })))
	line.add(rel("currency_id", "many2one", "Currency", "res.currency", true, on(func(l *Line) value { return vM2O(l.CurrencyID) })))
	line.add(fld("create_date", "datetime", "Created on", true, on(func(l *Line) value { return vTime(l.CreateDate) })))
	add(line)

	s.buildSupplyModels(ms, add)
	return ms
}
