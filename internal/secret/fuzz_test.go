package secret

import (
	"testing"
)

// FuzzKeyring: any key list is refused or read; any stored token either decrypts (only a token of these keys)
// or fails with ErrWrongKey, never a panic; what is encrypted decrypts to itself.
func FuzzKeyring(f *testing.F) {
	key, err := GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	ring, _ := ParseKeyring(key)
	tok, _ := ring.Encrypt("an api key")
	for _, s := range []string{key, key + "," + key, "not-a-key", "", ",", tok} {
		f.Add(s, tok)
	}
	f.Add(key, "gAAAAABl"+string(make([]byte, 60)))
	f.Fuzz(func(t *testing.T, keys, token string) {
		if r, err := ParseKeyring(keys); err == nil && r.Len() == 0 {
			t.Fatalf("%q: a keyring without keys", keys)
		}
		if plain, err := ring.Decrypt(token); err == nil && token != tok && token != "" {
			if again, err := ring.Encrypt(plain); err != nil || again == "" {
				t.Fatalf("%q decrypted to %q, which does not encrypt again: %v", token, plain, err)
			}
		}
		if got, err := ring.Encrypt(token); err != nil {
			t.Fatal(err)
		} else if back, err := ring.Decrypt(got); err != nil || back != token {
			t.Fatalf("%q: round trip gave %q, %v", token, back, err)
		}
	})
}
