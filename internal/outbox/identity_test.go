package outbox_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/sync"
)

func openStore(t *testing.T, engine string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	if engine == "sqlite" {
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "ob.db"))
	} else {
		st, err = postgres.Open(ctx, storetest.PostgresURL(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestEventIdentityWithinOneSecond records, through the real store, changes of one order that share a
// second-precision write_date (two edits within one second in Odoo): each different state is an event, and
// recording a state again (a re-sync, a restart) adds none.
func TestEventIdentityWithinOneSecond(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := openStore(t, engine)
			conn, err := st.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://odoo.example",
				Protocol: "auto", WebhookURL: "https://inventory.example/hook", PollInterval: time.Minute, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
			ob := &outbox.Outbox{Store: st, Now: func() time.Time { return now }}
			wd := time.Date(2026, 3, 4, 10, 11, 12, 0, time.UTC) // what Odoo's API shows: seconds
			change := func(qty float64, lines ...int64) sync.Change {
				o := &store.Order{ConnectionID: conn.ID, OrderID: 42, Name: "S00042", State: "sale", DateOrder: &wd,
					WriteDate: wd, Currency: "EUR", AmountUntaxed: 10 * qty, AmountTotal: 10 * qty}
				var items []*store.Item
				for _, l := range lines {
					items = append(items, &store.Item{ConnectionID: conn.ID, LineID: l, OrderID: 42, OrderName: "S00042",
						OrderState: "sale", SKU: "SKU-1", ProductID: 7, ProductName: "Tornillo", Quantity: qty, UoM: "Units",
						PriceUnit: 10, Subtotal: 10 * qty, Total: 10 * qty, WriteDate: wd})
				}
				prev := *o
				prev.State = "sent" // the first change confirms it; later ones update it
				return sync.Change{Prev: &prev, Order: o, Items: items, Version: wd}
			}
			record := func(ch sync.Change) []int64 {
				t.Helper()
				var ids []int64
				err := st.Tx(ctx, func(tx store.Executor) error {
					var err error
					ids, err = ob.OutboxRecord(ctx, tx, conn, []sync.Change{ch})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return ids
			}
			first, second := change(3, 1), change(3, 1, 2) // a line added within the same second
			if ids := record(first); len(ids) != 1 {
				t.Fatalf("first change recorded %d deliveries, want 1", len(ids))
			}
			if ids := record(second); len(ids) != 1 {
				t.Fatalf("a second change with the same write_date and other lines recorded %d deliveries, want 1", len(ids))
			}
			if ids := record(change(3, 1, 2)); len(ids) != 0 {
				t.Errorf("the same state recorded again gave %d more deliveries, want 0", len(ids))
			}
			if ids := record(first); len(ids) != 0 {
				t.Errorf("the first state recorded again gave %d more deliveries, want 0", len(ids))
			}
			if ids := record(change(5, 1, 2)); len(ids) != 1 {
				t.Errorf("a quantity change with the same write_date recorded %d deliveries, want 1", len(ids))
			}
			ds, err := st.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: conn.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 3 {
				t.Fatalf("%d deliveries stored, want 3", len(ds))
			}
			seen := map[string]bool{}
			for _, d := range ds {
				if seen[d.EventID] {
					t.Errorf("event id %s stored twice", d.EventID)
				}
				seen[d.EventID] = true
				if !d.WriteDate.Equal(wd) {
					t.Errorf("delivery %d: write_date %v, want %v", d.ID, d.WriteDate, wd)
				}
				if want := eventIDOf(t, d); d.EventID != want {
					t.Errorf("delivery %d: event id %s, recomputed from the stored row %s", d.ID, d.EventID, want)
				}
			}
		})
	}
}
