package odootest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Routes of the fake (stock.route ids).
const (
	RouteMTO         int64 = 1 // Replenish on Order (MTO), archived as in a new database
	RouteBuy         int64 = 2 // purchase
	RouteManufacture int64 = 3 // mrp
)

var vendorNames = []string{"Aceros del Norte S.A.", "Plásticos Levante S.L.", "Tornillería Industrial S.L.", "Química Ebro S.A.",
	"Embalajes Castilla S.L.", "Electro Componentes S.L.", "Maderas del Pirineo S.L.", "Pinturas Mediterráneo S.A."}

// seedSupply adds what a database with these apps has before any data: its modules, the routes and rules the
// apps create, and (19) the units orderpoints use as multiples.
func (s *Server) seedSupply() {
	t0 := s.now.AddDate(-5, 0, 0).Add(2345678 * time.Microsecond)
	t := s.sup
	for _, m := range []struct{ name, desc string }{
		{"base", "Base"}, {"product", "Products & Pricelists"}, {"uom", "Units of measure"}, {"account", "Invoicing"},
		{ModuleSale, "Sales"}, {ModuleStock, "Inventory"}, {ModuleMRP, "Manufacturing"}, {ModulePurchase, "Purchase"},
		{"sale_stock", "Sales and Warehouse Management"}, {"purchase_stock", "Purchase Stock"}, {"crm", "CRM"}, {"website", "Website"},
	} {
		state := "uninstalled"
		switch m.name {
		case "base", "product", "uom", "account":
			state = "installed"
		case ModuleSale, ModuleStock, ModuleMRP, ModulePurchase:
			if s.installed(m.name) {
				state = "installed"
			}
		case "sale_stock":
			if s.installed(ModuleSale) && s.installed(ModuleStock) {
				state = "installed"
			}
		case "purchase_stock":
			if s.installed(ModulePurchase) && s.installed(ModuleStock) {
				state = "installed"
			}
		}
		t.modules.add(&Module{ID: t.modules.newID(), Name: m.name, ShortDesc: m.desc, State: state, CreateDate: t0, WriteDate: t0})
	}
	if s.installed(ModuleStock) {
		route := func(id int64, name string, seq int, active bool, action string) {
			r := &Route{ID: id, Name: name, Sequence: seq, Active: active, CreateDate: t0, WriteDate: t0}
			for company, wh := range []string{"WH", "USW"} {
				rule := &Rule{ID: t.rules.newID(), Name: wh + ": " + name, Action: action, RouteID: id, CompanyID: int64(company + 1),
					Active: active, CreateDate: t0, WriteDate: t0}
				t.rules.add(rule)
				r.RuleIDs = append(r.RuleIDs, rule.ID)
			}
			t.routes.add(r)
		}
		route(RouteMTO, "Replenish on Order (MTO)", 5, false, "pull")
		if s.installed(ModulePurchase) {
			route(RouteBuy, "Buy", 5, true, "buy")
		}
		if s.installed(ModuleMRP) {
			route(RouteManufacture, "Manufacture", 5, true, "manufacture")
		}
	}
	if s.ver.replenishmentUoM() {
		for _, u := range []UoM{{ID: 1, Name: "Units", RelativeFactor: 1}, {ID: 3, Name: "kg", RelativeFactor: 1},
			{ID: 4, Name: "Hours", RelativeFactor: 1}, {ID: 10, Name: "Pack of 6", RelativeFactor: 6, RelativeUoMID: 1},
			{ID: 11, Name: "Dozens", RelativeFactor: 12, RelativeUoMID: 1}, {ID: 12, Name: "Pack of 24", RelativeFactor: 24, RelativeUoMID: 1}} {
			u.Active, u.CreateDate, u.WriteDate = true, t0, t0
			t.uoms.add(&u)
		}
	}
}

func init() {
	for m, id := range packUoMs {
		staticNames["uom.uom"][id] = fmt.Sprintf("Pack of %g", m)
	}
	staticNames["uom.uom"][11] = "Dozens"
}

// generateSupply adds manufacturing, purchasing and replenishment data on top of the generated sales, for the
// apps installed: a share of the products is manufactured (finished goods from sub-assemblies and raw
// materials: two-level BoMs, with a few kits among the components), the others are bought from vendors with
// lead times and minimum quantities; orderpoints; manufacturing orders and purchase orders open, late, done
// and cancelled. It draws from its own random stream: the sales data is the same with or without it.
func (s *Server) generateSupply(g GenerateOptions) {
	stock, mrp, purchase := s.installed(ModuleStock), s.installed(ModuleMRP), s.installed(ModulePurchase)
	if !stock && !purchase {
		return
	}
	r := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x3a9e))
	now := s.now
	t := s.sup
	stamp := func(before time.Duration) time.Time { // a write_date up to `before` in the past
		return now.Add(-time.Duration(1+r.Int64N(int64(before/time.Second))) * time.Second).Truncate(time.Second).Add(micro(r))
	}

	var eligible []*Product
	for _, pr := range s.products.rows {
		p := pr.(*Product)
		if p.Active && p.IsStorable && p.Type == "consu" && p.CompanyID != 2 {
			eligible = append(eligible, p)
		}
	}
	r.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })
	var finished, subs, kits, raw []*Product
	n := len(eligible)
	if mrp && n >= 6 {
		nf, ns, nk := max(1, n/5), max(1, n/10), max(1, n*3/100)
		finished, subs, kits, raw = eligible[:nf], eligible[nf:nf+ns], eligible[nf+ns:nf+ns+nk], eligible[nf+ns+nk:]
	} else {
		raw = eligible
	}
	setRoutes := func(p *Product, routes ...int64) {
		p.RouteIDs = routes
		if wd := stamp(200 * 24 * time.Hour); wd.After(p.WriteDate) {
			p.WriteDate = wd
		}
	}
	for _, p := range finished {
		setRoutes(p, RouteManufacture)
	}
	for _, p := range subs {
		setRoutes(p, RouteManufacture)
	}
	if purchase {
		for _, p := range raw {
			setRoutes(p, RouteBuy)
		}
	}

	// Bills of materials: finished goods from sub-assemblies, raw materials and kits; sub-assemblies and kits
	// from raw materials. Levels never loop.
	bomOf := map[int64]*BoM{}
	if mrp && len(raw) > 0 {
		addBoM := func(p *Product, typ string, parts []*Product, delay int) *BoM {
			b := &BoM{ID: t.boms.newID(), ProductTmplID: p.ID, Type: typ, ProductQty: 1, UoMID: p.UoMID, Sequence: 10,
				Active: true, CompanyID: 0}
			if r.Float64() < 0.2 {
				b.ProductQty = 10 // a batch recipe: line quantities are per 10 units
			}
			if r.Float64() < 0.3 {
				b.Code = fmt.Sprintf("BOM-%04d", b.ID)
			}
			if r.Float64() < 0.2 {
				b.CompanyID = 1
			}
			if s.ver.produceDelayOnBoM() {
				b.ProduceDelay = delay
			} else if typ == "normal" {
				p.ProduceDelay = float64(delay)
			}
			b.CreateDate = stamp(400 * 24 * time.Hour)
			b.WriteDate = b.CreateDate.Add(time.Duration(r.IntN(3600)) * time.Second)
			if b.WriteDate.After(now) {
				b.WriteDate = now.Add(-time.Minute)
			}
			seen := map[int64]bool{}
			for i, c := range parts {
				if seen[c.ID] {
					continue
				}
				seen[c.ID] = true
				qty := math.Round((0.5+r.ExpFloat64()*2)*2) / 2 * b.ProductQty
				l := &BoMLine{ID: t.bomLines.newID(), BoMID: b.ID, ProductID: c.ID, ProductQty: qty, UoMID: c.UoMID,
					Sequence: 10 * (i + 1), CompanyID: b.CompanyID, CreateDate: b.CreateDate, WriteDate: b.WriteDate}
				t.bomLines.add(l)
				b.LineIDs = append(b.LineIDs, l.ID)
			}
			t.boms.add(b)
			return b
		}
		pick := func(from []*Product, k int) []*Product {
			out := make([]*Product, 0, k)
			for range k {
				if len(from) > 0 {
					out = append(out, from[r.IntN(len(from))])
				}
			}
			return out
		}
		for _, p := range subs {
			bomOf[p.ID] = addBoM(p, "normal", pick(raw, 1+r.IntN(3)), 1+r.IntN(5))
		}
		for _, p := range kits {
			bomOf[p.ID] = addBoM(p, "phantom", pick(raw, 2+r.IntN(2)), 0)
		}
		for i, p := range finished {
			parts := append(pick(subs, 1+r.IntN(2)), pick(raw, 1+r.IntN(2))...)
			if r.Float64() < 0.25 {
				parts = append(parts, pick(kits, 1)...)
			}
			if i%7 == 3 { // an archived former recipe stays next to the current one
				old := addBoM(p, "normal", pick(raw, 2), 1+r.IntN(10))
				old.Active = false
				old.Code = fmt.Sprintf("OLD-%04d", old.ID)
			}
			bomOf[p.ID] = addBoM(p, "normal", parts, 2+r.IntN(9))
		}
	}

	// Vendors and what they sell: a lead time and a least quantity.
	if purchase && len(raw) > 0 {
		var vendors []int64
		for _, name := range vendorNames {
			p := &Partner{ID: s.partners.newID(), Name: name, IsCompany: true, City: cities[r.IntN(len(cities))], Active: true,
				VAT: fmt.Sprintf("ESA%08d", r.IntN(1e8))}
			p.CreateDate = stamp(900 * 24 * time.Hour)
			p.WriteDate = p.CreateDate
			s.partners.add(p)
			vendors = append(vendors, p.ID)
		}
		minQtys := []float64{0, 0, 0, 10, 25, 50, 100}
		for _, p := range raw {
			k := 1 + r.IntN(2)
			for i := range k {
				x := &SupplierInfo{ID: t.sellers.newID(), PartnerID: vendors[r.IntN(len(vendors))], ProductTmplID: p.ID,
					Delay: 2 + r.IntN(40), MinQty: minQtys[r.IntN(len(minQtys))], Price: round2(p.StandardPrice * (0.8 + 0.2*r.Float64())),
					Sequence: i + 1, CurrencyID: 1}
				if r.Float64() < 0.1 {
					x.ProductID = p.ID // a price for the variant only
				}
				x.CreateDate = stamp(500 * 24 * time.Hour)
				x.WriteDate = x.CreateDate
				t.sellers.add(x)
			}
		}
	}

	// Orderpoints on a third of the storable products.
	if stock {
		multiples := []float64{1, 1, 1, 6, 12, 24}
		for _, p := range eligible {
			if r.Float64() >= 0.35 {
				continue
			}
			o := &Orderpoint{ID: t.orderpoints.newID(), ProductID: p.ID, WarehouseID: 1, LocationID: 8, CompanyID: 1,
				MinQty: float64(5 + r.IntN(40)), Multiple: multiples[r.IntN(len(multiples))], Trigger: "auto", Active: true}
			o.Name = fmt.Sprintf("OP/%05d", o.ID)
			o.MaxQty = o.MinQty * float64(2+r.IntN(3))
			if r.Float64() < 0.1 {
				o.MaxQty = 0 // Odoo then orders up to the minimum
			}
			if r.Float64() < 0.2 {
				o.Trigger = "manual"
			}
			o.CreateDate = stamp(300 * 24 * time.Hour)
			o.WriteDate = o.CreateDate
			t.orderpoints.add(o)
		}
	}

	// Manufacturing orders: done and cancelled ones of the last months (and older), open ones (some late).
	if mrp {
		for _, p := range append(append([]*Product{}, finished...), subs...) {
			b := bomOf[p.ID]
			if b == nil {
				continue
			}
			delay := b.ProduceDelay
			if !s.ver.produceDelayOnBoM() {
				delay = int(p.ProduceDelay)
			}
			for range r.IntN(4) {
				mo := &Production{ID: t.productions.newID(), ProductID: p.ID, BoMID: b.ID, UoMID: p.UoMID, CompanyID: 1,
					ProductQty: float64(10 * (1 + r.IntN(20)))}
				mo.Name = fmt.Sprintf("WH/MO/%05d", mo.ID)
				x := r.Float64()
				var startIn time.Duration // planned start relative to now
				switch {
				case x < 0.25:
					mo.State = "done"
					startIn = -time.Duration(10+r.IntN(500)) * 24 * time.Hour
				case x < 0.32:
					mo.State = "cancel"
					startIn = -time.Duration(5+r.IntN(300)) * 24 * time.Hour
				case x < 0.45:
					mo.State = "draft"
					startIn = time.Duration(r.IntN(60)) * 24 * time.Hour
				case x < 0.6:
					mo.State = "progress"
					mo.QtyProduced = math.Floor(mo.ProductQty * r.Float64() / 2)
					startIn = -time.Duration(1+r.IntN(10)) * 24 * time.Hour
				case x < 0.65:
					mo.State = "to_close"
					mo.QtyProduced = mo.ProductQty
					startIn = -time.Duration(1+r.IntN(5)) * 24 * time.Hour
				case x < 0.75:
					mo.State = "confirmed" // late: it should have finished already
					startIn = -time.Duration(delay+1+r.IntN(20)) * 24 * time.Hour
				default:
					mo.State = "confirmed"
					startIn = time.Duration(r.IntN(90)) * 24 * time.Hour
				}
				mo.PlannedFrom = now.Add(startIn).Truncate(time.Hour)
				mo.PlannedTo = mo.PlannedFrom.Add(time.Duration(max(delay, 1)) * 24 * time.Hour)
				if mo.State == "progress" || mo.State == "to_close" || mo.State == "done" {
					mo.Started = mo.PlannedFrom.Add(time.Duration(r.IntN(8)) * time.Hour)
				}
				if mo.State == "done" {
					mo.QtyProduced = mo.ProductQty
					mo.Finished = mo.PlannedTo.Add(time.Duration(r.IntN(48)) * time.Hour)
				}
				mo.CreateDate = mo.PlannedFrom.Add(-time.Duration(1+r.IntN(10)) * 24 * time.Hour).Add(micro(r))
				mo.WriteDate = mo.CreateDate
				if !mo.Finished.IsZero() {
					mo.WriteDate = mo.Finished.Add(micro(r))
				} else if !mo.Started.IsZero() {
					mo.WriteDate = mo.Started.Add(micro(r))
				}
				if !mo.WriteDate.Before(now) {
					mo.WriteDate = stamp(time.Hour)
				}
				if mo.CreateDate.After(mo.WriteDate) {
					mo.CreateDate = mo.WriteDate
				}
				t.productions.add(mo)
			}
		}
	}

	// Purchase orders of the raw materials: received, partly received (some late), requests for quotation, cancelled.
	if purchase && len(raw) > 0 {
		sellersOf := map[int64][]*SupplierInfo{}
		for _, sr := range t.sellers.rows {
			x := sr.(*SupplierInfo)
			sellersOf[x.ProductTmplID] = append(sellersOf[x.ProductTmplID], x)
		}
		orders := max(3, len(raw)/2)
		for range orders {
			first := raw[r.IntN(len(raw))]
			vendor := sellersOf[first.ID][0]
			po := &PurchaseOrder{ID: t.purchases.newID(), PartnerID: vendor.PartnerID, CompanyID: 1, CurrencyID: 1}
			po.Name = fmt.Sprintf("P%05d", po.ID)
			x := r.Float64()
			var age time.Duration
			switch {
			case x < 0.35:
				po.State = "purchase" // received in full
				age = time.Duration(30+r.IntN(400)) * 24 * time.Hour
			case x < 0.7:
				po.State = "purchase" // open: arriving, partly arrived or late
				age = time.Duration(1+r.IntN(40)) * 24 * time.Hour
			case x < 0.85:
				po.State = []string{"draft", "sent", "to approve"}[r.IntN(3)]
				age = time.Duration(r.IntN(20)) * 24 * time.Hour
			default:
				po.State = "cancel"
				age = time.Duration(5+r.IntN(200)) * 24 * time.Hour
			}
			received := x < 0.35
			po.DateOrder = now.Add(-age).Truncate(time.Second)
			po.CreateDate = po.DateOrder.Add(micro(r))
			po.WriteDate = po.CreateDate
			lines := 1 + r.IntN(4)
			for i := range lines {
				p := first
				if i > 0 {
					p = raw[r.IntN(len(raw))]
				}
				delay := vendor.Delay
				l := &PurchaseLine{ID: t.purchaseLines.newID(), OrderID: po.ID, Sequence: 10 * (i + 1), ProductID: p.ID,
					Name: productLabel(p), ProductQty: float64(5 * (1 + r.IntN(40))), PriceUnit: round2(p.StandardPrice * 0.9),
					UoMID: p.UoMID, CompanyID: 1, CreateDate: po.CreateDate, WriteDate: po.WriteDate}
				l.DatePlanned = po.DateOrder.Add(time.Duration(delay) * 24 * time.Hour)
				if r.Float64() < 0.3 {
					l.DatePlanned = l.DatePlanned.Add(time.Duration(r.IntN(30)) * 24 * time.Hour)
				}
				switch {
				case received:
					l.QtyReceived = l.ProductQty
				case po.State == "purchase" && r.Float64() < 0.4:
					l.QtyReceived = math.Floor(l.ProductQty * r.Float64())
				}
				if l.QtyReceived > 0 && !received {
					l.WriteDate = stamp(age) // the receipt stamped the line, not the order
					if l.WriteDate.Before(po.WriteDate) {
						l.WriteDate = po.WriteDate
					}
				}
				t.purchaseLines.add(l)
				po.LineIDs = append(po.LineIDs, l.ID)
				if po.DatePlanned.IsZero() || l.DatePlanned.Before(po.DatePlanned) {
					po.DatePlanned = l.DatePlanned
				}
			}
			if received {
				if s.ver.purchaseDone() {
					po.State = "done"
				} else {
					po.Locked = true
				}
				wd := po.DatePlanned.Add(micro(r))
				if wd.Before(now) && wd.After(po.WriteDate) {
					po.WriteDate = wd
					for _, id := range po.LineIDs {
						if l := t.purchaseLines.get(id).(*PurchaseLine); l.WriteDate.Before(wd) {
							l.WriteDate = wd
						}
					}
				}
			}
			t.purchases.add(po)
		}
	}
	for _, tb := range append(t.all(), s.products, s.partners) {
		for _, rr := range tb.rows {
			if rr.recWD().After(s.lastStamp) && !rr.recWD().After(now) {
				s.lastStamp = rr.recWD()
			}
		}
	}
}
