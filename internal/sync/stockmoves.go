package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	// A first pass that finds no move of the connection stored (not one resumed) reads the history whole without
	// listing it, and none back: it alone writes the connection's moves, and a first sync stores as many as lines.
	none := false
	if p.initial {
		n, err := p.s.Store.ConnectionDataCount(ctx, p.conn.ID)
		if err != nil {
			return err
		}
		none = n.StockMoves == 0
	}
	if none {
		return p.firstStockMoves(ctx, src, filter)
	}
	l, err := p.list(ctx, ModelStockMove, filter, p.stampsOf(ctx, store.TableStockMoves), sameStamp)
	if err != nil {
		return err
	}
	// Moves are small and many (a full pass lists the whole history): read and written by listing pages.
	err = flatIn(ctx, p, p.s.listSize(), store.TableStockMoves, ModelStockMove, l.want,
		func(d odoo.Domain, fn func([]odoo.StockMove) error) error {
			// A move listed done but no longer done (or of a product no longer storable) is gone from the history.
			// One call per chunk: the chunk is in memory anyway, and each page would evaluate the chunk's id list.
			// A page one larger than the chunk is never full, so no empty page is asked for after it.
			return src.StockMovesWhere(ctx, odoo.And(d, filter), p.s.listSize()+1, fn)
		},
		func(m odoo.StockMove) int64 { return m.ID },
		func(tx store.Executor, rows []odoo.StockMove) (store.UpsertResult, error) {
			for _, m := range rows {
				p.moved[m.ProductID] = true
			}
			return tx.StockMoveUpsertMany(ctx, p.storeMoves(rows))
		})
	if err != nil {
		return err
	}
	// The cursor is saved by the stock step, once it has read the stock of the products these moves moved.
	p.movesListed = l.now
	return nil
}

// firstStockMoves reads the whole stock history of a connection that has none stored, page by page, and writes
// each page as it comes: listing the moves first, as later passes do to find what changed, read every move
// twice, and a first sync's stock history is as large as its sales. The window ends where a listing's would, at
// the server's clock before the read (a move written after it is for the next pass, which lists from before
// this one's cursor), and the cursor is saved there. Cut short, the pass saves no cursor; the next one finds
// moves stored and lists.
func (p *supplyPass) firstStockMoves(ctx context.Context, src StockSource, filter odoo.Domain) error {
	now := p.s.now()
	if t, ok := p.run.src.ServerTime(); ok {
		now = t
	}
	d := odoo.And(filter, odoo.Lt("write_date", now.Add(time.Second).UTC().Truncate(time.Second)))
	err := src.StockMovesWhere(ctx, d, p.s.listSize(), func(page []odoo.StockMove) error {
		p.fetched(ModelStockMove, len(page))
		rows := p.storeMoves(page)
		tries := 0
		return p.writeSupply(ctx, store.TableStockMoves, nil, func(tx store.Executor) (store.UpsertResult, error) {
			if tries++; tries > 1 { // a try after a lost connection: the lost commit may have stored them
				return tx.StockMoveUpsertMany(ctx, rows)
			}
			return tx.StockMoveWriteMany(ctx, rows, nil)
		})
	})
	if err != nil {
		return err
	}
	p.saveCursor(ModelStockMove, now)
	return nil
}

// storeMoves are the rows to store for moves read from Odoo.
func (p *supplyPass) storeMoves(moves []odoo.StockMove) []*store.StockMove {
	out := make([]*store.StockMove, len(moves))
	for i, m := range moves {
		out[i] = &store.StockMove{ConnectionID: p.conn.ID, MoveID: m.ID, ProductID: m.ProductID, Quantity: m.Quantity, Date: m.Date,
			LocationID: m.LocationID, LocationDestID: m.LocationDestID, LocationUsage: m.LocationUsage,
			LocationDestUsage: m.LocationDestUsage, State: m.State, CompanyID: m.CompanyID, WriteDate: m.WriteDate, SyncedAt: p.syncedAt}
	}
	return out
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
