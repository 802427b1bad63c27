package engine

import (
	"context"
	"net/url"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// ConnectionView is what the dashboard may show of a connection: no secret, and of the webhook URL only its
// scheme and host (receivers often carry a token in the path).
type ConnectionView struct {
	ID             int64
	Name           string
	URL            string
	Database       string
	Protocol       string
	ServerVersion  string
	PollInterval   time.Duration
	Active         bool
	WebhookHost    string // "" without webhooks
	WebhookEnabled bool
	OdooCircuit    CircuitView
	WebhookCircuit CircuitView
}

// CircuitView is one circuit breaker's state as stored.
type CircuitView struct {
	State    string     // closed, open, half_open
	Failures int        // consecutive
	Until    *time.Time // open until (Odoo) or next probe (webhook); nil when closed
}

// Health is a connection's state for the overview: its last passes, circuits, queue and plan.
type Health struct {
	Connection ConnectionView
	LastSync   *store.SyncLog // newest pass, nil: never synced
	LastOK     *time.Time     // when the newest successful pass finished
	// Lag is how long ago the newest successful pass finished (0 when there is none).
	Lag           time.Duration
	Pending       int64
	OldestPending *time.Time
	ForecastAt    *time.Time
	PlanAt        *time.Time
	Priorities    map[string]int64 // of the overview's month, by ALTA, MEDIA, BAJA
	// Holder is the serve process (hostname:pid) that polls the connection now; "": none.
	Holder string
}

// Overview is the dashboard's front page: every connection's health, and this month's priorities.
type Overview struct {
	Month       plan.Month
	Connections []Health
}

// NewConnectionView keeps what may be shown of c.
func NewConnectionView(c *store.Connection) ConnectionView {
	v := ConnectionView{ID: c.ID, Name: c.Name, URL: c.URL, Database: c.Database, Protocol: c.Protocol,
		ServerVersion: c.ServerVersion, PollInterval: c.PollInterval, Active: c.Active, WebhookEnabled: c.WebhookEnabled,
		OdooCircuit:    CircuitView{State: c.OdooCircuitState, Failures: c.OdooCircuitFailures, Until: c.OdooCircuitUntil},
		WebhookCircuit: CircuitView{State: c.CircuitState, Failures: c.CircuitFailures, Until: c.CircuitNextProbe}}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err == nil {
			v.WebhookHost = u.Scheme + "://" + u.Host
		}
	}
	if v.OdooCircuit.State == store.CircuitClosed {
		v.OdooCircuit.Until = nil
	}
	if v.WebhookCircuit.State == store.CircuitClosed {
		v.WebhookCircuit.Until = nil
	}
	return v
}

// Overview reads every connection's health, and the priorities of month's plan, in four queries.
func (e *Engine) Overview(ctx context.Context, month plan.Month, now time.Time) (*Overview, error) {
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{})
	if err != nil {
		return nil, err
	}
	logs, err := e.store.SyncLogLatestList(ctx)
	if err != nil {
		return nil, err
	}
	queue, err := e.store.WebhookQueueStatList(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := e.store.PlanRunList(ctx, month.Year, int(month.Month))
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Health, len(conns))
	o := &Overview{Month: month, Connections: make([]Health, len(conns))}
	for i, c := range conns {
		o.Connections[i] = Health{Connection: NewConnectionView(c), Priorities: map[string]int64{}}
		byID[c.ID] = &o.Connections[i]
	}
	for _, l := range logs {
		if h := byID[l.ConnectionID]; h != nil {
			h.LastSync, h.LastOK, h.Holder = l.Latest, l.LastOK, l.Holder
			if l.LastOK != nil {
				h.Lag = max(now.Sub(*l.LastOK), 0)
			}
		}
	}
	for _, q := range queue {
		if h := byID[q.ConnectionID]; h != nil {
			h.Pending, h.OldestPending = q.Pending, q.OldestCreatedAt
		}
	}
	for _, r := range runs {
		if h := byID[r.ConnectionID]; h != nil {
			h.ForecastAt, h.PlanAt, h.Priorities = r.ForecastAt, r.PlanAt, r.Priorities
		}
	}
	return o, nil
}
