package engine

import (
	"context"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// DeliveryQuery selects what the dashboard's webhook page shows of the delivery queue.
type DeliveryQuery struct {
	Connection string                // ID or NAME; "" for every connection
	States     []store.DeliveryState // delivery states; empty: pending and dead (what 'salesengine retries' lists)
	Attempted  bool                  // only deliveries attempted at least once (failing or dead)
	AfterID    int64                 // the next page: deliveries with a greater ID
	Limit      int                   // deliveries per page
	Attempts   int                   // how many of the newest attempts to read (0: none)
}

// DeliveryQueue is the webhook queue as the dashboard shows it.
type DeliveryQueue struct {
	Connections []QueueConnection // every connection, by name
	Deliveries  []DeliveryView    // the selected page, by ID
	// Next is the AfterID of the next page; 0 on the last page.
	Next     int64
	Attempts []AttemptView // the newest attempts (of the selected connection), newest first
}

// QueueConnection is a connection's webhook endpoint and its queue.
type QueueConnection struct {
	Connection    ConnectionView
	Pending       int64
	Failing       int64 // of the pending ones, those that failed at least once
	Dead          int64
	OldestPending *time.Time
}

// DeliveryView is a delivery without its payload, with its connection's name.
type DeliveryView struct {
	store.WebhookDelivery
	Connection string
}

// AttemptView is one delivery attempt with its connection's name.
type AttemptView struct {
	store.WebhookAttempt
	Connection string
}

// DeliveryQueue reads the queue's counts per connection, a page of deliveries and the newest attempts, in four
// queries (five with a connection named); an unknown connection is a usage error.
func (e *Engine) DeliveryQueue(ctx context.Context, q DeliveryQuery) (*DeliveryQueue, error) {
	var connID int64
	if q.Connection != "" {
		c, err := ResolveConnection(ctx, e.store, q.Connection)
		if err != nil {
			return nil, err
		}
		connID = c.ID
	}
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{})
	if err != nil {
		return nil, err
	}
	stats, err := e.store.WebhookQueueStatList(ctx)
	if err != nil {
		return nil, err
	}
	states := q.States
	if len(states) == 0 {
		states = []store.DeliveryState{store.DeliveryPending, store.DeliveryDead}
	}
	limit := 0 // all
	if q.Limit > 0 {
		limit = q.Limit + 1 // one more tells whether a next page exists
	}
	ds, err := e.store.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: connID, States: states,
		Attempted: q.Attempted, AfterID: q.AfterID, Limit: limit})
	if err != nil {
		return nil, err
	}
	var attempts []*store.WebhookAttempt
	if q.Attempts > 0 {
		if attempts, err = e.store.WebhookAttemptList(ctx, &store.WebhookAttemptListParams{ConnectionID: connID, Limit: q.Attempts}); err != nil {
			return nil, err
		}
	}

	views := make(map[int64]ConnectionView, len(conns))
	for _, c := range conns {
		views[c.ID] = NewConnectionView(c)
	}
	out := &DeliveryQueue{}
	for _, s := range stats {
		out.Connections = append(out.Connections, QueueConnection{Connection: views[s.ConnectionID], Pending: s.Pending,
			Failing: s.Failing, Dead: s.Dead, OldestPending: s.OldestCreatedAt})
	}
	if q.Limit > 0 && len(ds) > q.Limit {
		ds = ds[:q.Limit]
		out.Next = ds[len(ds)-1].ID
	}
	for _, d := range ds {
		v := DeliveryView{WebhookDelivery: *d, Connection: views[d.ConnectionID].Name}
		v.Payload = nil // the page never shows it
		out.Deliveries = append(out.Deliveries, v)
	}
	for _, a := range attempts {
		out.Attempts = append(out.Attempts, AttemptView{WebhookAttempt: *a, Connection: views[a.ConnectionID].Name})
	}
	return out, nil
}
