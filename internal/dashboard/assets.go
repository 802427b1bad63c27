package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
)

// assetVersion changes with the embedded assets, so "?v=" in the layout makes browsers fetch new ones after an
// upgrade despite their day-long cache.
var assetVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()
