package odootest

import (
	"time"
)

// Records as the fake stores them. Field names follow Odoo's; 0 / "" / zero time mean Odoo's false.
// WriteDate and CreateDate keep microseconds (what PostgreSQL stores); the API returns them truncated.

// Company is a res.company record.
type Company struct {
	ID         int64
	Name       string
	CurrencyID int64
	PartnerID  int64
	Sequence   int
	Active     bool
	CreateDate time.Time
	WriteDate  time.Time
}

// Currency is a res.currency record.
type Currency struct {
	ID            int64
	Name          string // ISO code: EUR, USD
	Symbol        string
	Rate          float64
	DecimalPlaces int
	Active        bool
	CreateDate    time.Time
	WriteDate     time.Time
}

// Partner is a res.partner record.
type Partner struct {
	ID           int64
	Name         string
	CompanyID    int64 // 0: shared between companies
	IsCompany    bool
	Email        string
	City         string
	VAT          string
	CustomerRank int
	Active       bool
	CreateDate   time.Time
	WriteDate    time.Time
}

// User is a res.users record.
type User struct {
	ID         int64
	Login      string
	Name       string
	CompanyID  int64   // the user's current company: the default of allowed_company_ids
	CompanyIDs []int64 // every company the user may access
	PartnerID  int64
	Active     bool
	// Settings is membership of Administration / Settings (base.group_system), the only group Odoo lets read
	// system parameters (ir.config_parameter).
	Settings   bool
	CreateDate time.Time
	WriteDate  time.Time
}

// ConfigParam is an ir.config_parameter record (a system parameter).
type ConfigParam struct {
	ID         int64
	Key        string
	Value      string
	CreateDate time.Time
	WriteDate  time.Time
}

// Location is a stock.location record.
type Location struct {
	ID           int64
	Name         string
	CompleteName string
	Usage        string // view, internal, customer, supplier, inventory, production, transit
	ParentID     int64  // location_id
	CompanyID    int64
	WarehouseID  int64
	Active       bool
	CreateDate   time.Time
	WriteDate    time.Time
}

// Warehouse is a stock.warehouse record.
type Warehouse struct {
	ID             int64
	Name           string
	Code           string
	CompanyID      int64
	LotStockID     int64
	ViewLocationID int64
	Active         bool
	CreateDate     time.Time
	WriteDate      time.Time
}

// Demand patterns of generated products (Product.Pattern).
const (
	PatternSmooth       = "smooth"       // steady demand with a trend and yearly seasonality
	PatternIntermittent = "intermittent" // many zero months, small quantities when it sells
	PatternLumpy        = "lumpy"        // many zero months, large and variable quantities when it sells
	PatternNew          = "new"          // introduced in the last months of the history
	PatternDiscontinued = "discontinued" // stopped selling a while ago; archived (Active=false)
	PatternService      = "service"      // service product (type service)
)

// Product is a product.product record.
type Product struct {
	ID            int64
	DefaultCode   string // the SKU; "" is false (products without a reference exist)
	Name          string
	Type          string // 18+ vocabulary: consu, service, combo (see IsStorable)
	IsStorable    bool   // tracked in stock (type "product" up to 17)
	Active        bool
	CompanyID     int64 // 0: shared between companies
	ListPrice     float64
	StandardPrice float64
	UoMID         int64
	Pattern       string  // demand pattern the generator used (Pattern* constants); "" for hand-made products
	RouteIDs      []int64 // route_ids of its template (stock.route: buy, manufacture...); replaced, never changed in place
	ProduceDelay  float64 // produce_delay of its template in Odoo 16 (days; from 17 the BoM's)
	CreateDate    time.Time
	WriteDate     time.Time
}

// Order is a sale.order record.
type Order struct {
	ID             int64
	Name           string
	State          string // draft, sent, sale, cancel (+ done up to 16)
	Locked         bool   // 17+
	DateOrder      time.Time
	PartnerID      int64
	CompanyID      int64
	CurrencyID     int64
	UserID         int64
	WarehouseID    int64
	ClientOrderRef string
	CommitmentDate time.Time // zero: false
	AmountUntaxed  float64
	AmountTax      float64
	AmountTotal    float64
	LineIDs        []int64
	CreateDate     time.Time
	WriteDate      time.Time
}

// Line is a sale.order.line record.
type Line struct {
	ID            int64
	OrderID       int64
	Sequence      int
	ProductID     int64  // 0 for section and note lines
	Name          string // description
	DisplayType   string // "", line_section, line_note (line_subsection in 19)
	ProductUomQty float64
	QtyDelivered  float64
	QtyInvoiced   float64
	PriceUnit     float64
	Discount      float64 // percent
	TaxID         int64   // 0: no tax
	PriceSubtotal float64
	PriceTax      float64
	PriceTotal    float64
	UoMID         int64
	CompanyID     int64
	CurrencyID    int64
	CreateDate    time.Time
	WriteDate     time.Time
}

// Quant is a stock.quant record.
type Quant struct {
	ID               int64
	ProductID        int64
	LocationID       int64
	CompanyID        int64
	Quantity         float64
	ReservedQuantity float64
	InDate           time.Time
	CreateDate       time.Time
	WriteDate        time.Time
}

// NewOrder describes an order for Server.AddOrder / Tx.AddOrder.
type NewOrder struct {
	PartnerID int64     // 0: the first customer of the company
	CompanyID int64     // 0: company 1
	State     string    // "": draft
	DateOrder time.Time // zero: the clock, truncated to seconds
	// CommitmentDate is the delivery date promised to the customer (commitment_date); zero: none (false).
	CommitmentDate time.Time
	Lines          []NewLine
}

// NewLine describes one line of a NewOrder.
type NewLine struct {
	ProductID   int64 // 0 for section/note lines
	Qty         float64
	PriceUnit   float64 // 0: the product's list price
	DisplayType string  // "", line_section, line_note
	Name        string  // "": the product's display name
}

// the record interface shared by all stored types.
type rec interface {
	recID() int64
	recWD() time.Time
	setWD(t time.Time)
}

func (r *Company) recID() int64         { return r.ID }
func (r *Currency) recID() int64        { return r.ID }
func (r *Partner) recID() int64         { return r.ID }
func (r *User) recID() int64            { return r.ID }
func (r *Location) recID() int64        { return r.ID }
func (r *Warehouse) recID() int64       { return r.ID }
func (r *Product) recID() int64         { return r.ID }
func (r *Order) recID() int64           { return r.ID }
func (r *Line) recID() int64            { return r.ID }
func (r *Quant) recID() int64           { return r.ID }
func (r *ConfigParam) recID() int64     { return r.ID }
func (r *Company) recWD() time.Time     { return r.WriteDate }
func (r *Currency) recWD() time.Time    { return r.WriteDate }
func (r *Partner) recWD() time.Time     { return r.WriteDate }
func (r *User) recWD() time.Time        { return r.WriteDate }
func (r *Location) recWD() time.Time    { return r.WriteDate }
func (r *Warehouse) recWD() time.Time   { return r.WriteDate }
func (r *Product) recWD() time.Time     { return r.WriteDate }
func (r *Order) recWD() time.Time       { return r.WriteDate }
func (r *Line) recWD() time.Time        { return r.WriteDate }
func (r *Quant) recWD() time.Time       { return r.WriteDate }
func (r *ConfigParam) recWD() time.Time { return r.WriteDate }

func (r *Company) setWD(t time.Time)     { r.WriteDate = t }
func (r *Currency) setWD(t time.Time)    { r.WriteDate = t }
func (r *Partner) setWD(t time.Time)     { r.WriteDate = t }
func (r *User) setWD(t time.Time)        { r.WriteDate = t }
func (r *Location) setWD(t time.Time)    { r.WriteDate = t }
func (r *Warehouse) setWD(t time.Time)   { r.WriteDate = t }
func (r *Product) setWD(t time.Time)     { r.WriteDate = t }
func (r *Order) setWD(t time.Time)       { r.WriteDate = t }
func (r *Line) setWD(t time.Time)        { r.WriteDate = t }
func (r *Quant) setWD(t time.Time)       { r.WriteDate = t }
func (r *ConfigParam) setWD(t time.Time) { r.WriteDate = t }
