package webhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func sendParams(url string) SendParams {
	return SendParams{URL: url, ID: "evt_send", Timestamp: time.Now(), Body: []byte(`{"type":"order.updated"}`), Secrets: []string{testSecretA}}
}

func TestSendDeliveredVerifiesWithOfficialLibrary(t *testing.T) {
	t.Parallel()
	wh, err := standardwebhooks.NewWebhook(testSecretA)
	if err != nil {
		t.Fatal(err)
	}
	var verifyErr atomic.Value
	var gotHeaders atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			verifyErr.Store(err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		gotHeaders.Store(r.Header.Clone())
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("thanks"))
	}))
	t.Cleanup(srv.Close)

	s := NewSender(SenderConfig{AllowPrivate: true})
	out := s.Send(context.Background(), sendParams(srv.URL))
	if out.Kind != OutcomeDelivered || out.Status != 200 || out.Err != nil || out.Response != "thanks" {
		t.Fatalf("outcome %+v (receiver verify error: %v)", out, verifyErr.Load())
	}
	h := gotHeaders.Load().(http.Header)
	if h.Get("Content-Type") != "application/json" || !strings.HasPrefix(h.Get("User-Agent"), "SalesEngine-Webhooks/") || h.Get(HeaderID) != "evt_send" {
		t.Errorf("headers: %v", h)
	}
}

func TestSendFailureClasses(t *testing.T) {
	t.Parallel()
	var redirectTargetHits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirectTargetHits.Add(1)
	}))
	t.Cleanup(target.Close)

	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(429)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(2*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(503)
	})
	mux.HandleFunc("/502", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7") // only honoured on 429/503
		w.WriteHeader(502)
	})
	mux.HandleFunc("/410", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })
	mux.HandleFunc("/302", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target.URL, http.StatusFound) })
	mux.HandleFunc("/307", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte(strings.Repeat("x", 10_000)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hanging up, which cancels r.Context().
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// A port with nothing listening: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	s := NewSender(SenderConfig{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	cases := []struct {
		name       string
		url        string
		kind       OutcomeKind
		status     int
		retryAfter func(time.Duration) bool
		errHas     string
	}{
		{"500", srv.URL + "/500", OutcomeRetry, 500, nil, "500"},
		{"429 Retry-After seconds", srv.URL + "/429", OutcomeRetry, 429, func(d time.Duration) bool { return d == 7*time.Second }, "429"},
		{"503 Retry-After date", srv.URL + "/503", OutcomeRetry, 503, func(d time.Duration) bool { return d > 100*time.Second && d <= 2*time.Minute }, "503"},
		{"502 ignores Retry-After", srv.URL + "/502", OutcomeRetry, 502, func(d time.Duration) bool { return d == 0 }, "502"},
		{"410", srv.URL + "/410", OutcomeGone, 410, nil, "410"},
		{"302 not followed", srv.URL + "/302", OutcomeRetry, 302, nil, "redirect"},
		{"307 not followed", srv.URL + "/307", OutcomeRetry, 307, nil, "redirect"},
		{"timeout", srv.URL + "/slow", OutcomeRetry, 0, nil, "timed out"},
		{"connection refused", refused, OutcomeRetry, 0, nil, "refused"},
		{"invalid URL", "ftp://example.com/x", OutcomeFailed, 0, nil, "invalid endpoint URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out := s.Send(context.Background(), sendParams(c.url))
			if out.Kind != c.kind || out.Status != c.status {
				t.Fatalf("got kind=%s status=%d err=%v; want %s %d", out.Kind, out.Status, out.Err, c.kind, c.status)
			}
			if out.Err == nil || !strings.Contains(out.Err.Error(), c.errHas) {
				t.Errorf("error %v does not mention %q", out.Err, c.errHas)
			}
			if c.retryAfter != nil && !c.retryAfter(out.RetryAfter) {
				t.Errorf("RetryAfter = %s", out.RetryAfter)
			}
		})
	}
	t.Run("response kept to 1 KiB", func(t *testing.T) {
		t.Parallel()
		out := s.Send(context.Background(), sendParams(srv.URL+"/big"))
		if out.Kind != OutcomeRetry || len(out.Response) != 1024 {
			t.Errorf("kind %s, kept %d bytes", out.Kind, len(out.Response))
		}
	})
	t.Run("bad secret", func(t *testing.T) {
		t.Parallel()
		p := sendParams(srv.URL + "/500")
		p.Secrets = []string{"whsec_short"}
		if out := s.Send(context.Background(), p); out.Kind != OutcomeFailed || out.Err == nil {
			t.Errorf("got %+v", out)
		}
	})
	// Wait for the parallel subtests before checking the redirect target.
	t.Cleanup(func() {
		if n := redirectTargetHits.Load(); n != 0 {
			t.Errorf("redirect target was requested %d times", n)
		}
	})
}

func TestSendRefusesPrivateDestinations(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	s := NewSender(SenderConfig{AllowPrivate: false, Timeout: 2 * time.Second})
	// By IP, and by a name that resolves to loopback: the check runs on the resolved address at dial time.
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/hook"} {
		out := s.Send(context.Background(), sendParams(u))
		if out.Kind != OutcomeFailed || !errors.Is(out.Err, ErrDestinationRefused) {
			t.Errorf("%s: got kind=%s err=%v; want refused", u, out.Kind, out.Err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("refused destination received %d requests", hits.Load())
	}
	allowed := NewSender(SenderConfig{AllowPrivate: true})
	if out := allowed.Send(context.Background(), sendParams(srv.URL)); out.Kind != OutcomeDelivered {
		t.Errorf("allowed sender: %+v", out)
	}
}

func TestDialControlAddressClasses(t *testing.T) {
	t.Parallel()
	refuse := DialControl(false)
	allow := DialControl(true)
	for _, a := range []string{
		"127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.5.4", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12::3",
		"169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "::ffff:127.0.0.1",
		"::ffff:10.0.0.1", "100.64.0.1", "0.1.2.3", "198.18.0.1", "255.255.255.255",
	} {
		addr := netip.AddrPortFrom(netip.MustParseAddr(a), 443).String()
		if err := refuse("tcp", addr, nil); !errors.Is(err, ErrDestinationRefused) {
			t.Errorf("%s: not refused (%v)", a, err)
		}
		if err := allow("tcp", addr, nil); err != nil {
			t.Errorf("%s: refused although allowed: %v", a, err)
		}
	}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"} {
		addr := netip.AddrPortFrom(netip.MustParseAddr(a), 443).String()
		if err := refuse("tcp", addr, nil); err != nil {
			t.Errorf("public %s refused: %v", a, err)
		}
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	in := append([]byte("ok \x00 é"), 0xff, 0xc3) // NUL, valid multibyte, invalid byte, cut multibyte
	out := printable(in)
	if strings.ContainsRune(out, 0) || !utf8.ValidString(out) || !strings.HasPrefix(out, "ok ") || !strings.Contains(out, "é") {
		t.Errorf("printable(%q) = %q", in, out)
	}
}

// Not parallel: it sets the environment.
func TestAllowPrivateFromEnv(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "TRUE": true, "false": false, "": false, "yes please": false} {
		t.Setenv(EnvAllowPrivate, v)
		if got := AllowPrivateFromEnv(); got != want {
			t.Errorf("%s=%q: %v, want %v", EnvAllowPrivate, v, got, want)
		}
	}
}

// TestSendRefusesNamesResolvingToPrivate: endpoints given by a name that a DNS server (a real one, on
// loopback) resolves to a private, link-local or loopback address when the request is made are refused at the
// dial, before any connection: the check is on the address dialed, not on the URL given.
func TestSendRefusesNamesResolvingToPrivate(t *testing.T) {
	t.Parallel()
	answers := map[string]netip.Addr{
		"hooks.internal.test.":  netip.MustParseAddr("10.0.0.5"),
		"metadata.cloud.test.":  netip.MustParseAddr("169.254.169.254"),
		"rebound.example.test.": netip.MustParseAddr("127.0.0.1"),
		"office.example.test.":  netip.MustParseAddr("192.168.1.20"),
	}
	dns, queries := startDNS(t, answers)
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dns)
	}}
	s := NewSender(SenderConfig{Timeout: 2 * time.Second, Resolver: resolver})
	for name, addr := range answers {
		u := "https://" + strings.TrimSuffix(name, ".") + "/hook"
		out := s.Send(context.Background(), sendParams(u))
		if out.Kind != OutcomeFailed || !errors.Is(out.Err, ErrDestinationRefused) || !strings.Contains(out.Err.Error(), addr.String()) {
			t.Errorf("%s (resolves to %s): kind=%s err=%v; want refused naming the address", u, addr, out.Kind, out.Err)
		}
	}
	if queries.Load() < int64(len(answers)) {
		t.Errorf("the DNS server got %d queries for %d names: the names were not resolved through it", queries.Load(), len(answers))
	}
}

// startDNS serves A records from answers on a loopback UDP port (no AAAA records, NXDOMAIN for other names):
// enough of RFC 1035 for Go's resolver.
func startDNS(t *testing.T, answers map[string]netip.Addr) (addr string, queries *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	queries = &atomic.Int64{}
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], answers); resp != nil {
				queries.Add(1)
				_, _ = pc.WriteTo(resp, from)
			}
		}
	}()
	return pc.LocalAddr().String(), queries
}

// dnsAnswer answers one query, or returns nil for a packet that is not one.
func dnsAnswer(q []byte, answers map[string]netip.Addr) []byte {
	if len(q) < 12 {
		return nil
	}
	var name strings.Builder
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		name.Write(q[i+1 : i+1+l])
		name.WriteByte('.')
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := int(q[i+1])<<8 | int(q[i+2])
	question := q[12 : i+5]
	resp := append([]byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}, question...)
	a, ok := answers[strings.ToLower(name.String())]
	switch {
	case !ok:
		resp[3] = 0x83 // NXDOMAIN
	case qtype == 1 && a.Is4():
		resp[7] = 1
		ip := a.As4()
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4)
		resp = append(resp, ip[:]...)
	}
	return resp
}
