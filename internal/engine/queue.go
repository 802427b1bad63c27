package engine

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/webhook"
)

// deliveryQueue is the durable webhook queue on whichever database the store uses.
type deliveryQueue interface {
	Enqueue(ctx context.Context, deliveryIDs ...int64) error
	Replay(ctx context.Context, deliveryIDs ...int64) error
	Drain(ctx context.Context, maxWait time.Duration) (webhook.DrainResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Worker() *webhook.Worker
}

func newQueue(s store.Store, ob webhook.Deliveries, w WebhookSettings, log *slog.Logger) (deliveryQueue, error) {
	retry := webhook.DefaultRetryPolicy()
	retry.MaxAttempts = w.MaxAttempts
	cfg := webhook.QueueConfig{Deliveries: ob, Timeout: w.Timeout, AllowPrivate: w.AllowPrivate, Retry: retry, Breaker: w.Breaker,
		EndpointConcurrency: w.Concurrency, MaxWorkers: w.Workers, RescueAfter: w.RescueAfter, Logger: log}
	if pg, ok := s.(*postgres.Store); ok {
		return webhook.NewPostgresQueue(pg.Pool, cfg)
	}
	return webhook.NewSQLiteQueue(s.DB(), cfg)
}

// RiverMigration brings the webhook queue's tables (River's) up to date, under the store's migration lock: give
// it to the store's MigrationApply. log is River's logger.
func RiverMigration(s store.Store, log *slog.Logger) store.ForeignMigration {
	return func(ctx context.Context, tx *sql.Tx) ([]store.Migration, error) {
		var applied []webhook.RiverMigration
		var err error
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
