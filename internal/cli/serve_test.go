package cli

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// freeAddr returns a loopback address nobody listens on (for a child process to take).
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
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
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, out)
	}
}

// TestServeOdooCircuit: a running serve opens a connection's Odoo circuit after SALESENGINE_CIRCUIT_FAILURES
// failed polls, polls nothing while it is open, and follows a 'reset-circuit --odoo' from another process
// within seconds, long before the cooldown.
func TestServeOdooCircuit(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s")
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP503}) // Odoo down
	env := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_CIRCUIT_FAILURES": "2", "SALESENGINE_CIRCUIT_COOLDOWN": "10m", "SALESENGINE_ODOO_RETRIES": "0",
		"SALESENGINE_SHUTDOWN_TIMEOUT": "3s"}
	cmd, out := ce.child(t, env, "serve", "--addr", freeAddr(t))
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	failed := func() int { return ce.count(t, "SELECT COUNT(*) FROM sync_logs WHERE status = 'failed'") }
	waitUntil(t, "the Odoo circuit open after two failed polls", func() bool {
		if cmd.ProcessState != nil {
			t.Fatalf("serve exited:\n%s", out)
		}
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
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, out)
	}
}
