// Package secret encrypts Odoo API keys and webhook secrets at rest with Fernet, so the tokens interoperate
// with Python's cryptography.fernet (the previous system's format). Several keys form a keyring: the first
// encrypts, every key decrypts, which is how keys are rotated without downtime.
package secret

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fernet/fernet-go"
)

// KeyVar is the variable holding the keyring; LegacyKeyVar is the previous system's name for it.
const (
	KeyVar       = "SALESENGINE_ENCRYPTION_KEY"
	LegacyKeyVar = "POLLER_ENCRYPTION_KEY"
)

// ErrNoKey means no encryption key is configured.
var ErrNoKey = errors.New(KeyVar + " is not set: generate one with 'salesengine key generate' and set it (keep it safe: without it the stored API keys cannot be read)")

// ErrWrongKey means no key of the keyring decrypts a stored secret.
var ErrWrongKey = errors.New("stored secret cannot be decrypted with " + KeyVar + ": the key differs from the one that encrypted it (when rotating, list the new key first and the old one after it, comma-separated)")

// Keyring encrypts with its first key and decrypts with any.
type Keyring struct {
	keys []*fernet.Key
}

// ParseKeyring reads a comma-separated list of Fernet keys (url-safe base64 of 32 bytes, as
// Fernet.generate_key() makes them).
func ParseKeyring(s string) (*Keyring, error) {
	var keys []*fernet.Key
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := fernet.DecodeKey(part)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d is not a Fernet key (32 bytes, url-safe base64, as 'salesengine key generate' prints)", KeyVar, i+1)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	return &Keyring{keys: keys}, nil
}

// GenerateKey returns a new random Fernet key.
func GenerateKey() (string, error) {
	var k fernet.Key
	if err := k.Generate(); err != nil {
		return "", err
	}
	return k.Encode(), nil
}

// Encrypt returns the Fernet token of plaintext under the first key. The empty string stays empty, so an unset
// secret is distinguishable without decrypting.
func (r *Keyring) Encrypt(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	tok, err := fernet.EncryptAndSign([]byte(plaintext), r.keys[0])
	if err != nil {
		return "", fmt.Errorf("encrypt secret: %w", err)
	}
	return string(tok), nil
}

// Decrypt opens a token made by Encrypt (or by Python's Fernet) with any key of the ring.
func (r *Keyring) Decrypt(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	msg := fernet.VerifyAndDecrypt([]byte(token), 0, r.keys)
	if msg == nil {
		return "", ErrWrongKey
	}
	return string(msg), nil
}

// Reencrypt decrypts token with any key and encrypts it again under the first, for key rotation.
func (r *Keyring) Reencrypt(token string) (string, error) {
	plain, err := r.Decrypt(token)
	if err != nil {
		return "", err
	}
	return r.Encrypt(plain)
}

// Len is the number of keys in the ring.
func (r *Keyring) Len() int { return len(r.keys) }
