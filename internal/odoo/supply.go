package odoo

import (
	"context"
	"slices"
	"time"
)

// Manufacturing, purchasing and replenishment records, normalized the same on every version. Which field holds
// a value is asked with fields_get (first name that exists wins):
//
//	normalized                    16                          17-18                 19
//	Production.PlannedStart       date_planned_start          date_start            date_start
//	Production.PlannedFinish      date_planned_finished       date_finished         date_finished
//	BoM.ProduceDelay              (product.template)          mrp.bom.produce_delay same as 17
//	ProductRoute.ProduceDelay     produce_delay (template)    -                     -
//	PurchaseLine.State            state (stored)              state (stored)        state (related, not stored)
//	Orderpoint.Multiple           qty_multiple                qty_multiple          replenishment_uom_id's factor
//
// In 16 date_start and date_finished exist too: they are when production really started and ended, not the plan.

// Production is a normalized mrp.production (a manufacturing order).
type Production struct {
	ID            int64
	Name          string
	ProductID     int64
	State         string // draft, confirmed, progress, to_close, done, cancel
	Qty           float64
	QtyProduced   float64
	PlannedStart  time.Time
	PlannedFinish time.Time
	Deadline      time.Time
	BoMID         int64
	CompanyID     int64
	WriteDate     time.Time
}

// BoM is a normalized mrp.bom.
type BoM struct {
	ID         int64
	TemplateID int64
	ProductID  int64  // 0: every variant of the template
	Code       string // reference
	Type       string // normal, phantom (a kit)
	Qty        float64
	Active     bool
	Sequence   int
	// ProduceDelay is the manufacturing lead time in days (17+); HasProduceDelay is false where the version keeps
	// it on the product template (16).
	ProduceDelay    float64
	HasProduceDelay bool
	CompanyID       int64
	WriteDate       time.Time
}

// BoMLine is a normalized mrp.bom.line.
type BoMLine struct {
	ID        int64
	BoMID     int64
	ProductID int64
	Qty       float64
	WriteDate time.Time
}

// PurchaseLine is a normalized purchase.order.line with its order's state.
type PurchaseLine struct {
	ID          int64
	OrderID     int64
	OrderName   string
	State       string // the order's: draft, sent, to approve, purchase, done (up to 18), cancel
	DisplayType string // "" for product lines
	ProductID   int64
	Qty         float64
	QtyReceived float64
	DatePlanned time.Time
	CompanyID   int64
	WriteDate   time.Time
}

// Orderpoint is a normalized stock.warehouse.orderpoint (a reordering rule).
type Orderpoint struct {
	ID          int64
	ProductID   int64
	WarehouseID int64
	LocationID  int64
	Min, Max    float64
	Multiple    float64 // 0: none
	Trigger     string  // auto, manual
	Active      bool
	CompanyID   int64
	WriteDate   time.Time
}

// SupplierInfo is a normalized product.supplierinfo (a vendor's terms for a product).
type SupplierInfo struct {
	ID          int64
	PartnerID   int64
	PartnerName string
	TemplateID  int64
	ProductID   int64 // 0: every variant of the template
	Delay       int   // days
	MinQty      float64
	Price       float64
	Sequence    int
	CompanyID   int64
	WriteDate   time.Time
}

// ProductRoute is how a product (a variant) is replenished, as its template says: its routes and (16) its
// manufacturing lead time.
type ProductRoute struct {
	ProductID       int64
	TemplateID      int64
	RouteIDs        []int64
	ProduceDelay    float64
	HasProduceDelay bool
}

var productionFields = []fieldSpec{
	req("id"), opt("name"), req("product_id"), req("state"), req("product_qty"), opt("qty_produced"),
	opt("date_planned_start", "date_start"), opt("date_planned_finished", "date_finished"), opt("date_deadline"),
	opt("bom_id"), opt("company_id"), req("write_date"),
}

var bomFields = []fieldSpec{
	req("id"), req("product_tmpl_id"), opt("product_id"), opt("code"), req("type"), req("product_qty"), opt("active"),
	opt("sequence"), opt("produce_delay"), opt("company_id"), req("write_date"),
}

var bomLineFields = []fieldSpec{req("id"), req("bom_id"), req("product_id"), req("product_qty"), req("write_date")}

var purchaseLineFields = []fieldSpec{
	req("id"), req("order_id"), opt("state"), opt("display_type"), req("product_id"), req("product_qty"),
	opt("qty_received"), opt("date_planned"), opt("company_id"), req("write_date"),
}

var orderpointFields = []fieldSpec{
	req("id"), req("product_id"), opt("warehouse_id"), opt("location_id"), req("product_min_qty"), req("product_max_qty"),
	opt("qty_multiple", "replenishment_uom_id"), opt("trigger"), opt("active"), opt("company_id"), req("write_date"),
}

var supplierInfoFields = []fieldSpec{
	req("id"), req("partner_id"), req("product_tmpl_id"), opt("product_id"), req("delay"), req("min_qty"), opt("price"),
	opt("sequence"), opt("company_id"), req("write_date"),
}

var productRouteFields = []fieldSpec{req("id"), req("product_tmpl_id"), opt("route_ids"), opt("produce_delay")}

type productionRow struct {
	ID            jsonInt    `json:"id"`
	Name          jsonString `json:"name"`
	Product       Many2One   `json:"product_id"`
	State         jsonString `json:"state"`
	Qty           jsonFloat  `json:"product_qty"`
	QtyProduced   jsonFloat  `json:"qty_produced"`
	PlannedStart  jsonTime   `json:"date_planned_start"`    // 16
	PlannedFinish jsonTime   `json:"date_planned_finished"` // 16
	Start         jsonTime   `json:"date_start"`            // 17+ (asked only where date_planned_start is absent)
	Finish        jsonTime   `json:"date_finished"`
	Deadline      jsonTime   `json:"date_deadline"`
	BoM           Many2One   `json:"bom_id"`
	Company       Many2One   `json:"company_id"`
	WriteDate     jsonTime   `json:"write_date"`
}

func (r *productionRow) normalize() Production {
	p := Production{ID: int64(r.ID), Name: string(r.Name), ProductID: r.Product.ID, State: string(r.State),
		Qty: float64(r.Qty), QtyProduced: float64(r.QtyProduced), PlannedStart: time.Time(r.PlannedStart),
		PlannedFinish: time.Time(r.PlannedFinish), Deadline: time.Time(r.Deadline), BoMID: r.BoM.ID, CompanyID: r.Company.ID,
		WriteDate: time.Time(r.WriteDate)}
	if p.PlannedStart.IsZero() {
		p.PlannedStart = time.Time(r.Start)
	}
	if p.PlannedFinish.IsZero() {
		p.PlannedFinish = time.Time(r.Finish)
	}
	return p
}

type bomRow struct {
	ID           jsonInt    `json:"id"`
	Template     Many2One   `json:"product_tmpl_id"`
	Product      Many2One   `json:"product_id"`
	Code         jsonString `json:"code"`
	Type         jsonString `json:"type"`
	Qty          jsonFloat  `json:"product_qty"`
	Active       *jsonBool  `json:"active"`
	Sequence     jsonInt    `json:"sequence"`
	ProduceDelay *jsonFloat `json:"produce_delay"`
	Company      Many2One   `json:"company_id"`
	WriteDate    jsonTime   `json:"write_date"`
}

func (r *bomRow) normalize() BoM {
	b := BoM{ID: int64(r.ID), TemplateID: r.Template.ID, ProductID: r.Product.ID, Code: string(r.Code), Type: string(r.Type),
		Qty: float64(r.Qty), Active: r.Active == nil || bool(*r.Active), Sequence: int(r.Sequence), CompanyID: r.Company.ID,
		WriteDate: time.Time(r.WriteDate)}
	if r.ProduceDelay != nil {
		b.ProduceDelay, b.HasProduceDelay = float64(*r.ProduceDelay), true
	}
	return b
}

type bomLineRow struct {
	ID        jsonInt   `json:"id"`
	BoM       Many2One  `json:"bom_id"`
	Product   Many2One  `json:"product_id"`
	Qty       jsonFloat `json:"product_qty"`
	WriteDate jsonTime  `json:"write_date"`
}

func (r *bomLineRow) normalize() BoMLine {
	return BoMLine{ID: int64(r.ID), BoMID: r.BoM.ID, ProductID: r.Product.ID, Qty: float64(r.Qty), WriteDate: time.Time(r.WriteDate)}
}

type purchaseLineRow struct {
	ID          jsonInt    `json:"id"`
	Order       Many2One   `json:"order_id"`
	State       jsonString `json:"state"`
	DisplayType jsonString `json:"display_type"`
	Product     Many2One   `json:"product_id"`
	Qty         jsonFloat  `json:"product_qty"`
	QtyReceived jsonFloat  `json:"qty_received"`
	DatePlanned jsonTime   `json:"date_planned"`
	Company     Many2One   `json:"company_id"`
	WriteDate   jsonTime   `json:"write_date"`
}

func (r *purchaseLineRow) normalize() PurchaseLine {
	return PurchaseLine{ID: int64(r.ID), OrderID: r.Order.ID, OrderName: r.Order.Name, State: string(r.State),
		DisplayType: string(r.DisplayType), ProductID: r.Product.ID, Qty: float64(r.Qty), QtyReceived: float64(r.QtyReceived),
		DatePlanned: time.Time(r.DatePlanned), CompanyID: r.Company.ID, WriteDate: time.Time(r.WriteDate)}
}

type orderpointRow struct {
	ID          jsonInt    `json:"id"`
	Product     Many2One   `json:"product_id"`
	Warehouse   Many2One   `json:"warehouse_id"`
	Location    Many2One   `json:"location_id"`
	Min         jsonFloat  `json:"product_min_qty"`
	Max         jsonFloat  `json:"product_max_qty"`
	Multiple    jsonFloat  `json:"qty_multiple"`
	Replenish   Many2One   `json:"replenishment_uom_id"` // 19
	Trigger     jsonString `json:"trigger"`
	Active      *jsonBool  `json:"active"`
	Company     Many2One   `json:"company_id"`
	WriteDate   jsonTime   `json:"write_date"`
	packFactors map[int64]float64
}

func (r *orderpointRow) normalize() Orderpoint {
	o := Orderpoint{ID: int64(r.ID), ProductID: r.Product.ID, WarehouseID: r.Warehouse.ID, LocationID: r.Location.ID,
		Min: float64(r.Min), Max: float64(r.Max), Multiple: float64(r.Multiple), Trigger: string(r.Trigger),
		Active: r.Active == nil || bool(*r.Active), CompanyID: r.Company.ID, WriteDate: time.Time(r.WriteDate)}
	if r.Replenish.ID != 0 {
		o.Multiple = r.packFactors[r.Replenish.ID]
	}
	return o
}

type supplierInfoRow struct {
	ID        jsonInt   `json:"id"`
	Partner   Many2One  `json:"partner_id"`
	Template  Many2One  `json:"product_tmpl_id"`
	Product   Many2One  `json:"product_id"`
	Delay     jsonInt   `json:"delay"`
	MinQty    jsonFloat `json:"min_qty"`
	Price     jsonFloat `json:"price"`
	Sequence  jsonInt   `json:"sequence"`
	Company   Many2One  `json:"company_id"`
	WriteDate jsonTime  `json:"write_date"`
}

func (r *supplierInfoRow) normalize() SupplierInfo {
	return SupplierInfo{ID: int64(r.ID), PartnerID: r.Partner.ID, PartnerName: r.Partner.Name, TemplateID: r.Template.ID,
		ProductID: r.Product.ID, Delay: int(r.Delay), MinQty: float64(r.MinQty), Price: float64(r.Price), Sequence: int(r.Sequence),
		CompanyID: r.Company.ID, WriteDate: time.Time(r.WriteDate)}
}

type productRouteRow struct {
	ID           jsonInt    `json:"id"`
	Template     Many2One   `json:"product_tmpl_id"`
	Routes       jsonIDs    `json:"route_ids"`
	ProduceDelay *jsonFloat `json:"produce_delay"`
}

func (r *productRouteRow) normalize() ProductRoute {
	p := ProductRoute{ProductID: int64(r.ID), TemplateID: r.Template.ID, RouteIDs: []int64(r.Routes)}
	if r.ProduceDelay != nil {
		p.ProduceDelay, p.HasProduceDelay = float64(*r.ProduceDelay), true
	}
	return p
}

// readWhere streams the records of model matching d (archived included), decoded into R and normalized, a page
// at a time; each page is a new slice fn may keep.
func readWhere[R any, T any](ctx context.Context, c *Client, model string, spec []fieldSpec, d Domain, pageSize int,
	id func(*R) int64, norm func(*R) T, fn func([]T) error) error {
	fields, err := c.modelFields(ctx, model, spec)
	if err != nil {
		return err
	}
	q := Query{Domain: d, Fields: fields, PageSize: pageSize, IncludeArchived: true}
	return searchReadPages(ctx, c, model, q, id, func(rows []R) error {
		out := make([]T, len(rows))
		for i := range rows {
			out[i] = norm(&rows[i])
		}
		return fn(out)
	})
}

// ProductionsWhere streams the manufacturing orders matching d.
func (c *Client) ProductionsWhere(ctx context.Context, d Domain, pageSize int, fn func([]Production) error) error {
	return readWhere(ctx, c, "mrp.production", productionFields, d, pageSize, func(r *productionRow) int64 { return int64(r.ID) },
		(*productionRow).normalize, fn)
}

// BoMsWhere streams the bills of materials matching d.
func (c *Client) BoMsWhere(ctx context.Context, d Domain, pageSize int, fn func([]BoM) error) error {
	return readWhere(ctx, c, "mrp.bom", bomFields, d, pageSize, func(r *bomRow) int64 { return int64(r.ID) }, (*bomRow).normalize, fn)
}

// BoMLinesWhere streams the bill of materials lines matching d.
func (c *Client) BoMLinesWhere(ctx context.Context, d Domain, pageSize int, fn func([]BoMLine) error) error {
	return readWhere(ctx, c, "mrp.bom.line", bomLineFields, d, pageSize, func(r *bomLineRow) int64 { return int64(r.ID) },
		(*bomLineRow).normalize, fn)
}

// PurchaseLinesWhere streams the purchase order lines matching d, sections and notes included.
func (c *Client) PurchaseLinesWhere(ctx context.Context, d Domain, pageSize int, fn func([]PurchaseLine) error) error {
	return readWhere(ctx, c, "purchase.order.line", purchaseLineFields, d, pageSize, func(r *purchaseLineRow) int64 { return int64(r.ID) },
		(*purchaseLineRow).normalize, fn)
}

// SupplierInfosWhere streams the vendor lines matching d.
func (c *Client) SupplierInfosWhere(ctx context.Context, d Domain, pageSize int, fn func([]SupplierInfo) error) error {
	return readWhere(ctx, c, "product.supplierinfo", supplierInfoFields, d, pageSize, func(r *supplierInfoRow) int64 { return int64(r.ID) },
		(*supplierInfoRow).normalize, fn)
}

// ProductRoutesWhere streams the routes (and, on 16, the manufacturing lead time) of the product variants matching d.
func (c *Client) ProductRoutesWhere(ctx context.Context, d Domain, pageSize int, fn func([]ProductRoute) error) error {
	return readWhere(ctx, c, "product.product", productRouteFields, d, pageSize, func(r *productRouteRow) int64 { return int64(r.ID) },
		(*productRouteRow).normalize, fn)
}

// OrderpointsWhere streams the reordering rules matching d. On 19 the multiple is a unit: its factor (how many
// of the product's reference unit one pack holds) is read from uom.uom.
func (c *Client) OrderpointsWhere(ctx context.Context, d Domain, pageSize int, fn func([]Orderpoint) error) error {
	fields, err := c.modelFields(ctx, "stock.warehouse.orderpoint", orderpointFields)
	if err != nil {
		return err
	}
	packs := slices.Contains(fields, "replenishment_uom_id")
	q := Query{Domain: d, Fields: fields, PageSize: pageSize, IncludeArchived: true}
	return searchReadPages(ctx, c, "stock.warehouse.orderpoint", q, func(r *orderpointRow) int64 { return int64(r.ID) },
		func(rows []orderpointRow) error {
			var factors map[int64]float64
			if packs {
				var ids []int64
				for _, r := range rows {
					if r.Replenish.ID != 0 && !slices.Contains(ids, r.Replenish.ID) {
						ids = append(ids, r.Replenish.ID)
					}
				}
				if factors, err = c.uomFactors(ctx, ids); err != nil {
					return err
				}
			}
			out := make([]Orderpoint, len(rows))
			for i := range rows {
				rows[i].packFactors = factors
				out[i] = rows[i].normalize()
			}
			return fn(out)
		})
}

// uomFactors reads how many reference units each unit holds (19: factor, computed along relative_uom_id).
func (c *Client) uomFactors(ctx context.Context, ids []int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	fields, err := c.modelFields(ctx, "uom.uom", []fieldSpec{req("id"), req("factor", "relative_factor")})
	if err != nil {
		return nil, err
	}
	q := Query{Domain: In("id", ids...), Fields: fields, IncludeArchived: true}
	err = searchReadPages(ctx, c, "uom.uom", q, func(r *Record) int64 { return r.ID() }, func(rows []Record) error {
		for _, r := range rows {
			f, err := r.Float(fields[1])
			if err != nil {
				return err
			}
			out[r.ID()] = f
		}
		return nil
	})
	return out, err
}

// RouteActions returns the routes (active ones) that have a rule of each action asked ("manufacture", "buy"):
// which routes mean "produce" and which mean "buy" does not depend on their translated names.
func (c *Client) RouteActions(ctx context.Context, actions ...string) (map[string][]int64, error) {
	out := make(map[string][]int64, len(actions))
	for _, a := range actions {
		err := searchReadPages(ctx, c, "stock.route", Query{Domain: Eq("rule_ids.action", a), Fields: []string{"id"}},
			func(r *Record) int64 { return r.ID() }, func(rows []Record) error {
				for _, r := range rows {
					out[a] = append(out[a], r.ID())
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// StampsFiltered is Stamps restricted to the records matching filter as well (the open ones and the recently
// written ones, say): bounded by the server's clock like Stamps.
func (c *Client) StampsFiltered(ctx context.Context, model string, since time.Time, filter Domain, pageSize int, fn func(page []Stamp) error) (time.Time, error) {
	var d Domain
	if !since.IsZero() {
		d = Gte("write_date", since.UTC().Truncate(time.Second))
	}
	return c.stamps(ctx, model, And(d, filter), true, pageSize, fn)
}
