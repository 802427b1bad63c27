package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"WebhookDeliveries", testWebhookDeliveries}) }

func testWebhookDeliveries(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	base := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	insert := func(event string, order int64, version time.Time) (int64, bool) {
		t.Helper()
		id, ok, err := s.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: event, EventType: "order.updated",
			ConnectionID: conn, OrderID: order, OrderName: "S1", WriteDate: version, Payload: []byte(`{"type":"order.updated"}`), CreatedAt: base})
		if err != nil {
			t.Fatal(err)
		}
		return id, ok
	}
	first, ok := insert("evt_a", 1, base)
	if !ok || first == 0 {
		t.Fatal("first insert not recorded")
	}
	if id, ok := insert("evt_a", 1, base); ok || id != 0 {
		t.Errorf("duplicate event inserted again: %d", id)
	}
	second, _ := insert("evt_b", 1, base.Add(time.Second))
	other, _ := insert("evt_c", 2, base)

	d, err := s.WebhookDeliveryGet(ctx, first)
	if err != nil || d.EventID != "evt_a" || d.State != store.DeliveryPending || string(d.Payload) != `{"type":"order.updated"}` || !d.WriteDate.Equal(base) {
		t.Fatalf("get = %+v, %v", d, err)
	}
	wd, wc, err := s.WebhookDeliveryGetWithConnection(ctx, first)
	if err != nil || wd.EventID != "evt_a" || string(wd.Payload) != string(d.Payload) || wc.ID != conn || wc.Name != "acme" ||
		wc.WebhookSecretEncrypted != "gAAAA-secret" || wc.PollInterval != 90*time.Second || !wd.CreatedAt.Equal(d.CreatedAt) {
		t.Errorf("get with connection = %+v, %+v, %v", wd, wc, err)
	}
	if _, _, err := s.WebhookDeliveryGetWithConnection(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get with connection of a missing delivery: %v", err)
	}
	if earlier, _, err := s.WebhookDeliveryEarlierPending(ctx, second); err != nil || !earlier {
		t.Errorf("second version of order 1 must wait for the first: %v, %v", earlier, err)
	}
	if earlier, _, _ := s.WebhookDeliveryEarlierPending(ctx, first); earlier {
		t.Error("first version reported as waiting")
	}
	if earlier, _, _ := s.WebhookDeliveryEarlierPending(ctx, other); earlier {
		t.Error("another order's delivery waits on order 1")
	}
	next := base.Add(30 * time.Second)
	if err := s.WebhookDeliveryAttemptRecord(ctx, &store.WebhookDeliveryAttemptParams{DeliveryID: first, Attempt: 1, StartedAt: base,
		Duration: 120 * time.Millisecond, Status: 503, Error: "HTTP 503", State: store.DeliveryPending, NextAttemptAt: &next}); err != nil {
		t.Fatal(err)
	}
	if err := s.WebhookDeliveryAttemptRecord(ctx, &store.WebhookDeliveryAttemptParams{DeliveryID: first, Attempt: 2, StartedAt: next,
		Status: 200, State: store.DeliveryDelivered}); err != nil {
		t.Fatal(err)
	}
	d, _ = s.WebhookDeliveryGet(ctx, first)
	if d.State != store.DeliveryDelivered || d.Attempts != 2 || d.LastStatus != 200 || d.DeliveredAt == nil || d.NextAttemptAt != nil {
		t.Errorf("after delivery: %+v", d)
	}
	if earlier, _, _ := s.WebhookDeliveryEarlierPending(ctx, second); earlier {
		t.Error("second version still waits after the first was delivered")
	}
	attempts, err := s.WebhookAttemptList(ctx, &store.WebhookAttemptListParams{ConnectionID: conn})
	if err != nil || len(attempts) != 2 || attempts[0].Status != 200 || attempts[1].Duration != 120*time.Millisecond || attempts[1].EventID != "evt_a" {
		t.Errorf("attempts = %+v, %v", attempts, err)
	}
	// Dead-letter one, then retry only dead ones in bulk.
	if _, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{other}, State: store.DeliveryDead}); err != nil {
		t.Fatal(err)
	}
	dead, _ := s.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: conn, States: []string{store.DeliveryDead}})
	if len(dead) != 1 || dead[0].ID != other {
		t.Errorf("dead list = %+v", dead)
	}
	changed, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{first, second, other},
		State: store.DeliveryPending, ResetAttempts: true, OnlyStates: []string{store.DeliveryDead}})
	if err != nil || len(changed) != 1 || changed[0] != other {
		t.Errorf("retry dead = %v, %v; want only %d", changed, err, other)
	}
	if d, _ := s.WebhookDeliveryGet(ctx, first); d.State != store.DeliveryDelivered {
		t.Errorf("a delivered event changed state: %s", d.State)
	}
	all, _ := s.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{States: []string{store.DeliveryPending}})
	if len(all) != 2 {
		t.Errorf("pending = %d, want 2", len(all))
	}
}
