package connections_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// synced adds a connection and stores what a sync of it would: an order and the recorded Odoo identity.
func synced(t *testing.T, m *connections.Manager, name string) *store.Connection {
	t.Helper()
	ctx := context.Background()
	added, err := m.Add(ctx, connections.Fields{Name: str(name), URL: str("https://test.acme.mx"), Database: str("acme-test"),
		Username: str("api"), APIKey: str(plainKey), WebhookURL: str("https://inv.example/hook")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Store.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: added.Connection.ID, IdentityURL: str("https://test.acme.mx"),
		IdentityDatabase: str("acme-test"), IdentityUUID: str("uuid-of-test")})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	if _, err := m.Store.OrderUpsertMany(ctx, []*store.Order{{ConnectionID: c.ID, OrderID: 1, Name: "S00001", State: "sale",
		WriteDate: at, SyncedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.SyncCursorSet(ctx, &store.SyncCursor{ConnectionID: c.ID, Model: "sale.order", WriteDate: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	return c
}

// forgetIdentity leaves c as a Sales Engine older than the identity check left a synced connection: data and
// cursors, no identity.
func forgetIdentity(t *testing.T, m *connections.Manager, c *store.Connection) *store.Connection {
	t.Helper()
	c, err := m.Store.ConnectionUpdate(context.Background(), &store.ConnectionUpdateParams{ID: c.ID, IdentityURL: str(""),
		IdentityDatabase: str(""), IdentityUUID: str("")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func orders(t *testing.T, m *connections.Manager, id int64) int {
	t.Helper()
	ids, err := m.Store.OrderIDList(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

func TestEditToAnotherOdooNeedsAChoice(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	c := synced(t, m, "default")

	// Settings that do not change the database need no choice, nor does the same URL written differently.
	if _, err := m.Edit(ctx, c, connections.Fields{URL: str("HTTPS://test.acme.mx/"), PollInterval: ptr(5 * time.Minute)}, connections.DataRefuse); err != nil {
		t.Fatalf("an edit that keeps the database: %v", err)
	}
	_, err := m.Edit(ctx, c, connections.Fields{URL: str("https://acme.mx"), Database: str("acme")}, connections.DataRefuse)
	var ie *connections.IdentityChangeError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "--reset-data") || !strings.Contains(err.Error(), "--keep-data") ||
		!strings.Contains(err.Error(), `test.acme.mx database "acme-test"`) {
		t.Fatalf("re-pointing without a choice: %v", err)
	}
	if now, _ := m.Store.ConnectionGet(ctx, c.ID); now.URL != "HTTPS://test.acme.mx" || orders(t, m, c.ID) != 1 {
		t.Errorf("a refused edit changed something: %+v", now)
	}

	// Keep: the same database at a new address; the recorded uuid stays (the next sync checks it).
	ed, err := m.Edit(ctx, c, connections.Fields{URL: str("https://erp.acme.mx")}, connections.DataKeep)
	if err != nil {
		t.Fatal(err)
	}
	if k := ed.Connection; k.URL != "https://erp.acme.mx" || k.IdentityURL != "https://erp.acme.mx" || k.IdentityDatabase != "acme-test" ||
		k.IdentityUUID != "uuid-of-test" || ed.Reset != nil || orders(t, m, c.ID) != 1 {
		t.Errorf("after --keep-data: %+v, reset %+v", k, ed.Reset)
	}

	// Reset: the data goes with the edit, in one transaction; the next sync records the new identity.
	ed, err = m.Edit(ctx, ed.Connection, connections.Fields{URL: str("https://acme.mx"), Database: str("acme")}, connections.DataReset)
	if err != nil {
		t.Fatal(err)
	}
	if r := ed.Connection; r.URL != "https://acme.mx" || r.Database != "acme" || r.IdentityURL != "" || r.IdentityUUID != "" ||
		ed.Reset == nil || ed.Reset.Orders != 1 || ed.Reset.Cursors != 1 || orders(t, m, c.ID) != 0 {
		t.Errorf("after --reset-data: %+v, reset %+v", r, ed.Reset)
	}
	// Nothing stored any more: pointing it elsewhere needs no choice.
	if _, err := m.Edit(ctx, ed.Connection, connections.Fields{URL: str("https://other.example")}, connections.DataRefuse); err != nil {
		t.Errorf("re-pointing an empty connection: %v", err)
	}
}

// TestEditOfConnectionSyncedBeforeIdentities: a connection synced by an older Sales Engine has cursors and data
// but no recorded identity; its data came from where it points.
func TestEditOfConnectionSyncedBeforeIdentities(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	c := synced(t, m, "acme")
	c = forgetIdentity(t, m, c)
	var ie *connections.IdentityChangeError
	if _, err := m.Edit(ctx, c, connections.Fields{Database: str("acme-prod")}, connections.DataRefuse); !errors.As(err, &ie) {
		t.Fatalf("re-pointing a connection with old data: %v", err)
	}
}

// TestEnvConnectionFollowsTheEnvironment: a changed ODOO_URL is applied to "default" even when it holds data (the
// other connections must sync on), with the identity of the data it holds recorded, so its sync refuses it.
func TestEnvConnectionFollowsTheEnvironment(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	c := synced(t, m, "default")
	forgetIdentity(t, m, c)
	cfg := loadEnv(t, map[string]string{"ODOO_URL": "https://acme.mx", "ODOO_DB": "acme", "ODOO_USERNAME": "api", "ODOO_PASSWORD": plainKey})
	s, err := connections.EnvFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ens, err := m.EnsureEnv(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if e := ens.Connection; e.URL != "https://acme.mx" || e.Database != "acme" || e.IdentityURL != "https://test.acme.mx" ||
		e.IdentityDatabase != "acme-test" || orders(t, m, c.ID) != 1 {
		t.Errorf("default after ODOO_URL changed: %+v", e)
	}
}

func TestEditGivesEveryWebhookURLASecret(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	added, err := m.Add(ctx, connections.Fields{Name: str("acme"), URL: str("https://acme.odoo.com"), Database: str("acme"),
		Username: str("api"), APIKey: str(plainKey)})
	if err != nil || added.GeneratedSecret != "" || added.Connection.WebhookSecretEncrypted != "" {
		t.Fatalf("add without webhooks: %+v, %v", added, err)
	}
	ed, err := m.Edit(ctx, added.Connection, connections.Fields{WebhookURL: str("https://inv.example/hook")}, connections.DataRefuse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := webhook.ParseSecret(ed.GeneratedSecret); err != nil {
		t.Fatalf("first webhook URL: generated secret %q: %v", ed.GeneratedSecret, err)
	}
	secrets, err := m.WebhookSecrets(ed.Connection)
	if err != nil || len(secrets) != 1 || secrets[0] != ed.GeneratedSecret {
		t.Errorf("secrets after the first webhook URL: %d, %v", len(secrets), err)
	}
	first := ed.GeneratedSecret
	// Another URL keeps the secret.
	if ed, err = m.Edit(ctx, ed.Connection, connections.Fields{WebhookURL: str("https://inv2.example/hook")}, connections.DataRefuse); err != nil || ed.GeneratedSecret != "" {
		t.Errorf("changing the URL generated a secret: %v", err)
	}
	// An empty --webhook-secret means "generate one": a rotation, the old one still signing.
	ed, err = m.Edit(ctx, ed.Connection, connections.Fields{WebhookSecret: str("")}, connections.DataRefuse)
	if err != nil || ed.GeneratedSecret == "" || ed.GeneratedSecret == first {
		t.Fatalf("empty secret: %q, %v", ed.GeneratedSecret, err)
	}
	if secrets, _ := m.WebhookSecrets(ed.Connection); len(secrets) != 2 || secrets[0] != ed.GeneratedSecret || secrets[1] != first {
		t.Errorf("secrets after the rotation: %d", len(secrets))
	}
}

func TestEnvWebhookSecret(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	m.DefaultWebhookURL = "https://inv.example/hook"
	ctx := context.Background()
	secret, _ := webhook.GenerateSecret()
	env := map[string]string{"ODOO_URL": "https://acme.mx", "ODOO_DB": "acme", "ODOO_USERNAME": "api", "ODOO_PASSWORD": plainKey,
		"POLLER_DEFAULT_WEBHOOK_SECRET": secret}
	s, err := connections.EnvFromConfig(loadEnv(t, env))
	if err != nil {
		t.Fatal(err)
	}
	ens, err := m.EnsureEnv(ctx, s)
	if err != nil || ens.SecretGenerated {
		t.Fatalf("ensure with POLLER_DEFAULT_WEBHOOK_SECRET: %+v, %v", ens, err)
	}
	if got, _ := m.WebhookSecrets(ens.Connection); len(got) != 1 || got[0] != secret {
		t.Errorf("the default connection does not sign with POLLER_DEFAULT_WEBHOOK_SECRET")
	}
	// A new value in the environment is a rotation.
	next, _ := webhook.GenerateSecret()
	env["POLLER_DEFAULT_WEBHOOK_SECRET"] = next
	s, _ = connections.EnvFromConfig(loadEnv(t, env))
	if ens, err = m.EnsureEnv(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.WebhookSecrets(ens.Connection); len(got) != 2 || got[0] != next || got[1] != secret {
		t.Errorf("after POLLER_DEFAULT_WEBHOOK_SECRET changed: %d secrets", len(got))
	}
	env["POLLER_DEFAULT_WEBHOOK_SECRET"] = "whsec_nope"
	if _, err := connections.EnvFromConfig(loadEnv(t, env)); err == nil || !strings.Contains(err.Error(), "POLLER_DEFAULT_WEBHOOK_SECRET") ||
		strings.Contains(err.Error(), "whsec_nope") {
		t.Errorf("a malformed POLLER_DEFAULT_WEBHOOK_SECRET: %v", err)
	}

	// Without it, the secret is generated and the caller told so (the secret itself is not returned).
	m2, _ := newManager(t)
	m2.DefaultWebhookURL = "https://inv.example/hook"
	delete(env, "POLLER_DEFAULT_WEBHOOK_SECRET")
	s, _ = connections.EnvFromConfig(loadEnv(t, env))
	if ens, err = m2.EnsureEnv(ctx, s); err != nil || !ens.SecretGenerated {
		t.Fatalf("ensure without POLLER_DEFAULT_WEBHOOK_SECRET: %+v, %v", ens, err)
	}
	if got, _ := m2.WebhookSecrets(ens.Connection); len(got) != 1 {
		t.Errorf("no secret generated")
	}
}

func TestRunModesAreTwoConnections(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	env := map[string]string{"ODOO_URL": "https://acme.mx", "ODOO_DB": "acme", "ODOO_USERNAME": "api", "ODOO_PASSWORD": plainKey,
		"ODOO_TEST_URL": "https://test.acme.mx", "ODOO_TEST_DB": "acme-test", "ODOO_TEST_USERNAME": "api", "ODOO_TEST_PASSWORD": plainKey}
	prod, err := connections.EnvFromConfig(loadEnv(t, env))
	if err != nil || prod.Name != "default" || prod.OtherName() != "default-test" {
		t.Fatalf("production settings: %+v, %v", prod, err)
	}
	env["USE_TEST_ODOO"] = "true"
	test, err := connections.EnvFromConfig(loadEnv(t, env))
	if err != nil || test.Name != "default-test" || test.OtherName() != "default" || test.URL != "https://test.acme.mx" {
		t.Fatalf("test settings: %+v, %v", test, err)
	}
	a, err := m.EnsureEnv(ctx, prod)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.EnsureEnv(ctx, test)
	if err != nil || !b.Created || b.Connection.ID == a.Connection.ID {
		t.Fatalf("the test Odoo did not get a connection of its own: %+v, %v", b, err)
	}
	if again, _ := m.Store.ConnectionGet(ctx, a.Connection.ID); again.URL != "https://acme.mx" {
		t.Errorf("switching to the test Odoo changed the production connection: %+v", again)
	}
}
