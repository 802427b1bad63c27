package engine

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// TestOverrideChangesThePlan: an override replaces the statistical forecast of its SKU-month in the plan (the
// safety stock scaled with it) at once, survives a new forecast run (the forecast table keeping the statistical
// figure), and a clear brings the statistical forecast back; bad input is refused with nothing stored.
func TestOverrideChangesThePlan(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenants(t, s, 1, nil)
		syncAtOnce(t, eng, tenants)
		c := tenants[0].conn
		if _, err := eng.ForecastAndPlan(ctx, c); err != nil {
			t.Fatal(err)
		}
		cur := eng.Settings().CurrentMonth()
		planRow := func(sku string) *store.ProductionRow {
			t.Helper()
			rows, err := s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: c.ID, Year: cur.Year, Month: int(cur.Month), SKU: sku})
			if err != nil || len(rows) != 1 {
				t.Fatalf("plan rows of %s: %d, %v", sku, len(rows), err)
			}
			return rows[0]
		}
		// A SKU with a positive forecast and safety stock this month.
		fc, err := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: c.ID, From: cur.First(), To: cur.First()})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(fc, func(r *store.ForecastRow) bool { return r.Quantity > 1 && r.Upper95 > r.Quantity })
		if i < 0 {
			t.Fatal("no SKU with a positive forecast and an interval this month")
		}
		sku, stat := fc[i].SKU, fc[i].Quantity
		before := planRow(sku)
		if before.ForecastQuantity != stat || strings.Contains(before.Flags, plan.FlagOverride) || before.SafetyStock <= 0 {
			t.Fatalf("plan row before: %+v (statistical %g)", before, stat)
		}

		q := math.Round(stat*3 + 50)
		out, err := eng.ForecastOverrideChange(ctx, c, OverrideChange{SKU: sku, Month: cur.String(), Quantity: &q,
			Note: "customer announced a big order", By: "luis", Source: store.OverrideSourceCLI})
		if err != nil {
			t.Fatal(err)
		}
		if out.Plan == nil || out.PlanErr != nil || out.Previous != nil || out.Statistical == nil || *out.Statistical != stat || out.Override.ID == 0 {
			t.Fatalf("outcome %+v", out)
		}
		after := planRow(sku)
		// Above the statistical forecast the spread, so the safety stock, stays.
		if after.ForecastQuantity != q || !strings.Contains(after.Flags, plan.FlagOverride) ||
			math.Abs(after.SafetyStock-before.SafetyStock) > 1e-9*after.SafetyStock || after.Recommended <= before.Recommended {
			t.Errorf("plan row with the override %g: %+v; before %+v", q, after, before)
		}

		// A new forecast run keeps it: the forecast table has the statistical figure, the plan the override.
		again, err := eng.ForecastAndPlan(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if again.Overrides != 1 {
			t.Errorf("the forecast run counts %d overrides in force, want 1", again.Overrides)
		}
		fc2, err := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: c.ID, SKU: sku, From: cur.First(), To: cur.First()})
		if err != nil || len(fc2) != 1 || fc2[0].Quantity == q {
			t.Fatalf("forecast row after the run: %+v, %v (override %g)", fc2, err, q)
		}
		if got := planRow(sku); got.ForecastQuantity != q || !strings.Contains(got.Flags, plan.FlagOverride) {
			t.Errorf("plan row after a new forecast run: %+v", got)
		}
		// serve's scheduled forecast too.
		if err := eng.scheduledForecast(ctx); err != nil {
			t.Fatal(err)
		}
		if got := planRow(sku); got.ForecastQuantity != q || !strings.Contains(got.Flags, plan.FlagOverride) {
			t.Errorf("plan row after serve's scheduled forecast: %+v", got)
		}

		// Cleared: the statistical forecast again.
		out, err = eng.ForecastOverrideChange(ctx, c, OverrideChange{SKU: sku, Month: cur.String(), By: "ana", Source: store.OverrideSourceDashboard})
		if err != nil {
			t.Fatal(err)
		}
		if out.Previous == nil || *out.Previous.Quantity != q {
			t.Errorf("the clear's previous override: %+v", out.Previous)
		}
		if got := planRow(sku); got.ForecastQuantity != fc2[0].Quantity || strings.Contains(got.Flags, plan.FlagOverride) {
			t.Errorf("plan row after the clear: %+v, statistical %g", got, fc2[0].Quantity)
		}
		hist, err := eng.ForecastOverrides(ctx, c, true)
		if err != nil || len(hist) != 2 || hist[0].Action != store.OverrideSet || hist[1].Action != store.OverrideClear ||
			hist[1].CreatedBy != "ana" || hist[1].Source != store.OverrideSourceDashboard {
			t.Fatalf("history: %+v, %v", hist, err)
		}

		// Bad input: each refused with its code, nothing stored.
		neg, nan, inf, big, ok := -1.0, math.NaN(), math.Inf(1), 2e12, 5.0
		horizon := eng.Settings().Forecast.Horizon
		for _, tc := range []struct {
			ch   OverrideChange
			code string
		}{
			{OverrideChange{SKU: sku, Month: "2026-13", Quantity: &ok, Note: "n"}, OverrideErrMonthFormat},
			{OverrideChange{SKU: sku, Month: "2026-1", Quantity: &ok, Note: "n"}, OverrideErrMonthFormat},
			{OverrideChange{SKU: sku, Month: "next", Quantity: &ok, Note: "n"}, OverrideErrMonthFormat},
			{OverrideChange{SKU: sku, Month: cur.Add(-1).String(), Quantity: &ok, Note: "n"}, OverrideErrMonthPast},
			{OverrideChange{SKU: sku, Month: cur.Add(horizon).String(), Quantity: &ok, Note: "n"}, OverrideErrMonthHorizon},
			{OverrideChange{SKU: sku, Month: cur.String(), Quantity: &neg, Note: "n"}, OverrideErrQuantity},
			{OverrideChange{SKU: sku, Month: cur.String(), Quantity: &nan, Note: "n"}, OverrideErrQuantity},
			{OverrideChange{SKU: sku, Month: cur.String(), Quantity: &inf, Note: "n"}, OverrideErrQuantity},
			{OverrideChange{SKU: sku, Month: cur.String(), Quantity: &big, Note: "n"}, OverrideErrQuantity},
			{OverrideChange{SKU: sku, Month: cur.String(), Quantity: &ok, Note: "   "}, OverrideErrNoteRequired},
			{OverrideChange{SKU: sku, Month: cur.String(), Quantity: &ok, Note: strings.Repeat("ñ", 501)}, OverrideErrNoteTooLong},
			{OverrideChange{SKU: "NO-SUCH-SKU", Month: cur.String(), Quantity: &ok, Note: "n"}, OverrideErrUnknownSKU},
			{OverrideChange{SKU: strings.ToLower(sku), Month: cur.String(), Quantity: &ok, Note: "n"}, OverrideErrUnknownSKU},
			{OverrideChange{SKU: sku, Month: cur.Add(1).String(), Note: "nothing there"}, OverrideErrNothingToClear},
		} {
			tc.ch.Source = store.OverrideSourceCLI
			if tc.ch.By == "" {
				tc.ch.By = "luis"
			}
			_, err := eng.ForecastOverrideChange(ctx, c, tc.ch)
			var oe *OverrideError
			var ue *UsageError
			if !errors.As(err, &oe) || oe.Code != tc.code || !errors.As(err, &ue) || ue.Hint == "" {
				t.Errorf("%+v: %v, want code %s with a hint", tc.ch, err, tc.code)
			}
		}
		_, err = eng.ForecastOverrideChange(ctx, c, OverrideChange{SKU: sku, Month: cur.String(), Quantity: &ok, Note: "n", By: " ", Source: store.OverrideSourceCLI})
		if oe := (*OverrideError)(nil); !errors.As(err, &oe) || oe.Code != OverrideErrBy {
			t.Errorf("no by: %v", err)
		}
		if h, err := eng.ForecastOverrides(ctx, c, true); err != nil || len(h) != 2 {
			t.Errorf("refused changes were stored: %d rows, %v", len(h), err)
		}
	})
}

// TestWithOverrides: the rule that moves the interval, and an override of a SKU-month without a forecast row.
func TestWithOverrides(t *testing.T) {
	t.Parallel()
	m := func(mo time.Month) time.Time { return time.Date(2027, mo, 1, 0, 0, 0, 0, time.UTC) }
	q := func(v float64) *float64 { return &v }
	rows := []*store.ForecastRow{
		{SKU: "A", Date: m(1), Quantity: 10, Lower: 8, Upper: 12, Lower95: 6, Upper95: 14},
		{SKU: "A", Date: m(2), Quantity: 10, Lower: 8, Upper: 12, Lower95: 6, Upper95: 14},
		{SKU: "C", Date: m(1), Quantity: 0, Lower: 0, Upper: 1, Lower95: 0, Upper95: 2},
	}
	ovr := []*store.ForecastOverride{
		{SKU: "A", Date: m(1), Action: store.OverrideSet, Quantity: q(0)},
		{SKU: "A", Date: m(2), Action: store.OverrideSet, Quantity: q(30)},
		{SKU: "B", Date: m(3), Action: store.OverrideSet, Quantity: q(7)},
		{SKU: "B", Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Action: store.OverrideSet, Quantity: q(9)}, // before from
		{SKU: "C", Date: m(1), Action: store.OverrideSet, Quantity: q(5)},
	}
	got := withOverrides(rows, ovr, m(1))
	if rows[0].Quantity != 10 || rows[1].Upper95 != 14 {
		t.Fatalf("the rows given were changed: %+v %+v", rows[0], rows[1])
	}
	type fig struct {
		sku                               string
		mo                                time.Month
		q, lower, upper, lower95, upper95 float64
	}
	want := []fig{{"A", 1, 0, 0, 0, 0, 0}, {"A", 2, 30, 28, 32, 26, 34}, {"B", 3, 7, 7, 7, 7, 7}, {"C", 1, 5, 5, 6, 5, 7}}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.SKU != w.sku || g.Date.Month() != w.mo || g.Quantity != w.q || g.Lower != w.lower || g.Upper != w.upper ||
			g.Lower95 != w.lower95 || g.Upper95 != w.upper95 {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	if got[2].Method != "override" {
		t.Errorf("a row made from an override has method %q", got[2].Method)
	}
}
