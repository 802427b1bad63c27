package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// syncProducts reads the products written since the product cursor (all of them on a first or full pass) and
// stores them with their stock. Stored SKUs are loaded first: lines are keyed by them.
func (r *run) syncProducts(ctx context.Context) error {
	w, err := r.windowOf(ctx, ModelProduct)
	if err != nil {
		return err
	}
	var d odoo.Domain
	if !w.since.IsZero() {
		d = odoo.Gte("write_date", w.since)
	}
	if err := r.readProducts(ctx, d); err != nil {
		return err
	}
	if now, ok := r.src.ServerTime(); ok { // else no answer carried a clock: keep the cursor where it is
		r.saveCursor(ModelProduct, now)
	}
	return nil
}

// storedProducts loads the stored products' SKUs and names, once per pass and only when a product or a line is
// to be written: an idle pass writes neither, and a connection may have thousands of products.
func (r *run) storedProducts(ctx context.Context) error {
	if r.products != nil {
		return nil
	}
	stored, err := r.s.Store.ProductList(ctx, r.conn.ID)
	if err != nil {
		return err
	}
	r.products = make(map[int64]productInfo, len(stored))
	for _, p := range stored {
		r.products[p.ProductID] = productInfo{sku: p.SKU, name: p.Name}
	}
	return nil
}

// readProducts reads and stores the products matching d, with their stock. A product whose SKU (default_code)
// changed takes its stored lines, forecasts and plan rows to the new SKU in the same transaction.
func (r *run) readProducts(ctx context.Context, d odoo.Domain) error {
	var done int64
	return r.src.ProductsWhere(ctx, d, r.s.pageSize(), func(page []odoo.Product) error {
		if len(page) == 0 {
			return nil
		}
		if err := r.storedProducts(ctx); err != nil {
			return err
		}
		prods := make([]*store.Product, 0, len(page))
		inv := make([]*store.Inventory, 0, len(page))
		type rename struct {
			id       int64
			old, new string
		}
		var renames []rename
		for _, p := range page {
			sku := skuOf(p)
			if p.DefaultCode == "" {
				r.noSKU[p.ID] = true
			}
			if old, ok := r.products[p.ID]; ok && old.sku != sku {
				renames = append(renames, rename{p.ID, old.sku, sku})
			}
			r.products[p.ID] = productInfo{sku: sku, name: p.Name}
			var wd *time.Time
			if !p.WriteDate.IsZero() {
				t := p.WriteDate
				wd = &t
			}
			prods = append(prods, &store.Product{ConnectionID: r.conn.ID, ProductID: p.ID, SKU: sku, Name: p.Name,
				Type: p.Type, Active: p.Active, UoM: p.UoM, CompanyID: p.CompanyID, CategID: p.CategID, CategName: p.CategName,
				WriteDate: wd, SyncedAt: r.syncedAt})
			inv = append(inv, &store.Inventory{ConnectionID: r.conn.ID, ProductID: p.ID, SKU: sku, Name: p.Name,
				Type: p.Type, Active: p.Active, QtyAvailable: p.QtyAvailable, VirtualAvailable: p.VirtualAvailable,
				SyncedAt: r.syncedAt})
		}
		r.res.Products += len(page)
		r.fetched(ModelProduct, len(page))
		// Renames and upserts are idempotent as a whole: on a lost connection the page is written again.
		var pr store.UpsertResult
		var moved []store.SKURenameResult
		err := r.tx(ctx, "store products", func(tx store.Executor) error {
			moved = moved[:0]
			for _, rn := range renames {
				m, err := tx.SKURename(ctx, r.conn.ID, rn.id, rn.old, rn.new, r.syncedAt)
				if err != nil {
					return fmt.Errorf("move SKU %s to %s: %w", rn.old, rn.new, err)
				}
				moved = append(moved, m)
			}
			var err error
			if pr, err = tx.ProductUpsertMany(ctx, prods); err != nil {
				return err
			}
			_, err = tx.InventoryUpsertMany(ctx, inv)
			return err
		})
		if err != nil {
			return err
		}
		for i, rn := range renames {
			m := moved[i]
			r.note("product %d: SKU %s is %s in Odoo now; moved %d lines, %d forecast and %d plan rows to it (%d derived rows dropped, recomputed by the next forecast)",
				rn.id, rn.old, rn.new, m.Items, m.Forecast, m.Production, m.Dropped)
		}
		r.add(written{inserted: pr.Inserted, updated: pr.Updated})
		r.res.Renamed += len(renames)
		done += int64(len(page))
		r.s.progress(Progress{Connection: r.conn.Name, Stage: "products", Done: done})
		return nil
	})
}

// knowProducts reads the products of lines that are not stored yet (created after this pass read products), so
// every line is stored under its product's SKU.
func (r *run) knowProducts(ctx context.Context, lines map[int64][]odoo.OrderLine) error {
	if err := r.storedProducts(ctx); err != nil {
		return err
	}
	var missing []int64
	for _, ls := range lines {
		for _, l := range ls {
			if _, ok := r.products[l.ProductID]; !ok && l.ProductID != 0 && l.DisplayType == "" {
				missing = append(missing, l.ProductID)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return r.readProducts(ctx, odoo.In("id", slices.Compact(missing)...))
}

// syncStock reads the stock history (where the stock app is installed) and refreshes the stock of the products
// whose quantities moved: those of the done moves this pass read, and those sold by the orders it wrote (their
// forecast quantity changed). Stock on hand changes only by done moves, which Odoo never deletes, so the history's
// listing (with its recheck window) is the stock's too and stock.quant is not listed. Where the history is not
// listed (no access to stock.move, or a first read of it), the products of the quants written since the quant
// cursor are read instead; where stock.quant cannot be read either, every product's stock. A first or full pass
// read every product's stock already; without the stock app there is no stock to read.
func (r *run) syncStock(ctx context.Context) error {
	p, apps, err := r.supplyPass(ctx)
	if err != nil {
		return err
	}
	if apps {
		if err := p.syncStockMoves(ctx); err != nil {
			return err
		}
		if !p.mods.Stock {
			return nil
		}
	}
	w, err := r.windowOf(ctx, ModelQuant)
	if err != nil {
		return err
	}
	if w.since.IsZero() && w.fresh.IsZero() {
		// First pass: every product was read with its stock just now; start the quant cursor here.
		if now, ok := r.src.ServerTime(); ok {
			r.saveCursor(ModelQuant, now)
		}
		if !r.movesListed.IsZero() {
			r.saveCursor(ModelStockMove, r.movesListed)
		}
		return nil
	}
	if !r.movesListed.IsZero() {
		if err := r.readStockOf(ctx, r.moved, r.sold); err != nil {
			return err
		}
		r.saveCursor(ModelStockMove, r.movesListed)
		// Kept current, so that a pass that cannot list the history lists quants from here.
		if now, ok := r.src.ServerTime(); ok {
			r.saveCursor(ModelQuant, now)
		}
		return nil
	}
	// Quants are listed from the cursor, without the recheck window: stock is not keyed by write_date in the
	// store, so a recheck would read again every product moved in the last hour on every pass. A stock change
	// committed later than the lag is caught by the whole-history reconciliation, which reads all stock again.
	moved := map[int64]bool{}
	now, err := r.src.Stamps(ctx, ModelQuant, w.fresh, r.s.listSize(), func(page []odoo.Stamp) error {
		r.fetched(ModelQuant, len(page))
		for _, st := range page {
			if st.ProductID != 0 {
				moved[st.ProductID] = true
			}
		}
		return nil
	})
	var rpc *odoo.RPCError
	var missing *odoo.FieldMissingError
	if errors.As(err, &rpc) || errors.As(err, &missing) {
		r.log().Debug("stock.quant cannot be read; reading every product's stock", "error", err)
		return r.readProducts(ctx, odoo.Domain{})
	}
	if err != nil {
		return err
	}
	if err := r.readStockOf(ctx, moved, r.sold); err != nil {
		return err
	}
	r.saveCursor(ModelQuant, now)
	return nil
}

// readStockOf reads again the products (with their stock) in any of the sets.
func (r *run) readStockOf(ctx context.Context, sets ...map[int64]bool) error {
	var ids []int64
	for _, set := range sets {
		for id := range set {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	return r.readProducts(ctx, odoo.In("id", slices.Compact(ids)...))
}
