package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// openCached opens a database through the caching connector, on one connection so every statement meets the
// same cache.
func openCached(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cache.db")
	c, err := newConnector(path+"?"+pragmas, fileErrors{path: path, timeout: DefaultBusyTimeout})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// cached reports the statements the single connection holds prepared.
func cached(t *testing.T, db *sql.DB) []string {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out []string
	if err := conn.Raw(func(dc any) error {
		for el := dc.(*cachingConn).lru.Front(); el != nil; el = el.Next() {
			out = append(out, el.Value.(*cachedStmt).query)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStatementCacheReusesAndStaysCorrect(t *testing.T) {
	t.Parallel()
	db := openCached(t)
	const ins = `INSERT INTO t (v) VALUES (?)`
	for i := range 5 {
		if _, err := db.Exec(ins, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := cached(t, db); len(got) != 2 || got[0] != ins {
		t.Fatalf("cache = %q, want the insert (run 5 times) once, first", got)
	}

	// A failing run (unique violation) drops the statement; the next run prepares it again and works.
	if _, err := db.Exec(ins, "v1"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate insert: %v", err)
	}
	if _, err := db.Exec(ins, "v5"); err != nil {
		t.Fatalf("insert after a failed run of the same statement: %v", err)
	}

	// The same statement run while its own rows are open (a query inside a loop over it) runs uncached.
	const sel = `SELECT id, v FROM t WHERE id > ? ORDER BY id`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(sel, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner int
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		outer++
		n := 0
		if err := tx.QueryRow(`SELECT COUNT(*) FROM (`+sel+`)`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		nested, err := tx.Query(sel, id)
		if err != nil {
			t.Fatal(err)
		}
		for nested.Next() {
			inner++
		}
		if err := nested.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if outer != 6 || inner != 5+4+3+2+1 {
		t.Errorf("outer %d rows, inner %d rows; want 6 and 15", outer, inner)
	}
	// Rows read to the end and rows closed early both give the statement back.
	for range 3 {
		r, err := db.Query(sel, 0)
		if err != nil {
			t.Fatal(err)
		}
		r.Next()
		r.Close()
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 6 {
		t.Errorf("count = %d, %v", n, err)
	}
}

func TestStatementCacheIsBounded(t *testing.T) {
	t.Parallel()
	db := openCached(t)
	for i := range cacheMaxStmts + 20 {
		var v int
		if err := db.QueryRow(fmt.Sprintf(`SELECT %d`, i)).Scan(&v); err != nil || v != i {
			t.Fatalf("SELECT %d = %d, %v", i, v, err)
		}
	}
	got := cached(t, db)
	if len(got) != cacheMaxStmts || got[0] != fmt.Sprintf(`SELECT %d`, cacheMaxStmts+19) {
		t.Errorf("cache holds %d statements, newest %q; want %d, the newest first", len(got), got[0], cacheMaxStmts)
	}
	long := `SELECT 1` + strings.Repeat(" ", cacheMaxQuery)
	if _, err := db.Exec(long); err != nil {
		t.Fatal(err)
	}
	for _, q := range cached(t, db) {
		if q == long {
			t.Error("a statement longer than the limit was cached")
		}
	}
}
