package engine

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/webhook"
)

// engines runs fn against a fresh SQLite store and, when configured, a fresh PostgreSQL one, both migrated with
// the webhook queue's tables.
func engines(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	open := map[string]func(t *testing.T) (store.Store, error){
		"sqlite": func(t *testing.T) (store.Store, error) {
			return sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "se.db"))
		},
		"postgres": func(t *testing.T) (store.Store, error) {
			return postgres.Open(context.Background(), storetest.PostgresURL(t))
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := open[name](t)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.MigrationApply(context.Background(), RiverMigration(s, slog.New(slog.DiscardHandler))); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}

// tenant is a fake Odoo, the connection to it and the receiver of its webhooks.
type tenant struct {
	srv  *odootest.Server
	conn *store.Connection
	recv *webhook.Receiver
}

// confirmed is how many orders of the fake a sync stores: the confirmed ones.
func (tn *tenant) confirmed() int {
	n := 0
	for _, o := range tn.srv.Orders() {
		if o.State == "sale" || o.State == "done" {
			n++
		}
	}
	return n
}

// progressCount counts the progress reported per connection.
type progressCount struct {
	nopReporter
	mu gosync.Mutex
	n  map[string]int
}

func (p *progressCount) Progress(ev Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n[ev.Connection]++
}

// newTenants adds n connections, each to a fake Odoo of its own with a webhook receiver, on an engine over s
// whose "today" is the fakes'.
func newTenants(t *testing.T, s store.Store, n int, rep Reporter) (*Engine, []*tenant) {
	t.Helper()
	return newTenantsWith(t, s, n, rep, func(i int) odootest.Options {
		return odootest.Options{Version: []string{"17", "18"}[i%2], Seed: int64(i + 1), Data: &odootest.GenerateOptions{Years: 1, SKUs: 10}}
	})
}

// newTenantsWith is newTenants with the fakes' options of its own.
func newTenantsWith(t *testing.T, s store.Store, n int, rep Reporter, opts func(i int) odootest.Options) (*Engine, []*tenant) {
	t.Helper()
	ctx := context.Background()
	key, _ := secret.GenerateKey()
	set, err := LoadSettings(loadConfig(t, map[string]string{"SALESENGINE_ENCRYPTION_KEY": key, "SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "true",
		"SALESENGINE_SYNC_PAGE_SIZE": "40"}), NeedWebhook|NeedTargets|NeedSync|NeedForecast|NeedPlan)
	if err != nil {
		t.Fatal(err)
	}
	set.Now = func() time.Time { return odootest.DefaultNow }
	eng, err := New(s, set, Options{Reporter: rep})
	if err != nil {
		t.Fatal(err)
	}
	var out []*tenant
	for i := range n {
		tn := &tenant{srv: odootest.Start(t, opts(i))}
		whsec, err := webhook.GenerateSecret()
		if err != nil {
			t.Fatal(err)
		}
		if tn.recv, err = webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{whsec}}); err != nil {
			t.Fatal(err)
		}
		hook := httptest.NewServer(tn.recv)
		t.Cleanup(hook.Close)
		name, db, login, apiKey, hookURL := []string{"acme", "globex", "initech"}[i], "odoo", "admin", "test-api-key-0123456789", hook.URL+"/hook"
		added, err := set.Connections.Manager(s).Add(ctx, connections.Fields{Name: &name, URL: new(tn.srv.URL()), Database: &db,
			Username: &login, APIKey: &apiKey, WebhookURL: &hookURL, WebhookSecret: &whsec})
		if err != nil {
			t.Fatal(err)
		}
		tn.conn = added.Connection
		out = append(out, tn)
	}
	return eng, out
}

// syncAtOnce runs a pass of every tenant at the same time, as serve's pollers do, and returns the webhook
// events they caused.
func syncAtOnce(t *testing.T, eng *Engine, tenants []*tenant) int {
	t.Helper()
	results := make([]SyncResult, len(tenants))
	errs := make([]error, len(tenants))
	var wg gosync.WaitGroup
	for i, tn := range tenants {
		wg.Go(func() { results[i], errs[i] = eng.SyncConnection(context.Background(), tn.conn, SyncOptions{}) })
	}
	wg.Wait()
	events := 0
	for i, tn := range tenants {
		if errs[i] != nil {
			t.Fatalf("%s: %v", tn.conn.Name, errs[i])
		}
		ids, err := eng.store.OrderIDList(context.Background(), tn.conn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != tn.confirmed() {
			t.Errorf("%s holds %d orders, its Odoo %d confirmed", tn.conn.Name, len(ids), tn.confirmed())
		}
		events += results[i].Events
	}
	return events
}

// TestConcurrentPassesAndDelivery: passes of different connections run at the same time on one engine, each
// storing exactly its own Odoo's orders; their webhook events are delivered by Deliver, then by the workers
// running continuously.
func TestConcurrentPassesAndDelivery(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		rep := &progressCount{n: map[string]int{}}
		eng, tenants := newTenants(t, s, 3, rep)
		if events := syncAtOnce(t, eng, tenants); events != 0 {
			t.Errorf("first syncs (a baseline) caused %d webhook events", events)
		}
		for _, tn := range tenants {
			if rep.n[tn.conn.Name] == 0 {
				t.Errorf("no progress reported for %s", tn.conn.Name)
			}
		}

		simulate := func() {
			for _, tn := range tenants {
				if _, err := tn.srv.SimulateActivity(20, 10*time.Minute); err != nil {
					t.Fatal(err)
				}
			}
		}
		received := func() int {
			n := 0
			for _, tn := range tenants {
				n += tn.recv.Unique()
			}
			return n
		}
		simulate()
		events := syncAtOnce(t, eng, tenants)
		if events == 0 {
			t.Fatal("the simulated business caused no webhook event")
		}
		out, err := eng.Deliver(ctx, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if out.Pending != events || out.Delivered != events || out.Waiting+out.Dead+out.Discarded != 0 || received() != events {
			t.Errorf("%d events: outcome %+v, the receivers got %d", events, out, received())
		}

		// serve: the workers run; what a pass enqueues goes out without a Deliver.
		if err := eng.StartDelivering(ctx); err != nil {
			t.Fatal(err)
		}
		simulate()
		more := syncAtOnce(t, eng, tenants)
		deadline := time.Now().Add(time.Minute)
		for received() < events+more && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if err := eng.StopDelivering(ctx); err != nil {
			t.Fatal(err)
		}
		if received() != events+more {
			t.Errorf("with the workers running the receivers got %d of %d events", received()-events, more)
		}
		if out, err := eng.Deliver(ctx, time.Second); err != nil || out.Pending != 0 {
			t.Errorf("pending after the workers delivered: %+v, %v", out, err)
		}
	})
}

// TestStagesNeedTheirSettings: a stage called on an engine built without its settings says so instead of
// running with zero values.
func TestStagesNeedTheirSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "se.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	eng, err := New(s, Settings{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &store.Connection{Name: "acme"}
	for what, err := range map[string]error{
		"SyncConnection":  func() error { _, err := eng.SyncConnection(ctx, c, SyncOptions{}); return err }(),
		"SyncAll":         func() error { _, err := eng.SyncAll(ctx, "", SyncOptions{}); return err }(),
		"Targets":         func() error { _, err := eng.Targets(ctx, ""); return err }(),
		"Deliver":         func() error { _, err := eng.Deliver(ctx, time.Second); return err }(),
		"Retry":           func() error { _, err := eng.Retry(ctx, []int64{1}); return err }(),
		"TestConnection":  func() error { _, err := eng.TestConnection(ctx, c); return err }(),
		"ForecastAndPlan": func() error { _, err := eng.ForecastAndPlan(ctx, c); return err }(),
		"ForecastReport":  func() error { _, err := eng.ForecastReport(ctx, c); return err }(),
		"Plan":            func() error { _, _, err := eng.Plan(ctx, c, nil); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "settings were not loaded") {
			t.Errorf("%s without its settings: %v", what, err)
		}
	}
}

// TestFailedPassEnqueuesWhatItCommitted: a pass that stores orders and their webhook events, then fails (here
// Odoo refuses the stock history read that follows the orders), still hands the committed events to the running
// delivery workers. Before, serve left them pending, with no job, until its next start.
func TestFailedPassEnqueuesWhatItCommitted(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenants(t, s, 1, nopReporter{})
		tn := tenants[0]
		syncAtOnce(t, eng, tenants) // the baseline
		if err := eng.StartDelivering(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := eng.StopDelivering(ctx); err != nil {
				t.Error(err)
			}
		}()
		if _, err := tn.srv.SimulateActivity(20, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		tn.srv.InjectFault(odootest.Fault{Kind: odootest.AccessDenied, Match: "stock.move"})
		res, err := eng.SyncConnection(ctx, tn.conn, SyncOptions{})
		if err == nil || res.Events == 0 {
			t.Fatalf("the pass: %d events, error %v; want events stored and then a failure", res.Events, err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for tn.recv.Unique() < res.Events && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if got := tn.recv.Unique(); got != res.Events {
			t.Errorf("the failed pass stored %d events; the running workers delivered %d", res.Events, got)
		}
	})
}

// acmeEngine is an engine on s with one connection, "acme", whose Odoo is never called: for tests that write
// its sales and runs themselves.
func acmeEngine(t *testing.T, s store.Store) (*Engine, *store.Connection) {
	t.Helper()
	eng, _ := newTenants(t, s, 0, nil)
	c, err := s.ConnectionInsert(context.Background(), &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return eng, c
}
