package webhook

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Fixed test secrets (not real credentials).
const (
	testSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"                     // 24 bytes
	testSecretB = "whsec_c2VjcmV0LXRoYXQtaXMtdGhpcnR5LXR3by1ieXRlcy1sb25nISE=" // 41 bytes
)

func headersFor(id string, ts time.Time, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignVerifiesWithOfficialLibrary(t *testing.T) {
	t.Parallel()
	body := []byte(`{"type":"order.confirmed","timestamp":"2026-03-04T10:11:12Z","data":{}}`)
	ts := time.Now()
	sig, err := Sign([]string{testSecretA}, "evt_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(testSecretA)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, headersFor("evt_1", ts, sig)); err != nil {
		t.Fatalf("official library rejects our signature: %v", err)
	}
	// Our signature equals the official library's for the same input.
	official, err := wh.Sign("evt_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if official != sig {
		t.Errorf("signature %q differs from official %q", sig, official)
	}
	// Tampering with any signed part fails.
	if err := wh.Verify(append([]byte{}, append(body, ' ')...), headersFor("evt_1", ts, sig)); err == nil {
		t.Error("tampered body verified")
	}
	if err := wh.Verify(body, headersFor("evt_2", ts, sig)); err == nil {
		t.Error("different id verified")
	}
	if err := wh.Verify(body, headersFor("evt_1", ts.Add(time.Second), sig)); err == nil {
		t.Error("different timestamp verified")
	}
	// The classic bug: using the whole whsec_ string as HMAC key must not be what we do.
	raw, _ := standardwebhooks.NewWebhookRaw([]byte(testSecretA))
	if err := raw.Verify(body, headersFor("evt_1", ts, sig)); err == nil {
		t.Error("signature verifies with the undecoded secret string as key")
	}
}

func TestSignRotationBothSignaturesVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"x":1}`)
	ts := time.Now()
	sig, err := Sign([]string{testSecretB, testSecretA}, "evt_rot", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(sig, " ")
	if len(parts) != 2 {
		t.Fatalf("want two space-separated signatures, got %q", sig)
	}
	for i, secret := range []string{testSecretB, testSecretA} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		// The full header verifies with either secret...
		if err := wh.Verify(body, headersFor("evt_rot", ts, sig)); err != nil {
			t.Errorf("secret %d: full header rejected: %v", i, err)
		}
		// ...and each signature verifies with its own secret only.
		if err := wh.Verify(body, headersFor("evt_rot", ts, parts[i])); err != nil {
			t.Errorf("secret %d: own signature rejected: %v", i, err)
		}
		if err := wh.Verify(body, headersFor("evt_rot", ts, parts[1-i])); err == nil {
			t.Errorf("secret %d: other secret's signature accepted", i)
		}
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	if _, err := ParseSecret(testSecretA); err != nil {
		t.Errorf("with prefix: %v", err)
	}
	if _, err := ParseSecret(strings.TrimPrefix(testSecretA, "whsec_")); err != nil {
		t.Errorf("without prefix: %v", err)
	}
	long := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65))
	short := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 23))
	for name, s := range map[string]string{
		"empty":       "",
		"prefix only": "whsec_",
		"not base64":  "whsec_not*base64!!",
		"unpadded":    strings.TrimRight(testSecretB, "="),
		"too short":   short,
		"too long":    long,
	} {
		_, err := ParseSecret(s)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if raw := strings.TrimPrefix(s, "whsec_"); len(raw) > 4 && strings.Contains(err.Error(), raw) {
			t.Errorf("%s: error leaks the secret: %v", name, err)
		}
	}
	sec, _ := ParseSecret(testSecretA)
	if strings.Contains(sec.String(), "MfKQ") {
		t.Error("String leaks the secret")
	}
	if _, err := Sign(nil, "id", time.Now(), nil); err == nil {
		t.Error("Sign without secrets succeeded")
	}
}

func TestGenerateSecret(t *testing.T) {
	t.Parallel()
	a, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateSecret()
	if a == b || !strings.HasPrefix(a, "whsec_") {
		t.Fatalf("GenerateSecret gave %q and %q", a, b)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if err != nil || len(key) != 32 {
		t.Fatalf("secret decodes to %d bytes, %v", len(key), err)
	}
	if _, err := standardwebhooks.NewWebhook(a); err != nil {
		t.Errorf("official library refuses generated secret: %v", err)
	}
}

func TestVerifier(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":"b"}`)
	now := time.Now()
	v, err := NewVerifier([]string{testSecretA, testSecretB}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// A signature made by the official library verifies (old secret only, as a sender mid-rotation might do).
	wh, _ := standardwebhooks.NewWebhook(testSecretB)
	sig, _ := wh.Sign("evt_v", now, body)
	if err := v.Verify(headersFor("evt_v", now, sig), body); err != nil {
		t.Errorf("official signature rejected: %v", err)
	}
	if err := v.Verify(headersFor("evt_v", now, sig), []byte(`{"a":"c"}`)); err != ErrNoMatchingSig {
		t.Errorf("tampered body: got %v", err)
	}
	if err := v.Verify(headersFor("evt_v", now.Add(-2*time.Minute), sig), body); err != ErrTimestampTolerance {
		t.Errorf("old timestamp: got %v", err)
	}
	h := headersFor("evt_v", now, sig)
	h.Set(HeaderTimestamp, "yesterday")
	if err := v.Verify(h, body); err != ErrBadTimestamp {
		t.Errorf("bad timestamp: got %v", err)
	}
	h.Del(HeaderSignature)
	if err := v.Verify(h, body); err != ErrMissingHeaders {
		t.Errorf("missing header: got %v", err)
	}
	other, _ := NewVerifier([]string{"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 32))}, 0)
	if err := other.Verify(headersFor("evt_v", now, sig), body); err != ErrNoMatchingSig {
		t.Errorf("wrong secret: got %v", err)
	}
}
