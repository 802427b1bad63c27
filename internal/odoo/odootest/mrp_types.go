package odootest

import (
	"slices"
	"time"
)

// Manufacturing, purchasing and replenishment records (modules mrp, purchase and stock), as the fake stores them.
// Field names follow Odoo's; 0 / "" / zero time mean Odoo's false.

// Apps the fake can have installed (Options.Modules).
const (
	ModuleSale     = "sale"
	ModuleStock    = "stock"
	ModuleMRP      = "mrp"
	ModulePurchase = "purchase"
)

// DefaultModules are the apps installed when Options.Modules is nil: a sales database with inventory.
var DefaultModules = []string{ModuleSale, ModuleStock}

// AllModules installs every app the fake knows.
var AllModules = []string{ModuleSale, ModuleStock, ModuleMRP, ModulePurchase}

// Module is an ir.module.module record.
type Module struct {
	ID         int64
	Name       string // technical name: sale, stock, mrp, purchase...
	ShortDesc  string
	State      string // installed, uninstalled, to upgrade, to install, to remove, uninstallable
	CreateDate time.Time
	WriteDate  time.Time
}

// Route is a stock.route record.
type Route struct {
	ID         int64
	Name       string
	Sequence   int
	Active     bool
	RuleIDs    []int64
	CreateDate time.Time
	WriteDate  time.Time
}

// Rule is a stock.rule record: what a route does (action buy, manufacture, pull, push, pull_push).
type Rule struct {
	ID         int64
	Name       string
	Action     string
	RouteID    int64
	CompanyID  int64
	Active     bool
	CreateDate time.Time
	WriteDate  time.Time
}

// UoM is a uom.uom record of Odoo 19, where an orderpoint's multiple is a unit ("Pack of 6").
type UoM struct {
	ID             int64
	Name           string
	RelativeFactor float64 // how many reference units it holds
	RelativeUoMID  int64   // the reference unit (0 for a reference)
	Active         bool
	CreateDate     time.Time
	WriteDate      time.Time
}

// BoM is an mrp.bom record.
type BoM struct {
	ID            int64
	ProductTmplID int64 // the template (the fake's templates share their only variant's id)
	ProductID     int64 // 0: every variant of the template
	Code          string
	Type          string // normal (manufacture) or phantom (kit)
	ProductQty    float64
	UoMID         int64
	Sequence      int
	Active        bool
	ProduceDelay  int // days; a field of mrp.bom from 17 (on the product template in 16)
	CompanyID     int64
	LineIDs       []int64
	CreateDate    time.Time
	WriteDate     time.Time
}

// BoMLine is an mrp.bom.line record.
type BoMLine struct {
	ID         int64
	BoMID      int64
	ProductID  int64
	ProductQty float64
	UoMID      int64
	Sequence   int
	CompanyID  int64 // related bom_id.company_id, stored
	CreateDate time.Time
	WriteDate  time.Time
}

// Production is an mrp.production record (a manufacturing order).
type Production struct {
	ID          int64
	Name        string // WH/MO/00001
	ProductID   int64
	BoMID       int64
	ProductQty  float64 // quantity to produce
	QtyProduced float64 // produced so far (computed from the finished moves in Odoo)
	UoMID       int64
	State       string    // draft, confirmed, progress, to_close, done, cancel
	PlannedFrom time.Time // planned start: date_planned_start in 16, date_start from 17
	PlannedTo   time.Time // planned finish: date_planned_finished in 16, date_finished from 17
	// Started and Finished are when production really started and ended: date_start and date_finished in 16
	// (from 17 those fields hold the planned dates and the real ones are not kept apart).
	Started, Finished time.Time
	DateDeadline      time.Time
	Origin            string
	CompanyID         int64
	CreateDate        time.Time
	WriteDate         time.Time
}

// PurchaseOrder is a purchase.order record.
type PurchaseOrder struct {
	ID          int64
	Name        string // P00001
	State       string // draft, sent, to approve, purchase, cancel (+ done up to 18)
	Locked      bool   // 19
	PartnerID   int64
	CompanyID   int64
	CurrencyID  int64
	DateOrder   time.Time
	DatePlanned time.Time // the earliest planned date of its lines
	LineIDs     []int64
	CreateDate  time.Time
	WriteDate   time.Time
}

// PurchaseLine is a purchase.order.line record.
type PurchaseLine struct {
	ID          int64
	OrderID     int64
	Sequence    int
	ProductID   int64  // 0 for section and note lines
	Name        string // description
	DisplayType string // "", line_section, line_note
	ProductQty  float64
	QtyReceived float64
	PriceUnit   float64
	UoMID       int64
	DatePlanned time.Time // expected arrival
	CompanyID   int64
	CreateDate  time.Time
	WriteDate   time.Time
}

// Orderpoint is a stock.warehouse.orderpoint record (a reordering rule).
type Orderpoint struct {
	ID          int64
	Name        string // OP/00001
	ProductID   int64
	WarehouseID int64
	LocationID  int64
	MinQty      float64
	MaxQty      float64
	// Multiple is qty_multiple up to 18; from 19 the multiple is a unit, ReplenishmentUoMID (0: none), whose
	// relative factor the fake derives from Multiple.
	Multiple   float64
	Trigger    string // auto, manual
	Active     bool
	CompanyID  int64
	CreateDate time.Time
	WriteDate  time.Time
}

// SupplierInfo is a product.supplierinfo record (a vendor's price and lead time for a product).
type SupplierInfo struct {
	ID            int64
	PartnerID     int64
	ProductTmplID int64
	ProductID     int64 // 0: every variant of the template
	Delay         int   // days
	MinQty        float64
	Price         float64
	Sequence      int
	CompanyID     int64
	CurrencyID    int64
	CreateDate    time.Time
	WriteDate     time.Time
}

func (r *Module) recID() int64        { return r.ID }
func (r *Route) recID() int64         { return r.ID }
func (r *Rule) recID() int64          { return r.ID }
func (r *UoM) recID() int64           { return r.ID }
func (r *BoM) recID() int64           { return r.ID }
func (r *BoMLine) recID() int64       { return r.ID }
func (r *Production) recID() int64    { return r.ID }
func (r *PurchaseOrder) recID() int64 { return r.ID }
func (r *PurchaseLine) recID() int64  { return r.ID }
func (r *Orderpoint) recID() int64    { return r.ID }
func (r *SupplierInfo) recID() int64  { return r.ID }

func (r *Module) recWD() time.Time        { return r.WriteDate }
func (r *Route) recWD() time.Time         { return r.WriteDate }
func (r *Rule) recWD() time.Time          { return r.WriteDate }
func (r *UoM) recWD() time.Time           { return r.WriteDate }
func (r *BoM) recWD() time.Time           { return r.WriteDate }
func (r *BoMLine) recWD() time.Time       { return r.WriteDate }
func (r *Production) recWD() time.Time    { return r.WriteDate }
func (r *PurchaseOrder) recWD() time.Time { return r.WriteDate }
func (r *PurchaseLine) recWD() time.Time  { return r.WriteDate }
func (r *Orderpoint) recWD() time.Time    { return r.WriteDate }
func (r *SupplierInfo) recWD() time.Time  { return r.WriteDate }

func (r *Module) setWD(t time.Time)        { r.WriteDate = t }
func (r *Route) setWD(t time.Time)         { r.WriteDate = t }
func (r *Rule) setWD(t time.Time)          { r.WriteDate = t }
func (r *UoM) setWD(t time.Time)           { r.WriteDate = t }
func (r *BoM) setWD(t time.Time)           { r.WriteDate = t }
func (r *BoMLine) setWD(t time.Time)       { r.WriteDate = t }
func (r *Production) setWD(t time.Time)    { r.WriteDate = t }
func (r *PurchaseOrder) setWD(t time.Time) { r.WriteDate = t }
func (r *PurchaseLine) setWD(t time.Time)  { r.WriteDate = t }
func (r *Orderpoint) setWD(t time.Time)    { r.WriteDate = t }
func (r *SupplierInfo) setWD(t time.Time)  { r.WriteDate = t }

// supplyTables holds the tables of the manufacturing, purchasing and replenishment models.
type supplyTables struct {
	modules, routes, rules, uoms, boms, bomLines, productions, purchases, purchaseLines, orderpoints, sellers *table
}

func newSupplyTables() *supplyTables {
	t := &supplyTables{}
	for _, p := range []**table{&t.modules, &t.routes, &t.rules, &t.uoms, &t.boms, &t.bomLines, &t.productions,
		&t.purchases, &t.purchaseLines, &t.orderpoints, &t.sellers} {
		*p = &table{}
	}
	return t
}

// all lists the tables, for the newest-stamp scan after generation.
func (t *supplyTables) all() []*table {
	return []*table{t.modules, t.routes, t.rules, t.uoms, t.boms, t.bomLines, t.productions, t.purchases, t.purchaseLines,
		t.orderpoints, t.sellers}
}

// installed reports whether an app is installed in this fake.
func (s *Server) installed(module string) bool {
	mods := s.opts.Modules
	if mods == nil {
		mods = DefaultModules
	}
	return slices.Contains(mods, module)
}
