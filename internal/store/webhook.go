package store

import "time"

// WebhookDelivery is a row of webhook_deliveries: one order event and its delivery state.
type WebhookDelivery struct {
	ID            int64
	EventID       string // the webhook-id: derived from (Odoo database, order, version, content of the order)
	EventType     string
	ConnectionID  int64
	OrderID       int64
	OrderName     string
	WriteDate     time.Time // the order version the event describes
	Payload       []byte    // the exact body that is signed and sent
	State         DeliveryState
	Attempts      int
	NextAttemptAt *time.Time
	LastAttemptAt *time.Time
	LastStatus    int
	LastError     string
	DeliveredAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// WebhookDeliveryForAttempt is what one delivery attempt reads.
type WebhookDeliveryForAttempt struct {
	Delivery   *WebhookDelivery
	Connection *Connection
	// EarlierPending counts pending deliveries of the same connection and order with an older version (or the
	// same version and a smaller id): they are sent first.
	EarlierPending int
	// EarlierNextAttemptAt is the earliest next_attempt_at among them (nil when there are none).
	EarlierNextAttemptAt *time.Time
}

// DeliveryState is the state of a webhook delivery (webhook_deliveries.state): the one set of delivery states the
// store, the delivery worker, the commands and the dashboard share.
type DeliveryState string

// Delivery states. Only pending deliveries are sent; the others are terminal until a person acts.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryDead is the dead letter: attempts exhausted or a permanent failure. Kept and visible; a person
	// can retry it (set pending, attempts 0, enqueue) or discard it, singly or in bulk.
	DeliveryDead DeliveryState = "dead"
	// DeliveryDiscarded was dropped by hand.
	DeliveryDiscarded DeliveryState = "discarded"
)

type WebhookDeliveryInsertParams struct {
	EventID      string
	EventType    string
	ConnectionID int64
	OrderID      int64
	OrderName    string
	WriteDate    time.Time
	Payload      []byte
	CreatedAt    time.Time
}

type WebhookDeliveryListParams struct {
	ConnectionID int64           // 0 = all
	States       []DeliveryState // empty = all
	Limit        int
	// AfterID, when set, lists only deliveries with a greater id (the list is by id): the next page.
	AfterID int64
	// Attempted lists only deliveries attempted at least once (failing or dead, with States).
	Attempted bool
}

// WebhookDeliveryAttemptParams records one attempt and the delivery's new state.
type WebhookDeliveryAttemptParams struct {
	DeliveryID    int64
	Attempt       int
	StartedAt     time.Time
	Duration      time.Duration
	Status        int
	Error         string
	Response      string
	State         DeliveryState
	NextAttemptAt *time.Time
}

// WebhookDeliveryStateSetParams moves deliveries to a state by hand (retry, discard).
type WebhookDeliveryStateSetParams struct {
	IDs           []int64
	State         DeliveryState
	ResetAttempts bool // retrying a dead delivery gives it a fresh budget of attempts
	OnlyStates    []DeliveryState
}

// WebhookAttempt is a row of webhook_attempts.
type WebhookAttempt struct {
	ID           int64
	DeliveryID   int64
	EventID      string
	EventType    string
	ConnectionID int64
	OrderName    string
	Attempt      int
	StartedAt    time.Time
	Duration     time.Duration
	Status       int
	Error        string
}

type WebhookAttemptListParams struct {
	ConnectionID int64
	Limit        int
}

// WebhookQueueStat is one connection's webhook queue at a moment.
type WebhookQueueStat struct {
	ConnectionID    int64
	ConnectionName  string
	Pending         int64
	Failing         int64      // of the pending ones, those attempted at least once (waiting for a retry)
	Dead            int64      // dead-lettered: waiting for a person to retry or discard them
	OldestCreatedAt *time.Time // created_at of the oldest pending delivery; nil when none is pending
}
