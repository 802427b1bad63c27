package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/salesengine/salesengine/internal/store"
)

// The sync's bulk writes (orders and lines: tens of thousands of rows on a first sync) go through typed tables:
// each row's values are appended straight from the struct, and on PostgreSQL large batches travel as binary
// COPY data encoded here, with no per-value boxing or reflection (pgx's array encoding boxed every element of
// every unnest column, and grew a buffer of the whole batch twice per statement).

// table is an upsertSpec with typed access to its rows.
type table[T any] struct {
	upsertSpec
	// bind appends r's values in cols order.
	bind func(b *binder, dst []any, r T) []any
	// copy appends r as a binary COPY tuple (PostgreSQL), cols in order and typed as pgTypes; nil: no COPY.
	copy func(c *copyEncoder, r T)
}

// copyMinRows is the smallest batch loaded through COPY: below it, one unnest statement is a single round
// trip where COPY takes three (create the load table, copy, insert).
const copyMinRows = 256

// Copier is a Dialect that can bulk-load with COPY FROM STDIN on a transaction's connection (PostgreSQL).
type Copier interface {
	CopyFrom(ctx context.Context, conn *sql.Conn, query string, data io.Reader) error
}

// upsertRows writes rows, which are new or changed, into t.
func upsertRows[T any](ctx context.Context, e *Exec, t table[T], rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	b := &binder{d: e.d}
	if e.d.Name() == store.DialectPostgres {
		if _, ok := e.d.(Copier); ok && t.copy != nil && len(rows) >= copyMinRows && e.loads.allowed(ctx, e) {
			return e.atomically(ctx, func(e *Exec) error { return upsertCopy(ctx, e, t, rows) })
		}
		boxed := make([][]any, len(rows))
		for i, r := range rows {
			boxed[i] = t.bind(b, make([]any, 0, len(t.cols)), r)
		}
		return e.upsert(ctx, t.upsertSpec, boxed)
	}
	if err := e.insertValues(ctx, t.table, t.cols, len(rows), func(dst []any, i int) []any { return t.bind(b, dst, rows[i]) },
		t.conflict()); err != nil {
		return fmt.Errorf("upsert %s: %w", t.table, err)
	}
	return nil
}

// insertNew writes rows of t that the caller did not find stored, on SQLite. They go as INSERT OR IGNORE: for
// sales_orders and sales_items, whose foreign key is deferred to the commit (SQLite migration 0009), nothing can then
// abort such a statement midway, so SQLite keeps no statement journal for it (it copies every page a statement
// touches into one when the statement may abort after a partial change, as an upsert may on any NOT NULL or key
// check): 5-8% less CPU for a first sync. A row the IGNORE skipped was stored after all (a line marked
// removed, which the sync does not read back) or breaks a constraint: its statement's rows are written again as
// an upsert, which updates the one and fails on the other as before.
func insertNew[T any](ctx context.Context, e *Exec, t table[T], rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	b := &binder{d: e.d}
	var shared []int // what the rows of a sync's batch have in common (removed_at: NULL)
	for i, c := range t.cols {
		switch c {
		case "connection_id", "removed_at", "synced_at", "updated_at":
			shared = append(shared, i)
		}
	}
	short, err := e.insertStatements(ctx, "INSERT OR IGNORE", t.table, t.cols, shared, len(rows),
		func(dst []any, i int) []any { return t.bind(b, dst, rows[i]) }, "")
	if err != nil {
		return fmt.Errorf("insert into %s: %w", t.table, err)
	}
	for _, r := range short {
		if err := upsertRows(ctx, e, t, rows[r.start:r.start+r.n]); err != nil {
			return err
		}
	}
	return nil
}

// loadState is whether the database user may create temporary tables (PostgreSQL's TEMPORARY privilege,
// granted to every user by default), asked once per store; without it, batches go through unnest.
type loadState struct {
	state atomic.Int32 // 0 not known yet, 1 allowed, 2 denied
}

func (l *loadState) allowed(ctx context.Context, e *Exec) bool {
	if l == nil {
		return false
	}
	switch l.state.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	var ok bool
	if err := e.queryRow(ctx, `SELECT has_database_privilege(current_database(), 'TEMPORARY')`).Scan(&ok); err != nil {
		return false // asked again next time
	}
	if ok {
		l.state.Store(1)
	} else {
		l.state.Store(2)
	}
	return ok
}

// upsertCopy copies rows into a temporary table of the session (created on its first use, emptied at every
// commit), then moves them into t with one INSERT ... ON CONFLICT. e is a transaction.
func upsertCopy[T any](ctx context.Context, e *Exec, t table[T], rows []T) error {
	if e.conn == nil {
		return fmt.Errorf("upsert %s: COPY needs the transaction's connection", t.table)
	}
	load := "pg_temp.load_" + t.table
	cols := strings.Join(t.cols, ", ")
	defs := make([]string, len(t.cols))
	for i, c := range t.cols {
		defs[i] = c + " " + t.pgTypes[i]
	}
	if _, err := e.q.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS load_"+t.table+" ("+strings.Join(defs, ", ")+") ON COMMIT DELETE ROWS"); err != nil {
		return fmt.Errorf("upsert %s: create the load table: %w", t.table, err)
	}
	enc := newCopyEncoder(len(t.cols), len(rows), func(c *copyEncoder, i int) { t.copy(c, rows[i]) })
	defer enc.release()
	if err := e.d.(Copier).CopyFrom(ctx, e.conn, "COPY "+load+" ("+cols+") FROM STDIN (FORMAT binary)", enc); err != nil {
		return fmt.Errorf("upsert %s: copy: %w", t.table, err)
	}
	// The DELETE empties the load table for a second batch in the same transaction.
	q := "WITH batch AS (DELETE FROM " + load + " RETURNING " + cols + ") INSERT INTO " + t.table + " (" + cols + ") SELECT " +
		cols + " FROM batch" + t.conflict()
	if _, err := e.q.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("upsert %s: %w", t.table, err)
	}
	return nil
}

// binder binds values for one batch, reusing the bound form of a timestamp bound a little earlier in it: every
// row of a pass shares its synced_at, and the lines of an order their order's dates. On SQLite a timestamp is
// bound as text, so each reuse saves formatting it. The cache is a small table indexed by the instant: a miss
// only costs the formatting.
//
// Other values that repeat from row to row (an order's name and id on each of its lines; the states, units,
// currencies and product names the Odoo decoder shares within a page; products, quantities, prices) are boxed
// into an any once and reused the same way: boxing a number or a string allocates, and was most of a first
// sync's allocations. Strings are known by their bytes' address (the decoder's shared strings have one), so
// equal strings apart are boxed apart; values unique to a row (ids of lines, amounts) are not worth a slot.
type binder struct {
	d     Dialect
	times [64]struct {
		t time.Time
		v any
	}
	strs [64]struct {
		p *byte
		n int
		v any
	}
	ints, floats [64]struct {
		k uint64
		v any
	}
}

// slot is a cache index of size 64 for the 64-bit key k.
func slot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 58 }

// str boxes s, reusing the box of the same string bound a little earlier.
func (b *binder) str(s string) any {
	if s == "" {
		return s // boxing the empty string does not allocate
	}
	p := unsafe.StringData(s)
	e := &b.strs[slot(uint64(uintptr(unsafe.Pointer(p)))^uint64(len(s)))]
	if e.p != p || e.n != len(s) {
		e.p, e.n, e.v = p, len(s), s
	}
	return e.v
}

// int boxes v as int64, reusing a box of the same value.
func (b *binder) int(v int64) any {
	if uint64(v) < 256 {
		return v // small values are boxed without allocating
	}
	e := &b.ints[slot(uint64(v))]
	if e.v == nil || e.k != uint64(v) {
		e.k, e.v = uint64(v), v
	}
	return e.v
}

// float boxes v as float64, reusing a box of the same value.
func (b *binder) float(v float64) any {
	k := math.Float64bits(v)
	if k == 0 {
		return v // as a small int
	}
	e := &b.floats[slot(k)]
	if e.v == nil || e.k != k {
		e.k, e.v = k, v
	}
	return e.v
}

// nullInt is nullInt(v), boxed through the cache.
func (b *binder) nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return b.int(v)
}

func (b *binder) time(t time.Time) any {
	h := uint64(t.Unix())*1_000_000_007 + uint64(t.Nanosecond())
	e := &b.times[slot(h)]
	if e.v != nil && e.t.Equal(t) {
		return e.v
	}
	e.t, e.v = t, b.d.Time(t)
	return e.v
}

func (b *binder) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return b.time(*t)
}

// copyEncoder is an io.Reader of PostgreSQL's binary COPY format for n rows, encoding them as they are read, a
// few tens of kilobytes at a time: memory stays flat however large the batch.
type copyEncoder struct {
	buf    *[]byte // from copyBufs
	b      []byte
	off    int // read position in b
	cols   int
	next   int // next row to encode
	n      int
	encode func(c *copyEncoder, i int)
	done   bool
}

// copyChunk is how much encoded data the encoder gathers before handing it out.
const copyChunk = 32 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2*copyChunk); return &b }}

// postgresEpoch is 2000-01-01 00:00:00 UTC, where PostgreSQL's binary timestamps count from, in Unix seconds.
const postgresEpoch = 946684800

func newCopyEncoder(cols, n int, encode func(c *copyEncoder, i int)) *copyEncoder {
	buf := copyBufs.Get().(*[]byte)
	c := &copyEncoder{buf: buf, b: (*buf)[:0], cols: cols, n: n, encode: encode}
	c.b = append(c.b, "PGCOPY\n\377\r\n\000"...)
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // flags
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // header extension length
	return c
}

func (c *copyEncoder) release() {
	if cap(c.b) <= 4*copyChunk { // a row larger than a chunk grew it: let that one go
		*c.buf = c.b[:0]
		copyBufs.Put(c.buf)
	}
	c.buf, c.b = nil, nil
}

func (c *copyEncoder) Read(p []byte) (int, error) {
	if c.off == len(c.b) {
		if c.done {
			return 0, io.EOF
		}
		c.b, c.off = c.b[:0], 0
		for len(c.b) < copyChunk && c.next < c.n {
			start := len(c.b)
			c.b = binary.BigEndian.AppendUint16(c.b, uint16(c.cols))
			c.encode(c, c.next)
			if got := c.fields(start); got != c.cols {
				return 0, fmt.Errorf("copy row %d: %d values for %d columns", c.next, got, c.cols)
			}
			c.next++
		}
		if c.next == c.n {
			c.b = binary.BigEndian.AppendUint16(c.b, 0xffff) // trailer: -1
			c.done = true
		}
	}
	n := copy(p, c.b[c.off:])
	c.off += n
	return n, nil
}

// fields counts the values of the tuple starting at start (a check that encode wrote one per column).
func (c *copyEncoder) fields(start int) int {
	i, n := start+2, 0
	for i < len(c.b) {
		l := int32(binary.BigEndian.Uint32(c.b[i:]))
		i += 4
		if l > 0 {
			i += int(l)
		}
		n++
	}
	return n
}

func (c *copyEncoder) null() { c.b = binary.BigEndian.AppendUint32(c.b, 0xffffffff) }

func (c *copyEncoder) int8(v int64) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(v))
}

// nullInt8 writes 0 as NULL: Odoo's false many2one (as nullInt).
func (c *copyEncoder) nullInt8(v int64) {
	if v == 0 {
		c.null()
		return
	}
	c.int8(v)
}

func (c *copyEncoder) float8(v float64) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, math.Float64bits(v))
}

func (c *copyEncoder) text(s string) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

// timestamptz writes t as microseconds since 2000-01-01 UTC, truncating below the microsecond as pgx does.
func (c *copyEncoder) timestamptz(t time.Time) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	us := (t.Unix()-postgresEpoch)*1_000_000 + int64(t.Nanosecond())/1000
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(us))
}

// date writes t's calendar day as days since 2000-01-01.
func (c *copyEncoder) date(t time.Time) {
	c.b = binary.BigEndian.AppendUint32(c.b, 4)
	days := (time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() - postgresEpoch) / 86400
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(int32(days)))
}

func (c *copyEncoder) nullTimestamptz(t *time.Time) {
	if t == nil {
		c.null()
		return
	}
	c.timestamptz(*t)
}
