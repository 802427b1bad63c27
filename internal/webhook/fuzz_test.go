package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// FuzzSignMatchesOfficial: for any id and body our signature is the official library's, and our verifier
// accepts it. `go test` runs the seeds; run longer by hand with -fuzz=FuzzSignMatchesOfficial -fuzztime=1m.
func FuzzSignMatchesOfficial(f *testing.F) {
	f.Add("evt_1", []byte(`{"type":"order.updated"}`), int64(1772618472))
	f.Add("", []byte{}, int64(0))
	f.Add("msg with spaces.and.dots", []byte("\x00\xff binary"), int64(-1))
	wh, err := standardwebhooks.NewWebhook(testSecretA)
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewVerifier([]string{testSecretA}, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string, body []byte, unix int64) {
		ts := time.Unix(unix, 0)
		ours, err := Sign([]string{testSecretA}, id, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		official, _ := wh.Sign(id, ts, body)
		if ours != official {
			t.Fatalf("ours %q, official %q", ours, official)
		}
		if id == "" {
			return // headers without an id are invalid by definition
		}
		vv := *v
		vv.now = func() time.Time { return ts }
		if err := vv.Verify(headersFor(id, ts, ours), body); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
	})
}

// FuzzParseRetryAfter: never panics, never negative.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "", "99999999999999999999", "1e3"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := ParseRetryAfter(s, now); d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %s, %v", s, d, ok)
		}
	})
}

// FuzzVerify: a receiver's verification of any headers and body either accepts (only a signature of its
// secret over that id, timestamp and body) or refuses with an error, never a panic.
func FuzzVerify(f *testing.F) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	v, err := NewVerifier([]string{secret}, 0)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	body := []byte(`{"type":"order.confirmed"}`)
	sig, err := Sign([]string{secret}, "evt_1", now, body)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("evt_1", strconv.FormatInt(now.Unix(), 10), sig, body)
	f.Add("evt_1", "not-a-time", sig, body)
	f.Add("", "", "", []byte{})
	f.Add("evt_1", strconv.FormatInt(now.Unix(), 10), "v1,"+strings.Repeat("A", 200)+" v1a,x v1,", body)
	f.Fuzz(func(t *testing.T, id, ts, signature string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, signature)
		if err := v.Verify(h, body); err == nil {
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil {
				t.Fatalf("accepted a timestamp %q that is not one", ts)
			}
			want, _ := Sign([]string{secret}, id, time.Unix(sec, 0), body)
			if !strings.Contains(signature, strings.TrimPrefix(want, "v1,")) {
				t.Fatalf("accepted a signature %q that is not %q", signature, want)
			}
		}
	})
}
