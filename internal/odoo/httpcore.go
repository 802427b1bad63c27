package odoo

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// httpCore sends one logical request with per-attempt timeouts, bounded reads and retries on transient faults.
// It knows nothing of Odoo's protocols: each transport interprets the responses, and classify (classify.go)
// decides, the same way for every transport, what is retried.
type httpCore struct {
	cfg     Config
	baseURL string // without credentials, no trailing slash
	// date is the server's clock as its last response's Date header said (Unix seconds; 0 = none yet).
	date atomic.Int64
}

// serverTime returns the Date of the newest response, and false when no response carried one.
func (h *httpCore) serverTime() (time.Time, bool) {
	if d := h.date.Load(); d != 0 {
		return time.Unix(d, 0).UTC(), true
	}
	return time.Time{}, false
}

type httpRequest struct {
	method      string
	path        string
	contentType string
	bearer      string // JSON-2 API key (Authorization header)
	database    string // X-Odoo-Database header
	body        []byte
	model, op   string // for errors and logs only
}

type httpResponse struct {
	status      int
	contentType string
	body        []byte
	retryAfter  time.Duration // parsed Retry-After header (0 if none)
}

// interpretFunc turns one response into a result, or into an outcome whose err says what went wrong. Each
// transport supplies its own; classify decides what happens next.
type interpretFunc func(*httpResponse) (json.RawMessage, outcome)

// reloginFunc authenticates again after an expired session and returns the request rebuilt with the new
// credentials (JSON-RPC and XML-RPC carry the uid in the body).
type reloginFunc func(context.Context) (httpRequest, error)

// argsRelogin is the relogin of the transports whose calls carry the session in their arguments (JSON-RPC,
// XML-RPC): again logs in and returns the call's new arguments, req builds the request from them. Nil again:
// the call cannot log in again.
func argsRelogin(again func(context.Context) ([]any, error), req func([]any) (httpRequest, error)) reloginFunc {
	if again == nil {
		return nil
	}
	return func(ctx context.Context) (httpRequest, error) {
		args, err := again(ctx)
		if err != nil {
			return httpRequest{}, err
		}
		return req(args)
	}
}

// call sends r and interprets the answer with interpret, retrying with backoff (and Retry-After) what classify
// calls transient, at most Config.MaxRetries times. An expired session is answered by relogin, then a retry
// after a backoff, counted as an attempt like any other; without relogin (the login's own calls), or when the
// session expires again right after logging in again, the expiry is an error.
func (h *httpCore) call(ctx context.Context, p Protocol, r httpRequest, interpret interpretFunc, again reloginFunc) (json.RawMessage, error) {
	log := h.cfg.Logger
	var last outcome
	var lastVerdict verdict
	needLogin, fresh := false, false
	attempts := 0
	for attempt := 0; attempt <= h.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			delay := h.backoff(attempt, last.retryAfter)
			log.LogAttrs(ctx, slog.LevelWarn, "odoo: retrying call",
				slog.String("model", r.model), slog.String("method", r.op), slog.Int("attempt", attempt+1),
				slog.Duration("delay", delay), slog.String("class", lastVerdict.String()),
				slog.String("reason", h.redact(last.err.Error())))
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-stopOf(ctx):
				t.Stop()
				return nil, fmt.Errorf("%w (the last attempt: %s)", ErrStopped, h.redact(last.err.Error()))
			case <-t.C:
			}
		}
		fresh = false
		if needLogin {
			log.LogAttrs(ctx, slog.LevelInfo, "odoo: session expired, authenticating again",
				slog.String("model", r.model), slog.String("method", r.op))
			nr, err := again(ctx)
			if err != nil {
				return nil, err
			}
			r, needLogin, fresh = nr, false, true
		}
		attempts++
		start := time.Now()
		var result json.RawMessage
		var o outcome
		resp, err, netRetry := h.attempt(ctx, r)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			o = outcome{netErr: true, netRetry: netRetry, err: err}
		default:
			result, o = interpret(resp)
			o.status, o.contentType, o.retryAfter = resp.status, resp.contentType, resp.retryAfter
		}
		v := classify(p, o)
		log.LogAttrs(ctx, slog.LevelDebug, "odoo: call",
			slog.String("model", r.model), slog.String("method", r.op), slog.String("path", r.path),
			slog.Int("attempt", attempt+1), slog.Int("status", o.status), slog.Duration("duration", time.Since(start)),
			slog.String("class", v.String()))
		switch v {
		case done:
			if o.err != nil {
				return nil, o.err
			}
			return result, nil
		case relogin:
			if again == nil {
				return nil, o.err
			}
			if fresh {
				return nil, fmt.Errorf("odoo: the session expired again right after logging in again: %w", o.err)
			}
			needLogin = true
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		last, lastVerdict = o, v
	}
	return nil, h.exhausted(r, last, attempts)
}

// exhausted is the error of a call whose every attempt failed with a transient fault: the last one, saying
// how many attempts were made.
func (h *httpCore) exhausted(r httpRequest, o outcome, attempts int) error {
	if o.netErr {
		return &TransportError{Model: r.model, Method: r.op, URL: h.baseURL + r.path, Attempts: attempts,
			Err: h.sanitize(o.err)}
	}
	var he *HTTPError
	var pe *ProtocolError
	var re *RPCError
	switch {
	case errors.As(o.err, &he):
		he.Attempts, he.RetryAfter = attempts, o.retryAfter
	case errors.As(o.err, &pe):
		pe.Attempts = attempts
	case errors.As(o.err, &re):
		re.Attempts = attempts
	}
	return o.err
}

// attempt performs one HTTP exchange: a response (whatever its status), or err for a failure before a complete
// response arrived, with retryable=true when that failure can pass (see classify).
func (h *httpCore) attempt(ctx context.Context, r httpRequest) (resp *httpResponse, err error, retryable bool) {
	actx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, h.baseURL+r.path, body)
	if err != nil {
		return nil, fmt.Errorf("odoo: build request: %w", h.sanitize(err)), false
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json, text/xml;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", h.cfg.UserAgent)
	if r.bearer != "" {
		req.Header.Set("Authorization", "bearer "+r.bearer)
	}
	if r.database != "" {
		req.Header.Set("X-Odoo-Database", r.database)
	}
	hr, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err(), false
		}
		return nil, unwrapURLError(err), isRetryableNetErr(err)
	}
	defer hr.Body.Close()
	if d, err := http.ParseTime(hr.Header.Get("Date")); err == nil {
		h.date.Store(d.Unix())
	}
	limit := h.cfg.MaxResponseBytes
	if hr.ContentLength > limit {
		return nil, &ResponseTooLargeError{Model: r.model, Method: r.op, Limit: limit}, false
	}
	bb, _ := ctx.Value(bodyBufKey{}).(*bodyBuf)
	if bb == nil {
		bb = &bodyBuf{}
	}
	data, err := readBody(bb.b, hr.Body, hr.ContentLength, limit)
	bb.b = data
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err(), false
		}
		// A body cut short (reset, timeout mid-body) is a transient fault like a failed connect.
		return nil, fmt.Errorf("reading response: %w", unwrapURLError(err)), true
	}
	if int64(len(data)) > limit {
		return nil, &ResponseTooLargeError{Model: r.model, Method: r.op, Limit: limit}, false
	}
	resp = &httpResponse{status: hr.StatusCode, contentType: hr.Header.Get("Content-Type"), body: data,
		retryAfter: parseRetryAfter(hr.Header.Get("Retry-After"), time.Now())}
	return resp, nil, false
}

// readBody reads at most limit+1 bytes of a body whose announced length is size (-1: unknown), into dst's
// memory when it is large enough. A known length is read into one buffer of that size: io.ReadAll's growth
// allocated four to five times a large page's size, a tenth of a sync's allocations.
func readBody(dst []byte, r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit {
		b := bytes.NewBuffer(dst[:0])
		_, err := b.ReadFrom(io.LimitReader(r, limit+1))
		return b.Bytes(), err
	}
	data := dst[:0]
	if int64(cap(data)) < size {
		// A quarter more: the next page of a listing is about as large, often a little larger.
		data = make([]byte, size, size+size/4)
	}
	data = data[:size]
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

// bodyBuf is a response buffer lent to a call whose result is decoded, and dropped, before the next call
// (see callDecode): a page's body is then read into the memory of the previous page's. b holds the last
// response's body (callDecode reads its envelope again in the rare case exactResult covers).
type bodyBuf struct{ b []byte }

type bodyBufKey struct{}

// maxPooledBody bounds the buffers kept for reuse: a rare huge answer is not held on to.
const maxPooledBody = 16 << 20

// bodyShelf keeps the response buffers of a client's finished calls for its next ones: at most two (a sync
// reads one page ahead of the one it decodes), the largest first. A sync.Pool lost them at every garbage
// collection, about once per group of orders, and each page was read into new memory (a sixth of a first
// sync's allocated bytes).
type bodyShelf struct {
	mu   sync.Mutex
	bufs []*bodyBuf
}

func (s *bodyShelf) get() *bodyBuf {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.bufs); n > 0 {
		bb := s.bufs[n-1]
		s.bufs = s.bufs[:n-1]
		return bb
	}
	return &bodyBuf{}
}

func (s *bodyShelf) put(bb *bodyBuf) {
	if cap(bb.b) > maxPooledBody {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bufs = append(s.bufs, bb)
	// Ascending capacity: get takes the largest; beyond two, the smallest is dropped.
	slices.SortFunc(s.bufs, func(a, b *bodyBuf) int { return cap(a.b) - cap(b.b) })
	if len(s.bufs) > 2 {
		s.bufs = slices.Delete(s.bufs, 0, 1)
	}
}

// backoff returns the delay before retry number attempt (1-based): exponential with jitter, or the server's
// Retry-After when it asks for longer, both capped by RetryMaxDelay.
func (h *httpCore) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := h.cfg.RetryBaseDelay << min(attempt-1, 20)
	if d <= 0 || d > h.cfg.RetryMaxDelay {
		d = h.cfg.RetryMaxDelay
	}
	// Jitter in [d/2, d): spreads clients that failed together.
	if half := d / 2; half > 0 {
		d = half + time.Duration(rand.Int64N(int64(half)))
	}
	if retryAfter > d {
		d = min(retryAfter, h.cfg.RetryMaxDelay)
	}
	return d
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > 86400 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error repeats the URL; ours has no credentials, but the wrapped error alone is clearer.
		return ue.Err
	}
	return err
}

func isRetryableNetErr(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &recErr):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	}
	return true
}

// redact removes the secret from text that came from the network or from errors.
func (h *httpCore) redact(s string) string { return redactSecret(s, h.cfg.Secret) }

func redactSecret(s, secret string) string {
	if secret == "" || !strings.Contains(s, secret) {
		return s
	}
	return strings.ReplaceAll(s, secret, "[REDACTED]")
}

// sanitize returns err, or a plain error with the same text minus the secret if the text contains it.
func (h *httpCore) sanitize(err error) error {
	if err == nil || h.cfg.Secret == "" || !strings.Contains(err.Error(), h.cfg.Secret) {
		return err
	}
	return errors.New(h.redact(err.Error()))
}

// snippet returns the start of a body for an error message, as printable single-line text.
func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		b = b[:max]
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, string(bytes.ToValidUTF8(b, []byte("?"))))
	return strings.Join(strings.Fields(s), " ")
}
