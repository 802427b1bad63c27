// Package engine is the application layer between the commands and the stages: it runs the pipeline (sync,
// webhook delivery, forecast, plan) and the state changes around it (retry, discard, circuit resets) on one
// store with typed settings. The CLI's commands and 'serve' call it; it prints nothing, and says what happened
// in result values and through a Reporter.
//
// Methods of one Engine may run at the same time for different connections (each sync pass has its own
// syncer and Odoo client); Deliver and the delivery workers use the one queue and must not overlap.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"

	"github.com/salesengine/salesengine/internal/clock"
	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/metrics"
	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/schedule"
	"github.com/salesengine/salesengine/internal/store"
)

// Engine runs the pipeline's stages on a store.
type Engine struct {
	store  store.Store
	set    Settings
	conns  *connections.Manager
	outbox *outbox.Outbox
	queue  deliveryQueue // nil without webhook settings
	log    *slog.Logger
	report Reporter
	// metrics, while serving: what passes, deliveries and forecasts are recorded to (nil otherwise).
	metrics *metrics.Metrics
	// clients, while serving: each connection's Odoo client, kept between passes (nil: one per pass).
	clients *clientCache
	// passLocks, while serving: one mutex per connection id, so its passes never overlap in this process.
	passLocks gosync.Map
	// names, while serving: connection names by id, for the delivery metrics (kept by the pollers' refresh).
	names gosync.Map
	// listed, while serving: each active connection as the pollers' last refresh read it (at most 2 s old).
	listed gosync.Map
	// webhookSeen, while serving: each connection's webhook circuit state and enabled flag at the last refresh.
	webhookSeen gosync.Map
	// leases, while serving: the connections this process holds (nil otherwise).
	leases *leaseKeeper
	// clock and fullSync, while serving: the service's clock and its full-sync schedule (nil: never).
	clock    clock.Clock
	fullSync *schedule.Schedule
	// lastFull, while serving: when each connection's last successful full (or initial) pass started, as read
	// from sync_logs (zero: never); dropped when it may have changed.
	lastFull gosync.Map
	// unqueued holds the deliveries a pass committed but could not give a job (the database failed after the
	// commit), until serve's retry enqueues them: without it they would wait for the next start.
	unqueued unqueuedSet
	// accuracy keeps the dashboard's accuracy report a while (AccuracyAll).
	accuracy accuracyCache
}

// Options are what an Engine reports to.
type Options struct {
	Log *slog.Logger // nil: discarded
	// QueueLog is the webhook queue's (River's) logger, which narrates housekeeping (nil: Log).
	QueueLog *slog.Logger
	Reporter Reporter // nil: nothing is reported
}

// Reporter hears from the engine while a stage runs; the CLI prints what it hears ('serve' will log it). Its methods
// may be called from several goroutines at once (passes of different connections).
type Reporter interface {
	// Progress says how far a connection's sync pass is: often, every page.
	Progress(Progress)
	// Synced says that a connection's pass of SyncAll ended: synced, failed or skipped.
	Synced(SyncOutcome)
	// SecretGenerated says that the connection defined by ODOO_* variables got a generated webhook signing
	// secret, which its receiver needs and nobody knows yet.
	SecretGenerated(connection string)
}

type nopReporter struct{}

func (nopReporter) Progress(Progress)      {}
func (nopReporter) Synced(SyncOutcome)     {}
func (nopReporter) SecretGenerated(string) {}

// New builds an engine on an open, migrated store. The webhook queue is built when set.Webhook is loaded.
func New(s store.Store, set Settings, opts Options) (*Engine, error) {
	e := &Engine{store: s, set: set, conns: set.Connections.Manager(s), log: opts.Log, report: opts.Reporter}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.report == nil {
		e.report = nopReporter{}
	}
	e.outbox = &outbox.Outbox{Store: s, Connections: e.conns}
	if set.Webhook != nil {
		queueLog := opts.QueueLog
		if queueLog == nil {
			queueLog = e.log
		}
		var err error
		deliveries := &observedDeliveries{Outbox: e.outbox, e: e, read: map[int64]readDelivery{}}
		if e.queue, err = newQueue(s, deliveries, *set.Webhook, queueLog); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Settings are the engine's settings.
func (e *Engine) Settings() Settings { return e.set }

// notLoaded is the error of a stage called without the settings it needs: a mistake of the caller's.
func notLoaded(section string) error {
	return fmt.Errorf("engine: the %s settings were not loaded", section)
}

// UsageError is a setting, choice or reference given wrongly, with how to give it right (the CLI prints the hint
// and exits 2).
type UsageError struct {
	Msg  string
	Hint string
}

func (e *UsageError) Error() string { return e.Msg }

func usagef(hint, format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// ResolveConnection finds the connection named by an ID or NAME, with a usage error when there is none.
func ResolveConnection(ctx context.Context, s store.Store, ref string) (*store.Connection, error) {
	c, err := (&connections.Manager{Store: s}).Resolve(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, usagef("see 'salesengine connections list'", "no connection %q", ref)
	}
	return c, err
}
