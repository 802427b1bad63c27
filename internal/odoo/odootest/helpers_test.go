package odootest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
)

// Shared read-only fakes (tests that mutate start their own).
var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// smallData is a history small enough for -race but with every feature of the generator.
func smallData() *GenerateOptions {
	return &GenerateOptions{Years: 2, SKUs: 60, LinesPerMonth: 250, Customers: 30}
}

func sharedServer(t *testing.T) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = NewServer(Options{Seed: 7, Data: smallData()}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// post sends a raw request and returns status, headers and body.
func post(t *testing.T, url, ctype string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func decodeObj(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, b)
	}
	return m
}

// rpc performs a raw JSON-RPC call and returns the decoded envelope.
func rpc(t *testing.T, s *Server, service, method string, args ...any) map[string]any {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 7,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	if err != nil {
		t.Fatal(err)
	}
	status, _, b := post(t, s.URL()+"/jsonrpc", "application/json", body, nil)
	if status != http.StatusOK {
		t.Fatalf("JSON-RPC status %d: %s", status, b)
	}
	return decodeObj(t, b)
}

// kw calls execute_kw as the admin and returns the envelope.
func kw(t *testing.T, s *Server, model, method string, args []any, kwargs map[string]any) map[string]any {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	return rpc(t, s, "object", "execute_kw", s.opts.Database, AdminUID, s.opts.Password, model, method, args, kwargs)
}

// ok returns the result of a successful envelope.
func ok(t *testing.T, env map[string]any) any {
	t.Helper()
	if e, bad := env["error"]; bad {
		t.Fatalf("unexpected error: %v", e)
	}
	r, has := env["result"]
	if !has {
		t.Fatalf("no result key: %v", env)
	}
	return r
}

// errData returns error.data of a failed envelope.
func errData(t *testing.T, env map[string]any) (code json.Number, data map[string]any) {
	t.Helper()
	e, bad := env["error"].(map[string]any)
	if !bad {
		t.Fatalf("expected an error, got %v", env)
	}
	code, _ = e["code"].(json.Number)
	data, _ = e["data"].(map[string]any)
	return code, data
}

func rows(t *testing.T, v any) []map[string]any {
	t.Helper()
	list, isList := v.([]any)
	if !isList {
		t.Fatalf("not a list: %v", v)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, isNum := v.(json.Number)
	if !isNum {
		t.Fatalf("not a number: %v (%T)", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// searchIDs runs search on a model with a domain and kwargs, returning ids.
func searchIDs(t *testing.T, s *Server, model string, domain []any, kwargs map[string]any) []int64 {
	t.Helper()
	res := ok(t, kw(t, s, model, "search", []any{domain}, kwargs))
	list := res.([]any)
	ids := make([]int64, len(list))
	for i, x := range list {
		ids[i] = num(t, x)
	}
	return ids
}

func count(t *testing.T, s *Server, model string, domain []any, ctx map[string]any) int64 {
	t.Helper()
	kwargs := map[string]any{}
	if ctx != nil {
		kwargs["context"] = ctx
	}
	return num(t, ok(t, kw(t, s, model, "search_count", []any{domain}, kwargs)))
}
