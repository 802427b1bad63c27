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

func (s *Store) MigrationApply(ctx context.Context, foreign ...store.ForeignMigration) ([]store.Migration, error) {
	files, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	m, err := s.d.BeginMigration(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	if m.Release != nil {
		defer m.Release()
	}
	defer func() { _ = m.Tx.Rollback() }()
	// Everything is read and applied under the lock, so processes starting together apply every migration
	// exactly once: the second one waits, then finds them applied.
	done, err := s.migrate(ctx, m.Tx, files)
	if err != nil {
		return nil, err
	}
	if m.ForeignInTx {
		for _, f := range foreign {
			applied, err := f(ctx, m.Tx)
			if err != nil {
				return nil, err
			}
			done = append(done, applied...)
		}
	}
	if err := m.Tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit migrations: %w", err)
	}
	if !m.ForeignInTx {
		for _, f := range foreign {
			applied, err := f(ctx, nil)
			done = append(done, applied...)
			if err != nil {
				return done, err
			}
		}
	}
	return done, nil
}

// migrate applies, in tx, the files the database lacks.
func (s *Store) migrate(ctx context.Context, tx *sql.Tx, files []migrationFile) ([]store.Migration, error) {
	if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := s.applied(ctx, tx)
	if err != nil {
		return nil, err
	}
	latest := 0
	if len(files) > 0 {
		latest = files[len(files)-1].version
	}
	if v := maxKey(applied); v > latest {
		return nil, &store.ErrSchemaTooNew{DatabaseVersion: v, BinaryVersion: latest}
	}
	var done []store.Migration
	for _, f := range files {
		if _, ok := applied[f.version]; ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, f.sql); err != nil {
			return nil, fmt.Errorf("migration %04d_%s: %w", f.version, f.name, err)
		}
		now := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			f.version, f.name, now.Format(time.RFC3339Nano)); err != nil {
			return nil, fmt.Errorf("record migration %04d: %w", f.version, err)
		}
		done = append(done, store.Migration{Version: f.version, Name: f.name, Applied: true, AppliedAt: now})
	}
	return done, nil
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
