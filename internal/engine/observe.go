package engine

import (
	"context"
	gosync "sync"
	"time"

	"github.com/salesengine/salesengine/internal/metrics"
	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// observedDeliveries is the outbox as the delivery workers see it, telling the metrics (while serving) how
// each recorded attempt ended. The worker reads a delivery before its attempt and records the attempt after;
// what the record lacks (the connection, when the change was stored) is kept from the read.
type observedDeliveries struct {
	*outbox.Outbox
	e *Engine

	mu   gosync.Mutex
	read map[int64]readDelivery // by delivery id, from DeliveryGet until DeliveryAttemptRecord
}

type readDelivery struct {
	connectionID int64
	createdAt    time.Time
}

var _ webhook.Deliveries = (*observedDeliveries)(nil)

// maxRead bounds read: a delivery read but never recorded (a job snoozed to a later retry) is forgotten when
// the map fills, at the cost of one attempt's metrics.
const maxRead = 100_000

func (o *observedDeliveries) DeliveryGet(ctx context.Context, id int64) (webhook.Delivery, error) {
	d, err := o.Outbox.DeliveryGet(ctx, id)
	if err == nil && o.e.metrics != nil {
		o.mu.Lock()
		if len(o.read) >= maxRead {
			clear(o.read)
		}
		o.read[id] = readDelivery{connectionID: d.ConnectionID, createdAt: d.CreatedAt}
		o.mu.Unlock()
	}
	return d, err
}

func (o *observedDeliveries) DeliveryAttemptRecord(ctx context.Context, p webhook.DeliveryAttemptRecordParams) error {
	err := o.Outbox.DeliveryAttemptRecord(ctx, p)
	m := o.e.metrics
	if m == nil {
		return err
	}
	o.mu.Lock()
	rd, ok := o.read[p.DeliveryID]
	delete(o.read, p.DeliveryID)
	o.mu.Unlock()
	if err != nil || !ok {
		return err
	}
	name, known := o.e.names.Load(rd.connectionID)
	if !known {
		return nil // a connection serve has not listed yet: its next attempts are counted
	}
	outcome := metrics.OutcomeFailed
	switch p.State {
	case store.DeliveryDelivered:
		outcome = metrics.OutcomeDelivered
	case store.DeliveryDead:
		outcome = metrics.OutcomeDead
	}
	m.Delivery(name.(string), outcome, p.StartedAt.Add(p.Duration).Sub(rd.createdAt))
	return nil
}
