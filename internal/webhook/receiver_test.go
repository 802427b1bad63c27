package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// syncBuffer is a bytes.Buffer safe for the handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReceiver(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	var seen []Received
	var mu sync.Mutex
	rc, err := NewReceiver(ReceiverConfig{Secrets: []string{testSecretA}, Out: &out, OnReceive: func(r Received) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)

	ev, err := NewOrderEvent(OrderEventParams{Type: EventOrderConfirmed, Database: testDatabase, Connection: Ref{ID: 3, Name: "Odoo"}, Order: sampleOrder()})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(SenderConfig{AllowPrivate: true})
	// Sent twice (a retry): both acknowledged, the second flagged as duplicate.
	for i := range 2 {
		out := s.Send(context.Background(), SendParams{URL: srv.URL, ID: ev.ID, Body: ev.Body, Secrets: []string{testSecretB, testSecretA}})
		if out.Kind != OutcomeDelivered {
			t.Fatalf("send %d: %+v", i, out)
		}
	}
	// Signed by the official library instead of ours.
	wh, _ := standardwebhooks.NewWebhook(testSecretA)
	now := time.Now()
	sig, _ := wh.Sign("evt_official", now, ev.Body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(ev.Body))
	req.Header.Set(HeaderID, "evt_official")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("official signature: status %d", resp.StatusCode)
	}
	// Wrong secret: rejected, not recorded.
	bad := s.Send(context.Background(), SendParams{URL: srv.URL, ID: "evt_bad", Body: ev.Body, Secrets: []string{testSecretB}})
	if bad.Kind != OutcomeRetry || bad.Status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %+v", bad)
	}
	// Only POST.
	if resp, err := http.Get(srv.URL); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	got := rc.Received()
	if len(got) != 3 || rc.Unique() != 2 || rc.Rejected() != 1 {
		t.Fatalf("received %d (unique %d), rejected %d; want 3, 2, 1", len(got), rc.Unique(), rc.Rejected())
	}
	if got[0].Duplicate || !got[1].Duplicate || got[0].ID != ev.ID || got[0].Type != EventOrderConfirmed || !bytes.Equal(got[0].Body, ev.Body) {
		t.Errorf("records: %+v", got[:2])
	}
	mu.Lock()
	if len(seen) != 3 {
		t.Errorf("OnReceive called %d times", len(seen))
	}
	mu.Unlock()
	text := out.String()
	for _, want := range []string{"order.confirmed order S01234 state=sale", "duplicate " + ev.ID, "REJECTED evt_bad"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, strings.TrimPrefix(testSecretA, "whsec_")) {
		t.Error("output leaks the secret")
	}
}

func TestStartReceiver(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	rs, err := StartReceiver("127.0.0.1:0", ReceiverConfig{Secrets: []string{testSecretA}, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewOrderEvent(OrderEventParams{Type: EventOrderCancelled, Database: testDatabase, Connection: Ref{ID: 1, Name: "demo"}, Order: sampleOrder()})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(SenderConfig{AllowPrivate: true})
	if o := s.Send(context.Background(), SendParams{URL: rs.URL, ID: ev.ID, Body: ev.Body, Secrets: []string{testSecretA}}); o.Kind != OutcomeDelivered {
		t.Fatalf("send to demo receiver: %+v", o)
	}
	if err := rs.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rs.Unique() != 1 || !strings.Contains(out.String(), "order.cancelled order S01234") {
		t.Errorf("unique %d, output %q", rs.Unique(), out.String())
	}
	if o := s.Send(context.Background(), SendParams{URL: rs.URL, ID: ev.ID, Body: ev.Body, Secrets: []string{testSecretA}}); o.Kind == OutcomeDelivered {
		t.Error("receiver still answering after Shutdown")
	}
}
