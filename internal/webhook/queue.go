package webhook

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// JobTimeoutMargin is what a delivery job may take beyond its request timeout (ds reads and writes).
const JobTimeoutMargin = 5 * time.Second

// QueueName is the River queue the delivery jobs run in.
const QueueName = "webhooks"

// QueueConfig configures a delivery queue. Zero fields take the defaults.
type QueueConfig struct {
	Deliveries Deliveries
	// Timeout is the per-request timeout (default 15 s).
	Timeout time.Duration
	// AllowPrivate lets deliveries reach private/loopback/link-local addresses (SALESENGINE_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivate bool
	Retry        RetryPolicy
	Breaker      BreakerPolicy
	// MaxWorkers is the number of deliveries in progress in this process (default 500). An attempt spends most
	// of its time waiting: for its batch of ds reads and writes, for a slot of its endpoint, for River's
	// completer. More workers make bigger batches; 100 capped a local receiver at 3,300 deliveries/s on
	// PostgreSQL, 500 reached 6,000. A job that waits over a second for its endpoint snoozes and frees its worker.
	MaxWorkers int
	// EndpointConcurrency limits simultaneous requests to one endpoint host (default 16).
	EndpointConcurrency int
	// FetchCooldown and FetchPollInterval tune how fast River picks up jobs (defaults 10 ms, and 100 ms on
	// PostgreSQL, 1 s on SQLite). River's own defaults (100 ms, 1 s) cap throughput (one fetch per cooldown) and,
	// on PostgreSQL, put idle-queue p99 latency near the poll interval, because insert notifications are
	// rate-limited and some inserts wait for the poll. On SQLite the client inserting a job fetches at once (see
	// NewSQLiteQueue): the poll finds only jobs made due by other processes and retries come due.
	FetchCooldown     time.Duration
	FetchPollInterval time.Duration
	// RescueAfter is how long a delivery job may stay running before it is presumed lost (its process was
	// killed mid-request) and run again, with the same webhook-id (default Timeout + 30 s).
	RescueAfter time.Duration
	Logger      *slog.Logger
}

// Queue is the durable delivery queue: a River client with the delivery worker. TTx is the transaction type of
// the database driver (*sql.Tx for SQLite, pgx.Tx for PostgreSQL).
type Queue[TTx any] struct {
	client *river.Client[TTx]
	driver riverdriver.Driver[TTx]
	worker *Worker
	sender *Sender
	log    *slog.Logger
}

// NewSQLiteQueue builds a queue on a SQLite database (modernc.org/sqlite through database/sql). The pool should
// use WAL and a busy timeout; River's driver documentation recommends db.SetMaxOpenConns(1) to avoid
// SQLITE_BUSY, which also serializes the ds's own queries with River's.
func NewSQLiteQueue(db *sql.DB, cfg QueueConfig) (*Queue[*sql.Tx], error) {
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = time.Second
	}
	return newQueue[*sql.Tx](pollOnlySQLite{riversqlite.New(db)}, cfg)
}

// pollOnlySQLite is River's SQLite driver with its client run poll-only. SQLite has no LISTEN/NOTIFY;
// riversqlite (v0.49.0) imitates it with a table its listener reads every 50 ms, 20 queries a second whatever
// the load: most of what River cost an idle serve. A driver without a listener makes River fetch every
// FetchPollInterval instead, and at once (after FetchCooldown) for the jobs this very client inserts outside a
// transaction (Client.InsertMany, which Enqueue and Replay use), which were the only ones the notifications
// carried fast: jobs inserted by another process, made due by JobRetry or by River's scheduler (retries) wait
// for the poll. The driver interface is River's ("API is not stable"): check this at each River upgrade.
type pollOnlySQLite struct{ *riversqlite.Driver }

func (pollOnlySQLite) SupportsListener() bool     { return false }
func (pollOnlySQLite) SupportsListenNotify() bool { return false }

// NewPostgresQueue builds a queue on PostgreSQL (pgx/v5 pool).
func NewPostgresQueue(pool *pgxpool.Pool, cfg QueueConfig) (*Queue[pgx.Tx], error) {
	return newQueue[pgx.Tx](riverpgxv5.New(pool), cfg)
}

func newQueue[TTx any](driver riverdriver.Driver[TTx], cfg QueueConfig) (*Queue[TTx], error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 500
	}
	if cfg.FetchCooldown <= 0 {
		cfg.FetchCooldown = 10 * time.Millisecond
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = 100 * time.Millisecond
	}
	if cfg.FetchPollInterval < cfg.FetchCooldown {
		cfg.FetchPollInterval = cfg.FetchCooldown
	}
	if cfg.Breaker.ProbeLease <= 0 {
		// A probe can take at most one request timeout; after that another may go.
		cfg.Breaker.ProbeLease = cmp.Or(cfg.Timeout, DefaultTimeout) + 15*time.Second
	}
	sender := NewSender(SenderConfig{Timeout: cfg.Timeout, AllowPrivate: cfg.AllowPrivate, MaxIdleConnsPerHost: max(cfg.EndpointConcurrency, 16)})
	worker, err := NewWorker(WorkerConfig{
		Deliveries:          cfg.Deliveries,
		Sender:              sender,
		Retry:               cfg.Retry,
		Breaker:             cfg.Breaker,
		EndpointConcurrency: cfg.EndpointConcurrency,
		Logger:              cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, worker); err != nil {
		return nil, fmt.Errorf("webhook: register worker: %w", err)
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{QueueName: {MaxWorkers: cfg.MaxWorkers}},
		Workers:           workers,
		FetchCooldown:     cfg.FetchCooldown,
		FetchPollInterval: cfg.FetchPollInterval,
		Logger:            cfg.Logger,
		// A job whose process died mid-request is rescued (and re-sent with the same webhook-id) once it has
		// been running longer than any attempt can take.
		RescueStuckJobsAfter: cmp.Or(cfg.RescueAfter, sender.timeout+30*time.Second),
		// One attempt is a request (bounded by the sender's timeout) plus a few ds queries.
		JobTimeout: sender.timeout + JobTimeoutMargin,
		// River errors only come from ds failures; keep trying for a long while (River's backoff is
		// attempt^4 s, 25 attempts span about three weeks).
		MaxAttempts: 25,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: create River client: %w", err)
	}
	return &Queue[TTx]{client: client, driver: driver, worker: worker, sender: sender, log: cfg.Logger}, nil
}

// MigrateRiver applies River's own migrations (its job, leader, queue tables) up to the latest version. Run it
// before Start; it is idempotent. It takes no lock against another process migrating at the same time: the
// commands migrate River through the ds's MigrationApply instead (MigrateRiverSQLiteTx, MigrateRiverPostgres).
func (q *Queue[TTx]) MigrateRiver(ctx context.Context) error {
	m, err := rivermigrate.New(q.driver, &rivermigrate.Config{Logger: q.log})
	if err != nil {
		return fmt.Errorf("webhook: River migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("webhook: River migrations: %w", err)
	}
	return nil
}

// RiverMigration is one of River's own schema migrations.
type RiverMigration struct {
	Version int
	Name    string
}

func riverMigrations(res *rivermigrate.MigrateResult) []RiverMigration {
	out := make([]RiverMigration, len(res.Versions))
	for i, v := range res.Versions {
		out[i] = RiverMigration{Version: v.Version, Name: v.Name}
	}
	return out
}

// MigrateRiverSQLiteTx applies River's migrations on the SQLite database db inside tx, the ds's migration
// transaction: its write lock is what keeps two processes from migrating at once, so River's changes must go
// through it (a connection of their own would wait for that very lock).
func MigrateRiverSQLiteTx(ctx context.Context, db *sql.DB, tx *sql.Tx, log *slog.Logger) ([]RiverMigration, error) {
	m, err := rivermigrate.New(riversqlite.New(db), &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("webhook: River migrator: %w", err)
	}
	// MigrateTx is deprecated because some of River's PostgreSQL migrations cannot share one transaction; its
	// SQLite ones can (River runs each in a transaction, nested ones as savepoints).
	res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("webhook: River migrations: %w", err)
	}
	return riverMigrations(res), nil
}

// MigrateRiverPostgres applies River's migrations on PostgreSQL, each in its own transaction, as River wants.
// Run it while holding the ds's migration lock.
func MigrateRiverPostgres(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) ([]RiverMigration, error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("webhook: River migrator: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("webhook: River migrations: %w", err)
	}
	return riverMigrations(res), nil
}

// Client exposes the River client (job listing, subscriptions).
func (q *Queue[TTx]) Client() *river.Client[TTx] { return q.client }

// Worker exposes the delivery worker (CircuitReset).
func (q *Queue[TTx]) Worker() *Worker { return q.worker }

// Start starts working jobs until Stop or StopAndCancel. The client runs detached from ctx's cancellation and
// deadline (ctx's values are kept): River v0.49.0's notifier loops forever on a Start context that ends by
// deadline (it only treats context.Canceled as a stop), so stopping is done explicitly.
func (q *Queue[TTx]) Start(ctx context.Context) error {
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("webhook: start River client: %w", err)
	}
	return nil
}

// Stop waits for running attempts to finish, then stops.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	defer q.sender.Close()
	return q.client.Stop(ctx)
}

// StopAndCancel interrupts running attempts (they do not count and are resent by the next client), then stops.
func (q *Queue[TTx]) StopAndCancel(ctx context.Context) error {
	defer q.sender.Close()
	return q.client.StopAndCancel(ctx)
}

// uniqueOpts keep at most one live job per delivery, so re-enqueueing (replay, start-up sweep of pending
// deliveries) never sends a delivery twice at once. Finished jobs do not block a later replay.
var uniqueOpts = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	},
}

func insertParams(ids []int64) []river.InsertManyParams {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{
			Args:       DeliverArgs{DeliveryID: id},
			InsertOpts: &river.InsertOpts{Queue: QueueName, UniqueOpts: uniqueOpts},
		}
	}
	return params
}

// Enqueue makes sure each delivery has a job, without disturbing existing ones: a delivery whose job is
// waiting for a scheduled retry keeps its schedule. Use it for the start-up sweep of pending deliveries (a job
// can be lost only if River gives up on it after repeated ds errors). For "send now", use Replay.
func (q *Queue[TTx]) Enqueue(ctx context.Context, deliveryIDs ...int64) error {
	if len(deliveryIDs) == 0 {
		return nil
	}
	if _, err := q.client.InsertMany(ctx, insertParams(deliveryIDs)); err != nil {
		return fmt.Errorf("webhook: enqueue %d deliveries: %w", len(deliveryIDs), err)
	}
	return nil
}

// Replay makes each delivery due now: after re-enabling a webhook (deliveries parked while it was disabled),
// or for dead letters a person retries. The caller first sets the deliveries back to pending in the ds and
// clears next_attempt_at (and, for dead letters, resets attempts). A waiting job is pulled forward; a job that
// is running right now is waited for (it may be finishing on the old state) and then the delivery gets a new job.
func (q *Queue[TTx]) Replay(ctx context.Context, deliveryIDs ...int64) error {
	todo := deliveryIDs
	for len(todo) > 0 {
		res, err := q.client.InsertMany(ctx, insertParams(todo))
		if err != nil {
			return fmt.Errorf("webhook: replay %d deliveries: %w", len(todo), err)
		}
		var running []int64
		for i, r := range res {
			if !r.UniqueSkippedAsDuplicate {
				continue
			}
			switch r.Job.State {
			case rivertype.JobStateRunning:
				running = append(running, todo[i])
			case rivertype.JobStateScheduled, rivertype.JobStateRetryable:
				if _, err := q.client.JobRetry(ctx, r.Job.ID); err != nil {
					return fmt.Errorf("webhook: replay delivery %d: make job %d available: %w", todo[i], r.Job.ID, err)
				}
			}
		}
		todo = running
		if len(todo) > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("webhook: replay: waiting for %d running jobs: %w", len(todo), ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// EnqueueTx schedules delivery jobs inside the caller's transaction (the transactional outbox: the event, its
// delivery rows and their jobs commit or roll back with the order rows that caused them).
func (q *Queue[TTx]) EnqueueTx(ctx context.Context, tx TTx, deliveryIDs ...int64) error {
	if len(deliveryIDs) == 0 {
		return nil
	}
	if _, err := q.client.InsertManyTx(ctx, tx, insertParams(deliveryIDs)); err != nil {
		return fmt.Errorf("webhook: enqueue %d deliveries in transaction: %w", len(deliveryIDs), err)
	}
	return nil
}

// DrainResult says what a bounded drain left behind.
type DrainResult struct {
	// Idle is true when no delivery job was due or running at the end.
	Idle bool
	// Scheduled counts jobs waiting for a later retry (they are not waited for).
	Scheduled int
}

// Drain works the queue until no job is due (available, running, or scheduled up to now) or maxWait passes,
// then stops the client gracefully. Jobs scheduled for a later retry are left for the next run. It is what
// `salesengine deliver --wait 30s` and the end of `sync` use. The queue must not be started already.
func (q *Queue[TTx]) Drain(ctx context.Context, maxWait time.Duration) (DrainResult, error) {
	if err := q.Start(ctx); err != nil {
		return DrainResult{}, err
	}
	deadline := time.Now().Add(maxWait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var res DrainResult
	var checkErr error
	for {
		counts, err := q.Pending(ctx)
		if err != nil {
			checkErr = err
			break
		}
		res.Scheduled = counts.Scheduled
		if counts.Due == 0 {
			res.Idle = true
			break
		}
		if !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			checkErr = ctx.Err()
		case <-tick.C:
			continue
		}
		break
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), q.sender.timeout+5*time.Second)
	defer cancel()
	if err := q.Stop(stopCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return res, errors.Join(checkErr, fmt.Errorf("webhook: stop River client: %w", err))
	}
	return res, checkErr
}

// PendingCounts counts live delivery jobs.
type PendingCounts struct {
	// Due jobs are available, running, or scheduled up to now.
	Due int
	// Scheduled jobs wait for a later retry (or an open circuit, or an earlier change of the same order).
	Scheduled int
}

// Pending counts live delivery jobs (for status output and Drain).
func (q *Queue[TTx]) Pending(ctx context.Context) (PendingCounts, error) {
	var due, scheduled int
	now := time.Now()
	var cursor *river.JobListCursor
	for {
		params := river.NewJobListParams().Kinds(JobKind).
			States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStatePending,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled).
			First(1000)
		if cursor != nil {
			params = params.After(cursor)
		}
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return PendingCounts{}, fmt.Errorf("webhook: list delivery jobs: %w", err)
		}
		for _, j := range res.Jobs {
			switch j.State {
			case rivertype.JobStateScheduled, rivertype.JobStateRetryable:
				if j.ScheduledAt.After(now) {
					scheduled++
					continue
				}
			}
			due++
		}
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			return PendingCounts{Due: due, Scheduled: scheduled}, nil
		}
		cursor = res.LastCursor
	}
}
