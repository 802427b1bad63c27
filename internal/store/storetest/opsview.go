package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// The dashboard's operator pages: a connection's sync log page by page, the newest passes of every connection
// in one query, the webhook queue's counts and its deliveries page by page.
func init() {
	extra = append(extra, namedTest{"SyncLogPages", testSyncLogPages}, namedTest{"WebhookQueuePages", testWebhookQueuePages})
}

func testSyncLogPages(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme, beta := newConnection(t, s, "acme"), newConnection(t, s, "beta")
	newConnection(t, s, "gamma") // never synced: no rows
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ids := map[int64][]int64{} // per connection, in insertion (oldest first) order
	add := func(conn int64, start time.Time, fetched int64) {
		t.Helper()
		id, err := s.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: conn, Kind: "incremental", StartedAt: start,
			Status: store.SyncOK, RecordsFetched: fetched})
		if err != nil {
			t.Fatal(err)
		}
		ids[conn] = append(ids[conn], id)
	}
	for i := range 7 {
		add(acme, t0.Add(time.Duration(i)*time.Minute), int64(i))
	}
	add(acme, t0.Add(6*time.Minute), 99) // same start as the newest: the id breaks the tie
	for i := range 2 {
		add(beta, t0.Add(time.Duration(i)*time.Hour), int64(100+i))
	}
	got, err := s.SyncLogRecentList(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, l := range got {
		seen = append(seen, fmt.Sprintf("%d:%d", l.ConnectionID, l.RecordsFetched))
	}
	want := []string{fmt.Sprintf("%d:99", acme), fmt.Sprintf("%d:6", acme), fmt.Sprintf("%d:5", acme),
		fmt.Sprintf("%d:101", beta), fmt.Sprintf("%d:100", beta)}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("recent 3 per connection = %v, want %v (by connection, newest first)", seen, want)
	}
	if got[0].Kind != "incremental" || got[0].Status != store.SyncOK || !got[0].StartedAt.Equal(t0.Add(6*time.Minute)) {
		t.Errorf("recent row = %+v", got[0])
	}

	// Page through acme's log, 3 at a time: every log once, newest first.
	var pages [][]int64
	var before int64
	for range 5 {
		page, err := s.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: acme, Limit: 3, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		var p []int64
		for _, l := range page {
			if l.ConnectionID != acme {
				t.Fatalf("page of acme holds a log of connection %d", l.ConnectionID)
			}
			p = append(p, l.ID)
		}
		pages = append(pages, p)
		before = page[len(page)-1].ID
	}
	a := ids[acme]
	wantPages := [][]int64{{a[7], a[6], a[5]}, {a[4], a[3], a[2]}, {a[1], a[0]}}
	if fmt.Sprint(pages) != fmt.Sprint(wantPages) {
		t.Errorf("pages = %v, want %v", pages, wantPages)
	}
	if l, err := s.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: acme, BeforeID: 987654}); err != nil || len(l) != 0 {
		t.Errorf("before a log that does not exist: %d rows, %v; want none", len(l), err)
	}
}

func testWebhookQueuePages(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme, beta := newConnection(t, s, "acme"), newConnection(t, s, "beta")
	newConnection(t, s, "gamma") // nothing queued
	base := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	n := 0
	insert := func(conn int64, created time.Time) int64 {
		t.Helper()
		n++
		id, _, err := s.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: fmt.Sprintf("evt_%d", n), EventType: "order.updated",
			ConnectionID: conn, OrderID: int64(n), OrderName: fmt.Sprintf("S%d", n), WriteDate: created, Payload: []byte(`{}`), CreatedAt: created})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	attempt := func(id int64, state store.DeliveryState) {
		t.Helper()
		next := base.Add(time.Hour)
		p := &store.WebhookDeliveryAttemptParams{DeliveryID: id, Attempt: 1, StartedAt: base, Status: 500, Error: "HTTP 500", State: state}
		if state == store.DeliveryPending {
			p.NextAttemptAt = &next
		}
		if _, err := s.WebhookDeliveryAttemptRecordMany(ctx, []*store.WebhookDeliveryAttemptParams{p}); err != nil {
			t.Fatal(err)
		}
	}
	// acme: 2 queued (never tried), 2 failing, 2 dead, 1 delivered, 1 discarded; beta: 1 dead.
	queued1, queued2 := insert(acme, base.Add(3*time.Minute)), insert(acme, base.Add(time.Minute))
	failing1, failing2 := insert(acme, base.Add(2*time.Minute)), insert(acme, base.Add(4*time.Minute))
	dead1, dead2 := insert(acme, base.Add(-time.Hour)), insert(acme, base)
	delivered, discarded := insert(acme, base.Add(-2*time.Hour)), insert(acme, base.Add(-3*time.Hour))
	betaDead := insert(beta, base)
	for _, id := range []int64{failing1, failing2} {
		attempt(id, store.DeliveryPending)
	}
	for _, id := range []int64{dead1, dead2, betaDead} {
		attempt(id, store.DeliveryDead)
	}
	attempt(delivered, store.DeliveryDelivered)
	if _, err := s.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: []int64{discarded}, State: store.DeliveryDiscarded}); err != nil {
		t.Fatal(err)
	}

	stats, err := s.WebhookQueueStatList(ctx)
	if err != nil || len(stats) != 3 {
		t.Fatalf("queue stats: %d rows, %v; want 3", len(stats), err)
	}
	a, b, g := stats[0], stats[1], stats[2]
	if a.ConnectionID != acme || a.Pending != 4 || a.Failing != 2 || a.Dead != 2 || a.OldestCreatedAt == nil ||
		!a.OldestCreatedAt.Equal(base.Add(time.Minute)) {
		t.Errorf("acme = %+v (oldest %v); want 4 pending of which 2 failing, 2 dead, oldest pending %v", a, a.OldestCreatedAt, base.Add(time.Minute))
	}
	if b.ConnectionID != beta || b.Pending != 0 || b.Failing != 0 || b.Dead != 1 || b.OldestCreatedAt != nil {
		t.Errorf("beta = %+v; want 1 dead, nothing pending", b)
	}
	if g.Pending != 0 || g.Dead != 0 || g.Failing != 0 {
		t.Errorf("gamma = %+v; want an empty queue", g)
	}

	list := func(p store.WebhookDeliveryListParams) []int64 {
		t.Helper()
		ds, err := s.WebhookDeliveryList(ctx, &p)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	queue := []store.DeliveryState{store.DeliveryPending, store.DeliveryDead}
	for _, c := range []struct {
		name string
		p    store.WebhookDeliveryListParams
		want []int64
	}{
		{"acme's queue", store.WebhookDeliveryListParams{ConnectionID: acme, States: queue},
			[]int64{queued1, queued2, failing1, failing2, dead1, dead2}},
		{"acme's failing and dead", store.WebhookDeliveryListParams{ConnectionID: acme, States: queue, Attempted: true},
			[]int64{failing1, failing2, dead1, dead2}},
		{"every failing one", store.WebhookDeliveryListParams{States: []store.DeliveryState{store.DeliveryPending}, Attempted: true},
			[]int64{failing1, failing2}},
		{"every dead one", store.WebhookDeliveryListParams{States: []store.DeliveryState{store.DeliveryDead}}, []int64{dead1, dead2, betaDead}},
		{"page 1", store.WebhookDeliveryListParams{States: queue, Limit: 3}, []int64{queued1, queued2, failing1}},
		{"page 2", store.WebhookDeliveryListParams{States: queue, Limit: 3, AfterID: failing1}, []int64{failing2, dead1, dead2}},
		{"page 3", store.WebhookDeliveryListParams{States: queue, Limit: 3, AfterID: dead2}, []int64{betaDead}},
		{"after the last", store.WebhookDeliveryListParams{States: queue, AfterID: betaDead}, []int64{}},
		{"a connection, no state", store.WebhookDeliveryListParams{ConnectionID: beta}, []int64{betaDead}},
	} {
		if got := list(c.p); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
}
