package cli

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/webhook"
)

// crashEnv is a database, a key and a fake Odoo shared by the parent test and the child processes it kills.
type crashEnv struct {
	dir    string
	engine string // "sqlite" or "postgres"
	dbPath string // SQLite: the file
	dbURL  string // DATABASE_URL of the children
	env    map[string]string
	srv    *odootest.Server

	stMu gosync.Mutex
	st   store.Store // the test's own view of the database, opened on first use
}

func newCrashEnv(t *testing.T, data *odootest.GenerateOptions) *crashEnv {
	t.Helper()
	return newCrashEnvOn(t, "sqlite", odootest.Options{Version: "17", Seed: 11, Data: data})
}

// newCrashEnvOn is newCrashEnv on either engine ("postgres" gets a database of its own, or skips the test when
// SALESENGINE_TEST_POSTGRES_URL is unset) with a fake Odoo built from opts.
func newCrashEnvOn(t *testing.T, engine string, opts odootest.Options) *crashEnv {
	t.Helper()
	switch engine {
	case "sqlite":
		return newCrashEnvAt(t, engine, "", opts)
	case "postgres":
		return newCrashEnvAt(t, engine, storetest.PostgresDatabase(t), opts)
	}
	t.Fatalf("unknown engine %q", engine)
	return nil
}

// newCrashEnvAt is newCrashEnvOn with the PostgreSQL database given (dbURL; "" for SQLite's file in the test's
// directory).
func newCrashEnvAt(t *testing.T, engine, dbURL string, opts odootest.Options) *crashEnv {
	t.Helper()
	dir := t.TempDir()
	ce := &crashEnv{dir: dir, engine: engine, dbPath: filepath.Join(dir, "se.db")}
	if engine == "sqlite" {
		ce.dbURL = "sqlite:" + ce.dbPath
	} else {
		ce.dbURL, ce.dbPath = dbURL, ""
	}
	key, _ := secret.GenerateKey()
	srv, err := odootest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ce.srv = srv
	ce.env = map[string]string{"DATABASE_URL": ce.dbURL, "SALESENGINE_ENCRYPTION_KEY": key,
		"SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "true", "SALESENGINE_LOG_LEVEL": "warn"}
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ce.stMu.Lock()
		defer ce.stMu.Unlock()
		if ce.st != nil {
			ce.st.Close()
		}
	})
	return ce
}

// store is the test's own connection to the children's database, for reading what they wrote.
func (ce *crashEnv) store(t testing.TB) store.Store {
	t.Helper()
	ce.stMu.Lock()
	defer ce.stMu.Unlock()
	if ce.st == nil {
		var err error
		if ce.engine == "postgres" {
			ce.st, err = postgres.Open(context.Background(), ce.dbURL)
		} else {
			ce.st, err = sqlite.Open(context.Background(), ce.dbPath)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return ce.st
}

// cli runs the command in-process and fails the test on a non-zero exit.
func (ce *crashEnv) cli(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, ce.env, append([]string{"--config", filepath.Join(ce.dir, "empty.env")}, args...)...)
	if r.code != 0 {
		t.Fatalf("salesengine %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// child starts the command as a separate process.
func (ce *crashEnv) child(t *testing.T, extraEnv map[string]string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	return startChild(t, append([]string{"--config", filepath.Join(ce.dir, "empty.env")}, args...), ce.env, extraEnv)
}

// startChild starts salesengine (this test binary, see TestMain) as a separate process with the variables of
// envs added to the test's environment; its stdout and stderr go to the buffer, which the test may read while
// the child writes.
func startChild(t testing.TB, args []string, envs ...map[string]string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd, out := childCommand(os.Args[0], args, envs...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// childCommand is the command that runs bin (a copy of this test binary) as salesengine, not yet started.
func childCommand(bin string, args []string, envs ...map[string]string) (*exec.Cmd, *lockedBuffer) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SALESENGINE_TEST_AS_CLI=1")
	for _, env := range envs {
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, out
}

// query runs q on the children's database; on PostgreSQL it tries again a few times, since the database
// fault tests end the test's own sessions too.
func (ce *crashEnv) query(t testing.TB, q string, scan func(*sql.Rows) error) error {
	t.Helper()
	var db *sql.DB
	if ce.engine == "postgres" {
		db = ce.store(t).DB()
	} else {
		var err error
		if db, err = sql.Open("sqlite", ce.dbPath+"?_pragma=busy_timeout(5000)"); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
	}
	var err error
	for range 5 {
		var rows *sql.Rows
		if rows, err = db.Query(q); err == nil {
			for err == nil && rows.Next() {
				err = scan(rows)
			}
			if err == nil {
				err = rows.Err()
			}
			rows.Close()
		}
		if err == nil || ce.engine != "postgres" {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func (ce *crashEnv) count(t testing.TB, q string) int {
	t.Helper()
	n := -1
	if err := ce.query(t, q, func(r *sql.Rows) error { return r.Scan(&n) }); err != nil {
		return -1
	}
	return n
}

// queryText returns the rows of a one-column query, one per line.
func (ce *crashEnv) queryText(t testing.TB, q string) string {
	t.Helper()
	var b strings.Builder
	if err := ce.query(t, q, func(r *sql.Rows) error {
		var v string
		err := r.Scan(&v)
		b.WriteString(v + "\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// confirmedOrders counts the fake Odoo's confirmed orders, the ones a sync stores.
func (ce *crashEnv) confirmedOrders() int {
	n := 0
	for _, o := range ce.srv.Orders() {
		if o.State == "sale" || o.State == "done" {
			n++
		}
	}
	return n
}

// assertSyncedExactly checks that the database holds every confirmed order and line of the fake Odoo exactly
// once, as a complete sync leaves it.
func (ce *crashEnv) assertSyncedExactly(t *testing.T) {
	t.Helper()
	if n, want := ce.count(t, "SELECT COUNT(*) FROM sales_orders"), ce.confirmedOrders(); n != want {
		t.Errorf("%d orders stored, want %d", n, want)
	}
	wantLines := 0
	ids := map[int64]bool{}
	for _, o := range ce.srv.Orders() {
		if o.State == "sale" || o.State == "done" {
			ids[o.ID] = true
		}
	}
	for _, l := range ce.srv.Lines() {
		if ids[l.OrderID] && l.ProductID != 0 && l.DisplayType == "" {
			wantLines++
		}
	}
	if n := ce.count(t, "SELECT COUNT(*) FROM sales_items WHERE removed_at IS NULL"); n != wantLines {
		t.Errorf("%d lines stored, want %d", n, wantLines)
	}
	if n := ce.count(t, "SELECT COUNT(*) FROM (SELECT line_id FROM sales_items GROUP BY connection_id, line_id HAVING COUNT(*) > 1) d"); n != 0 {
		t.Errorf("%d duplicated lines", n)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startSlowSync adds a connection to the fake Odoo, slows the fake down and starts a sync in a child process;
// it returns once the sync has stored some orders, so that a signal sent then lands mid-sync.
func (ce *crashEnv) startSlowSync(t *testing.T) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin")
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.Slow, Delay: 40 * time.Millisecond})
	cmd, out := ce.child(t, map[string]string{"SALESENGINE_SYNC_PAGE_SIZE": "40"}, "sync", "--no-deliver")
	waitUntil(t, "some orders stored", func() bool {
		if cmd.ProcessState != nil {
			t.Fatalf("the sync exited early:\n%s", out)
		}
		return ce.count(t, "SELECT COUNT(*) FROM sales_orders") > 80
	})
	return cmd, out
}

// TestSyncSurvivesKill kills a sync process part-way (SIGKILL: no cleanup runs) and checks that the next sync
// stores every confirmed order and line exactly once.
func TestSyncSurvivesKill(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 30})
	cmd, out := ce.startSlowSync(t)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stored, confirmed := ce.count(t, "SELECT COUNT(*) FROM sales_orders"), ce.confirmedOrders()
	if stored >= confirmed {
		t.Fatalf("the sync finished (%d of %d orders) before it was killed; output:\n%s", stored, confirmed, out)
	}
	ce.srv.ClearFaults()
	ce.cli(t, "sync", "--no-deliver")
	ce.assertSyncedExactly(t)
	if n := ce.count(t, "SELECT COUNT(*) FROM sync_logs WHERE status = 'interrupted' AND kind = 'initial'"); n != 1 {
		t.Errorf("the killed first sync's log is not marked an interrupted initial sync (%d):\n%s", n,
			ce.queryText(t, "SELECT kind || ' ' || status FROM sync_logs"))
	}
	// It stored orders, but died before recording its counts: 'logs' does not show them as 0.
	logs := ce.cli(t, "logs").stdout
	if !strings.Contains(logs, "interrupted  initial sync: counts not recorded") || strings.Contains(logs, "initial sync: 0 read") {
		t.Errorf("logs after a killed first sync:\n%s", logs)
	}
}

// TestSyncInterruptedBySignal stops a sync process with SIGINT and with SIGTERM: it exits 130 / 143 saying it
// was interrupted (not "context canceled"), its sync_logs row says interrupted, and the next sync completes the
// data exactly.
func TestSyncInterruptedBySignal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		says string
	}{{syscall.SIGINT, 130, "Error: interrupted by SIGINT"}, {syscall.SIGTERM, 143, "Error: interrupted by SIGTERM"}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			t.Parallel()
			ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 30})
			cmd, out := ce.startSlowSync(t)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Errorf("exit code %d, want %d; output:\n%s", code, c.code, out)
			}
			if !strings.Contains(out.String(), c.says) || strings.Contains(out.String(), "context canceled") {
				t.Errorf("output does not say it was interrupted, or says context canceled:\n%s", out)
			}
			if got := ce.queryText(t, "SELECT status || ': ' || error FROM sync_logs"); strings.Count(got, "\n") != 1 ||
				!strings.HasPrefix(got, "interrupted: "+strings.TrimPrefix(c.says, "Error: ")) {
				t.Errorf("sync_logs: %q", got)
			}
			if stored := ce.count(t, "SELECT COUNT(*) FROM sales_orders"); stored >= ce.confirmedOrders() {
				t.Fatalf("the sync finished (%d orders) before the signal; output:\n%s", stored, out)
			}
			ce.srv.ClearFaults()
			ce.cli(t, "sync", "--no-deliver")
			ce.assertSyncedExactly(t)
			if got := ce.queryText(t, "SELECT status FROM sync_logs ORDER BY id"); got != "interrupted\nok\n" {
				t.Errorf("sync_logs after the next sync: %q", got)
			}
		})
	}
}

// TestDeliverySurvivesKill kills the delivering process while a webhook request is in flight; a new process
// delivers every event, the interrupted one again with the same webhook-id, and loses none.
func TestDeliverySurvivesKill(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 20})
	var mu gosync.Mutex
	var first string
	hung := make(chan struct{})
	release := make(chan struct{})
	var recv *webhook.Receiver
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if first == "" {
			first = r.Header.Get("webhook-id")
			mu.Unlock()
			close(hung)
			select { // hang: the process is killed while this request is in flight
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		mu.Unlock()
		recv.ServeHTTP(w, r)
	}))
	// Cleanups run last-registered first: release the hung handler, then close the server.
	t.Cleanup(hook.Close)
	t.Cleanup(func() { close(release) })
	r := ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--webhook-url", hook.URL+"/hook")
	secretLine := r.stdout[strings.Index(r.stdout, "whsec_"):]
	whsec := strings.TrimSpace(strings.SplitN(secretLine, "\n", 2)[0])
	var err error
	if recv, err = webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{whsec}}); err != nil {
		t.Fatal(err)
	}
	ce.cli(t, "sync", "--no-deliver") // the baseline
	if _, err := ce.srv.SimulateActivity(30, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	ce.cli(t, "sync", "--no-deliver")
	events := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries")
	if events < 3 {
		t.Fatalf("only %d events to deliver", events)
	}

	cmd, out := ce.child(t, map[string]string{"SALESENGINE_WEBHOOK_TIMEOUT": "30s"}, "deliver", "--wait", "60s")
	select {
	case <-hung:
	case <-time.After(60 * time.Second):
		t.Fatalf("no delivery arrived; child output:\n%s", out)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// A new process: the job the killed one was running is presumed lost after RESCUE_AFTER and sent again.
	ce.env["SALESENGINE_WEBHOOK_TIMEOUT"] = "1s"
	ce.env["SALESENGINE_WEBHOOK_RESCUE_AFTER"] = "6s"
	waitUntil(t, "every event delivered", func() bool {
		ce.cli(t, "deliver", "--wait", "5s")
		return ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'") == events
	})
	if recv.Unique() != events {
		t.Errorf("receiver verified %d distinct events, want %d", recv.Unique(), events)
	}
	seen := false
	for _, rc := range recv.Received() {
		if rc.ID == first {
			seen = true
		}
	}
	if !seen {
		t.Errorf("the event in flight at the kill (%s) was not delivered again with the same webhook-id", first)
	}
	if n := ce.count(t, fmt.Sprintf("SELECT COUNT(*) FROM webhook_deliveries WHERE event_id = '%s' AND state = 'delivered'", first)); n != 1 {
		t.Errorf("interrupted event state: %d delivered rows", n)
	}
}
