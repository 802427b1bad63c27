package cli

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// TestNetWorkedExampleThroughCommands runs the worked example of docs/planning.md ("Net requirements: a worked
// example") through the real commands: the fake Odoo holds exactly the example's data (MESA made of TABLERO and
// four PATA, TABLERO of three LISTON; stock, the open manufacturing order, the partly received late purchase
// line, the orderpoint, the vendors' minimums, the backlog with its due dates and what shipped this month), and
// three years of sales of MESA that repeat every year, so that the forecast of January to March is the
// example's 60, 50 and 70. `connections add`, `sync`, `forecast` and `plan --json` run on 2026-01-15, and every
// number of the doc's tables is checked against the printed plan.
func TestNetWorkedExampleThroughCommands(t *testing.T) {
	t.Parallel()
	srv := odootest.Start(t, odootest.Options{Version: "17", Modules: odootest.AllModules}) // 2026-01-15 10:00 UTC
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	// MESA's sales of a year, by month: January 60, February 50, March 70 (the example's forecast), the rest
	// whatever a year brings.
	year := [12]float64{60, 50, 70, 55, 65, 60, 58, 62, 57, 63, 52, 68}
	var mesa, tablero, pata, liston, overdue, thisMonth int64
	err := srv.Batch(func(tx *odootest.Tx) error {
		ids := map[string]*int64{"MESA": &mesa, "TABLERO": &tablero, "PATA": &pata, "LISTON": &liston}
		stock := map[string]float64{"MESA": 30, "TABLERO": 5, "PATA": 100, "LISTON": 50}
		for _, code := range []string{"MESA", "TABLERO", "PATA", "LISTON"} {
			id, err := tx.AddProduct(odootest.NewProduct{Code: code})
			if err != nil {
				return err
			}
			*ids[code] = id
			if err := tx.SetQuantity(id, 8, stock[code]); err != nil { // WH/Stock
				return err
			}
		}
		if _, err := tx.AddBoM(mesa, "normal", 1, map[int64]float64{tablero: 1, pata: 4}); err != nil {
			return err
		}
		if _, err := tx.AddBoM(tablero, "normal", 1, map[int64]float64{liston: 3}); err != nil {
			return err
		}
		for _, step := range []error{
			tx.SetProduceDelay(mesa, 10), tx.SetProduceDelay(tablero, 5),
			tx.SetProductRoutes(mesa, odootest.RouteManufacture), tx.SetProductRoutes(tablero, odootest.RouteManufacture),
			tx.SetProductRoutes(pata, odootest.RouteBuy), tx.SetProductRoutes(liston, odootest.RouteBuy),
		} {
			if step != nil {
				return step
			}
		}
		if _, err := tx.AddSupplierInfo(pata, 0, 14, 50); err != nil {
			return err
		}
		if _, err := tx.AddSupplierInfo(liston, 0, 20, 250); err != nil {
			return err
		}
		if _, err := tx.AddOrderpoint(tablero, 10, 30, 25); err != nil {
			return err
		}
		order := func(date time.Time, qty float64) (int64, error) {
			return tx.AddOrder(odootest.NewOrder{State: "sale", DateOrder: date, Lines: []odootest.NewLine{{ProductID: mesa, Qty: qty}}})
		}
		for y := 2023; y <= 2025; y++ {
			for m := range 12 {
				qty := year[m]
				if y == 2025 && m == 11 {
					qty -= 5 // December's last 5 are still to deliver
				}
				if _, err := order(day(y, time.Month(m+1), 10), qty); err != nil {
					return err
				}
			}
		}
		var err error
		if overdue, err = order(day(2025, time.December, 20), 5); err != nil { // due in December, not delivered
			return err
		}
		thisMonth, err = order(day(2026, time.January, 5), 50) // 30 delivered, 20 due in January
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Deliveries: everything but the overdue order, and 30 of this month's 50.
	lines := srv.Lines()
	err = srv.Batch(func(tx *odootest.Tx) error {
		for _, l := range lines {
			switch l.OrderID {
			case overdue:
			case thisMonth:
				if err := tx.SetDelivered(l.ID, 30); err != nil {
					return err
				}
			default:
				if err := tx.SetDelivered(l.ID, l.ProductUomQty); err != nil {
					return err
				}
			}
		}
		// A manufacturing order of 50 tables, 10 produced, finishing on January 25.
		mo, err := tx.AddProduction(odootest.NewProduction{ProductID: mesa, Qty: 50, State: "confirmed", Start: day(2026, time.January, 15)})
		if err != nil {
			return err
		}
		if err := tx.ReplanProduction(mo, day(2026, time.January, 15), day(2026, time.January, 25)); err != nil {
			return err
		}
		if err := tx.ProduceProduction(mo, 10); err != nil {
			return err
		}
		// A purchase order line of 200 slats, planned for January 10 (late), 80 received.
		po, err := tx.AddPurchase(odootest.NewPurchase{Lines: []odootest.NewPurchaseLine{{ProductID: liston, Qty: 200, DatePlanned: day(2026, time.January, 10)}}})
		if err != nil {
			return err
		}
		return tx.ConfirmPurchase(po)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, po := range srv.PurchaseOrders() {
		if err := srv.ReceivePurchaseLine(po.LineIDs[0], 80); err != nil {
			t.Fatal(err)
		}
	}
	srv.Advance(5 * time.Minute)
	now := srv.Now()

	// Both engines read the same fake Odoo.
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dir, env := isolated(t)
			if engine == "postgres" {
				env["DATABASE_URL"] = storetest.PostgresURL(t)
			}
			checkWorkedExample(t, dir, env, srv, now)
		})
	}
}

// checkWorkedExample runs the commands of the worked example on the store of env and checks the plan.
func checkWorkedExample(t *testing.T, dir string, env map[string]string, srv *odootest.Server, now time.Time) {
	cfg := filepath.Join(dir, "test.env")
	r := run(t, env, "--config", cfg, "key", "generate")
	if r.code != 0 {
		t.Fatalf("key generate: %+v", r)
	}
	env["SALESENGINE_ENCRYPTION_KEY"] = strings.TrimSpace(r.stdout)
	env["SALESENGINE_TIMEZONE"] = "UTC"
	env["SALESENGINE_SERVICE_LEVEL"] = "0.5"  // no safety stock, to keep the arithmetic plain
	env["SALESENGINE_FORECAST_HORIZON"] = "3" // January to March
	for _, args := range [][]string{
		{"connections", "add", "--no-input", "--name", "taller", "--url", srv.URL(), "--database", "odoo", "--username", "admin",
			"--api-key", "test-api-key-0123456789"},
		{"sync", "--no-deliver"},
		{"forecast"},
	} {
		if r := runAt(t, now, env, append([]string{"--config", cfg}, args...)...); r.code != 0 {
			t.Fatalf("%s: %+v", args[0], r)
		}
	}
	r = runAt(t, now, env, "--config", cfg, "plan", "--from", "2026-01", "--to", "2026-03", "--format", "json")
	if r.code != 0 {
		t.Fatalf("plan: %+v", r)
	}
	var rows []struct {
		SKU              string
		Month            string
		Priority         string
		Forecast         float64 `json:"forecast_quantity"`
		Inventory        float64
		Backlog          float64
		Recommended      float64 `json:"recommended_quantity"`
		ProjectedOpening float64 `json:"projected_opening"`
		Production       float64 `json:"incoming_production"`
		Purchase         float64 `json:"incoming_purchase"`
		ComponentDemand  float64 `json:"component_demand"`
		PlannedQuantity  float64 `json:"planned_quantity"`
		Action           *string
		ReleaseDate      *string  `json:"release_date"`
		OpenOrders       *float64 `json:"open_orders"`
		Demand           *float64
		Flags            []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, r.stdout)
	}
	t.Logf("plan:\n%s", r.stdout)

	// The doc's tables: forecast, open orders, demand, opening, incoming, component demand, net requirement,
	// planned, release, closing, priority, action.
	type want struct {
		forecast, orders, demand, opening, incoming, components, net, planned float64
		release                                                               string
		closing                                                               float64
		priority, action                                                      string
		flags                                                                 []string
	}
	wants := map[string]want{
		"MESA 2026-01": {60, 20, 30, 25, 40, 0, 0, 0, "", 35, "BAJA", "produce", []string{"surplus"}},
		"MESA 2026-02": {50, 0, 50, 35, 0, 0, 15, 15, "2026-01-22", 0, "MEDIA", "produce", nil},
		"MESA 2026-03": {70, 0, 70, 0, 0, 0, 70, 70, "2026-02-19", 0, "ALTA", "produce", nil},

		"TABLERO 2026-01": {0, 0, 0, 5, 0, 15, 10, 50, "2025-12-27", 40, "ALTA", "produce", []string{"late_release"}},
		"TABLERO 2026-02": {0, 0, 0, 40, 0, 70, 30, 75, "2026-01-27", 45, "MEDIA", "produce", nil},
		"TABLERO 2026-03": {0, 0, 0, 45, 0, 0, 0, 0, "", 45, "BAJA", "produce", []string{"surplus"}},

		"PATA 2026-01": {0, 0, 0, 100, 0, 60, 0, 0, "", 40, "BAJA", "buy", []string{"surplus"}},
		"PATA 2026-02": {0, 0, 0, 40, 0, 280, 240, 240, "2026-01-18", 0, "ALTA", "buy", nil},
		"PATA 2026-03": {0, 0, 0, 0, 0, 0, 0, 0, "", 0, "BAJA", "buy", nil},

		"LISTON 2026-01": {0, 0, 0, 50, 120, 375, 205, 250, "2025-12-12", 45, "ALTA", "buy", []string{"late_supply", "late_release"}},
		"LISTON 2026-02": {0, 0, 0, 45, 0, 0, 0, 0, "", 45, "BAJA", "buy", []string{"surplus"}},
		"LISTON 2026-03": {0, 0, 0, 45, 0, 0, 0, 0, "", 45, "BAJA", "buy", []string{"surplus"}},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
	seen := map[string]bool{}
	for _, row := range rows {
		key := row.SKU + " " + row.Month
		w, ok := wants[key]
		if !ok {
			t.Errorf("unexpected row %s", key)
			continue
		}
		seen[key] = true
		if row.Action == nil || row.OpenOrders == nil || row.Demand == nil {
			t.Errorf("%s: not a net plan row: %+v", key, row)
			continue
		}
		release := ""
		if row.ReleaseDate != nil {
			release = *row.ReleaseDate
		}
		incoming := row.Production + row.Purchase
		closing := row.ProjectedOpening + incoming + row.PlannedQuantity - *row.Demand - row.ComponentDemand
		got := []float64{row.Forecast, *row.OpenOrders, *row.Demand, row.ProjectedOpening, incoming, row.ComponentDemand, row.Recommended, row.PlannedQuantity, closing}
		exp := []float64{w.forecast, w.orders, w.demand, w.opening, w.incoming, w.components, w.net, w.planned, w.closing}
		for i, name := range []string{"forecast", "open orders", "demand", "opening", "incoming", "component demand", "net requirement", "planned", "closing"} {
			if !near(got[i], exp[i]) {
				t.Errorf("%s: %s = %v, the doc says %v", key, name, got[i], exp[i])
			}
		}
		if release != w.release || row.Priority != w.priority || *row.Action != w.action {
			t.Errorf("%s: release %q, priority %s, action %s; the doc says %q, %s, %s", key, release, row.Priority, *row.Action, w.release, w.priority, w.action)
		}
		for _, f := range w.flags {
			if !slices.Contains(row.Flags, f) {
				t.Errorf("%s: flags %v lack %s", key, row.Flags, f)
			}
		}
		for _, f := range []string{"surplus", "late_supply", "late_release"} {
			if slices.Contains(row.Flags, f) && !slices.Contains(w.flags, f) {
				t.Errorf("%s: flagged %s, the doc does not say so", key, f)
			}
		}
	}
	for key := range wants {
		if !seen[key] {
			t.Errorf("no row %s in the plan", key)
		}
	}
	// What to act on first: the two late releases, ahead of the other ALTA rows, the earliest first.
	if len(rows) < 2 || rows[0].SKU+" "+rows[0].Month != "LISTON 2026-01" || rows[1].SKU+" "+rows[1].Month != "TABLERO 2026-01" {
		t.Errorf("the plan does not start with the late releases, LISTON's then TABLERO's: %s", r.stdout)
	}
}
