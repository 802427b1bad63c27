package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// receiverMaxBody bounds the body the receiver reads.
const receiverMaxBody = 10 << 20

// Received is one verified delivery seen by a Receiver.
type Received struct {
	ID         string
	Type       string
	Timestamp  time.Time // webhook-timestamp
	Body       []byte
	Header     http.Header
	ReceivedAt time.Time
	Duplicate  bool // this webhook-id was already received (a retry); acknowledged, not processed again
}

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	// Secrets verify signatures; several during rotation.
	Secrets []string
	// Tolerance for webhook-timestamp (default 5 min).
	Tolerance time.Duration
	// Out, when set, gets one human-readable line per request (the demo prints to stdout).
	Out io.Writer
	// OnReceive, when set, is called for every verified delivery (after de-duplication bookkeeping).
	OnReceive func(Received)
}

// Receiver is an http.Handler that verifies Standard Webhooks signatures, de-duplicates by webhook-id and
// records what it received: the `salesengine demo` receiver and the tests' endpoint.
type Receiver struct {
	verifier *Verifier
	out      io.Writer
	onRecv   func(Received)

	mu       sync.Mutex
	seen     map[string]int
	received []Received
	rejected int
}

var _ http.Handler = (*Receiver)(nil)

// NewReceiver parses the secrets and builds a Receiver.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	v, err := NewVerifier(cfg.Secrets, cfg.Tolerance)
	if err != nil {
		return nil, err
	}
	return &Receiver{verifier: v, out: cfg.Out, onRecv: cfg.OnReceive, seen: make(map[string]int)}, nil
}

// ServeHTTP answers 204 to verified deliveries (also to duplicates: the sender must stop retrying), 401 to bad
// signatures, 400 to unreadable requests and 405 to anything but POST.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, receiverMaxBody))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if err := rc.verifier.Verify(r.Header, body); err != nil {
		rc.mu.Lock()
		rc.rejected++
		rc.mu.Unlock()
		rc.printf("REJECTED %s: %v\n", r.Header.Get(HeaderID), err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Connection Ref `json:"connection"`
			Order      struct {
				Name      string `json:"name"`
				State     string `json:"state"`
				WriteDate string `json:"write_date"`
				Lines     []any  `json:"lines"`
			} `json:"order"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &ev) // a signed body that is not our shape is still recorded
	var ts int64
	_, _ = fmt.Sscan(r.Header.Get(HeaderTimestamp), &ts)
	rec := Received{
		ID:         r.Header.Get(HeaderID),
		Type:       ev.Type,
		Timestamp:  time.Unix(ts, 0),
		Body:       body,
		Header:     r.Header.Clone(),
		ReceivedAt: time.Now(),
	}
	rc.mu.Lock()
	rc.seen[rec.ID]++
	rec.Duplicate = rc.seen[rec.ID] > 1
	rc.received = append(rc.received, rec)
	rc.mu.Unlock()
	if rec.Duplicate {
		rc.printf("duplicate %s (already processed, acknowledged)\n", rec.ID)
	} else {
		rc.printf("%s %s order %s state=%s write_date=%s lines=%d connection=%q id=%s signature=valid\n",
			rec.ReceivedAt.UTC().Format(time.RFC3339), ev.Type, ev.Data.Order.Name, ev.Data.Order.State,
			ev.Data.Order.WriteDate, len(ev.Data.Order.Lines), ev.Data.Connection.Name, rec.ID)
	}
	if rc.onRecv != nil {
		rc.onRecv(rec)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *Receiver) printf(format string, args ...any) {
	if rc.out == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	fmt.Fprintf(rc.out, format, args...)
}

// Received returns a copy of everything received so far, duplicates included, in arrival order.
func (rc *Receiver) Received() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.received...)
}

// Unique returns the number of distinct webhook-ids received.
func (rc *Receiver) Unique() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.seen)
}

// Rejected returns the number of requests that failed verification.
func (rc *Receiver) Rejected() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.rejected
}

// ReceiverServer is a running Receiver (the `salesengine demo` endpoint).
type ReceiverServer struct {
	*Receiver
	// URL is the endpoint to configure as the connection's webhook URL.
	URL string
	srv *http.Server
	ln  net.Listener
	err chan error
}

// StartReceiver listens on addr ("127.0.0.1:0" picks a free port) and serves a Receiver at /webhook until
// Shutdown.
func StartReceiver(addr string, cfg ReceiverConfig) (*ReceiverServer, error) {
	rc, err := NewReceiver(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("webhook: demo receiver listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webhook", rc)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	rs := &ReceiverServer{Receiver: rc, URL: "http://" + ln.Addr().String() + "/webhook", srv: srv, ln: ln, err: make(chan error, 1)}
	go func() { rs.err <- srv.Serve(ln) }()
	return rs, nil
}

// Shutdown stops the server, waiting for requests in progress.
func (rs *ReceiverServer) Shutdown(ctx context.Context) error {
	if err := rs.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("webhook: demo receiver shutdown: %w", err)
	}
	if err := <-rs.err; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("webhook: demo receiver: %w", err)
	}
	return nil
}
