package store

import "time"

// Order is a row of sales_orders: an Odoo sale.order that is, or once was, confirmed.
type Order struct {
	ConnectionID   int64
	OrderID        int64
	Name           string
	State          string
	DateOrder      *time.Time
	WriteDate      time.Time
	PartnerID      int64 // 0 = none
	PartnerName    string
	CompanyID      int64
	CompanyName    string
	Currency       string
	AmountUntaxed  float64
	AmountTax      float64
	AmountTotal    float64
	ClientOrderRef string
	CommitmentDate *time.Time
	WarehouseID    int64
	WarehouseName  string
	RemovedAt      *time.Time // deleted in Odoo, found by a full sync
	SyncedAt       time.Time
}

// Item is a row of sales_items: one product line of a stored order.
type Item struct {
	ConnectionID int64
	LineID       int64
	OrderID      int64
	OrderName    string
	OrderState   string
	DateOrder    *time.Time
	SKU          string
	ProductID    int64
	ProductName  string
	Quantity     float64
	UoM          string
	QtyDelivered float64
	QtyInvoiced  float64
	PriceUnit    float64
	Discount     float64
	Subtotal     float64
	Total        float64
	Currency     string
	CompanyID    int64
	WriteDate    time.Time
	RemovedAt    *time.Time
	SyncedAt     time.Time
	UpdatedAt    time.Time
}

// Product is a row of products.
type Product struct {
	ConnectionID int64
	ProductID    int64
	SKU          string
	Name         string
	Type         string
	Active       bool
	UoM          string
	CompanyID    int64
	WriteDate    *time.Time
	SyncedAt     time.Time
}

// Inventory is a row of inventory: on-hand and forecast quantity of a product, summed over the companies the
// connection's user can see.
type Inventory struct {
	ConnectionID     int64
	ProductID        int64
	SKU              string
	Name             string
	Type             string
	Active           bool
	QtyAvailable     float64
	VirtualAvailable float64
	SyncedAt         time.Time
}

// SKURenameResult counts the rows SKURename moved to the new SKU, per table, and the derived rows it deleted.
type SKURenameResult struct {
	Items         int64 // sales_items of the product
	Products      int64
	Inventory     int64
	Forecast      int64 // forecast rows of the old SKU
	ForecastStats int64
	Production    int64 // production_forecast rows of the old SKU
	// Dropped counts the forecast, forecast_stats and production_forecast rows of the old SKU deleted rather
	// than moved, table by table: when the table already holds rows under the new SKU (two products swapped
	// codes, or another product uses the new code) or another product is still stored under the old SKU
	// (duplicate codes), the old rows describe a demand that is no longer this key's alone, and moving them
	// would mix two products' forecasts or collide with the unique keys. Rows under the new SKU are kept. All
	// are recomputed by the next forecast run.
	Dropped int64
	// Overrides counts the forecast_overrides rows (the planner's changes, history included) moved to the new
	// SKU. They move when the product is alone under the old SKU and the new SKU has none; otherwise they stay
	// under the old SKU, never deleted (they stop applying; 'forecast overrides --all' still lists them).
	Overrides int64
}

// SyncCursor is where the next incremental sync of one Odoo model resumes.
type SyncCursor struct {
	ConnectionID int64
	Model        string
	WriteDate    time.Time // second precision; zero = from the beginning
	LastID       int64
	UpdatedAt    time.Time
}

// SyncLog is a row of sync_logs.
type SyncLog struct {
	ID              int64
	ConnectionID    int64
	Kind            string // incremental, full
	StartedAt       time.Time
	FinishedAt      *time.Time
	Status          string // running, ok, failed, interrupted
	RecordsFetched  int64
	RecordsInserted int64
	RecordsUpdated  int64
	RecordsRemoved  int64
	Error           string
	Details         string
}

// Sync log statuses.
const (
	SyncRunning = "running"
	SyncOK      = "ok"
	SyncFailed  = "failed"
	// SyncInterrupted is a run stopped by its caller (SIGINT, SIGTERM), or whose process stopped (killed,
	// crashed) before it could finish its log.
	SyncInterrupted = "interrupted"
	// SyncSkipped is a pass that did not run: the connection's Odoo circuit was open.
	SyncSkipped = "skipped"
)

type SyncLogListParams struct {
	ConnectionID int64    // 0 = all
	Kinds        []string // only these kinds (initial, incremental, full); nil: all
	Status       string   // only this status; "": all
	Limit        int
	// BeforeID, when set, lists only the logs after that one in the list's order (newest first): the next page.
	BeforeID int64
}

// UpsertResult counts what an upsert did.
type UpsertResult struct {
	Inserted int64
	Updated  int64
}

// MonthStat sums up one month of stored records for reconciliation with Odoo: how many, and the newest
// write_date (second precision, as Odoo shows it).
type MonthStat struct {
	Month     time.Time // first day of the month, UTC; zero for records without the date
	Count     int64
	LastWrite time.Time
}

// SyncLogLatest is a connection's newest sync log and when its newest successful pass finished, for the
// dashboard's health.
type SyncLogLatest struct {
	ConnectionID int64
	Latest       *SyncLog   // nil: never synced
	LastOK       *time.Time // finished_at of the newest ok pass; nil: none
	// Holder is the serve process (hostname:pid) whose lease of the connection has not expired; "": none.
	Holder string
}
