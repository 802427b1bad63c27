//go:build unix

package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/salesengine/salesengine/internal/secret"
)

// TestSQLiteReadOnlyFile makes the database file read-only (0444) and runs every command that only reads it,
// which must work, and commands that write, which must say that the file is not writable. Root may write any
// file, so when the tests run as root the commands run as nobody.
func TestSQLiteReadOnlyFile(t *testing.T) {
	t.Parallel()
	// A directory the other user may enter and write (SQLite creates se.db-shm beside the file to read it).
	dir, err := os.MkdirTemp("", "se-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "test.env")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "se.db")
	key, _ := secret.GenerateKey()
	env := map[string]string{"DATABASE_URL": "sqlite:" + path, "SALESENGINE_ENCRYPTION_KEY": key}
	if r := run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "acme", "--url", "https://acme.odoo.com",
		"--database", "acme", "--username", "api", "--api-key", "k-123"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	bin := os.Args[0]
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534} // nobody
		bin = filepath.Join(dir, "salesengine.test")       // the build directory is root's alone
		copyFile(t, os.Args[0], bin, 0o755)
	}
	salesengine := func(args ...string) (int, string) {
		cmd, out := childCommand(bin, append([]string{"--config", cfg}, args...), env)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		_ = cmd.Run()
		return cmd.ProcessState.ExitCode(), out.String()
	}
	for _, args := range [][]string{{"connections", "list"}, {"logs"}, {"retries"}, {"migrate", "--status"}, {"accuracy"}} {
		code, out := salesengine(args...)
		if code != 0 {
			t.Errorf("%v on a read-only file: exit %d\n%s", args, code, out)
		}
		if args[0] == "accuracy" && !strings.Contains(out, "no past forecasts yet") {
			t.Errorf("accuracy on a read-only file:\n%s", out)
		}
		if args[0] == "connections" && !strings.Contains(out, "acme") {
			t.Errorf("connections list on a read-only file does not list acme:\n%s", out)
		}
	}
	for _, args := range [][]string{{"migrate"}, {"sync"}, {"connections", "delete", "acme", "--yes"}} {
		code, out := salesengine(args...)
		if code != 1 || !strings.Contains(out, "the database file "+path+" is not writable") {
			t.Errorf("%v on a read-only file: exit %d, want 1 saying the file is not writable\n%s", args, code, out)
		}
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
