package cli

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	outs := make([]*lockedBuffer, n)
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
	cmd, out := startChild(t, []string{"--config", cfg, "sync"}, env, map[string]string{"SALESENGINE_SQLITE_BUSY_TIMEOUT": "2s"})
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
		"SALESENGINE_ENCRYPTION_KEY": ce.env["SALESENGINE_ENCRYPTION_KEY"]}, "--config", cfg, "sync", "--no-deliver"); r.code != exitUsage ||
		!strings.Contains(r.stderr, "SALESENGINE_CIRCUIT_FAILURES=0 must be at least 1") {
		t.Errorf("SALESENGINE_CIRCUIT_FAILURES=0: %+v", r)
	}
}

// TestServeSurvivesDatabaseFaults ends every PostgreSQL session of serve's database again and again
// (pg_terminate_backend) while it syncs and delivers with business going on, then makes the database refuse
// connections for a while (ALLOW_CONNECTIONS false: unreachable, as for a server down, without restarting the
// server the other tests share). serve reports the failures, keeps running, says not ready on /readyz while
// the database is unreachable and ready again after; once the faults stop, the store equals the fake and every
// change has its event. The server itself is restarted by TestServeSurvivesPostgresRestart, on a server of its
// own: other tests use this one.
func TestServeSurvivesDatabaseFaults(t *testing.T) {
	t.Parallel()
	seed := faultSeed(t)
	rounds := 8
	if soak {
		rounds = 80
	}
	start := time.Now()
	ce := newCrashEnvAt(t, "postgres", storetest.PostgresDatabase(t), databaseFaultsFake(seed))
	u, err := url.Parse(ce.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	ctx := context.Background()
	// The admin session is on the server's own database, so it is never among the sessions it ends.
	admin, err := pgx.Connect(ctx, os.Getenv(storetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(ctx) })
	terminate := func() int64 {
		var n int64
		if err := admin.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()) k`, dbName).Scan(&n); err != nil {
			t.Fatalf("terminate sessions: %v", err)
		}
		return n
	}
	allow := func(on bool) {
		if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s WITH ALLOW_CONNECTIONS %v", dbName, on)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { allow(true) })

	rec, connID, base, p := ce.startDatabaseFaults(t, seed)
	bctx, stopBusiness := context.WithCancel(ctx)
	defer stopBusiness()
	business := ce.srv.RunActivity(bctx, 40*time.Millisecond, 2*time.Second)

	// Sessions ended at seeded moments.
	rng := seeded(seed, 4)
	var ended int64
	for range rounds {
		time.Sleep(500*time.Millisecond + time.Duration(rng.Int64N(int64(2*time.Second))))
		ended += terminate()
		if err := p.alive(); err != nil {
			t.Fatal(err)
		}
	}

	// The database unreachable for a while: /readyz says so, then recovers.
	allow(false)
	ended += terminate()
	var notReady string
	waitUntil(t, "/readyz not ready while the database refuses connections", func() bool {
		status, body, err := p.get("/readyz")
		if err != nil {
			t.Fatal(err)
		}
		notReady = body
		return status == http.StatusServiceUnavailable
	})
	if !strings.Contains(notReady, "not ready") || !strings.Contains(notReady, "database") {
		t.Errorf("/readyz while the database is unreachable: %s", notReady)
	}
	time.Sleep(3 * time.Second) // passes and deliveries meanwhile fail
	if err := p.alive(); err != nil {
		t.Fatal(err)
	}
	if status, _, err := p.get("/livez"); err != nil || status != http.StatusOK {
		t.Errorf("/livez while the database is unreachable: %d %v (alive: the process itself is fine)", status, err)
	}
	allow(true)
	waitUntil(t, "/readyz ready once the database is back", func() bool {
		status, _, err := p.get("/readyz")
		return err == nil && status == http.StatusOK
	})

	stopBusiness()
	end := ce.finishDatabaseFaults(t, p, connID, rec, base, business)
	t.Logf("figures: %d sessions ended in %d rounds, the database refused connections for 3 s and more; %s; %v in all",
		ended, rounds, end, time.Since(start).Round(time.Second))
}

// databaseFaultsFake is the fake Odoo of the database fault suites: two years of history of 40 SKUs.
func databaseFaultsFake(seed int64) odootest.Options {
	return odootest.Options{Version: "17", Seed: seed, Data: &odootest.GenerateOptions{Years: 2, SKUs: 40}}
}

// startDatabaseFaults adds the connection with its receiver, makes the baseline sync, and starts serve with small
// pages (passes of many transactions, for the faults to land in) once it made a good pass of its own.
func (ce *crashEnv) startDatabaseFaults(t *testing.T, seed int64) (*recorder, int64, map[int64]orderVersion, *proc) {
	t.Helper()
	rec := newRecorder(t, seed, 0, 50*time.Millisecond)
	connID := ce.addConnection(t, rec)
	base := ce.baseline(t)
	ce.env["SALESENGINE_SYNC_PAGE_SIZE"] = "50"
	p := ce.startServe(t, nil)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's log:\n%s", p.out.String())
		}
	})
	ce.waitPasses(t, p, 2) // the baseline's, and serve's
	return rec, connID, base, p
}

// databaseFaultsEnd is what finishDatabaseFaults saw.
type databaseFaultsEnd struct {
	reported int // error and warning lines serve logged
	events   int // the business's
	fig      eventFigures
	took     time.Duration // to converge once the faults stopped
}

func (e databaseFaultsEnd) String() string {
	return fmt.Sprintf("%d error and warning lines logged; business: %d events; %s; converged %v after the faults",
		e.reported, e.events, e.fig, e.took.Round(time.Second))
}

// finishDatabaseFaults ends a database fault suite once its faults stopped and its business was told to stop:
// the store brought to the ground truth with every event delivered, and serve's log checked: it reported the
// faults, and never panicked.
func (ce *crashEnv) finishDatabaseFaults(t *testing.T, p *proc, connID int64, rec *recorder, base map[int64]orderVersion, business <-chan odootest.ActivityStats) databaseFaultsEnd {
	t.Helper()
	stats := <-business
	if stats.Err != nil {
		t.Fatal(stats.Err)
	}
	fig, took := ce.finish(t, p, connID, rec, base, 3*time.Minute)
	log := p.out.String()
	if !strings.Contains(log, "level=ERROR") && !strings.Contains(log, "level=WARN") {
		t.Errorf("serve reported none of the database faults:\n%s", log)
	}
	if strings.Contains(log, "panic") {
		t.Errorf("serve panicked:\n%s", log)
	}
	if testing.Verbose() {
		t.Logf("serve's log:\n%s", log)
	}
	return databaseFaultsEnd{reported: strings.Count(log, "level=ERROR") + strings.Count(log, "level=WARN"),
		events: stats.Events, fig: fig, took: took}
}

// The PostgreSQL server that TestServeSurvivesPostgresRestart may restart: not the shared test server, which
// other tests use at the same time. .ci/run makes one with pg_createcluster where it can.
const (
	restartURLEnv = "SALESENGINE_TEST_POSTGRES_RESTART_URL" // a server of the test's own
	restartCmdEnv = "SALESENGINE_TEST_POSTGRES_RESTART"     // the shell command that restarts it
)

// TestServeSurvivesPostgresRestart restarts the PostgreSQL server itself under serve, at seeded moments while it
// syncs and delivers with business going on: every session and the heartbeat's connection die at once, and the
// server refuses connections while it stops and starts. serve keeps running, says not ready while it cannot
// reach the database (when a restart is slow enough for the test to see it), ready after, and converges without
// loss once the business stops.
func TestServeSurvivesPostgresRestart(t *testing.T) {
	serverURL, restart := os.Getenv(restartURLEnv), os.Getenv(restartCmdEnv)
	if serverURL == "" || restart == "" {
		t.Skipf("restarting PostgreSQL needs a server of the test's own (the shared one is in use by other tests): set %s to it "+
			"and %s to the command that restarts it (e.g. 'pg_ctlcluster 15 se_restart restart'); .ci/run makes one where it can",
			restartURLEnv, restartCmdEnv)
	}
	t.Parallel()
	seed := faultSeed(t)
	rounds := 3
	if soak {
		rounds = 20
	}
	start := time.Now()
	ce := newCrashEnvAt(t, "postgres", storetest.PostgresDatabaseOn(t, serverURL), databaseFaultsFake(seed))
	rec, connID, base, p := ce.startDatabaseFaults(t, seed)
	bctx, stopBusiness := context.WithCancel(context.Background())
	defer stopBusiness()
	business := ce.srv.RunActivity(bctx, 40*time.Millisecond, 2*time.Second)

	rng := seeded(seed, 5)
	notReady := 0
	var downFor time.Duration
	for range rounds {
		time.Sleep(500*time.Millisecond + time.Duration(rng.Int64N(int64(2*time.Second))))
		done := make(chan error, 1)
		began := time.Now()
		go func() {
			out, err := exec.Command("sh", "-c", restart).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("%s: %v\n%s", restart, err, out)
			}
			done <- err
		}()
		// /readyz while the server stops and starts: serve must answer (it is alive), ready or not.
		for waiting := true; waiting; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				waiting = false
			case <-time.After(50 * time.Millisecond):
				status, _, err := p.get("/readyz")
				if err != nil {
					t.Fatalf("/readyz during the restart: %v", err)
				}
				if status == http.StatusServiceUnavailable {
					notReady++
				}
			}
		}
		downFor += time.Since(began)
		if err := p.alive(); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "/readyz ready once the restarted server answers", func() bool {
			status, _, err := p.get("/readyz")
			return err == nil && status == http.StatusOK
		})
	}

	// A restart that keeps the server down for a while is seen (the checks are 50 ms apart); an instant one may
	// not be.
	if notReady == 0 && downFor/time.Duration(rounds) > time.Second {
		t.Errorf("/readyz never said not ready during %d restarts of %v each", rounds, downFor/time.Duration(rounds))
	}
	stopBusiness()
	end := ce.finishDatabaseFaults(t, p, connID, rec, base, business)
	t.Logf("figures: %d server restarts (%v in the restart commands), /readyz answered not ready %d times meanwhile; %s; %v in all",
		rounds, downFor.Round(time.Millisecond), notReady, end, time.Since(start).Round(time.Second))
}

// TestServeWaitsOutALockedDatabase: another process holds the SQLite file's write lock longer than the busy
// timeout while serve runs with business going on. serve says who to look for, keeps running, and once the
// lock is released catches up without loss.
func TestServeWaitsOutALockedDatabase(t *testing.T) {
	t.Parallel()
	seed := faultSeed(t)
	ce := newCrashEnvOn(t, "sqlite", odootest.Options{Version: "17", Seed: seed, Data: &odootest.GenerateOptions{Years: 1, SKUs: 20}})
	rec := newRecorder(t, seed, 0, 0)
	connID := ce.addConnection(t, rec)
	base := ce.baseline(t)
	p := ce.startServe(t, map[string]string{"SALESENGINE_SQLITE_BUSY_TIMEOUT": "2s"})
	ce.waitPasses(t, p, 2) // the baseline's, and serve's

	// The other process: a connection of the test's own, holding an exclusive transaction.
	db, err := sql.Open("sqlite", ce.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	if _, err := ce.srv.SimulateActivity(40, time.Minute); err != nil {
		t.Fatal(err)
	}
	locked := "the database file " + ce.dbPath + " is locked by another process"
	waitUntil(t, "serve to report the lock", func() bool {
		if err := p.alive(); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(p.out.String(), locked)
	})
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	fig, _ := ce.finish(t, p, connID, rec, base, 2*time.Minute)
	if fig.expected == 0 {
		t.Error("no change to deliver after the lock: the test proves nothing")
	}
}

// TestServeOnAFullDisk puts the SQLite file on a 16 MiB tmpfs, fills it while serve runs, and lets business go
// on: the passes fail with an error that says the disk is full, nothing half-written is left (the file passes
// SQLite's integrity and foreign key checks), serve keeps running, and once space is freed it catches up
// without loss. Mounting needs root (and a kernel that lets this process mount); elsewhere the test skips.
func TestServeOnAFullDisk(t *testing.T) {
	t.Parallel()
	seed := faultSeed(t)
	disk := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (%v: %s): the full-disk case needs root and a kernel that allows it", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", disk).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", disk, err, out)
		}
	})
	ce := newCrashEnvOn(t, "sqlite", odootest.Options{Version: "17", Seed: seed, Data: &odootest.GenerateOptions{Years: 1, SKUs: 10}})
	ce.dbPath = filepath.Join(disk, "se.db")
	ce.dbURL = "sqlite:" + ce.dbPath
	ce.env["DATABASE_URL"] = ce.dbURL
	rec := newRecorder(t, seed, 0, 0)
	connID := ce.addConnection(t, rec)
	base := ce.baseline(t)
	p := ce.startServe(t, nil)
	ce.waitPasses(t, p, 2) // the baseline's, and serve's

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	filled := time.Now()
	if _, err := ce.srv.SimulateActivity(150, time.Minute); err != nil {
		t.Fatal(err)
	}
	full := "the disk holding the database file " + ce.dbPath + " is full: free some space there"
	waitUntil(t, "serve's pass to report the full disk", func() bool {
		if err := p.alive(); err != nil {
			t.Fatal(err)
		}
		if time.Since(filled) > 50*time.Second {
			t.Fatalf("no pass reported the full disk:\n%s", p.out)
		}
		return strings.Contains(firstLines(p.out.String(), `msg="sync failed"`, 100), full)
	})
	for _, q := range []string{"PRAGMA integrity_check", "PRAGMA foreign_key_check"} {
		if got := strings.TrimSpace(ce.queryText(t, q)); (q == "PRAGMA integrity_check") != (got == "ok") || (q != "PRAGMA integrity_check" && got != "") {
			t.Errorf("%s on the full disk: %q", q, got)
		}
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	fig, _ := ce.finish(t, p, connID, rec, base, 2*time.Minute)
	if fig.expected == 0 {
		t.Error("no change to deliver after the disk was freed: the test proves nothing")
	}
	t.Logf("serve said:\n%s", firstLines(p.out.String(), "full", 3))
}

// fill writes path until the disk holding it has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

// firstLines returns up to n lines of s that contain sub.
func firstLines(s, sub string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && len(out) < n {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
