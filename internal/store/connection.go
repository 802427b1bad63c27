package store

import (
	"strconv"
	"time"
)

// Connection is one Odoo instance Sales Engine syncs from, and where its order webhooks go. Secrets are held
// only as ciphertext here: the store never sees a plaintext API key or webhook secret.
type Connection struct {
	ID                     int64
	Name                   string
	URL                    string
	Database               string
	Username               string
	APIKeyEncrypted        string
	Protocol               string // auto, json2, jsonrpc, xmlrpc
	WebhookURL             string // empty: no webhooks for this connection
	WebhookSecretEncrypted string
	// WebhookSecretPreviousEncrypted is the secret being rotated out; while set, deliveries carry both
	// signatures so receivers can switch at their own pace.
	WebhookSecretPreviousEncrypted string
	PollInterval                   time.Duration
	Active                         bool
	// WebhookEnabled turns false when the endpoint answers 410 Gone; events keep accumulating.
	WebhookEnabled bool
	ServerVersion  string // as last detected by a sync or test
	// Circuit breaker of the webhook endpoint, persisted so a restart does not hammer a dead endpoint.
	CircuitState     string // closed, open, half_open
	CircuitFailures  int
	CircuitOpenedAt  *time.Time
	CircuitNextProbe *time.Time
	// Circuit breaker of the Odoo side: OdooCircuitFailures consecutive passes failed because Odoo was
	// unavailable; open (or half_open: a trial pass runs) until OdooCircuitUntil.
	OdooCircuitState    string // closed, open, half_open
	OdooCircuitFailures int
	OdooCircuitUntil    *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Circuit breaker states stored in connections.circuit_state.
const (
	CircuitClosed   = "closed"
	CircuitOpen     = "open"
	CircuitHalfOpen = "half_open"
)

type ConnectionInsertParams struct {
	Name                   string
	URL                    string
	Database               string
	Username               string
	APIKeyEncrypted        string
	Protocol               string
	WebhookURL             string
	WebhookSecretEncrypted string
	PollInterval           time.Duration
	Active                 bool
}

type ConnectionListParams struct {
	OnlyActive bool
}

// ConnectionUpdateParams changes only the fields that are non-nil.
type ConnectionUpdateParams struct {
	ID                             int64
	Name                           *string
	URL                            *string
	Database                       *string
	Username                       *string
	APIKeyEncrypted                *string
	Protocol                       *string
	WebhookURL                     *string
	WebhookSecretEncrypted         *string
	WebhookSecretPreviousEncrypted *string
	PollInterval                   *time.Duration
	Active                         *bool
	WebhookEnabled                 *bool
	ServerVersion                  *string
	CircuitState                   *string
	CircuitFailures                *int
	CircuitOpenedAt                **time.Time
	CircuitNextProbe               **time.Time
	// OdooCircuitClose closes the Odoo circuit (connections reset-circuit --odoo).
	OdooCircuitClose bool
}

// ConnectionOdooCircuitRecordParams is the outcome of a sync pass, for the Odoo circuit breaker.
type ConnectionOdooCircuitRecordParams struct {
	ID int64
	// OK: the pass succeeded, which closes the circuit. Otherwise Unavailable says whether it failed because
	// Odoo was unavailable (counted); another failure (a bad setting, the database) leaves the count alone.
	OK, Unavailable bool
	// Threshold is the consecutive counted failures that open the circuit; it opens (again) until Until.
	Threshold int
	Now       time.Time
	Until     time.Time
}

func itoa(i int) string { return strconv.Itoa(i) }
