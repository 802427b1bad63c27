package sqlite

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// TestDiskFullIsNamed fills a small tmpfs holding the database: writes fail with a DiskFullError that names
// the file and says what to do (an INSERT ... RETURNING included, whose error comes when its rows are read),
// the file stays sound, and writes work again once space is freed. Mounting needs root; elsewhere it skips.
func TestDiskFullIsNamed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v: %s): needs root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	ctx := context.Background()
	path := filepath.Join(dir, "se.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "http://odoo.example", PollInterval: time.Minute, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := make([]byte, 4096); ; {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	insert := func() error {
		_, err := s.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: c.ID, Kind: "incremental", StartedAt: time.Now(), Status: "running",
			Details: strings.Repeat("x", 20000)})
		return err
	}
	for range 200 {
		if err = insert(); err != nil {
			break
		}
	}
	var full *DiskFullError
	if !errors.As(err, &full) || !strings.Contains(err.Error(), "the disk holding the database file "+path+" is full: free some space there") {
		t.Fatalf("a write on the full disk: %v (%T)", err, errors.Unwrap(err))
	}
	var check string
	if err := s.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity check on the full disk: %q %v", check, err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := insert(); err != nil {
		t.Errorf("a write once space is freed: %v", err)
	}
}
