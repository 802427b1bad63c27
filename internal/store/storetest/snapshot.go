package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra, namedTest{"ForecastSnapshots", testForecastSnapshots})
}

// testForecastSnapshots: runs are kept with their rows in the forecast's transaction (or not at all), read back
// by run, SKU and month, deleted one by one, and go with a reset or a deleted connection.
func testForecastSnapshots(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	other := newConnection(t, s, "beta")
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	snap := func(sku string, m time.Month, q float64) *store.ForecastSnapshot {
		return &store.ForecastSnapshot{SKU: sku, Date: month(2026, m), Quantity: q, Lower80: q - 1, Upper80: q + 1, Lower95: q - 2,
			Upper95: q + 2.5, Method: "ets", Class: "smooth"}
	}
	keep := func(c int64, gen time.Time, rows ...*store.ForecastSnapshot) *store.ForecastRun {
		t.Helper()
		run := &store.ForecastRun{ConnectionID: c, GeneratedAt: gen, FirstMonth: month(gen.Year(), gen.Month()), Horizon: 12,
			IntervalLevel: 80, SKUs: 2}
		if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastRunInsert(ctx, run, rows) }); err != nil {
			t.Fatal(err)
		}
		if run.ID == 0 {
			t.Fatal("ForecastRunInsert set no id")
		}
		return run
	}
	jan := keep(conn, time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC), snap("A", 1, 10), snap("A", 2, 11), snap("B", 2, 3))
	feb := keep(conn, time.Date(2026, 2, 3, 12, 30, 0, 0, time.UTC), snap("A", 2, 12), snap("A", 3, 13))
	keep(other, time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), snap("A", 2, 99))

	// A failed transaction keeps nothing.
	boom := errors.New("boom")
	if err := s.Tx(ctx, func(tx store.Executor) error {
		if err := tx.ForecastRunInsert(ctx, &store.ForecastRun{ConnectionID: conn, GeneratedAt: time.Now(), FirstMonth: month(2026, 3),
			Horizon: 12, IntervalLevel: 80}, []*store.ForecastSnapshot{snap("Z", 3, 1)}); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("rolled back insert: %v", err)
	}

	runs, err := s.ForecastRunList(ctx, conn)
	if err != nil || len(runs) != 2 || runs[0].ID != jan.ID || runs[1].ID != feb.ID {
		t.Fatalf("runs = %+v, %v; want jan and feb, oldest first", runs, err)
	}
	r := runs[1]
	if !r.GeneratedAt.Equal(feb.GeneratedAt) || !r.FirstMonth.Equal(month(2026, 2)) || r.Horizon != 12 || r.IntervalLevel != 80 ||
		r.SKUs != 2 || r.ConnectionID != conn {
		t.Errorf("feb run read back = %+v", r)
	}
	if all, err := s.ForecastRunList(ctx, 0); err != nil || len(all) != 3 {
		t.Errorf("every connection's runs = %d, %v; want 3", len(all), err)
	}

	rows, err := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{jan.ID, feb.ID}})
	if err != nil || len(rows) != 5 {
		t.Fatalf("rows of both runs = %d, %v; want 5", len(rows), err)
	}
	if g := rows[1]; g.RunID != jan.ID || g.SKU != "A" || !g.Date.Equal(month(2026, 2)) || g.Quantity != 11 || g.Lower80 != 10 ||
		g.Upper80 != 12 || g.Lower95 != 9 || g.Upper95 != 13.5 || g.Method != "ets" || g.Class != "smooth" {
		t.Errorf("second row = %+v; want jan's A of February, by run, SKU and month", g)
	}
	feb2, err := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{jan.ID, feb.ID}, SKU: "A",
		Months: []time.Time{month(2026, 2)}})
	if err != nil || len(feb2) != 2 || feb2[0].Quantity != 11 || feb2[1].Quantity != 12 {
		t.Errorf("A's February in both runs = %+v, %v; want 11 then 12", feb2, err)
	}

	// A run as large as a real one goes through the bulk path (COPY on PostgreSQL): every value read back.
	var big []*store.ForecastSnapshot
	for i := range 40 {
		for m := range 12 {
			d := time.Date(1999, time.Month(7+m), 1, 0, 0, 0, 0, time.UTC) // before and after PostgreSQL's 2000 epoch
			q := float64(i) + float64(m)/8
			big = append(big, &store.ForecastSnapshot{SKU: fmt.Sprintf("B-%02d", i), Date: d, Quantity: q, Lower80: q - 0.5,
				Upper80: q + 0.75, Lower95: q - 1, Upper95: q + 1.25, Method: "mean(tsb+imapa+ses+mean)", Class: "lumpy"})
		}
	}
	bigRun := keep(other, time.Date(2026, 1, 25, 0, 0, 0, 0, time.UTC), big...)
	back, err := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{bigRun.ID}})
	if err != nil || len(back) != len(big) {
		t.Fatalf("large run: %d rows read back, %v; want %d", len(back), err, len(big))
	}
	for i, g := range back {
		w := big[i] // both by SKU and month
		if g.SKU != w.SKU || !g.Date.Equal(w.Date) || g.Quantity != w.Quantity || g.Lower80 != w.Lower80 || g.Upper80 != w.Upper80 ||
			g.Lower95 != w.Lower95 || g.Upper95 != w.Upper95 || g.Method != w.Method || g.Class != w.Class || g.RunID != bigRun.ID {
			t.Fatalf("large run row %d = %+v, want %+v", i, g, w)
		}
	}

	n, err := s.ForecastRunDelete(ctx, jan.ID)
	if err != nil || n != 3 {
		t.Errorf("delete jan = %d rows, %v; want 3", n, err)
	}
	if left, _ := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{jan.ID, feb.ID}}); len(left) != 2 {
		t.Errorf("rows left = %d, want feb's 2", len(left))
	}

	res, err := s.ConnectionDataReset(ctx, conn)
	if err != nil || res.ForecastRuns != 1 {
		t.Errorf("reset = %+v, %v; want 1 forecast run deleted", res, err)
	}
	if left, _ := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{feb.ID}}); len(left) != 0 {
		t.Errorf("rows of a reset connection's run left: %d", len(left))
	}
	if err := s.ConnectionDelete(ctx, other); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM forecast_snapshots`).Scan(&left); err != nil || left != 0 {
		t.Errorf("snapshot rows after deleting the other connection: %d, %v; want 0", left, err)
	}
}

// BenchForecastRunInsert keeps runs of skus SKUs × 12 months in s, one run per iteration in its own
// transaction, as a forecast does, and reports rows/s and the bytes a run adds to the database (size reads the
// database's size; nil: not reported).
func BenchForecastRunInsert(b *testing.B, s store.Store, skus int, size func() int64) {
	ctx := context.Background()
	c, err := s.ConnectionInsert(ctx, sampleConnection("bench"))
	if err != nil {
		b.Fatal(err)
	}
	methods := []string{"mean(ets+dotm+snaive)", "mean(tsb+imapa+ses+mean)", "theta", "zero"}
	classes := []string{"smooth", "intermittent", "erratic", "dead"}
	var rows []*store.ForecastSnapshot
	for i := range skus {
		for m := range 12 {
			q := float64(i%97) + float64(m)*0.37
			rows = append(rows, &store.ForecastSnapshot{SKU: fmt.Sprintf("SKU-%06d", i), Date: time.Date(2026, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC),
				Quantity: q, Lower80: q * 0.71, Upper80: q * 1.33, Lower95: q * 0.52, Upper95: q * 1.61, Method: methods[i%4], Class: classes[i%4]})
		}
	}
	var before int64
	if size != nil {
		before = size()
	}
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run := &store.ForecastRun{ConnectionID: c.ID, GeneratedAt: start.Add(time.Duration(i) * 6 * time.Hour), FirstMonth: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Horizon: 12, IntervalLevel: 80, SKUs: skus}
		if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastRunInsert(ctx, run, rows) }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
	if size != nil {
		b.ReportMetric(float64(size()-before)/float64(b.N), "bytes/run")
	}
}
