package cli

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/sync"
	"github.com/salesengine/salesengine/internal/webhook"
)

// deliveryQueue is the durable webhook queue on whichever database the store uses.
type deliveryQueue interface {
	MigrateRiver(ctx context.Context) error
	Enqueue(ctx context.Context, deliveryIDs ...int64) error
	Replay(ctx context.Context, deliveryIDs ...int64) error
	Drain(ctx context.Context, maxWait time.Duration) (webhook.DrainResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// runtime is what the working commands share: the store, connections, the outbox and the queue.
type runtime struct {
	store  store.Store
	conns  *connections.Manager
	outbox *outbox.Outbox
	queue  deliveryQueue
}

func (rt *runtime) Close() { rt.store.Close() }

// openRuntime opens and migrates the store (River's tables too) and builds the webhook queue.
func (app *App) openRuntime(ctx context.Context) (*runtime, error) {
	s, err := app.openStore(ctx)
	if err != nil {
		return nil, err
	}
	rt := &runtime{store: s, conns: app.manager(s)}
	rt.outbox = &outbox.Outbox{Store: s, Connections: rt.conns}
	if rt.queue, err = app.newQueue(s, rt.outbox); err != nil {
		s.Close()
		return nil, err
	}
	return rt, nil
}

// riverMigration brings the webhook queue's tables (River's) up to date, under the store's migration lock.
func (app *App) riverMigration(s store.Store) store.ForeignMigration {
	return func(ctx context.Context, tx *sql.Tx) ([]store.Migration, error) {
		log, err := app.queueLogger()
		if err != nil {
			return nil, err
		}
		var applied []webhook.RiverMigration
		if pg, ok := s.(*postgres.Store); ok {
			applied, err = webhook.MigrateRiverPostgres(ctx, pg.Pool, log)
		} else {
			applied, err = webhook.MigrateRiverSQLiteTx(ctx, s.DB(), tx, log)
		}
		if err != nil {
			return nil, fmt.Errorf("migrate the webhook queue tables: %w", err)
		}
		out := make([]store.Migration, len(applied))
		for i, m := range applied {
			out[i] = store.Migration{Component: "river", Version: m.Version, Name: m.Name, Applied: true}
		}
		return out, nil
	}
}

// queueLogger is the logger of River: it narrates its housekeeping at info, kept out of the operator's log
// unless debugging.
func (app *App) queueLogger() (*slog.Logger, error) {
	if app.Log.Enabled(context.Background(), slog.LevelDebug) {
		return app.Log, nil
	}
	return newLogger(app.Stderr, "warn", app.Config.Get("SALESENGINE_LOG_FORMAT"))
}

func (app *App) newQueue(s store.Store, ob *outbox.Outbox) (deliveryQueue, error) {
	timeout, err := app.Config.Duration("SALESENGINE_WEBHOOK_TIMEOUT")
	if err != nil {
		return nil, err
	}
	attempts, err := app.Config.Int("SALESENGINE_WEBHOOK_MAX_ATTEMPTS")
	if err != nil {
		return nil, err
	}
	if attempts < 1 {
		return nil, fmt.Errorf("SALESENGINE_WEBHOOK_MAX_ATTEMPTS=%d must be at least 1", attempts)
	}
	concurrency, err := app.Config.Int("SALESENGINE_WEBHOOK_CONCURRENCY")
	if err != nil {
		return nil, err
	}
	if concurrency < 1 {
		return nil, fmt.Errorf("SALESENGINE_WEBHOOK_CONCURRENCY=%d must be at least 1", concurrency)
	}
	workers, err := app.Config.Int("SALESENGINE_WEBHOOK_WORKERS")
	if err != nil {
		return nil, err
	}
	if workers < 1 {
		return nil, fmt.Errorf("SALESENGINE_WEBHOOK_WORKERS=%d must be at least 1", workers)
	}
	allowPrivate, err := app.Config.Bool("SALESENGINE_WEBHOOK_ALLOW_PRIVATE")
	if err != nil {
		return nil, err
	}
	retry := webhook.DefaultRetryPolicy()
	retry.MaxAttempts = attempts
	queueLog, err := app.queueLogger()
	if err != nil {
		return nil, err
	}
	var rescue time.Duration
	if app.Config.IsSet("SALESENGINE_WEBHOOK_RESCUE_AFTER") {
		if rescue, err = app.Config.Duration("SALESENGINE_WEBHOOK_RESCUE_AFTER"); err != nil {
			return nil, err
		}
		if rescue < timeout+webhook.JobTimeoutMargin {
			return nil, fmt.Errorf("SALESENGINE_WEBHOOK_RESCUE_AFTER=%s must be at least SALESENGINE_WEBHOOK_TIMEOUT + %s (%s), or deliveries still in flight would be sent twice",
				rescue, webhook.JobTimeoutMargin, timeout+webhook.JobTimeoutMargin)
		}
	}
	breaker, err := app.breakerPolicy()
	if err != nil {
		return nil, err
	}
	cfg := webhook.QueueConfig{Deliveries: ob, Timeout: timeout, AllowPrivate: allowPrivate, Retry: retry, Breaker: breaker,
		EndpointConcurrency: concurrency, MaxWorkers: workers, RescueAfter: rescue, Logger: queueLog}
	if pg, ok := s.(*postgres.Store); ok {
		return webhook.NewPostgresQueue(pg.Pool, cfg)
	}
	return webhook.NewSQLiteQueue(s.DB(), cfg)
}

// breakerPolicy reads the webhook circuit breaker settings.
func (app *App) breakerPolicy() (webhook.BreakerPolicy, error) {
	var p webhook.BreakerPolicy
	raw := strings.TrimSpace(app.Config.Get("SALESENGINE_WEBHOOK_CIRCUIT_RATIO"))
	ratio, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(ratio > 0 && ratio <= 1) {
		return p, fmt.Errorf("SALESENGINE_WEBHOOK_CIRCUIT_RATIO=%q must be a fraction above 0 and at most 1 (0.7 is 70%%)", raw)
	}
	window, err := app.Config.Duration("SALESENGINE_WEBHOOK_CIRCUIT_WINDOW")
	if err != nil {
		return p, err
	}
	if window < time.Second {
		return p, fmt.Errorf("SALESENGINE_WEBHOOK_CIRCUIT_WINDOW=%s must be at least 1s", window)
	}
	minReq, err := app.Config.Int("SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS")
	if err != nil {
		return p, err
	}
	if minReq < 1 {
		return p, fmt.Errorf("SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS=%d must be at least 1", minReq)
	}
	cooldown, err := app.circuitCooldown()
	if err != nil {
		return p, err
	}
	return webhook.BreakerPolicy{Ratio: ratio, Window: window, MinRequests: minReq, Cooldown: cooldown}, nil
}

// syncer builds a Syncer from the settings.
func (app *App) syncer(rt *runtime) (*sync.Syncer, error) {
	page, err := app.Config.Int("SALESENGINE_SYNC_PAGE_SIZE")
	if err != nil {
		return nil, err
	}
	if page < 1 || page > 10000 {
		return nil, fmt.Errorf("SALESENGINE_SYNC_PAGE_SIZE=%d must be between 1 and 10000", page)
	}
	durations := map[string]time.Duration{}
	for _, name := range []string{"SALESENGINE_SYNC_LAG", "SALESENGINE_SYNC_RECHECK", "SALESENGINE_RECONCILE_RECENT_EVERY", "SALESENGINE_RECONCILE_EVERY"} {
		d, err := app.Config.Duration(name)
		if err != nil {
			return nil, err
		}
		if d < 0 {
			return nil, fmt.Errorf("%s=%s must not be negative", name, d)
		}
		durations[name] = d
	}
	if durations["SALESENGINE_SYNC_LAG"] == 0 {
		return nil, fmt.Errorf("SALESENGINE_SYNC_LAG must be more than 0s: a cursor at Odoo's own clock misses every transaction still committing")
	}
	recent, every := durations["SALESENGINE_RECONCILE_RECENT_EVERY"], durations["SALESENGINE_RECONCILE_EVERY"]
	if recent == 0 {
		recent = -1 // after every pass
	}
	if every == 0 {
		every = -1 // never by itself
	}
	history, err := app.Config.Bool("SALESENGINE_SEND_HISTORY")
	if err != nil {
		return nil, err
	}
	circuit, err := app.circuitPolicy()
	if err != nil {
		return nil, err
	}
	return &sync.Syncer{Store: rt.store, Outbox: rt.outbox, Log: app.Log, PageSize: page,
		Lag: durations["SALESENGINE_SYNC_LAG"], Recheck: durations["SALESENGINE_SYNC_RECHECK"], RecentEvery: recent,
		ReconcileEvery: every, SendHistory: history, Circuit: circuit}, nil
}

// circuitPolicy reads the Odoo circuit breaker settings.
func (app *App) circuitPolicy() (sync.CircuitPolicy, error) {
	failures, err := app.Config.Int("SALESENGINE_CIRCUIT_FAILURES")
	if err != nil {
		return sync.CircuitPolicy{}, err
	}
	if failures < 1 {
		return sync.CircuitPolicy{}, fmt.Errorf("SALESENGINE_CIRCUIT_FAILURES=%d must be at least 1", failures)
	}
	cooldown, err := app.circuitCooldown()
	return sync.CircuitPolicy{Failures: failures, Cooldown: cooldown}, err
}

// circuitCooldown is SALESENGINE_CIRCUIT_COOLDOWN, which both circuit breakers share.
func (app *App) circuitCooldown() (time.Duration, error) {
	cooldown, err := app.Config.Duration("SALESENGINE_CIRCUIT_COOLDOWN")
	if err != nil {
		return 0, err
	}
	if cooldown <= 0 {
		return 0, fmt.Errorf("SALESENGINE_CIRCUIT_COOLDOWN=%s must be positive", cooldown)
	}
	return cooldown, nil
}

// pendingDeliveries lists the ids of every pending delivery, to (re-)enqueue: a crash between a sync's commit
// and its enqueue leaves deliveries without a job, and this sweep gives them one (enqueueing is idempotent).
func pendingDeliveries(ctx context.Context, s store.Store, connectionID int64) ([]int64, error) {
	ds, err := s.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: connectionID, States: []string{store.DeliveryPending}})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids, nil
}

// deliver enqueues every pending delivery and works the queue for at most wait.
func (app *App) deliver(ctx context.Context, rt *runtime, wait time.Duration) (webhook.DrainResult, error) {
	ids, err := pendingDeliveries(ctx, rt.store, 0)
	if err != nil {
		return webhook.DrainResult{}, err
	}
	if err := rt.queue.Enqueue(ctx, ids...); err != nil {
		return webhook.DrainResult{}, err
	}
	return rt.queue.Drain(ctx, wait)
}
