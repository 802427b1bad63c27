package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type checker struct{ err atomic.Pointer[error] }

func (c *checker) Ready(context.Context) error {
	if p := c.err.Load(); p != nil {
		return *p
	}
	return nil
}

func get(t *testing.T, url string) (int, map[string]string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]string
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m, string(body)
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	s, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	c := &checker{}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "salesengine_up 1\n") })
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ui "+r.URL.Path) })
	s := start(t, Options{Ready: c, Metrics: metrics, Mounts: map[string]http.Handler{"/ui/": ui}})
	base := "http://" + s.Addr()

	if code, m, _ := get(t, base+"/livez"); code != 200 || m["status"] != "ok" {
		t.Errorf("/livez = %d %v", code, m)
	}
	if code, m, _ := get(t, base+"/readyz"); code != 200 || m["status"] != "ready" {
		t.Errorf("/readyz = %d %v", code, m)
	}
	err := errors.New("database: connection refused")
	c.err.Store(&err)
	if code, m, _ := get(t, base+"/readyz"); code != 503 || m["error"] != err.Error() {
		t.Errorf("/readyz with the database down = %d %v", code, m)
	}
	if code, m, _ := get(t, base+"/livez"); code != 200 {
		t.Errorf("/livez with the database down = %d %v; the process is alive", code, m)
	}
	c.err.Store(nil)
	if code, _, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "salesengine_up 1") {
		t.Errorf("/metrics = %d %q", code, body)
	}
	if code, _, body := get(t, base+"/ui/plan"); code != 200 || body != "ui /ui/plan" {
		t.Errorf("/ui/plan = %d %q", code, body)
	}
	if code, _, _ := get(t, base+"/nothing"); code != 404 {
		t.Errorf("/nothing = %d, want 404", code)
	}
	s.Drain()
	if code, m, _ := get(t, base+"/readyz"); code != 503 || m["status"] != "shutting down" {
		t.Errorf("/readyz while draining = %d %v", code, m)
	}
}

func TestListenTakenPort(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	if _, err := Listen(Options{Addr: s.Addr()}); err == nil || !strings.Contains(err.Error(), s.Addr()) {
		t.Errorf("second listener on %s: %v; want an error naming the address", s.Addr(), err)
	}
}
