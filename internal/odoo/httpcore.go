package odoo

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// httpCore sends one logical request with per-attempt timeouts, bounded reads and retries on transient faults.
// It knows nothing of Odoo's protocols: transports interpret the statuses it returns.
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
	retryAfter  time.Duration // parsed Retry-After of a transient status
}

func (h *httpCore) do(ctx context.Context, r httpRequest) (*httpResponse, error) {
	log := h.cfg.Logger
	var lastErr error
	var lastResp *httpResponse
	var retryAfter time.Duration
	attempts := 0
	for attempt := 0; attempt <= h.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			delay := h.backoff(attempt, retryAfter)
			log.LogAttrs(ctx, slog.LevelWarn, "odoo: retrying call",
				slog.String("model", r.model), slog.String("method", r.op), slog.Int("attempt", attempt+1),
				slog.Duration("delay", delay), slog.String("reason", h.redact(errString(lastErr, lastResp))))
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
		attempts++
		start := time.Now()
		resp, err, retryable := h.attempt(ctx, r)
		status := 0
		if resp != nil {
			status = resp.status
		}
		log.LogAttrs(ctx, slog.LevelDebug, "odoo: call",
			slog.String("model", r.model), slog.String("method", r.op), slog.String("path", r.path),
			slog.Int("attempt", attempt+1), slog.Int("status", status), slog.Duration("duration", time.Since(start)))
		if err == nil && !retryable {
			return resp, nil
		}
		if err != nil && !retryable {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lastErr, lastResp, retryAfter = err, resp, 0
		if resp != nil {
			retryAfter = resp.retryAfter
		}
	}
	if lastResp != nil {
		return nil, &HTTPError{Model: r.model, Method: r.op, StatusCode: lastResp.status, RetryAfter: retryAfter,
			Body: h.redact(snippet(lastResp.body))}
	}
	return nil, &TransportError{Model: r.model, Method: r.op, URL: h.baseURL + r.path, Attempts: attempts,
		Err: h.sanitize(lastErr)}
}

// attempt performs one HTTP exchange. It returns retryable=true for transient faults; then resp (for a status)
// or err (for a network failure) says what happened.
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
	data, err := io.ReadAll(io.LimitReader(hr.Body, limit+1))
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
	resp = &httpResponse{status: hr.StatusCode, contentType: hr.Header.Get("Content-Type"), body: data}
	switch hr.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		resp.retryAfter = parseRetryAfter(hr.Header.Get("Retry-After"), time.Now())
		return resp, nil, true
	}
	return resp, nil, false
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

func errString(err error, resp *httpResponse) string {
	switch {
	case err != nil:
		return err.Error()
	case resp != nil:
		return "HTTP " + strconv.Itoa(resp.status)
	}
	return ""
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
