package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
)

// jsonrpcTransport speaks POST /jsonrpc (service common/object), deprecated since Odoo 19 but the only JSON API
// before it.
type jsonrpcTransport struct {
	h      *httpCore
	c      conn
	nextID atomic.Int64
}

type jsonrpcRequest struct {
	JSONRPC string        `json:"jsonrpc"`
	Method  string        `json:"method"`
	Params  jsonrpcParams `json:"params"`
	ID      int64         `json:"id"`
}

type jsonrpcParams struct {
	Service string `json:"service"`
	Method  string `json:"method"`
	Args    []any  `json:"args"`
}

func (t *jsonrpcTransport) protocol() Protocol { return ProtocolJSONRPC }

func (t *jsonrpcTransport) rpc(ctx context.Context, service, method string, args []any, model, op string,
	page bool, again func(context.Context) ([]any, error)) (json.RawMessage, error) {
	req := func(args []any) (httpRequest, error) {
		body, err := json.Marshal(jsonrpcRequest{JSONRPC: "2.0", Method: "call",
			Params: jsonrpcParams{Service: service, Method: method, Args: args}, ID: t.nextID.Add(1)})
		if err != nil {
			return httpRequest{}, fmt.Errorf("odoo: encode %s.%s: %w", model, op, err)
		}
		return httpRequest{method: http.MethodPost, path: "/jsonrpc", contentType: "application/json", body: body,
			model: model, op: op}, nil
	}
	r, err := req(args)
	if err != nil {
		return nil, err
	}
	relog := argsRelogin(again, req)
	return t.h.call(ctx, ProtocolJSONRPC, r, func(resp *httpResponse) (json.RawMessage, outcome) {
		return t.interpret(resp, model, op, page)
	}, relog)
}

// interpret reads one /jsonrpc response: a result, an Odoo error (HTTP 200 with an error member), or something
// that is not a JSON-RPC answer at all.
func (t *jsonrpcTransport) interpret(resp *httpResponse, model, op string, page bool) (json.RawMessage, outcome) {
	const reason = "the server removed JSON-RPC, or the URL is not the Odoo server root"
	if resp.status == http.StatusNotFound {
		return nil, outcome{err: t.c.notServed(ProtocolJSONRPC, "POST /jsonrpc", reason)}
	}
	decode := decodeJSONRPC
	if page {
		decode = decodeJSONRPCPage
	}
	result, err := decode(resp.body)
	if err == nil {
		return result, outcome{}
	}
	if f, ok := err.(*fault); ok {
		if isRouteNotFound(f) { // no /jsonrpc route at this URL, answered by Odoo's JSON dispatcher
			return nil, outcome{err: t.c.notServed(ProtocolJSONRPC, "POST /jsonrpc", reason)}
		}
		return nil, outcome{fault: f, err: t.c.mapFault(f, model, op)}
	}
	o := outcome{foreign: isForeign(err)}
	if fe, ok := err.(*foreignBodyError); ok {
		fe.contentType = resp.contentType
	}
	if resp.status != http.StatusOK {
		o.err = &HTTPError{Model: model, Method: op, StatusCode: resp.status, Body: t.h.redact(snippet(resp.body))}
	} else {
		o.err = &ProtocolError{Protocol: ProtocolJSONRPC, Model: model, Method: op, Detail: t.h.redact(err.Error())}
	}
	return nil, o
}

func (t *jsonrpcTransport) version(ctx context.Context) (ServerVersion, error) {
	raw, err := t.rpc(ctx, "common", "version", []any{}, "common", "version", false, nil)
	if err != nil {
		return ServerVersion{}, err
	}
	return parseVersion(raw)
}

func (t *jsonrpcTransport) authenticate(ctx context.Context) (int64, error) {
	raw, err := t.rpc(ctx, "common", "authenticate", []any{t.c.database, t.c.login, t.c.secret, map[string]any{}},
		"common", "authenticate", false, nil)
	if err != nil {
		return 0, err
	}
	return decodeUID(raw, t.c)
}

func (t *jsonrpcTransport) execute(ctx context.Context, uid int64, cl *call, again reauthFunc) (json.RawMessage, error) {
	args := func(uid int64) []any {
		return []any{t.c.database, uid, t.c.secret, cl.model, cl.method, cl.positional(), cl.kwargsWithContext()}
	}
	return t.rpc(ctx, "object", "execute_kw", args(uid), cl.model, cl.method, cl.page, again.args(args))
}

// decodeUID reads authenticate's answer: a uid, or false for bad credentials.
func decodeUID(raw json.RawMessage, c conn) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if isFalse(raw) {
		return 0, &AuthError{Protocol: c.protocol, URL: c.url, Database: c.database, Login: c.login,
			Reason: "the server rejected the login and password/API key"}
	}
	var uid jsonInt
	if err := uid.UnmarshalJSON(raw); err != nil || uid <= 0 {
		return 0, &ProtocolError{Protocol: c.protocol, Model: "common", Method: "authenticate",
			Detail: fmt.Sprintf("expected a user id or false, got %s", snippet(raw))}
	}
	return int64(uid), nil
}

type jsonrpcEnvelope struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    jsonInt    `json:"code"`
		Message jsonString `json:"message"`
		Data    *struct {
			Name    jsonString `json:"name"`
			Message jsonString `json:"message"`
			Debug   jsonString `json:"debug"`
		} `json:"data"`
	} `json:"error"`
}

// decodeJSONRPC extracts the result of a JSON-RPC response body. It returns a *fault for an Odoo error and a
// plain error for a body that is not a JSON-RPC response. A success without a result key (a method returning
// None) yields JSON null.
func decodeJSONRPC(body []byte) (json.RawMessage, error) { return decodeEnvelope(body, false) }

// decodeJSONRPCPage is decodeJSONRPC for a caller that decodes the result strictly and reads the envelope again
// when that fails (callDecode): it may return what resultAtTail finds.
func decodeJSONRPCPage(body []byte) (json.RawMessage, error) { return decodeEnvelope(body, true) }

func decodeEnvelope(body []byte, atTail bool) (json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if err := notJSONObject(body); err != nil {
		return nil, err
	}
	if r, ok := jsonrpcResultFast(body, atTail); ok {
		return r, nil
	}
	var env jsonrpcEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("malformed JSON-RPC envelope: %w", err)
	}
	if e := env.Error; e != nil {
		f := &fault{code: int(e.Code), name: "odoo.exceptions.Error", message: string(e.Message)}
		if d := e.Data; d != nil {
			f.name = nonEmpty(string(d.Name), f.name)
			f.message = nonEmpty(string(d.Message), f.message)
			f.debug = string(d.Debug)
		}
		return nil, f
	}
	if len(env.Result) == 0 {
		return json.RawMessage("null"), nil
	}
	return env.Result, nil
}

// jsonrpcErrorIn returns the error of body when it is a JSON-RPC error envelope (an object with "jsonrpc" and
// "error" members), else nil.
func jsonrpcErrorIn(body []byte) *fault {
	if len(body) == 0 || body[0] != '{' || !bytes.Contains(body, []byte(`"jsonrpc"`)) {
		return nil
	}
	var probe struct {
		JSONRPC json.RawMessage `json:"jsonrpc"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &probe) != nil || probe.JSONRPC == nil || probe.Error == nil {
		return nil
	}
	_, err := decodeJSONRPC(body)
	f, _ := err.(*fault)
	return f
}

// notJSONObject explains the usual wrong bodies: empty, an HTML page (wrong URL, proxy error page, database
// selector), or other non-JSON text.
func notJSONObject(body []byte) error {
	switch {
	case len(body) == 0, body[0] == '<':
		return &foreignBodyError{want: "JSON", body: body}
	case body[0] != '{':
		if !jsonStart(body[0]) {
			return &foreignBodyError{want: "JSON", body: body}
		}
		return fmt.Errorf("response is not a JSON object: %s", snippet(body))
	}
	return nil
}

// jsonStart reports whether c can begin a JSON value.
func jsonStart(c byte) bool {
	return c == '{' || c == '[' || c == '"' || c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n'
}
