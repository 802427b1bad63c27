package cli

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// changes gives the connection a baseline, then order changes whose webhooks the next sync delivers.
func (ce *crashEnv) changes(t *testing.T, hookURL string) {
	t.Helper()
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--webhook-url", hookURL)
	ce.cli(t, "sync", "--no-deliver")
	if _, err := ce.srv.SimulateActivity(25, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
}

func (ce *crashEnv) try(t *testing.T, args ...string) result {
	t.Helper()
	return run(t, ce.env, append([]string{"--config", filepath.Join(ce.dir, "empty.env")}, args...)...)
}

// TestDeadLettersAreNotDelivered: deliveries dead-lettered by a refused connection (max attempts 1) or a
// refused private address are reported as dead, not delivered, and the pass exits 3.
func TestDeadLettersAreNotDelivered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		url  func(t *testing.T) string
	}{
		{"connection refused", map[string]string{"SALESENGINE_WEBHOOK_MAX_ATTEMPTS": "1", "SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS": "1000"}, func(t *testing.T) string {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close() // nothing listens there any more
			return "http://" + addr + "/hook"
		}},
		{"private address", map[string]string{"SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "false"}, func(t *testing.T) string {
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
			t.Cleanup(hook.Close)
			return hook.URL + "/hook"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 15})
			ce.changes(t, tc.url(t))
			for k, v := range tc.env {
				ce.env[k] = v
			}
			r := ce.try(t, "sync", "--deliver-wait", "10s")
			dead := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'dead'")
			if dead == 0 {
				t.Fatalf("nothing dead-lettered: %s", r.stdout)
			}
			if r.code != exitDeadLetters {
				t.Errorf("exit %d, want %d\n%s%s", r.code, exitDeadLetters, r.stdout, r.stderr)
			}
			want := "webhooks: 0 delivered"
			if !strings.Contains(r.stdout, want) || !regexp.MustCompile(`\b`+itoa(dead)+` dead\b`).MatchString(r.stdout) {
				t.Errorf("stdout lacks %q and %d dead:\n%s", want, dead, r.stdout)
			}
			if !strings.Contains(r.stderr, "dead-lettered") {
				t.Errorf("stderr: %s", r.stderr)
			}
			// Nothing left to do: deliver says so and succeeds; retry dead-letters them again and exits 3.
			if r := ce.try(t, "deliver"); r.code != 0 || !strings.Contains(r.stdout, "nothing queued") {
				t.Errorf("deliver: %+v", r)
			}
			r = ce.try(t, "retry", "--all", "--wait", "10s")
			if r.code != exitDeadLetters || !strings.Contains(r.stdout, "0 delivered") {
				t.Errorf("retry: %+v", r)
			}
		})
	}
}

// TestDeliverNamesOpenCircuit: an endpoint failing every request opens its circuit; the summary says how many
// failed and how many wait for the circuit, with its time, and a later deliver names the circuit and never
// shows a time in the past. Waiting is not a failure: exit 0.
func TestDeliverNamesOpenCircuit(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 15})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(hook.Close)
	ce.changes(t, hook.URL+"/hook")
	ce.env["SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS"] = "3"
	ce.env["SALESENGINE_WEBHOOK_CONCURRENCY"] = "1"
	r := ce.cli(t, "sync", "--deliver-wait", "5s")
	if !regexp.MustCompile(`webhooks: 0 delivered, 3 failed, (\d+) waiting \((\d+) for the circuit of "acme", open until \d\d:\d\d:\d\d\)\n`).MatchString(r.stdout) {
		t.Errorf("sync summary:\n%s", r.stdout)
	}
	r = ce.cli(t, "deliver", "--wait", "2s")
	if !regexp.MustCompile(`webhooks: 0 delivered, \d+ waiting \(\d+ for the circuit of "acme", open until \d\d:\d\d:\d\d\)\n`).MatchString(r.stdout) {
		t.Errorf("deliver summary:\n%s", r.stdout)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDeadLetterExitCode: dead letters alone exit 3; with another failure (a connection that did not sync)
// the failure's exit 1 wins.
func TestDeadLetterExitCode(t *testing.T) {
	t.Parallel()
	dl := &DeadLetterError{Count: 2}
	if code, _, _ := classify(dl, "salesengine sync"); code != exitDeadLetters {
		t.Errorf("dead letters alone: exit %d", code)
	}
	if code, _, _ := classify(errors.Join(nil, dl), "salesengine sync"); code != exitDeadLetters {
		t.Errorf("joined with nothing: exit %d", code)
	}
	if code, _, _ := classify(errors.Join(errors.New("sync failed for 1 of 2 connections"), dl), "salesengine run"); code != exitFailure {
		t.Errorf("with a sync failure: exit %d", code)
	}
}

// TestGoneStopsDelivery: through the real store, after the first 410 no further request reaches the receiver;
// the deliveries stay pending (parked), and the summary says so.
func TestGoneStopsDelivery(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 15})
	var requests atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	t.Cleanup(hook.Close)
	ce.changes(t, hook.URL+"/hook")
	ce.env["SALESENGINE_WEBHOOK_CONCURRENCY"] = "1"
	r := ce.cli(t, "sync", "--deliver-wait", "5s")
	pending := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests reached the receiver after its 410, want 1", n)
	}
	if total := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries"); pending != total || total < 2 {
		t.Errorf("%d of %d deliveries pending", pending, total)
	}
	if !strings.Contains(r.stdout, `parked: the webhook of "acme" is disabled`) {
		t.Errorf("summary:\n%s", r.stdout)
	}
}
