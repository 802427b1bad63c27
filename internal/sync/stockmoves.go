package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// The stock history: the done stock moves of storable products, where the stock app is installed, from which the
// forecast tells the months a product could not be sold (docs/forecasting.md#stock-outs). They are listed like the
// supply models (a window from the cursor minus the recheck window, ending at the server's clock; the cursor saved
// at that clock minus the lag), restricted to done moves of storable products, and those that differ from the
// stored ones are read whole. A full sync compares ids and marks removed the moves Odoo no longer has as done.

// StockSource is what the stock history needs from Odoo; *odoo.Client implements it. A Source without it skips
// the stock history.
type StockSource interface {
	StockMoveFilter(ctx context.Context) (odoo.Domain, error)
	StockMovesWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.StockMove) error) error
}

var _ StockSource = (*odoo.Client)(nil)

// ModelStockMove is the stock history's model (its cursor lives in sync_state under this name).
const ModelStockMove = "stock.move"

// syncStockMoves reads the stock history where the stock app is installed; a full sync without the app marks
// every stored move removed.
func (p *supplyPass) syncStockMoves(ctx context.Context) error {
	src, ok := p.run.src.(StockSource)
	if !ok {
		return nil
	}
	if !p.mods.Stock {
		if p.opts.Full {
			return p.sweepStockMoves(ctx, nil)
		}
		return nil
	}
	filter, err := src.StockMoveFilter(ctx)
	if err == nil {
		err = p.stockMoves(ctx, src, filter)
	}
	var rpc *odoo.RPCError
	var missing *odoo.FieldMissingError
	if errors.As(err, &rpc) && rpc.IsAccessError() || errors.As(err, &missing) {
		// Stock moves the user cannot read do not stop the sync; stock-outs are then not told.
		p.note("%s cannot be read, skipped (stock-outs are not detected): %v", ModelStockMove, err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", ModelStockMove, err)
	}
	if p.opts.Full {
		return p.sweepStockMoves(ctx, func(fn func([]int64) error) error {
			return p.run.src.IDs(ctx, ModelStockMove, filter, 5000, fn)
		})
	}
	return nil
}

func (p *supplyPass) stockMoves(ctx context.Context, src StockSource, filter odoo.Domain) error {
	// A first pass that finds no move of the connection stored (not one resumed) reads none back: it alone writes
	// the connection's moves, and a first sync stores as many as lines.
	none := false
	if p.initial {
		n, err := p.s.Store.ConnectionDataCount(ctx, p.conn.ID)
		if err != nil {
			return err
		}
		none = n.StockMoves == 0
	}
	stamps := p.stampsOf(ctx, store.TableStockMoves)
	if none {
		stamps = func([]int64) (map[int64]store.SupplyStamp, error) { return nil, nil }
	}
	l, err := p.list(ctx, ModelStockMove, filter, stamps, sameStamp)
	if err != nil {
		return err
	}
	var last *odoo.StockMove // the first row of the last write: given again, the write is tried again
	// Moves are small and many (a first pass reads the whole history): read and written by listing pages.
	err = flatIn(ctx, p, p.s.listSize(), store.TableStockMoves, ModelStockMove, l.want,
		func(d odoo.Domain, fn func([]odoo.StockMove) error) error {
			// A move listed done but no longer done (or of a product no longer storable) is gone from the history.
			// One call per chunk: the chunk is in memory anyway, and each page would evaluate the chunk's id list.
			// A page one larger than the chunk is never full, so no empty page is asked for after it.
			return src.StockMovesWhere(ctx, odoo.And(d, filter), p.s.listSize()+1, fn)
		},
		func(m odoo.StockMove) int64 { return m.ID },
		func(tx store.Executor, rows []odoo.StockMove) (store.UpsertResult, error) {
			out := make([]*store.StockMove, len(rows))
			for i, m := range rows {
				out[i] = &store.StockMove{ConnectionID: p.conn.ID, MoveID: m.ID, ProductID: m.ProductID, Quantity: m.Quantity, Date: m.Date,
					LocationID: m.LocationID, LocationDestID: m.LocationDestID, LocationUsage: m.LocationUsage,
					LocationDestUsage: m.LocationDestUsage, State: m.State, CompanyID: m.CompanyID, WriteDate: m.WriteDate, SyncedAt: p.syncedAt}
			}
			again := len(rows) > 0 && last == &rows[0]
			if len(rows) > 0 {
				last = &rows[0]
			}
			if none && !again { // a try after a lost connection reads: the lost commit may have stored them
				return tx.StockMoveWriteMany(ctx, out, nil)
			}
			return tx.StockMoveUpsertMany(ctx, out)
		})
	if err != nil {
		return err
	}
	p.saveCursor(ModelStockMove, l.now)
	return nil
}

// sweepStockMoves marks removed the stored moves ids does not give (nil ids: every stored move).
func (p *supplyPass) sweepStockMoves(ctx context.Context, ids func(fn func([]int64) error) error) error {
	var stored []int64
	err := p.retry(ctx, "list the stored stock moves", func() error {
		var err error
		stored, err = p.s.Store.SupplyIDList(ctx, p.conn.ID, store.TableStockMoves)
		return err
	})
	if err != nil || len(stored) == 0 {
		return err
	}
	inOdoo := map[int64]bool{}
	if ids != nil {
		if err := ids(func(page []int64) error {
			for _, id := range page {
				inOdoo[id] = true
			}
			return nil
		}); err != nil {
			return fmt.Errorf("%s: %w", ModelStockMove, err)
		}
	}
	var gone []int64
	for _, id := range stored {
		if !inOdoo[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	return p.writeSupply(ctx, store.TableStockMoves, gone, func(store.Executor) (store.UpsertResult, error) { return store.UpsertResult{}, nil })
}
