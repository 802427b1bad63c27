package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

const (
	secretPrefix       = "whsec_"
	secretMinBytes     = 24
	secretMaxBytes     = 64
	secretDefaultBytes = 32
	// DefaultTolerance is how far a webhook-timestamp may be from the receiver's clock.
	DefaultTolerance = 5 * time.Minute
)

// Verification errors. Messages never contain secrets.
var (
	ErrMissingHeaders     = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrBadTimestamp       = errors.New("webhook: webhook-timestamp is not an integer of Unix seconds")
	ErrTimestampTolerance = errors.New("webhook: webhook-timestamp outside the tolerance window")
	ErrNoMatchingSig      = errors.New("webhook: no matching v1 signature")
)

// Secret is a decoded signing key. Its String never reveals the key.
type Secret struct{ key []byte }

// String redacts the key so it cannot leak through logs or errors.
func (Secret) String() string { return "whsec_[redacted]" }

// ParseSecret decodes a Standard Webhooks secret: optional "whsec_" prefix, then standard padded base64 of
// 24-64 random bytes. The decoded bytes are the HMAC key (never the whole string). Errors never include the secret.
func ParseSecret(s string) (Secret, error) {
	s = strings.TrimSpace(s)
	raw := strings.TrimPrefix(s, secretPrefix)
	if raw == "" {
		return Secret{}, errors.New("webhook: secret is empty")
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return Secret{}, errors.New("webhook: secret is not standard base64 after the whsec_ prefix (padded, alphabet A-Z a-z 0-9 + /)")
	}
	if len(key) < secretMinBytes || len(key) > secretMaxBytes {
		return Secret{}, fmt.Errorf("webhook: secret decodes to %d bytes, want %d to %d", len(key), secretMinBytes, secretMaxBytes)
	}
	return Secret{key: key}, nil
}

// GenerateSecret returns a new "whsec_" secret of 32 random bytes.
func GenerateSecret() (string, error) {
	key := make([]byte, secretDefaultBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: generate secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// signature computes "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
func (s Secret) signature(id string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign returns the webhook-signature header value: one space-separated "v1,<sig>" per secret, in the given
// order (during rotation pass the new and the old secret; receivers accept whichever they know).
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	keys, err := parseSecrets(secrets)
	if err != nil {
		return "", err
	}
	return signWith(keys, id, ts, body), nil
}

func parseSecrets(secrets []string) ([]Secret, error) {
	if len(secrets) == 0 {
		return nil, errors.New("webhook: no signing secret configured")
	}
	keys := make([]Secret, 0, len(secrets))
	for i, s := range secrets {
		k, err := ParseSecret(s)
		if err != nil {
			return nil, fmt.Errorf("webhook: secret #%d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func signWith(keys []Secret, id string, ts time.Time, body []byte) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k.signature(id, ts.Unix(), body))
	}
	return b.String()
}

// Verifier checks Standard Webhooks signatures against one or more secrets (rotation on the receiving side).
type Verifier struct {
	keys      []Secret
	tolerance time.Duration
	now       func() time.Time
}

// NewVerifier parses the secrets. tolerance <= 0 means DefaultTolerance.
func NewVerifier(secrets []string, tolerance time.Duration) (*Verifier, error) {
	keys, err := parseSecrets(secrets)
	if err != nil {
		return nil, err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	return &Verifier{keys: keys, tolerance: tolerance, now: time.Now}, nil
}

// Verify checks headers and body; it returns nil when any v1 signature matches any secret and the timestamp is
// within the tolerance.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	id, tsRaw, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsRaw == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	now := v.now()
	if d := now.Sub(time.Unix(ts, 0)); d > v.tolerance || d < -v.tolerance {
		return ErrTimestampTolerance
	}
	for _, k := range v.keys {
		want := k.signature(id, ts, body)
		for _, got := range strings.Fields(sigs) {
			if hmac.Equal([]byte(got), []byte(want)) {
				return nil
			}
		}
	}
	return ErrNoMatchingSig
}
