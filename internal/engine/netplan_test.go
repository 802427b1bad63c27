package engine

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// TestNetPlanFromSupply: a connection whose Odoo manufactures and buys is planned net of the open manufacturing
// and purchase orders its Odoo has, with component demand, actions, lot sizes and release dates, stored in
// production_forecast; a sales Odoo's plan has none of it.
func TestNetPlanFromSupply(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenantsWith(t, s, 2, nil, func(i int) odootest.Options {
			o := odootest.Options{Version: []string{"16", "19"}[i], Seed: 3, Data: &odootest.GenerateOptions{Years: 1, SKUs: 60}}
			if i == 0 {
				o.Modules = odootest.AllModules
			}
			return o
		})
		syncAtOnce(t, eng, tenants)
		for _, tn := range tenants {
			if _, err := eng.ForecastAndPlan(ctx, tn.conn); err != nil {
				t.Fatalf("%s: %v", tn.conn.Name, err)
			}
		}
		set := eng.Settings()
		cur := set.CurrentMonth()
		mrp := tenants[0]
		rows, sum, err := eng.Plan(ctx, mrp.conn, []plan.Month{cur})
		if err != nil {
			t.Fatal(err)
		}

		// What the fake says is coming this month (late supply counts now), by SKU.
		skuOf := map[int64]string{}
		for _, p := range mrp.srv.Products() {
			skuOf[p.ID] = p.DefaultCode
			if p.DefaultCode == "" {
				skuOf[p.ID] = fmt.Sprintf("ID:%d", p.ID)
			}
		}
		byThisMonth := func(t2 plan.Month) bool { return t2.Sub(cur) <= 0 }
		production, purchase := map[string]float64{}, map[string]float64{}
		for _, m := range mrp.srv.Productions() {
			if (m.State == "confirmed" || m.State == "progress" || m.State == "to_close") && byThisMonth(plan.MonthOf(m.PlannedTo.In(set.Location))) {
				production[skuOf[m.ProductID]] += m.ProductQty - m.QtyProduced
			}
		}
		state := map[int64]string{}
		for _, po := range mrp.srv.PurchaseOrders() {
			state[po.ID] = po.State
		}
		for _, l := range mrp.srv.PurchaseLines() {
			if (state[l.OrderID] == "purchase" || state[l.OrderID] == "done") && l.QtyReceived < l.ProductQty &&
				byThisMonth(plan.MonthOf(l.DatePlanned.In(set.Location))) {
				purchase[skuOf[l.ProductID]] += l.ProductQty - l.QtyReceived
			}
		}
		multiple := map[string]float64{}
		for _, o := range mrp.srv.Orderpoints() {
			if _, ok := multiple[skuOf[o.ProductID]]; !ok && o.Active {
				multiple[skuOf[o.ProductID]] = mrp.srv.ShownMultiple(o)
			}
		}

		var withProduction, withPurchase, withComponents, produce, buy int
		for _, r := range rows {
			if math.Abs(r.IncomingProduction-production[r.SKU]) > 1e-9 || math.Abs(r.IncomingPurchase-purchase[r.SKU]) > 1e-9 {
				t.Errorf("%s: incoming production %g, purchase %g; Odoo's open orders bring %g and %g", r.SKU, r.IncomingProduction,
					r.IncomingPurchase, production[r.SKU], purchase[r.SKU])
			}
			if m := multiple[r.SKU]; m > 0 && r.PlannedQuantity > 0 && math.Abs(r.PlannedQuantity/m-math.Round(r.PlannedQuantity/m)) > 1e-9 {
				t.Errorf("%s: planned %g is not a multiple of its orderpoint's %g", r.SKU, r.PlannedQuantity, m)
			}
			if r.PlannedQuantity > 0 && (r.ReleaseDate.IsZero() || r.ReleaseDate.After(cur.First())) {
				t.Errorf("%s: planned %g released %v, want a date on or before %s", r.SKU, r.PlannedQuantity, r.ReleaseDate, cur.First())
			}
			if (r.Priority == plan.Alta || r.Priority == plan.Media) && !(r.PlannedQuantity > 0) {
				t.Errorf("%s: %s with nothing planned", r.SKU, r.Priority)
			}
			if r.IncomingProduction > 0 {
				withProduction++
			}
			if r.IncomingPurchase > 0 {
				withPurchase++
			}
			if r.ComponentDemand > 0 {
				withComponents++
			}
			if r.PlannedQuantity > 0 && r.Action == plan.ActionProduce {
				produce++
			}
			if r.PlannedQuantity > 0 && r.Action == plan.ActionBuy {
				buy++
			}
		}
		t.Logf("rows %d: production %d, purchase %d, components %d, produce %d, buy %d", len(rows), withProduction, withPurchase, withComponents, produce, buy)
		if withProduction == 0 || withPurchase == 0 || withComponents == 0 || produce == 0 || buy == 0 {
			t.Errorf("rows with incoming production %d, purchase %d, component demand %d; produce %d, buy %d", withProduction,
				withPurchase, withComponents, produce, buy)
		}

		stored, err := s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: mrp.conn.ID, Year: cur.Year, Month: int(cur.Month)})
		if err != nil || len(stored) != sum.Rows {
			t.Fatalf("%d rows stored, %d planned: %v", len(stored), sum.Rows, err)
		}
		bySKU := map[string]*store.ProductionRow{}
		for _, r := range stored {
			bySKU[r.SKU] = r
		}
		for _, r := range rows {
			st := bySKU[r.SKU]
			if st == nil || st.PlannedQuantity != r.PlannedQuantity || st.Action != r.Action || st.IncomingProduction != r.IncomingProduction ||
				st.ComponentDemand != r.ComponentDemand || (st.ReleaseDate == nil) != r.ReleaseDate.IsZero() ||
				st.ReleaseDate != nil && !st.ReleaseDate.Equal(r.ReleaseDate) {
				t.Errorf("%s: stored %+v, planned %+v", r.SKU, st, r)
			}
		}
		report, err := eng.ForecastReport(ctx, mrp.conn)
		if err != nil || plan.Summarize(report.Plan) != sum {
			t.Errorf("the report's plan %+v differs from the stored one %+v (%v)", plan.Summarize(report.Plan), sum, err)
		}

		sales, _, err := eng.Plan(ctx, tenants[1].conn, []plan.Month{cur})
		if err != nil || len(sales) == 0 {
			t.Fatalf("sales Odoo's plan: %d rows, %v", len(sales), err)
		}
		for _, r := range sales {
			if r.Action != "" || r.PlannedQuantity != 0 || r.IncomingProduction != 0 || !r.ReleaseDate.IsZero() {
				t.Errorf("a sales Odoo's plan row has net columns: %+v", r)
			}
		}
	})
}
