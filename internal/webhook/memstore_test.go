package webhook

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// memDeliveries implements Deliveries in memory for this package's tests. A mutex-guarded map is acceptable
// here ONLY because the real ds (SQLite/PostgreSQL, built by the lead in parallel) is not available yet;
// River itself runs on a real database in these tests. The lead adds end-to-end tests with the real ds.
type memDeliveries struct {
	mu         sync.Mutex
	nextID     int64
	deliveries map[int64]*memDelivery
	conns      map[int64]*memConn
	attempts   []DeliveryAttemptRecordParams
	circuitLog []Circuit
	states     map[store.DeliveryState]int
	gets       map[int64]int
	byOrder    map[[2]int64][]int64 // (connection, order) -> delivery ids, as the real ds's index would
	changed    chan struct{}        // signalled (non-blocking) after every recorded attempt
}

type memDelivery struct {
	d             Delivery
	nextAttemptAt time.Time
}

type memConn struct {
	url     string
	secrets []string
	enabled bool
	circuit Circuit
	reason  string
}

var _ Deliveries = (*memDeliveries)(nil)

func newMemDeliveries() *memDeliveries {
	return &memDeliveries{
		deliveries: map[int64]*memDelivery{}, conns: map[int64]*memConn{}, states: map[store.DeliveryState]int{},
		byOrder: map[[2]int64][]int64{}, gets: map[int64]int{},
		changed: make(chan struct{}, 1),
	}
}

func (m *memDeliveries) addConnection(id int64, url string, secrets ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[id] = &memConn{url: url, secrets: secrets, enabled: true}
}

func (m *memDeliveries) setEnabled(connID int64, enabled bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[connID].enabled = enabled
}

// add stores a delivery of a real order event built by NewOrderEvent.
func (m *memDeliveries) add(connID, orderID int64, writeDate time.Time) int64 {
	o := sampleOrder()
	o.ID = orderID
	o.Name = fmt.Sprintf("S%05d", orderID)
	o.WriteDate = writeDate
	ev, err := NewOrderEvent(OrderEventParams{Type: EventOrderUpdated, Database: testDatabase, Connection: Ref{ID: connID, Name: "test"}, Order: o})
	if err != nil {
		panic(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	m.states[store.DeliveryPending]++
	m.byOrder[[2]int64{connID, orderID}] = append(m.byOrder[[2]int64{connID, orderID}], m.nextID)
	m.deliveries[m.nextID] = &memDelivery{d: Delivery{
		ID: m.nextID, EventID: ev.ID, EventType: ev.Type, ConnectionID: connID, OrderID: orderID,
		WriteDate: ev.WriteDate, Body: ev.Body, State: store.DeliveryPending, CreatedAt: time.Now(),
	}}
	return m.nextID
}

func (m *memDeliveries) DeliveryGet(_ context.Context, id int64) (Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets[id]++
	md, ok := m.deliveries[id]
	if !ok {
		return Delivery{}, fmt.Errorf("delivery %d: %w", id, ErrDeliveryNotFound)
	}
	d := md.d
	c := m.conns[d.ConnectionID]
	d.URL, d.Secrets, d.WebhookEnabled, d.Circuit = c.url, c.secrets, c.enabled, c.circuit
	d.Body = append([]byte(nil), d.Body...)
	d.NextAttemptAt = md.nextAttemptAt
	d.EarlierPending, d.EarlierNextAttemptAt = m.earlierPending(d)
	return d, nil
}

func (m *memDeliveries) earlierPending(me Delivery) (bool, time.Time) {
	var found bool
	var next time.Time
	for _, oid := range m.byOrder[[2]int64{me.ConnectionID, me.OrderID}] {
		o := m.deliveries[oid]
		if o.d.ConnectionID == me.ConnectionID && o.d.OrderID == me.OrderID && o.d.WriteDate.Before(me.WriteDate) && o.d.State == store.DeliveryPending {
			if !found || o.nextAttemptAt.Before(next) {
				next = o.nextAttemptAt
			}
			found = true
		}
	}
	return found, next
}

func (m *memDeliveries) DeliveryAttemptRecord(_ context.Context, p DeliveryAttemptRecordParams) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	md, ok := m.deliveries[p.DeliveryID]
	if !ok {
		return fmt.Errorf("delivery %d: %w", p.DeliveryID, ErrDeliveryNotFound)
	}
	md.d.Attempts = p.Attempt
	m.states[md.d.State]--
	m.states[p.State]++
	md.d.State = p.State
	md.nextAttemptAt = p.NextAttemptAt
	m.attempts = append(m.attempts, p)
	select {
	case m.changed <- struct{}{}:
	default:
	}
	return nil
}

func (m *memDeliveries) ConnectionWebhookDisable(_ context.Context, connectionID int64, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[connectionID].enabled = false
	m.conns[connectionID].reason = reason
	return nil
}

func (m *memDeliveries) ConnectionCircuitSet(_ context.Context, connectionID int64, c Circuit) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[connectionID].circuit = c
	m.circuitLog = append(m.circuitLog, c)
	return nil
}

func (m *memDeliveries) get(id int64) Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deliveries[id].d
}

// attemptsOf returns the recorded attempts of one delivery in order.
func (m *memDeliveries) attemptsOf(id int64) []DeliveryAttemptRecordParams {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []DeliveryAttemptRecordParams
	for _, a := range m.attempts {
		if a.DeliveryID == id {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Attempt < out[j].Attempt })
	return out
}

// waitFor blocks until cond holds (checked after every recorded attempt and every 20 ms) or ctx ends.
func (m *memDeliveries) waitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.changed:
		case <-t.C:
		}
	}
}

// countState counts deliveries in a state.
func (m *memDeliveries) countState(s store.DeliveryState) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[s]
}

func (m *memDeliveries) getCount(id int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gets[id]
}

// resetForReplay does what the ds does before Queue.Replay: pending, due now, attempts cleared.
func (m *memDeliveries) resetForReplay(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	md := m.deliveries[id]
	m.states[md.d.State]--
	m.states[store.DeliveryPending]++
	md.d.State, md.d.Attempts, md.nextAttemptAt = store.DeliveryPending, 0, time.Time{}
}
