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
	// The Odoo database the stored data came from, recorded by the first sync after the data was empty: the
	// URL and database it was reached at and Odoo's database uuid ("" when unknown). An empty IdentityURL means
	// nothing is recorded yet.
	IdentityURL      string
	IdentityDatabase string
	IdentityUUID     string
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
	IdentityURL                    *string
	IdentityDatabase               *string
	IdentityUUID                   *string
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

// DataReset is what ConnectionDataReset deleted.
type DataReset struct {
	Orders, Items, Products, Inventory int64
	// Forecast counts forecast and forecast_stats rows, Plan production_forecast rows: they were computed from
	// the deleted sales.
	Forecast, Plan int64
	// ForecastRuns counts the kept past forecast runs (forecast_runs; their forecast_snapshots rows go with them).
	ForecastRuns int64
	Cursors      int64 // sync_state rows: the next sync is an initial one
	Supply       int64 // rows of the supply tables (store.SupplyTables)
	StockMoves   int64 // stock_moves rows
	// PendingEvents are webhook deliveries not yet delivered nor given up (state pending, retries included).
	PendingEvents int64
}

// DataCount is what ConnectionDataCount counts.
type DataCount struct {
	Orders, Items int64
	SKUs          int64 // distinct SKUs of the order lines
	StockMoves    int64 // stock_moves rows, removed ones too
	Products      int64
	Inventory     int64 // inventory rows
	Supply        int64 // rows of the supply tables (SupplyTables), removed ones too
	ForecastRuns  int64 // kept forecast runs (forecast_runs; their snapshots go with them)
	Forecast      int64 // forecast rows
	Plan          int64 // production_forecast rows
	Overrides     int64 // forecast_overrides rows (every change, history included)
	Deliveries    int64 // webhook deliveries, in every state
	SyncLogs      int64
}

func itoa(i int) string { return strconv.Itoa(i) }
