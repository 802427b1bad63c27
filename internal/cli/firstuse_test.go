package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/secret"
)

// TestMalformedEncryptionKeyIsNamed: a key that is set but malformed is reported as malformed by every command
// that needs it, never as "not set".
func TestMalformedEncryptionKeyIsNamed(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	key, _ := secret.GenerateKey()
	env["SALESENGINE_ENCRYPTION_KEY"] = key
	if r := run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "acme", "--url", "http://127.0.0.1:9",
		"--database", "acme", "--username", "api", "--api-key", "k-123"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	env["SALESENGINE_ENCRYPTION_KEY"] = key[:20] // truncated while pasting
	for _, args := range [][]string{
		{"connections", "test", "acme"},
		{"connections", "edit", "acme", "--api-key", "k-456"},
		{"connections", "add", "--no-input", "--name", "beta", "--url", "http://127.0.0.1:9", "--database", "b", "--username", "u", "--api-key", "k"},
		{"sync", "--no-deliver"},
	} {
		r := run(t, env, append([]string{"--config", cfg}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "key 1 is not a Fernet key") || strings.Contains(r.stderr, "is not set") {
			t.Errorf("%v with a malformed key: %+v", args, r)
		}
		if strings.Contains(r.stderr, key[:20]) {
			t.Errorf("%v printed the key: %s", args, r.stderr)
		}
	}
}
