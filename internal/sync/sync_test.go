package sync_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/sync"
)

// engines runs fn against a fresh SQLite store and, when configured, a fresh PostgreSQL one.
func engines(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sync.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		migrate(t, s)
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := postgres.Open(context.Background(), storetest.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		migrate(t, s)
		fn(t, s)
	})
}

func migrate(t *testing.T, s store.Store) {
	t.Helper()
	if _, err := s.MigrationApply(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// fixture is a fake Odoo, a client for it and a connection row pointing at it.
type fixture struct {
	srv    *odootest.Server
	client *odoo.Client
	conn   *store.Connection
	st     store.Store
	syncer *sync.Syncer
	// ever holds the ids of orders that were confirmed at some sync: exactly the orders the store must hold.
	ever map[int64]bool
}

func newFixture(t *testing.T, st store.Store, version string, data *odootest.GenerateOptions) *fixture {
	t.Helper()
	return newFixtureWith(t, st, "acme-"+version, odootest.Options{Version: version, Seed: 7, Data: data})
}

func (f *fixture) sync(t *testing.T, opts sync.Options) sync.Result {
	t.Helper()
	for _, o := range f.srv.Orders() {
		if o.State == "sale" || o.State == "done" {
			f.ever[o.ID] = true
		}
	}
	res, err := f.syncer.Sync(context.Background(), f.conn, f.client, opts)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res
}

// check compares the store with the fake's own records, field by field.
func (f *fixture) check(t *testing.T) {
	t.Helper()
	storetest.GroundTruth{Fake: f.srv, Ever: f.ever}.Check(t, f.st, f.conn.ID)
}

var smallHistory = &odootest.GenerateOptions{Years: 1, SKUs: 25}

func TestFirstSyncStoresExactlyTheConfirmedSales(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		res := f.sync(t, sync.Options{})
		if res.Inserted == 0 || res.Events != 0 {
			t.Errorf("first sync: %+v (a first sync is a baseline: no events)", res)
		}
		f.check(t)
		companies := map[int64]bool{}
		ids, _ := st.OrderIDList(context.Background(), f.conn.ID)
		orders, _ := st.OrderGetMany(context.Background(), f.conn.ID, ids)
		for _, o := range orders {
			companies[o.CompanyID] = true
		}
		if len(companies) < 2 {
			t.Errorf("orders of %d companies stored; the user belongs to two", len(companies))
		}
		again := f.sync(t, sync.Options{})
		if again.Inserted != 0 || again.Updated != 0 || again.Removed != 0 {
			t.Errorf("re-sync changed something: %+v", again)
		}
		logs, err := st.SyncLogList(context.Background(), &store.SyncLogListParams{ConnectionID: f.conn.ID})
		if err != nil || len(logs) != 2 || logs[0].Status != store.SyncOK || logs[1].RecordsInserted != res.Inserted {
			t.Errorf("sync logs = %+v, %v", logs, err)
		}
	})
}

func TestChangesBetweenSyncsArrive(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.sync(t, sync.Options{})
		var quotation, confirmed, other int64
		var lineOfConfirmed int64
		for _, o := range f.srv.Orders() {
			switch {
			case (o.State == "draft" || o.State == "sent") && quotation == 0:
				quotation = o.ID
			case o.State == "sale" && confirmed == 0:
				confirmed = o.ID
			case o.State == "sale" && other == 0:
				other = o.ID
			}
		}
		for _, l := range f.srv.Lines() {
			if l.OrderID == other && l.ProductID != 0 {
				lineOfConfirmed = l.ID
			}
		}
		f.srv.Advance(time.Hour)
		must(t, f.srv.ConfirmOrder(quotation))
		f.srv.Advance(time.Second)
		must(t, f.srv.CancelOrder(confirmed))
		f.srv.Advance(time.Second)
		must(t, f.srv.EditLine(lineOfConfirmed, 42, false)) // the order's write_date does not move
		f.srv.Advance(time.Second)
		// A mass confirmation: many orders and lines in one transaction, one write_date second, several pages.
		products := f.srv.Products()
		must(t, f.srv.Batch(func(tx *odootest.Tx) error {
			for i := range 120 {
				if _, err := tx.AddOrder(odootest.NewOrder{State: "sale", Lines: []odootest.NewLine{
					{ProductID: products[i%10].ID, Qty: float64(i + 1)},
					{DisplayType: "line_note", Name: "nota"}}}); err != nil {
					return err
				}
			}
			return nil
		}))
		f.srv.Advance(10 * time.Second)
		// A long transaction that commits now with a write_date 30 seconds in the past.
		must(t, f.srv.CommitLate(30*time.Second, func(tx *odootest.Tx) error {
			_, err := tx.AddOrder(odootest.NewOrder{State: "sale", Lines: []odootest.NewLine{{ProductID: products[3].ID, Qty: 5}}})
			return err
		}))
		res := f.sync(t, sync.Options{})
		if res.Inserted < 121 {
			t.Errorf("second sync inserted %d, want at least the 121 new orders", res.Inserted)
		}
		f.check(t)
		if again := f.sync(t, sync.Options{}); again.Inserted != 0 || again.Updated != 0 {
			t.Errorf("third sync changed something: %+v", again)
		}
	})
}

func TestFullSyncFindsDeletions(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.sync(t, sync.Options{})
		var victim int64
		for _, o := range f.srv.Orders() {
			if o.State == "sale" {
				victim = o.ID
				break
			}
		}
		must(t, f.srv.DeleteOrder(victim))
		f.srv.Advance(time.Minute)
		f.sync(t, sync.Options{}) // incremental: a deletion is invisible
		if ids, _ := st.OrderIDList(context.Background(), f.conn.ID); !contains(ids, victim) {
			t.Fatal("incremental sync cannot see deletions, yet the order is gone")
		}
		res := f.sync(t, sync.Options{Full: true})
		if res.Removed == 0 {
			t.Errorf("full sync removed nothing: %+v", res)
		}
		delete(f.ever, victim)
		f.check(t)
	})
}

func TestInterruptedSyncResumes(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.syncer.PageSize = 5 // groups of 50 lines (about 14 orders): more groups than the one read ahead when Odoo starts failing
		// Odoo fails twice part-way through the orders: each run reads only what the last one did not store, so the
		// second one fails sooner.
		for _, stopAt := range []int64{100, 50} {
			tripped := false
			f.syncer.Progress = func(p sync.Progress) {
				if p.Stage == "orders" && p.Done >= stopAt && !tripped {
					tripped = true
					f.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP500})
				}
			}
			for _, o := range f.srv.Orders() {
				if o.State == "sale" || o.State == "done" {
					f.ever[o.ID] = true
				}
			}
			if _, err := f.syncer.Sync(context.Background(), f.conn, f.client, sync.Options{}); err == nil {
				t.Fatalf("sync with Odoo failing after %d orders succeeded", stopAt)
			}
			f.srv.ClearFaults()
			f.syncer.Progress = nil
		}
		logs, _ := st.SyncLogList(context.Background(), &store.SyncLogListParams{ConnectionID: f.conn.ID, Limit: 1})
		if len(logs) != 1 || logs[0].Status != store.SyncFailed || logs[0].Error == "" {
			t.Errorf("failed sync log = %+v", logs)
		}
		f.sync(t, sync.Options{})
		f.check(t)
	})
}

func TestEveryVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "18", "19", "saas~17"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sync.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			migrate(t, s)
			f := newFixture(t, s, v, &odootest.GenerateOptions{Years: 1, SKUs: 10})
			f.sync(t, sync.Options{})
			f.check(t)
			// Every product is stored with its category (the fake's: services in 3, the rest in 2).
			products, err := s.ProductList(context.Background(), f.conn.ID)
			if err != nil || len(products) == 0 {
				t.Fatalf("products: %d, %v", len(products), err)
			}
			for _, p := range products {
				want := map[bool]store.Product{true: {CategID: 3, CategName: "All / Services"}, false: {CategID: 2, CategName: "All / Saleable"}}[p.Type == "service"]
				if p.CategID != want.CategID || p.CategName != want.CategName {
					t.Errorf("product %d (%s): category %d %q, want %d %q", p.ProductID, p.Type, p.CategID, p.CategName, want.CategID, want.CategName)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestSameSecondEditArrives edits a line twice within one second, with a sync in between: Odoo returns the
// same write_date both times, so only the line's content tells the second edit apart.
func TestSameSecondEditArrives(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	migrate(t, s)
	f := newFixture(t, s, "17", &odootest.GenerateOptions{Years: 1, SKUs: 10})
	f.sync(t, sync.Options{})
	var line int64
	for _, l := range f.srv.Lines() {
		if f.ever[l.OrderID] && l.ProductID != 0 {
			line = l.ID
			break
		}
	}
	f.srv.Advance(time.Hour)
	must(t, f.srv.EditLine(line, 41, false))
	f.sync(t, sync.Options{})
	must(t, f.srv.EditLine(line, 42, false)) // the clock has not moved: the same second as the first edit
	f.sync(t, sync.Options{})
	got, err := s.ItemGetMany(context.Background(), f.conn.ID, []int64{line})
	if err != nil || got[line] == nil || got[line].Quantity != 42 {
		t.Fatalf("line after a same-second edit = %+v, %v; want quantity 42", got[line], err)
	}
	f.check(t)
}

// TestChangesDuringAPassArrive edits orders already written by the running pass (Odoo is read a group ahead of
// the store). A pass reads a fixed window, so the edits arrive with the next pass, which must leave every
// edited order as Odoo has it.
func TestChangesDuringAPassArrive(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		edited := false
		f.syncer.Progress = func(p sync.Progress) {
			if p.Stage != "orders" || edited {
				return
			}
			edited = true
			ids, err := st.OrderIDList(context.Background(), f.conn.ID)
			if err != nil || len(ids) < 2 {
				t.Errorf("after the first page: %d stored orders, %v", len(ids), err)
				return
			}
			f.srv.Advance(time.Minute)
			must(t, f.srv.CancelOrder(ids[0]))
			for _, l := range f.srv.Lines() {
				if l.OrderID == ids[1] && l.ProductID != 0 {
					must(t, f.srv.EditLine(l.ID, 77, true))
					break
				}
			}
		}
		f.sync(t, sync.Options{})
		if !edited {
			t.Fatal("the pass reported no page of orders")
		}
		f.syncer.Progress = nil
		f.sync(t, sync.Options{})
		f.check(t)
	})
}

// apartLines is the fake's client with every page of an order's lines reordered so that no two lines of one
// order follow each other, as when lines added to old orders have higher ids than newer orders' lines.
type apartLines struct{ *odoo.Client }

func (c apartLines) OrderLinesOf(ctx context.Context, orderIDs []int64, pageSize int, fn func(page []odoo.OrderLine) error) error {
	return c.Client.OrderLinesOf(ctx, orderIDs, pageSize, func(page []odoo.OrderLine) error {
		nth := map[int64]int{} // a line's position within its order in this page
		rank := make(map[int64]int, len(page))
		for _, l := range page {
			rank[l.ID] = nth[l.OrderID]
			nth[l.OrderID]++
		}
		sort.SliceStable(page, func(i, j int) bool { return rank[page[i].ID] < rank[page[j].ID] })
		return fn(page)
	})
}

// TestLinesOfAnOrderApart: an order's lines that do not come one after the other (in a page, or across pages)
// are all stored with it.
func TestLinesOfAnOrderApart(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.syncer.PageSize = 7 // pages of 70 lines: orders straddle pages too
		for _, o := range f.srv.Orders() {
			if o.State == "sale" || o.State == "done" {
				f.ever[o.ID] = true
			}
		}
		if _, err := f.syncer.Sync(context.Background(), f.conn, apartLines{f.client}, sync.Options{}); err != nil {
			t.Fatal(err)
		}
		f.check(t)
	})
}
