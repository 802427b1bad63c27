package sync_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkSQLiteLineFloor is the least CPU modernc.org/sqlite spends storing the lines of BenchmarkSyncClientCPU's
// first sync (57k size; the rows it stored, read back once) into a migrated database: prepared INSERTs,
// values built in advance (SQLite still copies each one in: binding is counted), no upsert, no reads, commits of
// about as many lines as the sync's groups. Whatever the sync does, its client CPU per line on SQLite cannot go
// below this (orders, reading Odoo and the rest come on top). The cases vary what SQLite has to maintain and how
// the rows are sent:
//
//   - indexes=all: sales_items as migrated (the primary key's index and the two secondary indexes);
//     indexes=pk: the secondary indexes dropped; indexes=none: a copy of the table without any index.
//
//   - rows=64: 64-row statements, as the sync sends them; rows=1: one row per statement. SQLite keeps a statement
//     journal for a statement that writes several rows and may abort midway: a multi-row INSERT into sales_items
//     may, on its foreign key's check alone (an immediate constraint), whatever its conflict clause.
//
//   - upsert: the sync's INSERT ... ON CONFLICT DO UPDATE instead of a plain INSERT.
//
//   - fk=off: foreign keys off; with or-ignore (INSERT OR IGNORE) nothing is left that could abort the statement,
//     so it needs no statement journal.
//
//   - tx=all: one transaction for every line instead of sync-sized ones.
//
//   - literals: the values every row of the first sync shares (connection_id, removed_at, synced_at, updated_at)
//     written into the statement's text, as the sync's INSERT OR IGNORE does, rather than bound row by row.
//
//     go test -run '^$' -bench BenchmarkSQLiteLineFloor -benchtime 2x -count 3 ./internal/sync/
func BenchmarkSQLiteLineFloor(b *testing.B) {
	f := startCostFake(b, "57k")
	r := newCostRun(b, f, "sqlite")
	r.sync(b)
	cols, lines := storedItemRows(b, r)
	r.st.Close()
	cases := []struct {
		name     string
		indexes  string // all, pk, none
		rows     int    // per statement
		verb     string // INSERT OR IGNORE, INSERT, or upsert: INSERT ... ON CONFLICT DO UPDATE
		txAll    bool
		literals bool
	}{
		{name: "indexes=all/rows=64/or-ignore", indexes: "all", rows: 64, verb: "INSERT OR IGNORE"},
		{name: "indexes=all/rows=64/insert", indexes: "all", rows: 64, verb: "INSERT"},
		{name: "indexes=all/rows=64/upsert", indexes: "all", rows: 64, verb: "upsert"},
		{name: "indexes=all/rows=1/or-ignore", indexes: "all", rows: 1, verb: "INSERT OR IGNORE"},
		{name: "indexes=all/rows=64/or-ignore/tx=all", indexes: "all", rows: 64, verb: "INSERT OR IGNORE", txAll: true},
		{name: "indexes=all/rows=64/or-ignore/literals", indexes: "all", rows: 64, verb: "INSERT OR IGNORE", literals: true},
		{name: "indexes=pk/rows=64/or-ignore", indexes: "pk", rows: 64, verb: "INSERT OR IGNORE"},
		{name: "indexes=none/rows=64/or-ignore", indexes: "none", rows: 64, verb: "INSERT OR IGNORE"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			var stored int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ctx := context.Background()
				st := openBenchStore(b, "sqlite")
				db := st.DB()
				table := "sales_items"
				var setup []string
				switch c.indexes {
				case "pk":
					setup = []string{"DROP INDEX sales_items_order", "DROP INDEX sales_items_sku_date"}
				case "none":
					table = "sales_items_bare"
					setup = []string{"CREATE TABLE sales_items_bare AS SELECT * FROM sales_items WHERE 0"}
				}
				if _, err := db.ExecContext(ctx, `INSERT INTO connections (id, name, url, created_at, updated_at) VALUES (?, 'floor', '', '', '')`, lines[0][0]); err != nil {
					b.Fatal(err)
				}
				conn, err := db.Conn(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for _, q := range setup {
					if _, err := conn.ExecContext(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				verb := c.verb
				if verb == "upsert" {
					verb = "INSERT"
				}
				parts := make([]string, len(cols))
				bound := make([]bool, len(cols))
				for i, col := range cols {
					parts[i], bound[i] = "?", true
					switch v := lines[0][i]; {
					case !c.literals:
					case col == "connection_id":
						parts[i], bound[i] = fmt.Sprint(v), false
					case col == "removed_at":
						parts[i], bound[i] = "NULL", false
					case col == "synced_at", col == "updated_at":
						parts[i], bound[i] = "'"+v.(string)+"'", false
					}
				}
				one := "(" + strings.Join(parts, ", ") + ")"
				q := verb + " INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
					strings.TrimSuffix(strings.Repeat(one+", ", c.rows), ", ")
				if c.verb == "upsert" {
					var sets []string
					for _, col := range cols[2:] {
						sets = append(sets, col+" = excluded."+col)
					}
					q += " ON CONFLICT (connection_id, line_id) DO UPDATE SET " + strings.Join(sets, ", ")
				}
				txRows := floorTxRows
				if c.txAll {
					txRows = len(lines)
				}
				// Each statement's values, bound in advance: only SQLite's work is measured.
				var batches [][]driver.NamedValue
				for start := 0; start+c.rows <= len(lines); start += c.rows {
					var args []driver.NamedValue
					for _, row := range lines[start : start+c.rows] {
						for i, v := range row {
							if bound[i] {
								args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
							}
						}
					}
					batches = append(batches, args)
				}
				err = conn.Raw(func(dc any) error {
					stmt, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
					if err != nil {
						return err
					}
					defer stmt.Close()
					ex := dc.(driver.ExecerContext)
					b.StartTimer()
					cpu0 := processCPU()
					inTx := 0
					for _, args := range batches {
						if inTx == 0 {
							if _, err := ex.ExecContext(ctx, "BEGIN IMMEDIATE", nil); err != nil {
								return err
							}
						}
						if _, err := stmt.(driver.StmtExecContext).ExecContext(ctx, args); err != nil {
							return err
						}
						inTx += c.rows
						if inTx >= txRows {
							if _, err := ex.ExecContext(ctx, "COMMIT", nil); err != nil {
								return err
							}
							inTx = 0
						}
					}
					if inTx > 0 {
						if _, err := ex.ExecContext(ctx, "COMMIT", nil); err != nil {
							return err
						}
					}
					cpu += processCPU() - cpu0
					b.StopTimer()
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				stored += len(batches) * c.rows
				conn.Close()
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(stored), "cpu-us/line")
			b.ReportMetric(float64(stored)/float64(b.N), "lines")
		})
	}
}

// floorTxRows is about the lines of one of the first sync's transactions (a group of 500 orders).
const floorTxRows = 1536

// storedItemRows reads back every stored line as SQLite holds it (timestamps as text), in the order written.
func storedItemRows(b *testing.B, r *costRun) (cols []string, rows [][]driver.Value) {
	b.Helper()
	ctx := context.Background()
	res, err := r.st.DB().QueryContext(ctx, `SELECT * FROM sales_items ORDER BY rowid`)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Close()
	if cols, err = res.Columns(); err != nil {
		b.Fatal(err)
	}
	for res.Next() {
		vals := make([]any, len(cols))
		dst := make([]any, len(cols))
		for i := range vals {
			dst[i] = &vals[i]
		}
		if err := res.Scan(dst...); err != nil {
			b.Fatal(err)
		}
		row := make([]driver.Value, len(cols))
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			row[i] = v
		}
		rows = append(rows, row)
	}
	if err := res.Err(); err != nil {
		b.Fatal(err)
	}
	if len(rows) == 0 {
		b.Fatal("the sync stored no lines")
	}
	return cols, rows
}
