package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// json2Transport speaks Odoo 19's POST /json/2/<model>/<method> with a bearer API key.
type json2Transport struct {
	h *httpCore
	c conn
}

func (t *json2Transport) protocol() Protocol { return ProtocolJSON2 }

func (t *json2Transport) post(ctx context.Context, model, method string, body map[string]any, again reauthFunc) (json.RawMessage, error) {
	if err := checkModelName(model); err != nil {
		return nil, err
	}
	if err := checkModelName(method); err != nil {
		return nil, err
	}
	if body == nil {
		body = map[string]any{}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("odoo: encode %s.%s: %w", model, method, err)
	}
	r := httpRequest{method: http.MethodPost,
		path:        "/json/2/" + url.PathEscape(model) + "/" + url.PathEscape(method),
		contentType: "application/json; charset=utf-8", bearer: t.c.secret, database: t.c.database,
		body: data, model: model, op: method}
	var relog reloginFunc
	if again != nil {
		// The key is the credential: checking it again (and learning the uid) is the login; the request stays.
		relog = func(ctx context.Context) (httpRequest, error) {
			if _, err := again(ctx); err != nil {
				return httpRequest{}, err
			}
			return r, nil
		}
	}
	return t.h.call(ctx, ProtocolJSON2, r, func(resp *httpResponse) (json.RawMessage, outcome) {
		return t.interpret(resp, model, method)
	}, relog)
}

// interpret reads one JSON-2 response: the bare result on 200, an Odoo error as status + JSON object, or a body
// that is not JSON (an HTML page from a proxy, a login page, a 404 for an unknown database).
func (t *json2Transport) interpret(resp *httpResponse, model, method string) (json.RawMessage, outcome) {
	result, err := decodeJSON2(resp.status, resp.body)
	switch e := err.(type) {
	case nil:
		return result, outcome{}
	case *fault:
		return nil, outcome{fault: e, err: t.c.mapFault(e, model, method)}
	case *HTTPError:
		e.Model, e.Method, e.Body = model, method, t.h.redact(e.Body)
		return nil, outcome{err: e}
	case *foreignBodyError:
		e.contentType = resp.contentType
	}
	if err == errJSON2NotFound {
		return nil, outcome{err: err}
	}
	return nil, outcome{foreign: isForeign(err),
		err: &ProtocolError{Protocol: ProtocolJSON2, Model: model, Method: method, Detail: t.h.redact(err.Error())}}
}

// decodeJSON2 interprets a JSON-2 response: the bare result on 200, an error object {name, message, arguments,
// context, debug} otherwise. A 404 with a non-JSON body, or a JSON-RPC 404 error (an Odoo without JSON-2: its
// JSON-RPC dispatcher answers the unknown path), is errJSON2NotFound; a 200 whose body is not JSON is a
// *foreignBodyError.
func decodeJSON2(status int, body []byte) (json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if status == http.StatusOK {
		if len(body) == 0 {
			return json.RawMessage("null"), nil
		}
		if !jsonStart(body[0]) {
			return nil, &foreignBodyError{want: "JSON", body: body}
		}
		if f := jsonrpcErrorIn(body); f != nil {
			if isRouteNotFound(f) {
				return nil, errJSON2NotFound
			}
			return nil, f
		}
		return body, nil
	}
	var e struct {
		Name    jsonString `json:"name"`
		Message jsonString `json:"message"`
		Debug   jsonString `json:"debug"`
	}
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &e) == nil && e.Name != "" {
		return nil, &fault{name: string(e.Name), message: string(e.Message), debug: string(e.Debug), httpStatus: status}
	}
	switch status {
	case http.StatusNotFound:
		return nil, errJSON2NotFound
	case http.StatusUnauthorized:
		return nil, &fault{name: "werkzeug.exceptions.Unauthorized", message: "invalid or missing API key", httpStatus: status}
	}
	return nil, &HTTPError{StatusCode: status, Body: snippet(body)}
}

// version reads GET /web/version, the only version endpoint that survives the removal of /jsonrpc.
func (t *json2Transport) version(ctx context.Context) (ServerVersion, error) {
	raw, err := t.h.call(ctx, ProtocolJSON2, httpRequest{method: http.MethodGet, path: "/web/version", model: "web", op: "version"},
		func(resp *httpResponse) (json.RawMessage, outcome) {
			body := bytes.TrimSpace(resp.body)
			err := notJSONObject(body)
			if fe, ok := err.(*foreignBodyError); ok {
				fe.contentType = resp.contentType
			}
			switch {
			case resp.status == http.StatusNotFound:
				return nil, outcome{err: t.c.notServed(ProtocolJSON2, "GET /web/version",
					"is the URL the Odoo server root?")}
			case resp.status != http.StatusOK:
				return nil, outcome{foreign: isForeign(err), err: &HTTPError{Model: "web", Method: "version",
					StatusCode: resp.status, Body: t.h.redact(snippet(resp.body))}}
			case err != nil:
				return nil, outcome{foreign: isForeign(err), err: &ProtocolError{Protocol: ProtocolJSON2, Model: "web",
					Method: "version", Detail: t.h.redact(err.Error())}}
			}
			return body, outcome{}
		}, nil)
	if err != nil {
		return ServerVersion{}, err
	}
	return parseVersion(raw)
}

// authenticate checks the key and learns the uid: res.users.context_get carries it; servers that leave it out
// are asked for the user by login.
func (t *json2Transport) authenticate(ctx context.Context) (int64, error) {
	raw, err := t.post(ctx, "res.users", "context_get", nil, nil)
	if err != nil {
		return 0, err
	}
	var c struct {
		UID jsonInt `json:"uid"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return 0, &ProtocolError{Protocol: ProtocolJSON2, Model: "res.users", Method: "context_get", Detail: "expected an object", Err: err}
	}
	if c.UID > 0 {
		return int64(c.UID), nil
	}
	if t.c.login == "" {
		return 0, &ProtocolError{Protocol: ProtocolJSON2, Model: "res.users", Method: "context_get",
			Detail: "the server did not say which user the key belongs to; set the username in the configuration"}
	}
	raw, err = t.post(ctx, "res.users", "search", map[string]any{"domain": Eq("login", t.c.login), "limit": 1}, nil)
	if err != nil {
		return 0, err
	}
	var ids []jsonInt
	if err := json.Unmarshal(raw, &ids); err != nil || len(ids) == 0 {
		return 0, &AuthError{Protocol: ProtocolJSON2, URL: t.c.url, Database: t.c.database, Login: t.c.login,
			Reason: "the API key works but no user has this login"}
	}
	return int64(ids[0]), nil
}

func (t *json2Transport) execute(ctx context.Context, _ int64, cl *call, again reauthFunc) (json.RawMessage, error) {
	body := cl.kwargsWithContext()
	if cl.ids != nil {
		body["ids"] = cl.ids
	}
	return t.post(ctx, cl.model, cl.method, body, again)
}

func checkModelName(s string) error {
	if s == "" || len(s) > 128 {
		return fmt.Errorf("odoo: invalid model or method name %q", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("odoo: invalid model or method name %q", s)
		}
	}
	return nil
}
