package odoo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// TestUserAgentNamesTheProcess: every call says which process made it, "salesengine/VERSION (HOSTNAME:PID)",
// so an Odoo's access log (and the cluster test) can tell several serve processes apart.
func TestUserAgentNamesTheProcess(t *testing.T) {
	t.Parallel()
	srv := odootest.Start(t, odootest.Options{Version: "17", Seed: 1, Password: fakePassword, APIKey: fakeAPIKey, RecordCalls: true})
	c, err := New(Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: fakeAPIKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	suffix := fmt.Sprintf(" (%s:%d)", host, os.Getpid())
	log := srv.CallLog()
	if len(log) == 0 {
		t.Fatal("no call logged")
	}
	for _, call := range log {
		if !strings.HasPrefix(call.UserAgent, "salesengine/") || !strings.HasSuffix(call.UserAgent, suffix) {
			t.Errorf("%s sent User-Agent %q, want salesengine/VERSION%s", call.Key, call.UserAgent, suffix)
		}
	}
}
