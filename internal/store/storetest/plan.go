package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"Production", testProduction}) }

func testProduction(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	// Backlog: open quantity of confirmed lines only.
	a := sampleItem(conn, 1, 1) // SKU-1, 3 ordered, 1 delivered
	b := sampleItem(conn, 8, 2) // SKU-1 again
	b.QtyDelivered = 5          // over-delivered: contributes 0, not -2
	c := sampleItem(conn, 2, 3) // SKU-2
	c.OrderState = "cancel"
	if _, err := s.ItemUpsertMany(ctx, []*store.Item{a, b, c}); err != nil {
		t.Fatal(err)
	}
	backlog, err := s.BacklogList(ctx, conn)
	if err != nil || backlog["SKU-1"] != 2 || backlog["SKU-2"] != 0 {
		t.Errorf("backlog = %v, %v; want SKU-1: 2 and nothing for the cancelled line", backlog, err)
	}
	gen := time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC)
	cov := 0.4
	row := func(sku string, month int, need float64, prio string) *store.ProductionRow {
		return &store.ProductionRow{SKU: sku, ProductName: "P " + sku, Year: 2026, Month: month, ForecastQuantity: 10,
			Inventory: 10 - need, ProductionNeeded: need, Recommended: need + 1, CoverageMonths: &cov, Priority: prio,
			StockoutMonth: "2026-02", Flags: "negative_inventory", InventorySyncedAt: &gen, GeneratedAt: gen}
	}
	months := []store.YearMonth{{Year: 2026, Month: 1}, {Year: 2026, Month: 2}}
	first := []*store.ProductionRow{row("A", 1, 5, "MEDIA"), row("B", 1, 9, "ALTA"), row("C", 1, -3, "BAJA"), row("A", 2, 1, "MEDIA"), row("X", 1, 1, "MEDIA")}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ProductionReplace(ctx, conn, months, first) }); err != nil {
		t.Fatal(err)
	}
	second := []*store.ProductionRow{row("A", 1, 5, "MEDIA"), row("B", 1, 9, "ALTA"), row("C", 1, -3, "BAJA"), row("D", 1, 7, "MEDIA")}
	// B has the net plan's columns; the others keep them empty.
	release := time.Date(2025, 12, 22, 0, 0, 0, 0, time.UTC)
	second[1].IncomingProduction, second[1].IncomingPurchase, second[1].ComponentDemand = 4, 2.5, 7
	second[1].PlannedQuantity, second[1].Action, second[1].ReleaseDate = 24, "produce", &release
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ProductionReplace(ctx, conn, months[:1], second) }); err != nil {
		t.Fatal(err)
	}
	jan, err := s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: conn, Year: 2026, Month: 1})
	if err != nil {
		t.Fatal(err)
	}
	var order string
	for _, r := range jan {
		order += r.SKU
	}
	if order != "BDAC" {
		t.Errorf("January plan order = %q, want BDAC (ALTA, then MEDIA by need, then BAJA; X replaced away)", order)
	}
	if r := jan[0]; r.CoverageMonths == nil || *r.CoverageMonths != 0.4 || r.StockoutMonth != "2026-02" || r.Flags != "negative_inventory" ||
		r.InventorySyncedAt == nil || !r.InventorySyncedAt.Equal(gen) || r.ProductName != "P B" ||
		r.IncomingProduction != 4 || r.IncomingPurchase != 2.5 || r.ComponentDemand != 7 || r.PlannedQuantity != 24 ||
		r.Action != "produce" || r.ReleaseDate == nil || !r.ReleaseDate.Equal(release) {
		t.Errorf("row read back = %+v", r)
	}
	if r := jan[1]; r.Action != "" || r.ReleaseDate != nil || r.PlannedQuantity != 0 {
		t.Errorf("a row without the net plan's columns read back = %+v", r)
	}
	feb, _ := s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: conn, Year: 2026, Month: 2})
	if len(feb) != 1 {
		t.Errorf("February rows = %d; replacing January must leave February alone", len(feb))
	}
	alta, _ := s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: conn, Priority: "ALTA", Limit: 5})
	if len(alta) != 1 || alta[0].SKU != "B" {
		t.Errorf("ALTA filter = %+v", alta)
	}
}

func init() { extra = append(extra, namedTest{"OrderDue", testOrderDue}) }

// testOrderDue: the open and delivered quantities of confirmed lines by SKU, due date (commitment date, else
// order date) and whether the order was placed in the month asked for.
func testOrderDue(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	other := newConnection(t, s, "beta")
	from, to := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 6, 0, 0, 0, time.UTC) // January in UTC-6
	placedJan, placedDec := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), time.Date(2025, 12, 20, 10, 0, 0, 0, time.UTC)
	dueFeb := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	order := func(conn, id int64, placed time.Time, commitment *time.Time, state string) *store.Order {
		o := sampleOrder(conn, id)
		o.DateOrder, o.CommitmentDate, o.State = &placed, commitment, state
		return o
	}
	orders := []*store.Order{
		order(conn, 1, placedJan, nil, "sale"),              // due on its order date
		order(conn, 2, placedJan, &dueFeb, "sale"),          // committed to February
		order(conn, 3, placedDec, nil, "done"),              // December's, overdue
		order(conn, 4, placedJan, nil, "cancel"),            // not confirmed
		order(other, 1, placedJan, nil, "sale"),             // another connection
		order(conn, 5, placedDec, &dueFeb, "sale"),          // December's, delivered in full: not open, not placed in January
		order(conn, 6, from.Add(-time.Second), nil, "sale"), // one second before January (UTC-6): December's
	}
	if _, err := s.OrderUpsertMany(ctx, orders); err != nil {
		t.Fatal(err)
	}
	item := func(conn, line int64, o *store.Order, sku string, qty, delivered float64) *store.Item {
		it := sampleItem(conn, line, o.OrderID)
		it.DateOrder, it.OrderState, it.SKU, it.Quantity, it.QtyDelivered = o.DateOrder, o.State, sku, qty, delivered
		return it
	}
	items := []*store.Item{
		item(conn, 1, orders[0], "A", 50, 30),
		item(conn, 2, orders[0], "A", 4, 6), // over-delivered: 0 open, 6 delivered
		item(conn, 3, orders[1], "A", 10, 2),
		item(conn, 4, orders[2], "A", 5, 0),
		item(conn, 5, orders[3], "A", 99, 0),
		item(other, 1, orders[4], "A", 77, 0),
		item(conn, 6, orders[5], "A", 8, 8),
		item(conn, 7, orders[6], "B", 3, 3), // delivered, placed before January: left out
		item(conn, 8, orders[0], "B", 7, 7), // delivered, placed in January
	}
	removed := item(conn, 9, orders[0], "A", 1000, 0)
	removed.RemovedAt = &placedJan
	items = append(items, removed)
	if _, err := s.ItemUpsertMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	// A line whose order is not stored (yet) is due on its own date_order.
	orphan := item(conn, 10, &store.Order{OrderID: 99, DateOrder: &placedJan, State: "sale"}, "C", 2, 0)
	if _, err := s.ItemUpsertMany(ctx, []*store.Item{orphan}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OrderDueList(ctx, conn, from, to)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		sku             string
		due             time.Time
		placed          bool
		open, delivered float64
	}
	want := []row{
		{"A", placedDec, false, 5, 0},
		{"A", placedJan, true, 20, 36},
		{"A", dueFeb, true, 8, 2},
		{"B", placedJan, true, 0, 7},
		{"C", placedJan, true, 2, 0},
	}
	var rows []row
	for _, d := range got {
		r := row{sku: d.SKU, placed: d.Placed, open: d.Open, delivered: d.Delivered}
		if d.Due != nil {
			r.due = d.Due.UTC()
		}
		rows = append(rows, r)
	}
	if len(rows) != len(want) {
		t.Fatalf("OrderDueList = %+v\nwant %+v", rows, want)
	}
	for i := range want {
		if rows[i].sku != want[i].sku || !rows[i].due.Equal(want[i].due) || rows[i].placed != want[i].placed ||
			rows[i].open != want[i].open || rows[i].delivered != want[i].delivered {
			t.Errorf("OrderDueList[%d] = %+v, want %+v", i, rows[i], want[i])
		}
	}
	backlog, err := s.BacklogList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]float64{}
	for _, d := range got {
		open[d.SKU] += d.Open
	}
	for sku, q := range backlog {
		if open[sku] != q {
			t.Errorf("SKU %s: open orders by due date add up to %g, the backlog is %g", sku, open[sku], q)
		}
	}
	// An order without any date is undated, listed last.
	undated := order(conn, 7, placedJan, nil, "sale")
	undated.DateOrder = nil
	if _, err := s.OrderUpsertMany(ctx, []*store.Order{undated}); err != nil {
		t.Fatal(err)
	}
	u := item(conn, 11, undated, "A", 3, 1)
	u.DateOrder = nil
	if _, err := s.ItemUpsertMany(ctx, []*store.Item{u}); err != nil {
		t.Fatal(err)
	}
	got, err = s.OrderDueList(ctx, conn, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || got[3].SKU != "A" || got[3].Due != nil || got[3].Placed || got[3].Open != 2 || got[3].Delivered != 1 {
		t.Errorf("with an undated order: %d rows, the fourth %+v; want A's undated line (2 open, 1 delivered) after A's dated ones", len(got), got[3])
	}
}
