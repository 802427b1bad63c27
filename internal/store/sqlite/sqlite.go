// Package sqlite is the embedded default store: one file, through the pure-Go modernc.org/sqlite, in WAL mode.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// pragmas, after the busy timeout (which waits for another writer instead of failing): WAL lets readers (the
// dashboard, a user's sqlite3 shell) work while a sync writes; immediate transactions take the write lock up
// front, so two writers queue instead of deadlocking on a lock upgrade.
// A page cache of up to 4 MiB holds what one of the sync's transactions changes (the default 2 MiB spilled
// pages to the WAL mid-transaction); 16 MiB cost more than it saved: each new page of the cache is fresh memory
// the kernel must map, about 2.5 µs of a first sync's 18 µs per line at 57k lines (docs/development.md).
// Temporary data (statement journals) in memory: they went to temporary files.
const pragmas = "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)" +
	"&_pragma=cache_size(-4000)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// roPragmas: a read-only connection cannot change the journal mode; it reads a WAL database as it is.
const roPragmas = "mode=ro&_pragma=foreign_keys(1)"

// DefaultBusyTimeout is how long a statement waits for another connection's write lock before it fails.
const DefaultBusyTimeout = 10 * time.Second

// maxConns bounds the connections to the database file.
const maxConns = 4

// Options tune Open.
type Options struct {
	// BusyTimeout is how long to wait for another process's write lock (0: DefaultBusyTimeout).
	BusyTimeout time.Duration
	// ReadOnly opens the file for reading only (SQLite's mode=ro), for commands that only read a file this
	// user cannot write. The file must exist; nothing is created.
	ReadOnly bool
}

// Open opens (creating if needed) the SQLite database file at path. It does not migrate.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options. A new file is created readable and writable by its owner only (0600): it holds
// encrypted secrets and the sales; SQLite gives the -wal and -shm files it creates beside it the same mode.
func OpenWith(ctx context.Context, path string, opts Options) (*sqlstore.Store, error) {
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
	timeout := cmp.Or(opts.BusyTimeout, DefaultBusyTimeout)
	// The busy timeout first: the other pragmas may have to wait for another process's lock already.
	params := fmt.Sprintf("_pragma=busy_timeout(%d)&", max(timeout.Milliseconds(), 1))
	dsn := path + "?" + params + pragmas
	if opts.ReadOnly {
		// mode=ro is read from a URI filename only; '%' is the one character of a path that a URI reads
		// differently ('?' and '#' are refused above).
		dsn = "file:" + strings.ReplaceAll(path, "%", "%25") + "?" + params + roPragmas
	} else if err := create(path); err != nil {
		return nil, err
	}
	conn, err := newConnector(dsn, fileErrors{path: path, timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	db := sql.OpenDB(conn)
	// Opening a connection runs the pragmas above; database/sql's default of two idle connections made the
	// webhook workers open and close one for nearly every query. SQLite has one writer anyway: a few
	// long-lived connections serve the readers without contention.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	pingCtx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	var mode string
	if err := db.QueryRowContext(pingCtx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	if !opts.ReadOnly && !strings.EqualFold(mode, "wal") {
		_ = db.Close()
		return nil, fmt.Errorf("open SQLite file %s: journal mode is %q, not WAL (is it on a filesystem without shared memory?)", path, mode)
	}
	return sqlstore.New(sqlstore.Config{DB: db, Dialect: dialect{}, Migrations: Migrations()}), nil
}

// create makes a new database file with mode 0600 (SQLite would make it 0644, less the umask), and refuses an
// existing file this user cannot write.
func create(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		f, err = os.OpenFile(path, os.O_RDWR, 0)
	}
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS):
		if _, serr := os.Stat(path); serr != nil {
			return &NotWritableError{Path: path, Dir: true, Err: err}
		}
		return &NotWritableError{Path: path, Err: err}
	}
	return fmt.Errorf("open SQLite file %s: %w", path, err)
}

// Writable reports whether this user can write the existing database file at path; false with a nil error
// means it can only read it (open it with Options.ReadOnly).
func Writable(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case err == nil:
		return true, f.Close()
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS):
		return false, nil
	}
	return false, err
}

// LockedError says that another connection, normally another process, held the database file's write lock
// for longer than the busy timeout.
type LockedError struct {
	Path    string
	Timeout time.Duration
	Err     error
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the database file %s is locked by another process (another salesengine sync, run, deliver or forecast? "+
		"check with 'fuser %s' or 'lsof %s'); waited %s for it (SALESENGINE_SQLITE_BUSY_TIMEOUT)", e.Path, e.Path, e.Path, e.Timeout)
}

func (e *LockedError) Unwrap() error { return e.Err }

// DiskFullError says that SQLite could not write the database file (or its -wal) because the disk holding it
// is full. The statement's transaction was rolled back whole: nothing half-written is left.
type DiskFullError struct {
	Path string
	Err  error
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("the disk holding the database file %s is full: free some space there (df -h %s); "+
		"nothing was half-written, and the work resumes where it stopped once there is room", e.Path, filepath.Dir(e.Path))
}

func (e *DiskFullError) Unwrap() error { return e.Err }

// NotWritableError says that this user cannot write the database file (or, with Dir, create it in its
// directory).
type NotWritableError struct {
	Path string
	Dir  bool
	Err  error
}

func (e *NotWritableError) Error() string {
	if e.Dir {
		return fmt.Sprintf("the database file %s cannot be created: the directory %s is not writable by this user", e.Path, filepath.Dir(e.Path))
	}
	return fmt.Sprintf("the database file %s is not writable by this user (check its owner and mode, and that this user "+
		"can write its directory, where SQLite keeps %s-wal and %s-shm); commands that only read it (logs, retries, "+
		"connections list, migrate --status, backtest) still work", e.Path, filepath.Base(e.Path), filepath.Base(e.Path))
}

func (e *NotWritableError) Unwrap() error { return e.Err }

// ReadOnlyInitError says that a read-only open of a WAL database found no -shm file and could not create one.
type ReadOnlyInitError struct {
	Path string
	Err  error
}

func (e *ReadOnlyInitError) Error() string {
	return fmt.Sprintf("the database file %s is not writable by this user, and reading it needs %s-shm, which does not exist "+
		"and cannot be created in %s: run the command as the file's owner, or let this user write that directory",
		e.Path, filepath.Base(e.Path), filepath.Dir(e.Path))
}

func (e *ReadOnlyInitError) Unwrap() error { return e.Err }

// fileErrors turns SQLite's result codes that are about the file, not the statement, into errors that say what
// to do: a lock held past the busy timeout, a file or directory this user cannot write, a full disk.
type fileErrors struct {
	path    string
	timeout time.Duration
}

func (f fileErrors) wrap(err error) error {
	var e *msqlite.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	switch code := e.Code(); {
	case code == sqlite3.SQLITE_READONLY_CANTINIT || code == sqlite3.SQLITE_READONLY_DIRECTORY:
		return &ReadOnlyInitError{Path: f.path, Err: err}
	case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED:
		return &LockedError{Path: f.path, Timeout: f.timeout, Err: err}
	case code&0xff == sqlite3.SQLITE_READONLY && code != sqlite3.SQLITE_READONLY_ROLLBACK:
		return &NotWritableError{Path: f.path, Err: err}
	case code&0xff == sqlite3.SQLITE_FULL:
		return &DiskFullError{Path: f.path, Err: err}
	}
	return err
}

type dialect struct{}

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() store.Dialect    { return store.DialectSQLite }
func (dialect) Rebind(q string) string { return q }
func (dialect) Time(t time.Time) any   { return sqlstore.FormatSQLiteTime(t) }
func (dialect) Date(t time.Time) any   { return t.UTC().Format(sqlstore.SQLiteDateLayout) }

func (dialect) IsUniqueViolation(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// BeginMigration starts an immediate transaction: its write lock is the migration lock (River's migrations run
// in it too). A process that starts meanwhile waits for it up to the busy timeout.
func (dialect) BeginMigration(ctx context.Context, db *sql.DB) (*sqlstore.MigrationTx, error) {
	tx, err := db.BeginTx(ctx, nil) // immediate: the DSN's _txlock
	if err != nil {
		return nil, err
	}
	return &sqlstore.MigrationTx{Tx: tx, ForeignInTx: true}, nil
}
