// Package sqlstore is the SQL both drivers share. A driver (store/sqlite, store/postgres) opens its database,
// embeds its own migrations and supplies a Dialect for the few places where the engines differ: placeholders,
// how a timestamp is bound, and how a unique violation is reported.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// Dialect is what a driver tells the shared SQL about its engine.
type Dialect interface {
	Name() store.Dialect
	// Rebind rewrites the ?-placeholders of a query into the engine's own.
	Rebind(query string) string
	// Time is the value bound for a timestamp: UTC, in a form the engine sorts and compares correctly.
	Time(t time.Time) any
	// Date is the value bound for a calendar date (forecast_date).
	Date(t time.Time) any
	IsUniqueViolation(err error) bool
	// BeginMigration takes the database's migration lock, waiting for another process that holds it, and
	// starts the transaction Sales Engine's migrations run in.
	BeginMigration(ctx context.Context, db *sql.DB) (*MigrationTx, error)
}

// MigrationTx is the transaction migrations run in, under the migration lock.
type MigrationTx struct {
	Tx *sql.Tx
	// ForeignInTx says that the other components' migrations run in Tx too (SQLite: the lock is Tx's write lock,
	// which no other connection can get meanwhile); otherwise they run after Tx commits, still under the lock
	// (PostgreSQL: an advisory lock held by Tx's connection).
	ForeignInTx bool
	// Release gives the lock back once Tx has ended; nil when ending Tx does.
	Release func()
}

// querier is satisfied by *sql.DB and *sql.Tx, so every Executor method runs alike on both.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Exec implements store.Executor over a pool or a transaction.
type Exec struct {
	q querier
	d Dialect
	// conn is a transaction's connection (nil outside one), for the driver-level bulk writes.
	conn *sql.Conn
	// loads is the store's: whether its database user may create the temporary tables COPY loads into.
	loads *loadState
}

var _ store.Executor = (*Exec)(nil)

func (e *Exec) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return e.q.ExecContext(ctx, e.d.Rebind(query), args...)
}

// A read on the pool (not inside a transaction) is run again on a new connection when the connection is lost
// (store.ConnectionLost: a PostgreSQL restart, a session ended by the server): reading twice does no harm.
// Writes are retried, where that is safe, by the callers that know their whole transaction.

func (e *Exec) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = e.d.Rebind(query)
	if !e.retriesReads(query) {
		return e.q.QueryContext(ctx, query, args...)
	}
	var rows *sql.Rows
	err := store.Retry(ctx, nil, func() error {
		var err error
		rows, err = e.q.QueryContext(ctx, query, args...)
		return err
	})
	return rows, err
}

func (e *Exec) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = e.d.Rebind(query)
	if !e.retriesReads(query) {
		return e.q.QueryRowContext(ctx, query, args...)
	}
	var row *sql.Row
	_ = store.Retry(ctx, nil, func() error {
		row = e.q.QueryRowContext(ctx, query, args...)
		return row.Err() // the query's own error; a missing row shows at Scan
	})
	return row
}

func (e *Exec) retriesReads(query string) bool {
	_, pool := e.q.(*sql.DB)
	return pool && strings.HasPrefix(strings.TrimSpace(query), "SELECT")
}

// atomically runs fn in a transaction of its own, unless e already is a transaction.
func (e *Exec) atomically(ctx context.Context, fn func(e *Exec) error) error {
	db, ok := e.q.(*sql.DB)
	if !ok {
		return fn(e)
	}
	// The transaction's connection is kept for the bulk writes that use the driver directly (COPY, SQLite's
	// multi-row inserts).
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Exec{q: tx, d: e.d, conn: conn, loads: e.loads}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Store implements store.Store for a driver.
type Store struct {
	Exec
	db         *sql.DB
	migrations fs.FS
	closeFn    func() error
	// dedicated runs on the driver's connection of its own, when it has one (Config.Dedicated).
	dedicated *Exec
}

var _ store.Store = (*Store)(nil)

// Config is what a driver hands over to build its Store.
type Config struct {
	DB         *sql.DB
	Dialect    Dialect
	Migrations fs.FS // files named NNNN_name.sql at the root
	// Close releases what the driver opened besides DB (a pgx pool); nil if nothing.
	Close func() error
	// Dedicated, when set, is a pool of its own (one connection) for Store.Dedicated; Close closes it.
	Dedicated *sql.DB
}

func New(cfg Config) *Store {
	s := &Store{Exec: Exec{q: cfg.DB, d: cfg.Dialect, loads: &loadState{}}, db: cfg.DB, migrations: cfg.Migrations, closeFn: cfg.Close}
	s.dedicated = &s.Exec
	if cfg.Dedicated != nil {
		s.dedicated = &Exec{q: cfg.Dedicated, d: cfg.Dialect, loads: s.loads}
		closeMain := s.closeFn
		s.closeFn = func() error {
			err := cfg.Dedicated.Close()
			if closeMain != nil {
				err = errors.Join(err, closeMain())
			}
			return err
		}
	}
	return s
}

func (s *Store) Dedicated() store.Executor { return s.dedicated }

func (s *Store) Dialect() store.Dialect         { return s.d.Name() }
func (s *Store) DB() *sql.DB                    { return s.db }
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) Close() error {
	err := s.db.Close()
	if s.closeFn != nil {
		err = errors.Join(err, s.closeFn())
	}
	return err
}

func (s *Store) Tx(ctx context.Context, fn func(tx store.Executor) error) error {
	return (&Exec{q: s.db, d: s.d, loads: s.loads}).atomically(ctx, func(e *Exec) error { return fn(e) })
}

// RebindDollar turns ? placeholders into $1, $2, ... Our queries never hold a literal '?'.
func RebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}
