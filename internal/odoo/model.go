package odoo

import (
	"context"
	"fmt"
	"time"
)

// Order is a normalized sale.order, the same on every Odoo version.
type Order struct {
	ID             int64
	Name           string // "S00042"
	State          string // draft, sent, sale, done (Odoo 16 only), cancel
	Locked         bool   // 17+: the locked flag; 16: true when State is done
	DateOrder      time.Time
	WriteDate      time.Time // UTC, second precision as the API returns it
	CreateDate     time.Time
	PartnerID      int64
	PartnerName    string
	CompanyID      int64
	CompanyName    string
	Currency       string // ISO code (the currency's display name)
	AmountUntaxed  float64
	AmountTax      float64
	AmountTotal    float64
	ClientOrderRef string
	CommitmentDate *time.Time // nil when not set or the field does not exist
	WarehouseID    int64      // 0 without the sale_stock module
	WarehouseName  string
	UserID         int64 // salesperson
	UserName       string
}

// Confirmed reports whether the order counts as a sale (state sale, or done on Odoo 16).
func (o Order) Confirmed() bool { return o.State == "sale" || o.State == "done" }

// OrderLine is a normalized sale.order.line.
type OrderLine struct {
	ID           int64
	OrderID      int64
	OrderName    string
	State        string // the order's state, as stored on the line
	DisplayType  string // "" for product lines; line_section, line_note, line_subsection (19) otherwise
	ProductID    int64  // 0 for section/note lines
	ProductName  string
	Quantity     float64 // product_uom_qty
	UoMID        int64
	UoM          string // product_uom (16-18) / product_uom_id (19)
	QtyDelivered float64
	QtyInvoiced  float64
	PriceUnit    float64
	Discount     float64 // percent
	Subtotal     float64 // price_subtotal (untaxed)
	Total        float64 // price_total (taxed)
	Currency     string
	CompanyID    int64
	WriteDate    time.Time
}

// Product types after normalization.
const (
	ProductStorable   = "storable"   // 16-17 type=product; 18+ type=consu with is_storable
	ProductConsumable = "consumable" // type=consu (18+: without is_storable)
	ProductService    = "service"
	ProductCombo      = "combo" // 18+
)

// Product is a normalized product.product.
type Product struct {
	ID               int64
	TemplateID       int64
	DefaultCode      string // the SKU; "" when Odoo has none
	Barcode          string
	Name             string
	DisplayName      string
	Type             string // ProductStorable, ProductConsumable, ProductService, ProductCombo (or Odoo's raw type)
	Active           bool
	UoMID            int64
	UoM              string
	ListPrice        float64
	StandardPrice    float64 // cost
	QtyAvailable     float64 // on hand in the companies of the call's context
	VirtualAvailable float64 // forecast
	CompanyID        int64   // 0 = shared by all companies
	CategID          int64   // product category (categ_id, of the template); 0 when unknown
	CategName        string  // its full name, e.g. "All / Saleable"
	WriteDate        time.Time
}

// fieldSpec lists the names a normalized field may have on different versions, first match wins.
type fieldSpec struct {
	names    []string
	required bool
}

func req(names ...string) fieldSpec { return fieldSpec{names: names, required: true} }
func opt(names ...string) fieldSpec { return fieldSpec{names: names} }

var orderFields = []fieldSpec{
	req("id"), req("name"), req("state"), req("date_order"), req("write_date"), opt("create_date"),
	req("partner_id"), req("company_id"), req("currency_id"),
	req("amount_untaxed"), req("amount_tax"), req("amount_total"),
	opt("locked"), opt("client_order_ref"), opt("commitment_date"), opt("warehouse_id"), opt("user_id"),
}

var lineFields = []fieldSpec{
	req("id"), req("order_id"), opt("state"), opt("display_type"), req("product_id"),
	req("product_uom_qty"), opt("product_uom_id", "product_uom"), opt("qty_delivered"), opt("qty_invoiced"),
	req("price_unit"), opt("discount"), opt("price_subtotal"), opt("price_total"), opt("currency_id"),
	opt("company_id"), req("write_date"),
}

var productFields = []fieldSpec{
	req("id"), opt("product_tmpl_id"), opt("default_code"), opt("barcode"), req("name"), opt("display_name"),
	opt("type", "detailed_type"), opt("is_storable"), opt("active"), opt("uom_id"), opt("list_price"),
	opt("standard_price"), opt("company_id"), req("write_date"), opt("categ_id"),
	opt("qty_available"), opt("virtual_available"), // absent without the stock module
}

// modelFields asks fields_get which of the spec's fields exist and returns the names to request.
func (c *Client) modelFields(ctx context.Context, model string, spec []fieldSpec) ([]string, error) {
	avail, err := c.FieldsGet(ctx, model)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(spec))
	for _, s := range spec {
		found := false
		for _, n := range s.names {
			if _, ok := avail[n]; ok || n == "id" {
				out = append(out, n)
				found = true
				break
			}
		}
		if !found && s.required {
			return nil, &FieldMissingError{Model: model, Candidates: s.names, Version: c.Version().String()}
		}
	}
	return out, nil
}

// orderRow is sale.order as the API sends it; every field type tolerates false.
type orderRow struct {
	ID             jsonInt    `json:"id"`
	Name           jsonString `json:"name"`
	State          jsonString `json:"state"`
	Locked         jsonBool   `json:"locked"`
	DateOrder      jsonTime   `json:"date_order"`
	WriteDate      jsonTime   `json:"write_date"`
	CreateDate     jsonTime   `json:"create_date"`
	Partner        Many2One   `json:"partner_id"`
	Company        Many2One   `json:"company_id"`
	Currency       Many2One   `json:"currency_id"`
	AmountUntaxed  jsonFloat  `json:"amount_untaxed"`
	AmountTax      jsonFloat  `json:"amount_tax"`
	AmountTotal    jsonFloat  `json:"amount_total"`
	ClientOrderRef jsonString `json:"client_order_ref"`
	CommitmentDate jsonTime   `json:"commitment_date"`
	Warehouse      Many2One   `json:"warehouse_id"`
	User           Many2One   `json:"user_id"`
}

func (r *orderRow) key() (time.Time, int64) { return time.Time(r.WriteDate), int64(r.ID) }

func (r *orderRow) normalize() Order {
	o := Order{ID: int64(r.ID), Name: string(r.Name), State: string(r.State), Locked: bool(r.Locked),
		DateOrder: time.Time(r.DateOrder), WriteDate: time.Time(r.WriteDate), CreateDate: time.Time(r.CreateDate),
		PartnerID: r.Partner.ID, PartnerName: r.Partner.Name, CompanyID: r.Company.ID, CompanyName: r.Company.Name,
		Currency: r.Currency.Name, AmountUntaxed: float64(r.AmountUntaxed), AmountTax: float64(r.AmountTax),
		AmountTotal: float64(r.AmountTotal), ClientOrderRef: string(r.ClientOrderRef),
		WarehouseID: r.Warehouse.ID, WarehouseName: r.Warehouse.Name, UserID: r.User.ID, UserName: r.User.Name}
	if o.State == "done" {
		o.Locked = true // Odoo 16's done is 17's locked sale
	}
	if t := time.Time(r.CommitmentDate); !t.IsZero() {
		o.CommitmentDate = &t
	}
	return o
}

type lineRow struct {
	ID           jsonInt    `json:"id"`
	Order        Many2One   `json:"order_id"`
	State        jsonString `json:"state"`
	DisplayType  jsonString `json:"display_type"`
	Product      Many2One   `json:"product_id"`
	Qty          jsonFloat  `json:"product_uom_qty"`
	UoMID        Many2One   `json:"product_uom_id"` // 19
	UoM          Many2One   `json:"product_uom"`    // 16-18
	QtyDelivered jsonFloat  `json:"qty_delivered"`
	QtyInvoiced  jsonFloat  `json:"qty_invoiced"`
	PriceUnit    jsonFloat  `json:"price_unit"`
	Discount     jsonFloat  `json:"discount"`
	Subtotal     jsonFloat  `json:"price_subtotal"`
	Total        jsonFloat  `json:"price_total"`
	Currency     Many2One   `json:"currency_id"`
	Company      Many2One   `json:"company_id"`
	WriteDate    jsonTime   `json:"write_date"`
}

func (r *lineRow) key() (time.Time, int64) { return time.Time(r.WriteDate), int64(r.ID) }

func (r *lineRow) normalize() OrderLine {
	uom := r.UoMID
	if uom.ID == 0 {
		uom = r.UoM
	}
	return OrderLine{ID: int64(r.ID), OrderID: r.Order.ID, OrderName: r.Order.Name, State: string(r.State),
		DisplayType: string(r.DisplayType), ProductID: r.Product.ID, ProductName: r.Product.Name,
		Quantity: float64(r.Qty), UoMID: uom.ID, UoM: uom.Name,
		QtyDelivered: float64(r.QtyDelivered), QtyInvoiced: float64(r.QtyInvoiced), PriceUnit: float64(r.PriceUnit),
		Discount: float64(r.Discount), Subtotal: float64(r.Subtotal), Total: float64(r.Total),
		Currency: r.Currency.Name, CompanyID: r.Company.ID, WriteDate: time.Time(r.WriteDate)}
}

type productRow struct {
	ID            jsonInt    `json:"id"`
	Template      Many2One   `json:"product_tmpl_id"`
	DefaultCode   jsonString `json:"default_code"`
	Barcode       jsonString `json:"barcode"`
	Name          jsonString `json:"name"`
	DisplayName   jsonString `json:"display_name"`
	Type          jsonString `json:"type"`
	DetailedType  jsonString `json:"detailed_type"`
	IsStorable    jsonBool   `json:"is_storable"`
	Active        *jsonBool  `json:"active"`
	UoM           Many2One   `json:"uom_id"`
	ListPrice     jsonFloat  `json:"list_price"`
	StandardPrice jsonFloat  `json:"standard_price"`
	QtyAvailable  jsonFloat  `json:"qty_available"`
	Virtual       jsonFloat  `json:"virtual_available"`
	Company       Many2One   `json:"company_id"`
	Categ         Many2One   `json:"categ_id"`
	WriteDate     jsonTime   `json:"write_date"`
}

func (r *productRow) normalize() Product {
	p := Product{ID: int64(r.ID), TemplateID: r.Template.ID, DefaultCode: string(r.DefaultCode),
		Barcode: string(r.Barcode), Name: string(r.Name), DisplayName: string(r.DisplayName),
		Type:   normalizeProductType(string(r.Type), string(r.DetailedType), bool(r.IsStorable)),
		Active: r.Active == nil || bool(*r.Active), UoMID: r.UoM.ID, UoM: r.UoM.Name,
		ListPrice: float64(r.ListPrice), StandardPrice: float64(r.StandardPrice),
		QtyAvailable: float64(r.QtyAvailable), VirtualAvailable: float64(r.Virtual), CompanyID: r.Company.ID,
		CategID: r.Categ.ID, CategName: r.Categ.Name, WriteDate: time.Time(r.WriteDate)}
	if p.DisplayName == "" {
		p.DisplayName = p.Name
	}
	return p
}

// normalizeProductType maps 16-17 (type product/consu/service) and 18+ (type consu/service/combo plus
// is_storable) to one vocabulary.
func normalizeProductType(typ, detailed string, storable bool) string {
	if typ == "" {
		typ = detailed
	}
	switch typ {
	case "product":
		return ProductStorable
	case "consu":
		if storable {
			return ProductStorable
		}
		return ProductConsumable
	case "service":
		return ProductService
	case "combo":
		return ProductCombo
	}
	return typ
}

// storableDomain selects storable products on this server's version.
func (c *Client) storableDomain(ctx context.Context) (Domain, error) {
	field, value, err := c.storableLeaf(ctx)
	if err != nil {
		return Domain{}, err
	}
	return Eq(field, value), nil
}

// storableLeaf is the product.product field and value that mean storable on this server's version.
func (c *Client) storableLeaf(ctx context.Context) (string, any, error) {
	f, err := c.FieldsGet(ctx, "product.product")
	if err != nil {
		return "", nil, err
	}
	if _, ok := f["is_storable"]; ok {
		return "is_storable", true, nil
	}
	if _, ok := f["type"]; ok {
		return "type", "product", nil
	}
	return "", nil, fmt.Errorf("odoo: product.product has neither is_storable nor type on this server")
}
