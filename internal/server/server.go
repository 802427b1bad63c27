// Package server is the HTTP listener of `serve`: health (/livez, /readyz), metrics (/metrics) and, mounted
// under a prefix, the dashboard. Routing lives here, in one place.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Checker tells whether the service can do its work: the database answers and its schema is current.
type Checker interface {
	Ready(ctx context.Context) error
}

// Options configures a Server.
type Options struct {
	Addr    string       // host:port to listen on
	Ready   Checker      // nil: ready whenever not shutting down
	Metrics http.Handler // nil: no /metrics
	// Mounts are handlers under path prefixes (e.g. "/ui/"), for the dashboard.
	Mounts map[string]http.Handler
	Logger *slog.Logger
}

// Server serves the endpoints until Shutdown.
type Server struct {
	opts     Options
	http     *http.Server
	ln       net.Listener
	draining atomic.Bool
}

// Listen binds the address (so a taken port fails at start, with the address in the error).
func Listen(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, ln: ln}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)}
	return s, nil
}

// Addr returns the address listened on (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.opts.Metrics != nil {
		mux.Handle("GET /metrics", s.opts.Metrics)
	}
	for prefix, h := range s.opts.Mounts {
		mux.Handle(prefix, h)
	}
	return mux
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.opts.Ready.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve answers requests until Shutdown; it returns nil after a shutdown.
func (s *Server) Serve() error {
	if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Drain makes /readyz answer 503 (a load balancer stops sending work) while the rest still answers.
func (s *Server) Drain() { s.draining.Store(true) }

// Shutdown drains, then stops accepting and waits for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Drain()
	return s.http.Shutdown(ctx)
}
