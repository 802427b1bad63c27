package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/salesengine/salesengine/internal/buildinfo"
)

// EnvAllowPrivate names the environment variable that lets deliveries reach private, loopback and link-local
// addresses (local development, tests, the demo).
const EnvAllowPrivate = "SALESENGINE_WEBHOOK_ALLOW_PRIVATE"

// AllowPrivateFromEnv reads SALESENGINE_WEBHOOK_ALLOW_PRIVATE (strconv.ParseBool: true, 1, t, TRUE...).
func AllowPrivateFromEnv() bool {
	v, err := strconv.ParseBool(os.Getenv(EnvAllowPrivate))
	return err == nil && v
}

// DefaultTimeout is the default per-request timeout.
const DefaultTimeout = 15 * time.Second

// responseKeep is how much of a response body is kept for the attempt log.
const responseKeep = 1024

// responseDrainMax is how much of a response body is read in total so the connection can be reused; bigger
// bodies close the connection instead of being read to the end.
const responseDrainMax = 64 << 10

// ErrDestinationRefused is returned (wrapped) when the resolved address of an endpoint is private, loopback,
// link-local, unspecified or multicast and private destinations are not allowed.
var ErrDestinationRefused = errors.New("webhook: destination address refused")

// OutcomeKind classifies the result of one delivery attempt.
type OutcomeKind int

// Outcome kinds.
const (
	// OutcomeDelivered: the endpoint answered 2xx.
	OutcomeDelivered OutcomeKind = iota + 1
	// OutcomeRetry: a transient failure (non-2xx other than 410, timeout, network error); retry later.
	OutcomeRetry
	// OutcomeGone: the endpoint answered 410 Gone; disable the connection's webhook, keep the events.
	OutcomeGone
	// OutcomeFailed: retrying cannot help (invalid URL or secret, refused destination); dead-letter now.
	OutcomeFailed
)

func (k OutcomeKind) String() string {
	switch k {
	case OutcomeDelivered:
		return "delivered"
	case OutcomeRetry:
		return "retry"
	case OutcomeGone:
		return "gone"
	case OutcomeFailed:
		return "failed"
	default:
		return "unknown"
	}
}

// Outcome is the result of one attempt.
type Outcome struct {
	Kind OutcomeKind
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// RetryAfter is the receiver's Retry-After on 429/503 (0 when absent).
	RetryAfter time.Duration
	// Err describes the failure (nil when delivered).
	Err error
	// Response holds the first bytes (up to 1 KiB) of the response body, for the attempt log.
	Response string
	// Duration is the time from sending to the end of reading the response.
	Duration time.Duration
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Timeout is the per-request timeout (default 15 s).
	Timeout time.Duration
	// AllowPrivate lets requests reach private, loopback and link-local addresses.
	AllowPrivate bool
	// UserAgent is sent on every request (default "SalesEngine-Webhooks/1 (HOSTNAME:PID)": which process sent it).
	UserAgent string
	// MaxIdleConnsPerHost keeps connections to busy endpoints open (default 64).
	MaxIdleConnsPerHost int
	// Resolver looks up endpoint names (nil: the system's). Whatever it answers, the dial-time check refuses
	// non-public addresses.
	Resolver *net.Resolver
}

// Sender POSTs signed events. It is safe for concurrent use.
type Sender struct {
	client  *http.Client
	ua      string
	timeout time.Duration
}

// NewSender builds a Sender with its own transport: no proxies from the environment (a proxy would hide the
// real destination from the address check), no redirects, the dial-time address check.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "SalesEngine-Webhooks/1 (" + buildinfo.Process() + ")"
	}
	if cfg.MaxIdleConnsPerHost <= 0 {
		cfg.MaxIdleConnsPerHost = 64
	}
	dialer := &net.Dialer{
		Timeout:   cfg.Timeout,
		KeepAlive: 30 * time.Second,
		Control:   DialControl(cfg.AllowPrivate),
		Resolver:  cfg.Resolver,
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &Sender{
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// Redirects are failures: following one would send the signed event somewhere the user did not
			// configure (and past the address check of the original host's intent).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		ua:      cfg.UserAgent,
		timeout: cfg.Timeout,
	}
}

// Close releases idle connections.
func (s *Sender) Close() { s.client.CloseIdleConnections() }

// SendParams is one attempt.
type SendParams struct {
	URL string
	// ID is the event id, sent as webhook-id; the same on every retry.
	ID string
	// Timestamp is the attempt's time (webhook-timestamp); each attempt is signed afresh so that receivers'
	// tolerance checks pass on late retries.
	Timestamp time.Time
	Body      []byte
	// Secrets sign the body; more than one during rotation.
	Secrets []string
}

// Send makes one attempt and classifies it. It never returns an error: failures are in the Outcome.
func (s *Sender) Send(ctx context.Context, p SendParams) Outcome {
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Outcome{Kind: OutcomeFailed, Err: fmt.Errorf("webhook: invalid endpoint URL (want http or https with a host)")}
	}
	keys, err := parseSecrets(p.Secrets)
	if err != nil {
		return Outcome{Kind: OutcomeFailed, Err: err}
	}
	ts := p.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(p.Body))
	if err != nil {
		return Outcome{Kind: OutcomeFailed, Err: fmt.Errorf("webhook: build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.ua)
	req.Header.Set(HeaderID, p.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, signWith(keys, p.ID, ts, p.Body))

	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		out := Outcome{Kind: OutcomeRetry, Err: redactURLError(err), Duration: time.Since(start)}
		if errors.Is(err, ErrDestinationRefused) {
			out.Kind = OutcomeFailed
		}
		return out
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, responseKeep))
	// Drain a bounded amount so the keep-alive connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, responseDrainMax))
	out := Outcome{Status: resp.StatusCode, Response: printable(head), Duration: time.Since(start)}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		out.Kind = OutcomeDelivered
	case resp.StatusCode == http.StatusGone:
		out.Kind = OutcomeGone
		out.Err = errors.New("webhook: endpoint answered 410 Gone")
	default:
		out.Kind = OutcomeRetry
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				out.RetryAfter = d
			}
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			out.Err = fmt.Errorf("webhook: endpoint answered %d redirect (not followed; configure the final URL)", resp.StatusCode)
		} else {
			out.Err = fmt.Errorf("webhook: endpoint answered %d", resp.StatusCode)
		}
	}
	return out
}

// printable makes a response excerpt safe to ds in a text column: valid UTF-8 (the 1 KiB cut may split a
// character, endpoints may answer binary) and no NUL bytes (PostgreSQL text rejects them).
func printable(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}

// redactURLError drops the URL from *url.Error: webhook URLs may embed tokens in their path or query.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("webhook: request timed out: %w", ue.Err)
		}
		return fmt.Errorf("webhook: request failed: %w", ue.Err)
	}
	return err
}

// DialControl returns a net.Dialer Control function that refuses non-public destinations unless allowPrivate.
// It runs after DNS resolution on the address actually dialed, so a hostname that resolves (or re-resolves, DNS
// rebinding) to an internal address is refused as well.
func DialControl(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot parse %q", ErrDestinationRefused, address)
		}
		if reason := refusedReason(ap.Addr()); reason != "" {
			return fmt.Errorf("%w: %s is %s (set %s=true to allow)", ErrDestinationRefused, ap.Addr(), reason, EnvAllowPrivate)
		}
		return nil
	}
}

var (
	prefixThisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	prefixSharedCGNAT = netip.MustParsePrefix("100.64.0.0/10")
	prefixBenchmark   = netip.MustParsePrefix("198.18.0.0/15")
	prefixReserved    = netip.MustParsePrefix("240.0.0.0/4")
	prefixNAT64Local  = netip.MustParsePrefix("64:ff9b:1::/48")
)

// refusedReason says why an address is not a public destination, or "" when it is.
func refusedReason(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case prefixThisNetwork.Contains(a), prefixSharedCGNAT.Contains(a), prefixBenchmark.Contains(a),
		prefixReserved.Contains(a), prefixNAT64Local.Contains(a):
		return "reserved"
	}
	return ""
}
