package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

// BenchmarkSKUPage measures a SKU page of a connection of 10,000 products in a real SQLite store: "sales" on a
// connection without BoMs, "bom" on one where 3,000 products are made of three others each, for a SKU with
// components and parents (the page reads the connection's BoMs, lines, routes and products to list them).
//
//	go test -run '^$' -bench SKUPage -benchtime 20x ./internal/dashboard/
func BenchmarkSKUPage(b *testing.B) {
	const products, made = 10000, 3000
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	s, eng := benchEngine(b, engine.NeedForecast|engine.NeedPlan, func() time.Time { return now })
	for _, name := range []string{"sales", "bom"} {
		c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: name, URL: "http://127.0.0.1:1", Database: "odoo",
			Username: "admin", APIKeyEncrypted: "x", Protocol: "auto", PollInterval: time.Minute, Active: true})
		if err != nil {
			b.Fatal(err)
		}
		ps := make([]*store.Product, products)
		for i := range ps {
			ps[i] = &store.Product{ConnectionID: c.ID, ProductID: int64(i + 1), SKU: fmt.Sprintf("SKU-%05d", i),
				Name: fmt.Sprintf("Producto %d", i), Type: "consu", Active: true, SyncedAt: now}
		}
		if _, err := s.ProductUpsertMany(ctx, ps); err != nil {
			b.Fatal(err)
		}
		if name == "sales" {
			continue
		}
		var sup store.Supply
		for i := range products {
			sup.ProductRoutes = append(sup.ProductRoutes, &store.ProductRoute{ConnectionID: c.ID, ProductID: int64(i + 1),
				ProductTmplID: int64(i + 1), Manufacture: i < made, Buy: i >= made, WriteDate: now, SyncedAt: now})
		}
		for i := range made {
			sup.BoMs = append(sup.BoMs, &store.BoM{ConnectionID: c.ID, BoMID: int64(i + 1), ProductTmplID: int64(i + 1), Type: "normal",
				ProductQty: 1, Active: true, WriteDate: now, SyncedAt: now})
			for k := range 3 {
				// Components among the next products: product 100 is made of 101-103 and is a component of 97-99.
				sup.BoMLines = append(sup.BoMLines, &store.BoMLine{ConnectionID: c.ID, LineID: int64(i*3 + k + 1), BoMID: int64(i + 1),
					ProductID: int64(i + 2 + k), ProductQty: float64(k + 1), WriteDate: now, SyncedAt: now})
			}
		}
		if _, err := s.ProductRouteUpsertMany(ctx, sup.ProductRoutes); err != nil {
			b.Fatal(err)
		}
		if _, err := s.BoMUpsertMany(ctx, sup.BoMs); err != nil {
			b.Fatal(err)
		}
		if _, err := s.BoMLineUpsertMany(ctx, sup.BoMLines); err != nil {
			b.Fatal(err)
		}
	}
	d, err := New(Options{Source: eng, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	h := d.Handler()
	for _, conn := range []string{"sales", "bom"} {
		b.Run(conn, func(b *testing.B) {
			path := skuHref("SKU-00099", conn) // product 100
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept", "text/html")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", path, w.Code)
				}
				if body := w.Body.String(); conn == "bom" && !(strings.Contains(body, `id="sku-components"`) && strings.Contains(body, `id="sku-parents"`)) {
					b.Fatal("the SKU page lists no components or parents")
				}
			}
		})
	}
}
