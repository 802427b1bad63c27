package connections_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/webhook"
)

const plainKey = "super-secret-odoo-key-4711"

func newManager(t *testing.T) (*connections.Manager, string) {
	m, path, _ := newManagerWithKey(t)
	return m, path
}

// newManagerWithKey also returns the encryption key's text, for rotation tests.
func newManagerWithKey(t *testing.T) (*connections.Manager, string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "se.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.MigrationApply(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, _ := secret.GenerateKey()
	ring, _ := secret.ParseKeyring(k)
	return &connections.Manager{Store: s, Keys: ring}, path, k
}

func str(s string) *string { return &s }

func TestAddValidates(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	_, err := m.Add(context.Background(), connections.Fields{Name: str("123"), URL: str("ftp://x"), Protocol: str("soap"),
		WebhookSecret: str("whsec_short"), APIKey: str("k")})
	var ve *connections.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("add with bad fields: %v", err)
	}
	for _, want := range []string{"is a number", "not an http(s) URL", `protocol "soap"`, "webhook secret", "database (--database) is required", "login (--username) is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validation error %q does not mention %q", err, want)
		}
	}
	// JSON-2 identifies the user by the key: no database or login needed.
	if _, err := m.Add(context.Background(), connections.Fields{Name: str("saas"), URL: str("https://acme.odoo.com"),
		APIKey: str("k"), Protocol: str("json2")}); err != nil {
		t.Errorf("json2 connection without database/login: %v", err)
	}
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	m, path := newManager(t)
	ctx := context.Background()
	added, err := m.Add(ctx, connections.Fields{Name: str("acme"), URL: str("https://acme.odoo.com/"), Database: str("acme"),
		Username: str("api@acme.mx"), APIKey: str(plainKey), WebhookURL: str("https://inv.example/hook")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(added.GeneratedSecret, "whsec_") {
		t.Fatalf("no webhook secret generated: %q", added.GeneratedSecret)
	}
	if _, err := webhook.ParseSecret(added.GeneratedSecret); err != nil {
		t.Errorf("generated secret does not parse: %v", err)
	}
	c := added.Connection
	if c.URL != "https://acme.odoo.com" || c.APIKeyEncrypted == plainKey || c.WebhookSecretEncrypted == added.GeneratedSecret {
		t.Errorf("stored connection = %+v", c)
	}
	secrets, err := m.WebhookSecrets(c)
	if err != nil || len(secrets) != 1 || secrets[0] != added.GeneratedSecret {
		t.Errorf("webhook secrets = %v, %v", secrets, err)
	}
	// Neither the database file nor its WAL holds a plaintext secret.
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, s := range []string{plainKey, added.GeneratedSecret, strings.TrimPrefix(added.GeneratedSecret, "whsec_")} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains a plaintext secret", filepath.Base(f))
			}
		}
	}
}

func TestEditRotatesWebhookSecretAndKeys(t *testing.T) {
	t.Parallel()
	m, _, oldKey := newManagerWithKey(t)
	ctx := context.Background()
	added, err := m.Add(ctx, connections.Fields{Name: str("acme"), URL: str("https://acme.odoo.com"), Database: str("acme"),
		Username: str("api"), APIKey: str(plainKey), WebhookURL: str("https://inv.example/hook")})
	if err != nil {
		t.Fatal(err)
	}
	newSecret, _ := webhook.GenerateSecret()
	ed, err := m.Edit(ctx, added.Connection, connections.Fields{WebhookSecret: &newSecret, PollInterval: ptr(5 * time.Minute)}, connections.DataRefuse)
	if err != nil {
		t.Fatal(err)
	}
	c := ed.Connection
	if ed.GeneratedSecret != "" {
		t.Errorf("a secret was generated although one was given")
	}
	secrets, _ := m.WebhookSecrets(c)
	if len(secrets) != 2 || secrets[0] != newSecret || secrets[1] != added.GeneratedSecret {
		t.Errorf("after a secret change the old one must sign too: %d secrets", len(secrets))
	}
	if c.PollInterval != 5*time.Minute || c.Database != "acme" {
		t.Errorf("edit changed the wrong fields: %+v", c)
	}
	if _, err := m.Edit(ctx, c, connections.Fields{PollInterval: ptr(time.Second)}, connections.DataRefuse); err == nil {
		t.Error("poll interval of 1s accepted")
	}
	// Key rotation: a new key first, the old one after; every secret is re-encrypted with the new key.
	newKey, _ := secret.GenerateKey()
	m.Keys = mustRing(t, newKey+","+oldKey) // as users write it: the new key first, the old one after
	n, err := m.RotateKeys(ctx)
	if err != nil || n != 3 {
		t.Fatalf("rotate = %d, %v; want 3 secrets re-encrypted", n, err)
	}
	m.Keys = mustRing(t, newKey) // the new key alone must now read everything
	c, _ = m.Resolve(ctx, "acme")
	cl, err := m.Client(c, connections.ClientOptions{})
	if err != nil || cl == nil {
		t.Fatalf("client after rotation: %v", err)
	}
	if s, err := m.WebhookSecrets(c); err != nil || s[0] != newSecret {
		t.Errorf("secrets after rotation: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func mustRing(t *testing.T, s string) *secret.Keyring {
	t.Helper()
	r, err := secret.ParseKeyring(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEnsureEnv(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	env := map[string]string{"ODOO_PROD_URL": "https://prod.example", "ODOO_PROD_DB": "prod", "ODOO_PROD_USERNAME": "u", "ODOO_PROD_PASSWORD": "p1"}
	cfg := loadEnv(t, env)
	s, err := connections.EnvFromConfig(cfg)
	if err != nil || s.URL != "https://prod.example" {
		t.Fatalf("env settings = %+v, %v", s, err)
	}
	ens, err := m.EnsureEnv(ctx, s)
	if err != nil || ens.Connection.Name != "default" || !ens.Created {
		t.Fatalf("ensure = %+v, %v", ens, err)
	}
	c := ens.Connection
	again, err := m.EnsureEnv(ctx, s)
	if err != nil || again.Created || !again.Connection.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("unchanged settings rewrote the connection: %v", err)
	}
	s.Password = "p2"
	if _, err := m.EnsureEnv(ctx, s); err != nil {
		t.Fatal(err)
	}
	env["USE_TEST_ODOO"] = "true"
	if _, err := connections.EnvFromConfig(loadEnv(t, env)); err == nil || !strings.Contains(err.Error(), "ODOO_TEST_URL") {
		t.Errorf("USE_TEST_ODOO without ODOO_TEST_URL: %v", err)
	}
	if _, err := connections.EnvFromConfig(loadEnv(t, map[string]string{"ODOO_URL": "https://x"})); err == nil || !strings.Contains(err.Error(), "ODOO_PASSWORD") {
		t.Errorf("ODOO_URL alone: %v", err)
	}
	if _, err := connections.EnvFromConfig(loadEnv(t, nil)); !errors.Is(err, connections.ErrNoEnvConnection) {
		t.Errorf("no env: %v", err)
	}
}

func loadEnv(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{File: filepath.Join("testdata", "empty.env"), Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConnectionTest(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	srv, err := odootest.NewServer(odootest.Options{Version: "17"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	added, err := m.Add(ctx, connections.Fields{Name: str("fake"), URL: str(srv.URL()), Database: str("odoo"), Username: str("admin"),
		APIKey: str("test-api-key-0123456789"), WebhookURL: str("http://127.0.0.1:1/placeholder")})
	if err != nil {
		t.Fatal(err)
	}
	recv, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{added.GeneratedSecret}})
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	ed, err := m.Edit(ctx, added.Connection, connections.Fields{WebhookURL: str(hook.URL)}, connections.DataRefuse)
	if err != nil {
		t.Fatal(err)
	}
	c := ed.Connection
	rep, err := m.Test(ctx, c, connections.TestOptions{AllowPrivate: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.ServerVersion == "" || rep.Protocol != "jsonrpc" || len(rep.Models) != len(connections.RequiredModels) ||
		rep.Webhook == nil || !rep.Webhook.Delivered || len(rep.Companies) < 2 {
		t.Errorf("report = %+v (webhook %+v)", rep, rep.Webhook)
	}
	// A sales database: the apps are said; of the optional models only the stock history is read, none of
	// manufacturing or purchasing.
	if rep.Modules == nil || !slices.Equal(rep.Modules.Installed, []string{"sale", "stock"}) ||
		!slices.Equal(rep.Modules.Missing, []string{"mrp", "purchase"}) || rep.Modules.Probed || len(rep.SupplyModels) != 1 ||
		rep.SupplyModels[0] != (connections.ModelCheck{Model: "stock.move", Count: int64(len(srv.StockMoves()))}) {
		t.Errorf("modules = %+v, optional models %+v", rep.Modules, rep.SupplyModels)
	}
	if recv.Unique() != 1 {
		t.Errorf("receiver verified %d test events, want 1", recv.Unique())
	}
	// A user who may not read the stock history: said, and the test still passes (the sync skips it).
	srv.DenyAccess("stock.move")
	rep, err = m.Test(ctx, c, connections.TestOptions{AllowPrivate: true, Timeout: 5 * time.Second})
	if err != nil || !rep.OK || len(rep.SupplyModels) != 1 || rep.SupplyModels[0].Error == "" {
		t.Errorf("stock.move unreadable: report %+v, optional models %+v, %v", rep, rep.SupplyModels, err)
	}
	// A wrong key is reported, with what to check, and never printed.
	bad := "wrong-key-999"
	ed, _ = m.Edit(ctx, c, connections.Fields{APIKey: &bad}, connections.DataRefuse)
	c = ed.Connection
	rep, err = m.Test(ctx, c, connections.TestOptions{AllowPrivate: true, Timeout: 5 * time.Second})
	if err != nil || rep.OK || rep.LoginError == "" || strings.Contains(rep.LoginError, bad) {
		t.Errorf("bad key report = %+v, %v", rep, err)
	}
	_ = store.ErrNotFound
}

// TestConnectionTestModules: with mrp and purchase installed and ir.module.module unreadable, the apps are found
// by probing, and each of their models is read.
func TestConnectionTestModules(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	srv := odootest.Start(t, odootest.Options{Version: "16", Modules: odootest.AllModules, NoModuleAccess: true, Data: &odootest.GenerateOptions{Years: 1, SKUs: 20}})
	added, err := m.Add(ctx, connections.Fields{Name: str("mrp"), URL: str(srv.URL()), Database: str("odoo"), Username: str("admin"),
		APIKey: str("test-api-key-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := m.Test(ctx, added.Connection, connections.TestOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Modules == nil || !slices.Equal(rep.Modules.Installed, []string{"sale", "stock", "mrp", "purchase"}) ||
		len(rep.Modules.Missing) != 0 || !rep.Modules.Probed {
		t.Fatalf("report %+v, modules %+v", rep, rep.Modules)
	}
	counts := map[string]int64{}
	for _, mc := range rep.SupplyModels {
		if mc.Error != "" {
			t.Errorf("%s: %s", mc.Model, mc.Error)
		}
		counts[mc.Model] = mc.Count
	}
	if len(counts) != 7 || counts["stock.move"] != int64(len(srv.StockMoves())) || counts["mrp.production"] != int64(len(srv.Productions())) || counts["mrp.production"] == 0 ||
		counts["product.supplierinfo"] != int64(len(srv.SupplierInfos())) {
		t.Errorf("supply models read: %v", counts)
	}
}

// TestWebClientURLRefused: the browser's address of the web client is refused with the root to use; a server
// under a path of its own is still accepted.
func TestWebClientURLRefused(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	for _, u := range []string{"https://acme.odoo.com/web", "https://acme.odoo.com/web/", "https://acme.odoo.com/web/login",
		"https://acme.odoo.com/odoo", "https://acme.odoo.com/odoo/action-sale.action_orders?debug=1"} {
		_, err := m.Add(ctx, connections.Fields{Name: str("acme"), URL: str(u), Database: str("acme"), Username: str("api"), APIKey: str("k")})
		var ve *connections.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "a page of Odoo's web client: give the server root, https://acme.odoo.com") {
			t.Errorf("add %s: %v", u, err)
		}
	}
	c, err := m.Add(ctx, connections.Fields{Name: str("proxied"), URL: str("https://erp.example.com/erp"), Database: str("acme"),
		Username: str("api"), APIKey: str("k")})
	if err != nil {
		t.Fatalf("add under a path: %v", err)
	}
	if _, err := m.Edit(ctx, c.Connection, connections.Fields{URL: str("https://erp.example.com/web")}, connections.DataRefuse); err == nil ||
		!strings.Contains(err.Error(), "give the server root, https://erp.example.com") {
		t.Errorf("edit to /web: %v", err)
	}
}

// TestCheckNew checks answers one at a time, as the interactive 'connections add' asks them.
func TestCheckNew(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	if _, err := m.Add(ctx, connections.Fields{Name: str("beta"), URL: str("https://beta.odoo.com"), Database: str("b"),
		Username: str("u"), APIKey: str("k")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    connections.Fields
		want string // "" = valid
	}{
		{connections.Fields{Name: str("acme")}, ""},
		{connections.Fields{Name: str("beta")}, `a connection named "beta" already exists`},
		{connections.Fields{Name: str(" ")}, "name cannot be empty"},
		{connections.Fields{URL: str("")}, "Odoo URL is required"},
		{connections.Fields{Database: str("")}, "database is required"},
		{connections.Fields{Database: str(""), Protocol: str("json2")}, ""},
		{connections.Fields{Username: str(""), Protocol: str("jsonrpc")}, "login is required"},
		{connections.Fields{APIKey: str("")}, "API key or password is required"},
		{connections.Fields{WebhookURL: str("")}, ""},
		{connections.Fields{Protocol: str("soap")}, `protocol "soap"`},
	} {
		err := m.CheckNew(ctx, c.f)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckNew(%+v) = %v, want %q", c.f, err, c.want)
		}
	}
}
