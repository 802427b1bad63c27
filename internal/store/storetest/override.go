package storetest

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra, namedTest{"ForecastOverride", testForecastOverride})
}

func testForecastOverride(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	qty := func(v float64) *float64 { return &v }
	at := time.Date(2026, 3, 2, 10, 0, 0, 250000000, time.UTC)
	set := func(conn int64, sku string, d time.Time, q float64, note, by string) *store.ForecastOverride {
		return &store.ForecastOverride{ConnectionID: conn, SKU: sku, Date: d, Action: store.OverrideSet, Quantity: qty(q), Note: note,
			CreatedBy: by, Source: store.OverrideSourceCLI, CreatedAt: at}
	}
	clear := func(conn int64, sku string, d time.Time, note string) *store.ForecastOverride {
		return &store.ForecastOverride{ConnectionID: conn, SKU: sku, Date: d, Action: store.OverrideClear, Note: note,
			CreatedBy: "ana", Source: store.OverrideSourceDashboard, CreatedAt: at.Add(time.Minute)}
	}
	insert := func(t *testing.T, s store.Store, o *store.ForecastOverride) int64 {
		t.Helper()
		id, err := s.ForecastOverrideInsert(ctx, o)
		if err != nil || id == 0 || o.ID != id {
			t.Fatalf("insert %+v: id %d, %v", o, id, err)
		}
		return id
	}

	t.Run("CurrentAndHistory", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		other := newConnection(t, s, "beta")
		first := insert(t, s, set(conn, "A", month(2026, 4), 100, "big order from Ferretería Núñez", "luis"))
		second := insert(t, s, set(conn, "A", month(2026, 4), 120, "they confirmed 120", "ana"))
		insert(t, s, set(conn, "A", month(2026, 5), 0, "discontinued", "luis"))
		insert(t, s, set(conn, "B", month(2026, 4), 7.5, "promo", "luis"))
		insert(t, s, clear(conn, "B", month(2026, 4), "promo cancelled"))
		insert(t, s, set(other, "A", month(2026, 4), 9, "other tenant", "eva"))
		if second <= first {
			t.Errorf("ids do not grow: %d then %d", first, second)
		}

		cur, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: conn})
		if err != nil {
			t.Fatal(err)
		}
		// B was cleared; A's April is the newest of its two changes; May's 0 is an override (not a clear).
		if len(cur) != 2 || cur[0].SKU != "A" || !cur[0].Date.Equal(month(2026, 4)) || *cur[0].Quantity != 120 ||
			cur[0].Note != "they confirmed 120" || cur[0].CreatedBy != "ana" || cur[0].Source != store.OverrideSourceCLI ||
			!cur[0].CreatedAt.Equal(at) || cur[0].ID != second ||
			cur[1].SKU != "A" || !cur[1].Date.Equal(month(2026, 5)) || cur[1].Quantity == nil || *cur[1].Quantity != 0 {
			t.Fatalf("current overrides = %s", dumpOverrides(cur))
		}

		hist, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: conn, History: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 5 || hist[0].ID != first || *hist[0].Quantity != 100 || hist[4].Action != store.OverrideClear ||
			hist[4].Quantity != nil || hist[4].Note != "promo cancelled" || hist[4].Source != store.OverrideSourceDashboard {
			t.Fatalf("history = %s", dumpOverrides(hist))
		}
		for i := 1; i < len(hist); i++ {
			if hist[i].ID <= hist[i-1].ID {
				t.Errorf("history not oldest first: %s", dumpOverrides(hist))
			}
		}

		from, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: conn, SKU: "A", From: month(2026, 5)})
		if err != nil || len(from) != 1 || !from[0].Date.Equal(month(2026, 5)) {
			t.Errorf("from May, SKU A = %s, %v", dumpOverrides(from), err)
		}
		all, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{})
		if err != nil || len(all) != 3 || all[2].ConnectionID != other {
			t.Errorf("every connection's current overrides = %s, %v", dumpOverrides(all), err)
		}

		// Set again after a clear: in force again.
		insert(t, s, set(conn, "B", month(2026, 4), 3, "promo back on", "luis"))
		if cur, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: conn, SKU: "B"}); err != nil ||
			len(cur) != 1 || *cur[0].Quantity != 3 {
			t.Errorf("B after set, clear, set = %s, %v", dumpOverrides(cur), err)
		}

		// Deleting the connection deletes its overrides, and only its.
		if err := s.ConnectionDelete(ctx, other); err != nil {
			t.Fatal(err)
		}
		if all, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{History: true}); err != nil || len(all) != 6 {
			t.Errorf("after deleting beta: %s, %v", dumpOverrides(all), err)
		}
	})

	t.Run("TheDatabaseRefusesBadRows", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		bad := []*store.ForecastOverride{
			set(conn, "A", month(2026, 4), -1, "negative", "luis"),
			{ConnectionID: conn, SKU: "A", Date: month(2026, 4), Action: store.OverrideSet, Note: "set without quantity", CreatedBy: "x",
				Source: store.OverrideSourceCLI, CreatedAt: at},
			{ConnectionID: conn, SKU: "A", Date: month(2026, 4), Action: store.OverrideClear, Quantity: qty(1), Note: "clear with quantity",
				CreatedBy: "x", Source: store.OverrideSourceCLI, CreatedAt: at},
			{ConnectionID: conn, SKU: "A", Date: month(2026, 4), Action: "replace", Quantity: qty(1), CreatedBy: "x",
				Source: store.OverrideSourceCLI, CreatedAt: at},
			set(conn+100, "A", month(2026, 4), 1, "no such connection", "luis"),
		}
		for _, o := range bad {
			if _, err := s.ForecastOverrideInsert(ctx, o); err == nil {
				t.Errorf("stored %+v (%q)", o, o.Note)
			}
		}
		if all, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{History: true}); err != nil || len(all) != 0 {
			t.Errorf("rows after refused inserts: %s, %v", dumpOverrides(all), err)
		}
	})

	t.Run("ForecastFinalView", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		this, next := clockMonths()
		gen := at
		rows := []*store.ForecastRow{
			{SKU: "A", Date: this, Quantity: 10, Lower: 8, Upper: 12, IntervalLevel: 80, Lower95: 6, Upper95: 14, Method: "ets", GeneratedAt: gen},
			{SKU: "A", Date: next, Quantity: 10, Lower: 8, Upper: 12, IntervalLevel: 80, Lower95: 6, Upper95: 14, Method: "ets", GeneratedAt: gen},
			{SKU: "Y", Date: this, Quantity: 10, Lower: 8, Upper: 12, IntervalLevel: 80, Lower95: 6, Upper95: 14, Method: "ets", GeneratedAt: gen},
			{SKU: "Z", Date: this, Quantity: 0, Lower: 0, Upper: 2, IntervalLevel: 80, Lower95: 0, Upper95: 3, Method: "tsb", GeneratedAt: gen},
		}
		if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastReplace(ctx, conn, rows, nil) }); err != nil {
			t.Fatal(err)
		}
		insert(t, s, set(conn, "A", this, 25, "big order", "luis"))
		insert(t, s, set(conn, "Z", this, 4, "new customer", "luis"))
		insert(t, s, set(conn, "Y", this, 5, "half", "luis"))
		insert(t, s, set(conn, "NEW", next, 6, "launch", "luis"))                 // no forecast row: its own row
		insert(t, s, set(conn, "OLD", this.AddDate(0, -1, 0), 6, "past", "luis")) // past, no forecast row: absent
		insert(t, s, set(conn, "A", next, 1, "was", "luis"))
		insert(t, s, clear(conn, "A", next, "never mind"))

		q := `SELECT sku, year, month, statistical_quantity, override_quantity, final_quantity, lower_bound, upper_bound,
			lower_95, upper_95, method, override_note, override_by FROM forecast_final WHERE connection_id = ? ORDER BY sku, forecast_date`
		r, err := s.DB().QueryContext(ctx, rebind(s, q), conn)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		type viewRow struct {
			SKU                                string
			Year, Month                        int
			Stat, Override                     *float64
			Final, Lower, Upper, Lower95, Up95 float64
			Method                             string
			Note, By                           *string
		}
		var got []viewRow
		for r.Next() {
			var v viewRow
			if err := r.Scan(&v.SKU, &v.Year, &v.Month, &v.Stat, &v.Override, &v.Final, &v.Lower, &v.Upper, &v.Lower95, &v.Up95,
				&v.Method, &v.Note, &v.By); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 {
			t.Fatalf("forecast_final has %d rows, want 5: %+v", len(got), got)
		}
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
		// A this month: 25 over a statistical 10, so the bounds are shifted by 15.
		a := got[0]
		if a.SKU != "A" || a.Year != this.Year() || a.Month != int(this.Month()) || *a.Stat != 10 || *a.Override != 25 || a.Final != 25 ||
			!near(a.Lower, 23) || !near(a.Upper, 27) || !near(a.Lower95, 21) || !near(a.Up95, 29) || a.Method != "ets" ||
			*a.Note != "big order" || *a.By != "luis" {
			t.Errorf("A this month = %+v", a)
		}
		// A next month: cleared, so the statistical figures, no override.
		if b := got[1]; b.Override != nil || b.Final != 10 || b.Upper != 12 || b.Note != nil {
			t.Errorf("A next month (cleared) = %+v", b)
		}
		// NEW: an override without a forecast row.
		if n := got[2]; n.SKU != "NEW" || n.Stat != nil || n.Final != 6 || n.Up95 != 6 || n.Method != "override" || n.Month != int(next.Month()) {
			t.Errorf("NEW = %+v", n)
		}
		// Y: 5 below a statistical 10, so the bounds are multiplied by 0.5.
		if y := got[3]; y.SKU != "Y" || y.Final != 5 || !near(y.Lower, 4) || !near(y.Upper, 6) || !near(y.Lower95, 3) || !near(y.Up95, 7) {
			t.Errorf("Y = %+v", y)
		}
		// Z: a statistical 0, so the bounds are shifted up by the override.
		if z := got[4]; z.SKU != "Z" || z.Final != 4 || z.Lower != 4 || z.Upper != 6 || z.Up95 != 7 {
			t.Errorf("Z = %+v", z)
		}
	})

	// The view's "this month" is where the connection's newest forecast run starts (SALESENGINE_TIMEZONE's month),
	// not the database clock's: a run that starts next month (a business already in it while the database, in
	// UTC, is not) leaves out this month's overrides without a forecast row; without runs the clock decides.
	t.Run("ForecastFinalMonthIsTheNewestRuns", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		this, next := clockMonths()
		now := time.Now().UTC()
		insert(t, s, set(conn, "NOW", this, 3, "this month", "luis"))
		insert(t, s, set(conn, "LATER", next, 4, "next month", "luis"))
		skus := func() string {
			t.Helper()
			r, err := s.DB().QueryContext(ctx, rebind(s, `SELECT sku FROM forecast_final WHERE connection_id = ? ORDER BY sku`), conn)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var out []string
			for r.Next() {
				var sku string
				_ = r.Scan(&sku)
				out = append(out, sku)
			}
			return strings.Join(out, ",")
		}
		if got := skus(); got != "LATER,NOW" {
			t.Errorf("without a run: %q, want LATER,NOW (the clock's month)", got)
		}
		for _, first := range []time.Time{this.AddDate(0, -1, 0), next} { // older, then newer: the newest decides
			run := &store.ForecastRun{ConnectionID: conn, GeneratedAt: now, FirstMonth: first, Horizon: 12, IntervalLevel: 80}
			if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastRunInsert(ctx, run, nil) }); err != nil {
				t.Fatal(err)
			}
		}
		if got := skus(); got != "LATER" {
			t.Errorf("with a run starting next month: %q, want LATER", got)
		}
	})

	t.Run("FollowsARenamedProduct", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		skuFixture(t, s, conn, map[int64]string{1: "OLD", 2: "KEEP"})
		insert(t, s, set(conn, "OLD", month(2026, 4), 5, "a", "luis"))
		insert(t, s, clear(conn, "OLD", month(2026, 4), "b"))
		insert(t, s, set(conn, "KEEP", month(2026, 4), 5, "c", "luis"))
		res := rename(t, s, conn, 1, "OLD", "NEW", at)
		if res.Overrides != 2 {
			t.Errorf("rename moved %d override rows, want 2", res.Overrides)
		}
		if h, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: conn, SKU: "NEW", History: true}); err != nil || len(h) != 2 {
			t.Errorf("NEW's history = %s, %v", dumpOverrides(h), err)
		}
		// Onto a SKU that has overrides of its own: they stay under the old code, history intact.
		res = rename(t, s, conn, 1, "NEW", "KEEP", at)
		if res.Overrides != 0 {
			t.Errorf("rename onto KEEP moved %d override rows", res.Overrides)
		}
		if h, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: conn, SKU: "NEW", History: true}); err != nil || len(h) != 2 {
			t.Errorf("NEW's history after the second rename = %s, %v", dumpOverrides(h), err)
		}
	})
}

func dumpOverrides(os []*store.ForecastOverride) string {
	out := "["
	for _, o := range os {
		q := "nil"
		if o.Quantity != nil {
			q = strconv.FormatFloat(*o.Quantity, 'g', -1, 64)
		}
		out += "\n  {" + o.SKU + " " + o.Date.Format("2006-01") + " " + o.Action + " " + q + " " + o.Note + " by " + o.CreatedBy + "}"
	}
	return out + "]"
}

// clockMonths are this month and the next by the clock (UTC), as the database's clock sees them.
func clockMonths() (this, next time.Time) {
	now := time.Now().UTC()
	this = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return this, this.AddDate(0, 1, 0)
}
