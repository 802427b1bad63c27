package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/salesengine/salesengine/internal/store"
)

// maxParams keeps a statement under SQLite's 32,766 bound variables (PostgreSQL allows 65,535).
const maxParams = 30000

// batchRows is the most rows one statement of insertValues holds: the text stays under the SQLite statement
// cache's bound (16 KiB) for our widest table.
const batchRows = 64

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
	if err := e.insertValues(ctx, spec.table, spec.cols, len(rows), func(dst []any, i int) []any { return append(dst, rows[i]...) },
		spec.conflict()); err != nil {
		return fmt.Errorf("upsert %s: %w", spec.table, err)
	}
	return nil
}

// conflict is the ON CONFLICT clause of an upsert: every column but the keys takes the new value.
func (spec upsertSpec) conflict() string {
	sets := make([]string, 0, len(spec.cols))
	for _, c := range spec.cols {
		if !contains(spec.keys, c) {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	return " ON CONFLICT (" + strings.Join(spec.keys, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
}

// insertValues runs INSERT INTO table (cols) VALUES (...), (...) tail over n rows, whose values appendRow
// appends (row i). The statements hold a fixed number of rows (batchRows, then halving for the rest), so their
// texts repeat and SQLite's statement cache keeps them prepared: parsing a fresh multi-row INSERT of thousands
// of rows cost more than running it (a sixth of an initial sync's CPU). The texts and the argument slice are
// built once per call, not per statement.
func (e *Exec) insertValues(ctx context.Context, table string, cols []string, n int, appendRow func(dst []any, i int) []any, tail string) error {
	_, err := e.insertStatements(ctx, "INSERT", table, cols, nil, n, appendRow, tail)
	return err
}

// insertStatements is insertValues with another verb (INSERT OR IGNORE), and returns the statements that wrote
// fewer rows than they held, as ranges of rows. shared are columns (indexes into cols) whose value is usually the
// same in every row (connection_id, synced_at...): in a statement whose rows all hold the same integer, text or
// NULL there, it is written into the text as a literal rather than bound once per row (modernc.org/sqlite takes
// the connection's mutex, and copies a text into C memory, for every value bound).
func (e *Exec) insertStatements(ctx context.Context, verb, table string, cols []string, shared []int, n int,
	appendRow func(dst []any, i int) []any, tail string) (short []rowRange, err error) {
	note := func(res interface{ RowsAffected() (int64, error) }, r rowRange) error {
		got, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if got < int64(r.n) {
			short = append(short, r)
		}
		return nil
	}
	if e.conn != nil && e.d.Name() == store.DialectSQLite {
		// In a transaction, SQLite's statements go to the driver directly, with one argument slice for all
		// of them (database/sql allocates one per statement: a third of a first sync's allocated bytes).
		err = e.conn.Raw(func(dc any) error {
			ex, ok := dc.(driver.ExecerContext)
			if !ok {
				return fmt.Errorf("insert into %s: the driver's connection %T cannot execute", table, dc)
			}
			// Sized for the largest statement at once: grown by appends, it was a tenth of a first sync's bytes.
			named := make([]driver.NamedValue, 0, min(n, batchRows)*len(cols))
			return e.insertBatches(verb, table, cols, shared, n, appendRow, tail, func(q string, args []any, r rowRange) error {
				named = named[:0]
				for i, a := range args {
					v, err := driverValue(a)
					if err != nil {
						return fmt.Errorf("insert into %s: column %s: %w", table, cols[i%len(cols)], err)
					}
					named = append(named, driver.NamedValue{Ordinal: i + 1, Value: v})
				}
				res, err := ex.ExecContext(ctx, q, named)
				if err != nil {
					return err
				}
				return note(res, r)
			})
		})
		return short, err
	}
	err = e.insertBatches(verb, table, cols, nil, n, appendRow, tail, func(q string, args []any, r rowRange) error {
		res, err := e.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		return note(res, r)
	})
	return short, err
}

// rowRange is rows start to start+n-1 of an insert.
type rowRange struct{ start, n int }

// driverValue is what database/sql would hand the driver for v (driver.DefaultParameterConverter).
func driverValue(v any) (driver.Value, error) {
	switch v.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time:
		return v, nil
	}
	return driver.DefaultParameterConverter.ConvertValue(v)
}

// insertBatches builds insertValues's statements and hands each, with its values and its rows, to exec.
func (e *Exec) insertBatches(verb, table string, cols []string, shared []int, n int, appendRow func(dst []any, i int) []any,
	tail string, exec func(q string, args []any, r rowRange) error) error {
	head := verb + " INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	full := max(1, min(batchRows, maxParams/len(cols)))
	texts := map[int]string{}
	args := make([]any, 0, min(n, full)*len(cols))
	lit := literals{cols: len(cols), shared: shared}
	for start := 0; start < n; {
		k := full
		for k > n-start {
			k /= 2
		}
		args = args[:0]
		for i := start; i < start+k; i++ {
			args = appendRow(args, i)
		}
		if len(args) != k*len(cols) {
			return fmt.Errorf("insert into %s: %d values for %d rows of %d columns", table, len(args), k, len(cols))
		}
		var err error
		if lit.agree(args, k) {
			q, ok := lit.texts[k]
			if !ok {
				q = head + lit.list(k) + tail
				lit.texts[k] = q
			}
			err = exec(q, lit.pack(args), rowRange{start, k})
		} else {
			q, ok := texts[k]
			if !ok {
				q = head + valueList(k, len(cols)) + tail
				texts[k] = q
			}
			err = exec(q, args, rowRange{start, k})
		}
		if err != nil {
			return err
		}
		start += k
	}
	return nil
}

// literals writes the shared columns of insertBatches's statements as literals: the values of the last
// statement that had them in common, and its texts by number of rows.
type literals struct {
	cols   int
	shared []int
	values []any
	texts  map[int]string
	packed []any
}

// agree reports whether the k rows of args hold the same integer, text or NULL in every shared column, and makes
// those the literals.
func (l *literals) agree(args []any, k int) bool {
	if len(l.shared) == 0 {
		return false
	}
	for _, c := range l.shared {
		switch args[c].(type) {
		case nil, int64, string:
		default:
			return false
		}
		for r := 1; r < k; r++ {
			if args[r*l.cols+c] != args[c] {
				return false
			}
		}
	}
	same := len(l.values) == len(l.shared)
	for i, c := range l.shared {
		same = same && l.values[i] == args[c]
	}
	if !same {
		l.values, l.texts = l.values[:0], map[int]string{}
		for _, c := range l.shared {
			l.values = append(l.values, args[c])
		}
	}
	return true
}

// list is valueList with the literals in their columns.
func (l *literals) list(rows int) string {
	parts := make([]string, l.cols)
	for i := range parts {
		parts[i] = "?"
	}
	for i, c := range l.shared {
		switch v := l.values[i].(type) {
		case nil:
			parts[c] = "NULL"
		case int64:
			parts[c] = strconv.FormatInt(v, 10)
		case string:
			parts[c] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
	}
	one := "(" + strings.Join(parts, ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// pack is the statement's arguments: each row's values but the literals.
func (l *literals) pack(args []any) []any {
	p := l.packed[:0]
	for i, v := range args {
		if !slices.Contains(l.shared, i%l.cols) {
			p = append(p, v)
		}
	}
	l.packed = p
	return p
}

// valueList returns "(?, ?), (?, ?)" for rows rows of cols values.
func valueList(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// values returns "(?, ?), (?, ?)" for rows of equal length, and their values in order.
func values(rows [][]any) (string, []any) {
	if len(rows) == 0 {
		return "", nil
	}
	args := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		args = append(args, r...)
	}
	return valueList(len(rows), len(rows[0])), args
}

// upsertUnnest is upsert on PostgreSQL: INSERT ... SELECT * FROM unnest($1::T1[], $2::T2[], ...).
func (e *Exec) upsertUnnest(ctx context.Context, spec upsertSpec, rows [][]any) error {
	casts := make([]string, len(spec.cols))
	for i := range spec.cols {
		casts[i] = fmt.Sprintf("$%d::%s[]", i+1, spec.pgTypes[i])
	}
	q := "INSERT INTO " + spec.table + " (" + strings.Join(spec.cols, ", ") + ") SELECT * FROM unnest(" +
		strings.Join(casts, ", ") + ")" + spec.conflict()
	args := make([]any, len(spec.cols))
	for i := range spec.cols {
		args[i] = column(rows, i)
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
func placeholders[T any](vs []T) (string, []any) {
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = v
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(vs)), ", "), args
}

// nullInt binds 0 as NULL: Odoo's false many2one.
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// column gathers one column of rows for unnest as a typed slice: pgx encodes []int64, []string, []float64,
// []time.Time and FlatArray of its own nullable types without reflection, while []any made it plan every
// element's encoding anew (a third of an initial sync's client CPU on PostgreSQL). Columns of other types
// stay []any.
func column(rows [][]any, i int) any {
	var kind any
	nulls := false
	for _, r := range rows {
		switch v := r[i].(type) {
		case nil:
			nulls = true
		case int64, string, float64, time.Time, bool:
			if kind == nil {
				kind = v
			} else if reflect.TypeOf(kind) != reflect.TypeOf(v) {
				return anyColumn(rows, i)
			}
		default:
			return anyColumn(rows, i)
		}
	}
	switch kind.(type) {
	case int64:
		return typedColumn(rows, i, nulls, func(v int64) pgtype.Int8 { return pgtype.Int8{Int64: v, Valid: true} })
	case string:
		return typedColumn(rows, i, nulls, func(v string) pgtype.Text { return pgtype.Text{String: v, Valid: true} })
	case float64:
		return typedColumn(rows, i, nulls, func(v float64) pgtype.Float8 { return pgtype.Float8{Float64: v, Valid: true} })
	case time.Time:
		return typedColumn(rows, i, nulls, func(v time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: v, Valid: true} })
	case bool:
		return typedColumn(rows, i, nulls, func(v bool) pgtype.Bool { return pgtype.Bool{Bool: v, Valid: true} })
	}
	return anyColumn(rows, i) // every value NULL
}

// typedColumn returns column i as []T, or as FlatArray[N] (N the nullable form of T) when it holds NULLs.
func typedColumn[T any, N any](rows [][]any, i int, nulls bool, valid func(T) N) any {
	if !nulls {
		out := make([]T, len(rows))
		for j, r := range rows {
			out[j] = r[i].(T)
		}
		return out
	}
	out := make(pgtype.FlatArray[N], len(rows))
	for j, r := range rows {
		if v, ok := r[i].(T); ok {
			out[j] = valid(v)
		} // else the zero N: NULL
	}
	return out
}

func anyColumn(rows [][]any, i int) []any {
	out := make([]any, len(rows))
	for j, r := range rows {
		out[j] = r[i]
	}
	return out
}
