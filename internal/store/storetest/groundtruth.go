package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
)

// GroundTruth compares what a store holds for one connection with a fake Odoo's own records, field by field:
// what syncs must have left once they caught up with it. The sync tests use it in-process, and the crash and
// fault suites (internal/cli) after syncs run, and were killed, in other processes.
type GroundTruth struct {
	Fake *odootest.Server
	// Ever holds orders seen confirmed at some time that may have left the confirmed states since (cancelled):
	// the store keeps those too. The orders confirmed now are always expected.
	Ever map[int64]bool
	// MaxDiffs bounds the differences reported per kind (orders, lines); default 5.
	MaxDiffs int
}

// Diff returns the differences between the store and the fake, empty when the store holds exactly the orders
// it must (confirmed now or in Ever, and not deleted in Odoo) and exactly their product lines, every field
// equal to Odoo's. An error is a failure to read the store.
func (g GroundTruth) Diff(ctx context.Context, st store.Store, connectionID int64) ([]string, error) {
	limit := g.MaxDiffs
	if limit <= 0 {
		limit = 5
	}
	partners := map[int64]string{}
	for _, p := range g.Fake.Partners() {
		partners[p.ID] = p.Name
	}
	companies := map[int64]string{}
	for _, c := range g.Fake.Companies() {
		companies[c.ID] = c.Name
	}
	products := map[int64]odootest.Product{}
	for _, p := range g.Fake.Products() {
		products[p.ID] = p
	}
	// Read the fake once: with business going on, orders and lines read at two times could disagree.
	fakeOrders := map[int64]odootest.Order{}
	var wantOrders []int64
	for _, o := range g.Fake.Orders() {
		fakeOrders[o.ID] = o
		if o.State == "sale" || o.State == "done" || g.Ever[o.ID] {
			wantOrders = append(wantOrders, o.ID)
		}
	}
	fakeLines := g.Fake.Lines()
	slices.Sort(wantOrders)
	gotIDs, err := st.OrderIDList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	slices.Sort(gotIDs)
	var diffs []string
	if !slices.Equal(gotIDs, wantOrders) {
		missing, extra := setDiff(wantOrders, gotIDs), setDiff(gotIDs, wantOrders)
		diffs = append(diffs, fmt.Sprintf("stored %d orders, want %d: missing %v, not expected %v", len(gotIDs), len(wantOrders),
			head(missing, 10), head(extra, 10)))
	}
	stored, err := st.OrderGetMany(ctx, connectionID, wantOrders)
	if err != nil {
		return nil, err
	}
	sec := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	bad := 0
	for _, id := range wantOrders {
		w, s := fakeOrders[id], stored[id]
		if s == nil {
			continue // reported above
		}
		var d []string
		cmp := func(name string, got, want any) {
			if fmt.Sprint(got) != fmt.Sprint(want) {
				d = append(d, fmt.Sprintf("%s=%v want %v", name, got, want))
			}
		}
		cmp("name", s.Name, w.Name)
		cmp("state", s.State, w.State)
		cmp("write_date", s.WriteDate.UTC(), sec(w.WriteDate))
		cmp("date_order", timeOrNil(s.DateOrder), sec(w.DateOrder))
		cmp("partner", s.PartnerID, w.PartnerID)
		cmp("partner_name", s.PartnerName, partners[w.PartnerID])
		cmp("company", s.CompanyID, w.CompanyID)
		cmp("company_name", s.CompanyName, companies[w.CompanyID])
		cmp("amount_untaxed", s.AmountUntaxed, w.AmountUntaxed)
		cmp("amount_tax", s.AmountTax, w.AmountTax)
		cmp("amount_total", s.AmountTotal, w.AmountTotal)
		cmp("client_order_ref", s.ClientOrderRef, w.ClientOrderRef)
		if !w.CommitmentDate.IsZero() {
			cmp("commitment_date", timeOrNil(s.CommitmentDate), sec(w.CommitmentDate))
		}
		cmp("warehouse", s.WarehouseID, w.WarehouseID)
		if s.Currency == "" {
			d = append(d, "currency empty")
		}
		if s.RemovedAt != nil {
			d = append(d, "marked removed")
		}
		if len(d) > 0 && bad < limit {
			diffs = append(diffs, fmt.Sprintf("order %d: %v", id, d))
			bad++
		}
	}
	// Items: the product lines (not sections or notes) of those orders.
	want := map[int64]bool{}
	for _, id := range wantOrders {
		want[id] = true
	}
	var wantLines []odootest.Line
	for _, l := range fakeLines {
		if want[l.OrderID] && l.DisplayType == "" && l.ProductID != 0 {
			wantLines = append(wantLines, l)
		}
	}
	items, err := st.ItemListByOrder(ctx, connectionID, wantOrders)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*store.Item{}
	for _, it := range items {
		if byID[it.LineID] != nil {
			diffs = append(diffs, fmt.Sprintf("line %d stored twice", it.LineID))
		}
		byID[it.LineID] = it
	}
	if len(items) != len(wantLines) {
		diffs = append(diffs, fmt.Sprintf("stored %d lines, want %d product lines", len(items), len(wantLines)))
	}
	bad = 0
	for _, w := range wantLines {
		s, ok := byID[w.ID]
		if !ok {
			if bad < limit {
				diffs = append(diffs, fmt.Sprintf("line %d (order %d) missing", w.ID, w.OrderID))
				bad++
			}
			continue
		}
		p := products[w.ProductID]
		sku := p.DefaultCode
		if sku == "" {
			sku = fmt.Sprintf("ID:%d", p.ID)
		}
		o := fakeOrders[w.OrderID]
		got := fmt.Sprint(s.OrderID, s.OrderName, s.OrderState, s.ProductID, s.SKU, s.Quantity, s.QtyDelivered,
			s.QtyInvoiced, s.PriceUnit, s.Discount, s.Subtotal, s.Total, s.CompanyID, s.WriteDate.UTC(), timeOrNil(s.DateOrder), s.UoM != "")
		exp := fmt.Sprint(w.OrderID, o.Name, o.State, w.ProductID, sku, w.ProductUomQty, w.QtyDelivered,
			w.QtyInvoiced, w.PriceUnit, w.Discount, w.PriceSubtotal, w.PriceTotal, w.CompanyID, sec(w.WriteDate), sec(o.DateOrder), true)
		if got != exp && bad < limit {
			diffs = append(diffs, fmt.Sprintf("line %d:\n got %s\nwant %s", w.ID, got, exp))
			bad++
		}
	}
	return diffs, nil
}

// Check reports every difference as a test error.
func (g GroundTruth) Check(t testing.TB, st store.Store, connectionID int64) {
	t.Helper()
	diffs, err := g.Diff(context.Background(), st, connectionID)
	if err != nil {
		t.Fatalf("ground truth: read the store: %v", err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return "<nil>"
	}
	return t.UTC()
}

// setDiff returns the elements of a (sorted) not in b (sorted).
func setDiff(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func head(s []int64, n int) []int64 {
	if len(s) > n {
		return s[:n]
	}
	return s
}
