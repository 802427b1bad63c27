package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// The queries users of the previous system run every day. They are documented in docs/database.md and must keep
// working: the PostgreSQL forms exactly as users wrote them, and their SQLite equivalents.
const (
	QueryForecastMonth = `SELECT sku, forecast_date, forecasted_quantity FROM forecast WHERE year = 2024 AND month = 10
ORDER BY forecasted_quantity DESC LIMIT 20;`

	// QueryForecastFinalMonth is QueryForecastMonth on the figures the plan uses, the planners' overrides in.
	QueryForecastFinalMonth = `SELECT sku, forecast_date, statistical_quantity, override_quantity, final_quantity, override_note
FROM forecast_final WHERE year = 2024 AND month = 10 ORDER BY final_quantity DESC LIMIT 20;`

	QueryProductionNowPostgres = `SELECT sku, product_name, production_needed, priority FROM production_forecast
WHERE year = EXTRACT(YEAR FROM CURRENT_DATE) AND month = EXTRACT(MONTH FROM CURRENT_DATE)
  AND production_needed > 0 ORDER BY production_needed DESC LIMIT 20;`

	QueryProductionNowSQLite = `SELECT sku, product_name, production_needed, priority FROM production_forecast
WHERE year = CAST(strftime('%Y', 'now') AS INTEGER) AND month = CAST(strftime('%m', 'now') AS INTEGER)
  AND production_needed > 0 ORDER BY production_needed DESC LIMIT 20;`
)

// The daily query on recommended_quantity: every row of this month with something to produce, which are
// exactly the ALTA and MEDIA rows, most urgent first. The legacy query above filters on production_needed, which
// ignores backlog and safety stock, and stops at 20 rows: it hides rows the planner must act on.
const (
	QueryToProducePostgres = `SELECT sku, product_name, recommended_quantity, priority FROM production_forecast
WHERE year = EXTRACT(YEAR FROM CURRENT_DATE) AND month = EXTRACT(MONTH FROM CURRENT_DATE)
  AND recommended_quantity > 0
ORDER BY CASE priority WHEN 'ALTA' THEN 1 WHEN 'MEDIA' THEN 2 ELSE 3 END, recommended_quantity DESC;`

	QueryToProduceSQLite = `SELECT sku, product_name, recommended_quantity, priority FROM production_forecast
WHERE year = CAST(strftime('%Y', 'now') AS INTEGER) AND month = CAST(strftime('%m', 'now') AS INTEGER)
  AND recommended_quantity > 0
ORDER BY CASE priority WHEN 'ALTA' THEN 1 WHEN 'MEDIA' THEN 2 ELSE 3 END, recommended_quantity DESC;`
)

// QueryProductionNow is the legacy daily production query in the store's dialect.
func QueryProductionNow(d store.Dialect) string {
	if d == store.DialectPostgres {
		return QueryProductionNowPostgres
	}
	return QueryProductionNowSQLite
}

// QueryToProduce is the daily query on recommended_quantity in the store's dialect.
func QueryToProduce(d store.Dialect) string {
	if d == store.DialectPostgres {
		return QueryToProducePostgres
	}
	return QueryToProduceSQLite
}

func testUserQueries(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	c, err := s.ConnectionInsert(ctx, sampleConnection("acme"))
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB()

	// 25 SKUs in October 2024 and a decoy month: the query must return the 20 largest of October only.
	for i := range 25 {
		for _, ym := range [][2]int{{2024, 10}, {2024, 11}} {
			qty := float64(i * 10)
			if ym[1] == 11 {
				qty += 1000 // November is larger everywhere: a query ignoring the month would return it
			}
			if _, err := db.ExecContext(ctx, rebind(s, `INSERT INTO forecast (connection_id, sku, forecast_date, year, month,
				forecasted_quantity, lower_bound, upper_bound, method, generated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ets', '2024-09-30 06:00:00')`),
				c.ID, fmt.Sprintf("SKU-%02d", i), fmt.Sprintf("%04d-%02d-01", ym[0], ym[1]), ym[0], ym[1], qty, qty*0.8, qty*1.2); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, err := db.QueryContext(ctx, QueryForecastMonth)
	if err != nil {
		t.Fatalf("forecast query: %v", err)
	}
	var got []string
	var prev = 1e18
	for rows.Next() {
		var sku string
		var date any
		var qty float64
		if err := rows.Scan(&sku, &date, &qty); err != nil {
			t.Fatal(err)
		}
		if qty > prev {
			t.Errorf("forecast query not sorted by quantity desc: %v after %v", qty, prev)
		}
		prev = qty
		got = append(got, sku)
		if d := fmt.Sprint(date); len(d) < 10 || d[:10] != "2024-10-01" {
			t.Errorf("forecast_date = %v, want 2024-10-01", date)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(got) != 20 || got[0] != "SKU-24" || got[19] != "SKU-05" {
		t.Errorf("forecast query returned %v", got)
	}

	// The same month with the overrides in force: SKU-00's 0 raised above everything, SKU-24's set then cleared.
	q := 5000.0
	for _, o := range []*store.ForecastOverride{
		{SKU: "SKU-00", Action: store.OverrideSet, Quantity: &q, Note: "big order"},
		{SKU: "SKU-24", Action: store.OverrideSet, Quantity: new(1.0), Note: "was"},
		{SKU: "SKU-24", Action: store.OverrideClear},
	} {
		o.ConnectionID, o.Date, o.CreatedBy, o.Source, o.CreatedAt = c.ID, time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), "luis",
			store.OverrideSourceCLI, time.Date(2024, 9, 30, 8, 0, 0, 0, time.UTC)
		if _, err := s.ForecastOverrideInsert(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	rows, err = db.QueryContext(ctx, QueryForecastFinalMonth)
	if err != nil {
		t.Fatalf("forecast_final query: %v", err)
	}
	got = got[:0]
	for rows.Next() {
		var sku string
		var date any
		var stat, final float64
		var ovr *float64
		var note *string
		if err := rows.Scan(&sku, &date, &stat, &ovr, &final, &note); err != nil {
			t.Fatal(err)
		}
		switch {
		case sku == "SKU-00" && (ovr == nil || *ovr != q || final != q || stat != 0 || note == nil || *note != "big order"):
			t.Errorf("SKU-00 in forecast_final: statistical %v, override %v, final %v, note %v", stat, ovr, final, note)
		case sku != "SKU-00" && (ovr != nil || final != stat || note != nil):
			t.Errorf("%s in forecast_final: statistical %v, override %v, final %v", sku, stat, ovr, final)
		}
		got = append(got, sku)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(got) != 20 || got[0] != "SKU-00" || got[1] != "SKU-24" || got[19] != "SKU-06" {
		t.Errorf("forecast_final query returned %v", got)
	}

	// Production rows for the database's own current month, and for the month before (must not show).
	var year, month int
	nowQuery := `SELECT CAST(strftime('%Y','now') AS INTEGER), CAST(strftime('%m','now') AS INTEGER)`
	if s.Dialect() == store.DialectPostgres {
		nowQuery = `SELECT EXTRACT(YEAR FROM CURRENT_DATE)::int, EXTRACT(MONTH FROM CURRENT_DATE)::int`
	}
	if err := db.QueryRowContext(ctx, nowQuery).Scan(&year, &month); err != nil {
		t.Fatal(err)
	}
	prevYear, prevMonth := year, month-1
	if prevMonth == 0 {
		prevYear, prevMonth = year-1, 12
	}
	insert := rebind(s, `INSERT INTO production_forecast (connection_id, sku, product_name, year, month, forecast_quantity,
		inventory, production_needed, priority, generated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2024-09-30 06:00:00')`)
	// P-5 has more stock than forecast (production_needed < 0) but a backlog that eats it: ALTA, with something
	// to produce. The legacy query cannot see it; the query on recommended_quantity does.
	for i, need := range []float64{50, -5, 0, 120, 7, -10} {
		priority := []string{"MEDIA", "BAJA", "BAJA", "ALTA", "MEDIA", "ALTA"}[i]
		if _, err := db.ExecContext(ctx, insert, c.ID, fmt.Sprintf("P-%d", i), fmt.Sprintf("Producto %d", i), year, month,
			100.0, 100-need, need, priority); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, insert, c.ID, fmt.Sprintf("P-%d", i), "old", prevYear, prevMonth, 1.0, 0.0, 999.0, "ALTA"); err != nil {
			t.Fatal(err)
		}
	}
	if skus := productionQuery(t, db, QueryProductionNow(s.Dialect())); fmt.Sprint(skus) != "[P-3/ALTA P-0/MEDIA P-4/MEDIA]" {
		t.Errorf("production query = %v, want [P-3/ALTA P-0/MEDIA P-4/MEDIA]", skus)
	}
	for i, rec := range []float64{60, 0, 0, 130, 9, 25} {
		if _, err := db.ExecContext(ctx, rebind(s, `UPDATE production_forecast SET recommended_quantity = ? WHERE sku = ? AND year = ? AND month = ?`),
			rec, fmt.Sprintf("P-%d", i), year, month); err != nil {
			t.Fatal(err)
		}
	}
	if skus := productionQuery(t, db, QueryToProduce(s.Dialect())); fmt.Sprint(skus) != "[P-3/ALTA P-5/ALTA P-0/MEDIA P-4/MEDIA]" {
		t.Errorf("query on recommended_quantity = %v, want [P-3/ALTA P-5/ALTA P-0/MEDIA P-4/MEDIA]", skus)
	}

	// The priority column only takes the three values users filter on.
	if _, err := db.ExecContext(ctx, insert, c.ID, "BAD", "x", 2030, 1, 1.0, 0.0, 1.0, "HIGH"); err == nil {
		t.Error("production_forecast accepted priority HIGH")
	}
}

// productionQuery runs a daily production query and returns its rows as SKU/PRIORITY.
func productionQuery(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("production query: %v", err)
	}
	defer rows.Close()
	var skus []string
	for rows.Next() {
		var sku, name, priority string
		var qty float64
		if err := rows.Scan(&sku, &name, &qty, &priority); err != nil {
			t.Fatal(err)
		}
		skus = append(skus, sku+"/"+priority)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return skus
}

// testTimestamps checks that stored timestamps compare and sort as instants on every engine, whatever the
// zone and sub-second precision they were written with.
func testTimestamps(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	mexico := time.FixedZone("CST", -6*3600)
	instants := map[string]time.Time{
		"a": time.Date(2026, 3, 4, 9, 59, 59, 999999000, time.UTC),
		"b": time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC),
		"c": time.Date(2026, 3, 4, 10, 0, 0, 500000000, time.UTC),
		"d": time.Date(2026, 3, 4, 4, 30, 0, 0, mexico), // 10:30 UTC, but "04:30" as local text
		"e": time.Date(2026, 3, 4, 11, 0, 0, 0, time.UTC),
	}
	for name, at := range instants {
		c, err := s.ConnectionInsert(ctx, sampleConnection(name))
		if err != nil {
			t.Fatal(err)
		}
		p := &at
		if _, err := s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: c.ID, CircuitOpenedAt: &p}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ConnectionGet(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.CircuitOpenedAt.Equal(at) || got.CircuitOpenedAt.Location() != time.UTC {
			t.Errorf("%s: stored %v, read back %v (want the same instant in UTC)", name, at, got.CircuitOpenedAt)
		}
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT name FROM connections ORDER BY circuit_opened_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var order string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		order += n
	}
	if order != "abcde" {
		t.Errorf("ORDER BY timestamp gave %q, want abcde", order)
	}
	var later int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM connections a JOIN connections b
		ON a.circuit_opened_at > b.circuit_opened_at WHERE b.name = 'b'`).Scan(&later); err != nil {
		t.Fatal(err)
	}
	if later != 3 {
		t.Errorf("%d timestamps compare later than b, want 3 (c, d, e)", later)
	}
}
