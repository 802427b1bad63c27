// Package sqlite is the embedded default store: one file, through the pure-Go modernc.org/sqlite, in WAL mode.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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

// pragmas: WAL lets readers (the dashboard, a user's sqlite3 shell) work while a sync writes; the busy
// timeout waits for the writer instead of failing; immediate transactions take the write lock up front, so
// two writers queue instead of deadlocking on a lock upgrade.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16000)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// maxConns bounds the connections to the database file.
const maxConns = 4

// Open opens (creating if needed) the SQLite database file at path. It does not migrate.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	if path == "" {
		return nil, errors.New("empty SQLite path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("SQLite path %q contains '?' or '#': rename the file or pick another path", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("SQLite file %s: directory %s does not exist (create it first)", path, dir)
		}
	}
	conn, err := newConnector(path + "?" + pragmas)
	if err != nil {
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	db := sql.OpenDB(conn)
	// Opening a connection runs the pragmas above; database/sql's default of two idle connections made the
	// webhook workers open and close one for nearly every query. SQLite has one writer anyway: a few
	// long-lived connections serve the readers without contention.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var mode string
	if err := db.QueryRowContext(pingCtx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = db.Close()
		return nil, fmt.Errorf("open SQLite file %s: journal mode is %q, not WAL (is it on a filesystem without shared memory?)", path, mode)
	}
	return sqlstore.New(sqlstore.Config{DB: db, Dialect: dialect{}, Migrations: Migrations()}), nil
}

type dialect struct{}

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() store.Dialect                           { return store.DialectSQLite }
func (dialect) Rebind(q string) string                        { return q }
func (dialect) Time(t time.Time) any                          { return sqlstore.FormatSQLiteTime(t) }
func (dialect) Date(t time.Time) any                          { return t.UTC().Format(sqlstore.SQLiteDateLayout) }
func (dialect) LockMigrations(context.Context, *sql.Tx) error { return nil }

func (dialect) IsUniqueViolation(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
