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

// SupplyTruth compares the supply tables of one connection with a fake Odoo's records, field by field: what the
// syncs must have stored once they caught up with it.
type SupplyTruth struct {
	Fake *odootest.Server
	// Since is where the first sync's history of manufacturing and purchase orders began (its server time minus
	// sync.SupplyHistory): orders done, cancelled or received before it, and not written since, may be absent.
	Since time.Time
	// MaxDiffs bounds the differences reported per table; default 5.
	MaxDiffs int
}

// Check fails t with the differences.
func (g SupplyTruth) Check(t *testing.T, st store.Store, connectionID int64) {
	t.Helper()
	diffs, err := g.Diff(context.Background(), st, connectionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

// Diff returns the differences between the stored supply and the fake's, empty when they agree. Where an app is
// not installed its tables must be empty.
func (g SupplyTruth) Diff(ctx context.Context, st store.Store, connectionID int64) ([]string, error) {
	got, err := st.SupplyList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	limit := g.MaxDiffs
	if limit <= 0 {
		limit = 5
	}
	f := g.Fake
	mrp, purchase, stock := f.Installed(odootest.ModuleMRP), f.Installed(odootest.ModulePurchase), f.Installed(odootest.ModuleStock)
	anySupply := mrp || purchase
	sec := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	ptr := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		s := sec(t)
		return &s
	}
	var diffs []string
	table := func(name string, want map[int64]string, must map[int64]bool, stored map[int64]string) {
		n := 0
		report := func(format string, args ...any) {
			if n++; n <= limit {
				diffs = append(diffs, name+": "+fmt.Sprintf(format, args...))
			}
		}
		for id, s := range stored {
			w, ok := want[id]
			switch {
			case !ok:
				report("%d stored but not in Odoo (or not expected): %s", id, s)
			case w != s:
				report("%d stored as %s, Odoo has %s", id, s, w)
			}
		}
		for id := range must {
			if _, ok := stored[id]; !ok {
				report("%d missing: Odoo has %s", id, want[id])
			}
		}
		if n > limit {
			diffs = append(diffs, fmt.Sprintf("%s: %d more differences", name, n-limit))
		}
	}
	all := func(m map[int64]string) map[int64]bool {
		out := make(map[int64]bool, len(m))
		for id := range m {
			out[id] = true
		}
		return out
	}

	// mrp_productions: open orders, and the others written since Since.
	want, must, stored := map[int64]string{}, map[int64]bool{}, map[int64]string{}
	if mrp {
		for _, m := range f.Productions() {
			want[m.ID] = fmtRow(m.Name, m.ProductID, m.State, m.ProductQty, m.QtyProduced, ptrString(ptr(m.PlannedFrom)), ptrString(ptr(m.PlannedTo)),
				m.BoMID, m.CompanyID, sec(m.WriteDate))
			if m.State != "done" && m.State != "cancel" || !m.WriteDate.Before(g.Since) {
				must[m.ID] = true
			}
		}
	}
	for _, m := range got.Productions {
		stored[m.ProductionID] = fmtRow(m.Name, m.ProductID, m.State, m.ProductQty, m.QtyProduced, ptrString(m.PlannedStart), ptrString(m.PlannedFinish),
			m.BoMID, m.CompanyID, m.WriteDate)
	}
	table("mrp_productions", want, must, stored)

	// mrp_boms and mrp_bom_lines: all of them.
	want, stored = map[int64]string{}, map[int64]string{}
	if mrp {
		for _, b := range f.BoMs() {
			delay := "<nil>"
			if f.ProduceDelayOnBoM() {
				delay = fmt.Sprint(float64(b.ProduceDelay))
			}
			want[b.ID] = fmtRow(b.ProductTmplID, b.ProductID, b.Code, b.Type, b.ProductQty, b.Active, b.Sequence, delay, b.CompanyID, sec(b.WriteDate))
		}
	}
	for _, b := range got.BoMs {
		delay := "<nil>"
		if b.ProduceDelay != nil {
			delay = fmt.Sprint(*b.ProduceDelay)
		}
		stored[b.BoMID] = fmtRow(b.ProductTmplID, b.ProductID, b.Code, b.Type, b.ProductQty, b.Active, b.Sequence, delay, b.CompanyID, b.WriteDate)
	}
	table("mrp_boms", want, all(want), stored)
	want, stored = map[int64]string{}, map[int64]string{}
	if mrp {
		for _, l := range f.BoMLines() {
			want[l.ID] = fmtRow(l.BoMID, l.ProductID, l.ProductQty, sec(l.WriteDate))
		}
	}
	for _, l := range got.BoMLines {
		stored[l.LineID] = fmtRow(l.BoMID, l.ProductID, l.ProductQty, l.WriteDate)
	}
	table("mrp_bom_lines", want, all(want), stored)

	// purchase_lines: product lines of open orders, and of orders or lines written since Since.
	want, must, stored = map[int64]string{}, map[int64]bool{}, map[int64]string{}
	if purchase {
		orders := map[int64]odootest.PurchaseOrder{}
		for _, po := range f.PurchaseOrders() {
			orders[po.ID] = po
		}
		for _, l := range f.PurchaseLines() {
			if l.DisplayType != "" || l.ProductID == 0 {
				continue
			}
			po := orders[l.OrderID]
			want[l.ID] = fmtRow(l.OrderID, po.Name, po.State, l.ProductID, l.ProductQty, l.QtyReceived, ptrString(ptr(l.DatePlanned)), l.CompanyID, sec(l.WriteDate))
			if slices.Contains([]string{"draft", "sent", "to approve", "purchase"}, po.State) || !l.WriteDate.Before(g.Since) || !po.WriteDate.Before(g.Since) {
				must[l.ID] = true
			}
		}
	}
	for _, l := range got.PurchaseLines {
		stored[l.LineID] = fmtRow(l.OrderID, l.OrderName, l.OrderState, l.ProductID, l.ProductQty, l.QtyReceived, ptrString(l.DatePlanned), l.CompanyID, l.WriteDate)
	}
	table("purchase_lines", want, must, stored)

	// orderpoints, supplier_infos: all of them.
	want, stored = map[int64]string{}, map[int64]string{}
	if anySupply && stock {
		for _, o := range f.Orderpoints() {
			want[o.ID] = fmtRow(o.ProductID, o.WarehouseID, o.LocationID, o.MinQty, o.MaxQty, f.ShownMultiple(o), o.Trigger, o.Active, o.CompanyID, sec(o.WriteDate))
		}
	}
	for _, o := range got.Orderpoints {
		stored[o.OrderpointID] = fmtRow(o.ProductID, o.WarehouseID, o.LocationID, o.ProductMinQty, o.ProductMaxQty, o.QtyMultiple, o.Trigger, o.Active,
			o.CompanyID, o.WriteDate)
	}
	table("orderpoints", want, all(want), stored)
	want, stored = map[int64]string{}, map[int64]string{}
	if purchase {
		partners := map[int64]string{}
		for _, p := range f.Partners() {
			partners[p.ID] = p.Name
		}
		for _, x := range f.SupplierInfos() {
			want[x.ID] = fmtRow(x.PartnerID, partners[x.PartnerID], x.ProductTmplID, x.ProductID, x.Delay, x.MinQty, x.Price, x.Sequence, x.CompanyID, sec(x.WriteDate))
		}
	}
	for _, x := range got.SupplierInfos {
		stored[x.SupplierInfoID] = fmtRow(x.PartnerID, x.PartnerName, x.ProductTmplID, x.ProductID, x.Delay, x.MinQty, x.Price, x.Sequence, x.CompanyID, x.WriteDate)
	}
	table("supplier_infos", want, all(want), stored)

	// product_routes: every product, its routes read as manufacture or buy by their rules' actions.
	want, stored = map[int64]string{}, map[int64]string{}
	if anySupply && stock {
		actions := map[int64][]string{}
		for _, r := range f.Rules() {
			if r.Active {
				actions[r.RouteID] = append(actions[r.RouteID], r.Action)
			}
		}
		for _, p := range f.Products() {
			manufacture, buy := false, false
			for _, id := range p.RouteIDs {
				manufacture = manufacture || slices.Contains(actions[id], "manufacture")
				buy = buy || slices.Contains(actions[id], "buy")
			}
			delay := "<nil>"
			if mrp && !f.ProduceDelayOnBoM() {
				delay = fmt.Sprint(p.ProduceDelay)
			}
			want[p.ID] = fmtRow(p.ID, slices.Sorted(slices.Values(p.RouteIDs)), manufacture, buy, delay, sec(p.WriteDate))
		}
	}
	for _, p := range got.ProductRoutes {
		delay := "<nil>"
		if p.ProduceDelay != nil {
			delay = fmt.Sprint(*p.ProduceDelay)
		}
		stored[p.ProductID] = fmtRow(p.ProductTmplID, slices.Sorted(slices.Values(p.RouteIDs)), p.Manufacture, p.Buy, delay, p.WriteDate)
	}
	table("product_routes", want, all(want), stored)
	return diffs, nil
}

func ptrString(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return t.UTC().Format(time.DateTime)
}

// fmtRow shows a row's fields between brackets, separated by spaces.
func fmtRow(fields ...any) string { return fmt.Sprintf("%v", fields) }
