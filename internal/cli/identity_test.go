package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/webhook"
)

// confirmedOrders is how many orders of the fake a sync stores: the confirmed ones.
func confirmedOrders(srv *odootest.Server) int {
	n := 0
	for _, o := range srv.Orders() {
		if o.State == "sale" || o.State == "done" {
			n++
		}
	}
	return n
}

func (ce *crashEnv) ordersOf(t *testing.T, name string) int {
	t.Helper()
	return ce.count(t, "SELECT COUNT(*) FROM sales_orders WHERE connection_id = (SELECT id FROM connections WHERE name = '"+name+"')")
}

// TestRunModesAndRepointedDefault is the story: the test and the production Odoo of USE_TEST_ODOO are two
// connections, never one that flips; and a connection whose Odoo changes under it (ODOO_URL edited) is refused
// until its data is reset, after which it holds exactly the new Odoo's orders.
func TestRunModesAndRepointedDefault(t *testing.T) {
	t.Parallel()
	data := &odootest.GenerateOptions{Years: 1, SKUs: 12}
	ce := newCrashEnv(t, data) // the test Odoo
	prod := odootest.Start(t, odootest.Options{Version: "17", Seed: 12, Data: data})
	if confirmedOrders(prod) == confirmedOrders(ce.srv) {
		t.Fatal("the two fakes hold as many confirmed orders: the test could not tell them apart")
	}
	for k, v := range map[string]string{"ODOO_URL": prod.URL(), "ODOO_DB": "odoo", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "admin",
		"ODOO_TEST_URL": ce.srv.URL(), "ODOO_TEST_DB": "odoo", "ODOO_TEST_USERNAME": "admin", "ODOO_TEST_PASSWORD": "admin",
		"USE_TEST_ODOO": "true"} {
		ce.env[k] = v
	}
	ce.cli(t, "sync", "--no-deliver")
	if got, want := ce.ordersOf(t, "default-test"), confirmedOrders(ce.srv); got != want {
		t.Fatalf("default-test holds %d orders, the test Odoo %d confirmed", got, want)
	}
	ce.env["USE_TEST_ODOO"] = "false"
	r := ce.cli(t, "sync", "--no-deliver")
	if strings.Contains(r.stdout, "default-test:") {
		t.Errorf("the production run synced the test connection too:\n%s", r.stdout)
	}
	if got, want := ce.ordersOf(t, "default"), confirmedOrders(prod); got != want {
		t.Fatalf("default holds %d orders, production %d confirmed", got, want)
	}
	if got, want := ce.ordersOf(t, "default-test"), confirmedOrders(ce.srv); got != want {
		t.Errorf("switching to production changed default-test: %d orders, want %d", got, want)
	}

	// ODOO_URL now names the test Odoo: default holds production's data, so its sync is refused, changing nothing.
	ce.env["ODOO_URL"] = ce.srv.URL()
	r = ce.try(t, "sync", "--no-deliver")
	if r.code != 1 || !strings.Contains(r.stdout, "default: FAILED") ||
		!strings.Contains(r.stdout, "salesengine connections edit default --reset-data") {
		t.Fatalf("sync of the re-pointed default: %+v", r)
	}
	if got, want := ce.ordersOf(t, "default"), confirmedOrders(prod); got != want {
		t.Errorf("the refused sync changed default: %d orders, want production's %d", got, want)
	}
	r = ce.cli(t, "connections", "edit", "default", "--reset-data")
	if !strings.Contains(r.stdout, fmt.Sprintf("deleted its data: %d orders", confirmedOrders(prod))) {
		t.Errorf("reset: %s", r.stdout)
	}
	r = ce.cli(t, "sync", "--no-deliver")
	if !strings.Contains(r.stdout, "default: initial sync") {
		t.Errorf("the sync after the reset is not an initial one:\n%s", r.stdout)
	}
	if got, want := ce.ordersOf(t, "default"), confirmedOrders(ce.srv); got != want {
		t.Errorf("after the reset default holds %d orders, the Odoo it points at %d confirmed", got, want)
	}
	if n := ce.count(t, `SELECT COUNT(*) FROM sales_orders o JOIN connections c ON c.id = o.connection_id AND c.name = 'default'
		JOIN sales_orders t ON t.order_id = o.order_id AND t.connection_id = (SELECT id FROM connections WHERE name = 'default-test')
		WHERE o.name <> t.name OR o.write_date <> t.write_date`); n != 0 {
		t.Errorf("%d orders of default differ from the test Odoo's", n)
	}
}

// TestEditRefusesAnotherOdoo: connections edit --url on a connection holding data needs --reset-data or
// --keep-data; the two together are a usage error.
func TestEditRefusesAnotherOdoo(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin")
	ce.cli(t, "sync")
	orders := ce.ordersOf(t, "acme")
	r := ce.try(t, "connections", "edit", "acme", "--url", "https://acme.odoo.com", "--database", "acme")
	if r.code != 2 || !strings.Contains(r.stderr, "--reset-data") || !strings.Contains(r.stderr, "Hint: nothing was changed") {
		t.Errorf("edit --url of a synced connection: %+v", r)
	}
	if r := ce.try(t, "connections", "edit", "acme", "--reset-data", "--keep-data"); r.code != 2 || !strings.Contains(r.stderr, "contradict") {
		t.Errorf("--reset-data --keep-data: %+v", r)
	}
	if n := ce.ordersOf(t, "acme"); n != orders || ce.count(t, "SELECT COUNT(*) FROM connections WHERE url = 'https://acme.odoo.com'") != 0 {
		t.Errorf("a refused edit changed something: %d orders, was %d", n, orders)
	}
	// The same server at another spelling of its address: the same database, no question.
	ce.cli(t, "connections", "edit", "acme", "--url", strings.Replace(ce.srv.URL(), "http://", "HTTP://", 1)+"/")
	ce.cli(t, "connections", "edit", "acme", "--url", "https://acme.odoo.com", "--keep-data")
	if n := ce.ordersOf(t, "acme"); n != orders {
		t.Errorf("--keep-data: %d orders, was %d", n, orders)
	}
}

// TestWebhookSecretsEveryoneCanKnow: a webhook URL set by edit gets a secret shown once; show-secret prints a lost
// one (only with --yes off a terminal); the default connection signs with POLLER_DEFAULT_WEBHOOK_SECRET(_FILE),
// or with a generated one that sync does not print but show-secret does, and every delivery verifies.
func TestWebhookSecretsEveryoneCanKnow(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin")
	r := ce.cli(t, "connections", "edit", "acme", "--webhook-url", "https://inventory.example/hook")
	i := strings.Index(r.stdout, "whsec_")
	if i < 0 || !strings.Contains(r.stdout, "it will not be shown again") {
		t.Fatalf("edit --webhook-url on a connection without a secret: %s", r.stdout)
	}
	shown := strings.Fields(r.stdout[i:])[0]
	if _, err := webhook.ParseSecret(shown); err != nil {
		t.Fatalf("shown secret %q: %v", shown, err)
	}
	if r := ce.try(t, "connections", "show-secret", "acme"); r.code != 2 || !strings.Contains(r.stderr, "--yes") || strings.Contains(r.stdout+r.stderr, "whsec_") {
		t.Errorf("show-secret off a terminal without --yes: %+v", r)
	}
	if r := ce.cli(t, "connections", "show-secret", "acme", "--yes"); r.stdout != shown+"\n" {
		t.Errorf("show-secret --yes printed %q, want the secret shown at edit", r.stdout)
	}
	if r := ce.cli(t, "connections", "list", "--json"); strings.Contains(r.stdout, "whsec_") {
		t.Errorf("list shows a secret: %s", r.stdout)
	}

	// The default connection, with a receiver that verifies every signature.
	check := func(t *testing.T, env map[string]string, wantNotice bool) string {
		t.Helper()
		sub := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 8})
		for k, v := range env {
			sub.env[k] = v
		}
		var secret string
		recv := &lateReceiver{}
		hook := httptest.NewServer(recv)
		t.Cleanup(hook.Close)
		for k, v := range map[string]string{"ODOO_URL": sub.srv.URL(), "ODOO_DB": "odoo", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "admin",
			"POLLER_DEFAULT_WEBHOOK_URL": hook.URL + "/hook"} {
			sub.env[k] = v
		}
		r := sub.cli(t, "sync")
		if strings.Contains(r.stdout+r.stderr, "whsec_") {
			t.Errorf("sync printed a secret:\n%s", r.stdout)
		}
		if got := strings.Contains(r.stdout, "show-secret default"); got != wantNotice {
			t.Errorf("sync says how to see a generated secret: %v, want %v:\n%s", got, wantNotice, r.stdout)
		}
		secret = strings.TrimSpace(sub.cli(t, "connections", "show-secret", "default", "--yes").stdout)
		recv.set(t, secret)
		if _, err := sub.srv.SimulateActivity(20, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		r = sub.cli(t, "sync", "--deliver-wait", "10s")
		if recv.receiver().Unique() == 0 || recv.receiver().Rejected() != 0 || !strings.Contains(r.stdout, "webhooks: ") || strings.Contains(r.stdout, " 0 delivered") {
			t.Errorf("receiver verified %d events, rejected %d:\n%s", recv.receiver().Unique(), recv.receiver().Rejected(), r.stdout)
		}
		return secret
	}
	t.Run("generated", func(t *testing.T) {
		t.Parallel()
		if s := check(t, nil, true); !strings.HasPrefix(s, "whsec_") {
			t.Errorf("show-secret default: %q", s)
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		t.Parallel()
		want, _ := webhook.GenerateSecret()
		if s := check(t, map[string]string{"POLLER_DEFAULT_WEBHOOK_SECRET": want}, false); s != want {
			t.Errorf("default signs with %q, want POLLER_DEFAULT_WEBHOOK_SECRET", s)
		}
	})
	t.Run("from a file", func(t *testing.T) {
		t.Parallel()
		want, _ := webhook.GenerateSecret()
		path := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if s := check(t, map[string]string{"POLLER_DEFAULT_WEBHOOK_SECRET_FILE": path}, false); s != want {
			t.Errorf("default signs with %q, want the secret in POLLER_DEFAULT_WEBHOOK_SECRET_FILE", s)
		}
	})
}

// TestDeleteWithUndeliveredEvents: deleting a connection whose webhook events were never delivered says how many
// and needs --yes.
func TestDeleteWithUndeliveredEvents(t *testing.T) {
	t.Parallel()
	ce := newCrashEnv(t, &odootest.GenerateOptions{Years: 1, SKUs: 10})
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--webhook-url", "http://127.0.0.1:1/hook")
	ce.cli(t, "sync", "--no-deliver")
	// Some events die (one attempt allowed, nothing listens), later ones wait.
	if _, err := ce.srv.SimulateActivity(10, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	ce.env["SALESENGINE_WEBHOOK_MAX_ATTEMPTS"] = "1"
	ce.try(t, "sync", "--deliver-wait", "5s")
	if _, err := ce.srv.SimulateActivity(10, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	ce.cli(t, "sync", "--no-deliver")
	pending := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")
	dead := ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'dead'")
	if pending < 1 || dead < 1 {
		t.Fatalf("%d pending and %d dead deliveries, want some of each", pending, dead)
	}
	holds := fmt.Sprintf("holds %d orders, %d order lines, %d products, %d inventory rows, %d stock moves, %d manufacturing and purchasing rows,",
		ce.count(t, "SELECT COUNT(*) FROM sales_orders"), ce.count(t, "SELECT COUNT(*) FROM sales_items"), ce.count(t, "SELECT COUNT(*) FROM products"),
		ce.count(t, "SELECT COUNT(*) FROM inventory"), ce.count(t, "SELECT COUNT(*) FROM stock_moves"),
		ce.count(t, "SELECT (SELECT COUNT(*) FROM mrp_productions) + (SELECT COUNT(*) FROM purchase_lines) + (SELECT COUNT(*) FROM mrp_boms)"+
			" + (SELECT COUNT(*) FROM mrp_bom_lines) + (SELECT COUNT(*) FROM orderpoints) + (SELECT COUNT(*) FROM supplier_infos) + (SELECT COUNT(*) FROM product_routes)"))
	r := ce.try(t, "connections", "delete", "acme")
	want := fmt.Sprintf("%d webhook events of \"acme\" were never delivered (%d waiting to be sent, %d dead-lettered)", pending+dead, pending, dead)
	if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("delete with undelivered events: %+v\nwant %q", r, want)
	}
	if !strings.Contains(r.stderr, holds) {
		t.Errorf("delete says what it deletes: %q\nwant %q", r.stderr, holds)
	}
	if ce.count(t, "SELECT COUNT(*) FROM connections") != 1 {
		t.Fatal("the connection was deleted")
	}
	r = ce.cli(t, "connections", "delete", "acme", "--yes")
	if !strings.Contains(r.stdout, `deleted connection 1 "acme"`) || ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries") != 0 {
		t.Errorf("delete --yes: %+v", r)
	}
}

// lateReceiver verifies signatures with a secret known only after the endpoint's URL was handed out; until then
// it answers 503.
type lateReceiver struct {
	mu gosync.Mutex
	r  *webhook.Receiver
}

func (l *lateReceiver) set(t *testing.T, secret string) {
	t.Helper()
	r, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{secret}})
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	l.r = r
	l.mu.Unlock()
}

func (l *lateReceiver) receiver() *webhook.Receiver {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r
}

func (l *lateReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r := l.receiver()
	if r == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.ServeHTTP(w, req)
}
