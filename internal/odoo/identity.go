package odoo

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// DatabaseIdentity names one Odoo database: where it is reached, its name, and the uuid Odoo generated for it.
//
// Odoo stores a random uuid in the system parameter database.uuid when it creates a database, and generates a
// new one when a database is duplicated or restored "as a copy" (a restore "as moved" keeps it): two databases
// with the same uuid are, for Odoo itself, the same database. Reading it needs the Settings (Administration)
// right; for other API users UUID is "" and the URL and database name are all there is.
type DatabaseIdentity struct {
	URL      string // as configured; compare with NormalizeURL
	Database string
	UUID     string // "" when unknown
}

// Key is the identity as event ids hash it: the uuid when known, else the normalized URL and the database name.
func (d DatabaseIdentity) Key() string {
	if d.UUID != "" {
		return "uuid:" + strings.ToLower(strings.TrimSpace(d.UUID))
	}
	return "url:" + NormalizeURL(d.URL) + "\x00db:" + strings.TrimSpace(d.Database)
}

// String is the identity as messages show it.
func (d DatabaseIdentity) String() string {
	s := NormalizeURL(d.URL)
	if d.Database != "" {
		s += ` database "` + d.Database + `"`
	}
	if d.UUID != "" {
		s += " (uuid " + d.UUID + ")"
	}
	return s
}

// NormalizeURL reduces an Odoo URL to what identifies the server: the host in lower case without a default
// port, and the path without a trailing slash. The scheme is dropped: http:// and https:// of one host reach
// the same Odoo.
func NormalizeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(raw), "/")
	}
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(p == "80" && u.Scheme == "http") && !(p == "443" && u.Scheme == "https") {
		host += ":" + p
	}
	return host + strings.TrimRight(u.EscapedPath(), "/")
}

// SameServer reports whether two identities name the same URL and database (the uuid is not compared).
func (d DatabaseIdentity) SameServer(o DatabaseIdentity) bool {
	return NormalizeURL(d.URL) == NormalizeURL(o.URL) && strings.TrimSpace(d.Database) == strings.TrimSpace(o.Database)
}

// DatabaseUUID reads the database's uuid (system parameter database.uuid; see DatabaseIdentity). An API user
// without the Settings right gets Odoo's AccessError: DatabaseUUID then returns "" and no error. The answer is
// kept until the next Login.
func (c *Client) DatabaseUUID(ctx context.Context) (string, error) {
	c.mu.Lock()
	known := c.uuid
	c.mu.Unlock()
	if known != nil {
		return *known, nil
	}
	v, err := callDecode[jsonString](ctx, c, &call{model: "ir.config_parameter", method: "get_param",
		kwargs: map[string]any{"key": "database.uuid"}}, callOpts{})
	var rpc *RPCError
	switch {
	case errors.As(err, &rpc) && rpc.IsAccessError():
		v = ""
	case err != nil:
		return "", err
	}
	s := strings.TrimSpace(string(v))
	c.mu.Lock()
	c.uuid = &s
	c.mu.Unlock()
	return s, nil
}
