// Package postgres is the production store: PostgreSQL through a pgx/v5 connection pool.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the embedded schema migrations of this driver.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// defaultMaxConns is the pool size unless the URL sets pool_max_conns.
const defaultMaxConns = 16

// Store is the PostgreSQL store; Pool is exposed for libraries that speak pgx natively (River).
type Store struct {
	*sqlstore.Store
	Pool *pgxpool.Pool
}

// Open connects to the PostgreSQL server at url and checks that it answers. It does not migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err // pgconn redacts the password in its parse errors
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	// The pool is shared with the webhook queue (River speaks pgx directly): the store's database/sql layer
	// may hold at most half of it, so the queue can always get a connection, and keeps those connections
	// instead of database/sql's default two idle ones.
	half := max(1, int(cfg.MaxConns)/2)
	db.SetMaxOpenConns(half)
	db.SetMaxIdleConns(half)
	// One connection more, outside the pool: serve's heartbeat must not wait behind hundreds of deliveries and
	// passes for one of the pool's connections (with the lease TTL it would cost the process its leases).
	dedicated := stdlib.OpenDB(*cfg.ConnConfig.Copy())
	dedicated.SetMaxOpenConns(1)
	dedicated.SetMaxIdleConns(1)
	s := sqlstore.New(sqlstore.Config{DB: db, Dialect: dialect{}, Migrations: Migrations(), Dedicated: dedicated,
		Close: func() error { pool.Close(); return nil }})
	return &Store{Store: s, Pool: pool}, nil
}

type dialect struct{}

var (
	_ sqlstore.Dialect = dialect{}
	_ sqlstore.Copier  = dialect{}
)

func (dialect) Name() store.Dialect    { return store.DialectPostgres }
func (dialect) Rebind(q string) string { return sqlstore.RebindDollar(q) }
func (dialect) Time(t time.Time) any   { return t.UTC() }
func (dialect) Date(t time.Time) any {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// CopyFrom runs a COPY ... FROM STDIN on conn's pgx connection (inside the transaction conn holds).
func (dialect) CopyFrom(ctx context.Context, conn *sql.Conn, query string, data io.Reader) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs a pgx connection, not %T", dc)
		}
		_, err := c.Conn().PgConn().CopyFrom(ctx, data, query)
		return err
	})
}

// migrationLockKey is an arbitrary constant naming Sales Engine's migration advisory lock.
const migrationLockKey = 7_246_150_001

// BeginMigration takes the migration lock, a session advisory lock, on a connection of its own and keeps it
// until Release: River's migrations, which run on the pool after ours commit, are covered too. A process that
// starts meanwhile waits in pg_advisory_lock; if this one dies, the server drops its lock with its connection.
func (dialect) BeginMigration(ctx context.Context, db *sql.DB) (*sqlstore.MigrationTx, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		_ = conn.Close()
		return nil, err
	}
	release := func() {
		// Given back even when ctx has ended; if that fails, closing the connection drops the lock.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock($1)`, migrationLockKey); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, err
	}
	return &sqlstore.MigrationTx{Tx: tx, Release: release}, nil
}

func (dialect) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// ErrorCode returns the PostgreSQL SQLSTATE carried by err, or "".
func ErrorCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
