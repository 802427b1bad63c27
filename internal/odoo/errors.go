package odoo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrAuth is matched (errors.Is) by every *AuthError.
var ErrAuth = errors.New("odoo: authentication failed")

// ErrDatabaseNotFound is matched (errors.Is) by every *DatabaseNotFoundError.
var ErrDatabaseNotFound = errors.New("odoo: database not found")

// AuthError reports credentials the server refused: authenticate returned false, HTTP 401, or AccessDenied.
type AuthError struct {
	Protocol Protocol
	URL      string // without credentials
	Database string
	Login    string
	Reason   string // what the server said, secret removed
}

func (e *AuthError) Error() string {
	var b strings.Builder
	b.WriteString("odoo: authentication failed")
	if e.Login != "" {
		fmt.Fprintf(&b, " for login %q", e.Login)
	}
	if e.Database != "" {
		fmt.Fprintf(&b, " on database %q", e.Database)
	}
	fmt.Fprintf(&b, " at %s", e.URL)
	if e.Protocol != "" {
		fmt.Fprintf(&b, " (%s)", e.Protocol)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	b.WriteString(". Check the server URL, the database name, the login, and that the password or API key is " +
		"correct and has not expired or been revoked (Odoo API keys have a limited lifetime: create a new one " +
		"under Preferences > Account Security > New API Key). After 5 failed logins Odoo refuses logins from " +
		"this address for 60 seconds.")
	if e.Protocol == ProtocolJSON2 {
		b.WriteString(" JSON-2 accepts only API keys, not passwords.")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrAuth) true.
func (e *AuthError) Is(target error) bool { return target == ErrAuth }

// DatabaseNotFoundError reports a database name the server does not know.
type DatabaseNotFoundError struct {
	URL      string
	Database string
	Detail   string
}

func (e *DatabaseNotFoundError) Error() string {
	s := fmt.Sprintf("odoo: database %q does not exist at %s", e.Database, e.URL)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s + ". Check the database name: on Odoo Online it is the subdomain (mycompany for " +
		"mycompany.odoo.com); self-hosted servers list theirs at /web/database/selector."
}

// Is makes errors.Is(err, ErrDatabaseNotFound) true.
func (e *DatabaseNotFoundError) Is(target error) bool { return target == ErrDatabaseNotFound }

// RPCError is an error raised by Odoo itself (an exception in the server). It is not retried, as it would fail
// the same way again, except a conflict between concurrent transactions (PostgreSQL serialization failure,
// deadlock, lock not available: see IsConcurrency), which is retried with backoff, and an expired session, which
// is answered by logging in again.
type RPCError struct {
	Model, Method string
	Name          string // Odoo exception, e.g. "odoo.exceptions.AccessError", "builtins.ValueError"
	Message       string // the exception's message, secret removed
	Code          int    // JSON-RPC error code or XML-RPC fault code (0 if none)
	HTTPStatus    int    // JSON-2 status (0 otherwise)
	Debug         string // server traceback when sent, secret removed; not part of Error()
	Attempts      int    // attempts made when a retried error persisted (0 when it was not retried)
}

func (e *RPCError) Error() string {
	name := e.Name
	if name == "" {
		name = "Odoo error"
	}
	s := "odoo: "
	if e.Model != "" {
		s += e.Model + "." + e.Method + ": "
	}
	s += name
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.IsAccessError() {
		s += " (the Odoo user needs read access to this model: e.g. Sales / User: All Documents, Inventory / User)"
	}
	if e.IsConcurrency() {
		s += " (a conflict with a concurrent transaction in Odoo's database"
		if e.Attempts > 1 {
			s += fmt.Sprintf(", still there after %d attempts; try again later", e.Attempts)
		}
		s += ")"
	}
	return s
}

// IsConcurrency reports a transaction that lost a race with a concurrent one (serialization failure, deadlock,
// lock not available): the call may succeed when tried again.
func (e *RPCError) IsConcurrency() bool {
	return isConcurrencyFault(&fault{name: e.Name, message: e.Message})
}

// IsAccessError reports a permission problem (AccessError / record rules), as opposed to a bad call.
func (e *RPCError) IsAccessError() bool {
	return strings.HasSuffix(e.Name, "AccessError") || e.HTTPStatus == 403 && !strings.HasSuffix(e.Name, "AccessDenied")
}

// IsMissing reports Odoo's MissingError: a record that does not exist or was deleted. (XML-RPC reports it as a
// UserError, fault code 2, so the message is checked too.)
func (e *RPCError) IsMissing() bool {
	return strings.HasSuffix(e.Name, "MissingError") || strings.Contains(e.Message, "does not exist or has been deleted")
}

// HTTPError is an HTTP status the client could not use: one that is not retried, or a transient one (429, 500
// without an Odoo error, 502, 503, 504) that persisted through the retries.
type HTTPError struct {
	Model, Method string
	StatusCode    int
	RetryAfter    time.Duration
	Body          string // first bytes of the body, secret removed
	Attempts      int    // attempts made when the status persisted through retries (0 when not retried)
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("odoo: HTTP %d", e.StatusCode)
	if e.Model != "" {
		s += " calling " + e.Model + "." + e.Method
	}
	if e.Body != "" {
		s += ": " + e.Body
	}
	switch e.StatusCode {
	case 429:
		s += " (the server is rate limiting; try again later or lower the sync frequency)"
	case 500:
		s += " (the server failed without an Odoo error: a crashed worker or a proxy; try again later)"
	case 502, 503, 504:
		s += " (the server or its proxy is unavailable or timed out; try again later, or use a smaller page size)"
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// ResponseTooLargeError is returned instead of reading a response beyond Config.MaxResponseBytes.
type ResponseTooLargeError struct {
	Model, Method string
	Limit         int64
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("odoo: response to %s.%s is larger than the %d-byte limit; use a smaller page size or raise "+
		"the response limit", e.Model, e.Method, e.Limit)
}

// ProtocolError is a response that is not what the protocol promises (HTML instead of JSON, broken envelope...).
// A 2xx whose body is not in the transport's format at all (an HTML login or proxy page) is retried first.
type ProtocolError struct {
	Protocol      Protocol
	Model, Method string
	Detail        string
	Err           error
	Attempts      int // attempts made when the answer persisted through retries (0 when not retried)
}

func (e *ProtocolError) Error() string {
	s := fmt.Sprintf("odoo: invalid %s response", e.Protocol)
	if e.Model != "" {
		s += " to " + e.Model + "." + e.Method
	}
	s += ": " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// TransportError wraps a network failure (connection refused/reset, timeout) after retries.
type TransportError struct {
	Model, Method string
	URL           string // without credentials
	Attempts      int
	Err           error
}

func (e *TransportError) Error() string {
	s := "odoo: "
	if e.Model != "" {
		s += e.Model + "." + e.Method + ": "
	}
	return fmt.Sprintf("%scannot reach %s after %d attempt(s): %v (check the URL and the network; a slow server "+
		"may need a longer timeout or a smaller page size)", s, e.URL, e.Attempts, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// UnavailableError reports that the requested protocol is not served (JSON-2 before Odoo 19, XML-RPC/JSON-RPC
// after their removal), or with ProtocolAuto that no API answers at the URL at all.
type UnavailableError struct {
	Protocol Protocol
	URL      string
	Detail   string
}

func (e *UnavailableError) Error() string {
	if e.Protocol == ProtocolAuto {
		return fmt.Sprintf("odoo: no Odoo API answers at %s: %s", e.URL, e.Detail)
	}
	return fmt.Sprintf("odoo: the %s API is not available at %s: %s", e.Protocol, e.URL, e.Detail)
}

// FieldMissingError reports that a field the normalized model cannot do without does not exist on the server
// (an unexpected Odoo version or a module that is not installed).
type FieldMissingError struct {
	Model      string
	Candidates []string
	Version    string
}

func (e *FieldMissingError) Error() string {
	return fmt.Sprintf("odoo: model %s has none of the fields %s on this server (Odoo %s): is the module installed "+
		"and the user allowed to read it?", e.Model, strings.Join(e.Candidates, "/"), e.Version)
}

// Unavailable reports whether err says that Odoo could not serve the call even after the retries: unreachable
// or timing out, overloaded or down (HTTP 429, 500 without an Odoo error, 502, 503, 504), answering with
// something that is not Odoo (a proxy's or maintenance page), or stuck in conflicts between its own
// transactions. Those failures pass by themselves, and are what the sync's circuit breaker counts. Errors that
// a retry would not fix (credentials, rights, a wrong database or URL, an unknown field) are not: they need a
// person, not a pause.
func Unavailable(err error) bool {
	var te *TransportError
	var he *HTTPError
	var pe *ProtocolError
	var re *RPCError
	switch {
	case errors.As(err, &te):
		return true
	case errors.As(err, &he):
		switch he.StatusCode {
		case 429, 500, 502, 503, 504:
			return true
		}
	case errors.As(err, &pe):
		return pe.Attempts > 1 // retried: a 2xx that was not Odoo's answer, every time
	case errors.As(err, &re):
		return re.IsConcurrency() && re.Attempts > 1
	}
	return false
}

// ErrStopped is the error of a call that gave up waiting to retry because its context's stop signal came (see
// WithStop).
var ErrStopped = errors.New("odoo: stopped while waiting to retry a call")

type stopKey struct{}

// WithStop returns ctx carrying stop. A call waiting to retry (its backoff: up to RetryMaxDelay, or what Odoo's
// Retry-After asks) when stop closes gives up at once with an error wrapping ErrStopped; a request in flight is
// left to finish, or to ctx. For a service that stops: its passes should not sleep through a backoff before they
// end, but what they are writing should not be cut short either (ctx ends that, after a drain).
func WithStop(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// stopOf is ctx's stop signal; nil (never ready) without one.
func stopOf(ctx context.Context) <-chan struct{} {
	stop, _ := ctx.Value(stopKey{}).(<-chan struct{})
	return stop
}

// CallFailed tells whether err is the failure of a call to Odoo: its network (TransportError) or what it
// answered (ProtocolError, HTTPError, RPCError, ...). Those wrap the same net and io errors a lost database
// connection does, so a caller that retries database work must not take them for one.
func CallFailed(err error) bool {
	var (
		transport *TransportError
		protocol  *ProtocolError
		httpErr   *HTTPError
		rpc       *RPCError
		tooLarge  *ResponseTooLargeError
	)
	return errors.As(err, &transport) || errors.As(err, &protocol) || errors.As(err, &httpErr) || errors.As(err, &rpc) ||
		errors.As(err, &tooLarge)
}
