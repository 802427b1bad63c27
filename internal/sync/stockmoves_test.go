package sync_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

var stockHistory = &odootest.GenerateOptions{Years: 1, SKUs: 30, LinesPerMonth: 200, Customers: 20, StockOuts: 1}

// checkStockMoves compares the stored stock moves with the fake's done moves of storable products, field by
// field (quantities in the product's unit, whatever the move's).
func checkStockMoves(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	usage := map[int64]string{}
	for _, l := range f.srv.Locations() {
		usage[l.ID] = l.Usage
	}
	storable := map[int64]bool{}
	unit := map[int64]int64{}
	for _, p := range f.srv.Products() {
		storable[p.ID] = p.IsStorable && p.Type == "consu"
		unit[p.ID] = p.UoMID
	}
	want := map[int64]odootest.StockMove{}
	for _, m := range f.srv.StockMoves() {
		if m.State == "done" && storable[m.ProductID] {
			want[m.ID] = m
		}
	}
	ids, err := f.st.SupplyIDList(ctx, f.conn.ID, store.TableStockMoves)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(want) || len(want) == 0 {
		t.Errorf("%d stock moves stored, Odoo has %d done ones of storable products", len(ids), len(want))
	}
	got, err := f.st.StockMoveList(ctx, f.conn.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no stock move listed")
	}
	converted := 0
	for _, g := range got {
		w, ok := want[g.MoveID]
		if ok && w.UoMID != unit[w.ProductID] {
			converted++
		}
		if !ok {
			t.Errorf("stored move %d is not a done move of a storable product in Odoo", g.MoveID)
			continue
		}
		if g.ProductID != w.ProductID || math.Abs(g.Quantity-w.ProductQty) > 1e-9 || !g.Date.Equal(w.Date) ||
			g.LocationUsage != usage[w.LocationID] || g.LocationDestUsage != usage[w.LocationDestID] || g.State != "done" ||
			g.CompanyID != w.CompanyID || !g.WriteDate.Equal(w.WriteDate.Truncate(time.Second)) {
			t.Errorf("move %d stored as %+v, Odoo has %+v", g.MoveID, *g, w)
		}
	}
	if converted == 0 {
		t.Error("no move in a unit other than its product's: the conversion is not exercised")
	}
}

// TestStockMovesSync: the first sync stores the done moves of storable products of every company, in the product's
// unit, on 16 (quantity_done) and 17+ (quantity), on both engines; a second sync changes nothing; a new move
// arrives with the next pass and a deleted one is marked removed by a full sync; a sales-only Odoo is synced as
// before, with a note that stock-outs cannot be told.
func TestStockMovesSync(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "17", "19"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			engines(t, func(t *testing.T, st store.Store) {
				f := supplyFixture(t, st, v, nil, stockHistory)
				res := f.sync(t, sync.Options{})
				f.check(t)
				checkStockMoves(t, f)
				if res.Records[sync.ModelStockMove] == 0 {
					t.Errorf("records read %v: no stock move", res.Records)
				}
				// A first pass reads each move once: no listing before reading them whole.
				stored, err := st.SupplyIDList(context.Background(), f.conn.ID, store.TableStockMoves)
				if read := f.srv.Stats().ByMethod["stock.move.search_read"].Records; err != nil || read != int64(len(stored)) {
					t.Errorf("first pass read %d moves for %d stored (%v)", read, len(stored), err)
				}
				if again := f.sync(t, sync.Options{}); again.Inserted != 0 || again.Updated != 0 || again.Removed != 0 {
					t.Errorf("second sync: %+v", again)
				}

				var product, victim int64
				for _, m := range f.srv.StockMoves() {
					if m.State == "done" && m.LocationID == 4 {
						product, victim = m.ProductID, m.ID
						break
					}
				}
				f.srv.Advance(5 * time.Minute)
				var added int64
				if err := f.srv.Batch(func(tx *odootest.Tx) error {
					var err error
					if added, err = tx.MoveStock(product, 4, 8, 7); err != nil {
						return err
					}
					return tx.DeleteStockMove(victim)
				}); err != nil {
					t.Fatal(err)
				}
				f.srv.Advance(5 * time.Minute)
				if res := f.sync(t, sync.Options{}); res.Inserted == 0 {
					t.Errorf("the new move did not arrive: %+v", res)
				}
				if st, _ := st.SupplyStampGetMany(context.Background(), f.conn.ID, store.TableStockMoves, []int64{added, victim}); st[victim].Removed {
					t.Errorf("an incremental pass found a deletion: %+v", st)
				}
				if res := f.sync(t, sync.Options{Full: true}); res.Removed == 0 {
					t.Errorf("full sync: %+v, want the deleted move removed", res)
				}
				checkStockMoves(t, f)
			})
		})
	}
	t.Run("sales-only", func(t *testing.T) {
		t.Parallel()
		engines(t, func(t *testing.T, st store.Store) {
			f := supplyFixture(t, st, "17", []string{odootest.ModuleSale}, stockHistory)
			res := f.sync(t, sync.Options{})
			f.check(t)
			note := strings.Join(res.Notes, "; ")
			if !strings.Contains(note, "without stock there is no stock history") || res.Records[sync.ModelStockMove] != 0 {
				t.Errorf("sales-only Odoo: notes %q, records %v", note, res.Records)
			}
			if ids, err := st.SupplyIDList(context.Background(), f.conn.ID, store.TableStockMoves); err != nil || len(ids) != 0 {
				t.Errorf("stock moves of a sales-only Odoo: %v, %v", ids, err)
			}
			if res.Inserted == 0 || slices.Contains(res.Notes, "") {
				t.Errorf("sales-only sync: %+v", res)
			}
			// Without the stock app there is no stock to read: a later pass reads no product that did not change
			// (it read every one before, its stock.quant listing refused).
			f.srv.Advance(time.Minute)
			if again := f.sync(t, sync.Options{}); again.Records[sync.ModelProduct] != 0 {
				t.Errorf("sales-only: a second pass read %d products", again.Records[sync.ModelProduct])
			}
		})
	})
}

// movesCutShort is a source whose stock history fails after its first page, as an Odoo going away mid-read.
type movesCutShort struct{ *odoo.Client }

func (m movesCutShort) StockMovesWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func([]odoo.StockMove) error) error {
	pages := 0
	return m.Client.StockMovesWhere(ctx, d, pageSize, func(page []odoo.StockMove) error {
		if pages++; pages > 1 {
			return errors.New("odoo went away")
		}
		return fn(page)
	})
}

// TestFirstStockMovesCutShort: a first pass whose stock history stops after a page keeps that page, saves no
// cursor for it, and the next pass lists the history and reads the rest: the store then holds exactly Odoo's.
func TestFirstStockMovesCutShort(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := supplyFixture(t, st, "17", nil, stockHistory)
		if _, err := f.syncer.Sync(context.Background(), f.conn, movesCutShort{f.client}, sync.Options{}); err == nil {
			t.Fatal("a sync whose stock history failed succeeded")
		}
		stored, err := st.SupplyIDList(context.Background(), f.conn.ID, store.TableStockMoves)
		if err != nil || len(stored) != 10*f.syncer.PageSize {
			t.Fatalf("after the cut: %d moves stored (%v), want the first page's %d", len(stored), err, 10*f.syncer.PageSize)
		}
		if _, err := st.SyncCursorGet(context.Background(), f.conn.ID, sync.ModelStockMove); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("stock move cursor after the cut: %v, want none", err)
		}
		f.sync(t, sync.Options{})
		checkStockMoves(t, f)
	})
}

// checkStock compares every stored product's stock on hand with Odoo's qty_available.
func checkStock(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	inv, err := f.st.InventoryList(ctx, f.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := make(map[int64]float64, len(inv))
	for _, i := range inv {
		stored[i.ProductID] = i.QtyAvailable
	}
	n := 0
	err = f.client.ProductsWhere(ctx, odoo.Domain{}, 500, func(page []odoo.Product) error {
		for _, p := range page {
			if q, ok := stored[p.ID]; ok && math.Abs(q-p.QtyAvailable) > 1e-9 {
				t.Errorf("product %d: %g stored on hand, %g in Odoo", p.ID, q, p.QtyAvailable)
			}
			n++
		}
		return nil
	})
	if err != nil || n == 0 || len(stored) == 0 {
		t.Fatalf("%d products in Odoo, %d stored: %v", n, len(stored), err)
	}
}

// calls counts the calls to Odoo since the last reset, by "model.method", and resets them.
func calls(f *fixture) map[string]int64 {
	out := map[string]int64{}
	for k, m := range f.srv.Stats().ByMethod {
		out[k] = m.Calls
	}
	f.srv.ResetStats()
	return out
}

// TestStockFollowsMoves: the stock of a product moved by a done move (a delivery, an inventory adjustment, one
// committed later than the lag) is read again by the next pass, which lists the stock history and not
// stock.quant; an idle pass asks three listings (products, orders with their lines, moves), and a line edited
// without its order is still found and read; where stock.move cannot be read,
// the quants written since the last pass tell which stock to read. Both engines.
func TestStockFollowsMoves(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := supplyFixture(t, st, "17", []string{odootest.ModuleSale, odootest.ModuleStock}, stockHistory)
		f.sync(t, sync.Options{})
		checkStock(t, f)
		var delivered, counted int64
		for _, q := range f.srv.Quants() {
			if q.LocationID == 8 && q.Quantity > 5 {
				if delivered == 0 {
					delivered = q.ProductID
				} else if q.ProductID != delivered {
					counted = q.ProductID
					break
				}
			}
		}
		if counted == 0 {
			t.Fatal("no two products in stock")
		}
		f.srv.Advance(5 * time.Minute)
		if err := f.srv.Batch(func(tx *odootest.Tx) error {
			if _, err := tx.MoveStock(delivered, 8, 5, 3); err != nil { // WH/Stock to customers
				return err
			}
			return tx.SetQuantity(counted, 8, 1234)
		}); err != nil {
			t.Fatal(err)
		}
		f.srv.Advance(time.Minute)
		f.srv.ResetStats()
		f.sync(t, sync.Options{})
		checkStock(t, f)
		if c := calls(f); c["stock.quant.search_read"] != 0 || c["stock.move.search_read"] == 0 {
			t.Errorf("a pass after two moves asked %v: want stock.move listed, stock.quant not", c)
		}

		// Committed 10 minutes late (the lag is 2): the history's recheck window finds the move, and its stock.
		if err := f.srv.CommitLate(10*time.Minute, func(tx *odootest.Tx) error {
			_, err := tx.MoveStock(delivered, 8, 5, 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.srv.Advance(time.Minute)
		f.sync(t, sync.Options{})
		checkStock(t, f)

		// Idle, once the last changes are out of the recheck window (and the recent months were reconciled): one
		// listing per model.
		f.syncer.RecentEvery = time.Hour // the fixture's reconciles every pass
		f.srv.Advance(2 * time.Hour)
		f.sync(t, sync.Options{})
		f.srv.Advance(time.Minute)
		calls(f)
		f.sync(t, sync.Options{})
		c := calls(f)
		var total int64
		for _, n := range c {
			total += n
		}
		if total != 3 || c["product.product.search_read"] != 1 || c["sale.order.search_read"] != 1 || c["stock.move.search_read"] != 1 {
			t.Errorf("idle pass: %d calls %v, want 3 (products, orders with their lines, moves)", total, c)
		}

		// A line edited without its order: the order listing finds the order through the line, and the lines'
		// listing runs and reads it.
		var line int64
		for _, l := range f.srv.Lines() {
			if f.ever[l.OrderID] && l.ProductID != 0 {
				line = l.ID
				break
			}
		}
		must(t, f.srv.EditLine(line, 77, false))
		f.srv.Advance(time.Minute)
		f.sync(t, sync.Options{})
		if c := calls(f); c["sale.order.line.search_read"] == 0 {
			t.Errorf("after a line edit: calls %v, want the lines listed", c)
		}
		if got, err := st.ItemGetMany(context.Background(), f.conn.ID, []int64{line}); err != nil || got[line] == nil || got[line].Quantity != 77 {
			t.Errorf("line %d after an edit that left its order alone: %+v, %v; want quantity 77", line, got[line], err)
		}
		f.check(t)

		// Without access to stock.move: quants tell which products moved.
		f.srv.DenyAccess("stock.move")
		if err := f.srv.Batch(func(tx *odootest.Tx) error {
			_, err := tx.MoveStock(counted, 8, 5, 4)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.srv.Advance(time.Minute)
		res := f.sync(t, sync.Options{})
		checkStock(t, f)
		if c := calls(f); c["stock.quant.search_read"] == 0 {
			t.Errorf("without stock.move: calls %v, want stock.quant listed", c)
		}
		if !strings.Contains(strings.Join(res.Notes, "; "), "stock.move cannot be read") {
			t.Errorf("notes %q: the skipped stock history is not said", res.Notes)
		}
	})
}
