// Package dburl turns the database settings (DATABASE_URL, or the DB_* variables) into an open store, and
// turns every way that can fail into one line that names the variable to fix.
package dburl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// DefaultSQLitePath is the embedded default database, relative to the working directory.
const DefaultSQLitePath = "salesengine.db"

// Target is a resolved database location.
type Target struct {
	Dialect store.Dialect
	// Path is the SQLite file; URL the PostgreSQL connection URL (holds the password: never print it).
	Path string
	URL  string
	// Variable names the setting the target came from, for error messages.
	Variable string
	// BusyTimeout is how long SQLite waits for another process's write lock (0: the driver's default).
	BusyTimeout time.Duration
}

// String describes the target without its password.
func (t Target) String() string {
	if t.Dialect == store.DialectSQLite {
		return "SQLite " + t.Path
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL " + u.Redacted()
}

// Error is a database setting that cannot be used, with the variable to fix.
type Error struct {
	Variable string
	Msg      string
	Err      error
}

func (e *Error) Error() string { return e.Variable + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Resolve reads the database settings from c.
func Resolve(c *config.Config) (Target, error) {
	t, err := resolve(c)
	if err != nil || t.Dialect != store.DialectSQLite {
		return t, err
	}
	if t.BusyTimeout, err = c.Duration("SALESENGINE_SQLITE_BUSY_TIMEOUT"); err != nil {
		return Target{}, err
	}
	if t.BusyTimeout <= 0 {
		return Target{}, fmt.Errorf("SALESENGINE_SQLITE_BUSY_TIMEOUT=%s must be positive", t.BusyTimeout)
	}
	return t, nil
}

func resolve(c *config.Config) (Target, error) {
	if raw := strings.TrimSpace(c.Get("DATABASE_URL")); raw != "" {
		return Parse(raw)
	}
	if host := strings.TrimSpace(c.Get("DB_HOST")); host != "" {
		u := &url.URL{
			Scheme: "postgres",
			User:   url.UserPassword(c.Get("DB_USER"), c.Get("DB_PASSWORD")),
			Host:   net.JoinHostPort(host, c.Get("DB_PORT")),
			Path:   "/" + c.Get("DB_NAME"),
		}
		if c.Get("DB_PASSWORD") == "" {
			u.User = url.User(c.Get("DB_USER"))
		}
		u.RawQuery = url.Values{"sslmode": {c.Get("DB_SSLMODE")}}.Encode()
		if _, err := pgxpool.ParseConfig(u.String()); err != nil {
			return Target{}, &Error{Variable: "DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_SSLMODE", Msg: "invalid PostgreSQL settings: " + pgParseReason(err), Err: err}
		}
		return Target{Dialect: store.DialectPostgres, URL: u.String(), Variable: "DB_HOST"}, nil
	}
	return Target{Dialect: store.DialectSQLite, Path: DefaultSQLitePath, Variable: "DATABASE_URL"}, nil
}

// Parse reads a DATABASE_URL value.
func Parse(raw string) (Target, error) {
	const v = "DATABASE_URL"
	bad := func(msg string) (Target, error) {
		return Target{}, &Error{Variable: v, Msg: msg + ` (use postgres://user:password@host:5432/dbname, sqlite:PATH, or a file path)`}
	}
	scheme, rest, hasScheme := strings.Cut(raw, ":")
	if !hasScheme || strings.ContainsAny(scheme, `/\. `) || len(scheme) == 1 { // a plain path, or C:\ on Windows
		return sqliteTarget(raw)
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		if !strings.HasPrefix(rest, "//") {
			return bad("a PostgreSQL URL starts with postgres://")
		}
		u, err := url.Parse(raw)
		if err != nil {
			if strings.Contains(rest, "@") {
				// The parser's reason quotes the part it stumbled on, which may be a piece of the password.
				return bad("malformed PostgreSQL URL (a character of the user or password may need escaping: % as %25, @ as %40, / as %2F)")
			}
			return bad("malformed PostgreSQL URL: " + redactURLError(err))
		}
		if u.Host == "" || u.Hostname() == "" {
			return bad("PostgreSQL URL has no host")
		}
		if _, err := pgxpool.ParseConfig(raw); err != nil {
			return bad("invalid PostgreSQL URL: " + pgParseReason(err))
		}
		return Target{Dialect: store.DialectPostgres, URL: raw, Variable: v}, nil
	case "sqlite", "sqlite3", "file":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return bad(scheme + ": needs a file path, e.g. " + scheme + ":/var/lib/salesengine/sales.db")
		}
		if i := strings.IndexByte(path, '?'); i >= 0 { // query options of file: URIs are not supported
			return bad("SQLite options in the URL (" + path[i:] + ") are not supported; Sales Engine sets its own")
		}
		return sqliteTarget(path)
	}
	return bad(fmt.Sprintf("unsupported database scheme %q", scheme))
}

func sqliteTarget(path string) (Target, error) {
	if strings.TrimSpace(path) == "" {
		return Target{}, &Error{Variable: "DATABASE_URL", Msg: "empty SQLite path"}
	}
	return Target{Dialect: store.DialectSQLite, Path: path, Variable: "DATABASE_URL"}, nil
}

// Open opens the target's store and checks that it answers. It does not migrate.
func Open(ctx context.Context, t Target) (store.Store, error) {
	return open(ctx, t, false)
}

// OpenForReading opens the target's store for a command that only reads: a SQLite file that this user can read
// but not write is opened read-only (readOnly true), and cannot be migrated.
func OpenForReading(ctx context.Context, t Target) (s store.Store, readOnly bool, err error) {
	if t.Dialect == store.DialectSQLite {
		w, err := sqlite.Writable(t.Path)
		if err == nil && !w {
			s, err := open(ctx, t, true)
			return s, true, err
		}
	}
	s, err = open(ctx, t, false)
	return s, false, err
}

func open(ctx context.Context, t Target, readOnly bool) (store.Store, error) {
	switch t.Dialect {
	case store.DialectSQLite:
		s, err := sqlite.OpenWith(ctx, t.Path, sqlite.Options{BusyTimeout: t.BusyTimeout, ReadOnly: readOnly})
		if err != nil {
			if fe := FileError(err); fe != nil { // the setting is right: the file is locked or not writable
				return nil, fe
			}
			return nil, &Error{Variable: t.Variable, Msg: err.Error(), Err: err}
		}
		return s, nil
	case store.DialectPostgres:
		s, err := postgres.Open(ctx, t.URL)
		if err != nil {
			return nil, &Error{Variable: t.Variable, Msg: describePostgresError(t, err), Err: err}
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown database dialect %q", t.Dialect)
}

// FileError returns the error within err that is about the SQLite file rather than the setting or the
// statement (locked by another process, not writable, on a full disk), or nil. Its message says it all, the path included.
func FileError(err error) error {
	var locked *sqlite.LockedError
	var notWritable *sqlite.NotWritableError
	var roInit *sqlite.ReadOnlyInitError
	var full *sqlite.DiskFullError
	switch {
	case errors.As(err, &locked):
		return locked
	case errors.As(err, &notWritable):
		return notWritable
	case errors.As(err, &roInit):
		return roInit
	case errors.As(err, &full):
		return full
	}
	return nil
}

// describePostgresError says in one line what went wrong connecting, never quoting the password.
func describePostgresError(t Target, err error) string {
	where := "the server"
	user, db := "", ""
	if cfg, perr := pgxpool.ParseConfig(t.URL); perr == nil {
		where = net.JoinHostPort(cfg.ConnConfig.Host, fmt.Sprint(cfg.ConnConfig.Port))
		user, db = cfg.ConnConfig.User, cfg.ConnConfig.Database
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01":
			return fmt.Sprintf("PostgreSQL at %s rejected the password for user %q: check the password in the URL (or DB_PASSWORD)", where, user)
		case "28000":
			return fmt.Sprintf("PostgreSQL at %s refused user %q: %s (check the user name and pg_hba.conf)", where, user, pgErr.Message)
		case "3D000":
			return fmt.Sprintf("PostgreSQL at %s has no database %q: create it (createdb %s) or fix the name in the URL", where, db, db)
		case "53300":
			return fmt.Sprintf("PostgreSQL at %s has too many connections open: %s", where, pgErr.Message)
		}
		return fmt.Sprintf("PostgreSQL at %s: %s (SQLSTATE %s)", where, pgErr.Message, pgErr.Code)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("cannot resolve PostgreSQL host %q: check the host name", dnsErr.Name)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Sprintf("cannot reach PostgreSQL at %s (%s): check the host and port and that the server is running", where, shortNetReason(opErr))
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout") {
		return fmt.Sprintf("cannot reach PostgreSQL at %s: timed out (is a firewall dropping packets?)", where)
	}
	return fmt.Sprintf("cannot connect to PostgreSQL at %s: %s", where, redactURLError(err))
}

func shortNetReason(e *net.OpError) string {
	s := e.Err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// pgParseReason keeps pgconn's reason for rejecting a connection string but drops the string itself.
func pgParseReason(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		if pe.Unwrap() != nil {
			return redactURLError(pe.Unwrap())
		}
		return pe.Error()
	}
	return redactURLError(err)
}

// redactURLError drops url.Error's quoting of the whole URL, which would print the password.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
