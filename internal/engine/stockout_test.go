package engine

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/demand"
	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
)

// TestStockoutForecast: a product that ran out of stock for two months in its Odoo (its sales then lost) gets a
// forecast close to the one the same history without the stock-out gets, where forecasting its raw sales would
// pull it down; its stock-out months are those the fake made, they are reported in forecast_stats and the
// results, and a history without stock-outs has none.
func TestStockoutForecast(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenantsWith(t, s, 2, nil, func(i int) odootest.Options {
			return odootest.Options{Version: "17", Seed: 21, Data: &odootest.GenerateOptions{Years: 3, SKUs: 30, LinesPerMonth: 300,
				Company2Share: -1, StockOuts: 1 - i}}
		})
		syncAtOnce(t, eng, tenants)
		outs := tenants[0].srv.StockOuts()
		if len(outs) != 1 || outs[0].To.IsZero() {
			t.Fatalf("the fake's stock-outs: %+v", outs)
		}
		so := outs[0]
		var sku string
		for _, p := range tenants[0].srv.Products() {
			if p.ID == so.ProductID {
				sku = p.DefaultCode
			}
		}
		// The months with half their time or more out of stock, by the fake's own account.
		var want []forecast.Month
		for m := forecast.MonthOf(so.From); m <= forecast.MonthOf(so.To); m++ {
			from, to := m.Time(), m.Add(1).Time()
			if so.From.After(from) {
				from = so.From
			}
			if so.To.Before(to) {
				to = so.To
			}
			if to.Sub(from) >= m.Add(1).Time().Sub(m.Time())/2 {
				want = append(want, m)
			}
		}
		if len(want) < 1 {
			t.Fatalf("stock-out %+v covers no month", so)
		}

		forecasts := make([]float64, 2)
		for i, tn := range tenants {
			if _, err := eng.ForecastAndPlan(ctx, tn.conn); err != nil {
				t.Fatal(err)
			}
			stats, err := s.ForecastStatList(ctx, tn.conn.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range stats {
				if i == 1 && len(st.StockoutMonths) > 0 {
					t.Errorf("%s without stock-outs: %s has stock-out months %v", tn.conn.Name, st.SKU, st.StockoutMonths)
				}
				if i == 0 && st.SKU == sku {
					var got, censored []forecast.Month
					for _, m := range st.StockoutMonths {
						got = append(got, forecast.MonthOf(m))
					}
					for _, m := range st.CensoredMonths {
						censored = append(censored, forecast.MonthOf(m))
					}
					if !slices.Equal(got, want) || !slices.Equal(censored, want) {
						t.Errorf("%s: stock-out months %v and censored %v, the fake's %v (%s to %s)", sku, got, censored, want,
							so.From.Format(time.DateTime), so.To.Format(time.DateTime))
					}
				}
			}
			rows, err := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: tn.conn.ID, SKU: sku})
			if err != nil || len(rows) != 12 {
				t.Fatalf("%s: forecast of %s: %d rows, %v", tn.conn.Name, sku, len(rows), err)
			}
			for _, r := range rows[:6] {
				forecasts[i] += r.Quantity
			}
		}
		// The raw sales of the stock-out history, forecast as they are.
		o, err := eng.demandOptions()
		if err != nil {
			t.Fatal(err)
		}
		series, err := demand.Series(ctx, s, tenants[0].conn.ID, o)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(series, func(x forecast.Series) bool { return x.ID == sku })
		raw, err := forecast.ForecastAll(ctx, series[i:i+1], o.Forecast)
		if err != nil {
			t.Fatal(err)
		}
		var rawSum float64
		for _, p := range raw[0].Points[:6] {
			rawSum += p.Forecast
		}
		censored, without := forecasts[0], forecasts[1]
		t.Logf("%s, 6 months: %.1f with the stock-out censored, %.1f without a stock-out, %.1f from the raw sales", sku, censored, without, rawSum)
		if math.Abs(censored-without) > 0.08*without || math.Abs(censored-without) > math.Abs(rawSum-without)/2 {
			t.Errorf("forecast with the stock-out censored %.1f, without a stock-out %.1f, from the raw sales %.1f: want within 8%% "+
				"and less than half as far as the raw sales'", censored, without, rawSum)
		}
		if rawSum > 0.9*without {
			t.Errorf("the raw sales' forecast %.1f is not pulled down (without a stock-out %.1f): the test shows nothing", rawSum, without)
		}
	})
}
