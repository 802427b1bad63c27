package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// BenchmarkPlanPage measures the plan page and its CSV with 10,000 SKUs planned for this month in a real
// SQLite store, through the real handler: the engine's two queries, the filters and sort, and the rendering
// (the page shows the first 500 rows; the CSV all of them). The rows are a net plan's: an action each, supply,
// component demand, release dates.
//
//	go test -run '^$' -bench PlanPage -benchtime 20x ./internal/dashboard/
func BenchmarkPlanPage(b *testing.B) {
	const skus = 10000
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	s, eng := benchEngine(b, engine.NeedForecast|engine.NeedPlan, func() time.Time { return now })
	c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "bench", URL: "http://127.0.0.1:1", Database: "odoo",
		Username: "admin", APIKeyEncrypted: "x", Protocol: "auto", PollInterval: time.Minute, Active: true})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]*store.ProductionRow, skus)
	prios := []string{plan.Alta, plan.Media, plan.Baja, plan.Baja}
	for i := range rows {
		r := &store.ProductionRow{SKU: fmt.Sprintf("SKU-%05d", i), ProductName: fmt.Sprintf("Tornillo galvanizado %d mm", i%97),
			Year: 2026, Month: 1, ForecastQuantity: float64(i%300) + .5, Inventory: float64(i % 250), SafetyStock: float64(i%40) + .25,
			Backlog: float64(i % 30), Priority: prios[i%4], GeneratedAt: now, InventorySyncedAt: &now}
		r.ProductionNeeded = r.ForecastQuantity - r.Inventory
		if r.Priority != plan.Baja {
			r.Recommended = r.ForecastQuantity + r.SafetyStock + r.Backlog - r.Inventory + 1
			r.StockoutMonth = "2026-01"
		} else if i%8 == 3 {
			r.Flags = plan.FlagSurplus
		}
		if i%10 != 0 {
			cov := r.Inventory / r.ForecastQuantity
			r.CoverageMonths = &cov
		}
		// A net plan: every row has an action, some supply and component demand; what is planned has a release
		// date, a third of it late.
		r.Action = []string{plan.ActionProduce, plan.ActionBuy}[i%2]
		r.IncomingProduction, r.IncomingPurchase, r.ComponentDemand = float64(i%7*10), float64(i%5*12), float64(i%3*4)
		if r.Priority != plan.Baja {
			r.PlannedQuantity = r.Recommended + float64(i%12)
			release := time.Date(2026, 1, 1+i%28, 0, 0, 0, 0, time.UTC)
			r.ReleaseDate = &release
			if i%3 == 0 {
				r.Flags = plan.FlagLateRelease
			}
		}
		rows[i] = r
	}
	if err := s.Tx(ctx, func(tx store.Executor) error {
		return tx.ProductionReplace(ctx, c.ID, []store.YearMonth{{Year: 2026, Month: 1}}, rows)
	}); err != nil {
		b.Fatal(err)
	}
	d, err := New(Options{Source: eng, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	h := d.Handler()
	for _, bc := range []struct{ name, path string }{
		{"page", "/plan"},
		{"page_sorted_by_product_desc", "/plan?sort=product&dir=desc"},
		{"page_search_alta", "/plan?priority=ALTA&q=galvanizado+1"},
		{"page_20", "/plan?page=20"},
		{"page_buy_late", "/plan?action=buy&late=1"},
		{"csv_all", "/plan.csv"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, bc.path, nil)
				req.Header.Set("Accept", "text/html")
				req.Header.Set("Accept-Language", "es")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", bc.path, w.Code)
				}
				size = w.Body.Len()
				_, _ = io.Copy(io.Discard, w.Body)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
