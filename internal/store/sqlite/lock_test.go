package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockProcess(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sales.db")
	release, err := LockProcess(path)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file: a second open in this process conflicts like another process would.
	_, err = LockProcess(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("PID %d", os.Getpid())) {
		t.Fatalf("second lock: %v; want ErrLocked naming the file and the holder's PID", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	again, err := LockProcess(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	_ = again()
	if fi, err := os.Stat(path + ".lock"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v; want mode 0600", fi, err)
	}
}
