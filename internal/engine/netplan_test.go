package engine

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

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

// TestNetPlanOpenOrdersByDueMonth: the net plan reads the open orders by due month (commitment date, else order
// date) and what of this month's orders already shipped. An order placed this month but due next month consumes
// next month's forecast and leaves this month's alone; what shipped of this month's orders is not demanded again;
// an overdue order is promised stock, taken off the opening.
func TestNetPlanOpenOrdersByDueMonth(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenantsWith(t, s, 1, nil, func(int) odootest.Options {
			return odootest.Options{Version: "17", Seed: 5, Modules: odootest.AllModules, Data: &odootest.GenerateOptions{Years: 1, SKUs: 40}}
		})
		tn := tenants[0]
		syncAtOnce(t, eng, tenants)
		if _, err := eng.ForecastAndPlan(ctx, tn.conn); err != nil {
			t.Fatal(err)
		}
		set := eng.Settings()
		cur := set.CurrentMonth()
		months := []plan.Month{cur, cur.Add(1)}
		bySKU := func() map[string][2]plan.NetRow {
			t.Helper()
			rows, _, err := eng.Plan(ctx, tn.conn, months)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string][2]plan.NetRow{}
			for _, r := range rows {
				v := out[r.SKU]
				v[r.Month.Sub(cur)] = r
				out[r.SKU] = v
			}
			return out
		}
		before := bySKU()

		// The sold product with the most forecast left over its open orders in both months.
		var product odootest.Product
		slack := 0.0
		for _, p := range tn.srv.Products() {
			r, ok := before[p.DefaultCode]
			if !ok || p.DefaultCode == "" || r[0].Action == "" {
				continue
			}
			if s := min(r[1].Forecast-r[1].OpenOrders, r[0].Demand-r[0].OpenOrders); s > slack {
				product, slack = p, s
			}
		}
		if slack < 5 {
			t.Fatalf("no product with forecast left to consume (best %g)", slack)
		}
		now := tn.srv.Now()
		dueNext := time.Date(cur.Year, cur.Month+1, 10, 12, 0, 0, 0, set.Location)
		lastMonth := time.Date(cur.Year, cur.Month-1, 10, 12, 0, 0, 0, set.Location)
		var shipped int64
		err := tn.srv.Batch(func(tx *odootest.Tx) error {
			// 3 ordered today, due next month.
			if _, err := tx.AddOrder(odootest.NewOrder{State: "sale", DateOrder: now, CommitmentDate: dueNext,
				Lines: []odootest.NewLine{{ProductID: product.ID, Qty: 3}}}); err != nil {
				return err
			}
			// 5 ordered today, due today, 4 of them delivered.
			var err error
			if shipped, err = tx.AddOrder(odootest.NewOrder{State: "sale", DateOrder: now, Lines: []odootest.NewLine{{ProductID: product.ID, Qty: 5}}}); err != nil {
				return err
			}
			// 2 ordered and due last month, not delivered: overdue.
			_, err = tx.AddOrder(odootest.NewOrder{State: "sale", DateOrder: lastMonth, Lines: []odootest.NewLine{{ProductID: product.ID, Qty: 2}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range tn.srv.Lines() {
			if l.OrderID == shipped {
				err = tn.srv.Batch(func(tx *odootest.Tx) error { return tx.SetDelivered(l.ID, 4) })
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		syncAtOnce(t, eng, tenants)
		after := bySKU()
		b, a := before[product.DefaultCode], after[product.DefaultCode]
		t.Logf("%s before: %+v\nafter: %+v", product.DefaultCode, b, a)
		near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
		if !near(a[0].Backlog, b[0].Backlog+3+1+2) {
			t.Errorf("backlog %g, want %g + 3 + 1 + 2", a[0].Backlog, b[0].Backlog)
		}
		// Next month: 3 more open orders, consumed by its forecast: its demand is the same.
		if !near(a[1].OpenOrders, b[1].OpenOrders+3) || !near(a[1].Demand, b[1].Demand) {
			t.Errorf("next month: open orders %g, demand %g; want %g + 3 and %g (consumed by the forecast)", a[1].OpenOrders, a[1].Demand, b[1].OpenOrders, b[1].Demand)
		}
		// This month: the order due next month is not this month's; 1 more open order due now consumes the
		// forecast, and the 4 shipped are not demanded again.
		if !near(a[0].OpenOrders, b[0].OpenOrders+1) || !near(a[0].Demand, b[0].Demand-4) {
			t.Errorf("this month: open orders %g, demand %g; want %g + 1 and %g - 4 shipped", a[0].OpenOrders, a[0].Demand, b[0].OpenOrders, b[0].Demand)
		}
		// The overdue 2 are promised stock: off the opening (the order due next month is not).
		if !near(a[0].ProjectedOpening, b[0].ProjectedOpening-2) {
			t.Errorf("opening %g, want %g - 2 overdue", a[0].ProjectedOpening, b[0].ProjectedOpening)
		}
	})
}
