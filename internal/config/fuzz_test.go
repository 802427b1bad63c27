package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/config"
)

// FuzzLoadFile: any config file is read or refused with an error naming it, never a panic; what is read gives
// every variable a value, and a key refused as unknown is one of ours that names no variable.
func FuzzLoadFile(f *testing.F) {
	for _, s := range []string{"DATABASE_URL=sqlite:x.db\n", "# comment\nexport SALESENGINE_LOG_FORMAT=\"json\"\n",
		"SALESENGINE_WEBHOOK_TIMOUT=5s\n", "POSTGRES_PASSWORD=x\n", "A='unterminated\n", "=novalue\n", "SALESENGINE_UI_TOKEN_FILE=\n",
		"POLLER_X=1\nSALESENGINE_=2\n"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(dir, "fuzz.env")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(config.LoadOptions{File: path, Env: func(string) (string, bool) { return "", false }})
		var uk *config.UnknownKeyError
		switch {
		case errors.As(err, &uk):
			if !strings.HasPrefix(uk.Key, "SALESENGINE_") && !strings.HasPrefix(uk.Key, "POLLER_") {
				t.Fatalf("%q refused as unknown: not one of ours", uk.Key)
			}
		case err != nil:
			return
		default:
			for _, v := range config.Vars {
				_ = c.Get(v.Name)
			}
			_ = c.String()
		}
	})
}
