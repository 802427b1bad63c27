package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteIsAtomicAndReadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "fc.csv")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "a,b\n"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("stat: %v, mode %v; want 0644", err, st.Mode())
	}
	boom := errors.New("boom")
	if err := Write(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Errorf("failed write: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "a,b\n" {
		t.Errorf("a failed write changed the file: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the directory, want only fc.csv (no temporary file left)", len(entries))
	}
}

func TestErrorsNameTheGivenPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "fc.csv")
	if _, err := Create(missing); err == nil || err.Error() != "cannot write "+missing+": directory "+filepath.Dir(missing)+" does not exist" {
		t.Errorf("missing directory: %v", err)
	}
	if _, err := Create(dir); err == nil || err.Error() != "cannot write "+dir+": it is a directory (give a file name)" {
		t.Errorf("a directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(filepath.Join(file, "fc.csv")); err == nil || err.Error() != "cannot write "+filepath.Join(file, "fc.csv")+": "+file+" is not a directory" {
		t.Errorf("under a file: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere: no permission error to see")
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(ro, "fc.csv")
	if _, err := Create(path); err == nil || !strings.HasPrefix(err.Error(), "cannot write "+path+": permission denied") ||
		strings.Contains(err.Error(), ".tmp") {
		t.Errorf("read-only directory: %v", err)
	}
}
