package odootest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func versionBody() []byte {
	return []byte(`{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]},"id":1}`)
}

func searchBody(model string) []byte {
	return []byte(`{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":["odoo",2,"admin","` + model + `","search",[[]],{}]},"id":1}`)
}

func TestFaultsHTTP(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 1})
	for _, tc := range []struct {
		f      Fault
		status int
		retry  string
	}{
		{Fault{Kind: HTTP500, Count: 1}, 500, ""},
		{Fault{Kind: HTTP502, Count: 1}, 502, ""},
		{Fault{Kind: HTTP503, Count: 1, RetryAfter: 2 * time.Second}, 503, "2"},
		{Fault{Kind: HTTP429, Count: 1, RetryAfter: 1500 * time.Millisecond}, 429, "2"},
		{Fault{Kind: HTTP504, Count: 1}, 504, ""},
	} {
		s.InjectFault(tc.f)
		status, hdr, b := post(t, s.URL()+"/jsonrpc", "application/json", versionBody(), nil)
		if status != tc.status || hdr.Get("Retry-After") != tc.retry || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Errorf("%v: %d retry=%q %s", tc.f.Kind, status, hdr.Get("Retry-After"), b)
		}
		// Count 1: the next call is fine again
		if status, _, _ := post(t, s.URL()+"/jsonrpc", "application/json", versionBody(), nil); status != 200 {
			t.Errorf("%v: fault outlived its count: %d", tc.f.Kind, status)
		}
	}
	// NonJSON: 200 with an HTML page
	s.InjectFault(Fault{Kind: NonJSON, Count: 1})
	status, hdr, b := post(t, s.URL()+"/jsonrpc", "application/json", versionBody(), nil)
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte("<html")) {
		t.Errorf("NonJSON: %d %s", status, b)
	}
	// Count N
	s.InjectFault(Fault{Kind: HTTP502, Count: 3})
	var fails int
	for i := 0; i < 5; i++ {
		if status, _, _ := post(t, s.URL()+"/jsonrpc", "application/json", versionBody(), nil); status == 502 {
			fails++
		}
	}
	if fails != 3 {
		t.Errorf("Count 3: %d failures", fails)
	}
	if got := s.FaultCounts(); got[HTTP502] != 4 || got[HTTP500] != 1 || got[NonJSON] != 1 || got[HTTP429] != 1 {
		t.Errorf("FaultCounts = %v, want 4 HTTP502 and one each of HTTP500, 503, 429, 504, NonJSON", got)
	}
}

func TestFaultsMatchAndRate(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 1})
	s.InjectFault(Fault{Kind: HTTP500, Match: "sale.order"})
	if status, _, _ := post(t, s.URL()+"/jsonrpc", "application/json", searchBody("res.partner"), nil); status != 200 {
		t.Errorf("unmatched model faulted: %d", status)
	}
	if status, _, _ := post(t, s.URL()+"/jsonrpc", "application/json", searchBody("sale.order"), nil); status != 500 {
		t.Errorf("matched model not faulted: %d", status)
	}
	s.ClearFaults()
	s.InjectFault(Fault{Kind: HTTP429, Rate: 0.5})
	fails := 0
	for i := 0; i < 200; i++ {
		if status, _, _ := post(t, s.URL()+"/jsonrpc", "application/json", versionBody(), nil); status == 429 {
			fails++
		}
	}
	if fails < 60 || fails > 140 {
		t.Errorf("rate 0.5: %d of 200 failed", fails)
	}
	calls := s.Calls()
	if calls < 202 {
		t.Errorf("Calls() = %d", calls)
	}
}

func TestFaultsOdooErrors(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 1})
	s.InjectFault(Fault{Kind: SessionExpired, Count: 1})
	status, _, b := post(t, s.URL()+"/jsonrpc", "application/json", searchBody("sale.order"), nil)
	env := decodeObj(t, b)
	e := env["error"].(map[string]any)
	if status != 200 || num(t, e["code"]) != 100 || e["message"] != "Odoo Session Expired" {
		t.Errorf("session expired: %d %v", status, env)
	}
	s.InjectFault(Fault{Kind: AccessDenied, Count: 1})
	_, data := errData(t, decodeObj(t, func() []byte {
		_, _, b := post(t, s.URL()+"/jsonrpc", "application/json", searchBody("sale.order"), nil)
		return b
	}()))
	if data["name"] != "odoo.exceptions.AccessDenied" {
		t.Errorf("access denied: %v", data)
	}
	// XML-RPC: AccessDenied is fault 3
	s.InjectFault(Fault{Kind: AccessDenied, Count: 1})
	body := xmlPost(t, s, "common", xmlCallBody("version"))
	if _, code, _ := decodeResponse(t, body); code != 3 {
		t.Errorf("XML-RPC access denied: fault %d", code)
	}
	// SerializationFailure: JSON-RPC 200 + error (code 200 up to 18) naming the psycopg2 class
	s.InjectFault(Fault{Kind: SerializationFailure, Count: 1})
	status, _, b = post(t, s.URL()+"/jsonrpc", "application/json", searchBody("sale.order"), nil)
	env = decodeObj(t, b)
	e = env["error"].(map[string]any)
	if data := e["data"].(map[string]any); status != 200 || num(t, e["code"]) != 200 ||
		data["name"] != "psycopg2.errors.SerializationFailure" ||
		data["message"] != "could not serialize access due to concurrent update" {
		t.Errorf("serialization failure (JSON-RPC): %d %v", status, env)
	}
	// XML-RPC: fault 1, the traceback ends with the class and message
	s.InjectFault(Fault{Kind: SerializationFailure, Count: 1})
	body = xmlPost(t, s, "common", xmlCallBody("version"))
	if _, code, msg := decodeResponse(t, body); code != 1 || !strings.HasSuffix(msg,
		"psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update\n") {
		t.Errorf("XML-RPC serialization failure: fault %d %v", code, msg)
	}
	// JSON-2 (19): SessionExpired is a 401
	s19 := Start(t, Options{Version: "19"})
	s19.InjectFault(Fault{Kind: SessionExpired, Count: 1})
	if status, _, _ := json2(t, s19, "res.partner/search", `{}`, nil); status != 401 {
		t.Errorf("JSON-2 expired key: %d", status)
	}
	// JSON-2: SerializationFailure is a 500 with the JSON error object; JSON-RPC on 19 uses code 0
	s19.InjectFault(Fault{Kind: SerializationFailure, Count: 1})
	status, hdr, b := json2(t, s19, "res.partner/search", `{}`, nil)
	obj := decodeObj(t, b)
	if status != 500 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") ||
		obj["name"] != "psycopg2.errors.SerializationFailure" || obj["message"] != "could not serialize access due to concurrent update" {
		t.Errorf("JSON-2 serialization failure: %d %v", status, obj)
	}
	s19.InjectFault(Fault{Kind: SerializationFailure, Count: 1})
	_, _, b = post(t, s19.URL()+"/jsonrpc", "application/json", searchBody("sale.order"), nil)
	if e := decodeObj(t, b)["error"].(map[string]any); num(t, e["code"]) != 0 {
		t.Errorf("JSON-RPC 19 serialization failure code: %v", e)
	}
}

func TestFaultsTransport(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 1})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	do := func(ctx context.Context) (*http.Response, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/jsonrpc", bytes.NewReader(versionBody()))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	// Truncated: the body is cut short of its Content-Length
	s.InjectFault(Fault{Kind: Truncated, Count: 1})
	if _, b, err := do(context.Background()); err == nil {
		t.Errorf("truncated body read without error: %s", b)
	} else if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("truncated: %v", err)
	}
	// ConnReset: no response at all
	s.InjectFault(Fault{Kind: ConnReset, Count: 1})
	if resp, _, err := do(context.Background()); err == nil {
		t.Errorf("connection reset answered %d", resp.StatusCode)
	}
	// Timeout: hangs until the client gives up
	s.InjectFault(Fault{Kind: Timeout, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, _, err := do(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
	// Slow: answers after the delay
	s.InjectFault(Fault{Kind: Slow, Count: 1, Delay: 50 * time.Millisecond})
	start := time.Now()
	resp, _, err := do(context.Background())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("slow: %v", err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Error("slow answered before its delay")
	}
	// and everything works afterwards
	if resp, _, err := do(context.Background()); err != nil || resp.StatusCode != 200 {
		t.Errorf("after faults: %v", err)
	}
}
