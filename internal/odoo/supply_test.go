package odoo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

func supplyClient(t *testing.T, cb combo, opts odootest.Options) (*odootest.Server, *Client) {
	t.Helper()
	opts.Version, opts.Password, opts.APIKey = cb.version, fakePassword, fakeAPIKey
	srv := odootest.Start(t, opts)
	c, err := New(Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: cb.secret, Protocol: cb.protocol,
		MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	if _, err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// TestModulesDetected: the installed apps come from ir.module.module, or from probing the models when it cannot
// be read, and an unknown model is told apart from other errors on every transport.
func TestModulesDetected(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			for _, tc := range []struct {
				modules  []string
				noAccess bool
				want     Modules
			}{
				{nil, false, Modules{Sale: true, Stock: true}},
				{odootest.AllModules, false, Modules{Sale: true, Stock: true, MRP: true, Purchase: true}},
				{[]string{odootest.ModuleSale, odootest.ModuleStock, odootest.ModuleMRP}, true, Modules{Sale: true, Stock: true, MRP: true, Probed: true}},
				{[]string{odootest.ModuleSale, odootest.ModulePurchase}, true, Modules{Sale: true, Purchase: true, Probed: true}},
			} {
				_, c := supplyClient(t, cb, odootest.Options{Modules: tc.modules, NoModuleAccess: tc.noAccess})
				got, err := c.Modules(ctx)
				if err != nil || got != tc.want {
					t.Errorf("modules %v (ir.module.module unreadable: %v) = %+v, %v; want %+v", tc.modules, tc.noAccess, got, err, tc.want)
				}
			}
		})
	}
}

// TestSupplyReadersMatchTheFake reads every manufacturing, purchasing and replenishment record through the
// normalized readers and compares them with the fake's own, on every version.
func TestSupplyReadersMatchTheFake(t *testing.T) {
	t.Parallel()
	for _, cb := range []combo{{"16", ProtocolJSONRPC, fakePassword}, {"17", ProtocolXMLRPC, fakeAPIKey},
		{"18", ProtocolJSONRPC, fakePassword}, {"19", ProtocolJSON2, fakeAPIKey}} {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv, c := supplyClient(t, cb, odootest.Options{Seed: 5, Modules: odootest.AllModules,
				Data: &odootest.GenerateOptions{Years: 1, SKUs: 40, LinesPerMonth: 60, Customers: 10}})
			sec := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

			var mos []Production
			must(t, c.ProductionsWhere(ctx, Domain{}, 7, func(p []Production) error { mos = append(mos, p...); return nil }))
			fakeMOs := srv.Productions()
			if len(mos) != len(fakeMOs) || len(mos) == 0 {
				t.Fatalf("%d manufacturing orders read, the fake has %d", len(mos), len(fakeMOs))
			}
			for i, w := range fakeMOs {
				g := mos[i]
				if g.ID != w.ID || g.ProductID != w.ProductID || g.State != w.State || g.Qty != w.ProductQty ||
					g.QtyProduced != w.QtyProduced || !g.PlannedStart.Equal(sec(w.PlannedFrom)) || !g.PlannedFinish.Equal(sec(w.PlannedTo)) ||
					g.BoMID != w.BoMID || !g.WriteDate.Equal(sec(w.WriteDate)) {
					t.Errorf("MO %d read as %+v; the fake has %+v", w.ID, g, w)
				}
			}

			var boms []BoM
			must(t, c.BoMsWhere(ctx, Domain{}, 0, func(p []BoM) error { boms = append(boms, p...); return nil }))
			if len(boms) != len(srv.BoMs()) {
				t.Fatalf("%d BoMs read, the fake has %d", len(boms), len(srv.BoMs()))
			}
			for i, w := range srv.BoMs() {
				g := boms[i]
				if g.TemplateID != w.ProductTmplID || g.Type != w.Type || g.Qty != w.ProductQty || g.Active != w.Active ||
					g.HasProduceDelay != srv.ProduceDelayOnBoM() || g.HasProduceDelay && g.ProduceDelay != float64(w.ProduceDelay) {
					t.Errorf("BoM %d read as %+v; the fake has %+v", w.ID, g, w)
				}
			}
			var lines []BoMLine
			must(t, c.BoMLinesWhere(ctx, Domain{}, 0, func(p []BoMLine) error { lines = append(lines, p...); return nil }))
			if len(lines) != len(srv.BoMLines()) || lines[0].BoMID == 0 || lines[0].Qty <= 0 {
				t.Errorf("%d BoM lines read (first %+v), the fake has %d", len(lines), lines[0], len(srv.BoMLines()))
			}

			states := map[int64]string{}
			for _, po := range srv.PurchaseOrders() {
				states[po.ID] = po.State
			}
			var pls []PurchaseLine
			must(t, c.PurchaseLinesWhere(ctx, Domain{}, 0, func(p []PurchaseLine) error { pls = append(pls, p...); return nil }))
			for i, w := range srv.PurchaseLines() {
				g := pls[i]
				if g.OrderID != w.OrderID || g.State != states[w.OrderID] || g.Qty != w.ProductQty || g.QtyReceived != w.QtyReceived ||
					!g.DatePlanned.Equal(sec(w.DatePlanned)) || g.OrderName == "" {
					t.Errorf("purchase line %d read as %+v; the fake has %+v (order %s)", w.ID, g, w, states[w.OrderID])
				}
			}

			var ops []Orderpoint
			must(t, c.OrderpointsWhere(ctx, Domain{}, 0, func(p []Orderpoint) error { ops = append(ops, p...); return nil }))
			packs := 0
			for i, w := range srv.Orderpoints() {
				g := ops[i]
				if g.ProductID != w.ProductID || g.Min != w.MinQty || g.Max != w.MaxQty || g.Multiple != srv.ShownMultiple(w) || g.Trigger != w.Trigger {
					t.Errorf("orderpoint %d read as %+v; the fake has %+v", w.ID, g, w)
				}
				if g.Multiple > 1 {
					packs++
				}
			}
			if packs == 0 {
				t.Error("no orderpoint with a multiple above 1")
			}

			var sis []SupplierInfo
			must(t, c.SupplierInfosWhere(ctx, Domain{}, 0, func(p []SupplierInfo) error { sis = append(sis, p...); return nil }))
			for i, w := range srv.SupplierInfos() {
				g := sis[i]
				if g.TemplateID != w.ProductTmplID || g.ProductID != w.ProductID || g.Delay != w.Delay || g.MinQty != w.MinQty || g.PartnerName == "" {
					t.Errorf("vendor line %d read as %+v; the fake has %+v", w.ID, g, w)
				}
			}

			var routes []ProductRoute
			must(t, c.ProductRoutesWhere(ctx, Domain{}, 0, func(p []ProductRoute) error { routes = append(routes, p...); return nil }))
			for i, w := range srv.Products() {
				g := routes[i]
				if g.ProductID != w.ID || g.TemplateID != w.ID || !slices.Equal(g.RouteIDs, w.RouteIDs) && len(g.RouteIDs)+len(w.RouteIDs) > 0 ||
					g.HasProduceDelay == srv.ProduceDelayOnBoM() || g.HasProduceDelay && g.ProduceDelay != w.ProduceDelay {
					t.Errorf("routes of product %d read as %+v; the fake has %v, delay %g", w.ID, g, w.RouteIDs, w.ProduceDelay)
				}
			}
			acts, err := c.RouteActions(ctx, "manufacture", "buy")
			if err != nil || !slices.Equal(acts["manufacture"], []int64{odootest.RouteManufacture}) || !slices.Equal(acts["buy"], []int64{odootest.RouteBuy}) {
				t.Errorf("route actions %v, %v", acts, err)
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
