package odootest

import (
	"fmt"
	"net/http"
)

// odooError is an exception raised by the fake's "Python" side. Its shape on the wire depends on the
// transport: JSON-RPC error.data, XML-RPC fault code, JSON-2 HTTP status + body.
type odooError struct {
	name    string // Python class path: odoo.exceptions.AccessDenied, builtins.ValueError...
	message string
	status  int  // JSON-2 HTTP status
	fault   int  // XML-RPC faultCode: 1 generic, 2 UserError, 3 AccessDenied, 4 AccessError
	code    int  // JSON-RPC error code override (100 session expired, 404); 0 = the version's server error code
	binding bool // arguments did not bind to the method's signature
}

func (e *odooError) Error() string { return e.name + ": " + e.message }

// traceback imitates the debug text Odoo sends (a Python traceback ending with the exception line).
func (e *odooError) traceback() string {
	return "Traceback (most recent call last):\n" +
		"  File \"/usr/lib/python3/dist-packages/odoo/http.py\", line 1790, in _serve_db\n" +
		"    return service_model.retrying(self._serve_ir_http, self.env)\n" +
		"  File \"/usr/lib/python3/dist-packages/odoo/service/model.py\", line 133, in retrying\n" +
		"    result = func()\n" +
		e.name + ": " + e.message + "\n"
}

// errRouteNotFound is werkzeug's NotFound for a path no controller serves.
func errRouteNotFound() *odooError {
	return &odooError{name: "werkzeug.exceptions.NotFound", code: 404, status: http.StatusNotFound,
		message: "404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."}
}

func errAccessDenied() *odooError {
	return &odooError{name: "odoo.exceptions.AccessDenied", message: "Access Denied", status: http.StatusForbidden, fault: 3}
}

func errAccess(msg string) *odooError {
	return &odooError{name: "odoo.exceptions.AccessError", message: msg, status: http.StatusForbidden, fault: 4}
}

func errUser(msg string) *odooError {
	return &odooError{name: "odoo.exceptions.UserError", message: msg, status: http.StatusUnprocessableEntity, fault: 2}
}

func errMissing(msg string) *odooError {
	return &odooError{name: "odoo.exceptions.MissingError", message: msg, status: http.StatusNotFound, fault: 2}
}

func errValue(format string, args ...any) *odooError {
	return &odooError{name: "builtins.ValueError", message: fmt.Sprintf(format, args...), status: http.StatusInternalServerError, fault: 1}
}

func errType(format string, args ...any) *odooError {
	return &odooError{name: "builtins.TypeError", message: fmt.Sprintf(format, args...), status: http.StatusUnprocessableEntity, fault: 1}
}

func errAttribute(format string, args ...any) *odooError {
	return &odooError{name: "builtins.AttributeError", message: fmt.Sprintf(format, args...), status: http.StatusNotFound, fault: 1}
}

func errSessionExpired() *odooError {
	return &odooError{name: "odoo.http.SessionExpiredException", message: "Session expired", status: http.StatusUnauthorized, fault: 1, code: 100}
}

func errUnknownDB(db string) *odooError {
	return &odooError{name: "psycopg2.OperationalError",
		message: fmt.Sprintf("connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database \"%s\" does not exist\n", db),
		status:  http.StatusInternalServerError, fault: 1}
}

// errSerialization is what Odoo answers when PostgreSQL aborted the transaction for a concurrent update and
// odoo.service.model.retrying has used up its own tries.
func errSerialization() *odooError {
	return &odooError{name: "psycopg2.errors.SerializationFailure",
		message: "could not serialize access due to concurrent update", status: http.StatusInternalServerError, fault: 1}
}
