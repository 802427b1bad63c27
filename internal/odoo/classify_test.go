package odoo

import (
	"errors"
	"testing"
)

// TestClassify is the retry table for every transport.
func TestClassify(t *testing.T) {
	t.Parallel()
	e := errors.New("x")
	fault := func(name string, code, status int) *fault {
		return &fault{name: name, message: "m", code: code, httpStatus: status}
	}
	tests := []struct {
		name string
		p    Protocol
		o    outcome
		want verdict
	}{
		{"success", ProtocolJSONRPC, outcome{status: 200}, done},
		{"network", ProtocolJSONRPC, outcome{netErr: true, netRetry: true, err: e}, transient},
		{"TLS", ProtocolJSONRPC, outcome{netErr: true, err: e}, done},
		{"429", ProtocolJSON2, outcome{status: 429, err: e}, transient},
		{"502", ProtocolXMLRPC, outcome{status: 502, err: e}, transient},
		{"503", ProtocolJSONRPC, outcome{status: 503, err: e}, transient},
		{"504", ProtocolJSON2, outcome{status: 504, err: e}, transient},
		{"500 HTML", ProtocolJSON2, outcome{status: 500, foreign: true, err: e}, transient},
		{"500 HTML xmlrpc", ProtocolXMLRPC, outcome{status: 500, foreign: true, err: e}, transient},
		{"200 HTML", ProtocolJSONRPC, outcome{status: 200, foreign: true, err: e}, transient},
		{"200 HTML json2", ProtocolJSON2, outcome{status: 200, foreign: true, err: e}, transient},
		{"200 not XML", ProtocolXMLRPC, outcome{status: 200, foreign: true, err: e}, transient},
		{"200 broken envelope", ProtocolJSONRPC, outcome{status: 200, err: e}, done},
		{"404 HTML", ProtocolJSON2, outcome{status: 404, foreign: true, err: e}, done},
		{"400 text", ProtocolJSONRPC, outcome{status: 400, foreign: true, err: e}, done},
		{"json2 500 serialization", ProtocolJSON2, outcome{status: 500, fault: fault("psycopg2.errors.SerializationFailure", 0, 500), err: e}, transient},
		{"json2 409 lock", ProtocolJSON2, outcome{status: 409, fault: fault("odoo.exceptions.LockError", 0, 409), err: e}, transient},
		{"jsonrpc deadlock", ProtocolJSONRPC, outcome{status: 200, fault: fault("psycopg2.errors.DeadlockDetected", 200, 0), err: e}, transient},
		{"jsonrpc 19 lock not available", ProtocolJSONRPC, outcome{status: 200, fault: fault("psycopg2.errors.LockNotAvailable", 0, 0), err: e}, transient},
		{"xmlrpc rollback", ProtocolXMLRPC, outcome{status: 200, fault: fault("psycopg2.extensions.TransactionRollbackError", 1, 0), err: e}, transient},
		{"json2 500 ValueError", ProtocolJSON2, outcome{status: 500, fault: fault("builtins.ValueError", 0, 500), err: e}, done},
		{"json2 403 AccessError", ProtocolJSON2, outcome{status: 403, fault: fault("odoo.exceptions.AccessError", 0, 403), err: e}, done},
		{"json2 404 MissingError", ProtocolJSON2, outcome{status: 404, fault: fault("odoo.exceptions.MissingError", 0, 404), err: e}, done},
		{"json2 422 UserError", ProtocolJSON2, outcome{status: 422, fault: fault("odoo.exceptions.UserError", 0, 422), err: e}, done},
		{"jsonrpc AccessDenied", ProtocolJSONRPC, outcome{status: 200, fault: fault("odoo.exceptions.AccessDenied", 200, 0), err: e}, done},
		{"jsonrpc ValidationError", ProtocolJSONRPC, outcome{status: 200, fault: fault("odoo.exceptions.ValidationError", 200, 0), err: e}, done},
		{"xmlrpc AccessError", ProtocolXMLRPC, outcome{status: 200, fault: fault("odoo.exceptions.AccessError", 4, 0), err: e}, done},
		{"xmlrpc psycopg2 OperationalError", ProtocolXMLRPC, outcome{status: 200, fault: fault("psycopg2.OperationalError", 1, 0), err: e}, done},
		{"jsonrpc code 100", ProtocolJSONRPC, outcome{status: 200, fault: fault("odoo.http.SessionExpiredException", 100, 0), err: e}, relogin},
		{"xmlrpc SessionExpiredException", ProtocolXMLRPC, outcome{status: 200, fault: fault("odoo.http.SessionExpiredException", 1, 0), err: e}, relogin},
		{"json2 401", ProtocolJSON2, outcome{status: 401, fault: fault("werkzeug.exceptions.Unauthorized", 0, 401), err: e}, relogin},
	}
	for _, tt := range tests {
		if got := classify(tt.p, tt.o); got != tt.want {
			t.Errorf("%s: classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}
