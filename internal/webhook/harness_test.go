package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	_ "modernc.org/sqlite"
)

// runner is what the tests use of a Queue, whatever its transaction type.
type runner interface {
	MigrateRiver(ctx context.Context) error
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Enqueue(ctx context.Context, deliveryIDs ...int64) error
	Drain(ctx context.Context, maxWait time.Duration) (DrainResult, error)
	Replay(ctx context.Context, deliveryIDs ...int64) error
	Pending(ctx context.Context) (PendingCounts, error)
}

var (
	_ runner = (*Queue[*sql.Tx])(nil)
	_ runner = (*Queue[pgx.Tx])(nil)
)

// backend opens a fresh database and returns a factory of queues on it (several queues on one database
// simulate restarts and second daemons).
type backend struct {
	name string
	open func(tb testing.TB) func(tb testing.TB, cfg QueueConfig) runner
}

func backends(tb testing.TB) []backend {
	bs := []backend{{name: "sqlite", open: openSQLiteBackend}}
	if os.Getenv("SALESENGINE_TEST_POSTGRES_URL") != "" {
		bs = append(bs, backend{name: "postgres", open: openPostgresBackend})
	} else if t, ok := tb.(*testing.T); ok {
		t.Log("SALESENGINE_TEST_POSTGRES_URL unset: PostgreSQL variants skipped")
	}
	return bs
}

func quietLogger() *slog.Logger {
	if os.Getenv("WEBHOOK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func openSQLiteDB(tb testing.TB) *sql.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "webhook.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		tb.Fatal(err)
	}
	// River's SQLite driver recommends a single connection to avoid SQLITE_BUSY between its concurrent parts.
	conns := 1
	if v, err := strconv.Atoi(os.Getenv("WEBHOOK_BENCH_SQLITE_CONNS")); err == nil && v > 0 {
		conns = v // exploring the benchmark only
	}
	db.SetMaxOpenConns(conns)
	tb.Cleanup(func() { db.Close() })
	return db
}

func openSQLiteBackend(tb testing.TB) func(testing.TB, QueueConfig) runner {
	db := openSQLiteDB(tb)
	return func(tb testing.TB, cfg QueueConfig) runner {
		q, err := NewSQLiteQueue(db, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		if err := q.MigrateRiver(context.Background()); err != nil {
			tb.Fatal(err)
		}
		return q
	}
}

// openPostgresDB creates a database of its own for the test and drops it afterwards.
func openPostgresDB(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	base := os.Getenv("SALESENGINE_TEST_POSTGRES_URL")
	if base == "" {
		tb.Skip("SALESENGINE_TEST_POSTGRES_URL unset")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", "SALESENGINE_TEST_POSTGRES_URL", err)
	}
	name := fmt.Sprintf("webhook_test_%d_%d", time.Now().UnixNano(), rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		tb.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		pool.Close()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
		admin.Close(ctx)
	})
	return pool
}

func openPostgresBackend(tb testing.TB) func(testing.TB, QueueConfig) runner {
	pool := openPostgresDB(tb)
	return func(tb testing.TB, cfg QueueConfig) runner {
		q, err := NewPostgresQueue(pool, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		if err := q.MigrateRiver(context.Background()); err != nil {
			tb.Fatal(err)
		}
		return q
	}
}

// hit is one request an endpoint received, verified with the official Standard Webhooks library.
type hit struct {
	ID     string
	Body   []byte
	Status int
	At     time.Time
}

// endpoint is a loopback receiver that verifies every request with the official library and answers what
// respond decides (called with the 1-based call number of this webhook-id).
type endpoint struct {
	srv *httptest.Server

	mu        sync.Mutex
	hits      []hit
	perID     map[string]int
	badSig    int
	delivered map[string]bool
}

func newEndpoint(tb testing.TB, secret string, respond func(call int, id string, w http.ResponseWriter, r *http.Request) int) *endpoint {
	tb.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		tb.Fatal(err)
	}
	e := &endpoint{perID: map[string]int{}, delivered: map[string]bool{}}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			e.mu.Lock()
			e.badSig++
			e.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(HeaderID)
		e.mu.Lock()
		e.perID[id]++
		call := e.perID[id]
		e.mu.Unlock()
		status := http.StatusOK
		if respond != nil {
			status = respond(call, id, w, r)
		}
		e.mu.Lock()
		e.hits = append(e.hits, hit{ID: id, Body: body, Status: status, At: time.Now()})
		if status/100 == 2 {
			e.delivered[id] = true
		}
		e.mu.Unlock()
		w.WriteHeader(status)
	}))
	tb.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) snapshot() (hits []hit, badSig int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]hit(nil), e.hits...), e.badSig
}

func (e *endpoint) deliveredCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.delivered)
}

// testQueueConfig is a fast configuration for tests: loopback allowed, short retries.
func testQueueConfig(ds Deliveries) QueueConfig {
	return QueueConfig{
		Deliveries:   ds,
		AllowPrivate: true,
		Timeout:      5 * time.Second,
		Retry: RetryPolicy{
			Schedule:    []time.Duration{20 * time.Millisecond, 40 * time.Millisecond},
			MaxAttempts: DefaultMaxAttempts,
		},
		MaxWorkers: 20,
		Logger:     quietLogger(),
	}
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func (e *endpoint) wasDelivered(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.delivered[id]
}
