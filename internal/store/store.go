// Package store defines Sales Engine's storage interface. Each database has its own driver package
// (store/sqlite, store/postgres) and every driver passes the one conformance suite in store/storetest.
//
// Method names are noun first (ConnectionInsert, MigrationStatus) and take params structs, so a reader finds
// every operation on a table by the table's name.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrAlreadyExists is returned when a unique key (a connection's name, say) is already taken.
var ErrAlreadyExists = errors.New("already exists")

// Dialect names a driver's SQL dialect.
type Dialect string

const (
	DialectSQLite   Dialect = "sqlite"
	DialectPostgres Dialect = "postgres"
)

// Store is a database holding Sales Engine's data.
type Store interface {
	Executor

	// Tx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
	Tx(ctx context.Context, fn func(tx Executor) error) error

	// MigrationApply applies every embedded migration the database lacks and returns those it applied. It
	// refuses a database whose schema is newer than this binary knows (ErrSchemaTooNew).
	MigrationApply(ctx context.Context) ([]Migration, error)
	// MigrationStatus lists the known migrations and whether each is applied.
	MigrationStatus(ctx context.Context) ([]Migration, error)

	Dialect() Dialect
	// DB is the underlying pool, for ad-hoc queries (tests, the users' own SQL) and for libraries that take one.
	DB() *sql.DB
	Ping(ctx context.Context) error
	Close() error
}

// Executor holds the operations that run alike on the database or inside a transaction.
type Executor interface {
	ConnectionInsert(ctx context.Context, params *ConnectionInsertParams) (*Connection, error)
	ConnectionGet(ctx context.Context, id int64) (*Connection, error)
	ConnectionGetByName(ctx context.Context, name string) (*Connection, error)
	ConnectionList(ctx context.Context, params *ConnectionListParams) ([]*Connection, error)
	ConnectionUpdate(ctx context.Context, params *ConnectionUpdateParams) (*Connection, error)
	ConnectionDelete(ctx context.Context, id int64) error
}

// Migration is one versioned schema change.
type Migration struct {
	Version   int
	Name      string
	Applied   bool
	AppliedAt time.Time // zero when not applied
}

// ErrSchemaTooNew is returned when the database was migrated by a newer Sales Engine.
type ErrSchemaTooNew struct {
	DatabaseVersion int
	BinaryVersion   int
}

func (e *ErrSchemaTooNew) Error() string {
	return "database schema is at version " + itoa(e.DatabaseVersion) + " but this salesengine knows only up to " +
		itoa(e.BinaryVersion) + ": upgrade salesengine (an older binary must not write to a newer schema)"
}
