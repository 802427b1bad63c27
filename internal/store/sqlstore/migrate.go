package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

type migrationFile struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrationFiles() ([]migrationFile, error) {
	entries, err := fs.ReadDir(s.migrations, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var files []migrationFile
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("embedded migration %q is not named NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(s.migrations, e.Name())
		if err != nil {
			return nil, err
		}
		files = append(files, migrationFile{version: v, name: name, sql: string(body)})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].version < files[j].version })
	return files, nil
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// applied reads schema_migrations; applied_at is stored as text on both engines, it is informational only.
func (s *Store) applied(ctx context.Context, q querier) (map[int]time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		t, _ := time.Parse(time.RFC3339Nano, at)
		out[v] = t
	}
	return out, rows.Err()
}

func (s *Store) MigrationApply(ctx context.Context) ([]store.Migration, error) {
	files, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, migrationsTable); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var done []store.Migration
	// One transaction per migration, each re-checking under the lock, so two processes starting together
	// apply every migration exactly once.
	for _, f := range files {
		applied, err := s.migrateOne(ctx, f, files[len(files)-1].version)
		if err != nil {
			return done, err
		}
		if applied != nil {
			done = append(done, *applied)
		}
	}
	return done, nil
}

func (s *Store) migrateOne(ctx context.Context, f migrationFile, latest int) (*store.Migration, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin migration: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.d.LockMigrations(ctx, tx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	applied, err := s.applied(ctx, tx)
	if err != nil {
		return nil, err
	}
	for v := range applied {
		if v > latest {
			return nil, &store.ErrSchemaTooNew{DatabaseVersion: maxKey(applied), BinaryVersion: latest}
		}
	}
	if _, ok := applied[f.version]; ok {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, f.sql); err != nil {
		return nil, fmt.Errorf("migration %04d_%s: %w", f.version, f.name, err)
	}
	now := time.Now().UTC()
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		f.version, f.name, now.Format(time.RFC3339Nano)); err != nil {
		return nil, fmt.Errorf("record migration %04d: %w", f.version, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit migration %04d: %w", f.version, err)
	}
	return &store.Migration{Version: f.version, Name: f.name, Applied: true, AppliedAt: now}, nil
}

func (s *Store) MigrationStatus(ctx context.Context) ([]store.Migration, error) {
	files, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	var exists bool
	applied := map[int]time.Time{}
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations LIMIT 1`).Scan(new(int)); err == nil || err == sql.ErrNoRows {
		exists = true
	}
	if exists {
		if applied, err = s.applied(ctx, s.db); err != nil {
			return nil, err
		}
	}
	out := make([]store.Migration, 0, len(files))
	for _, f := range files {
		at, ok := applied[f.version]
		out = append(out, store.Migration{Version: f.version, Name: f.name, Applied: ok, AppliedAt: at})
		delete(applied, f.version)
	}
	for v, at := range applied { // versions from a newer binary
		out = append(out, store.Migration{Version: v, Name: "(unknown to this binary)", Applied: true, AppliedAt: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func maxKey(m map[int]time.Time) int {
	best := 0
	for k := range m {
		best = max(best, k)
	}
	return best
}
