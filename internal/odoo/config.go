package odoo

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/buildinfo"
)

// Protocol selects the wire protocol used to talk to Odoo.
type Protocol string

// Supported protocols. ProtocolAuto probes the server at Login and picks JSON-2 where it answers, else JSON-RPC.
const (
	ProtocolAuto    Protocol = "auto"
	ProtocolJSON2   Protocol = "json2"
	ProtocolJSONRPC Protocol = "jsonrpc"
	ProtocolXMLRPC  Protocol = "xmlrpc"
)

// ParseProtocol parses a protocol name as written in configuration ("" means auto).
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return ProtocolAuto, nil
	case ProtocolAuto, ProtocolJSON2, ProtocolJSONRPC, ProtocolXMLRPC:
		return p, nil
	case "json-2":
		return ProtocolJSON2, nil
	case "json-rpc":
		return ProtocolJSONRPC, nil
	case "xml-rpc":
		return ProtocolXMLRPC, nil
	}
	return "", fmt.Errorf("odoo: unknown protocol %q (want auto, json2, jsonrpc or xmlrpc)", s)
}

// Defaults applied by New to zero Config fields.
const (
	DefaultTimeout          = 120 * time.Second
	DefaultMaxRetries       = 5
	DefaultRetryBaseDelay   = 500 * time.Millisecond
	DefaultRetryMaxDelay    = 30 * time.Second
	DefaultMaxResponseBytes = 256 << 20
	DefaultPageSize         = 500
)

// Config describes one Odoo connection. Secret is the password or API key; it never appears in String, LogValue,
// errors or logs.
type Config struct {
	URL      string // server root, e.g. https://mycompany.odoo.com
	Database string // database name; required except with ProtocolJSON2 on a single-database host
	Username string // login (usually an e-mail); not used by JSON-2, which identifies the user by the key
	Secret   string // password or API key (JSON-2 accepts API keys only)
	Protocol Protocol

	Timeout          time.Duration // per HTTP attempt; default DefaultTimeout
	MaxRetries       int           // retries after the first attempt on transient faults; 0 = default, <0 = none
	RetryBaseDelay   time.Duration // first backoff delay (doubled per retry, with jitter); default 500ms
	RetryMaxDelay    time.Duration // cap on one backoff delay and on Retry-After; default 30s
	MaxResponseBytes int64         // responses larger than this are refused; default 256 MiB
	Logger           *slog.Logger  // nil = discard
	UserAgent        string        // default buildinfo.UserAgent(): "salesengine/VERSION (HOSTNAME:PID)"
	// HTTPClient: nil = a client of its own, without its own timeout (Timeout applies per attempt), with its own
	// connection pool: http.DefaultTransport keeps 100 idle connections for all hosts together, so a service
	// polling more Odoos than that opened (and, over HTTPS, handshook) a new connection for most passes.
	HTTPClient *http.Client
}

// String describes the configuration without the secret.
func (c Config) String() string {
	return fmt.Sprintf("odoo.Config{URL: %q, Database: %q, Username: %q, Secret: %s, Protocol: %q}",
		redactURL(c.URL), c.Database, c.Username, maskSecret(c.Secret), c.Protocol)
}

// GoString keeps %#v from printing the secret.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer so a Config logged as an attribute never reveals the secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", redactURL(c.URL)),
		slog.String("database", c.Database),
		slog.String("username", c.Username),
		slog.String("secret", maskSecret(c.Secret)),
		slog.String("protocol", string(c.Protocol)),
	)
}

func maskSecret(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "[REDACTED]"
}

// redactURL drops userinfo, query and fragment: the only places a URL could carry a credential.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// normalize validates the configuration and fills defaults. Its errors never contain the secret or URL userinfo.
func (c Config) normalize() (Config, *url.URL, error) {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("URL is required (e.g. https://mycompany.odoo.com)"))
	}
	u, err := url.Parse(strings.TrimSpace(c.URL))
	if c.URL != "" {
		switch {
		case err != nil:
			errs = append(errs, errors.New("URL is not a valid URL"))
		case u.User != nil:
			errs = append(errs, errors.New("URL must not contain a user or password; set username and secret instead"))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, errors.New("URL must start with https:// (or http:// for a local server)"))
		case u.Host == "":
			errs = append(errs, errors.New("URL has no host name"))
		case u.RawQuery != "" || u.Fragment != "":
			errs = append(errs, errors.New("URL must be the server root without ?query or #fragment"))
		}
	}
	if c.Secret == "" {
		errs = append(errs, errors.New("secret (password or API key) is required"))
	}
	p, perr := ParseProtocol(string(c.Protocol))
	if perr != nil {
		errs = append(errs, perr)
	}
	c.Protocol = p
	if p != ProtocolJSON2 {
		if c.Database == "" {
			errs = append(errs, errors.New("database is required (on Odoo Online it is the subdomain: mycompany for mycompany.odoo.com)"))
		}
		if c.Username == "" {
			errs = append(errs, errors.New("username (login) is required"))
		}
	}
	if c.Timeout < 0 || c.RetryBaseDelay < 0 || c.RetryMaxDelay < 0 || c.MaxResponseBytes < 0 {
		errs = append(errs, errors.New("timeouts, delays and the response cap must not be negative"))
	}
	if len(errs) > 0 {
		return c, nil, fmt.Errorf("odoo: invalid configuration: %w", errors.Join(errs...))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	c.URL = u.String()
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.RetryBaseDelay == 0 {
		c.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if c.RetryMaxDelay == 0 {
		c.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if c.UserAgent == "" {
		c.UserAgent = buildinfo.UserAgent()
	}
	return c, u, nil
}
