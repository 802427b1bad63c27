package odoo

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestJSON2OnOdooWithoutIt: an Odoo before 19 answers POST /json/2/... through its JSON-RPC dispatcher (HTTP 200,
// a JSON-RPC 404 error); JSON-2 asked of it says the server has no JSON-2, not that the login is unknown.
func TestJSON2OnOdooWithoutIt(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "17", "18", "saas~17"} {
		e := startFake(t, combo{v, ProtocolJSON2, fakeAPIKey}, nil, nil)
		_, err := e.c.Login(context.Background())
		var ue *UnavailableError
		if !errors.As(err, &ue) || errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "has no JSON-2 API") ||
			!strings.Contains(err.Error(), "use protocol auto or jsonrpc") {
			t.Errorf("JSON-2 on %s: %v", v, err)
		}
		// auto still falls back to JSON-RPC there.
		a := startFake(t, combo{v, ProtocolAuto, fakeAPIKey}, nil, nil)
		if s, err := a.c.Login(context.Background()); err != nil || s.Protocol != ProtocolJSONRPC {
			t.Errorf("auto on %s: %v over %s", v, err, s.Protocol)
		}
	}
}

// TestURLWithPathNamesTheRoot: the browser's address (https://host/web) instead of the server root gets, on
// every protocol and version, an error that names the root to use instead of a raw 404.
func TestURLWithPathNamesTheRoot(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "17", "19"} {
		for _, p := range []Protocol{ProtocolAuto, ProtocolJSONRPC, ProtocolJSON2, ProtocolXMLRPC} {
			var root string
			e := startFake(t, combo{v, p, fakeAPIKey}, nil, func(c *Config) {
				root = c.URL
				c.URL += "/web"
			})
			_, err := e.c.Login(context.Background())
			var ue *UnavailableError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "the URL ends in /web; give the Odoo server root, "+root) ||
				strings.Contains(err.Error(), "werkzeug") || strings.Contains(err.Error(), "<") {
				t.Errorf("%s/%s at %s/web: %v", v, p, root, err)
			}
		}
	}
}
