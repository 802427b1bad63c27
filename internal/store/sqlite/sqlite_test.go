package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/sqlstore"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "test.db"))
}

// openAt opens and migrates the database file at path, closed when the test ends.
func openAt(t *testing.T, path string) store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newStore)
}

func TestOpenMissingDirectory(t *testing.T) {
	t.Parallel()
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("open in a missing directory: %v", err)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.db")
	openAt(t, path)
	// The -wal and -shm files exist while the database is open; SQLite gives them the main file's mode.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), mode)
		}
	}
}

func TestLockedByAnotherConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	openAt(t, path)
	holder, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = conn.ExecContext(ctx, "ROLLBACK") }()

	busy, err := sqlite.OpenWith(ctx, path, sqlite.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	start := time.Now()
	_, err = busy.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true})
	var locked *sqlite.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("insert while another connection holds the lock: %v, want a LockedError", err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("gave up after %s, before the 200ms busy timeout", waited)
	}
	for _, want := range []string{"the database file " + path + " is locked by another process", "fuser " + path, "lsof " + path, "SALESENGINE_SQLITE_BUSY_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := busy.ConnectionList(ctx, nil); err != nil {
		t.Errorf("reading while another connection writes (WAL): %v", err)
	}
}

func TestReadOnlyOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	s := openAt(t, path)
	if _, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	ro, err := sqlite.OpenWith(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	conns, err := ro.ConnectionList(ctx, nil)
	if err != nil || len(conns) != 1 {
		t.Fatalf("read-only list: %d connections, %v", len(conns), err)
	}
	_, err = ro.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "beta", URL: "https://beta.odoo.com", Protocol: "auto", Active: true})
	var nw *sqlite.NotWritableError
	if !errors.As(err, &nw) || !strings.Contains(err.Error(), "the database file "+path+" is not writable") {
		t.Fatalf("write on a read-only open: %v, want a NotWritableError", err)
	}
}

// TestFormatSQLiteTime: the hand-written formatter spells every instant as time.Format with the layout does.
func TestFormatSQLiteTime(t *testing.T) {
	t.Parallel()
	mexico := time.FixedZone("CST", -6*3600)
	times := []time.Time{{}, time.Date(2026, 3, 4, 9, 59, 59, 999999999, time.UTC), time.Date(2026, 3, 4, 10, 0, 0, 500000000, mexico),
		time.Date(999, 12, 31, 23, 0, 0, 1000, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 10, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 120000, mexico)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)).In(mexico))
		times = append(times, time.Unix(r.Int64N(100*86400)+1.7e9, r.Int64N(1000)*1000))
	}
	for _, at := range times {
		if got, want := sqlstore.FormatSQLiteTime(at), at.UTC().Format(sqlstore.SQLiteTimeLayout); got != want {
			t.Fatalf("%v: %q, want %q", at, got, want)
		}
	}
}
