package odoo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// verdict is what the client does after one HTTP exchange.
type verdict int

const (
	done      verdict = iota // success, or an error that would fail the same way again: return it
	transient                // retry after a backoff
	relogin                  // the session expired: authenticate again, then retry after a backoff
)

func (v verdict) String() string {
	switch v {
	case transient:
		return "transient"
	case relogin:
		return "session expired"
	}
	return "final"
}

// outcome is what one exchange produced, as the transports see it: the facts classify decides on, and the
// error to report if the call ends with it.
type outcome struct {
	status      int    // HTTP status; 0 when no response arrived
	contentType string // Content-Type of the response
	netErr      bool   // no complete response: connection refused/reset, timeout, a body cut short
	netRetry    bool   // with netErr: the failure can pass (not a TLS, certificate or unknown host error)
	foreign     bool   // the body is not in the transport's format (an HTML page, plain text, empty)
	fault       *fault // the Odoo error the body carried, if any
	retryAfter  time.Duration
	err         error // nil on success; otherwise the error for the caller
}

// concurrencyFaults are the exceptions of a transaction that lost a race with another one: PostgreSQL's
// serialization failure, deadlock and lock-not-available (Odoo's own PG_CONCURRENCY_ERRORS_TO_RETRY, retried
// inside the server a few times before it gives up and answers with the error), their psycopg2 parent class,
// and Odoo's own lock errors (JSON-2 409).
var concurrencyFaults = []string{
	"psycopg2.errors.SerializationFailure",
	"psycopg2.errors.DeadlockDetected",
	"psycopg2.errors.LockNotAvailable",
	"psycopg2.extensions.TransactionRollbackError",
	"psycopg2.errors.TransactionRollback",
	"odoo.exceptions.LockError",
	"odoo.exceptions.ConcurrencyError",
}

// isConcurrencyFault reports an Odoo error caused by a concurrent transaction: the same call succeeds later.
func isConcurrencyFault(f *fault) bool {
	for _, n := range concurrencyFaults {
		if f.name == n {
			return true
		}
	}
	// A generic name (a fault whose traceback could not be read) still carries PostgreSQL's message.
	return strings.Contains(f.message, "could not serialize access due to concurrent update") ||
		strings.Contains(f.message, "deadlock detected")
}

// isSessionExpiry reports an expired session: JSON-RPC code 100 ("Odoo Session Expired"), Odoo's
// SessionExpiredException by name (an XML-RPC fault 1 names it in its traceback), or on JSON-2 a 401 (the key
// is refused; after it worked, logging in again tells an expired or revoked key from a passing fault).
func isSessionExpiry(p Protocol, f *fault) bool {
	switch {
	case p == ProtocolJSONRPC && f.code == 100:
		return true
	case strings.HasSuffix(f.name, "SessionExpiredException"):
		return true
	case p == ProtocolJSON2 && f.httpStatus == http.StatusUnauthorized:
		return true
	}
	return false
}

// classify is the one place that decides whether a failed exchange is retried, for every transport:
//
//   - a network failure or a body cut short: transient (not TLS/certificate errors or an unknown host);
//   - a decoded Odoo error: relogin for an expired session, transient for a serialization failure, deadlock or
//     lock held by a concurrent transaction, otherwise final (access rights, bad credentials, missing fields or
//     records, validation and user errors, unknown models: they fail the same way again);
//   - HTTP 429, 502, 503, 504: transient (proxies, rate limits; Retry-After is honoured);
//   - HTTP 500 that is not an Odoo error (an HTML page from a crashed worker or a proxy): transient;
//   - a 2xx whose body is not the transport's format (a proxy's or a login page's HTML): transient;
//   - anything else (404, 400, a malformed but well-formed envelope...): final.
func classify(p Protocol, o outcome) verdict {
	switch {
	case o.err == nil:
		return done
	case o.netErr:
		if o.netRetry {
			return transient
		}
		return done
	case o.fault != nil:
		switch {
		case isSessionExpiry(p, o.fault):
			return relogin
		case isConcurrencyFault(o.fault):
			return transient
		}
		return done
	}
	switch o.status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
		http.StatusInternalServerError:
		return transient
	}
	if o.foreign && o.status >= 200 && o.status < 300 {
		return transient
	}
	return done
}

// foreignBodyError is a body that is not in the transport's format at all: empty, an HTML page (a login page, a
// proxy's error page, a wrong URL) or other text.
type foreignBodyError struct {
	want        string // JSON, XML-RPC
	contentType string
	body        []byte
}

func (e *foreignBodyError) Error() string {
	ct := ""
	if e.contentType != "" {
		ct = " (Content-Type " + e.contentType + ")"
	}
	b := e.body
	switch {
	case len(b) == 0:
		return "the server answered an empty body instead of " + e.want + ct
	case looksHTML(b):
		return fmt.Sprintf("the server answered an HTML page instead of %s%s: a login page, a proxy's error page, "+
			"or a URL that is not the Odoo server root? %s", e.want, ct, snippet(b))
	}
	return fmt.Sprintf("the server answered text that is not %s%s: %s", e.want, ct, snippet(b))
}

func looksHTML(b []byte) bool {
	return len(b) > 0 && b[0] == '<'
}

// isForeign reports whether err (from a transport's decoder) says the body is not the transport's format.
func isForeign(err error) bool {
	var fe *foreignBodyError
	return errors.As(err, &fe)
}
