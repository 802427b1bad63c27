package engine

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// BenchmarkAccuracy10k measures 'accuracy' (lags 1, 3, 6) over 10,000 SKUs with two years of sales and a kept
// run in each of the last 12 months, on SQLite: what the command and the dashboard's page wait for.
//
//	go test -run '^$' -bench BenchmarkAccuracy10k -benchtime 3x ./internal/engine/
func BenchmarkAccuracy10k(b *testing.B) {
	const skus = 10000
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "se.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.LoadMap(map[string]string{})
	if err != nil {
		b.Fatal(err)
	}
	set, err := LoadSettings(cfg, NeedForecast)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	set.Now = func() time.Time { return now }
	eng, err := New(s, set, Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true})
	if err != nil {
		b.Fatal(err)
	}
	// Two years of monthly sales per SKU, to February 2026.
	var items []*store.Item
	line := int64(0)
	for i := range skus {
		for m := range 24 {
			line++
			d := time.Date(2024, time.Month(3+m), 10, 0, 0, 0, 0, time.UTC)
			items = append(items, &store.Item{ConnectionID: c.ID, LineID: line, OrderID: line, OrderName: fmt.Sprint(line), OrderState: "sale",
				DateOrder: &d, SKU: fmt.Sprintf("SKU-%05d", i), ProductID: int64(i + 1), Quantity: float64(5 + (i+m)%11), WriteDate: d, SyncedAt: d, UpdatedAt: d})
		}
		if len(items) >= 20000 {
			if _, err := s.ItemUpsertMany(ctx, items); err != nil {
				b.Fatal(err)
			}
			items = items[:0]
		}
	}
	if _, err := s.ItemUpsertMany(ctx, items); err != nil {
		b.Fatal(err)
	}
	// A run on the 20th of each of the last 12 months, 12 months ahead.
	for r := range 12 {
		gen := time.Date(2025, time.Month(3+r), 20, 0, 0, 0, 0, time.UTC)
		first := time.Date(gen.Year(), gen.Month(), 1, 0, 0, 0, 0, time.UTC)
		run := &store.ForecastRun{ConnectionID: c.ID, GeneratedAt: gen, FirstMonth: first, Horizon: 12, IntervalLevel: 80, SKUs: skus}
		rows := make([]*store.ForecastSnapshot, 0, skus*12)
		for i := range skus {
			for m := range 12 {
				q := float64(5 + (i+m)%9)
				rows = append(rows, &store.ForecastSnapshot{SKU: fmt.Sprintf("SKU-%05d", i), Date: first.AddDate(0, m, 0), Quantity: q,
					Lower80: q - 3, Upper80: q + 3, Lower95: q - 5, Upper95: q + 5, Method: "mean(ets+dotm+snaive)", Class: "smooth"})
			}
		}
		if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastRunInsert(ctx, run, rows) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var points int
	for i := 0; i < b.N; i++ {
		rep, err := eng.Accuracy(ctx, []*store.Connection{c}, nil, "")
		if err != nil {
			b.Fatal(err)
		}
		points = len(rep.Points)
	}
	b.ReportMetric(float64(points), "points")
	b.StopTimer()
	// The dashboard's SKU page: one SKU.
	start := time.Now()
	if _, err := eng.SKUAccuracy(ctx, c, "SKU-00042"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "sku-ms")
}
