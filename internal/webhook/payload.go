// Package webhook delivers normalized, signed order events to each connection's webhook URL following the
// Standard Webhooks specification (standardwebhooks.com): payload building, signing, sending, retry schedule,
// circuit breaking, a River-backed durable queue and a verifying receiver for the demo and for tests.
package webhook

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Event types. They are part of the public contract: never rename them.
const (
	EventOrderConfirmed = "order.confirmed"
	EventOrderUpdated   = "order.updated"
	EventOrderCancelled = "order.cancelled"
)

// SchemaVersion is the version of the order payload shape carried in data.schema_version. It lives in the body,
// not in a header, so that it is covered by the signature and survives when a receiver stores the raw payload.
// Additive changes (new optional fields) keep the version; removals or changed meanings bump it and ship a new
// schema file (schema/order-event.vN.json).
const SchemaVersion = 1

// Odoo sale.order states. "sale" and "done" (Odoo 16 "locked") are confirmed.
const (
	stateSale   = "sale"
	stateDone   = "done"
	stateCancel = "cancel"
)

// IsConfirmedState reports whether an order in this state counts as confirmed.
func IsConfirmedState(state string) bool { return state == stateSale || state == stateDone }

// EventType decides which event, if any, a change of an order emits. prevKnown is false when the order was not
// stored before (first sync); prevState is its stored state otherwise. Call it only for a change of the order's
// stored state: the event id is derived from that state (EventID), so an unchanged state is no new event.
//
//   - not confirmed -> confirmed (sale/done), including a first sighting already confirmed: order.confirmed.
//   - confirmed -> confirmed (also sale -> done): order.updated.
//   - confirmed -> anything else: order.cancelled. Odoo only lets a confirmed order return to draft through
//     cancel, so confirmed -> draft/sent means it was cancelled and reset between two syncs; for a receiver the
//     order stopped being confirmed exactly as with a cancel, and whatever the confirmation triggered (picking,
//     production) must be released. The payload carries the real new state (draft, sent or cancel), and a later
//     re-confirmation emits order.confirmed again.
//   - never confirmed -> not confirmed (quotations, cancelled quotations): no event; receivers only hear about
//     orders that were confirmed.
func EventType(prevState string, prevKnown bool, newState string) (string, bool) {
	prevConfirmed := prevKnown && IsConfirmedState(prevState)
	switch {
	case IsConfirmedState(newState) && !prevConfirmed:
		return EventOrderConfirmed, true
	case IsConfirmedState(newState):
		return EventOrderUpdated, true
	case prevConfirmed:
		return EventOrderCancelled, true
	default:
		return "", false
	}
}

// EventID derives the event id (the webhook-id header) from the stored state of an order that caused it, so a
// re-sync, a restart, a second daemon, a re-created connection or another installation syncing the same Odoo
// computes the same id for the same state (a receiver's de-duplication keeps working, and the ds's unique
// key keeps one event per connection), while two different states get two ids even when they share a
// write_date.
//
// It hashes the Odoo database (database: its identity key, odoo.DatabaseIdentity.Key: the database uuid when
// known, else the normalized URL and database name; nothing local such as the connection's id), the order, the
// change's write_date (normalized to UTC microseconds: Odoo shows seconds, PostgreSQL keeps microseconds) and
// content, the OrderContentHash of the order payload. write_date alone is not enough: Odoo's API reports it to
// the second, so two edits of an order within one second share it, and without the content the second edit
// would be taken for the first and never sent.
func EventID(database string, orderID int64, writeDate time.Time, content [sha256.Size]byte) string {
	var buf [3 * 8]byte
	binary.BigEndian.PutUint64(buf[0:], uint64(len(database))) // length first: no two (database, rest) run together alike
	binary.BigEndian.PutUint64(buf[8:], uint64(orderID))
	binary.BigEndian.PutUint64(buf[16:], uint64(writeDate.UTC().UnixMicro()))
	h := sha256.New()
	h.Write([]byte("salesengine/order-event/v3\x00"))
	h.Write(buf[:8])
	h.Write([]byte(database))
	h.Write(buf[8:])
	h.Write(content[:])
	sum := h.Sum(nil)
	// 16 bytes (128 bits) is collision-free in practice and keeps the header short.
	return "evt_" + hex.EncodeToString(sum[:16])
}

// OrderContentHash is the SHA-256 of the canonical JSON of an order payload (data.order): the state of the order
// the event carries. Only the order is hashed: the envelope's type and timestamp, data.schema_version and the
// connection's name describe the event or the connection, not the order, and a connection renamed or a schema
// bumped must not turn a state already sent into a new event.
//
// The canonical form is encoding/json's of OrderPayload, which is deterministic: struct fields in declaration
// order (no maps), times already formatted as RFC 3339 UTC seconds, floats in their shortest round-trip form,
// with -0 written as 0, and lines sorted by id (so the order Odoo lists them in does not matter). Decoding a
// stored body into OrderPayload and hashing it again gives the same hash.
func OrderContentHash(o OrderPayload) ([sha256.Size]byte, error) {
	c := o
	c.Amounts = Amounts{Untaxed: noNegZero(o.Amounts.Untaxed), Tax: noNegZero(o.Amounts.Tax), Total: noNegZero(o.Amounts.Total)}
	c.Lines = make([]LinePayload, len(o.Lines))
	for i, l := range o.Lines {
		l.Quantity, l.QtyDelivered, l.PriceUnit = noNegZero(l.Quantity), noNegZero(l.QtyDelivered), noNegZero(l.PriceUnit)
		l.Discount, l.Subtotal, l.Total = noNegZero(l.Discount), noNegZero(l.Subtotal), noNegZero(l.Total)
		c.Lines[i] = l
	}
	slices.SortStableFunc(c.Lines, func(a, b LinePayload) int { return cmp.Compare(a.ID, b.ID) })
	b, err := json.Marshal(c)
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("webhook: encode order %d for its content hash: %w", o.ID, err)
	}
	return sha256.Sum256(b), nil
}

// noNegZero maps -0 to 0, which encoding/json would write differently.
func noNegZero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

// Ref is an id and display name of a related record.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// OrderInput is what the caller (sync) knows about an order; the lead maps ds rows to it.
// Optional references are nil when the order has none.
type OrderInput struct {
	ID             int64
	Name           string
	State          string
	DateOrder      time.Time
	WriteDate      time.Time
	Customer       *Ref
	Company        *Ref
	Currency       string // ISO 4217 code, e.g. "EUR"
	AmountUntaxed  float64
	AmountTax      float64
	AmountTotal    float64
	ClientOrderRef string     // empty when none
	CommitmentDate *time.Time // nil when none
	Warehouse      *Ref
	Lines          []LineInput
}

// LineInput is one order line as the caller knows it.
type LineInput struct {
	ID           int64
	SKU          string // product default_code; empty when none
	ProductID    int64
	ProductName  string
	Quantity     float64
	UoM          string
	QtyDelivered float64
	PriceUnit    float64
	Discount     float64 // percent, 0-100
	Subtotal     float64 // without taxes
	Total        float64 // with taxes
}

// Event is the payload sent as the request body: {type, timestamp, data}.
type Event struct {
	Type      string    `json:"type"`
	Timestamp string    `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is the versioned data of an order event.
type EventData struct {
	SchemaVersion int          `json:"schema_version"`
	Connection    Ref          `json:"connection"`
	Order         OrderPayload `json:"order"`
}

// OrderPayload is the documented, Odoo-independent order shape (schema/order-event.v1.json).
type OrderPayload struct {
	ID             int64         `json:"id"`
	Name           string        `json:"name"`
	State          string        `json:"state"`
	DateOrder      string        `json:"date_order"`
	WriteDate      string        `json:"write_date"`
	Customer       *Ref          `json:"customer"`
	Company        *Ref          `json:"company"`
	Currency       string        `json:"currency"`
	Amounts        Amounts       `json:"amounts"`
	ClientOrderRef *string       `json:"client_order_ref"`
	CommitmentDate *string       `json:"commitment_date"`
	Warehouse      *Ref          `json:"warehouse"`
	Lines          []LinePayload `json:"lines"`
}

// Amounts are the order totals in the order's currency.
type Amounts struct {
	Untaxed float64 `json:"untaxed"`
	Tax     float64 `json:"tax"`
	Total   float64 `json:"total"`
}

// LinePayload is one order line in the payload.
type LinePayload struct {
	ID           int64   `json:"id"`
	SKU          *string `json:"sku"`
	Product      Ref     `json:"product"`
	Quantity     float64 `json:"quantity"`
	UoM          string  `json:"uom"`
	QtyDelivered float64 `json:"qty_delivered"`
	PriceUnit    float64 `json:"price_unit"`
	Discount     float64 `json:"discount"`
	Subtotal     float64 `json:"subtotal"`
	Total        float64 `json:"total"`
}

// OrderEventParams are the inputs of NewOrderEvent.
type OrderEventParams struct {
	Type       string // one of the Event* constants, usually from EventType
	Connection Ref
	// Database identifies the Odoo database the order lives in (odoo.DatabaseIdentity.Key); the event id
	// derives from it (EventID).
	Database string
	Order    OrderInput
}

// OrderEvent is a built event: its id (webhook-id) and the exact body bytes to ds and sign.
type OrderEvent struct {
	ID        string
	Type      string
	WriteDate time.Time
	Body      []byte
}

// rfc3339 formats in UTC with second precision, the precision Odoo keeps.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// NewOrderEvent builds the event for a change of an order. The timestamp is the order's write_date (the moment
// of the change), not the wall clock, so building the same change twice yields byte-identical bodies.
func NewOrderEvent(p OrderEventParams) (OrderEvent, error) {
	switch p.Type {
	case EventOrderConfirmed, EventOrderUpdated, EventOrderCancelled:
	default:
		return OrderEvent{}, fmt.Errorf("webhook: unknown event type %q", p.Type)
	}
	o := p.Order
	if o.ID <= 0 {
		return OrderEvent{}, errors.New("webhook: order id must be positive")
	}
	if p.Database == "" {
		return OrderEvent{}, fmt.Errorf("webhook: order %d: the Odoo database is required (the event id derives from it)", o.ID)
	}
	if o.WriteDate.IsZero() {
		return OrderEvent{}, fmt.Errorf("webhook: order %d: write_date is required (it identifies the change)", o.ID)
	}
	if o.DateOrder.IsZero() {
		return OrderEvent{}, fmt.Errorf("webhook: order %d: date_order is required", o.ID)
	}
	op := OrderPayload{
		ID:        o.ID,
		Name:      o.Name,
		State:     o.State,
		DateOrder: rfc3339(o.DateOrder),
		WriteDate: rfc3339(o.WriteDate),
		Customer:  o.Customer,
		Company:   o.Company,
		Currency:  o.Currency,
		Amounts:   Amounts{Untaxed: o.AmountUntaxed, Tax: o.AmountTax, Total: o.AmountTotal},
		Warehouse: o.Warehouse,
		Lines:     make([]LinePayload, 0, len(o.Lines)),
	}
	if o.ClientOrderRef != "" {
		op.ClientOrderRef = &o.ClientOrderRef
	}
	if o.CommitmentDate != nil && !o.CommitmentDate.IsZero() {
		s := rfc3339(*o.CommitmentDate)
		op.CommitmentDate = &s
	}
	for _, l := range o.Lines {
		lp := LinePayload{
			ID:           l.ID,
			Product:      Ref{ID: l.ProductID, Name: l.ProductName},
			Quantity:     l.Quantity,
			UoM:          l.UoM,
			QtyDelivered: l.QtyDelivered,
			PriceUnit:    l.PriceUnit,
			Discount:     l.Discount,
			Subtotal:     l.Subtotal,
			Total:        l.Total,
		}
		if l.SKU != "" {
			sku := l.SKU
			lp.SKU = &sku
		}
		op.Lines = append(op.Lines, lp)
	}
	ev := Event{
		Type:      p.Type,
		Timestamp: rfc3339(o.WriteDate),
		Data:      EventData{SchemaVersion: SchemaVersion, Connection: p.Connection, Order: op},
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return OrderEvent{}, fmt.Errorf("webhook: encode order %d event: %w", o.ID, err)
	}
	content, err := OrderContentHash(op)
	if err != nil {
		return OrderEvent{}, err
	}
	return OrderEvent{
		ID:        EventID(p.Database, o.ID, o.WriteDate, content),
		Type:      p.Type,
		WriteDate: o.WriteDate.UTC(),
		Body:      body,
	}, nil
}
