package sync_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/sync"
)

// newFixtureWith starts a fake Odoo with opts and makes a connection named name to it.
func newFixtureWith(t *testing.T, st store.Store, name string, opts odootest.Options) *fixture {
	t.Helper()
	srv, err := odootest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	client, err := odoo.New(odoo.Config{URL: srv.URL(), Database: "odoo", Username: "admin", Secret: "test-api-key-0123456789",
		Protocol: odoo.ProtocolAuto, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := st.ConnectionInsert(context.Background(), &store.ConnectionInsertParams{Name: name, URL: srv.URL(),
		Database: "odoo", Username: "admin", Protocol: "auto", PollInterval: time.Minute, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, client: client, conn: conn, st: st, ever: map[int64]bool{},
		syncer: &sync.Syncer{Store: st, PageSize: 50, Lag: time.Minute, RecentEvery: -1, Now: func() time.Time { return srv.Now() }}}
}

// supplyFixture is a fixture whose fake has the given apps installed (and the models of noAccess unreadable).
func supplyFixture(t *testing.T, st store.Store, version string, modules []string, data *odootest.GenerateOptions, noAccess ...string) *fixture {
	t.Helper()
	f := newFixtureWith(t, st, "mrp-"+version, odootest.Options{Version: version, Seed: 11, Data: data, Modules: modules, NoAccess: noAccess})
	f.syncer.PageSize = 20
	return f
}

func (f *fixture) supplyTruth(since time.Time) storetest.SupplyTruth {
	return storetest.SupplyTruth{Fake: f.srv, Since: since}
}

var supplyHistory = &odootest.GenerateOptions{Years: 1, SKUs: 40}

// TestSupplySyncEveryVersion: a first sync stores exactly what Odoo has of manufacturing, purchasing and
// replenishment for every version and every set of apps, a sales-only Odoo gets none of it and a note, and a
// second sync changes nothing.
func TestSupplySyncEveryVersion(t *testing.T) {
	t.Parallel()
	apps := map[string][]string{
		"all":           odootest.AllModules,
		"mrp":           {odootest.ModuleSale, odootest.ModuleStock, odootest.ModuleMRP},
		"purchase":      {odootest.ModuleSale, odootest.ModuleStock, odootest.ModulePurchase},
		"purchase-only": {odootest.ModuleSale, odootest.ModulePurchase},
		"sales":         nil,
	}
	for _, v := range []string{"16", "17", "18", "19"} {
		for name, mods := range apps {
			t.Run(v+"/"+name, func(t *testing.T) {
				t.Parallel()
				engines(t, func(t *testing.T, st store.Store) {
					ctx := context.Background()
					f := supplyFixture(t, st, v, mods, supplyHistory)
					since := f.srv.Now().Add(-sync.SupplyHistory)
					res := f.sync(t, sync.Options{})
					f.check(t)
					f.supplyTruth(since).Check(t, st, f.conn.ID)
					note := strings.Join(res.Notes, "; ")
					if !strings.Contains(note, "Odoo apps installed: ") {
						t.Errorf("no note of the apps: %q", note)
					}
					got, err := st.SupplyList(ctx, f.conn.ID)
					if err != nil {
						t.Fatal(err)
					}
					mrp, purchase := slices.Contains(mods, odootest.ModuleMRP), slices.Contains(mods, odootest.ModulePurchase)
					if (len(got.Productions) > 0) != mrp || (len(got.BoMLines) > 0) != mrp || (len(got.PurchaseLines) > 0) != purchase ||
						(len(got.SupplierInfos) > 0) != purchase {
						t.Errorf("apps %v: %d MOs, %d BoM lines, %d purchase lines, %d vendor lines", mods, len(got.Productions),
							len(got.BoMLines), len(got.PurchaseLines), len(got.SupplierInfos))
					}
					if !mrp && !purchase {
						if !strings.Contains(note, "only sales and stock are read") || res.Records["mrp.production"]+res.Records["product.template"] != 0 {
							t.Errorf("sales-only Odoo: notes %q, records %v", note, res.Records)
						}
					}
					again := f.sync(t, sync.Options{})
					if again.Inserted != 0 || again.Updated != 0 || again.Removed != 0 || slices.ContainsFunc(again.Notes, func(n string) bool {
						return strings.Contains(n, "Odoo apps")
					}) {
						t.Errorf("second sync: %+v", again)
					}
				})
			})
		}
	}
}

// TestSupplyChangesArrive: manufacturing orders created, confirmed, finished and cancelled, purchase orders
// created, confirmed, received and cancelled, BoM, orderpoint, vendor and route edits, a mass change of many
// orders in one second and a transaction committed late all arrive with the next pass; deletions arrive with a
// full sync (a purchase order's lost line with its order's next change).
func TestSupplyChangesArrive(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "19"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			engines(t, func(t *testing.T, st store.Store) {
				f := supplyFixture(t, st, v, odootest.AllModules, supplyHistory)
				f.syncer.PageSize = 5 // listings of 50: the 70 MOs of one second span pages
				since := f.srv.Now().Add(-sync.SupplyHistory)
				f.sync(t, sync.Options{})
				srv := f.srv
				var manufactured, bought []int64
				for _, b := range srv.BoMs() {
					if b.Active && b.Type == "normal" {
						manufactured = append(manufactured, b.ProductTmplID)
					}
				}
				for _, x := range srv.SupplierInfos() {
					bought = append(bought, x.ProductTmplID)
				}
				var open, toFinish, draftPO int64
				for _, m := range srv.Productions() {
					switch {
					case m.State == "confirmed" && open == 0:
						open = m.ID
					case (m.State == "progress" || m.State == "to_close" || m.State == "confirmed") && toFinish == 0:
						toFinish = m.ID
					}
				}
				for _, po := range srv.PurchaseOrders() {
					if po.State == "draft" || po.State == "sent" {
						draftPO = po.ID
					}
				}
				if open == 0 || toFinish == 0 || draftPO == 0 {
					t.Fatalf("generated data lacks an open MO (%d), one in progress (%d) or an RFQ (%d)", open, toFinish, draftPO)
				}
				srv.Advance(time.Hour)
				newMO, err := srv.AddProduction(odootest.NewProduction{ProductID: manufactured[0], Qty: 30, Start: srv.Now().Add(48 * time.Hour)})
				must(t, err)
				srv.Advance(time.Second)
				must(t, srv.ConfirmProduction(newMO))
				must(t, srv.FinishProduction(toFinish))
				must(t, srv.CancelProduction(open))
				srv.Advance(time.Second)
				po, err := srv.AddPurchase(odootest.NewPurchase{Lines: []odootest.NewPurchaseLine{{ProductID: bought[0], Qty: 60,
					DatePlanned: srv.Now().Add(20 * 24 * time.Hour)}, {ProductID: bought[1], Qty: 12}}})
				must(t, err)
				srv.Advance(time.Second)
				must(t, srv.ConfirmPurchase(po))
				must(t, srv.ConfirmPurchase(draftPO)) // on 19 its lines keep their write_date
				srv.Advance(time.Second)
				lines := srv.PurchaseOrders()
				var received int64
				for _, o := range lines {
					if o.ID == po {
						received = o.LineIDs[0]
					}
				}
				must(t, srv.ReceivePurchaseLine(received, 25))
				bl := srv.BoMLines()[0]
				op := srv.Orderpoints()[0]
				x := srv.SupplierInfos()[0]
				must(t, srv.Batch(func(tx *odootest.Tx) error {
					if err := tx.SetBoMLineQty(bl.ID, bl.ProductQty+1); err != nil {
						return err
					}
					if err := tx.SetOrderpoint(op.ID, op.MinQty+5, op.MaxQty+10, 12); err != nil {
						return err
					}
					if err := tx.SetSupplierInfo(x.ID, x.Delay+3, 40); err != nil {
						return err
					}
					if err := tx.SetProductRoutes(bought[2], odootest.RouteBuy, odootest.RouteManufacture); err != nil {
						return err
					}
					if err := tx.SetProduceDelay(manufactured[1], 12); err != nil {
						return err
					}
					// A mass confirmation: many MOs in one transaction, one write_date second, several pages.
					for i := range 70 {
						if _, err := tx.AddProduction(odootest.NewProduction{ProductID: manufactured[i%len(manufactured)], Qty: float64(i + 1),
							State: "confirmed"}); err != nil {
							return err
						}
					}
					return nil
				}))
				srv.Advance(10 * time.Second)
				// A long transaction that commits now with a write_date 30 seconds in the past.
				must(t, srv.CommitLate(30*time.Second, func(tx *odootest.Tx) error {
					_, err := tx.AddProduction(odootest.NewProduction{ProductID: manufactured[0], Qty: 7})
					return err
				}))
				srv.Advance(2 * time.Minute)
				res := f.sync(t, sync.Options{})
				if res.Inserted < 73 {
					t.Errorf("second sync inserted %d rows, want at least the 72 new MOs and the new purchase lines", res.Inserted)
				}
				f.supplyTruth(since).Check(t, st, f.conn.ID)

				// Deletions: invisible to an incremental pass, found by a full one.
				var deadBoM odootest.BoM
				for _, b := range srv.BoMs() {
					if !b.Active {
						deadBoM = b
					}
				}
				srv.Advance(time.Minute)
				must(t, srv.Batch(func(tx *odootest.Tx) error {
					if err := tx.DeleteBoM(deadBoM.ID); err != nil {
						return err
					}
					if err := tx.DeleteOrderpoint(op.ID); err != nil {
						return err
					}
					if err := tx.DeleteSupplierInfo(x.ID); err != nil {
						return err
					}
					return tx.DeleteProduction(newMO)
				}))
				srv.Advance(time.Minute)
				f.sync(t, sync.Options{})
				if ids, _ := st.SupplyIDList(context.Background(), f.conn.ID, store.TableOrderpoints); !slices.Contains(ids, op.ID) {
					t.Fatal("an incremental sync cannot see a deletion, yet the orderpoint is gone")
				}
				full := f.sync(t, sync.Options{Full: true})
				if want := int64(4 + len(deadBoM.LineIDs)); full.Removed < want {
					t.Errorf("full sync removed %d rows, want at least %d", full.Removed, want)
				}
				f.supplyTruth(since).Check(t, st, f.conn.ID)
			})
		})
	}
}

// TestSupplyModelNotReadable: a supply model the Odoo user cannot read is skipped with a note; the sales and
// the other models are synced.
func TestSupplyModelNotReadable(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := supplyFixture(t, st, "17", odootest.AllModules, supplyHistory, "mrp.production")
		res := f.sync(t, sync.Options{})
		f.check(t)
		if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "mrp.production cannot be read, skipped") }) {
			t.Errorf("notes %q", res.Notes)
		}
		got, err := st.SupplyList(context.Background(), f.conn.ID)
		if err != nil || len(got.Productions) != 0 || len(got.BoMs) == 0 || len(got.PurchaseLines) == 0 {
			t.Fatalf("supply with mrp.production unreadable: %d MOs, %d BoMs, %d purchase lines, %v", len(got.Productions), len(got.BoMs),
				len(got.PurchaseLines), err)
		}
		if again := f.sync(t, sync.Options{}); !slices.ContainsFunc(again.Notes, func(n string) bool { return strings.Contains(n, "mrp.production cannot be read") }) {
			t.Errorf("second pass notes %q: the model is tried again every pass", again.Notes)
		}
	})
}

// TestSupplyFullSyncFindsDeletions: records deleted in Odoo are invisible to an incremental pass and marked
// removed by a full one, as orders are: a manufacturing order cancelled (an incremental pass stores the state)
// and then deleted, as Odoo allows only for a cancelled one, and a line deleted from a request for quotation
// without its order being written. A model whose rights were taken away is not swept: unreadable is not deleted.
func TestSupplyFullSyncFindsDeletions(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "18"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			engines(t, func(t *testing.T, st store.Store) {
				ctx := context.Background()
				f := supplyFixture(t, st, v, odootest.AllModules, supplyHistory)
				since := f.srv.Now().Add(-sync.SupplyHistory)
				srv := f.srv
				bought := srv.SupplierInfos()
				rfq, err := srv.AddPurchase(odootest.NewPurchase{Lines: []odootest.NewPurchaseLine{{ProductID: bought[0].ProductTmplID, Qty: 40},
					{ProductID: bought[1].ProductTmplID, Qty: 8}}})
				must(t, err)
				f.sync(t, sync.Options{})
				var mo, rfqLine, kept int64
				for _, m := range srv.Productions() {
					if m.State == "confirmed" && mo == 0 {
						mo = m.ID
					}
				}
				for _, po := range srv.PurchaseOrders() {
					if po.ID == rfq {
						rfqLine, kept = po.LineIDs[0], po.LineIDs[1]
					}
				}
				if mo == 0 {
					t.Fatal("generated data lacks a confirmed MO")
				}
				srv.Advance(2 * sync.DefaultRecheck) // the RFQ leaves the window a pass compares again
				f.sync(t, sync.Options{})
				stored := func(table store.SupplyTable, id int64) bool {
					t.Helper()
					ids, err := st.SupplyIDList(ctx, f.conn.ID, table)
					if err != nil {
						t.Fatal(err)
					}
					return slices.Contains(ids, id)
				}
				if !stored(store.TableProductions, mo) || !stored(store.TablePurchaseLines, rfqLine) {
					t.Fatal("the first sync did not store the MO or the RFQ's line")
				}
				srv.Advance(time.Minute)
				must(t, srv.CancelProduction(mo))
				must(t, srv.Batch(func(tx *odootest.Tx) error { return tx.DeletePurchaseLine(rfqLine) }))
				srv.Advance(2 * time.Minute)
				f.sync(t, sync.Options{})
				sup, err := st.SupplyList(ctx, f.conn.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range sup.Productions {
					if m.ProductionID == mo && m.State != "cancel" {
						t.Errorf("cancelled MO stored as %q", m.State)
					}
				}
				if !stored(store.TablePurchaseLines, rfqLine) {
					t.Fatal("an incremental pass cannot see the line's deletion (its order was not written), yet it is gone")
				}
				srv.Advance(time.Minute)
				must(t, srv.Batch(func(tx *odootest.Tx) error { return tx.DeleteProduction(mo) }))
				srv.Advance(2 * time.Minute)
				full := f.sync(t, sync.Options{Full: true})
				if stored(store.TableProductions, mo) || stored(store.TablePurchaseLines, rfqLine) || !stored(store.TablePurchaseLines, kept) {
					t.Errorf("after a full sync: MO %d stored %v, deleted line stored %v, the other line of its order stored %v",
						mo, stored(store.TableProductions, mo), stored(store.TablePurchaseLines, rfqLine), stored(store.TablePurchaseLines, kept))
				}
				if full.Removed < 2 {
					t.Errorf("full sync removed %d rows, want at least the MO and the line", full.Removed)
				}
				f.supplyTruth(since).Check(t, st, f.conn.ID)

				// Rights taken away: the full sync goes on, says so, and marks nothing of that model removed.
				srv.DenyAccess(sync.ModelPurchaseLine)
				before, _ := st.SupplyIDList(ctx, f.conn.ID, store.TablePurchaseLines)
				res := f.sync(t, sync.Options{Full: true})
				after, _ := st.SupplyIDList(ctx, f.conn.ID, store.TablePurchaseLines)
				if len(after) != len(before) || len(after) == 0 {
					t.Errorf("purchase lines stored: %d before, %d after a full sync that could not read them", len(before), len(after))
				}
				if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "deletions not checked") }) {
					t.Errorf("notes %q: want the unchecked deletions said", res.Notes)
				}
			})
		})
	}
}

// TestBoMLinesListedOnlyWhenABoMHasOne: an idle pass lists BoMs and, through them, their lines in one call; a
// component's quantity edited without its BoM is still found and stored. Both engines.
func TestBoMLinesListedOnlyWhenABoMHasOne(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := supplyFixture(t, st, "17", odootest.AllModules, supplyHistory)
		since := f.srv.Now().Add(-sync.SupplyHistory)
		f.sync(t, sync.Options{})
		f.syncer.RecentEvery = time.Hour
		f.srv.Advance(2 * time.Hour)
		f.sync(t, sync.Options{})
		f.srv.Advance(time.Minute)
		calls(f)
		f.sync(t, sync.Options{})
		if c := calls(f); c["mrp.bom.search_read"] != 1 || c["mrp.bom.line.search_read"] != 0 {
			t.Errorf("idle pass: calls %v, want the BoMs listed once and their lines not", c)
		}
		bl := f.srv.BoMLines()[0]
		must(t, f.srv.Batch(func(tx *odootest.Tx) error { return tx.SetBoMLineQty(bl.ID, bl.ProductQty+3) }))
		f.srv.Advance(time.Minute)
		f.sync(t, sync.Options{})
		if c := calls(f); c["mrp.bom.line.search_read"] == 0 {
			t.Errorf("after a component's quantity changed: calls %v, want the BoM lines listed", c)
		}
		f.supplyTruth(since).Check(t, st, f.conn.ID)
	})
}
