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
