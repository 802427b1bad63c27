package outbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/secret"
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
				if want := eventIDOf(t, d, sync.DataIdentity(conn).Key()); d.EventID != want {
					t.Errorf("delivery %d: event id %s, recomputed from the stored row %s", d.ID, d.EventID, want)
				}
			}
		})
	}
}

// installation is one Sales Engine database syncing a connection to the fake Odoo through the outbox.
type installation struct {
	st     store.Store
	m      *connections.Manager
	conn   *store.Connection
	syncer *sync.Syncer
	client *odoo.Client
}

func newInstallation(t *testing.T, st store.Store, srv *odootest.Server, name string) *installation {
	t.Helper()
	k, _ := secret.GenerateKey()
	ring, _ := secret.ParseKeyring(k)
	in := &installation{st: st, m: &connections.Manager{Store: st, Keys: ring}}
	in.syncer = &sync.Syncer{Store: st, Outbox: &outbox.Outbox{Store: st, Connections: in.m}, Now: srv.Now}
	in.add(t, srv, name)
	return in
}

func (in *installation) add(t *testing.T, srv *odootest.Server, name string) {
	t.Helper()
	str := func(s string) *string { return &s }
	added, err := in.m.Add(context.Background(), connections.Fields{Name: str(name), URL: str(srv.URL()), Database: str("odoo"),
		Username: str("admin"), APIKey: str("admin"), WebhookURL: str("https://inventory.example/hook")})
	if err != nil {
		t.Fatal(err)
	}
	in.conn = added.Connection
	if in.client, err = odoo.New(odoo.Config{URL: srv.URL(), Database: "odoo", Username: "admin", Secret: "admin"}); err != nil {
		t.Fatal(err)
	}
}

// events syncs and returns the event id of every delivery recorded, by order.
func (in *installation) events(t *testing.T) map[int64][]string {
	t.Helper()
	ctx := context.Background()
	if _, err := in.syncer.Sync(ctx, in.conn, in.client, sync.Options{}); err != nil {
		t.Fatal(err)
	}
	ds, err := in.st.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: in.conn.ID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]string{}
	for _, d := range ds {
		out[d.OrderID] = append(out[d.OrderID], d.EventID)
	}
	return out
}

// TestEventIDsAgreeAcrossInstallations: two installations (two store databases, different connection ids)
// syncing the same Odoo give the same event id to the same change, and so does a connection deleted and
// created again: a receiver fed by both, or by the re-created one, de-duplicates on webhook-id.
func TestEventIDsAgreeAcrossInstallations(t *testing.T) {
	t.Parallel()
	srv := odootest.Start(t, odootest.Options{Version: "17", Seed: 5, Data: &odootest.GenerateOptions{Years: 1, SKUs: 10}})
	engineB := "sqlite"
	if os.Getenv(storetest.PostgresEnv) != "" {
		engineB = "postgres"
	}
	stA := openStore(t, "sqlite")
	if _, err := stA.ConnectionInsert(context.Background(), &store.ConnectionInsertParams{Name: "unrelated", URL: "https://x.example",
		Protocol: "auto", PollInterval: time.Minute, Active: true}); err != nil {
		t.Fatal(err)
	}
	a := newInstallation(t, stA, srv, "acme")
	b := newInstallation(t, openStore(t, engineB), srv, "produccion")
	if a.conn.ID == b.conn.ID {
		t.Fatalf("both connections have id %d: the test needs them to differ", a.conn.ID)
	}
	if len(a.events(t)) != 0 || len(b.events(t)) != 0 {
		t.Fatal("a first sync (a baseline) recorded events")
	}
	var quotations, confirmed []int64
	for _, o := range srv.Orders() {
		switch o.State {
		case "draft", "sent":
			quotations = append(quotations, o.ID)
		case "sale":
			confirmed = append(confirmed, o.ID)
		}
	}
	srv.Advance(time.Hour)
	if err := srv.ConfirmOrder(quotations[0]); err != nil {
		t.Fatal(err)
	}
	if err := srv.CancelOrder(confirmed[0]); err != nil {
		t.Fatal(err)
	}
	ea, eb := a.events(t), b.events(t)
	if len(ea) != 2 || fmt.Sprint(ea) != fmt.Sprint(eb) {
		t.Fatalf("event ids differ between installations:\n A %v\n B %v", ea, eb)
	}

	// A deletes its connection and creates it again (a new id), then both see the next change.
	if err := stA.ConnectionDelete(context.Background(), a.conn.ID); err != nil {
		t.Fatal(err)
	}
	old := a.conn.ID
	a.add(t, srv, "acme")
	if a.conn.ID == old {
		t.Fatal("the re-created connection kept its id")
	}
	if len(a.events(t)) != 0 {
		t.Fatal("the re-created connection's first sync recorded events")
	}
	srv.Advance(time.Hour)
	if err := srv.ConfirmOrder(quotations[1]); err != nil {
		t.Fatal(err)
	}
	ea, eb = a.events(t), b.events(t)
	if len(ea[quotations[1]]) != 1 || fmt.Sprint(ea[quotations[1]]) != fmt.Sprint(eb[quotations[1]]) {
		t.Errorf("the re-created connection's event for order %d is %v, the other installation's %v", quotations[1], ea[quotations[1]], eb[quotations[1]])
	}
}
