package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testSecret = "sk-9f8e7d6c5b4a-secret"

// rpcMethod returns "service.method" of a JSON-RPC request (and restores the body).
func rpcMethod(t testing.TB, r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var req struct {
		Params struct{ Service, Method string } `json:"params"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return ""
	}
	return req.Params.Service + "." + req.Params.Method
}

// fixtureServer answers JSON-RPC calls from testdata by "service.method" and 404s JSON-2 like Odoo < 19.
func fixtureServer(t *testing.T, routes map[string]string, hook func(w http.ResponseWriter, r *http.Request, n int64) bool) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if hook != nil && hook(w, r, i) {
			return
		}
		if strings.HasPrefix(r.URL.Path, "/json/2/") {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			w.Write(fixture(t, "json2/not_found.html"))
			return
		}
		m := rpcMethod(t, r)
		file, ok := routes[m]
		if !ok {
			t.Errorf("unexpected call %s %s (%s)", r.Method, r.URL.Path, m)
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixture(t, file))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newTestClient(t *testing.T, url string, mod func(*Config)) (*Client, *bytes.Buffer) {
	var logs bytes.Buffer
	cfg := Config{URL: url, Database: "odoo", Username: "admin", Secret: testSecret,
		RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond, Timeout: 2 * time.Second,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

func assertNoSecret(t *testing.T, where string, s string) {
	t.Helper()
	if strings.Contains(s, testSecret) {
		t.Errorf("secret leaked in %s: %s", where, s)
	}
}

func TestLoginBadCredentialsIsActionable(t *testing.T) {
	t.Parallel()
	srv, _ := fixtureServer(t, map[string]string{
		"common.version":      "jsonrpc/version_17.json",
		"common.authenticate": "jsonrpc/authenticate_false.json",
	}, nil)
	c, logs := newTestClient(t, srv.URL, nil)
	_, err := c.Login(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *AuthError", err)
	}
	msg := err.Error()
	for _, want := range []string{`"admin"`, `"odoo"`, srv.URL, "API key", "expired", "database name"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "unexpected response") {
		t.Errorf("generic message: %s", msg)
	}
	assertNoSecret(t, "error", msg)
	assertNoSecret(t, "logs", logs.String())
}

func TestLoginUnknownDatabase(t *testing.T) {
	t.Parallel()
	srv, _ := fixtureServer(t, map[string]string{
		"common.version":      "jsonrpc/version_17.json",
		"common.authenticate": "jsonrpc/error_unknown_db.json",
	}, nil)
	c, _ := newTestClient(t, srv.URL, func(c *Config) { c.Database = "nosuchdb"; c.Protocol = ProtocolJSONRPC })
	_, err := c.Login(context.Background())
	if !errors.Is(err, ErrDatabaseNotFound) || !strings.Contains(err.Error(), `"nosuchdb"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRetriesTransientStatusesThenSucceeds(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			srv, n := fixtureServer(t, map[string]string{"common.version": "jsonrpc/version_saas17.json"},
				func(w http.ResponseWriter, r *http.Request, i int64) bool {
					if i <= 2 {
						w.Header().Set("Retry-After", "0")
						w.WriteHeader(status)
						return true
					}
					return false
				})
			c, logs := newTestClient(t, srv.URL, nil)
			v, err := c.newTransport(ProtocolJSONRPC).version(context.Background())
			if err != nil || v.Major != 17 || !v.SaaS {
				t.Fatalf("version = %+v, %v", v, err)
			}
			if n.Load() != 3 {
				t.Errorf("%d requests, want 3", n.Load())
			}
			if !strings.Contains(logs.String(), "retrying") {
				t.Error("retries not logged")
			}
		})
	}
}

func TestRetryGivesUpWithHTTPError(t *testing.T) {
	t.Parallel()
	srv, n := fixtureServer(t, nil, func(w http.ResponseWriter, r *http.Request, i int64) bool {
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	c, _ := newTestClient(t, srv.URL, func(c *Config) { c.MaxRetries = 2 })
	_, err := c.newTransport(ProtocolJSONRPC).version(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 429 || !strings.Contains(err.Error(), "rate limiting") {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 3 {
		t.Errorf("%d requests, want 3 (1 + 2 retries)", n.Load())
	}
}

func TestHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	h := &httpCore{cfg: Config{RetryBaseDelay: time.Millisecond, RetryMaxDelay: time.Minute}}
	if d := h.backoff(1, 3*time.Second); d != 3*time.Second {
		t.Errorf("backoff with Retry-After 3s = %v", d)
	}
	if d := h.backoff(1, 0); d > time.Millisecond {
		t.Errorf("first backoff %v > base", d)
	}
	h.cfg.RetryMaxDelay = time.Second
	if d := h.backoff(1, time.Hour); d != time.Second {
		t.Errorf("Retry-After not capped: %v", d)
	}
	if d := h.backoff(40, 0); d > time.Second || d < time.Second/2 {
		t.Errorf("late backoff %v not within [max/2, max]", d)
	}
}

func TestNoRetryOnOdooError(t *testing.T) {
	t.Parallel()
	srv, n := fixtureServer(t, map[string]string{"common.version": "jsonrpc/error_invalid_field_19.json"}, nil)
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.newTransport(ProtocolJSONRPC).version(context.Background())
	var re *RPCError
	if !errors.As(err, &re) || re.Name != "builtins.ValueError" {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests: an Odoo error was retried", n.Load())
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv, n := fixtureServer(t, map[string]string{"common.version": "jsonrpc/version_17.json"},
		func(w http.ResponseWriter, r *http.Request, i int64) bool {
			if i == 1 {
				io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
				select {                    // hang until the client gives up
				case <-r.Context().Done():
				case <-release:
				}
				return true
			}
			return false
		})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	c, _ := newTestClient(t, srv.URL, func(c *Config) { c.Timeout = 100 * time.Millisecond })
	if _, err := c.newTransport(ProtocolJSONRPC).version(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
}

func TestResponseCap(t *testing.T) {
	t.Parallel()
	srv, n := fixtureServer(t, map[string]string{"common.version": "jsonrpc/version_17.json"}, nil)
	c, _ := newTestClient(t, srv.URL, func(c *Config) { c.MaxResponseBytes = 64 })
	_, err := c.newTransport(ProtocolJSONRPC).version(context.Background())
	var te *ResponseTooLargeError
	if !errors.As(err, &te) || te.Limit != 64 {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 1 {
		t.Errorf("oversized response retried")
	}
	// Without Content-Length (chunked) the cap holds as well.
	srv2, _ := fixtureServer(t, nil, func(w http.ResponseWriter, r *http.Request, i int64) bool {
		w.Header().Set("Content-Type", "application/json")
		for range 100 {
			w.Write([]byte(strings.Repeat(" ", 100)))
			w.(http.Flusher).Flush()
		}
		return true
	})
	c2, _ := newTestClient(t, srv2.URL, func(c *Config) { c.MaxResponseBytes = 1000 })
	if _, err := c2.newTransport(ProtocolJSONRPC).version(context.Background()); !errors.As(err, &te) {
		t.Fatalf("chunked: err = %v", err)
	}
}

func TestConnectionRefusedIsTransportError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, logs := newTestClient(t, url, func(c *Config) { c.MaxRetries = 1 })
	_, err := c.Login(context.Background())
	var te *TransportError
	if !errors.As(err, &te) || te.Attempts != 2 || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, "error", err.Error())
	assertNoSecret(t, "logs", logs.String())
}

func TestHTMLInsteadOfJSON(t *testing.T) {
	t.Parallel()
	srv, _ := fixtureServer(t, nil, func(w http.ResponseWriter, r *http.Request, i int64) bool {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body>Odoo database selector</body></html>"))
		return true
	})
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.Login(context.Background())
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "HTML") || !strings.Contains(err.Error(), "server root") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigNeverShowsSecret(t *testing.T) {
	t.Parallel()
	cfg := Config{URL: "https://acme.odoo.com", Database: "acme", Username: "ana@acme.es", Secret: testSecret}
	var logs bytes.Buffer
	l := slog.New(slog.NewTextHandler(&logs, nil))
	l.Info("config", "cfg", cfg)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), cfg.String(), logs.String()} {
		assertNoSecret(t, "config output", s)
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("no redaction marker in %s", s)
		}
	}
	// Credentials in the URL are refused without echoing them.
	_, err := New(Config{URL: "https://ana:" + testSecret + "@acme.odoo.com", Database: "a", Username: "u", Secret: "x"})
	if err == nil || !strings.Contains(err.Error(), "must not contain a user or password") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, "config error", err.Error())
	for _, bad := range []Config{{}, {URL: "ftp://x", Secret: "s"}, {URL: "https://x", Secret: "s"}, {URL: "https://x?a=b", Secret: "s", Database: "d", Username: "u"}} {
		if _, err := New(bad); err == nil {
			t.Errorf("config %v accepted", bad)
		}
	}
	if _, err := New(Config{URL: "https://x/", Secret: "s", Protocol: ProtocolJSON2}); err != nil {
		t.Errorf("JSON-2 needs no database or login: %v", err)
	}
}

// TestReadBody: a body of announced length is read whole into a buffer of that size, a short one is an error
// (a connection cut mid-body), and a body of unknown length is read up to the limit plus one byte (the caller
// refuses it as too large).
func TestReadBody(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 1000)
	got, err := readBody(nil, strings.NewReader(body), 1000, 5000)
	if err != nil || string(got) != body || cap(got) != 1250 {
		t.Errorf("known length: %d bytes (cap %d, want a quarter more for the next page), %v", len(got), cap(got), err)
	}
	if _, err := readBody(nil, strings.NewReader(body[:500]), 1000, 5000); err == nil {
		t.Error("a body shorter than its Content-Length was accepted")
	}
	if got, err := readBody(nil, strings.NewReader(body), -1, 5000); err != nil || string(got) != body {
		t.Errorf("unknown length: %d bytes, %v", len(got), err)
	}
	if got, err := readBody(nil, strings.NewReader(body), -1, 100); err != nil || len(got) != 101 {
		t.Errorf("unknown length over the limit: %d bytes, %v; want 101", len(got), err)
	}
	if got, err := readBody(nil, strings.NewReader(body), 1000, 100); err != nil || len(got) != 101 {
		t.Errorf("announced length over the limit: %d bytes, %v; want 101", len(got), err)
	}
	// Into a buffer large enough: its memory, no allocation.
	buf := make([]byte, 10, 2000)
	if got, err := readBody(buf, strings.NewReader(body), 1000, 5000); err != nil || string(got) != body || &got[0] != &buf[:1][0] {
		t.Errorf("into a large buffer: %d bytes, %v, same memory %v", len(got), err, len(got) > 0 && &got[0] == &buf[:1][0])
	}
}

// TestBodyShelf: a client keeps the two largest buffers of its finished calls, hands out the largest first, and
// drops one larger than maxPooledBody.
func TestBodyShelf(t *testing.T) {
	t.Parallel()
	var s bodyShelf
	for _, n := range []int{100, 300, 200, maxPooledBody + 1} {
		s.put(&bodyBuf{b: make([]byte, 0, n)})
	}
	var got []int
	for range 3 {
		got = append(got, cap(s.get().b))
	}
	if want := []int{300, 200, 0}; !slices.Equal(got, want) {
		t.Errorf("capacities handed out %v, want %v (the two largest kept, then a new buffer)", got, want)
	}
}

// TestHugeResponseIsCapped: a 100 MB answer, announced (Content-Length) or streamed (chunked), is refused at the
// client's cap: the announced one before its body is read, the streamed one once the cap is passed, the
// connection then dropped, so the server could not push the rest (what it wrote is counted). The process's
// memory holds at most the cap.
func TestHugeResponseIsCapped(t *testing.T) {
	t.Parallel()
	const huge, limit = 100 << 20, 8 << 20
	for _, announced := range []bool{true, false} {
		var written atomic.Int64
		srv, _ := fixtureServer(t, nil, func(w http.ResponseWriter, r *http.Request, i int64) bool {
			w.Header().Set("Content-Type", "application/json")
			if announced {
				w.Header().Set("Content-Length", strconv.Itoa(huge))
			}
			chunk := []byte(`{"jsonrpc": "2.0", "id": 1, "result": [` + strings.Repeat(`{"id": 1, "name": "x"}, `, 2700))
			for written.Load() < huge {
				n, err := w.Write(chunk[:min(len(chunk), huge-int(written.Load()))])
				written.Add(int64(n))
				if err != nil {
					return true
				}
			}
			return true
		})
		c, _ := newTestClient(t, srv.URL, func(c *Config) { c.MaxResponseBytes = limit })
		_, err := c.newTransport(ProtocolJSONRPC).version(context.Background())
		var te *ResponseTooLargeError
		if !errors.As(err, &te) || te.Limit != limit || !strings.Contains(err.Error(), "larger than the 8388608-byte limit") {
			t.Fatalf("announced=%v: err = %v", announced, err)
		}
		srv.Close() // waits for the handler: written is final
		if w := written.Load(); w >= huge {
			t.Errorf("announced=%v: the server wrote all %d bytes: the client read past its cap", announced, w)
		}
		t.Logf("announced=%v: the server could write %d MiB of 100 before the client hung up", announced, written.Load()>>20)
	}
}
