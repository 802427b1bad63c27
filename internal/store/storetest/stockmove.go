package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"StockMoves", testStockMoves}) }

// QueryStockMovesByMonth (docs/database.md): what came in and went out of stock per product and month; the same
// text runs on both engines.
const QueryStockMovesByMonth = `-- what came in and went out of stock per product and month (the same text runs on both engines)
SELECT p.sku, substr(CAST(m.date AS TEXT), 1, 7) AS month,
  SUM(CASE WHEN m.location_dest_usage = 'internal' AND m.location_usage <> 'internal' THEN m.quantity ELSE 0 END) AS received,
  SUM(CASE WHEN m.location_usage = 'internal' AND m.location_dest_usage <> 'internal' THEN m.quantity ELSE 0 END) AS shipped
FROM stock_moves m JOIN products p ON p.connection_id = m.connection_id AND p.product_id = m.product_id
WHERE m.removed_at IS NULL
GROUP BY p.sku, substr(CAST(m.date AS TEXT), 1, 7) ORDER BY p.sku, month;`

// sampleMoves are a receipt, a delivery, an internal transfer, a scrap and an inventory gain of product 11, and a
// delivery of product 12, done between at-30d and at.
func sampleMoves(conn int64, at time.Time) []*store.StockMove {
	mv := func(id, product int64, qty float64, daysAgo int, from, to string) *store.StockMove {
		return &store.StockMove{ConnectionID: conn, MoveID: id, ProductID: product, Quantity: qty, Date: at.AddDate(0, 0, -daysAgo),
			LocationID: 100 + id, LocationDestID: 200 + id, LocationUsage: from, LocationDestUsage: to, State: "done", CompanyID: 1,
			WriteDate: at.AddDate(0, 0, -daysAgo).Add(time.Second), SyncedAt: at}
	}
	ms := []*store.StockMove{
		mv(1, 11, 40, 30, "supplier", "internal"),
		mv(2, 11, 12.5, 20, "internal", "customer"),
		mv(3, 11, 5, 15, "internal", "internal"),
		mv(4, 11, 2, 10, "internal", "inventory"),
		mv(5, 11, 1, 5, "inventory", "internal"),
		mv(6, 12, 3, 1, "internal", "customer"),
	}
	ms[5].CompanyID, ms[5].LocationID = 0, 0 // nullable columns
	return ms
}

// testStockMoves: stock moves store field by field, upserts count only what changed, the list keeps the moves
// that changed the stock on hand, since a date, not removed; stamps and removals go through the supply tables'
// operations; the net of each kind of move; a data reset and a deleted connection take the rows with them; the
// forecast statistics keep their stock-out months.
func testStockMoves(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	a, b := newConnection(t, s, "acme"), newConnection(t, s, "beta")
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	if r, err := s.StockMoveUpsertMany(ctx, sampleMoves(a, at)); err != nil || r != (store.UpsertResult{Inserted: 6}) {
		t.Fatalf("first write: %+v, %v", r, err)
	}
	// Written against stored versions read by the caller: none (a first sync).
	if r, err := s.StockMoveWriteMany(ctx, sampleMoves(b, at), nil); err != nil || r != (store.UpsertResult{Inserted: 6}) {
		t.Fatalf("first write of beta's moves: %+v, %v", r, err)
	}
	if got, err := s.StockMoveList(ctx, b, time.Time{}); err != nil || len(got) != 5 || !reflect.DeepEqual(got[0], sampleMoves(b, at)[0]) {
		t.Fatalf("beta's moves written as new: %v, %v", dumpMoves(got), err)
	}
	// The documented query: product 11 received 40 + 1 and shipped 12.5 + 2 in February (the transfer between
	// internal locations is neither), product 12 shipped 3 in March.
	var products []*store.Product
	for _, id := range []int64{11, 12} {
		products = append(products, &store.Product{ConnectionID: a, ProductID: id, SKU: fmt.Sprintf("SKU-%d", id), Active: true, SyncedAt: at})
	}
	if _, err := s.ProductUpsertMany(ctx, products); err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().QueryContext(ctx, QueryStockMovesByMonth)
	if err != nil {
		t.Fatal(err)
	}
	var byMonth []string
	for rows.Next() {
		var sku, month string
		var in, out float64
		if err := rows.Scan(&sku, &month, &in, &out); err != nil {
			t.Fatal(err)
		}
		byMonth = append(byMonth, fmt.Sprintf("%s %s %g %g", sku, month, in, out))
	}
	rows.Close()
	if want := []string{"SKU-11 2026-02 41 14.5", "SKU-12 2026-03 0 3"}; !reflect.DeepEqual(byMonth, want) {
		t.Errorf("stock moves by month: %q, want %q", byMonth, want)
	}

	again := sampleMoves(a, at)
	for _, m := range again {
		m.SyncedAt = at.Add(time.Hour)
	}
	if r, err := s.StockMoveUpsertMany(ctx, again); err != nil || r != (store.UpsertResult{}) {
		t.Errorf("the same moves again: %+v, %v; want nothing written", r, err)
	}
	want := sampleMoves(a, at)
	got, err := s.StockMoveList(ctx, a, time.Time{})
	// The internal transfer (3) moved nothing in or out of stock.
	if err != nil || !reflect.DeepEqual(got, []*store.StockMove{want[0], want[1], want[3], want[4], want[5]}) {
		t.Errorf("listed %v, %v", dumpMoves(got), err)
	}
	lean, err := s.StockMoveNetList(ctx, a)
	if err != nil || len(lean) != 5 {
		t.Fatalf("net list: %v, %v", lean, err)
	}
	for i, m := range []*store.StockMove{want[0], want[1], want[3], want[4], want[5]} {
		if lean[i].ProductID != m.ProductID || !lean[i].Date.Equal(m.Date) || lean[i].Net != m.Net() {
			t.Errorf("net list %d: %+v, want move %d's", i, lean[i], m.MoveID)
		}
	}
	nets := map[int64]float64{}
	for _, m := range want {
		nets[m.MoveID] = m.Net()
	}
	if !reflect.DeepEqual(nets, map[int64]float64{1: 40, 2: -12.5, 3: 0, 4: -2, 5: 1, 6: -3}) {
		t.Errorf("nets %v", nets)
	}
	if got, err := s.StockMoveList(ctx, a, at.AddDate(0, 0, -10)); err != nil || len(got) != 3 || got[0].MoveID != 4 {
		t.Errorf("since 10 days ago: %v, %v; want moves 4, 5, 6", dumpMoves(got), err)
	}

	// A changed move counts an update; its stamp is the supply tables'.
	changed := *want[1]
	changed.Quantity, changed.WriteDate = 13, at
	if r, err := s.StockMoveUpsertMany(ctx, []*store.StockMove{&changed}); err != nil || r != (store.UpsertResult{Updated: 1}) {
		t.Errorf("rewrite: %+v, %v", r, err)
	}
	st, err := s.SupplyStampGetMany(ctx, a, store.TableStockMoves, []int64{2, 99})
	if err != nil || len(st) != 1 || !st[2].WriteDate.Equal(at) || st[2].State != "done" || st[2].Removed {
		t.Errorf("stamps %+v, %v", st, err)
	}
	if n, err := s.SupplyMarkRemoved(ctx, a, store.TableStockMoves, []int64{2}, at); err != nil || n != 1 {
		t.Errorf("mark removed: %d, %v", n, err)
	}
	if ids, err := s.SupplyIDList(ctx, a, store.TableStockMoves); err != nil || !reflect.DeepEqual(ids, []int64{1, 3, 4, 5, 6}) {
		t.Errorf("ids after a removal: %v, %v", ids, err)
	}
	if got, _ := s.StockMoveList(ctx, a, time.Time{}); len(got) != 4 {
		t.Errorf("a removed move is listed: %v", dumpMoves(got))
	}

	// Stock-out months of the forecast statistics.
	gen := at.Truncate(time.Second)
	m := func(y int, mo time.Month) time.Time { return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC) }
	stats := []*store.ForecastStat{
		{SKU: "A", Method: "ets", Class: "smooth", HistoryMonths: 30, LastMonth: m(2026, 2), GeneratedAt: gen,
			StockoutMonths: []time.Time{m(2025, 11), m(2025, 12), m(2026, 2)}, CensoredMonths: []time.Time{m(2025, 11), m(2025, 12)}},
		{SKU: "B", Method: "ets", Class: "smooth", HistoryMonths: 30, LastMonth: m(2026, 2), GeneratedAt: gen},
	}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastReplace(ctx, a, nil, stats) }); err != nil {
		t.Fatal(err)
	}
	sa, err := s.ForecastStatGet(ctx, a, "A")
	if err != nil || !reflect.DeepEqual(sa.StockoutMonths, stats[0].StockoutMonths) || !reflect.DeepEqual(sa.CensoredMonths, stats[0].CensoredMonths) {
		t.Errorf("stats of A: %+v, %v", sa, err)
	}
	var text string
	if err := s.DB().QueryRowContext(ctx, `SELECT stockout_months || '|' || censored_months FROM forecast_stats WHERE sku = 'A'`).Scan(&text); err != nil ||
		text != "2025-11,2025-12,2026-02|2025-11,2025-12" {
		t.Errorf("stored months %q, %v", text, err)
	}
	if sb, err := s.ForecastStatGet(ctx, a, "B"); err != nil || sb.StockoutMonths != nil || sb.CensoredMonths != nil {
		t.Errorf("stats of B: %+v, %v; want no months", sb, err)
	}

	r, err := s.ConnectionDataReset(ctx, a)
	if err != nil || r.StockMoves != 6 {
		t.Errorf("data reset: %+v, %v; want 6 stock moves", r, err)
	}
	if err := s.ConnectionDelete(ctx, b); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM stock_moves").Scan(&n); err != nil || n != 0 {
		t.Errorf("stock_moves after a reset and a deleted connection: %d rows, %v", n, err)
	}
}

func dumpMoves(ms []*store.StockMove) string {
	out := ""
	for _, m := range ms {
		out += " " + dumpRow(reflect.ValueOf(m).Elem())
	}
	return out
}
