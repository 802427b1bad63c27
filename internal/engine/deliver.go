package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// errNoQueue is the error of a delivery stage on an engine built without webhook settings.
var errNoQueue = notLoaded("webhook")

// DeliveryOutcome is what became of the deliveries that were pending when Deliver started.
type DeliveryOutcome struct {
	// Pending counts the deliveries pending at the start; with none, nothing was done and nothing else is set.
	Pending int
	// Idle: no delivery was due or running at the end (what still waits, waits for a later time).
	Idle                       bool
	Delivered, Dead, Discarded int
	// DeadReason is the last error of one of the dead ones (an example for a message).
	DeadReason string
	// Failed counts those attempted in this pass that failed and wait for a retry (they are Waiting too).
	Failed int
	// Waiting counts those still pending; the reasons follow.
	Waiting int
	// Circuit: waiting for a connection's open (or half-open) circuit.
	Circuit []ConnectionWait
	// Parked: the connection's webhook is disabled (410 Gone, or by hand).
	Parked []ConnectionWait
	// Retry: waiting for a scheduled retry; NextRetry is the earliest.
	Retry     int
	NextRetry time.Time
	// Queued: due but not attempted (time ran out, or an earlier change of the same order goes first).
	Queued int
	// Now is when the outcome was read: the times above are after it.
	Now time.Time
}

// ConnectionWait counts the deliveries of one connection held by its webhook's state.
type ConnectionWait struct {
	Connection string
	State      string     // of its circuit
	Until      *time.Time // the circuit's next probe
	Count      int
}

// Deliver enqueues every pending delivery (a crash between a sync's commit and its enqueue leaves deliveries
// without a job; enqueueing is idempotent) and works the queue for at most wait, then says what became of
// them. It must not run while the delivery workers run (StartDelivering).
func (e *Engine) Deliver(ctx context.Context, wait time.Duration) (*DeliveryOutcome, error) {
	if e.queue == nil {
		return nil, errNoQueue
	}
	before, err := e.store.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{States: []store.DeliveryState{store.DeliveryPending}})
	if err != nil {
		return nil, err
	}
	if len(before) == 0 {
		return &DeliveryOutcome{}, nil
	}
	ids := make([]int64, len(before))
	for i, d := range before {
		ids[i] = d.ID
	}
	if err := e.queue.Enqueue(ctx, ids...); err != nil {
		return nil, fmt.Errorf("deliver webhooks: %w", err)
	}
	res, err := e.queue.Drain(ctx, wait)
	if err != nil {
		return nil, fmt.Errorf("deliver webhooks: %w", err)
	}
	out, err := e.outcome(ctx, before, time.Now())
	if err != nil {
		return nil, err
	}
	out.Idle = res.Idle
	return out, nil
}

// outcome reads what became of the deliveries before.
func (e *Engine) outcome(ctx context.Context, before []*store.WebhookDelivery, now time.Time) (*DeliveryOutcome, error) {
	attempts := make(map[int64]int, len(before))
	ids := make([]int64, 0, len(before))
	for _, d := range before {
		attempts[d.ID] = d.Attempts
		ids = append(ids, d.ID)
	}
	out := &DeliveryOutcome{Pending: len(before), Now: now}
	circuits := map[int64]int{}
	parked := map[int64]int{}
	group := func(m map[int64]int, list *[]ConnectionWait, c *store.Connection) {
		i, ok := m[c.ID]
		if !ok {
			i = len(*list)
			m[c.ID] = i
			*list = append(*list, ConnectionWait{Connection: c.Name, State: c.CircuitState, Until: c.CircuitNextProbe})
		}
		(*list)[i].Count++
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		rows, err := e.store.WebhookDeliveryForAttemptMany(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, f := range rows {
			d, c := f.Delivery, f.Connection
			switch d.State {
			case store.DeliveryDelivered:
				out.Delivered++
				continue
			case store.DeliveryDead:
				out.Dead++
				if out.DeadReason == "" {
					out.DeadReason = d.LastError
				}
				continue
			case store.DeliveryDiscarded:
				out.Discarded++
				continue
			}
			out.Waiting++
			if d.Attempts > attempts[d.ID] {
				out.Failed++
			}
			switch {
			case !c.WebhookEnabled:
				group(parked, &out.Parked, c)
			case c.CircuitState == store.CircuitOpen || c.CircuitState == store.CircuitHalfOpen:
				group(circuits, &out.Circuit, c)
			case d.NextAttemptAt != nil && d.NextAttemptAt.After(now):
				out.Retry++
				if out.NextRetry.IsZero() || d.NextAttemptAt.Before(out.NextRetry) {
					out.NextRetry = *d.NextAttemptAt
				}
			default:
				out.Queued++
			}
		}
	}
	return out, nil
}

// StartDelivering runs the delivery workers until StopDelivering: deliveries go out as they are enqueued.
func (e *Engine) StartDelivering(ctx context.Context) error {
	if e.queue == nil {
		return errNoQueue
	}
	return e.queue.Start(ctx)
}

// StopDelivering stops the delivery workers, letting the attempts in flight finish until ctx ends.
func (e *Engine) StopDelivering(ctx context.Context) error {
	if e.queue == nil {
		return errNoQueue
	}
	return e.queue.Stop(ctx)
}

// DeliverySelection names deliveries: by ID, or all the pending and dead ones (of one connection, only the
// dead ones).
type DeliverySelection struct {
	IDs        []int64
	All        bool
	Connection string // with All: only this connection's (ID or NAME)
	Dead       bool   // with All: only the dead ones
}

// SelectDeliveries returns the ids of the selected deliveries; an ID that does not exist is a usage error.
func (e *Engine) SelectDeliveries(ctx context.Context, sel DeliverySelection) ([]int64, error) {
	if !sel.All {
		for _, id := range sel.IDs {
			if _, err := e.store.WebhookDeliveryGet(ctx, id); err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				return nil, usagef("list them with 'salesengine retries'", "no delivery %d", id)
			}
		}
		return sel.IDs, nil
	}
	var connID int64
	if sel.Connection != "" {
		c, err := ResolveConnection(ctx, e.store, sel.Connection)
		if err != nil {
			return nil, err
		}
		connID = c.ID
	}
	states := []store.DeliveryState{store.DeliveryPending, store.DeliveryDead}
	if sel.Dead {
		states = []store.DeliveryState{store.DeliveryDead}
	}
	ds, err := e.store.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: connID, States: states})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids, nil
}

// Retry makes the given pending or dead deliveries due now, with a fresh budget of attempts, and returns those
// it changed (Deliver then delivers them). Each keeps its webhook-id, so receivers can de-duplicate.
func (e *Engine) Retry(ctx context.Context, ids []int64) ([]int64, error) {
	if e.queue == nil {
		return nil, errNoQueue
	}
	changed, err := e.store.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: ids,
		State: store.DeliveryPending, ResetAttempts: true, OnlyStates: []store.DeliveryState{store.DeliveryPending, store.DeliveryDead}})
	if err != nil || len(changed) == 0 {
		return changed, err
	}
	// Due now, not at the retry time their jobs were waiting for.
	return changed, e.queue.Replay(ctx, changed...)
}

// Discard gives up on the given pending or dead deliveries (they stay recorded) and returns those it changed.
func (e *Engine) Discard(ctx context.Context, ids []int64) ([]int64, error) {
	return e.store.WebhookDeliveryStateSet(ctx, &store.WebhookDeliveryStateSetParams{IDs: ids,
		State: store.DeliveryDiscarded, OnlyStates: []store.DeliveryState{store.DeliveryPending, store.DeliveryDead}})
}

// ResetWebhookCircuit closes the circuit breaker of c's webhook endpoint and enables its webhook (a 410 Gone
// disables it).
func (e *Engine) ResetWebhookCircuit(ctx context.Context, c *store.Connection) error {
	closed, zero, on := store.CircuitClosed, 0, true
	var none *time.Time
	_, err := e.store.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: c.ID, CircuitState: &closed,
		CircuitFailures: &zero, CircuitOpenedAt: &none, CircuitNextProbe: &none, WebhookEnabled: &on})
	return err
}

// ResetOdooCircuit closes c's Odoo circuit (and only it): its next pass runs at once.
func (e *Engine) ResetOdooCircuit(ctx context.Context, c *store.Connection) error {
	_, err := e.store.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: c.ID, OdooCircuitClose: true})
	return err
}
