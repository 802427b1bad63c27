package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"time"

	msqlite "modernc.org/sqlite"
)

// The statement cache. modernc.org/sqlite compiles every statement given to db.Exec and db.Query anew
// (sqlite3_prepare_v2 runs SQLite's whole parser, transpiled to Go), while the busiest statements are a few
// strings run thousands of times: River's per-job state update, the delivery worker's reads, the sync's
// upserts. Before the cache, parsing was 30% of the CPU of a busy delivery queue. Each connection keeps its
// recently used statements prepared and runs them again with new arguments.

// Cache bounds per connection. Statements longer than cacheMaxQuery (multi-row inserts, long IN lists) are
// seldom run twice with the same text and are not kept.
const (
	cacheMaxStmts = 64
	cacheMaxQuery = 16 << 10
)

// connector opens modernc.org/sqlite connections wrapped in a statement cache (the interposition point the
// driver documents on NewConnector). The wrapper also turns the file's errors into ones that say what to do.
type connector struct {
	driver.Connector
	fe fileErrors
}

func newConnector(dsn string, fe fileErrors) (driver.Connector, error) {
	base, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return connector{base, fe}, nil
}

// Connect opens a connection and runs the DSN's pragmas. A connection opened while another one switches a new
// file to WAL can be answered busy at once, SQLite skipping its busy handler where waiting could deadlock (8
// connections opening one new file together, 200 times: 6 to 15 of the 1,600 opens failed, and CI's ten
// commands started at once on a new file met it); it is opened again, for as long as the busy timeout.
func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	deadline := time.Now().Add(c.fe.timeout)
	var conn driver.Conn
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		var err error
		if conn, err = c.Connector.Connect(ctx); err == nil {
			break
		}
		err = c.fe.wrap(err)
		var locked *LockedError
		if !errors.As(err, &locked) || time.Now().Add(delay).After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
	}
	cc, err := newCachingConn(conn)
	if err != nil {
		return nil, err
	}
	cc.fe = c.fe
	return cc, nil
}

// inner is what the cache needs of a modernc.org/sqlite connection.
type inner interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a connection with its statement cache. database/sql uses a connection from one goroutine
// at a time, so the cache needs no lock; a statement can still be asked for while its own rows are open
// (a query inside a loop over another's rows), which busy guards.
type cachingConn struct {
	inner
	lru   *list.List // of *cachedStmt, most recently used first
	bySQL map[string]*list.Element
	fe    fileErrors
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool // its rows are open
}

var (
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

func newCachingConn(c driver.Conn) (*cachingConn, error) {
	in, ok := c.(inner)
	if !ok {
		_ = c.Close()
		return nil, errors.New("sqlite: the driver's connection " + reflect.TypeOf(c).String() + " lacks the context methods the statement cache needs")
	}
	return &cachingConn{inner: in, lru: list.New(), bySQL: make(map[string]*list.Element)}, nil
}

// stmt returns the cached statement for query, preparing it if needed, or nil when query is not to be
// cached or its statement is busy (the caller then runs query uncached).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if len(query) > cacheMaxQuery {
		return nil, nil
	}
	if el, ok := c.bySQL[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return cs, nil
	}
	st, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, stmt: st}
	c.bySQL[query] = c.lru.PushFront(cs)
	for el := c.lru.Back(); c.lru.Len() > cacheMaxStmts && el != nil; {
		prev := el.Prev()
		if old := el.Value.(*cachedStmt); !old.busy {
			c.drop(el)
		}
		el = prev
	}
	return cs, nil
}

// drop closes a statement and forgets it.
func (c *cachingConn) drop(el *list.Element) {
	cs := el.Value.(*cachedStmt)
	c.lru.Remove(el)
	delete(c.bySQL, cs.query)
	_ = cs.stmt.Close()
}

// failed forgets a statement whose run failed: whatever state the error left it in is not reused.
func (c *cachingConn) failed(cs *cachedStmt) {
	if el, ok := c.bySQL[cs.query]; ok && el.Value == cs {
		c.drop(el)
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.exec(ctx, query, args)
	return res, c.fe.wrap(err)
}

func (c *cachingConn) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.inner.ExecContext(ctx, query, args)
	}
	res, err := cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.failed(cs)
	}
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.query(ctx, query, args)
	return rows, c.fe.wrap(err)
}

func (c *cachingConn) query(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.inner.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.failed(cs)
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, conn: c, cs: cs}, nil
}

// BeginTx is where a writer waits for another's lock (transactions are immediate), and the commit where a
// write reaches the file.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.fe.wrap(err)
	}
	return wrappedTx{tx, c.fe}, nil
}

type wrappedTx struct {
	driver.Tx
	fe fileErrors
}

func (t wrappedTx) Commit() error { return t.fe.wrap(t.Tx.Commit()) }

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		_ = el.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.bySQL)
	return c.inner.Close()
}

// cachedRows gives its statement back when closed (modernc.org/sqlite resets it then).
type cachedRows struct {
	driver.Rows
	conn *cachingConn
	cs   *cachedStmt
}

// Next and Close step and reset the statement: a write that returns rows (INSERT ... RETURNING) fails in one of
// them, so its file errors (a lock, a full disk) are named here like the others.
func (r *cachedRows) Next(dest []driver.Value) error { return r.conn.fe.wrap(r.Rows.Next(dest)) }

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if err != nil {
		r.conn.failed(r.cs)
	}
	return r.conn.fe.wrap(err)
}

// The column type methods modernc.org/sqlite's rows have, for sql.Rows.ColumnTypes.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
