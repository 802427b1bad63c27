package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// The reads behind the dashboard's plan and SKU pages.
func init() {
	extra = append(extra, namedTest{"ProductionRange", testProductionRange}, namedTest{"SKUReads", testSKUReads})
}

func testProductionRange(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme := newConnection(t, s, "acme")
	beta := newConnection(t, s, "beta")
	newConnection(t, s, "gamma") // no plan
	gen := time.Date(2026, 1, 2, 6, 0, 0, 0, time.UTC)
	row := func(sku string, year, month int, prio string) *store.ProductionRow {
		return &store.ProductionRow{SKU: sku, ProductName: "P " + sku, Year: year, Month: month, Priority: prio, Recommended: 3,
			Flags: "surplus", GeneratedAt: gen}
	}
	acmeMonths := []store.YearMonth{{Year: 2025, Month: 12}, {Year: 2026, Month: 1}, {Year: 2026, Month: 2}}
	acmeRows := []*store.ProductionRow{row("A", 2025, 12, "ALTA"), row("B", 2025, 12, "BAJA"), row("A", 2026, 1, "MEDIA"),
		row("B", 2026, 1, "BAJA"), row("C", 2026, 1, "ALTA"), row("A", 2026, 2, "BAJA")}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ProductionReplace(ctx, acme, acmeMonths, acmeRows) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, func(tx store.Executor) error {
		return tx.ProductionReplace(ctx, beta, []store.YearMonth{{Year: 2026, Month: 1}}, []*store.ProductionRow{row("A", 2026, 1, "ALTA")})
	}); err != nil {
		t.Fatal(err)
	}

	months, err := s.ProductionMonthList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range months {
		got = append(got, fmt.Sprintf("%s %d %04d-%02d %d", m.Connection, m.ConnectionID, m.Year, m.Month, m.Rows))
	}
	want := []string{fmt.Sprintf("acme %d 2025-12 2", acme), fmt.Sprintf("acme %d 2026-01 3", acme), fmt.Sprintf("acme %d 2026-02 1", acme),
		fmt.Sprintf("beta %d 2026-01 1", beta)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("plan months = %v, want %v (gamma has none)", got, want)
	}

	keys := func(rows []*store.ProductionRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%d/%04d-%02d/%s", r.ConnectionID, r.Year, r.Month, r.SKU))
		}
		return out
	}
	// Across the year's end, every connection.
	rows, err := s.ProductionRangeList(ctx, &store.ProductionRangeListParams{From: store.YearMonth{Year: 2025, Month: 12}, To: store.YearMonth{Year: 2026, Month: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{fmt.Sprintf("%d/2025-12/A", acme), fmt.Sprintf("%d/2025-12/B", acme), fmt.Sprintf("%d/2026-01/A", acme),
		fmt.Sprintf("%d/2026-01/B", acme), fmt.Sprintf("%d/2026-01/C", acme), fmt.Sprintf("%d/2026-01/A", beta)}
	if fmt.Sprint(keys(rows)) != fmt.Sprint(want) {
		t.Errorf("December to January = %v, want %v", keys(rows), want)
	}
	if r := rows[0]; r.Priority != "ALTA" || r.ProductName != "P A" || r.Recommended != 3 || r.Flags != "surplus" || !r.GeneratedAt.Equal(gen) {
		t.Errorf("row read back = %+v", r)
	}
	// One connection, one month; and a range with nothing stored.
	rows, err = s.ProductionRangeList(ctx, &store.ProductionRangeListParams{ConnectionID: beta, From: store.YearMonth{Year: 2026, Month: 1}, To: store.YearMonth{Year: 2026, Month: 1}})
	if err != nil || len(rows) != 1 || rows[0].ConnectionID != beta {
		t.Errorf("beta's January = %v, %v", keys(rows), err)
	}
	rows, err = s.ProductionRangeList(ctx, &store.ProductionRangeListParams{From: store.YearMonth{Year: 2026, Month: 3}, To: store.YearMonth{Year: 2027, Month: 1}})
	if err != nil || len(rows) != 0 {
		t.Errorf("March 2026 to January 2027 = %v, %v; want nothing", keys(rows), err)
	}
	// One SKU's rows.
	rows, err = s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: acme, SKU: "A"})
	if err != nil || fmt.Sprint(keys(rows)) != fmt.Sprint([]string{fmt.Sprintf("%d/2025-12/A", acme), fmt.Sprintf("%d/2026-01/A", acme), fmt.Sprintf("%d/2026-02/A", acme)}) {
		t.Errorf("acme's A = %v, %v", keys(rows), err)
	}
}

func testSKUReads(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme := newConnection(t, s, "acme")
	beta := newConnection(t, s, "beta")
	gamma := newConnection(t, s, "gamma")
	at := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)

	// acme: six lines of SKU-1 (lines 1, 8, 15, ... by sampleItem's rule) in several states, one removed, one
	// without a date; and lines of other SKUs.
	var items []*store.Item
	for i := range 14 {
		line := int64(i + 1)
		it := sampleItem(acme, line, line)
		d := time.Date(2025, time.Month(i%12+1), 5, 0, 0, 0, 0, time.UTC)
		it.DateOrder, it.Quantity, it.QtyDelivered = &d, float64(10+i), 4
		items = append(items, it)
	}
	more := []*store.Item{sampleItem(acme, 15, 15), sampleItem(acme, 22, 22), sampleItem(acme, 29, 29)}
	more[0].OrderState = "cancel"
	more[1].DateOrder = nil
	more[2].OrderState = "done"
	more[2].DateOrder = ptr(time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC))
	more[2].Quantity, more[2].QtyDelivered = 7, 9 // more delivered than sold: no backlog from it
	items = append(items, more...)
	items = append(items, sampleItem(beta, 1, 1)) // beta sells SKU-1 too
	if _, err := s.ItemUpsertMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ItemMarkRemoved(ctx, acme, []int64{8}, at); err != nil {
		t.Fatal(err)
	}

	demand, err := s.DemandListBySKU(ctx, acme, "SKU-1")
	if err != nil {
		t.Fatal(err)
	}
	// Lines 1 (January) and 29 (done, December); 8 is removed, 15 cancelled, 22 has no date.
	if len(demand) != 2 || demand[0].Quantity != 10 || demand[0].DateOrder.Month() != 1 || demand[1].Quantity != 7 || demand[1].SKU != "SKU-1" {
		t.Errorf("demand of SKU-1 = %+v", demand)
	}
	all, err := s.DemandList(ctx, acme, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range all {
		if d.SKU == "SKU-1" {
			n++
		}
	}
	if n != len(demand) {
		t.Errorf("DemandList has %d lines of SKU-1, DemandListBySKU %d", n, len(demand))
	}

	backlog, err := s.BacklogList(ctx, acme)
	if err != nil {
		t.Fatal(err)
	}
	for _, sku := range []string{"SKU-1", "SKU-2", "NOPE"} {
		b, err := s.BacklogGet(ctx, acme, sku)
		if err != nil || b != backlog[sku] {
			t.Errorf("backlog of %s = %v, %v; BacklogList says %v", sku, b, err, backlog[sku])
		}
	}
	if backlog["SKU-1"] == 0 {
		t.Error("SKU-1 should have a backlog (line 1: 10 sold, 4 delivered)")
	}

	lines, err := s.ItemListBySKU(ctx, acme, "SKU-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, it := range lines {
		got = append(got, it.LineID)
	}
	// Newest order first: 29 (2025-12-20), 15 (cancelled, its order's date 2025-06-01), 1 (2025-01-05); 22 has no date.
	if fmt.Sprint(got) != "[29 15 1 22]" {
		t.Errorf("lines of SKU-1 = %v, want [29 15 1 22] (newest first, removed left out, undated last)", got)
	}
	if lines[1].OrderState != "cancel" || lines[0].OrderName == "" {
		t.Errorf("lines read back: %+v", lines[:2])
	}
	if two, err := s.ItemListBySKU(ctx, acme, "SKU-1", 2); err != nil || len(two) != 2 || two[0].LineID != 29 {
		t.Errorf("the 2 newest lines = %d, %v", len(two), err)
	}

	inv := []*store.Inventory{{ConnectionID: acme, ProductID: 1, SKU: "SKU-1", Name: "A", QtyAvailable: 5, SyncedAt: at},
		{ConnectionID: acme, ProductID: 9, SKU: "SKU-1", Name: "A bis", QtyAvailable: 2, SyncedAt: at},
		{ConnectionID: acme, ProductID: 2, SKU: "SKU-2", Name: "B", QtyAvailable: 1, SyncedAt: at}}
	if _, err := s.InventoryUpsertMany(ctx, inv); err != nil {
		t.Fatal(err)
	}
	rows, err := s.InventoryListBySKU(ctx, acme, "SKU-1")
	if err != nil || len(rows) != 2 || rows[0].ProductID != 1 || rows[1].QtyAvailable != 2 {
		t.Errorf("inventory of SKU-1 = %+v, %v", rows, err)
	}

	// Which connections hold a SKU: acme and beta by their lines; gamma by a forecast only.
	gen := at
	if err := s.Tx(ctx, func(tx store.Executor) error {
		return tx.ForecastReplace(ctx, gamma, nil, []*store.ForecastStat{{SKU: "SKU-1", Method: "ses", Class: "short", LastMonth: gen, GeneratedAt: gen},
			{SKU: "ONLY-GAMMA", Method: "ses", Class: "short", LastMonth: gen, GeneratedAt: gen}})
	}); err != nil {
		t.Fatal(err)
	}
	for sku, want := range map[string]string{"SKU-1": "[acme beta gamma]", "SKU-2": "[acme]", "ONLY-GAMMA": "[gamma]", "NOPE": "[]"} {
		names, err := s.SKUConnectionList(ctx, sku)
		if err != nil || fmt.Sprint(names) != want {
			t.Errorf("connections of %s = %v, %v; want %s", sku, names, err, want)
		}
	}
}
