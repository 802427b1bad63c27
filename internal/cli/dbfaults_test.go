package cli

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// TestConcurrentStartsMigrateOnce starts ten processes at once on a brand-new database, as a scheduler that
// fires several jobs together does: 'migrate', 'deliver' (the store and the webhook queue) and 'connections
// list' (the store). Every one must succeed, and every migration (ours and River's) must be applied once.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, "new.db")
		concurrentStarts(t, dir, "sqlite:"+path)
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		m, err := rivermigrate.New(riversqlite.New(s.DB()), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkMigratedOnce(t, s, sqlite.Migrations(), len(m.AllVersions()))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := storetest.PostgresDatabase(t)
		concurrentStarts(t, t.TempDir(), url)
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		m, err := rivermigrate.New(riverpgxv5.New(s.Pool), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkMigratedOnce(t, s, postgres.Migrations(), len(m.AllVersions()))
	})
}

// concurrentStarts runs the ten processes on dbURL and fails the test unless every one exits 0.
func concurrentStarts(t *testing.T, dir, dbURL string) {
	t.Helper()
	cfg := filepath.Join(dir, "empty.env")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": dbURL, "SALESENGINE_LOG_LEVEL": "warn"}
	const n = 10
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range n {
		args := []string{"--config", cfg, "deliver"} // opens the store and the webhook queue
		switch i % 4 {
		case 0:
			args = []string{"--config", cfg, "migrate"}
		case 2:
			args = []string{"--config", cfg, "connections", "list"}
		}
		cmds[i], outs[i] = startChild(t, args, env)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d %v: %v\n%s", i, cmd.Args[3:], err, outs[i])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// checkMigratedOnce checks that each of our migrations and each of River's is recorded once.
func checkMigratedOnce(t *testing.T, s store.Store, ours fs.FS, river int) {
	t.Helper()
	files, err := fs.Glob(ours, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM schema_migrations`: len(files),
		`SELECT COUNT(*) FROM river_migration`:   river,
	} {
		var got int
		if err := s.DB().QueryRow(q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	ms, err := s.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !m.Applied {
			t.Errorf("migration %04d_%s not applied", m.Version, m.Name)
		}
	}
}

// TestSQLiteLockedByAnotherProcess holds the SQLite file's write lock in the test process while a salesengine
// process starts: with a busy timeout shorter than the hold it fails saying who to look for; with a longer one
// it waits and succeeds.
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	path := filepath.Join(dir, "se.db")
	if r := run(t, env, "--config", cfg, "migrate"); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	hold := func() *sql.Conn {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	release := func(conn *sql.Conn) {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Error(err)
		}
		conn.Close()
	}

	conn := hold()
	cmd, out := startChild(t, []string{"--config", cfg, "sync"}, env, map[string]string{"SALESENGINE_SQLITE_BUSY_TIMEOUT": "300ms"})
	err = cmd.Wait()
	release(conn)
	if cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("sync while another process holds the lock: %v, want exit 1\n%s", err, out)
	}
	for _, want := range []string{"the database file " + path + " is locked by another process", "fuser " + path, "lsof " + path} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}

	conn = hold()
	cmd, out = startChild(t, []string{"--config", cfg, "migrate"}, env, map[string]string{"SALESENGINE_SQLITE_BUSY_TIMEOUT": "20s"})
	time.Sleep(500 * time.Millisecond) // the child is waiting for the lock meanwhile
	release(conn)
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "schema is up to date") {
		t.Fatalf("migrate waiting for a lock released within the busy timeout: %v\n%s", err, out)
	}
}

// TestNewSQLiteFileIsPrivate checks that a database file created by a command is readable by its owner only.
func TestNewSQLiteFileIsPrivate(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	if r := run(t, env, "--config", filepath.Join(dir, "test.env"), "migrate"); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	st, err := os.Stat(filepath.Join(dir, "se.db"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("new database file has mode %04o, want 0600", mode)
	}
}

// TestSyncOdooCircuit runs sync against an Odoo that answers 503 until the connection's circuit opens (after one
// failure here: every failing pass spends the client's retries, 15 s), then checks what each command says: the
// pass that opens it, the skipped pass (exit 1) in another process, logs, connections list, and
// reset-circuit --odoo.
func TestSyncOdooCircuit(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 10})
	ce.env["SALESENGINE_CIRCUIT_FAILURES"] = "1"
	ce.env["SALESENGINE_CIRCUIT_COOLDOWN"] = "1h"
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin")
	cfg := filepath.Join(ce.dir, "empty.env")
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP503})

	r := run(t, ce.env, "--config", cfg, "sync", "--no-deliver")
	if r.code != 1 || !strings.Contains(r.stdout, "acme: FAILED: odoo:") || !strings.Contains(r.stdout, "HTTP 503") ||
		!regexp.MustCompile(`acme: Odoo circuit open until \d\d:\d\d:\d\d after 1 consecutive failure`).MatchString(r.stdout) {
		t.Fatalf("failing pass, which opens the circuit: %+v", r)
	}
	calls := ce.srv.Calls()
	cmd, out := ce.child(t, nil, "sync", "--no-deliver")
	_ = cmd.Wait()
	if cmd.ProcessState.ExitCode() != 1 || !regexp.MustCompile(`(?m)^acme: circuit open until \d\d:\d\d:\d\d \(1 consecutive failure\): skipped$`).MatchString(out.String()) ||
		!strings.Contains(out.String(), "sync skipped for 1 of 1 connections ([acme])") || !strings.Contains(out.String(), "reset-circuit NAME --odoo") {
		t.Fatalf("another process's pass while the circuit is open: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
	if ce.srv.Calls() != calls {
		t.Errorf("the skipped pass reached Odoo")
	}
	r = ce.cli(t, "logs")
	if !regexp.MustCompile(`acme +sync +skipped +initial sync: circuit open until`).MatchString(r.stdout) {
		t.Errorf("logs do not show the skipped pass:\n%s", r.stdout)
	}
	r = ce.cli(t, "connections", "list", "--json")
	if !strings.Contains(r.stdout, `"odoo_circuit": "open"`) || !strings.Contains(r.stdout, `"odoo_circuit_failures": 1`) {
		t.Errorf("connections list --json does not show the open Odoo circuit:\n%s", r.stdout)
	}
	if r = ce.cli(t, "connections", "list"); !regexp.MustCompile(`CIRCUIT\n.* odoo open until \d\d:\d\d:\d\d \(1 consecutive failure\)\n`).MatchString(r.stdout) {
		t.Errorf("connections list does not show the open Odoo circuit in its CIRCUIT column:\n%s", r.stdout)
	}

	// Odoo is back; closing the circuit lets the next pass run at once.
	ce.srv.ClearFaults()
	r = ce.cli(t, "reset-circuit", "acme", "--odoo")
	if !strings.Contains(r.stdout, `Odoo circuit of "acme" closed (was open after 1 consecutive failure)`) {
		t.Errorf("reset-circuit --odoo: %+v", r)
	}
	r = ce.cli(t, "sync", "--no-deliver")
	if !strings.Contains(r.stdout, "acme: initial sync of Odoo") {
		t.Errorf("pass after the reset: %+v", r)
	}
	if r := run(t, map[string]string{"SALESENGINE_CIRCUIT_FAILURES": "0", "DATABASE_URL": ce.env["DATABASE_URL"],
		"SALESENGINE_ENCRYPTION_KEY": ce.env["SALESENGINE_ENCRYPTION_KEY"]}, "--config", cfg, "sync", "--no-deliver"); r.code != 1 ||
		!strings.Contains(r.stderr, "SALESENGINE_CIRCUIT_FAILURES=0 must be at least 1") {
		t.Errorf("SALESENGINE_CIRCUIT_FAILURES=0: %+v", r)
	}
}
