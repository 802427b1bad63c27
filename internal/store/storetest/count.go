package storetest

import (
	"context"
	"testing"

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
	want := store.DataCount{Orders: 2, Items: 3, SKUs: 3, Products: 1, Forecast: 1, Plan: 1, Overrides: 1, Deliveries: 5, SyncLogs: 1}
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
	if got, err := s.ConnectionDataCount(ctx, empty); err != nil || got != (store.DataCount{}) {
		t.Errorf("count of a connection without data = %+v, %v", got, err)
	}
}
