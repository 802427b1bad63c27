package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra,
		namedTest{"ConnectionIdentity", testConnectionIdentity},
		namedTest{"ConnectionDataReset", testConnectionDataReset},
		namedTest{"EventIDPerConnection", testEventIDPerConnection},
	)
}

func testConnectionIdentity(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	id := newConnection(t, s, "acme")
	c, err := s.ConnectionGet(ctx, id)
	if err != nil || c.IdentityURL != "" || c.IdentityDatabase != "" || c.IdentityUUID != "" {
		t.Fatalf("a new connection has an identity: %+v, %v", c, err)
	}
	c, err = s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: id, IdentityURL: ptr("https://acme.odoo.com"),
		IdentityDatabase: ptr("acme"), IdentityUUID: ptr("6a1f-uuid")})
	if err != nil || c.IdentityURL != "https://acme.odoo.com" || c.IdentityDatabase != "acme" || c.IdentityUUID != "6a1f-uuid" {
		t.Fatalf("identity after update: %+v, %v", c, err)
	}
	if c, _ = s.ConnectionGetByName(ctx, "acme"); c.IdentityUUID != "6a1f-uuid" {
		t.Errorf("identity read by name: %+v", c)
	}
}

// fillConnection adds a connection holding everything a sync, a forecast and the webhooks store: 2 orders, 3
// items (3 SKUs), 1 product and its inventory, 3 cursors, 1 sync log, 1 forecast row and its statistics, 1 plan
// row, and 5 webhook deliveries (2 pending, 1 delivered, 1 dead, 1 discarded).
func fillConnection(t *testing.T, s store.Store, name string) int64 {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	conn := newConnection(t, s, name)
	if _, err := s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: conn, IdentityURL: ptr("https://" + name + ".odoo.com"),
		IdentityDatabase: ptr(name), IdentityUUID: ptr(name + "-uuid")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrderUpsertMany(ctx, []*store.Order{sampleOrder(conn, 1), sampleOrder(conn, 2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ItemUpsertMany(ctx, []*store.Item{sampleItem(conn, 1, 1), sampleItem(conn, 2, 1), sampleItem(conn, 3, 2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProductUpsertMany(ctx, []*store.Product{{ConnectionID: conn, ProductID: 1, SKU: "A", Active: true, SyncedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InventoryUpsertMany(ctx, []*store.Inventory{{ConnectionID: conn, ProductID: 1, SKU: "A", QtyAvailable: 4, SyncedAt: at}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"sale.order", "sale.order.line", "_baseline"} {
		if err := s.SyncCursorSet(ctx, &store.SyncCursor{ConnectionID: conn, Model: m, WriteDate: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: conn, Kind: "initial", StartedAt: at, Status: store.SyncOK}); err != nil {
		t.Fatal(err)
	}
	err := s.Tx(ctx, func(tx store.Executor) error {
		row := &store.ForecastRow{SKU: "A", Date: at, Quantity: 1, Method: "ets", GeneratedAt: at}
		stat := &store.ForecastStat{SKU: "A", Method: "ets", LastMonth: at, GeneratedAt: at}
		if err := tx.ForecastReplace(ctx, conn, []*store.ForecastRow{row}, []*store.ForecastStat{stat}); err != nil {
			return err
		}
		return tx.ProductionReplace(ctx, conn, []store.YearMonth{{Year: 2026, Month: 1}},
			[]*store.ProductionRow{{SKU: "A", Year: 2026, Month: 1, Priority: "BAJA", GeneratedAt: at}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ForecastOverrideInsert(ctx, &store.ForecastOverride{ConnectionID: conn, SKU: "A", Date: at, Action: store.OverrideSet,
		Quantity: ptr(5.0), Note: "order", CreatedBy: "luis", Source: store.OverrideSourceCLI, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	for i, state := range []store.DeliveryState{store.DeliveryPending, store.DeliveryPending, store.DeliveryDelivered, store.DeliveryDead, store.DeliveryDiscarded} {
		id, _, err := s.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: "evt_" + name + string(rune('a'+i)),
			EventType: "order.updated", ConnectionID: conn, OrderID: int64(i), WriteDate: at, Payload: []byte(`{}`), CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{id}, State: state}); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

// testConnectionDataReset fills two connections with everything a sync, a forecast and the webhooks store,
// resets one and checks that exactly its Odoo data went, in one transaction.
func testConnectionDataReset(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	a, b := fillConnection(t, s, "acme"), fillConnection(t, s, "beta")
	counts := func(conn int64) map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		for _, table := range []string{"sales_orders", "sales_items", "products", "inventory", "forecast", "forecast_stats",
			"production_forecast", "sync_state", "sync_logs", "webhook_deliveries", "forecast_overrides"} {
			var n int64
			q := "SELECT COUNT(*) FROM " + table + " WHERE connection_id = ?"
			if s.Dialect() == store.DialectPostgres {
				q = "SELECT COUNT(*) FROM " + table + " WHERE connection_id = $1"
			}
			if err := s.DB().QueryRowContext(ctx, q, conn).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[table] = n
		}
		return out
	}
	before := counts(b)
	if byState, err := s.WebhookDeliveryCountByState(ctx, a); err != nil || byState[store.DeliveryPending] != 2 ||
		byState[store.DeliveryDelivered] != 1 || byState[store.DeliveryDead] != 1 || byState[store.DeliveryDiscarded] != 1 {
		t.Errorf("deliveries by state = %v, %v", byState, err)
	}

	// Inside a transaction that fails, nothing is reset.
	boom := errors.New("boom")
	if err := s.Tx(ctx, func(tx store.Executor) error {
		if _, err := tx.ConnectionDataReset(ctx, a); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("tx: %v", err)
	}
	if got := counts(a); got["sales_orders"] != 2 || got["webhook_deliveries"] != 5 {
		t.Fatalf("a rolled-back reset deleted data: %v", got)
	}

	r, err := s.ConnectionDataReset(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	want := store.DataReset{Orders: 2, Items: 3, Products: 1, Inventory: 1, Forecast: 2, Plan: 1, Cursors: 3, PendingEvents: 2}
	if r != want {
		t.Errorf("reset = %+v, want %+v", r, want)
	}
	got := counts(a)
	for table, n := range map[string]int64{"sales_orders": 0, "sales_items": 0, "products": 0, "inventory": 0, "forecast": 0,
		"forecast_stats": 0, "production_forecast": 0, "sync_state": 0, "sync_logs": 1, "webhook_deliveries": 3,
		"forecast_overrides": 1} { // the planner's overrides stay
		if got[table] != n {
			t.Errorf("after reset %s holds %d rows of the connection, want %d", table, got[table], n)
		}
	}
	if byState, _ := s.WebhookDeliveryCountByState(ctx, a); byState[store.DeliveryPending] != 0 || byState[store.DeliveryDead] != 1 {
		t.Errorf("deliveries after reset = %v: delivered, dead and discarded stay", byState)
	}
	c, err := s.ConnectionGet(ctx, a)
	if err != nil || c.IdentityURL != "" || c.IdentityDatabase != "" || c.IdentityUUID != "" || c.Name != "acme" || c.APIKeyEncrypted == "" {
		t.Errorf("connection after reset: %+v, %v (identity cleared, settings kept)", c, err)
	}
	if after := counts(b); !equalCounts(after, before) {
		t.Errorf("the other connection changed: %v, was %v", after, before)
	}
	if c, _ := s.ConnectionGet(ctx, b); c.IdentityUUID != "beta-uuid" {
		t.Errorf("the other connection's identity changed: %+v", c)
	}
	if _, err := s.ConnectionDataReset(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reset of a missing connection: %v", err)
	}
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// testEventIDPerConnection: an event id is unique per connection, so two connections of the same Odoo database
// (same event ids) each keep their own delivery.
func testEventIDPerConnection(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	insert := func(conn int64) bool {
		t.Helper()
		_, ok, err := s.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: "evt_same", EventType: "order.confirmed",
			ConnectionID: conn, OrderID: 1, WriteDate: at, Payload: []byte(`{}`), CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	a, b := newConnection(t, s, "acme"), newConnection(t, s, "acme-copy")
	if !insert(a) || !insert(b) {
		t.Error("the same event id for two connections: one was not recorded")
	}
	if insert(a) {
		t.Error("the same event id recorded twice for one connection")
	}
}
