package dburl_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/dburl"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

func TestParse(t *testing.T) {
	t.Parallel()
	good := []struct {
		raw     string
		dialect store.Dialect
		path    string
	}{
		{"postgres://u:p@db.internal:5432/sales?sslmode=disable", store.DialectPostgres, ""},
		{"postgresql://u@localhost/sales", store.DialectPostgres, ""},
		{"sqlite:/var/lib/se/sales.db", store.DialectSQLite, "/var/lib/se/sales.db"},
		{"sqlite:///var/lib/se/sales.db", store.DialectSQLite, "/var/lib/se/sales.db"},
		{"file:data/sales.db", store.DialectSQLite, "data/sales.db"},
		{"sales.db", store.DialectSQLite, "sales.db"},
		{"./data/sales.db", store.DialectSQLite, "./data/sales.db"},
	}
	for _, g := range good {
		tgt, err := dburl.Parse(g.raw)
		if err != nil {
			t.Errorf("Parse(%q): %v", g.raw, err)
			continue
		}
		if tgt.Dialect != g.dialect || tgt.Path != g.path {
			t.Errorf("Parse(%q) = %+v", g.raw, tgt)
		}
	}
	bad := map[string]string{
		"mysql://u:secretpw@h/db":                  `unsupported database scheme "mysql"`,
		"postgres://":                              "no host",
		"postgres:/nohost":                         "starts with postgres://",
		"postgres://u:secretpw@h:99999x/db":        "malformed PostgreSQL URL",
		"postgres://u:secretpw@h/db?sslmode=bogus": "invalid PostgreSQL URL",
		"sqlite:":             "needs a file path",
		"sqlite:x.db?mode=ro": "not supported",
	}
	for raw, want := range bad {
		_, err := dburl.Parse(raw)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", raw)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "DATABASE_URL: ") || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("Parse(%q) error = %q, want one line naming DATABASE_URL and saying %q", raw, msg, want)
		}
		if strings.Contains(msg, "secretpw") {
			t.Errorf("Parse(%q) error leaks the password: %q", raw, msg)
		}
	}
}

func loadConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	c, err := config.Load(config.LoadOptions{File: filepath.Join("testdata", "empty.env"),
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tgt, err := dburl.Resolve(loadConfig(t, nil))
	if err != nil || tgt.Dialect != store.DialectSQLite || tgt.Path != dburl.DefaultSQLitePath {
		t.Errorf("default target = %+v, %v", tgt, err)
	}
	tgt, err = dburl.Resolve(loadConfig(t, map[string]string{"DB_HOST": "db.internal", "DB_USER": "sales",
		"DB_PASSWORD": "p@ss:w/rd", "DB_NAME": "ventas", "DB_PORT": "6543"}))
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Dialect != store.DialectPostgres || !strings.Contains(tgt.URL, "db.internal:6543/ventas") ||
		tgt.Variable != "DB_HOST" || strings.Contains(tgt.String(), "p@ss") {
		t.Errorf("DB_* target = %+v (%s)", tgt, tgt)
	}
	// DATABASE_URL wins over DB_HOST.
	tgt, _ = dburl.Resolve(loadConfig(t, map[string]string{"DB_HOST": "db.internal", "DATABASE_URL": "sqlite:x.db"}))
	if tgt.Dialect != store.DialectSQLite {
		t.Errorf("DATABASE_URL did not take precedence over DB_HOST: %+v", tgt)
	}
}

func openErr(t *testing.T, raw string) string {
	t.Helper()
	tgt, err := dburl.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dburl.Open(context.Background(), tgt)
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) succeeded", tgt)
	}
	var de *dburl.Error
	if !errors.As(err, &de) || de.Variable != "DATABASE_URL" {
		t.Errorf("Open error is not a dburl.Error naming DATABASE_URL: %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "secretpw") {
		t.Errorf("error is not one clean line without the password: %q", msg)
	}
	return msg
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	msg := openErr(t, "postgres://u:secretpw@"+addr+"/db?sslmode=disable&connect_timeout=5")
	if !strings.Contains(msg, "cannot reach PostgreSQL at "+addr) || !strings.Contains(msg, "refused") {
		t.Errorf("unreachable: %q", msg)
	}
}

// TestOpenWrongPassword talks to a PostgreSQL protocol peer that rejects the password exactly as a server
// does (the local test server trusts every login, so it cannot).
func TestOpenWrongPassword(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go rejectPassword(conn)
		}
	}()
	msg := openErr(t, "postgres://bob:secretpw@"+l.Addr().String()+"/db?sslmode=disable")
	if !strings.Contains(msg, `rejected the password for user "bob"`) {
		t.Errorf("wrong password: %q", msg)
	}
}

func rejectPassword(conn net.Conn) {
	defer conn.Close()
	be := pgproto3.NewBackend(conn, conn)
	msg, err := be.ReceiveStartupMessage()
	if err != nil {
		return
	}
	if _, ok := msg.(*pgproto3.SSLRequest); ok {
		if _, err := conn.Write([]byte("N")); err != nil {
			return
		}
		if _, err := be.ReceiveStartupMessage(); err != nil {
			return
		}
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := be.Flush(); err != nil {
		return
	}
	if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
		return
	}
	if _, err := be.Receive(); err != nil {
		return
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "bob"`})
	_ = be.Flush()
}

func TestOpenMissingDatabase(t *testing.T) {
	t.Parallel()
	base := storetest.PostgresURL(t) // skips without a server
	tgt, _ := dburl.Parse(base)
	s, err := dburl.Open(context.Background(), tgt)
	if err != nil {
		t.Fatalf("open the test server: %v", err)
	}
	s.Close()
	u := strings.Replace(base, "/test?", "/no_such_db_salesengine?", 1)
	if u == base {
		t.Skip("test URL does not name database test")
	}
	msg := openErr(t, u)
	if !strings.Contains(msg, `has no database "no_such_db_salesengine"`) {
		t.Errorf("missing database: %q", msg)
	}
}

func TestOpenSQLiteMissingDirectory(t *testing.T) {
	t.Parallel()
	msg := openErr(t, "sqlite:"+filepath.Join(t.TempDir(), "absent", "x.db"))
	if !strings.Contains(msg, "does not exist") {
		t.Errorf("missing directory: %q", msg)
	}
}

func TestSQLiteBusyTimeout(t *testing.T) {
	t.Parallel()
	tgt, err := dburl.Resolve(loadConfig(t, map[string]string{"DATABASE_URL": "sqlite:x.db", "SALESENGINE_SQLITE_BUSY_TIMEOUT": "250ms"}))
	if err != nil || tgt.BusyTimeout != 250*time.Millisecond {
		t.Errorf("busy timeout = %s, %v; want 250ms", tgt.BusyTimeout, err)
	}
	if tgt, err := dburl.Resolve(loadConfig(t, nil)); err != nil || tgt.BusyTimeout != 10*time.Second {
		t.Errorf("default busy timeout = %s, %v; want 10s", tgt.BusyTimeout, err)
	}
	_, err = dburl.Resolve(loadConfig(t, map[string]string{"SALESENGINE_SQLITE_BUSY_TIMEOUT": "0s"}))
	if err == nil || !strings.Contains(err.Error(), "SALESENGINE_SQLITE_BUSY_TIMEOUT=0s must be positive") {
		t.Errorf("a zero busy timeout: %v", err)
	}
}
