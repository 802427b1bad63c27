package demand

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// BenchmarkStockoutsBySKU: the stock history a forecast reads and rebuilds: 1,000 storable products with 200
// done moves each over three years (200,000 moves) on SQLite.
func BenchmarkStockoutsBySKU(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		b.Fatal(err)
	}
	c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "bench", URL: "https://bench.example", Database: "bench",
		Username: "api", Protocol: "auto", PollInterval: time.Minute, Active: true})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	const products, perProduct = 1000, 200
	var inv []*store.Inventory
	var moves []*store.StockMove
	for p := int64(1); p <= products; p++ {
		inv = append(inv, &store.Inventory{ConnectionID: c.ID, ProductID: p, SKU: fmt.Sprintf("SKU-%04d", p), QtyAvailable: 10, Active: true, SyncedAt: now})
		for i := range perProduct {
			from, to, qty := "internal", "customer", 3.0
			if i%5 == 0 {
				from, to, qty = "supplier", "internal", 15 // more comes in than goes out: going back the stock runs out
			}
			at := now.Add(-time.Duration(i) * 131 * time.Hour)
			moves = append(moves, &store.StockMove{ConnectionID: c.ID, MoveID: p*perProduct + int64(i), ProductID: p, Quantity: qty, Date: at,
				LocationUsage: from, LocationDestUsage: to, State: "done", WriteDate: at, SyncedAt: now})
		}
	}
	if _, err := s.InventoryUpsertMany(ctx, inv); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(moves); i += 5000 {
		if _, err := s.StockMoveUpsertMany(ctx, moves[i:min(len(moves), i+5000)]); err != nil {
			b.Fatal(err)
		}
	}
	o := Options{}.withDefaults()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := stockoutsBySKU(ctx, s, c.ID, o)
		if err != nil || len(got) == 0 {
			b.Fatalf("%d SKUs with stock-out time, %v", len(got), err)
		}
	}
}
