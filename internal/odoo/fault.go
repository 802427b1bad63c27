package odoo

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// fault is an Odoo-level error as decoded from any transport, before it is mapped to the public error types
// (which need the connection's database, login and secret).
type fault struct {
	name       string // Python exception, e.g. odoo.exceptions.AccessDenied
	message    string
	code       int // JSON-RPC code or XML-RPC faultCode
	httpStatus int // JSON-2
	debug      string
}

func (f *fault) Error() string { return f.name + ": " + f.message }

// errJSON2NotFound is a JSON-2 404 answered with an HTML page: no JSON-2 on this server, or a wrong database.
var errJSON2NotFound = errors.New("odoo: /json/2 answered 404 Not Found (HTML)")

// errJSON2NotFound is also what an Odoo before 19 answers: no /json/2 route, so its JSON-RPC dispatcher reports
// werkzeug's NotFound (HTTP 200, a JSON-RPC error with code 404).

// notServed is the error for a 404 on an API path: the protocol is not served there, or the URL is not the
// server root. Users paste the browser's address (https://acme.odoo.com/web, /odoo/...), so a URL with a path
// gets a hint naming the root instead of the generic reason.
func (c conn) notServed(p Protocol, request, reason string) *UnavailableError {
	detail := request + " answered 404 (" + reason + ")"
	if u, err := url.Parse(c.url); err == nil && strings.Trim(u.Path, "/") != "" {
		path := u.Path
		u.Path, u.RawPath = "", ""
		detail = fmt.Sprintf("%s answered 404: the URL ends in %s; give the Odoo server root, %s", request, path, u.String())
	}
	return &UnavailableError{Protocol: p, URL: c.url, Detail: detail}
}

// isRouteNotFound reports a JSON-RPC error that is werkzeug's NotFound for the path itself (code 404), not an
// Odoo error of the call.
func isRouteNotFound(f *fault) bool {
	return f.code == 404 && f.httpStatus == 0
}

// conn is what mapping a fault needs to know about the connection.
type conn struct {
	protocol Protocol
	url      string
	database string
	login    string
	secret   string
}

var missingDBRe = regexp.MustCompile(`database "([^"]*)" does not exist`)

// mapFault turns a server fault into the public error types. (Whether it is retried is classify's business.)
func (c conn) mapFault(f *fault, model, method string) error {
	msg := redactSecret(f.message, c.secret)
	debug := redactSecret(f.debug, c.secret)
	switch {
	case f.code == 100 && c.protocol == ProtocolJSONRPC:
		return &RPCError{Model: model, Method: method, Name: nonEmpty(f.name, "odoo.http.SessionExpiredException"), Message: msg, Code: f.code}
	case strings.HasSuffix(f.name, "AccessDenied") || f.httpStatus == 401:
		return &AuthError{Protocol: c.protocol, URL: c.url, Database: c.database, Login: c.login, Reason: nonEmpty(msg, "access denied")}
	case isMissingDatabase(f, c.database):
		return &DatabaseNotFoundError{URL: c.url, Database: c.database, Detail: firstLine(msg)}
	}
	return &RPCError{Model: model, Method: method, Name: f.name, Message: msg, Code: f.code, HTTPStatus: f.httpStatus, Debug: debug}
}

func isMissingDatabase(f *fault, db string) bool {
	text := f.message + "\n" + f.debug
	if m := missingDBRe.FindStringSubmatch(text); m != nil {
		return true
	}
	// Some versions surface the registry lookup instead: KeyError('name').
	return db != "" && strings.HasSuffix(f.name, "KeyError") && strings.Contains(f.message, db)
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
