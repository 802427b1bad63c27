package sync_test

import (
	"context"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlstore"
	"github.com/salesengine/salesengine/internal/sync"
)

// These tests reproduce what an Odoo with ongoing business does to a sync: writes while it reads, transactions
// that commit minutes after their write_date, a clock that steps back, renamed SKUs, edits between two reads.

// TestLongSyncUnderSteadyWrites keeps Odoo busy (a write every few hundred microseconds, its clock racing
// ahead) through a first and an incremental pass: each pass ends, and once the writes stop the next one leaves
// the store equal to Odoo.
func TestLongSyncUnderSteadyWrites(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", &odootest.GenerateOptions{Years: 2, SKUs: 40})
		f.syncer.PageSize = 20
		ctx, stop := context.WithCancel(context.Background())
		activity := f.srv.RunActivity(ctx, 300*time.Microsecond, 2*time.Second)
		f.sync(t, sync.Options{})
		f.sync(t, sync.Options{})
		stop()
		stats := <-activity
		if stats.Err != nil || stats.Events == 0 {
			t.Fatalf("activity: %+v", stats)
		}
		f.srv.Advance(3 * time.Minute)
		f.sync(t, sync.Options{})
		f.everStored(t)
		f.check(t)
	})
}

// cursorOnly turns the reconciliation off, so what a test shows is the cursor's doing.
func (f *fixture) cursorOnly() {
	f.syncer.RecentEvery, f.syncer.ReconcileEvery = 1000*time.Hour, -1
}

// everStored adds the stored orders to the orders the store must hold: with Odoo written while a pass runs,
// an order confirmed and cancelled between two passes may or may not have been seen confirmed.
func (f *fixture) everStored(t *testing.T) {
	t.Helper()
	ids, err := f.st.OrderIDList(context.Background(), f.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		f.ever[id] = true
	}
}

// TestLateCommitsAreCaught commits transactions 5 and 30 minutes after they began, while passes run every
// minute and move the cursor past their write_date.
func TestLateCommitsAreCaught(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.syncer.Lag = 2 * time.Minute
		f.cursorOnly()
		f.sync(t, sync.Options{})
		lines := confirmedLines(f)
		products := f.srv.Products()
		q := quotation(f)
		late5, late30 := f.srv.StartTx(), f.srv.StartTx()
		for minute := 1; minute <= 31; minute++ {
			f.srv.Advance(time.Minute)
			switch minute {
			case 5:
				must(t, late5.Commit(func(tx *odootest.Tx) error {
					if err := tx.EditLine(lines[0], 55, false); err != nil {
						return err
					}
					_, err := tx.AddOrder(odootest.NewOrder{State: "sale", Lines: []odootest.NewLine{{ProductID: products[1].ID, Qty: 5}}})
					return err
				}))
			case 30:
				must(t, late30.Commit(func(tx *odootest.Tx) error {
					if err := tx.EditLine(lines[1], 66, false); err != nil {
						return err
					}
					return tx.ConfirmOrder(q)
				}))
			}
			f.sync(t, sync.Options{})
		}
		f.check(t)
	})
}

// TestLateCommitBeyondTheRecheckIsReconciled commits a new order 30 minutes late with a 10-minute recheck
// window: the cursor cannot see it; the month reconciliation (its count moved) does.
func TestLateCommitBeyondTheRecheckIsReconciled(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.syncer.Recheck = 10 * time.Minute
		f.sync(t, sync.Options{})
		late := f.srv.StartTx()
		for range 30 {
			f.srv.Advance(time.Minute)
			f.sync(t, sync.Options{})
		}
		product := f.srv.Products()[2].ID
		var id int64
		must(t, late.Commit(func(tx *odootest.Tx) error {
			var err error
			id, err = tx.AddOrder(odootest.NewOrder{State: "sale", Lines: []odootest.NewLine{{ProductID: product, Qty: 9}}})
			return err
		}))
		f.srv.Advance(time.Minute)
		res := f.sync(t, sync.Options{})
		if len(res.Reconciled) == 0 || !strings.Contains(strings.Join(res.Notes, ";"), "reconciliation") {
			t.Errorf("no month reconciled: %+v", res)
		}
		if got, _ := st.OrderGetMany(context.Background(), f.conn.ID, []int64{id}); got[id] == nil {
			t.Fatalf("order %d committed 30 minutes late is not stored", id)
		}
		f.check(t)
	})
}

// TestClockStepBack lets Odoo's clock run three hours ahead, syncs, steps it back (as NTP does) and writes:
// the rows written after the step carry older times than the cursor, and must arrive all the same.
func TestClockStepBack(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.cursorOnly()
		f.sync(t, sync.Options{})
		start := f.srv.Now()
		f.srv.SetNow(start.Add(3 * time.Hour))
		lines := confirmedLines(f)
		must(t, f.srv.EditLine(lines[0], 31, true))
		f.srv.Advance(5 * time.Second)
		f.sync(t, sync.Options{})
		f.srv.SetNow(start.Add(time.Minute)) // back by almost three hours
		must(t, f.srv.EditLine(lines[1], 32, false))
		must(t, f.srv.ConfirmOrder(quotation(f)))
		f.srv.Advance(5 * time.Second)
		res := f.sync(t, sync.Options{})
		if !strings.Contains(strings.Join(res.Notes, ";"), "clock went back") {
			t.Errorf("the step was not noticed: %v", res.Notes)
		}
		f.check(t)
	})
}

// TestSKURenameMovesLines renames a product's default_code in Odoo: its stored lines, product and inventory
// rows follow, and the sync log says so.
func TestSKURenameMovesLines(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "17", smallHistory)
		f.sync(t, sync.Options{})
		var product int64
		for _, id := range confirmedLines(f) {
			for _, l := range f.srv.Lines() {
				if l.ID == id {
					product = l.ProductID
				}
			}
			if product != 0 {
				break
			}
		}
		f.srv.Advance(time.Minute)
		must(t, f.srv.Batch(func(tx *odootest.Tx) error { return tx.SetProductCode(product, "RENAMED-1") }))
		f.srv.Advance(time.Minute)
		res := f.sync(t, sync.Options{})
		if res.Renamed != 1 || !strings.Contains(strings.Join(res.Notes, ";"), "RENAMED-1") {
			t.Errorf("rename not reported: renamed=%d notes=%v", res.Renamed, res.Notes)
		}
		q := "SELECT COUNT(*) FROM sales_items WHERE connection_id = ? AND product_id = ? AND sku <> 'RENAMED-1'"
		if st.Dialect() == store.DialectPostgres {
			q = sqlstore.RebindDollar(q)
		}
		var n int
		if err := st.DB().QueryRowContext(ctx, q, f.conn.ID, product).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d lines of the product still under the old SKU (%v)", n, err)
		}
		f.check(t) // compares every line's SKU with the product's code in Odoo
	})
}

// editingSource edits a line (and its order's totals, not its write_date) right after the first read of orders
// or of their lines, whichever the sync does first: between the two reads.
type editingSource struct {
	*odoo.Client
	once gosync.Once
	edit func()
}

func (s *editingSource) OrdersByID(ctx context.Context, ids []int64) ([]odoo.Order, error) {
	defer s.once.Do(s.edit)
	return s.Client.OrdersByID(ctx, ids)
}

func (s *editingSource) OrderLinesOf(ctx context.Context, ids []int64, pageSize int, fn func([]odoo.OrderLine) error) error {
	defer s.once.Do(s.edit)
	return s.Client.OrderLinesOf(ctx, ids, pageSize, fn)
}

// TestTotalsMatchLines edits a line between the read of its order's lines and the read of the order: the next
// pass must leave the stored order's totals and lines consistent with Odoo.
func TestTotalsMatchLines(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		f.cursorOnly()
		f.sync(t, sync.Options{})
		a, b := twoLinesOfAnOrder(f)
		f.srv.Advance(time.Hour)
		// Two transactions that began before the pass: the first commits before it and makes it read the order
		// again; the second commits between the pass's two reads of that order. Both write_dates are behind the
		// cursor the pass saves, so only the comparison of stamps can find the second one afterwards.
		late1, late2 := f.srv.StartTx(), f.srv.StartTx()
		f.srv.Advance(5 * time.Minute)
		must(t, late1.Commit(func(tx *odootest.Tx) error { return tx.EditLine(a, 12, false) }))
		src := &editingSource{Client: f.client, edit: func() {
			must(t, late2.Commit(func(tx *odootest.Tx) error { return tx.EditLineTotals(b, 13) }))
		}}
		if _, err := f.syncer.Sync(context.Background(), f.conn, src, sync.Options{}); err != nil {
			t.Fatal(err)
		}
		f.srv.Advance(time.Minute)
		f.sync(t, sync.Options{})
		f.check(t)
	})
}

// TestSyncUnderOdooFaults fails 30% of Odoo's answers with the faults seen in the wild, each retried by the
// client: the passes succeed and the store equals Odoo.
func TestSyncUnderOdooFaults(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, "17", smallHistory)
		client, err := odoo.New(odoo.Config{URL: f.srv.URL(), Database: "odoo", Username: "admin",
			Secret: "test-api-key-0123456789", MaxRetries: 12, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		f.client = client
		if _, err := client.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, k := range []odootest.FaultKind{odootest.HTTP500, odootest.HTTP502, odootest.NonJSON,
			odootest.SerializationFailure, odootest.SessionExpired, odootest.Truncated} {
			f.srv.InjectFault(odootest.Fault{Kind: k, Rate: 0.06})
		}
		f.sync(t, sync.Options{})
		lines := confirmedLines(f)
		f.srv.Advance(time.Hour)
		must(t, f.srv.EditLine(lines[0], 21, false))
		must(t, f.srv.ConfirmOrder(quotation(f)))
		f.srv.Advance(time.Minute)
		f.sync(t, sync.Options{})
		f.srv.ClearFaults()
		f.check(t)
	})
}

// confirmedLines returns product lines of confirmed orders.
func confirmedLines(f *fixture) []int64 {
	confirmed := map[int64]bool{}
	for _, o := range f.srv.Orders() {
		if o.State == "sale" {
			confirmed[o.ID] = true
		}
	}
	var out []int64
	seen := map[int64]bool{}
	for _, l := range f.srv.Lines() {
		if confirmed[l.OrderID] && l.ProductID != 0 && l.DisplayType == "" && !seen[l.OrderID] {
			seen[l.OrderID] = true // one line per order, so edits land on different orders
			out = append(out, l.ID)
		}
	}
	return out
}

// twoLinesOfAnOrder returns two product lines of one confirmed order.
func twoLinesOfAnOrder(f *fixture) (int64, int64) {
	confirmed := map[int64]bool{}
	for _, o := range f.srv.Orders() {
		if o.State == "sale" {
			confirmed[o.ID] = true
		}
	}
	first := map[int64]int64{}
	for _, l := range f.srv.Lines() {
		if !confirmed[l.OrderID] || l.ProductID == 0 || l.DisplayType != "" {
			continue
		}
		if a, ok := first[l.OrderID]; ok {
			return a, l.ID
		}
		first[l.OrderID] = l.ID
	}
	return 0, 0
}

// quotation returns a quotation with product lines.
func quotation(f *fixture) int64 {
	for _, o := range f.srv.Orders() {
		if o.State == "draft" || o.State == "sent" {
			for _, l := range f.srv.Lines() {
				if l.OrderID == o.ID && l.ProductID != 0 {
					return o.ID
				}
			}
		}
	}
	return 0
}
