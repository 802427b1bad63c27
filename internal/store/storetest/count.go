package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"ConnectionDataCount", testConnectionDataCount}) }

// testConnectionDataCount counts one connection's data among two, and nothing for a connection without any.
func testConnectionDataCount(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	a := fillConnection(t, s, "acme")
	fillConnection(t, s, "beta")
	empty := newConnection(t, s, "gamma")
	got, err := s.ConnectionDataCount(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	want := store.DataCount{Orders: 2, Items: 3, SKUs: 3, Products: 1, Inventory: 1, Forecast: 1, Plan: 1, Overrides: 1, Deliveries: 5, SyncLogs: 1}
	if got != want {
		t.Errorf("count = %+v, want %+v", got, want)
	}
	// Removed rows are still stored (deleting the connection removes them too).
	if _, err := s.OrderMarkRemoved(ctx, a, []int64{1}, sampleOrder(a, 1).WriteDate); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ConnectionDataCount(ctx, a); err != nil || got != want {
		t.Errorf("count after a removal = %+v, %v; want %+v", got, err, want)
	}
	// Manufacturing and purchasing rows (one of each table, 14 in all) and a kept forecast run count too.
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	writeSupply(t, s, sampleSupply(a, at))
	run := &store.ForecastRun{ConnectionID: a, GeneratedAt: at, FirstMonth: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Horizon: 12, IntervalLevel: 80}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastRunInsert(ctx, run, nil) }); err != nil {
		t.Fatal(err)
	}
	want.Supply, want.ForecastRuns = 14, 1
	if got, err := s.ConnectionDataCount(ctx, a); err != nil || got != want {
		t.Errorf("count with supply and a run = %+v, %v; want %+v", got, err, want)
	}
	if got, err := s.ConnectionDataCount(ctx, empty); err != nil || got != (store.DataCount{}) {
		t.Errorf("count of a connection without data = %+v, %v", got, err)
	}
}
