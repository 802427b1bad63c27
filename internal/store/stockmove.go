package store

import (
	"context"
	"time"
)

// TableStockMoves holds the done stock moves of storable products (stock.move, key move_id), read where the
// stock app is installed. Its rows go through the supply tables' generic operations (SupplyStampGetMany,
// SupplyIDList, SupplyMarkRemoved), but it is not one of SupplyTables: it is stock history, not supply.
const TableStockMoves SupplyTable = "stock_moves"

// Location usages of Odoo's stock.location that matter to the stock level: only internal locations hold stock
// on hand; the others are where goods come from or go to.
const (
	UsageInternal = "internal"
)

// StockMove is a row of stock_moves: a done stock.move of a storable product.
type StockMove struct {
	ConnectionID      int64
	MoveID            int64
	ProductID         int64
	Quantity          float64   // done, in the product's unit of measure
	Date              time.Time // when it was done
	LocationID        int64
	LocationDestID    int64
	LocationUsage     string // internal, supplier, customer, production, inventory, transit, view
	LocationDestUsage string
	State             string // done
	CompanyID         int64
	WriteDate         time.Time
	RemovedAt         *time.Time
	SyncedAt          time.Time
}

// Net is what the move did to the stock on hand: +Quantity into an internal location from outside, -Quantity out
// of one, 0 between two internal locations (or two outside ones).
func (m *StockMove) Net() float64 {
	in, out := m.LocationDestUsage == UsageInternal, m.LocationUsage == UsageInternal
	switch {
	case in && !out:
		return m.Quantity
	case out && !in:
		return -m.Quantity
	}
	return 0
}

// StockMoveExecutor holds the stock_moves operations (part of Executor).
type StockMoveExecutor interface {
	// StockMoveUpsertMany writes the rows given (new, changed, or back from removed) and counts the new ones as
	// inserted, the others as updated; rows equal to the stored ones (synced_at aside) are not written.
	StockMoveUpsertMany(ctx context.Context, rows []*StockMove) (UpsertResult, error)
	// StockMoveWriteMany is StockMoveUpsertMany against the stored versions the caller read (by move id; nil: none
	// stored), which it does not read again.
	StockMoveWriteMany(ctx context.Context, rows []*StockMove, stored map[int64]*StockMove) (UpsertResult, error)
	// StockMoveList returns a connection's stock moves not marked removed that changed the stock on hand (one
	// side internal, the other not) and were done at or after since (zero: all), by product then date then id.
	StockMoveList(ctx context.Context, connectionID int64, since time.Time) ([]*StockMove, error)
	// StockMoveNetList is StockMoveList reduced to what the stock level needs, read with less: each move's
	// product, date and Net.
	StockMoveNetList(ctx context.Context, connectionID int64) ([]StockMoveNet, error)
}

// StockMoveNet is what a stock move did to the stock on hand of a product at a time (StockMove.Net).
type StockMoveNet struct {
	ProductID int64
	Date      time.Time
	Net       float64
}
