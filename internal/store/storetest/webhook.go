package storetest

import (
	"context"
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
	forAttempt := func(ids ...int64) map[int64]*store.WebhookDeliveryForAttempt {
		t.Helper()
		got, err := s.WebhookDeliveryForAttemptMany(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]*store.WebhookDeliveryForAttempt{}
		for _, f := range got {
			byID[f.Delivery.ID] = f
		}
		return byID
	}
	record := func(params ...*store.WebhookDeliveryAttemptParams) []int64 {
		t.Helper()
		var missing []int64
		if err := s.Tx(ctx, func(tx store.Executor) error {
			var err error
			missing, err = tx.WebhookDeliveryAttemptRecordMany(ctx, params)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return missing
	}
	got := forAttempt(first, second, other, 424242)
	if len(got) != 3 {
		t.Fatalf("read for attempts: %d rows, want 3 (the missing id left out)", len(got))
	}
	wd, wc := got[first].Delivery, got[first].Connection
	if wd.EventID != "evt_a" || string(wd.Payload) != string(d.Payload) || wc.ID != conn || wc.Name != "acme" ||
		wc.WebhookSecretEncrypted != "gAAAA-secret" || wc.PollInterval != 90*time.Second || !wd.CreatedAt.Equal(d.CreatedAt) {
		t.Errorf("read for attempt = %+v, %+v", wd, wc)
	}
	if w := got[second]; w.EarlierPending != 1 || w.EarlierNextAttemptAt == nil || !w.EarlierNextAttemptAt.Equal(base) {
		t.Errorf("second version of order 1 must wait for the first, due at its creation: %+v", w)
	}
	if got[first].EarlierPending != 0 || got[other].EarlierPending != 0 {
		t.Errorf("first version or another order reported as waiting: %d, %d", got[first].EarlierPending, got[other].EarlierPending)
	}
	next := base.Add(30 * time.Second)
	if missing := record(&store.WebhookDeliveryAttemptParams{DeliveryID: first, Attempt: 1, StartedAt: base,
		Duration: 120 * time.Millisecond, Status: 503, Error: "HTTP 503", State: store.DeliveryPending, NextAttemptAt: &next},
		&store.WebhookDeliveryAttemptParams{DeliveryID: 424242, Attempt: 1, StartedAt: base, State: store.DeliveryDelivered}); len(missing) != 1 || missing[0] != 424242 {
		t.Errorf("missing = %v, want [424242]", missing)
	}
	if w := forAttempt(second)[second]; w.EarlierPending != 1 || w.EarlierNextAttemptAt == nil || !w.EarlierNextAttemptAt.Equal(next) {
		t.Errorf("second waits for the first's retry at %v: %+v", next, w)
	}
	// Two attempts of one delivery in one batch are applied in order: the later one wins.
	if missing := record(&store.WebhookDeliveryAttemptParams{DeliveryID: first, Attempt: 2, StartedAt: next, Status: 500,
		Error: "HTTP 500", State: store.DeliveryPending, NextAttemptAt: &next},
		&store.WebhookDeliveryAttemptParams{DeliveryID: first, Attempt: 3, StartedAt: next.Add(time.Minute), Status: 200,
			State: store.DeliveryDelivered}); len(missing) != 0 {
		t.Errorf("missing = %v", missing)
	}
	d, _ = s.WebhookDeliveryGet(ctx, first)
	if d.State != store.DeliveryDelivered || d.Attempts != 3 || d.LastStatus != 200 || d.DeliveredAt == nil || d.NextAttemptAt != nil {
		t.Errorf("after delivery: %+v", d)
	}
	if w := forAttempt(second)[second]; w.EarlierPending != 0 {
		t.Error("second version still waits after the first was delivered")
	}
	attempts, err := s.WebhookAttemptList(ctx, &store.WebhookAttemptListParams{ConnectionID: conn})
	if err != nil || len(attempts) != 3 || attempts[0].Status != 200 || attempts[1].Status != 500 || attempts[2].Duration != 120*time.Millisecond || attempts[2].EventID != "evt_a" {
		t.Errorf("attempts = %+v, %v", attempts, err)
	}
	// Dead-letter one, then retry only dead ones in bulk.
	if _, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{other}, State: store.DeliveryDead}); err != nil {
		t.Fatal(err)
	}
	dead, _ := s.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: conn, States: []store.DeliveryState{store.DeliveryDead}})
	if len(dead) != 1 || dead[0].ID != other {
		t.Errorf("dead list = %+v", dead)
	}
	changed, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{first, second, other},
		State: store.DeliveryPending, ResetAttempts: true, OnlyStates: []store.DeliveryState{store.DeliveryDead}})
	if err != nil || len(changed) != 1 || changed[0] != other {
		t.Errorf("retry dead = %v, %v; want only %d", changed, err, other)
	}
	if d, _ := s.WebhookDeliveryGet(ctx, first); d.State != store.DeliveryDelivered {
		t.Errorf("a delivered event changed state: %s", d.State)
	}
	all, _ := s.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{States: []store.DeliveryState{store.DeliveryPending}})
	if len(all) != 2 {
		t.Errorf("pending = %d, want 2", len(all))
	}
}

func init() { extra = append(extra, namedTest{"WebhookQueueStats", testWebhookQueueStats}) }

// testWebhookQueueStats: pending deliveries counted per connection with the oldest one's time; delivered and
// dead ones are not in the queue; a connection with nothing pending is listed with 0.
func testWebhookQueueStats(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme, beta := newConnection(t, s, "acme"), newConnection(t, s, "beta")
	base := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	insert := func(conn int64, event string, created time.Time) int64 {
		t.Helper()
		id, _, err := s.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: event, EventType: "order.updated",
			ConnectionID: conn, OrderID: 1, OrderName: "S1", WriteDate: created, Payload: []byte(`{}`), CreatedAt: created})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	oldestDone := insert(acme, "evt_1", base) // delivered below: no longer the oldest pending
	insert(acme, "evt_2", base.Add(time.Minute))
	insert(acme, "evt_3", base.Add(2*time.Minute))
	dead := insert(acme, "evt_4", base.Add(-time.Hour))
	for id, state := range map[int64]store.DeliveryState{oldestDone: store.DeliveryDelivered, dead: store.DeliveryDead} {
		if _, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{id}, State: state}); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := s.WebhookQueueStatList(ctx)
	if err != nil || len(stats) != 2 {
		t.Fatalf("queue stats = %d rows, %v; want 2", len(stats), err)
	}
	a, b := stats[0], stats[1]
	if a.ConnectionID != acme || a.ConnectionName != "acme" || a.Pending != 2 || a.OldestCreatedAt == nil || !a.OldestCreatedAt.Equal(base.Add(time.Minute)) {
		t.Errorf("acme's queue = %+v (oldest %v); want 2 pending, oldest %v", a, a.OldestCreatedAt, base.Add(time.Minute))
	}
	if b.ConnectionID != beta || b.Pending != 0 || b.OldestCreatedAt != nil {
		t.Errorf("beta's queue = %+v; want 0 pending, no oldest", b)
	}
}
