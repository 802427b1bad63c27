package odoo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://Acme.Odoo.com/":        "acme.odoo.com",
		"http://acme.odoo.com":          "acme.odoo.com",
		"https://acme.odoo.com:443":     "acme.odoo.com",
		"http://acme.odoo.com:80/":      "acme.odoo.com",
		"http://127.0.0.1:8069":         "127.0.0.1:8069",
		"https://erp.example.mx/odoo//": "erp.example.mx/odoo",
		" https://acme.odoo.com ":       "acme.odoo.com",
		"https://acme.odoo.com:8443":    "acme.odoo.com:8443",
	} {
		if got := NormalizeURL(in); got != want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDatabaseIdentityKey(t *testing.T) {
	t.Parallel()
	a := DatabaseIdentity{URL: "https://acme.odoo.com/", Database: "acme"}
	b := DatabaseIdentity{URL: "http://ACME.odoo.com", Database: "acme"}
	if a.Key() != b.Key() || !a.SameServer(b) {
		t.Errorf("one server written two ways: %q vs %q", a.Key(), b.Key())
	}
	if c := (DatabaseIdentity{URL: a.URL, Database: "acme-test"}); c.Key() == a.Key() || c.SameServer(a) {
		t.Errorf("another database on the same server has the same key %q", c.Key())
	}
	// The uuid, when known, is the identity: the address it is reached at does not matter.
	u1 := DatabaseIdentity{URL: "https://acme.odoo.com", Database: "acme", UUID: "5A0C-1"}
	u2 := DatabaseIdentity{URL: "https://erp.acme.mx", Database: "acme-prod", UUID: "5a0c-1"}
	if u1.Key() != u2.Key() || u1.Key() == a.Key() {
		t.Errorf("uuid keys: %q, %q (url key %q)", u1.Key(), u2.Key(), a.Key())
	}
}

// TestFakeDatabaseUUID reads database.uuid over every transport: the admin gets it, a user without the
// Settings right gets Odoo's AccessError, which DatabaseUUID turns into "unknown".
func TestFakeDatabaseUUID(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			for _, noSettings := range []bool{false, true} {
				srv := odootest.Start(t, odootest.Options{Version: cb.version, Seed: 3, Password: fakePassword, APIKey: fakeAPIKey,
					DatabaseUUID: "0b4f2c6e-1d2a-11f0-9c3b-0242ac120002", NoSettings: noSettings})
				c, err := New(Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: cb.secret,
					Protocol: cb.protocol, Timeout: 5 * time.Second, MaxRetries: -1})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				got, err := c.DatabaseUUID(ctx)
				if err != nil {
					t.Fatalf("NoSettings=%v: %v", noSettings, err)
				}
				want := srv.DatabaseUUID()
				if noSettings {
					want = ""
				}
				if got != want {
					t.Errorf("NoSettings=%v: uuid %q, want %q", noSettings, got, want)
				}
				// The fake refuses the model itself to such a user, as Odoo's access rights do.
				_, err = c.Read(ctx, "ir.config_parameter", []int64{2}, []string{"key", "value"})
				var rpc *RPCError
				if noSettings != (errors.As(err, &rpc) && rpc.IsAccessError()) {
					t.Errorf("NoSettings=%v: reading ir.config_parameter: %v", noSettings, err)
				}
				// Asked again, the answer comes from the client: no call.
				before := srv.Calls()
				if again, err := c.DatabaseUUID(ctx); err != nil || again != got || srv.Calls() != before {
					t.Errorf("second DatabaseUUID: %q, %v, %d calls", again, err, srv.Calls()-before)
				}
			}
		})
	}
}

func TestFakeDatabaseUUIDDefaultsDiffer(t *testing.T) {
	t.Parallel()
	a := odootest.Start(t, odootest.Options{Seed: 1})
	b := odootest.Start(t, odootest.Options{Seed: 2})
	c := odootest.Start(t, odootest.Options{Seed: 1, Database: "other"})
	if a.DatabaseUUID() == "" || a.DatabaseUUID() == b.DatabaseUUID() || a.DatabaseUUID() == c.DatabaseUUID() {
		t.Errorf("default uuids: %q %q %q", a.DatabaseUUID(), b.DatabaseUUID(), c.DatabaseUUID())
	}
}
