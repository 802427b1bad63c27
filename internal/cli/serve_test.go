package cli

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store/sqlstore"
)

// freeAddr returns a loopback address nobody listens on (for a child process to take).
func freeAddr(t testing.TB) string {
	t.Helper()
	// Below Linux's ephemeral range (32768-60999): a port Listen(":0") gave and this closed could go to any
	// outgoing connection (another test's, a fake Odoo's) before serve binds it, and serve then failed with
	// "address already in use". Ports handed out are not handed out again.
	for range 1000 {
		port := 20000 + rand.IntN(12000)
		if _, taken := handedOut.LoadOrStore(port, true); taken {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // another process's
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	t.Fatal("no free port found below the ephemeral range")
	return ""
}

// handedOut are the ports freeAddr gave in this process.
var handedOut sync.Map

// newAcmeEnv is a crash environment with one connection, acme, to its fake Odoo, polled every 10 s (the minimum).
func newAcmeEnv(t *testing.T) *crashEnv {
	t.Helper()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s")
	return ce
}

// stopServe sends serve SIGTERM and fails the test unless it exits 0.
func stopServe(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) {
	t.Helper()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, out)
	}
}

// serveOdooDown makes ce's fake Odoo answer every call with HTTP 503 and starts serve with Odoo's circuit opening
// after `failures` failed passes for `cooldown`, and no retry of a failed call.
func serveOdooDown(t *testing.T, ce *crashEnv, failures, cooldown string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP503})
	env := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_CIRCUIT_FAILURES": failures, "SALESENGINE_CIRCUIT_COOLDOWN": cooldown, "SALESENGINE_ODOO_RETRIES": "0",
		"SALESENGINE_SHUTDOWN_TIMEOUT": "3s"}
	cmd, out := ce.child(t, env, "serve", "--addr", freeAddr(t))
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, out
}

// serveAlive fails the test at once when serve has exited.
func serveAlive(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) {
	t.Helper()
	if cmd.ProcessState != nil {
		t.Fatalf("serve exited:\n%s", out)
	}
}

func newFake(t *testing.T, seed int64) *odootest.Server {
	t.Helper()
	srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: seed, Data: &odootest.GenerateOptions{Years: 1, SKUs: 8}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestServe runs `serve` as a real process: a tenant whose Odoo never answers does not delay another, a
// connection added by another process is polled without a restart, a second serve on the SQLite file is
// refused, /metrics parses with Prometheus' parser and carries the documented names, and SIGTERM drains and
// exits 0 (cutting the hung pass at the shutdown timeout, which records it as interrupted).
func TestServe(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	hung, late := newFake(t, 21), newFake(t, 22)
	hung.InjectFault(odootest.Fault{Kind: odootest.Timeout}) // every call waits until the client gives up
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s", "--webhook-url", receiver.URL+"/hook")
	ce.cli(t, "connections", "add", "--no-input", "--name", "hung", "--url", hung.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s")
	addr := freeAddr(t)
	serveEnv := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_SHUTDOWN_TIMEOUT": "3s", "SALESENGINE_LOG_LEVEL": "info"}
	cmd, out := ce.child(t, serveEnv, "serve", "--addr", addr)
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	okPasses := func(name string) int {
		return ce.count(t, `SELECT COUNT(*) FROM sync_logs l JOIN connections c ON c.id = l.connection_id
			WHERE c.name = '`+name+`' AND l.status = 'ok'`)
	}
	waitUntil(t, "the first pass of acme", func() bool {
		if cmd.ProcessState != nil {
			t.Fatalf("serve exited:\n%s", out)
		}
		return okPasses("acme") >= 1
	})
	if _, err := ce.srv.SimulateActivity(20, time.Minute); err != nil { // business for the next pass's webhooks
		t.Fatal(err)
	}
	waitUntil(t, "two passes of acme, 10 s apart, while hung's first pass hangs", func() bool {
		if cmd.ProcessState != nil {
			t.Fatalf("serve exited:\n%s", out)
		}
		return okPasses("acme") >= 2
	})
	if n := ce.count(t, `SELECT COUNT(*) FROM sync_logs l JOIN connections c ON c.id = l.connection_id WHERE c.name = 'hung' AND l.status = 'running'`); n != 1 {
		t.Errorf("hung has %d running passes, want 1 (the one waiting for its Odoo)", n)
	}
	ce.assertSyncedExactly(t)

	// A second serve on the same SQLite file is refused at once.
	second := exec.Command(cmd.Path, "--config", ce.dir+"/empty.env", "serve", "--addr", freeAddr(t))
	second.Env = cmd.Env
	b, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "one 'salesengine serve' per SQLite file") {
		t.Errorf("second serve: %v\n%s", err, b)
	}

	// A connection added by another process is polled within a refresh, without a restart.
	ce.cli(t, "connections", "add", "--no-input", "--name", "late", "--url", late.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s")
	waitUntil(t, "a pass of the connection added while serving", func() bool { return okPasses("late") >= 1 })

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{"salesengine_sync_last_success_timestamp_seconds", "salesengine_sync_duration_seconds",
		"salesengine_sync_records_total", "salesengine_circuit_open", "salesengine_webhook_queue_depth",
		"salesengine_webhook_oldest_pending_age_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if f := fams["salesengine_sync_records_total"]; f != nil {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "connection" && l.GetValue() == "hung" {
					t.Errorf("records counted for the hung tenant: %v", m)
				}
			}
		}
	}
	waitUntil(t, "the webhooks of the second pass delivered", func() bool {
		return received.Load() > 0 && ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'delivered'") == 0
	})
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	fams, err = p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	delivered := 0.0
	for _, m := range fams["salesengine_webhook_deliveries_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["connection"] == "acme" && labels["outcome"] == "delivered" {
			delivered = m.GetCounter().GetValue()
		}
	}
	if want := float64(received.Load()); delivered != want {
		t.Errorf("salesengine_webhook_deliveries_total{acme,delivered} = %v, the receiver answered 2xx %v times", delivered, want)
	}
	if h := fams["salesengine_webhook_delivery_latency_seconds"]; h == nil || h.GetMetric()[0].GetHistogram().GetSampleCount() != uint64(received.Load()) {
		t.Errorf("delivery latency histogram: %v", h)
	}
	// A connection deleted by another process leaves /metrics within a refresh.
	ce.cli(t, "connections", "delete", "late", "--yes")
	waitUntil(t, "the deleted connection's series gone", func() bool {
		r, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, r.Body)
		return !strings.Contains(b.String(), `connection="late"`)
	})
	for _, path := range []string{"/livez", "/readyz"} {
		r, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Errorf("%s: %s", path, r.Status)
		}
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if err != nil || !strings.Contains(out.String(), "stopped") {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, out)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("stopping took %v with a 3 s shutdown timeout", took)
	}
	if n := ce.count(t, `SELECT COUNT(*) FROM sync_logs WHERE status = 'running'`); n != 0 {
		t.Errorf("%d passes still 'running' after the stop:\n%s", n, ce.queryText(t, "SELECT status || ' ' || error FROM sync_logs"))
	}
	if !strings.Contains(out.String(), "msg=sync connection=acme kind=") {
		t.Errorf("no summary line per pass in the log:\n%s", out)
	}
}

// TestServeFollowsCircuitReset: a webhook circuit opened by a running serve and closed by 'reset-circuit' in
// another process is honoured within seconds: the deliveries that waited go out, long before the cooldown.
func TestServeFollowsCircuitReset(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	var failing atomic.Bool
	failing.Store(true)
	var delivered atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		delivered.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s", "--webhook-url", receiver.URL+"/hook")
	ce.cli(t, "sync", "--no-deliver") // the baseline: no events
	if _, err := ce.srv.SimulateActivity(20, time.Minute); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS": "2", "SALESENGINE_WEBHOOK_CIRCUIT_RATIO": "0.5",
		"SALESENGINE_CIRCUIT_COOLDOWN": "10m", "SALESENGINE_SHUTDOWN_TIMEOUT": "3s"}
	cmd, out := ce.child(t, env, "serve", "--addr", freeAddr(t))
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitUntil(t, "the webhook circuit open", func() bool {
		if cmd.ProcessState != nil {
			t.Fatalf("serve exited:\n%s", out)
		}
		return ce.count(t, "SELECT COUNT(*) FROM connections WHERE circuit_state = 'open'") == 1
	})
	pending := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")
	if pending == 0 {
		t.Fatal("no deliveries waiting")
	}
	failing.Store(false)
	reset := time.Now()
	if r := ce.cli(t, "reset-circuit", "acme", "--webhook"); !strings.Contains(r.stdout, "closed") {
		t.Fatalf("reset-circuit: %s", r.stdout)
	}
	deadline := time.Now().Add(90 * time.Second)
	for ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'delivered'") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not delivered 90 s after the reset:\n%s\n%s", ce.queryText(t,
				"SELECT id || ' ' || state || ' attempts=' || attempts || ' next=' || COALESCE(next_attempt_at, '-') || ' ' || last_error FROM webhook_deliveries WHERE state <> 'delivered'"), out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The first retries come 30 s after a failure at the earliest; the cooldown is 10 minutes.
	if took := time.Since(reset); took > 90*time.Second {
		t.Errorf("deliveries resumed %v after the reset", took)
	}
	if int(delivered.Load()) < pending {
		t.Errorf("receiver got %d, %d were waiting", delivered.Load(), pending)
	}
	stopServe(t, cmd, out)
}

// TestServeOdooCircuit: a running serve opens a connection's Odoo circuit after SALESENGINE_CIRCUIT_FAILURES
// failed polls, polls nothing while it is open, and follows a 'reset-circuit --odoo' from another process
// within seconds, long before the cooldown.
func TestServeOdooCircuit(t *testing.T) {
	t.Parallel()
	ce := newAcmeEnv(t)
	cmd, out := serveOdooDown(t, ce, "2", "10m")
	failed := func() int { return ce.count(t, "SELECT COUNT(*) FROM sync_logs WHERE status = 'failed'") }
	waitUntil(t, "the Odoo circuit open after two failed polls", func() bool {
		serveAlive(t, cmd, out)
		return ce.count(t, "SELECT COUNT(*) FROM connections WHERE odoo_circuit_state = 'open'") == 1
	})
	if n := failed(); n != 2 {
		t.Errorf("%d failed passes when the circuit opened, want 2", n)
	}
	time.Sleep(12 * time.Second) // more than a poll interval: an open circuit polls nothing
	if n := failed(); n != 2 {
		t.Errorf("%d failed passes while the circuit was open, want still 2", n)
	}
	ce.srv.ClearFaults() // Odoo is back
	reset := time.Now()
	if r := ce.cli(t, "reset-circuit", "acme", "--odoo"); !strings.Contains(r.stdout, "Odoo circuit of \"acme\" closed") {
		t.Fatalf("reset-circuit: %s", r.stdout)
	}
	waitUntil(t, "a good pass after the reset", func() bool {
		return ce.count(t, "SELECT COUNT(*) FROM sync_logs WHERE status = 'ok'") >= 1
	})
	if took := time.Since(reset); took > 8*time.Second {
		t.Errorf("the first pass after the reset came %v later (refresh 2 s, cooldown 10 min)", took)
	}
	if n := ce.count(t, "SELECT COUNT(*) FROM connections WHERE odoo_circuit_state = 'closed' AND odoo_circuit_failures = 0"); n != 1 {
		t.Errorf("circuit not closed after the good pass")
	}
	ce.assertSyncedExactly(t)
	stopServe(t, cmd, out)
}

// TestServeOdooCircuitHalfOpen: once a connection's Odoo circuit has cooled down, a running serve makes exactly
// one trial pass. While Odoo still fails, the trial opens the circuit for another cooldown (no call in between);
// once Odoo answers, the trial closes it and polling goes on at the poll interval. The cooldown (12 s) is longer
// than the poll interval (10 s, the minimum), so that the holds seen are the circuit's, not the interval's.
func TestServeOdooCircuitHalfOpen(t *testing.T) {
	t.Parallel()
	ce := newAcmeEnv(t)
	cmd, out := serveOdooDown(t, ce, "1", "12s")
	alive := func() { serveAlive(t, cmd, out) }
	circuit := func() (state string, failures int, until time.Time) {
		row := strings.Fields(ce.queryText(t, `SELECT odoo_circuit_state || ' ' || odoo_circuit_failures || ' ' ||
			COALESCE(replace(odoo_circuit_until, ' ', 'T'), '-') FROM connections WHERE name = 'acme'`))
		if len(row) != 3 {
			t.Fatalf("circuit row: %q", row)
		}
		failures, _ = strconv.Atoi(row[1])
		until, _ = time.Parse(sqlstore.SQLiteTimeLayout, strings.Replace(row[2], "T", " ", 1))
		return row[0], failures, until
	}
	// passes lists the passes as "status started_at" (UTC, as stored), oldest first.
	passes := func() []string {
		return strings.Fields(strings.ReplaceAll(ce.queryText(t, `SELECT status || ' ' || replace(started_at, ' ', 'T') FROM sync_logs ORDER BY id`), "\n", " "))
	}
	startedAt := func(i int) time.Time {
		p := passes()
		ts, err := time.Parse(sqlstore.SQLiteTimeLayout, strings.Replace(p[2*i+1], "T", " ", 1))
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}

	waitUntil(t, "the circuit open after the first failed pass", func() bool {
		alive()
		state, _, _ := circuit()
		return state == "open"
	})
	_, failures, until1 := circuit()
	calls1 := ce.srv.Calls()
	if failures != 1 || len(passes()) != 2 {
		t.Fatalf("after the first pass: %d failures, passes %v", failures, passes())
	}

	// Odoo still down: one trial after the cooldown, which fails and opens the circuit for another cooldown.
	waitUntil(t, "the failed trial", func() bool {
		alive()
		_, failures, _ := circuit()
		return failures == 2
	})
	state, _, until2 := circuit()
	if state != "open" {
		t.Errorf("after a failed trial the circuit is %s, want open", state)
	}
	if calls := ce.srv.Calls() - calls1; calls != 1 {
		t.Errorf("%d calls to Odoo from the opening to the end of the trial, want 1 (the trial's)", calls)
	}
	if p := passes(); len(p) != 4 || p[0] != "failed" || p[2] != "failed" {
		t.Errorf("passes: %v, want two failed ones (no pass, not even a skipped one, while open)", p)
	}
	if trial := startedAt(1); trial.Before(until1) {
		t.Errorf("the trial started at %s, before the cooldown ended (%s)", trial, until1)
	}
	if cooldown := until2.Sub(startedAt(1)); cooldown < 11*time.Second || cooldown > 14*time.Second {
		t.Errorf("the failed trial opened the circuit for %s, want the 12 s cooldown", cooldown)
	}

	// Odoo is back: the next trial, after the second cooldown, closes the circuit; polling resumes.
	ce.srv.ClearFaults()
	time.Sleep(time.Until(until2) - 3*time.Second)
	if calls := ce.srv.Calls() - calls1; calls != 1 {
		t.Errorf("%d calls to Odoo during the second cooldown, want still the trial's 1", calls)
	}
	waitUntil(t, "the circuit closed by the second trial", func() bool {
		alive()
		state, failures, _ := circuit()
		return state == "closed" && failures == 0
	})
	if p := passes(); len(p) != 6 || p[4] != "ok" {
		t.Fatalf("passes: %v, want the trial's ok after two failed", p)
	}
	if trial := startedAt(2); trial.Before(until2) {
		t.Errorf("the second trial started at %s, before the cooldown ended (%s)", trial, until2)
	}
	if d := ce.queryText(t, `SELECT details FROM sync_logs ORDER BY id DESC LIMIT 1`); !strings.Contains(d, "trial pass succeeded") {
		t.Errorf("the trial's details: %q", d)
	}
	ce.assertSyncedExactly(t)
	waitUntil(t, "the next pass, at the poll interval", func() bool {
		alive()
		return ce.count(t, "SELECT COUNT(*) FROM sync_logs WHERE status = 'ok'") >= 2
	})
	if gap := startedAt(3).Sub(startedAt(2)); gap < 9*time.Second || gap > 15*time.Second {
		t.Errorf("the pass after the trial came %s later, want about the 10 s interval", gap)
	}
	r := ce.cli(t, "connections", "list")
	if !strings.Contains(r.stdout, "closed") {
		t.Errorf("connections list after the trial:\n%s", r.stdout)
	}
	stopServe(t, cmd, out)
}

// TestServeStopDuringOdooRetry: a SIGTERM while a pass waits to retry an Odoo call (Odoo asked for 25 s with
// Retry-After) ends that pass at once, recorded as interrupted and not counted against Odoo's circuit, instead of
// after the backoff or the 60 s shutdown timeout.
func TestServeStopDuringOdooRetry(t *testing.T) {
	t.Parallel()
	ce := newAcmeEnv(t)
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP503, RetryAfter: 25 * time.Second})
	env := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_SHUTDOWN_TIMEOUT": "60s", "SALESENGINE_LOG_LEVEL": "info"}
	cmd, out := ce.child(t, env, "serve", "--addr", freeAddr(t))
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitUntil(t, "the pass waiting to retry", func() bool {
		if cmd.ProcessState != nil {
			t.Fatalf("serve exited:\n%s", out)
		}
		return ce.srv.Calls() >= 1 && strings.Contains(out.String(), "retrying call")
	})
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("serve took %v to stop while a pass waited 25 s to retry", took)
	}
	if calls := ce.srv.Calls(); calls != 1 {
		t.Errorf("%d calls to Odoo, want 1 (no retry after the stop)", calls)
	}
	row := ce.queryText(t, "SELECT status || ' ' || error FROM sync_logs")
	if !strings.HasPrefix(row, "interrupted ") || !strings.Contains(row, "stopped while waiting to retry") {
		t.Errorf("the pass's log row: %q, want interrupted while waiting to retry", row)
	}
	if n := ce.count(t, "SELECT odoo_circuit_failures FROM connections"); n != 0 {
		t.Errorf("the stopped pass counted %d failures against Odoo's circuit", n)
	}
}
