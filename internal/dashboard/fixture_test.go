package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/webhook"
)

// Secrets the fixture's connections hold; no page or response may show them.
const (
	fixtureAPIKey    = "fixture-api-key-7f3a9c2e1b"
	fixtureHookToken = "hooktoken-5d1e8b"
)

// fixture is a real engine on a real SQLite store with connections to fake Odoos (synced, forecast and
// planned) and webhook receivers, and the dashboard served on loopback.
type fixture struct {
	store    store.Store
	eng      *engine.Engine
	dash     *Dashboard
	srv      *httptest.Server
	odoos    []*odootest.Server
	recv     []*webhook.Receiver
	whsecret []string
	conns    []*store.Connection
	now      time.Time
}

type fixtureOptions struct {
	Token   string
	Tenants int               // default 1
	NoSync  bool              // connections only: no sync, forecast or plan
	Env     map[string]string // more settings (SALESENGINE_...)
	// Demo is the data `salesengine demo` generates by default (one connection "demo", seed 1, 3 years of
	// 300 products, up to today, Manufacturing and Purchase installed), for the docs' screenshots.
	Demo bool
	// MRP installs Manufacturing and Purchase in the first tenant's fake Odoo (acme, or demo): its plan is a net
	// plan, with supply, BoMs and actions; the others stay sales databases.
	MRP bool
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	if o.Tenants == 0 {
		o.Tenants = 1
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "se.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.MigrationApply(ctx, engine.RiverMigration(s, slog.New(slog.DiscardHandler))); err != nil {
		t.Fatal(err)
	}
	key, _ := secret.GenerateKey()
	env := map[string]string{"SALESENGINE_ENCRYPTION_KEY": key, "SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "true"}
	for k, v := range o.Env {
		env[k] = v
	}
	set, err := engine.LoadSettings(testConfig(t, env), engine.NeedWebhook|engine.NeedTargets|engine.NeedSync|engine.NeedForecast|engine.NeedPlan)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, now: odootest.DefaultNow}
	if o.Demo {
		f.now = time.Now().UTC().Truncate(time.Second) // as the demo: its history ends today
	}
	set.Now = func() time.Time { return f.now }
	if f.eng, err = engine.New(s, set, engine.Options{}); err != nil {
		t.Fatal(err)
	}
	for i := range o.Tenants {
		data := &odootest.GenerateOptions{Years: 2, SKUs: 12}
		if o.Demo {
			data = &odootest.GenerateOptions{Years: 3, SKUs: 300}
		}
		var modules []string
		if o.MRP && i == 0 || o.Demo { // the demo's Odoo has every app
			modules = odootest.AllModules
		}
		srv := odootest.Start(t, odootest.Options{Version: "17", Seed: int64(i + 1), APIKey: fixtureAPIKey, Data: data, Now: f.now, Modules: modules})
		whsec, err := webhook.GenerateSecret()
		if err != nil {
			t.Fatal(err)
		}
		recv, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{whsec}})
		if err != nil {
			t.Fatal(err)
		}
		hook := httptest.NewServer(recv)
		t.Cleanup(hook.Close)
		name, db, login, apiKey, hookURL := []string{"acme", "globex", "initech"}[i], "odoo", "admin", fixtureAPIKey, hook.URL+"/hook/"+fixtureHookToken
		if o.Demo {
			name = "demo"
		}
		added, err := set.Connections.Manager(s).Add(ctx, connections.Fields{Name: &name, URL: new(srv.URL()), Database: &db,
			Username: &login, APIKey: &apiKey, WebhookURL: &hookURL, WebhookSecret: &whsec})
		if err != nil {
			t.Fatal(err)
		}
		f.odoos, f.recv, f.whsecret = append(f.odoos, srv), append(f.recv, recv), append(f.whsecret, whsec)
		f.conns = append(f.conns, added.Connection)
	}
	if !o.NoSync {
		outs, err := f.eng.SyncAll(ctx, "", engine.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range outs {
			if out.Err != nil {
				t.Fatalf("sync %s: %v", out.Connection.Name, out.Err)
			}
		}
		for _, c := range f.conns {
			if _, err := f.eng.ForecastAndPlan(ctx, c); err != nil {
				t.Fatalf("forecast %s: %v", c.Name, err)
			}
		}
	}
	if f.dash, err = New(Options{Source: f.eng, Token: o.Token, Now: func() time.Time { return f.now }}); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.dash.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func testConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.LoadMap(env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// client is a browser-like HTTP client of the fixture's server: it keeps cookies and follows no redirect, so a
// test sees each answer.
func (f *fixture) client(t *testing.T) *http.Client {
	t.Helper()
	c := *f.srv.Client() // a copy: each client its own cookies
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
