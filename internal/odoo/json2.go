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

func (t *json2Transport) post(ctx context.Context, model, method string, body map[string]any) (json.RawMessage, error) {
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
	resp, err := t.h.do(ctx, httpRequest{method: http.MethodPost,
		path:        "/json/2/" + url.PathEscape(model) + "/" + url.PathEscape(method),
		contentType: "application/json; charset=utf-8", bearer: t.c.secret, database: t.c.database,
		body: data, model: model, op: method})
	if err != nil {
		return nil, err
	}
	result, err := decodeJSON2(resp.status, resp.body)
	switch e := err.(type) {
	case nil:
		return result, nil
	case *fault:
		return nil, t.c.mapFault(e, model, method)
	case *HTTPError:
		e.Model, e.Method, e.Body = model, method, t.h.redact(e.Body)
		return nil, e
	}
	if err == errJSON2NotFound {
		return nil, err
	}
	return nil, &ProtocolError{Protocol: ProtocolJSON2, Model: model, Method: method, Detail: t.h.redact(err.Error())}
}

// decodeJSON2 interprets a JSON-2 response: the bare result on 200, an error object {name, message, arguments,
// context, debug} otherwise. A 404 with a non-JSON body is errJSON2NotFound.
func decodeJSON2(status int, body []byte) (json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if status == http.StatusOK {
		if len(body) == 0 {
			return json.RawMessage("null"), nil
		}
		if body[0] == '<' {
			return nil, fmt.Errorf("got an HTML page instead of JSON (is the URL the Odoo server root?): %s", snippet(body))
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
	resp, err := t.h.do(ctx, httpRequest{method: http.MethodGet, path: "/web/version", model: "web", op: "version"})
	if err != nil {
		return ServerVersion{}, err
	}
	if resp.status != http.StatusOK {
		return ServerVersion{}, &HTTPError{Model: "web", Method: "version", StatusCode: resp.status, Body: snippet(resp.body)}
	}
	if err := notJSONObject(bytes.TrimSpace(resp.body)); err != nil {
		return ServerVersion{}, &ProtocolError{Protocol: ProtocolJSON2, Model: "web", Method: "version", Detail: err.Error()}
	}
	return parseVersion(resp.body)
}

// authenticate checks the key and learns the uid: res.users.context_get carries it; servers that leave it out
// are asked for the user by login.
func (t *json2Transport) authenticate(ctx context.Context) (int64, error) {
	raw, err := t.post(ctx, "res.users", "context_get", nil)
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
	raw, err = t.post(ctx, "res.users", "search", map[string]any{"domain": Eq("login", t.c.login), "limit": 1})
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

func (t *json2Transport) execute(ctx context.Context, _ int64, cl *call) (json.RawMessage, error) {
	body := cl.kwargsWithContext()
	if cl.ids != nil {
		body["ids"] = cl.ids
	}
	return t.post(ctx, cl.model, cl.method, body)
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
