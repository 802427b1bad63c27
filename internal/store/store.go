// Package store defines Sales Engine's storage interface. Each database has its own driver package
// (store/sqlite, store/postgres) and every driver passes the one conformance suite in store/storetest.
//
// Method names are noun first (ConnectionInsert, MigrationStatus) and take params structs, so a reader finds
// every operation on a table by the table's name.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrAlreadyExists is returned when a unique key (a connection's name, say) is already taken.
var ErrAlreadyExists = errors.New("already exists")

// Dialect names a driver's SQL dialect.
type Dialect string

const (
	DialectSQLite   Dialect = "sqlite"
	DialectPostgres Dialect = "postgres"
)

// Store is a database holding Sales Engine's data.
type Store interface {
	Executor

	// Tx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
	Tx(ctx context.Context, fn func(tx Executor) error) error

	// MigrationApply applies every embedded migration the database lacks, then the foreign migrations (River's
	// queue tables), all under the database's one migration lock: a process that starts while another migrates
	// waits for it, then finds the work done. It returns the migrations it applied, and refuses a database whose
	// schema is newer than this binary knows (ErrSchemaTooNew).
	MigrationApply(ctx context.Context, foreign ...ForeignMigration) ([]Migration, error)
	// MigrationStatus lists the known migrations and whether each is applied.
	MigrationStatus(ctx context.Context) ([]Migration, error)

	Dialect() Dialect
	// DB is the underlying pool, for ad-hoc queries (tests, the users' own SQL) and for libraries that take one.
	DB() *sql.DB
	// Dedicated runs its operations on a connection of its own, outside the pool that sync passes and webhook
	// deliveries share (PostgreSQL), so they never queue behind that work: serve's heartbeat and lease claims,
	// which must come every refresh however busy the process is. Where the engine has no such connection
	// (SQLite, whose one serve has no one to lose its leases to) it is the store itself.
	Dedicated() Executor
	Ping(ctx context.Context) error
	Close() error
}

// Executor holds the operations that run alike on the database or inside a transaction.
type Executor interface {
	ConnectionInsert(ctx context.Context, params *ConnectionInsertParams) (*Connection, error)
	ConnectionGet(ctx context.Context, id int64) (*Connection, error)
	ConnectionGetByName(ctx context.Context, name string) (*Connection, error)
	ConnectionList(ctx context.Context, params *ConnectionListParams) ([]*Connection, error)
	ConnectionUpdate(ctx context.Context, params *ConnectionUpdateParams) (*Connection, error)
	ConnectionDelete(ctx context.Context, id int64) error
	// ConnectionDataReset deletes what a connection holds of its Odoo database, atomically (in a transaction of
	// its own, or in the caller's inside Tx): orders, items, products, inventory, forecasts and plan rows, the
	// supply tables, sync cursors, pending webhook deliveries, and the recorded Odoo identity. The connection, its settings and
	// secrets, its sync logs and its delivered, dead and discarded deliveries stay.
	ConnectionDataReset(ctx context.Context, id int64) (DataReset, error)
	// ConnectionDataCount counts what is stored for a connection (all of it: removed orders and lines too),
	// what deleting it removes.
	ConnectionDataCount(ctx context.Context, id int64) (DataCount, error)
	// ConnectionOdooCircuitTrial claims the trial pass of an open Odoo circuit whose time has come (or of a
	// half-open one whose trial was given up on, its lease past): it turns half_open until lease. Only one of
	// the processes that try gets true.
	ConnectionOdooCircuitTrial(ctx context.Context, id int64, now, lease time.Time) (bool, error)
	// ConnectionOdooCircuitRecord records a pass's outcome in the Odoo circuit, atomically (two processes
	// failing at once count two failures), and returns the connection as it is now.
	ConnectionOdooCircuitRecord(ctx context.Context, p *ConnectionOdooCircuitRecordParams) (*Connection, error)

	// CommitAsync lets the current transaction's commit return before it is flushed to disk. Use it only where
	// losing the last commits in a crash is harmless: a sync page carries its own cursor, so a lost page is
	// simply read again. (SQLite in WAL mode with synchronous=NORMAL already behaves so.)
	CommitAsync(ctx context.Context) error
	// StatisticsRefresh updates the query planner's statistics of the sales tables (a first sync grows them from
	// nothing faster than PostgreSQL's autovacuum notices, and stale statistics turn lookups into scans).
	StatisticsRefresh(ctx context.Context) error

	// OrderGetMany returns the stored orders among ids, by order id.
	OrderGetMany(ctx context.Context, connectionID int64, ids []int64) (map[int64]*Order, error)
	// OrderUpsertMany inserts new orders and rewrites those whose data changed; identical rows are left alone.
	OrderUpsertMany(ctx context.Context, orders []*Order) (UpsertResult, error)
	// OrderWriteMany is OrderUpsertMany for a caller that holds the stored versions already (stored: by order
	// id, the orders of this one connection that exist; read under the sync's one-writer rule): it writes the
	// new and changed rows without reading them again.
	OrderWriteMany(ctx context.Context, orders []*Order, stored map[int64]*Order) (UpsertResult, error)
	// OrderIDList lists the ids of every stored order not marked removed.
	OrderIDList(ctx context.Context, connectionID int64) ([]int64, error)
	// OrderMarkRemoved marks orders (and their items) deleted in Odoo.
	OrderMarkRemoved(ctx context.Context, connectionID int64, ids []int64, at time.Time) (int64, error)

	ItemGetMany(ctx context.Context, connectionID int64, lineIDs []int64) (map[int64]*Item, error)
	// ItemListByOrder returns the items (not removed) of the given orders, by line id.
	ItemListByOrder(ctx context.Context, connectionID int64, orderIDs []int64) ([]*Item, error)
	ItemUpsertMany(ctx context.Context, items []*Item) (UpsertResult, error)
	// ItemWriteMany is ItemUpsertMany given the stored versions (by line id, one connection's), like OrderWriteMany.
	ItemWriteMany(ctx context.Context, items []*Item, stored map[int64]*Item) (UpsertResult, error)
	ItemIDList(ctx context.Context, connectionID int64) ([]int64, error)
	ItemMarkRemoved(ctx context.Context, connectionID int64, lineIDs []int64, at time.Time) (int64, error)

	// OrderMonthStatList sums up the stored confirmed orders (state sale or done, not removed) by the month of
	// date_order: how many, and the newest write_date. Orders without a date_order form the zero month.
	OrderMonthStatList(ctx context.Context, connectionID int64) ([]MonthStat, error)
	// ItemMonthStatList sums up the stored items of confirmed orders (not removed) by the month of their write_date.
	ItemMonthStatList(ctx context.Context, connectionID int64) ([]MonthStat, error)
	// OrderIDListByDate lists the stored orders (not removed) whose date_order is in [from, to); a zero from
	// lists those without a date_order.
	OrderIDListByDate(ctx context.Context, connectionID int64, from, to time.Time) ([]int64, error)
	// ItemIDListByWriteDate lists the stored items (not removed) whose write_date is in [from, to).
	ItemIDListByWriteDate(ctx context.Context, connectionID int64, from, to time.Time) ([]int64, error)

	ProductUpsertMany(ctx context.Context, products []*Product) (UpsertResult, error)
	ProductList(ctx context.Context, connectionID int64) ([]*Product, error)
	InventoryUpsertMany(ctx context.Context, rows []*Inventory) (UpsertResult, error)
	InventoryList(ctx context.Context, connectionID int64) ([]*Inventory, error)
	// ProductSKUs returns the stored SKU of every product of a connection, by product id: what a sync compares
	// with Odoo's default_code to find renamed products.
	ProductSKUs(ctx context.Context, connectionID int64) (map[int64]string, error)
	// SKURename moves what is stored under a product's old SKU to its new one, atomically (in a transaction of
	// its own, or in the caller's inside Tx): the product's sales_items (their updated_at becomes at),
	// products and inventory rows by product id, and the forecast, forecast_stats and production_forecast rows
	// of oldSKU. Those derived rows are deleted instead of moved when they may not be this product's alone
	// (see SKURenameResult.Dropped); the next forecast run recomputes them. Nothing happens when oldSKU ==
	// newSKU, and renaming again changes nothing.
	SKURename(ctx context.Context, connectionID, productID int64, oldSKU, newSKU string, at time.Time) (SKURenameResult, error)

	// SyncCursorGet returns ErrNotFound when the model was never synced.
	SyncCursorGet(ctx context.Context, connectionID int64, model string) (*SyncCursor, error)
	SyncCursorSet(ctx context.Context, cursor *SyncCursor) error
	// SyncCursorList returns every cursor of a connection (its models and pseudo-models), by model: one read at
	// the start of a pass instead of one per model.
	SyncCursorList(ctx context.Context, connectionID int64) (map[string]*SyncCursor, error)
	SyncCursorDelete(ctx context.Context, connectionID int64) error

	SyncLogInsert(ctx context.Context, log *SyncLog) (int64, error)
	SyncLogUpdate(ctx context.Context, log *SyncLog) error
	SyncLogList(ctx context.Context, params *SyncLogListParams) ([]*SyncLog, error)
	// SyncLogMarkInterrupted closes a connection's logs left 'running' by a process that died.
	SyncLogMarkInterrupted(ctx context.Context, connectionID int64) (int64, error)
	// SyncLogPrune deletes up to limit of a connection's finished logs that started before before, keeping its
	// newest successful pass of each kind (what "last successful sync" and "last full sync" are read from).
	SyncLogPrune(ctx context.Context, connectionID int64, before time.Time, limit int) (int64, error)
	// SyncLogLatestList is every connection's newest log and last successful pass, by connection name.
	SyncLogLatestList(ctx context.Context) ([]*SyncLogLatest, error)
	// SyncLogRecentList is the newest perConnection logs of every connection, by connection id, newest first
	// within each (one query, walking the (connection_id, started_at) index per connection).
	SyncLogRecentList(ctx context.Context, perConnection int) ([]*SyncLog, error)

	// WebhookDeliveryInsert records an event; inserted is false (and id 0) when the event id already exists.
	WebhookDeliveryInsert(ctx context.Context, params *WebhookDeliveryInsertParams) (id int64, inserted bool, err error)
	WebhookDeliveryGet(ctx context.Context, id int64) (*WebhookDelivery, error)
	// WebhookDeliveryForAttemptMany reads what the delivery worker needs for an attempt of each delivery: the
	// delivery, its connection and the earlier versions of the same order still pending, in one query for many
	// deliveries (attempts running at the same time share it). Ids that do not exist are left out.
	WebhookDeliveryForAttemptMany(ctx context.Context, ids []int64) ([]*WebhookDeliveryForAttempt, error)
	WebhookDeliveryList(ctx context.Context, params *WebhookDeliveryListParams) ([]*WebhookDelivery, error)
	// WebhookDeliveryAttemptRecordMany appends the attempts to webhook_attempts and updates their deliveries
	// (attempts, state, next and last attempt). It returns the delivery ids that do not exist; nothing is
	// recorded for those. It is atomic on its own (one commit serves every attempt given) and inside Tx.
	WebhookDeliveryAttemptRecordMany(ctx context.Context, params []*WebhookDeliveryAttemptParams) (missing []int64, err error)
	// WebhookDeliveryStateSet changes the state of the given deliveries (only those in OnlyStates, when set)
	// and returns the ids it changed.
	WebhookDeliveryStateSet(ctx context.Context, params *WebhookDeliveryStateSetParams) ([]int64, error)
	WebhookAttemptList(ctx context.Context, params *WebhookAttemptListParams) ([]*WebhookAttempt, error)
	// WebhookQueueStatList returns every connection's webhook queue: its pending deliveries (and how many of
	// them failed at least once), when the oldest of them was stored, and its dead ones, ordered by connection
	// name (connections with an empty queue included).
	WebhookQueueStatList(ctx context.Context) ([]*WebhookQueueStat, error)
	// WebhookDeliveryCountByState counts a connection's deliveries per state (states without any are absent).
	WebhookDeliveryCountByState(ctx context.Context, connectionID int64) (map[DeliveryState]int64, error)

	// DemandList returns the sold quantities of confirmed, not removed order lines of a connection, oldest
	// first; since (if not zero) bounds date_order from below.
	DemandList(ctx context.Context, connectionID int64, since time.Time) ([]Demand, error)
	// ForecastReplace replaces all forecast rows and statistics of a connection. Run it inside Tx so readers
	// never see half a forecast.
	ForecastReplace(ctx context.Context, connectionID int64, rows []*ForecastRow, stats []*ForecastStat) error
	ForecastList(ctx context.Context, params *ForecastListParams) ([]*ForecastRow, error)
	ForecastStatList(ctx context.Context, connectionID int64) ([]*ForecastStat, error)
	// ForecastStatGet returns one SKU's statistics; ErrNotFound when the SKU was not forecast.
	ForecastStatGet(ctx context.Context, connectionID int64, sku string) (*ForecastStat, error)
	// ForecastRunInsert keeps a forecast run and its rows (run.ID is set). Run it in the Tx of ForecastReplace.
	ForecastRunInsert(ctx context.Context, run *ForecastRun, rows []*ForecastSnapshot) error
	// ForecastRunList lists a connection's kept runs (connectionID 0: every connection's), oldest first.
	ForecastRunList(ctx context.Context, connectionID int64) ([]*ForecastRun, error)
	// ForecastRunDelete deletes a run and its snapshot rows; it returns the snapshot rows deleted.
	ForecastRunDelete(ctx context.Context, id int64) (int64, error)
	// ForecastSnapshotList returns the snapshot rows of the given runs, by run, SKU and month.
	ForecastSnapshotList(ctx context.Context, params *ForecastSnapshotListParams) ([]*ForecastSnapshot, error)

	// ForecastOverrideInsert appends a change (set or clear) to forecast_overrides and returns its id. The
	// table is append-only: nothing updates or deletes its rows but the deletion of their connection.
	ForecastOverrideInsert(ctx context.Context, o *ForecastOverride) (int64, error)
	// ForecastOverrideList lists the overrides in force, or with History every change.
	ForecastOverrideList(ctx context.Context, params *ForecastOverrideListParams) ([]*ForecastOverride, error)

	// BacklogList returns, per SKU, the confirmed quantity not yet delivered (over open, not removed lines).
	BacklogList(ctx context.Context, connectionID int64) (map[string]float64, error)
	// OrderDueList returns the lines of confirmed (sale, done), not removed order lines of a connection that are
	// open (not fully delivered) or whose order was placed in [from, to), summed by SKU, due date and Placed
	// (date_order in [from, to)), by SKU and due date (undated last). Their Open quantities add up to
	// BacklogList's.
	OrderDueList(ctx context.Context, connectionID int64, from, to time.Time) ([]*OrderDue, error)
	// ProductionReplace replaces a connection's plan rows of the given months. Run it inside Tx.
	ProductionReplace(ctx context.Context, connectionID int64, months []YearMonth, rows []*ProductionRow) error
	// ProductionList returns plan rows, ALTA first, then by production_needed descending.
	ProductionList(ctx context.Context, params *ProductionListParams) ([]*ProductionRow, error)
	// ProductionMonthList is every month of every connection's stored plan, with its row count, by connection
	// name and month: what the dashboard offers to show.
	ProductionMonthList(ctx context.Context) ([]*ProductionMonth, error)
	// ProductionRangeList returns the plan rows of a range of months (of one connection, or all), by
	// connection id, month and SKU.
	ProductionRangeList(ctx context.Context, params *ProductionRangeListParams) ([]*ProductionRow, error)
	// BacklogGet is BacklogList for one SKU (0 when it has no open lines).
	BacklogGet(ctx context.Context, connectionID int64, sku string) (float64, error)
	// SKUConnectionList names the connections that hold a SKU (a product, an order line, a forecast or a plan
	// row of it), by name.
	SKUConnectionList(ctx context.Context, sku string) ([]string, error)
	// DemandListBySKU is DemandList for one SKU, all of its history.
	DemandListBySKU(ctx context.Context, connectionID int64, sku string) ([]Demand, error)
	// ItemListBySKU returns a SKU's stored lines (not removed, any order state), newest order first (lines of
	// orders without a date last), at most limit (0: all).
	ItemListBySKU(ctx context.Context, connectionID int64, sku string, limit int) ([]*Item, error)
	// InventoryListBySKU returns the inventory rows of the products stored under a SKU.
	InventoryListBySKU(ctx context.Context, connectionID int64, sku string) ([]*Inventory, error)
	// PlanRunList is, per connection with a forecast or plan, when they were made and the priorities of the
	// given month's plan.
	PlanRunList(ctx context.Context, year, month int) ([]*PlanRun, error)

	SupplyExecutor
	StockMoveExecutor
	// Several serve processes on one database (cluster.go). Times are the database's clock. A process is alive
	// until its heartbeat expires; a lease lives as long as its holder.

	// ServeProcessBeat records that serve process p is alive until now + ttl (its row is inserted the first
	// time, StartedAt set when zero) and returns the database's clock and the processes alive, p included,
	// each with the number of leases it holds. Rows expired for nine TTLs more are deleted.
	ServeProcessBeat(ctx context.Context, p *ServeProcess, ttl time.Duration) (ServeProcessBeatResult, error)
	// ServeProcessList lists every process row, alive or not.
	ServeProcessList(ctx context.Context) ([]*ServeProcess, error)
	// ServeProcessEnd releases a process's leases and deletes its row, atomically: what a stopping serve does,
	// so that the others take its connections over at once instead of after the TTL.
	ServeProcessEnd(ctx context.Context, id string) error
	// ConnectionLeaseHeld lists the leases holder holds: the connections it may poll. It reads only, so it
	// never waits for a pass's transaction.
	ConnectionLeaseHeld(ctx context.Context, holder string) ([]*ConnectionLease, error)
	// ConnectionLeaseClaim claims up to limit leases of active connections that nobody holds (released at least
	// freeFor ago) or whose holder is dead, each with its epoch incremented, and returns them. Processes
	// claiming at once get different connections.
	ConnectionLeaseClaim(ctx context.Context, holder string, limit int, freeFor time.Duration) ([]*ConnectionLease, error)
	// ConnectionLeaseRelease gives up holder's leases of the given connections (those it does not hold are
	// left alone).
	ConnectionLeaseRelease(ctx context.Context, holder string, connectionIDs []int64) error
	// ConnectionLeaseList lists every lease with its holder's name and whether the holder lives, by connection.
	ConnectionLeaseList(ctx context.Context) ([]*ConnectionLease, error)
	// ConnectionLeaseCheck is a pass's fence, run first in each of its write transactions: it returns
	// ErrLeaseLost (wrapped) unless the lease is still (holder, epoch), and keeps it so until the transaction
	// ends (a claim by another process waits for it, or passes it by).
	ConnectionLeaseCheck(ctx context.Context, connectionID int64, holder string, epoch int64) error
	// ScheduleRunClaim claims the run of job name due at due for holder: true when holder inserted it, or took
	// over an unfinished one whose claimer is dead; false when another process has it.
	ScheduleRunClaim(ctx context.Context, name string, due time.Time, holder string) (bool, error)
	// ScheduleRunFinish records the end of holder's run (errText "" when it succeeded).
	ScheduleRunFinish(ctx context.Context, name string, due time.Time, holder, errText string) error
	// ScheduleRunOrphanList lists the unfinished runs whose claimer is dead.
	ScheduleRunOrphanList(ctx context.Context) ([]*ScheduleRun, error)
	// ScheduleRunList lists job name's runs, oldest due first.
	ScheduleRunList(ctx context.Context, name string) ([]*ScheduleRun, error)
}

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	// Component is "" for Sales Engine's own migrations, or the other component whose tables share the database
	// ("river": the webhook queue).
	Component string
	Applied   bool
	AppliedAt time.Time // zero when not applied
}

// ForeignMigration brings the tables of another component sharing the database (River's queue) up to date and
// returns the migrations it applied. MigrationApply runs it under the migration lock, after Sales Engine's own
// migrations. On SQLite tx is the migration transaction, whose write lock is the migration lock: every change
// must go through tx (another connection would wait for that very lock). On PostgreSQL tx is nil: the lock is an
// advisory lock on a connection of its own, and the function uses connections of its own.
type ForeignMigration func(ctx context.Context, tx *sql.Tx) ([]Migration, error)

// ErrSchemaTooNew is returned when the database was migrated by a newer Sales Engine.
type ErrSchemaTooNew struct {
	DatabaseVersion int
	BinaryVersion   int
}

func (e *ErrSchemaTooNew) Error() string {
	return "database schema is at version " + itoa(e.DatabaseVersion) + " but this salesengine knows only up to " +
		itoa(e.BinaryVersion) + ": upgrade salesengine (an older binary must not write to a newer schema)"
}
