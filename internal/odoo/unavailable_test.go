package odoo

import (
	"errors"
	"fmt"
	"testing"
)

func TestUnavailable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&TransportError{URL: "https://acme.odoo.com/jsonrpc", Attempts: 6, Err: errors.New("connection refused")}, true},
		{fmt.Errorf("orders: %w", &HTTPError{StatusCode: 503, Attempts: 6}), true},
		{&HTTPError{StatusCode: 429, Attempts: 6}, true},
		{&HTTPError{StatusCode: 500, Attempts: 6}, true},
		{&HTTPError{StatusCode: 404}, false},
		{&ProtocolError{Protocol: ProtocolJSONRPC, Detail: "HTML page", Attempts: 6}, true},
		{&ProtocolError{Protocol: ProtocolJSONRPC, Detail: "broken envelope"}, false},
		{&RPCError{Name: "psycopg2.errors.SerializationFailure", Attempts: 6}, true},
		{&RPCError{Name: "odoo.exceptions.AccessError"}, false},
		{&RPCError{Name: "builtins.ValueError", Message: "Invalid field"}, false},
		{&AuthError{URL: "https://acme.odoo.com", Login: "api"}, false},
		{&DatabaseNotFoundError{Database: "acme"}, false},
		{&FieldMissingError{Model: "sale.order"}, false},
		{errors.New("upsert sales_orders: disk full"), false},
		{nil, false},
	} {
		if got := Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
