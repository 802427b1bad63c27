package secret_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/secret"
)

func TestRoundTripAndRotation(t *testing.T) {
	t.Parallel()
	oldKey, _ := secret.GenerateKey()
	newKey, _ := secret.GenerateKey()
	old, err := secret.ParseKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := old.Encrypt("odoo-key-123")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, "odoo-key-123") || !strings.HasPrefix(tok, "gAAAAA") {
		t.Fatalf("token %q is not a Fernet token hiding the plaintext", tok)
	}
	rotated, err := secret.ParseKeyring(newKey + ", " + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Decrypt(tok); err != nil || got != "odoo-key-123" {
		t.Fatalf("old token with the rotated ring: %q, %v", got, err)
	}
	re, err := rotated.Reencrypt(tok)
	if err != nil {
		t.Fatal(err)
	}
	onlyNew, _ := secret.ParseKeyring(newKey)
	if got, err := onlyNew.Decrypt(re); err != nil || got != "odoo-key-123" {
		t.Fatalf("re-encrypted token with the new key alone: %q, %v", got, err)
	}
	if _, err := onlyNew.Decrypt(tok); !errors.Is(err, secret.ErrWrongKey) {
		t.Fatalf("old token with only the new key: %v, want ErrWrongKey", err)
	}
	if got, _ := old.Encrypt(""); got != "" {
		t.Errorf("empty secret encrypted to %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	if _, err := secret.ParseKeyring(""); !errors.Is(err, secret.ErrNoKey) {
		t.Errorf("empty keyring: %v", err)
	}
	_, err := secret.ParseKeyring("not-a-key")
	if err == nil || !strings.Contains(err.Error(), "key 1 is not a Fernet key") || strings.Contains(err.Error(), "not-a-key") {
		t.Errorf("bad key: %v (must say which key, without echoing it)", err)
	}
}

// TestPythonToken decrypts a token made by Python's cryptography.fernet (see testdata/python_fernet.json).
func TestPythonToken(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/python_fernet.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct{ Key, Token, Plaintext string }
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	r, err := secret.ParseKeyring(fx.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Decrypt(fx.Token)
	if err != nil || got != fx.Plaintext {
		t.Fatalf("Python token: %q, %v; want %q", got, err, fx.Plaintext)
	}
}
