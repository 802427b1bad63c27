package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra, namedTest{"Demand", testDemand}, namedTest{"Forecast", testForecast})
}

func testDemand(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	var items []*store.Item
	for i, state := range []string{"sale", "done", "cancel", "draft", "sale"} {
		it := sampleItem(conn, int64(i+1), int64(i+1))
		it.OrderState = state
		d := time.Date(2025, time.Month(i+1), 10, 0, 0, 0, 0, time.UTC)
		it.DateOrder = &d
		items = append(items, it)
	}
	if _, err := s.ItemUpsertMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ItemMarkRemoved(ctx, conn, []int64{5}, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.DemandList(ctx, conn, time.Time{})
	if err != nil || len(got) != 2 || got[0].DateOrder.Month() != 1 || got[1].DateOrder.Month() != 2 {
		t.Fatalf("demand = %+v, %v; want the sale and done lines only (not cancel, draft or removed)", got, err)
	}
	since, err := s.DemandList(ctx, conn, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(since) != 1 {
		t.Errorf("demand since February = %+v, %v", since, err)
	}
}

func testForecast(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	gen := time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC)
	mk := func(sku string, month time.Month, q float64) *store.ForecastRow {
		return &store.ForecastRow{SKU: sku, Date: time.Date(2026, month, 1, 0, 0, 0, 0, time.UTC), Quantity: q, Lower: q * .8,
			Upper: q * 1.2, IntervalLevel: 80, Lower95: q * .6, Upper95: q * 1.4, Method: "ets", GeneratedAt: gen}
	}
	rmsse, runnerUp := 0.8, 0.9
	stats := []*store.ForecastStat{{SKU: "A", Method: "ets", Model: "ETS(A,N,N)", Class: "smooth", BacktestRMSSE: &rmsse,
		RunnerUp: "mean(ets+theta)", RunnerUpRMSSE: &runnerUp, Outliers: []store.CleanedMonth{
			{Month: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Raw: 412, Cleaned: 180.25},
			{Month: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Raw: 0.1, Cleaned: 33}},
		Origins: 3, HistoryMonths: 36, MeanDemand: 10, StdDemand: 2, LastMonth: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), GeneratedAt: gen},
		{SKU: "B", Method: "zero", Class: "dead", HistoryMonths: 4, LastMonth: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), GeneratedAt: gen}}
	first := []*store.ForecastRow{mk("A", 1, 10), mk("A", 2, 11), mk("B", 1, 0), mk("OLD", 1, 5)}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastReplace(ctx, conn, first, stats) }); err != nil {
		t.Fatal(err)
	}
	second := []*store.ForecastRow{mk("A", 1, 12), mk("A", 2, 13), mk("B", 1, 0)}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastReplace(ctx, conn, second, stats) }); err != nil {
		t.Fatal(err)
	}
	all, err := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: conn})
	if err != nil || len(all) != 3 {
		t.Fatalf("forecast after replace = %d rows, %v; want 3 (OLD gone)", len(all), err)
	}
	a, err := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: conn, SKU: "A", From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(a) != 1 || a[0].Quantity != 13 || a[0].Upper95 != 13*1.4 || !a[0].Date.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("A from February = %+v, %v", a, err)
	}
	var year, month int
	if err := s.DB().QueryRowContext(ctx, `SELECT year, month FROM forecast WHERE sku = 'A' ORDER BY forecast_date LIMIT 1`).Scan(&year, &month); err != nil || year != 2026 || month != 1 {
		t.Errorf("year/month columns = %d/%d, %v", year, month, err)
	}
	st, err := s.ForecastStatList(ctx, conn)
	if err != nil || len(st) != 2 || st[0].BacktestRMSSE == nil || *st[0].BacktestRMSSE != 0.8 || st[1].BacktestRMSSE != nil || st[1].Class != "dead" {
		t.Errorf("stats = %+v, %v", st, err)
	}
	// The runner-up is stored with the stats; a SKU without one reads back empty (NULL in the table).
	a0, err := s.ForecastStatGet(ctx, conn, "A")
	if err != nil || a0.Method != "ets" || a0.RunnerUp != "mean(ets+theta)" || a0.RunnerUpRMSSE == nil || *a0.RunnerUpRMSSE != 0.9 ||
		a0.HistoryMonths != 36 || !a0.LastMonth.Equal(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("stats of A = %+v, %v", a0, err)
	}
	if b, err := s.ForecastStatGet(ctx, conn, "B"); err != nil || b.RunnerUp != "" || b.RunnerUpRMSSE != nil {
		t.Errorf("stats of B = %+v, %v; want no runner-up", b, err)
	}
	var nulls int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM forecast_stats WHERE runner_up_method IS NULL AND runner_up_rmsse IS NULL`).Scan(&nulls); err != nil || nulls != 1 {
		t.Errorf("rows without a runner-up stored as NULL: %d, %v; want 1", nulls, err)
	}
	// Cleaned months: a count and comma-separated columns SQL users can read, and back.
	if len(a0.Outliers) != 2 || a0.Outliers[0] != stats[0].Outliers[0] || a0.Outliers[1] != stats[0].Outliers[1] {
		t.Errorf("outliers of A = %+v, want %+v", a0.Outliers, stats[0].Outliers)
	}
	var count int
	var months, raw, cleaned string
	if err := s.DB().QueryRowContext(ctx, `SELECT outlier_count, outlier_months, outlier_raw, outlier_cleaned FROM forecast_stats WHERE sku = 'A'`).
		Scan(&count, &months, &raw, &cleaned); err != nil || count != 2 || months != "2025-03,2025-07" || raw != "412,0.1" || cleaned != "180.25,33" {
		t.Errorf("outlier columns of A = %d %q %q %q, %v", count, months, raw, cleaned, err)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT outlier_count, outlier_months FROM forecast_stats WHERE sku = 'B'`).Scan(&count, &months); err != nil ||
		count != 0 || months != "" {
		t.Errorf("outlier columns of B = %d %q, %v; want 0 and empty", count, months, err)
	}
	if b, err := s.ForecastStatGet(ctx, conn, "B"); err != nil || b.Outliers != nil {
		t.Errorf("outliers of B = %+v, %v; want none", b, err)
	}
	if _, err := s.ForecastStatGet(ctx, conn, "NOPE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stats of an unknown SKU: %v, want ErrNotFound", err)
	}
}
