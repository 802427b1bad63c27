package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/salesengine/salesengine/internal/store"
)

// maxParams keeps a statement under SQLite's 32,766 bound variables (PostgreSQL allows 65,535).
const maxParams = 30000

// upsertSpec describes a batched INSERT ... ON CONFLICT DO UPDATE for one table.
type upsertSpec struct {
	table string
	cols  []string // every column written, in row order
	keys  []string // the conflict target
	// pgTypes, when set, are the PostgreSQL types of cols: the rows then travel as one array per column
	// through unnest, a statement whose text does not depend on the number of rows, so it is prepared once.
	pgTypes []string
}

// upsert writes rows (each len(spec.cols) values) in as few statements as the engine's parameter limit allows.
// Callers pass only new or changed rows, so re-syncing identical data writes nothing.
func (e *Exec) upsert(ctx context.Context, spec upsertSpec, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if len(spec.pgTypes) == len(spec.cols) && e.d.Name() == store.DialectPostgres {
		return e.upsertUnnest(ctx, spec, rows)
	}
	sets := make([]string, 0, len(spec.cols))
	for _, c := range spec.cols {
		if !contains(spec.keys, c) {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	tail := " ON CONFLICT (" + strings.Join(spec.keys, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
	if err := e.insertValues(ctx, spec.table, spec.cols, rows, tail); err != nil {
		return fmt.Errorf("upsert %s: %w", spec.table, err)
	}
	return nil
}

// insertValues runs INSERT INTO table (cols) VALUES (...), (...) tail over rows, in as few statements as the
// engine's parameter limit allows.
func (e *Exec) insertValues(ctx context.Context, table string, cols []string, rows [][]any, tail string) error {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	perStmt := max(1, maxParams/len(cols))
	for start := 0; start < len(rows); start += perStmt {
		list, args := values(rows[start:min(len(rows), start+perStmt)])
		if _, err := e.exec(ctx, head+list+tail, args...); err != nil {
			return err
		}
	}
	return nil
}

// values returns "(?, ?), (?, ?)" for rows of equal length, and their values in order.
func values(rows [][]any) (string, []any) {
	if len(rows) == 0 {
		return "", nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rows[0])), ", ") + ")"
	var b strings.Builder
	b.Grow(len(rows) * (len(one) + 2))
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
		args = append(args, r...)
	}
	return b.String(), args
}

// upsertUnnest is upsert on PostgreSQL: INSERT ... SELECT * FROM unnest($1::T1[], $2::T2[], ...).
func (e *Exec) upsertUnnest(ctx context.Context, spec upsertSpec, rows [][]any) error {
	casts := make([]string, len(spec.cols))
	sets := make([]string, 0, len(spec.cols))
	for i, c := range spec.cols {
		casts[i] = fmt.Sprintf("$%d::%s[]", i+1, spec.pgTypes[i])
		if !contains(spec.keys, c) {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	q := "INSERT INTO " + spec.table + " (" + strings.Join(spec.cols, ", ") + ") SELECT * FROM unnest(" +
		strings.Join(casts, ", ") + ") ON CONFLICT (" + strings.Join(spec.keys, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
	args := make([]any, len(spec.cols))
	for i := range spec.cols {
		col := make([]any, len(rows))
		for j, r := range rows {
			col[j] = r[i]
		}
		args[i] = col
	}
	// The text is already in PostgreSQL's placeholder style: no rebind.
	if _, err := e.q.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("upsert %s: %w", spec.table, err)
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// inChunks runs fn over ids in slices small enough for one statement's IN list.
func inChunks(ids []int64, fn func(chunk []int64) error) error {
	const size = 5000
	for start := 0; start < len(ids); start += size {
		if err := fn(ids[start:min(len(ids), start+size)]); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns "?, ?, ?" for n values, and the values as []any.
func placeholders(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// nullInt binds 0 as NULL: Odoo's false many2one.
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
