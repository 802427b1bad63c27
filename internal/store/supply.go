package store

import (
	"context"
	"time"
)

// Supply is what a connection's Odoo says about how its products are made and bought: manufacturing orders,
// bills of materials, purchase order lines, reordering rules, vendors' terms and product routes. The sync
// stores it where the mrp or purchase app is installed; docs/database.md describes the tables.

// SupplyTable names one of the supply tables.
type SupplyTable string

// The supply tables. Each row is one Odoo record, keyed by (connection_id, its Odoo id), and kept with
// removed_at set when the record was deleted in Odoo.
const (
	TableProductions   SupplyTable = "mrp_productions" // mrp.production, key production_id
	TableBoMs          SupplyTable = "mrp_boms"        // mrp.bom, key bom_id
	TableBoMLines      SupplyTable = "mrp_bom_lines"   // mrp.bom.line, key line_id, parent bom_id
	TablePurchaseLines SupplyTable = "purchase_lines"  // purchase.order.line, key line_id, parent order_id
	TableOrderpoints   SupplyTable = "orderpoints"     // stock.warehouse.orderpoint, key orderpoint_id
	TableSupplierInfos SupplyTable = "supplier_infos"  // product.supplierinfo, key supplierinfo_id
	TableProductRoutes SupplyTable = "product_routes"  // product.product's template routes, key product_id, parent product_tmpl_id
)

// SupplyTables lists every supply table.
var SupplyTables = []SupplyTable{TableProductions, TableBoMs, TableBoMLines, TablePurchaseLines, TableOrderpoints,
	TableSupplierInfos, TableProductRoutes}

// SupplyStamp is what a sync compares with a listing: a stored record's write_date (product_routes: its
// template's), its state (mrp_productions: the order's; purchase_lines: its purchase order's; else "") and
// whether it is marked removed.
type SupplyStamp struct {
	ID        int64
	WriteDate time.Time
	State     string
	Removed   bool
}

// MRPProduction is a row of mrp_productions: a manufacturing order.
type MRPProduction struct {
	ConnectionID  int64
	ProductionID  int64
	Name          string
	ProductID     int64
	State         string // draft, confirmed, progress, to_close, done, cancel
	ProductQty    float64
	QtyProduced   float64
	PlannedStart  *time.Time
	PlannedFinish *time.Time
	Deadline      *time.Time
	BoMID         int64
	CompanyID     int64
	WriteDate     time.Time
	RemovedAt     *time.Time
	SyncedAt      time.Time
}

// BoM is a row of mrp_boms: a bill of materials.
type BoM struct {
	ConnectionID  int64
	BoMID         int64
	ProductTmplID int64
	ProductID     int64 // 0: every variant of the template
	Code          string
	Type          string // normal, phantom (a kit)
	ProductQty    float64
	Active        bool
	Sequence      int
	ProduceDelay  *float64 // manufacturing lead time in days (Odoo 17+; on 16 it is in product_routes)
	CompanyID     int64
	WriteDate     time.Time
	RemovedAt     *time.Time
	SyncedAt      time.Time
}

// BoMLine is a row of mrp_bom_lines: a component of a bill of materials.
type BoMLine struct {
	ConnectionID int64
	LineID       int64
	BoMID        int64
	ProductID    int64
	ProductQty   float64 // per BoM quantity (mrp_boms.product_qty)
	WriteDate    time.Time
	RemovedAt    *time.Time
	SyncedAt     time.Time
}

// PurchaseLine is a row of purchase_lines: a product line of a purchase order, with its order's state.
type PurchaseLine struct {
	ConnectionID int64
	LineID       int64
	OrderID      int64
	OrderName    string
	OrderState   string // draft, sent, to approve, purchase, done (up to 18), cancel
	ProductID    int64
	ProductQty   float64
	QtyReceived  float64
	DatePlanned  *time.Time
	CompanyID    int64
	WriteDate    time.Time
	RemovedAt    *time.Time
	SyncedAt     time.Time
}

// Orderpoint is a row of orderpoints: a reordering rule.
type Orderpoint struct {
	ConnectionID  int64
	OrderpointID  int64
	ProductID     int64
	WarehouseID   int64
	LocationID    int64
	ProductMinQty float64
	ProductMaxQty float64
	QtyMultiple   float64 // 0: none
	Trigger       string  // auto, manual
	Active        bool
	CompanyID     int64
	WriteDate     time.Time
	RemovedAt     *time.Time
	SyncedAt      time.Time
}

// SupplierInfo is a row of supplier_infos: a vendor's terms for a product.
type SupplierInfo struct {
	ConnectionID   int64
	SupplierInfoID int64
	PartnerID      int64
	PartnerName    string
	ProductTmplID  int64
	ProductID      int64 // 0: every variant of the template
	Delay          int   // days
	MinQty         float64
	Price          float64
	Sequence       int
	CompanyID      int64
	WriteDate      time.Time
	RemovedAt      *time.Time
	SyncedAt       time.Time
}

// ProductRoute is a row of product_routes: how a product is replenished, as its template says.
type ProductRoute struct {
	ConnectionID  int64
	ProductID     int64
	ProductTmplID int64
	RouteIDs      []int64
	Manufacture   bool     // one of its routes has a manufacture rule
	Buy           bool     // one of its routes has a buy rule
	ProduceDelay  *float64 // the template's manufacturing lead time (Odoo 16; from 17 it is the BoM's)
	WriteDate     time.Time
	RemovedAt     *time.Time
	SyncedAt      time.Time
}

// Supply is a connection's stored supply records, those not marked removed, each list by id.
type Supply struct {
	Productions   []*MRPProduction
	BoMs          []*BoM
	BoMLines      []*BoMLine
	PurchaseLines []*PurchaseLine
	Orderpoints   []*Orderpoint
	SupplierInfos []*SupplierInfo
	ProductRoutes []*ProductRoute
}

// SupplyExecutor holds the supply tables' operations (part of Executor).
type SupplyExecutor interface {
	// SupplyStampGetMany returns the stored stamps of the records of table among ids (removed ones included), by id.
	SupplyStampGetMany(ctx context.Context, connectionID int64, table SupplyTable, ids []int64) (map[int64]SupplyStamp, error)
	// SupplyIDList lists the ids of the records of table not marked removed.
	SupplyIDList(ctx context.Context, connectionID int64, table SupplyTable) ([]int64, error)
	// SupplyChildIDList lists, by parent, the ids of the records not marked removed of a table with a parent:
	// mrp_bom_lines by bom_id, purchase_lines by order_id, product_routes by product_tmpl_id. Parents without
	// any are absent.
	SupplyChildIDList(ctx context.Context, connectionID int64, table SupplyTable, parentIDs []int64) (map[int64][]int64, error)
	// SupplyMarkRemoved marks records deleted in Odoo; it returns how many were not marked already.
	SupplyMarkRemoved(ctx context.Context, connectionID int64, table SupplyTable, ids []int64, at time.Time) (int64, error)

	// The upserts write the rows given (new, changed, or back from removed: removed_at is the row's) and count
	// the new ones as inserted, the others as updated.
	MRPProductionUpsertMany(ctx context.Context, rows []*MRPProduction) (UpsertResult, error)
	BoMUpsertMany(ctx context.Context, rows []*BoM) (UpsertResult, error)
	BoMLineUpsertMany(ctx context.Context, rows []*BoMLine) (UpsertResult, error)
	PurchaseLineUpsertMany(ctx context.Context, rows []*PurchaseLine) (UpsertResult, error)
	OrderpointUpsertMany(ctx context.Context, rows []*Orderpoint) (UpsertResult, error)
	SupplierInfoUpsertMany(ctx context.Context, rows []*SupplierInfo) (UpsertResult, error)
	ProductRouteUpsertMany(ctx context.Context, rows []*ProductRoute) (UpsertResult, error)

	// SupplyList returns a connection's supply records not marked removed.
	SupplyList(ctx context.Context, connectionID int64) (*Supply, error)
	// SupplyBoMList returns what SupplyList does of BoMs, BoM lines and product routes (what a product is made
	// of), the other lists empty: the SKU page reads no orders.
	SupplyBoMList(ctx context.Context, connectionID int64) (*Supply, error)
}
