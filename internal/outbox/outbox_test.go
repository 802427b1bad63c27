package outbox_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/sync"
	"github.com/salesengine/salesengine/internal/webhook"
)

// TestEventsFollowOrderChanges syncs a fake Odoo through the outbox and checks the events it records: one per
// change, of the right type, valid against the published schema, and none again on a re-sync.
func TestEventsFollowOrderChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ob.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	srv := odootest.Start(t, odootest.Options{Version: "17", Seed: 5, Data: &odootest.GenerateOptions{Years: 1, SKUs: 10}})
	k, _ := secret.GenerateKey()
	ring, _ := secret.ParseKeyring(k)
	m := &connections.Manager{Store: st, Keys: ring}
	str := func(s string) *string { return &s }
	added, err := m.Add(ctx, connections.Fields{Name: str("acme"), URL: str(srv.URL()), Database: str("odoo"),
		Username: str("admin"), APIKey: str("admin"), WebhookURL: str("https://inventory.example/hook")})
	if err != nil {
		t.Fatal(err)
	}
	conn := added.Connection
	client, err := odoo.New(odoo.Config{URL: srv.URL(), Database: "odoo", Username: "admin", Secret: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	syncer := &sync.Syncer{Store: st, Outbox: &outbox.Outbox{Store: st, Connections: m}, Now: srv.Now}
	doSync := func() sync.Result {
		t.Helper()
		res, err := syncer.Sync(ctx, conn, client, sync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := doSync(); res.Events != 0 {
		t.Fatalf("the first sync (a baseline) recorded %d events", res.Events)
	}
	var quotation, confirmed, edited int64
	for _, o := range srv.Orders() {
		switch {
		case (o.State == "draft" || o.State == "sent") && quotation == 0:
			quotation = o.ID
		case o.State == "sale" && confirmed == 0:
			confirmed = o.ID
		case o.State == "sale" && edited == 0:
			edited = o.ID
		}
	}
	var line int64
	for _, l := range srv.Lines() {
		if l.OrderID == edited && l.ProductID != 0 {
			line = l.ID
		}
	}
	srv.Advance(time.Hour)
	if err := srv.ConfirmOrder(quotation); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Second)
	if err := srv.CancelOrder(confirmed); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Second)
	if err := srv.EditLine(line, 99, false); err != nil { // the order's own write_date does not move
		t.Fatal(err)
	}
	res := doSync()
	if res.Events != 3 || len(res.DeliveryIDs) != 3 {
		t.Fatalf("second sync recorded %d events, want 3", res.Events)
	}
	want := map[int64]string{quotation: "order.confirmed", confirmed: "order.cancelled", edited: "order.updated"}
	ds, err := st.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: conn.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if want[d.OrderID] != d.EventType {
			t.Errorf("order %d: event %s, want %s", d.OrderID, d.EventType, want[d.OrderID])
		}
		if err := webhook.ValidateOrderEvent(d.Payload); err != nil {
			t.Errorf("order %d: payload invalid against the schema: %v", d.OrderID, err)
		}
		var ev struct {
			Type string
			Data struct {
				Order struct {
					ID    int64
					Lines []struct{ Quantity float64 }
				}
			}
		}
		if err := json.Unmarshal(d.Payload, &ev); err != nil || ev.Type != d.EventType || ev.Data.Order.ID != d.OrderID {
			t.Errorf("order %d: payload %s", d.OrderID, d.Payload)
		}
		if d.OrderID == edited {
			found := false
			for _, l := range ev.Data.Order.Lines {
				found = found || l.Quantity == 99
			}
			if !found {
				t.Errorf("the updated order's event does not carry the edited line: %s", d.Payload)
			}
		}
		if want := eventIDOf(t, d, "uuid:"+srv.DatabaseUUID()); d.EventID != want {
			t.Errorf("order %d: event id %s is not derived from (Odoo database, order, version, content): want %s", d.OrderID, d.EventID, want)
		}
	}
	if res := doSync(); res.Events != 0 {
		t.Errorf("a re-sync recorded %d more events", res.Events)
	}
	// A connection without a webhook URL records nothing.
	empty := ""
	if _, err := m.Edit(ctx, conn, connections.Fields{WebhookURL: &empty}, connections.DataRefuse); err != nil {
		t.Fatal(err)
	}
	if conn, err = st.ConnectionGet(ctx, conn.ID); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	if err := srv.ConfirmOrder(confirmed); err != nil {
		t.Fatal(err)
	}
	if res := doSync(); res.Events != 0 {
		t.Errorf("a connection without a webhook URL recorded %d events", res.Events)
	}
}

// eventIDOf recomputes a stored delivery's event id from its row, the order in its payload and the Odoo
// database's identity key.
func eventIDOf(t *testing.T, d *store.WebhookDelivery, database string) string {
	t.Helper()
	var ev webhook.Event
	if err := json.Unmarshal(d.Payload, &ev); err != nil {
		t.Fatalf("delivery %d: payload: %v", d.ID, err)
	}
	content, err := webhook.OrderContentHash(ev.Data.Order)
	if err != nil {
		t.Fatal(err)
	}
	return webhook.EventID(database, d.OrderID, d.WriteDate, content)
}
