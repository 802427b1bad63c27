// Package connections manages the Odoo instances Sales Engine syncs: validating what users type, keeping API
// keys and webhook secrets encrypted, building clients, testing a connection end to end, and rotating the
// encryption key.
package connections

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// MinPollInterval keeps a misconfigured daemon from hammering an Odoo.
const MinPollInterval = 10 * time.Second

// DefaultPollInterval is the poll interval of a connection added without one.
const DefaultPollInterval = 60 * time.Second

// Manager works on connections in a store; Keys may be nil for operations that touch no secret.
type Manager struct {
	Store store.Store
	Keys  *secret.Keyring
	// KeysErr is why Keys is nil (a malformed key, say), reported by whatever needs a secret instead of
	// "not set".
	KeysErr error
	// DefaultWebhookURL is given to new connections without a webhook URL (POLLER_DEFAULT_WEBHOOK_URL).
	DefaultWebhookURL string
}

// Fields are a connection's user-editable settings, plaintext secrets included. A nil pointer leaves the field
// alone on Edit.
type Fields struct {
	Name          *string
	URL           *string
	Database      *string
	Username      *string
	APIKey        *string
	Protocol      *string
	WebhookURL    *string
	WebhookSecret *string
	PollInterval  *time.Duration
	Active        *bool
}

// ValidationError lists what is wrong with a connection's settings, each with how to fix it.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string { return strings.Join(e.Problems, "; ") }

func (m *Manager) keys() (*secret.Keyring, error) {
	if m.Keys == nil {
		if m.KeysErr != nil {
			return nil, m.KeysErr
		}
		return nil, secret.ErrNoKey
	}
	return m.Keys, nil
}

// validate checks the fields that are set; complete requires the ones a new connection needs.
func validate(f *Fields, complete bool) error {
	var p []string
	need := func(v *string, what string) {
		if complete && (v == nil || strings.TrimSpace(*v) == "") {
			p = append(p, what+" is required")
		}
	}
	need(f.Name, "name (--name)")
	need(f.URL, "Odoo URL (--url)")
	need(f.APIKey, "API key or password (--api-key, --api-key-file)")
	if f.Name != nil {
		n := strings.TrimSpace(*f.Name)
		if n == "" && !complete {
			p = append(p, "name cannot be empty")
		}
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			p = append(p, fmt.Sprintf("name %q is a number: use a name with a letter, so it cannot be mistaken for an id", n))
		}
	}
	if f.URL != nil && strings.TrimSpace(*f.URL) != "" {
		if err := checkOdooURL(*f.URL); err != nil {
			p = append(p, "Odoo URL "+err.Error())
		}
	}
	proto := odoo.ProtocolAuto
	if f.Protocol != nil {
		pr, err := odoo.ParseProtocol(*f.Protocol)
		if err != nil {
			p = append(p, fmt.Sprintf("protocol %q is not one of auto, json2, jsonrpc, xmlrpc", *f.Protocol))
		}
		proto = pr
	}
	if complete && proto != odoo.ProtocolJSON2 {
		need(f.Database, "database (--database)")
		need(f.Username, "login (--username)")
	}
	if f.WebhookURL != nil && strings.TrimSpace(*f.WebhookURL) != "" {
		if err := checkHTTPURL(*f.WebhookURL); err != nil {
			p = append(p, "webhook URL "+err.Error())
		}
	}
	if f.WebhookSecret != nil && *f.WebhookSecret != "" {
		if _, err := webhook.ParseSecret(*f.WebhookSecret); err != nil {
			p = append(p, "webhook secret: "+strings.TrimPrefix(err.Error(), "webhook: ")+" (leave it empty to generate one)")
		}
	}
	if f.PollInterval != nil && *f.PollInterval < MinPollInterval {
		p = append(p, fmt.Sprintf("poll interval %s is below the minimum %s", *f.PollInterval, MinPollInterval))
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL like https://mycompany.odoo.com", raw)
	}
	if u.User != nil {
		return fmt.Errorf("must not carry credentials (use --username and --api-key)")
	}
	return nil
}

// checkOdooURL also refuses the address of a page of Odoo's web client (/web, /odoo and below), which users
// copy from the browser: the APIs live at the server root, and every call there would answer 404.
func checkOdooURL(raw string) error {
	if err := checkHTTPURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(strings.TrimSpace(raw))
	path := strings.TrimRight(u.Path, "/")
	for _, page := range []string{"/web", "/odoo"} {
		if path == page || strings.HasPrefix(path, page+"/") {
			u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
			return fmt.Errorf("%q is a page of Odoo's web client: give the server root, %s", raw, u.String())
		}
	}
	return nil
}

func trimmed(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// CheckNew validates the fields of a new connection given so far, as a user types them one by one: each given
// field must be valid, the required ones (name, Odoo URL, API key; database and login unless the protocol is
// json2) must not be empty, and the name must be free. Fields not given yet are not checked; Add checks the
// whole set again.
func (m *Manager) CheckNew(ctx context.Context, f Fields) error {
	var p []string
	empty := func(v *string, what string) {
		if v != nil && strings.TrimSpace(*v) == "" {
			p = append(p, what+" is required")
		}
	}
	empty(f.URL, "Odoo URL")
	empty(f.APIKey, "API key or password")
	if pr, err := odoo.ParseProtocol(trimmed(f.Protocol)); err != nil || pr != odoo.ProtocolJSON2 {
		empty(f.Database, "database")
		empty(f.Username, "login")
	}
	if err := validate(&f, false); err != nil {
		p = append(p, err.(*ValidationError).Problems...)
	} else if name := trimmed(f.Name); name != "" {
		_, err := m.Store.ConnectionGetByName(ctx, name)
		switch {
		case err == nil:
			p = append(p, fmt.Sprintf("a connection named %q already exists", name))
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// Added is the result of Add: the connection, and the webhook secret when Sales Engine generated it (shown to
// the user once, never again).
type Added struct {
	Connection      *store.Connection
	GeneratedSecret string
}

// Add validates and stores a new connection, encrypting its secrets. A connection with a webhook URL and no
// secret gets a generated one.
func (m *Manager) Add(ctx context.Context, f Fields) (*Added, error) {
	if f.WebhookURL == nil || trimmed(f.WebhookURL) == "" {
		if m.DefaultWebhookURL != "" {
			u := m.DefaultWebhookURL
			f.WebhookURL = &u
		}
	}
	if err := validate(&f, true); err != nil {
		return nil, err
	}
	keys, err := m.keys()
	if err != nil {
		return nil, err
	}
	out := &Added{}
	whSecret := trimmed(f.WebhookSecret)
	if trimmed(f.WebhookURL) != "" && whSecret == "" {
		if whSecret, err = webhook.GenerateSecret(); err != nil {
			return nil, err
		}
		out.GeneratedSecret = whSecret
	}
	apiEnc, err := keys.Encrypt(*f.APIKey)
	if err != nil {
		return nil, err
	}
	whEnc, err := keys.Encrypt(whSecret)
	if err != nil {
		return nil, err
	}
	interval := DefaultPollInterval
	if f.PollInterval != nil {
		interval = *f.PollInterval
	}
	active := true
	if f.Active != nil {
		active = *f.Active
	}
	proto := "auto"
	if f.Protocol != nil && trimmed(f.Protocol) != "" {
		p, _ := odoo.ParseProtocol(*f.Protocol)
		proto = string(p)
	}
	c, err := m.Store.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: trimmed(f.Name),
		URL: strings.TrimRight(trimmed(f.URL), "/"), Database: trimmed(f.Database), Username: trimmed(f.Username),
		APIKeyEncrypted: apiEnc, Protocol: proto, WebhookURL: trimmed(f.WebhookURL), WebhookSecretEncrypted: whEnc,
		PollInterval: interval, Active: active})
	if err != nil {
		return nil, err
	}
	out.Connection = c
	return out, nil
}

// Edited is the result of Edit: the connection as stored now, the webhook secret when Sales Engine generated
// one (shown to the user once, never again), and what a data reset deleted.
type Edited struct {
	Connection      *store.Connection
	GeneratedSecret string
	Reset           *store.DataReset // nil when the data was not reset
}

// Edit changes only the given fields, in one transaction with what data asks for. Changing the webhook secret
// keeps the old one as the previous secret, so deliveries carry both signatures until the receiver has switched.
// A connection that has (or is given) a webhook URL and has no secret gets a generated one, as does an empty
// --webhook-secret; so no webhook URL is ever left without a secret.
//
// Pointing a connection that holds data at another Odoo database (URL or database name) is refused with an
// *IdentityChangeError unless data says what becomes of the data (DataReset, DataKeep).
func (m *Manager) Edit(ctx context.Context, c *store.Connection, f Fields, data DataChoice) (*Edited, error) {
	if err := validate(&f, false); err != nil {
		return nil, err
	}
	p := &store.ConnectionUpdateParams{ID: c.ID, PollInterval: f.PollInterval, Active: f.Active}
	setStr := func(dst **string, v *string) {
		if v != nil {
			s := strings.TrimSpace(*v)
			*dst = &s
		}
	}
	setStr(&p.Name, f.Name)
	setStr(&p.URL, f.URL)
	if p.URL != nil {
		u := strings.TrimRight(*p.URL, "/")
		p.URL = &u
	}
	setStr(&p.Database, f.Database)
	setStr(&p.Username, f.Username)
	setStr(&p.WebhookURL, f.WebhookURL)
	if f.Protocol != nil {
		pr, _ := odoo.ParseProtocol(*f.Protocol)
		s := string(pr)
		p.Protocol = &s
	}
	out := &Edited{}
	whURL := c.WebhookURL
	if p.WebhookURL != nil {
		whURL = *p.WebhookURL
	}
	whSecret := f.WebhookSecret
	if whURL != "" && (whSecret != nil && trimmed(whSecret) == "" || whSecret == nil && c.WebhookSecretEncrypted == "") {
		s, err := webhook.GenerateSecret()
		if err != nil {
			return nil, err
		}
		whSecret, out.GeneratedSecret = &s, s
	}
	if f.APIKey != nil || whSecret != nil {
		keys, err := m.keys()
		if err != nil {
			return nil, err
		}
		if f.APIKey != nil {
			enc, err := keys.Encrypt(*f.APIKey)
			if err != nil {
				return nil, err
			}
			p.APIKeyEncrypted = &enc
		}
		if whSecret != nil {
			enc := ""
			if s := trimmed(whSecret); s != "" { // no URL and an empty secret: no secret (not an encrypted "")
				if enc, err = keys.Encrypt(s); err != nil {
					return nil, err
				}
			}
			p.WebhookSecretEncrypted = &enc
			prev := c.WebhookSecretEncrypted
			p.WebhookSecretPreviousEncrypted = &prev
		}
	}
	err := m.Store.Tx(ctx, func(tx store.Executor) error {
		reset, err := applyDataChoice(ctx, tx, c, p, data)
		if err != nil {
			return err
		}
		out.Reset = reset
		out.Connection, err = tx.ConnectionUpdate(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Resolve finds a connection by id or by name.
func (m *Manager) Resolve(ctx context.Context, ref string) (*store.Connection, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return m.Store.ConnectionGet(ctx, id)
	}
	return m.Store.ConnectionGetByName(ctx, ref)
}

// Client builds an Odoo client for c, decrypting its API key.
func (m *Manager) Client(c *store.Connection, opts ClientOptions) (*odoo.Client, error) {
	keys, err := m.keys()
	if err != nil {
		return nil, err
	}
	key, err := keys.Decrypt(c.APIKeyEncrypted)
	if err != nil {
		return nil, fmt.Errorf("connection %q: API key: %w", c.Name, err)
	}
	proto, err := odoo.ParseProtocol(c.Protocol)
	if err != nil {
		return nil, err
	}
	return odoo.New(odoo.Config{URL: c.URL, Database: c.Database, Username: c.Username, Secret: key, Protocol: proto,
		Timeout: opts.Timeout, MaxRetries: opts.Retries, Logger: opts.Logger})
}

// WebhookSecrets returns the connection's signing secrets, the current one first; two while rotating.
func (m *Manager) WebhookSecrets(c *store.Connection) ([]string, error) {
	keys, err := m.keys()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, enc := range []string{c.WebhookSecretEncrypted, c.WebhookSecretPreviousEncrypted} {
		if enc == "" {
			continue
		}
		s, err := keys.Decrypt(enc)
		if err != nil {
			return nil, fmt.Errorf("connection %q: webhook secret: %w", c.Name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// RotateKeys re-encrypts every stored secret with the keyring's first key, in one transaction.
func (m *Manager) RotateKeys(ctx context.Context) (int, error) {
	keys, err := m.keys()
	if err != nil {
		return 0, err
	}
	n := 0
	err = m.Store.Tx(ctx, func(tx store.Executor) error {
		conns, err := tx.ConnectionList(ctx, nil)
		if err != nil {
			return err
		}
		for _, c := range conns {
			p := &store.ConnectionUpdateParams{ID: c.ID}
			for _, f := range []struct {
				src string
				dst **string
			}{{c.APIKeyEncrypted, &p.APIKeyEncrypted}, {c.WebhookSecretEncrypted, &p.WebhookSecretEncrypted},
				{c.WebhookSecretPreviousEncrypted, &p.WebhookSecretPreviousEncrypted}} {
				if f.src == "" {
					continue
				}
				re, err := keys.Reencrypt(f.src)
				if err != nil {
					return fmt.Errorf("connection %q: %w", c.Name, err)
				}
				*f.dst = &re
				n++
			}
			if _, err := tx.ConnectionUpdate(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ErrNoEnvConnection means no ODOO_* settings define a default connection.
var ErrNoEnvConnection = errors.New("no ODOO_URL (or ODOO_PROD_URL / ODOO_TEST_URL) set")
