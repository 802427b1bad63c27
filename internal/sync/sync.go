// Package sync brings one Odoo connection's sales into the store: products and inventory, then orders and
// their lines, incrementally and exactly once.
//
// A pass lists what changed (ids and write_dates only) in a window that ends at the server's clock when the
// pass began, compares that with what is stored, and reads whole only the orders that differ: each order's lines
// first, then the order, written together with the webhook events the change causes, in one transaction. The
// cursor it saves never passes a safe horizon (the server's time minus a visibility lag), and every pass
// re-lists a recheck window behind the cursor, so rows that commit late in Odoo are still found. A month-by-
// month reconciliation (read_group counts and newest write_dates) catches what no cursor can: deletions,
// restored records, transactions longer than the window. docs/sync.md explains why each piece is there.
package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// Source is what a sync needs from Odoo; *odoo.Client implements it.
type Source interface {
	Login(ctx context.Context) (odoo.Session, error)
	// Session is what the last Login learned, and false before one.
	Session() (odoo.Session, bool)
	// ServerTime is Odoo's clock as its newest answer's Date header said.
	ServerTime() (time.Time, bool)
	// DatabaseUUID is Odoo's database.uuid, "" when the API user may not read it.
	DatabaseUUID(ctx context.Context) (string, error)
	Stamps(ctx context.Context, model string, since time.Time, pageSize int, fn func(page []odoo.Stamp) error) (time.Time, error)
	StampsOr(ctx context.Context, model string, since time.Time, also odoo.Domain, pageSize int, fn func(page []odoo.Stamp) error) (time.Time, error)
	MonthStats(ctx context.Context, model string, d odoo.Domain, dateField string) ([]odoo.MonthStat, error)
	StampsWhere(ctx context.Context, model string, d odoo.Domain, pageSize int, fn func(page []odoo.Stamp) error) error
	// OrderLinesOf hands fn pages that fn may keep (each page is a new slice).
	OrderLinesOf(ctx context.Context, orderIDs []int64, pageSize int, fn func(page []odoo.OrderLine) error) error
	OrdersByID(ctx context.Context, ids []int64) ([]odoo.Order, error)
	ProductsWhere(ctx context.Context, d odoo.Domain, pageSize int, fn func(page []odoo.Product) error) error
	IDs(ctx context.Context, model string, d odoo.Domain, pageSize int, fn func(ids []int64) error) error
}

var _ Source = (*odoo.Client)(nil)

// Outbox records the webhook events of order changes inside the transaction that stores them.
type Outbox interface {
	// OutboxRecord stores one event per change and returns the ids of the deliveries to enqueue once the
	// transaction commits. Recording an event that already exists is a no-op. The changes' orders and items
	// are reused once it returns: it must not keep them.
	OutboxRecord(ctx context.Context, tx store.Executor, conn *store.Connection, changes []Change) ([]int64, error)
}

// Change is an order whose stored version moved: a new confirmed order, or a stored one that changed.
type Change struct {
	Prev    *store.Order // nil when the order was not stored before
	Order   *store.Order
	Items   []*store.Item // the order's product lines after the change
	Version time.Time     // max(order write_date, its lines' write_dates): identifies the change
}

// firstStatistics is how many inserted rows make a sync first refresh the planner's statistics.
const firstStatistics = 10000

// Models whose cursors live in sync_state, and the pseudo-models that record a connection's sync history there.
const (
	ModelOrder   = "sale.order"
	ModelLine    = "sale.order.line"
	ModelProduct = "product.product"
	ModelQuant   = "stock.quant"

	modelBaseline   = "_baseline"   // present once the connection's first sync has finished
	modelClock      = "_clock"      // the server's clock (write_date) and ours (updated_at) at the last pass
	modelReconciled = "_reconciled" // when the whole history was last reconciled (updated_at)
	modelRecent     = "_recent"     // when the recent months were last reconciled (updated_at)
)

// Defaults of the Syncer's timing settings.
const (
	DefaultLag            = 2 * time.Minute
	DefaultRecheck        = time.Hour
	DefaultRecentEvery    = 10 * time.Minute
	DefaultReconcileEvery = 24 * time.Hour
)

// Progress reports how far a pass is; Total is 0 when unknown.
type Progress struct {
	Connection string
	Stage      string // products, orders, lines, reconcile
	Done       int64
	Total      int64
}

// Syncer syncs connections into a store.
type Syncer struct {
	Store    store.Store
	Outbox   Outbox // nil: no webhook events
	Log      *slog.Logger
	PageSize int // records per Odoo call (default 500); change listings use ten times as many
	// Lag is how far behind the server's clock the saved cursor stays: transactions that commit within it of
	// their start are always seen by the next pass (default 2m).
	Lag time.Duration
	// Recheck is how far behind its cursor each pass compares write_dates again: it finds rows committed up to
	// Lag+Recheck after their write_date (default 1h).
	Recheck time.Duration
	// RecentEvery is how often the current and previous months are reconciled (0: DefaultRecentEvery; negative:
	// after every pass), ReconcileEvery the whole history (0: DefaultReconcileEvery; negative: never
	// automatically).
	RecentEvery, ReconcileEvery time.Duration
	// SendHistory emits events for the orders found by a connection's first sync too; by default the first
	// sync is a baseline and only later changes are sent.
	SendHistory bool
	Progress    func(Progress)
	// Now is the local clock (tests: the fake's). Odoo's clock is read from its answers.
	Now func() time.Time
	// Circuit is the Odoo circuit breaker (zero: none).
	Circuit CircuitPolicy
}

// Options are per-run choices.
type Options struct {
	// Full re-reads everything and reconciles ids, marking orders and lines deleted in Odoo as removed.
	Full bool
	// Reconcile compares the whole history month by month with Odoo, whenever it last ran.
	Reconcile bool
	// Fence, when set, runs first in every transaction that writes the connection's data, cursors or log, and
	// its error aborts the pass: serve checks there that this process still holds the connection's lease as
	// when the pass started, so a process that lost it (paused past its expiry) never writes after the next
	// holder began.
	Fence func(ctx context.Context, tx store.Executor) error
}

// fence runs o.Fence in tx, when set.
func (o Options) fence(ctx context.Context, tx store.Executor) error {
	if o.Fence == nil {
		return nil
	}
	return o.Fence(ctx, tx)
}

// Result is what one run did.
type Result struct {
	LogID              int64
	Kind               string           // initial (the connection's first), incremental or full
	Fetched            int64            // records read from Odoo (listed or read whole)
	Records            map[string]int64 // Fetched by Odoo model (sale.order, sale.order.line, product.product, stock.quant)
	Inserted           int64
	Updated            int64
	Removed            int64
	Events             int
	DeliveryIDs        []int64 // to enqueue (already committed)
	Products           int
	ProductsWithoutSKU int
	Renamed            int // products whose SKU changed
	Reconciled         []time.Time
	ServerVersion      string
	// Apps says which Odoo apps were found installed, when that is new (the connection's first pass) or
	// changed since the last pass; "" otherwise. It is one of the Notes too.
	Apps     string
	Notes    []string // what the sync log's details say
	Duration time.Duration
	// Skipped: the pass did not run, the Odoo circuit being open (the error is a *CircuitOpenError).
	Skipped bool
	// CircuitFailures counts the consecutive passes that failed because Odoo was unavailable, this one
	// included; CircuitOpenUntil is set when that opened the circuit.
	CircuitFailures  int
	CircuitOpenUntil time.Time
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Syncer) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return odoo.DefaultPageSize
}

func (s *Syncer) listSize() int { return s.pageSize() * 10 }

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (s *Syncer) progress(p Progress) {
	if s.Progress != nil {
		s.Progress(p)
	}
}

// Sync runs one sync of conn from src and records it in sync_logs.
func (s *Syncer) Sync(ctx context.Context, conn *store.Connection, src Source, opts Options) (Result, error) {
	start := s.now().Truncate(time.Microsecond) // as stored: the log row is found by it
	log := s.logger().With("connection", conn.Name)
	res := Result{Kind: "incremental"}
	var cursors map[string]*store.SyncCursor
	if err := s.retry(ctx, log, nil, "read the cursors", func() error {
		var err error
		cursors, err = s.Store.SyncCursorList(ctx, conn.ID)
		return err
	}); err != nil {
		return res, err
	}
	if opts.Full {
		res.Kind = "full"
	} else if _, ok := cursors[modelBaseline]; !ok {
		// Known before the log row is written, so that a first pass cut short is logged as the initial one.
		res.Kind = "initial"
	}
	var trial bool
	var row *store.Connection // the connection's row as read for this pass (nil: not read yet)
	if s.Circuit.Failures > 0 {
		var err error
		if trial, row, err = s.circuitBefore(ctx, conn); err != nil {
			var open *CircuitOpenError
			if errors.As(err, &open) {
				res.Skipped = true
				err = errors.Join(err, s.recordSkip(ctx, conn, res.Kind, start, open))
			}
			return res, err
		}
	}
	logRow := &store.SyncLog{ConnectionID: conn.ID, Kind: res.Kind, StartedAt: start, Status: store.SyncRunning}
	// A pass must be recorded: on a lost connection, again on a new one.
	tries := 0
	if err := s.retry(ctx, log, nil, "open the sync log", func() error {
		if tries++; tries > 1 {
			// The insert may have committed before its answer was lost: then its row is this pass's.
			logs, err := s.Store.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: conn.ID, Limit: 1})
			if err != nil {
				return err
			}
			if len(logs) == 1 && logs[0].Status == store.SyncRunning && logs[0].StartedAt.Equal(start) {
				logRow.ID = logs[0].ID
				return nil
			}
		}
		return s.Store.Tx(ctx, func(tx store.Executor) error {
			if err := opts.fence(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.SyncLogMarkInterrupted(ctx, conn.ID); err != nil {
				return err
			}
			_, err := tx.SyncLogInsert(ctx, logRow)
			return err
		})
	}); err != nil {
		return res, err
	}
	res.LogID = logRow.ID
	r, err := s.pass(ctx, conn, src, opts, &res, cursors, row)
	if s.Circuit.Failures > 0 {
		if cerr := r.circuitAfter(ctx, err, trial); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	res.Duration = s.now().Sub(start)

	finished := s.now()
	logRow.FinishedAt = &finished
	logRow.RecordsFetched, logRow.RecordsInserted, logRow.RecordsUpdated, logRow.RecordsRemoved = res.Fetched, res.Inserted, res.Updated, res.Removed
	logRow.Details = r.details()
	logRow.Kind = res.Kind
	logRow.Status = store.SyncOK
	switch {
	case err != nil && ctx.Err() != nil:
		// The caller stopped the run (Ctrl-C, SIGTERM): nothing failed, and its cause says why.
		logRow.Status, logRow.Error = store.SyncInterrupted, context.Cause(ctx).Error()
	case errors.Is(err, odoo.ErrStopped):
		// The caller is stopping (a service's SIGTERM) while the pass waited to retry an Odoo call.
		logRow.Status, logRow.Error = store.SyncInterrupted, err.Error()
	case err != nil:
		logRow.Status, logRow.Error = store.SyncFailed, err.Error()
	}
	// The log must be written even when the run was cancelled, and on a new connection when the pass lost its;
	// the cursors the finished stages saved go in the same transaction.
	logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	saved := make([]*store.SyncCursor, 0, len(r.saved))
	for _, c := range r.saved {
		saved = append(saved, c)
	}
	slices.SortFunc(saved, func(a, b *store.SyncCursor) int { return strings.Compare(a.Model, b.Model) })
	lerr := s.retry(logCtx, log, nil, "record the pass in sync_logs", func() error {
		return s.Store.Tx(logCtx, func(tx store.Executor) error {
			if err := opts.fence(logCtx, tx); err != nil {
				return err
			}
			for _, c := range saved {
				if err := tx.SyncCursorSet(logCtx, c); err != nil {
					return err
				}
			}
			return tx.SyncLogUpdate(logCtx, logRow)
		})
	})
	if lerr != nil && (len(saved) > 0 || errors.Is(lerr, store.ErrLeaseLost)) {
		// The pass is recorded without its cursors (the next pass lists again from the older ones), and says so.
		err = errors.Join(err, fmt.Errorf("save the cursors: %w", lerr))
		if logRow.Status == store.SyncOK {
			logRow.Status = store.SyncFailed
		}
		logRow.Error = err.Error()
		lerr = s.retry(logCtx, log, nil, "record the pass in sync_logs", func() error { return s.Store.SyncLogUpdate(logCtx, logRow) })
	}
	if lerr != nil {
		err = errors.Join(err, lerr)
	}
	return res, err
}

// Stopped reports whether a pass's error says it was stopped by its caller (ctx ended, or its stop signal came
// while it waited to retry an Odoo call: odoo.WithStop) rather than failed.
func Stopped(ctx context.Context, err error) bool {
	return err != nil && (ctx.Err() != nil || errors.Is(err, odoo.ErrStopped))
}

// passAttempts bounds how often a pass starts over after losing the database connection.
const passAttempts = 3

// pass runs the pass, and runs it again when it failed because the database connection was lost outside the
// transactions that are retried on their own (a read, say). A pass is idempotent as a whole: what it committed
// stays, and the next attempt lists again and reads only what is missing or differs, as after a crash.
func (s *Syncer) pass(ctx context.Context, conn *store.Connection, src Source, opts Options, res *Result, cursors map[string]*store.SyncCursor, row *store.Connection) (*run, error) {
	var r *run
	var err error
	for attempt := 1; ; attempt++ {
		next := &run{s: s, conn: conn, src: src, opts: opts, res: res, nextStatistics: firstStatistics, lost: new(int),
			cursors: cursors, saved: map[string]*store.SyncCursor{}, row: row}
		if r != nil {
			// The clock step the last attempt found is not found again: it recorded the clock. Its saved cursors
			// stay saved; the cursors and the connection are read again.
			next.stepFrom, next.noSKU, next.lost, next.saved, next.cursors, next.row = r.stepFrom, r.noSKU, r.lost, r.saved, nil, nil
		}
		r = next
		err = r.do(ctx)
		// An Odoo call that could not connect wraps the same network errors; it has its own retries and circuit.
		if err == nil || !store.ConnectionLost(err) || odoo.CallFailed(err) || attempt == passAttempts || ctx.Err() != nil {
			return r, err
		}
		r.note("the database connection was lost (%v); the pass started over on a new one", err)
		r.log().Warn("lost the database connection; starting the pass over", "attempt", attempt+1, "err", err)
		if err := sleep(ctx, time.Second); err != nil {
			return r, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retry runs fn, again on a new connection while it fails because the database connection was lost (see
// store.Retry), and counts those losses in lost (if not nil); fn must be idempotent as a whole.
func (s *Syncer) retry(ctx context.Context, log *slog.Logger, lost *int, what string, fn func() error) error {
	return store.Retry(ctx, func(err error, delay time.Duration) {
		if lost != nil {
			*lost++
		}
		log.Warn("lost the database connection; trying again on a new one", "doing", what, "in", delay, "err", err)
	}, fn)
}

func (s *Syncer) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// retry is Syncer.retry for this pass; the sync log's details say how often the connection was lost.
func (r *run) retry(ctx context.Context, what string, fn func() error) error {
	return r.s.retry(ctx, r.log(), r.lost, what, fn)
}

// tx runs fn in a transaction, again on a new connection if the connection is lost: fn must be idempotent as a
// whole (a cursor is an upsert) and must change nothing outside the transaction.
func (r *run) tx(ctx context.Context, what string, fn func(tx store.Executor) error) error {
	return r.retry(ctx, what, func() error { return r.s.Store.Tx(ctx, r.fenced(ctx, fn)) })
}

// fenced is fn after the pass's fence.
func (r *run) fenced(ctx context.Context, fn func(tx store.Executor) error) func(tx store.Executor) error {
	return func(tx store.Executor) error {
		if err := r.opts.fence(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	}
}

// run is the state of one Sync call.
type run struct {
	s              *Syncer
	conn           *store.Connection
	src            Source
	opts           Options
	res            *Result
	products       map[int64]productInfo
	written        int64 // rows inserted by this run
	nextStatistics int64 // refresh the planner's statistics when written reaches this
	baseline       bool  // first sync: store, but emit no events
	initial        bool  // no cursor yet: everything is new
	// noOrders is set when the pass began with no order of the connection stored (a first pass, not resumed):
	// the pass then reads no stored order before writing (it alone writes the connection's orders).
	noOrders bool
	syncedAt time.Time
	// stepFrom is, when the server's clock stepped back since the last pass, the earliest write_date that rows
	// written after the step can carry (zero: no step).
	stepFrom time.Time
	// sold collects the products of the lines of the orders that changed, and of the lines that left them:
	// their forecast quantities moved.
	sold map[int64]bool
	// moved collects the products of the done stock moves read this pass: their stock on hand moved.
	moved map[int64]bool
	// movesListed is the server's clock at this pass's listing of the stock history (zero: not listed). The
	// stock step reads the stock of the moved products before it saves the history's cursor there.
	movesListed time.Time
	// mods are the installed apps, asked once a pass (nil: not yet).
	mods *odoo.Modules
	// noSKU holds the products read without an internal reference, counted once however often read.
	noSKU map[int64]bool
	// lost counts the store operations tried again because the database connection was lost (shared by the
	// attempts of a pass).
	lost *int
	// cursors are the connection's cursors as stored when this attempt began (see cursor); saved are those the
	// pass's finished stages moved, written when the pass is recorded (shared by the attempts of a pass).
	cursors map[string]*store.SyncCursor
	saved   map[string]*store.SyncCursor
	// row is the connection's row as Sync read it for this pass (its Odoo circuit), nil when it did not.
	row *store.Connection
	// itemSlab and orderSlab hold the rows of the group being written; the next group reuses them.
	itemSlab  []store.Item
	orderSlab []store.Order
}

type productInfo struct {
	sku, name string
}

func (r *run) log() *slog.Logger {
	return r.s.logger().With("connection", r.conn.Name)
}

// note records something the sync log's details must say, and logs it.
func (r *run) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.res.Notes = append(r.res.Notes, msg)
	r.log().Info(msg)
}

// NoSKUNote is what the sync log and the commands say of n products read without an internal reference.
func NoSKUNote(n int) string {
	if n == 1 {
		return "1 product has no internal reference (default_code); it is keyed as ID:<product id>"
	}
	return fmt.Sprintf("%d products have no internal reference (default_code); they are keyed as ID:<product id>", n)
}

func (r *run) details() string {
	notes := r.res.Notes
	r.res.ProductsWithoutSKU = len(r.noSKU)
	if r.res.ProductsWithoutSKU > 0 {
		notes = append([]string{NoSKUNote(r.res.ProductsWithoutSKU)}, notes...)
	}
	if *r.lost > 0 {
		notes = append(notes, fmt.Sprintf("the database connection was lost during %d write(s); each was done again on a new connection", *r.lost))
	}
	return strings.Join(notes, "; ")
}

func (r *run) do(ctx context.Context) error {
	r.syncedAt = r.s.now()
	r.sold, r.moved = map[int64]bool{}, map[int64]bool{}
	if r.noSKU == nil {
		r.noSKU = map[int64]bool{}
	}
	if _, err := r.cursor(ctx, modelBaseline); errors.Is(err, store.ErrNotFound) {
		r.baseline = !r.s.SendHistory
		r.initial = true
		if !r.opts.Full {
			r.res.Kind = "initial"
		}
	} else if err != nil {
		return err
	}
	// A client kept between passes (a service) keeps its session and field lists: an idle pass then costs only
	// its listings. An expired session is renewed by the client when Odoo says so.
	sess, ok := r.src.Session()
	if !ok {
		var err error
		if sess, err = r.src.Login(ctx); err != nil {
			return err
		}
	}
	// Nothing is read or written before the connection is known to reach the database its data came from.
	if err := r.checkIdentity(ctx); err != nil {
		return err
	}
	r.res.ServerVersion = sess.Version.String()
	if r.res.ServerVersion != r.conn.ServerVersion {
		v := r.res.ServerVersion
		if _, err := r.s.Store.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: r.conn.ID, ServerVersion: &v}); err != nil {
			return err
		}
	}
	if err := r.syncProducts(ctx); err != nil {
		return fmt.Errorf("products: %w", err)
	}
	if err := r.syncOrders(ctx); err != nil {
		return err
	}
	if err := r.syncStock(ctx); err != nil {
		return fmt.Errorf("stock: %w", err)
	}
	if err := r.syncSupply(ctx); err != nil {
		return fmt.Errorf("manufacturing and purchasing: %w", err)
	}
	if r.opts.Full {
		if err := r.sweep(ctx); err != nil {
			return fmt.Errorf("reconcile deleted records: %w", err)
		}
	} else if err := r.reconcileIfDue(ctx); err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if r.initial { // once there, the baseline says nothing more
		r.keep(&store.SyncCursor{ConnectionID: r.conn.ID, Model: modelBaseline, LastID: 1, UpdatedAt: r.s.now()})
	}
	return nil
}

// skuOf keys a product by its internal reference, or by a stable fallback when it has none.
func skuOf(p odoo.Product) string {
	if p.DefaultCode != "" {
		return p.DefaultCode
	}
	return fmt.Sprintf("ID:%d", p.ID)
}

// fetched counts n records of model read from Odoo.
func (r *run) fetched(model string, n int) {
	if n == 0 {
		return
	}
	if r.res.Records == nil {
		r.res.Records = map[string]int64{}
	}
	r.res.Records[model] += int64(n)
	r.res.Fetched += int64(n)
}
