package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/salesengine/salesengine/internal/store"
)

// ErrDeliveryNotFound is returned (wrapped) by Deliveries.DeliveryGet when the delivery does not exist.
var ErrDeliveryNotFound = errors.New("webhook: delivery not found")

// Delivery is what the worker needs to make one attempt, read fresh from the ds each time the job runs.
type Delivery struct {
	ID           int64
	EventID      string // webhook-id
	EventType    string
	ConnectionID int64
	OrderID      int64
	WriteDate    time.Time
	Body         []byte // exact bytes stored in the outbox; signed and sent unchanged
	URL          string
	// Secrets are the connection's signing secrets, decrypted by the caller, the current one first; two
	// during rotation. Never log them.
	Secrets  []string
	State    store.DeliveryState
	Attempts int // attempts made so far
	// NextAttemptAt is when the next attempt is due (zero: now). A job that runs early (the start-up sweep
	// enqueued a delivery that is waiting for a retry) snoozes until then.
	NextAttemptAt time.Time
	// WebhookEnabled is false when the connection's webhook is disabled (by hand or after 410 Gone).
	WebhookEnabled bool
	// Circuit is the connection's persisted circuit breaker state.
	Circuit Circuit
	// EarlierPending is true while another pending delivery of the same connection and order has an earlier
	// write_date: it must go first. EarlierNextAttemptAt is the earliest next attempt among those.
	EarlierPending       bool
	EarlierNextAttemptAt time.Time
	CreatedAt            time.Time
}

// DeliveryAttemptRecordParams records one attempt and the delivery's resulting state in one ds write.
type DeliveryAttemptRecordParams struct {
	DeliveryID int64
	Attempt    int // 1-based number of this attempt
	StartedAt  time.Time
	Duration   time.Duration
	Status     int    // HTTP status, 0 when no response
	Error      string // empty when delivered
	Response   string // first bytes of the response body
	// State is the delivery's new state: pending (will retry, or parked after 410), delivered or dead.
	State store.DeliveryState
	// NextAttemptAt is when the retry is due (zero unless pending with a retry scheduled).
	NextAttemptAt time.Time
}

// Deliveries is what the worker needs from storage. The ds implements it over its deliveries, attempts and
// connections tables.
type Deliveries interface {
	// DeliveryGet returns the delivery with its connection's URL, decrypted secrets, enabled flag and circuit
	// state, and whether earlier versions of its order are pending, or an error wrapping ErrDeliveryNotFound.
	DeliveryGet(ctx context.Context, id int64) (Delivery, error)
	// DeliveryAttemptRecord appends the attempt to the log and updates the delivery (attempts = Attempt, state,
	// next_attempt_at, last status/error) atomically.
	DeliveryAttemptRecord(ctx context.Context, params DeliveryAttemptRecordParams) error
	// ConnectionWebhookDisable turns the connection's webhook off (after 410 Gone); events keep accumulating.
	ConnectionWebhookDisable(ctx context.Context, connectionID int64, reason string) error
	// ConnectionCircuitSet persists the connection's circuit breaker state.
	ConnectionCircuitSet(ctx context.Context, connectionID int64, c Circuit) error
}

// JobKind is the River job kind of a delivery job.
const JobKind = "webhook_deliver"

// DeliverArgs is the River job: the delivery id only. Everything else is re-read when the job runs, so a job
// never carries stale URLs, secrets or bodies.
type DeliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return JobKind }

// WorkerConfig configures the delivery worker.
type WorkerConfig struct {
	Deliveries Deliveries
	Sender     *Sender
	Retry      RetryPolicy
	Breaker    BreakerPolicy
	// EndpointConcurrency limits simultaneous requests per endpoint host in this process (default 16).
	EndpointConcurrency int
	Logger              *slog.Logger
	// Now and Rand are for tests; nil means time.Now and math/rand/v2.
	Now  func() time.Time
	Rand func() float64
}

// Worker is the River worker that makes delivery attempts.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]

	ds      Deliveries
	sender  *Sender
	retry   RetryPolicy
	breaker BreakerPolicy
	perHost int
	log     *slog.Logger
	now     func() time.Time
	rnd     func() float64

	mu sync.Mutex
	// persistMu orders the writes of circuit states to the ds (see persistCircuit).
	persistMu sync.Mutex
	circuits  map[int64]*connCircuit   // connection id -> in-process breaker state (authoritative here)
	sems      map[string]chan struct{} // endpoint host -> concurrency slots
	// gone holds the endpoints (connection and URL) that answered 410 Gone in this process. It is checked
	// after the endpoint slot is taken, right before sending: a delivery whose read of the connection's
	// enabled flag may predate the stored disable must not reach the endpoint. Reads made after the disable was
	// stored trust the stored flag (so re-enabling the webhook, from any process, works).
	gone map[goneKey]*goneMark
	// seq orders delivery reads against stored disables (see goneMark).
	seq atomic.Int64
}

// goneMark records a 410: disabledSeq is the worker's sequence number once the disable is stored (0 until
// then). A delivery read with a smaller sequence number may carry the stale "enabled" flag.
type goneMark struct {
	disabledSeq int64
}

// connCircuit is a connection's breaker state and its window of recent results.
type connCircuit struct {
	c   Circuit
	win BreakerWindow
	// storedAt is when c was last written to the ds; dirty while a change of c is not written yet.
	storedAt time.Time
	dirty    bool
}

type goneKey struct {
	connectionID int64
	url          string
}

var _ river.Worker[DeliverArgs] = (*Worker)(nil)

// NewWorker validates the config and builds a Worker.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Deliveries == nil {
		return nil, errors.New("webhook: worker needs a Deliveries ds")
	}
	if cfg.Sender == nil {
		return nil, errors.New("webhook: worker needs a Sender")
	}
	if cfg.Retry.MaxAttempts <= 0 || len(cfg.Retry.Schedule) == 0 {
		def := DefaultRetryPolicy()
		if cfg.Retry.MaxAttempts > 0 {
			def.MaxAttempts = cfg.Retry.MaxAttempts
		}
		cfg.Retry = def
	}
	if cfg.EndpointConcurrency <= 0 {
		cfg.EndpointConcurrency = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Worker{
		ds:       cfg.Deliveries,
		sender:   cfg.Sender,
		retry:    cfg.Retry,
		breaker:  cfg.Breaker.withDefaults(),
		perHost:  cfg.EndpointConcurrency,
		log:      cfg.Logger,
		now:      cfg.Now,
		rnd:      cfg.Rand,
		circuits: make(map[int64]*connCircuit),
		sems:     make(map[string]chan struct{}),
		gone:     make(map[goneKey]*goneMark),
	}, nil
}

// Timeout bounds one job: the request timeout plus room for the ds calls and waiting for an endpoint slot.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.sender.timeout + 30*time.Second
}

// jitter spreads short waits by up to +50% so snoozed jobs do not wake together.
func (w *Worker) jitter(d time.Duration) time.Duration {
	return d + time.Duration(float64(d)*0.5*w.rnd())
}

// Work makes at most one attempt of the delivery and records it. Retries are River snoozes (which do not count
// River attempts): the schedule, Retry-After, the attempt count and dead-lettering live in our deliveries table.
// A River error return is reserved for ds failures, which River retries with its own backoff.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	id := job.Args.DeliveryID
	readSeq := w.seq.Add(1)
	d, err := w.ds.DeliveryGet(ctx, id)
	if errors.Is(err, ErrDeliveryNotFound) {
		w.log.WarnContext(ctx, "webhook delivery vanished; nothing to do", slog.Int64("delivery_id", id))
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook: load delivery %d: %w", id, err)
	}
	if d.State != store.DeliveryPending {
		return nil // duplicate job or already finished: idempotent
	}
	if !d.WebhookEnabled {
		// Parked: the delivery stays pending and is enqueued again when the webhook is re-enabled.
		w.log.InfoContext(ctx, "webhook disabled; delivery parked", slog.Int64("delivery_id", id), slog.Int64("connection_id", d.ConnectionID))
		return nil
	}

	if early := d.NextAttemptAt.Sub(w.now()); early > 50*time.Millisecond {
		return river.JobSnooze(early)
	}

	// Deliveries of the same order go out in write_date order.
	if d.EarlierPending {
		wait := 250 * time.Millisecond
		if until := d.EarlierNextAttemptAt.Sub(w.now()); until > wait {
			wait = until
		}
		// Re-check at least every 30 s so we follow promptly once the earlier one succeeds.
		return river.JobSnooze(w.jitter(min(wait, 30*time.Second)))
	}

	// The endpoint slot is held from the circuit check until the result is recorded in the breaker, so with a
	// concurrency of one the breaker sees every result before the next request is allowed. It is given back
	// before the attempt is written to the ds: the slot limits requests to the endpoint, and holding it
	// through a commit would cap deliveries at slots / commit time.
	releaseSlot, ok := w.acquire(ctx, d.URL)
	if !ok {
		if ctx.Err() != nil {
			return river.JobSnooze(0)
		}
		return river.JobSnooze(w.jitter(500 * time.Millisecond))
	}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(releaseSlot) }
	defer release()

	if w.staleGone(ctx, d, readSeq) {
		// The endpoint answered 410 Gone after this delivery was read: it stays pending (parked) like the
		// others, and goes out once the webhook is re-enabled.
		w.log.InfoContext(ctx, "webhook endpoint gone; delivery parked", slog.Int64("delivery_id", id), slog.Int64("connection_id", d.ConnectionID))
		return nil
	}

	allowed, probe, wait, err := w.circuitAllow(ctx, d)
	if err != nil {
		return err
	}
	if !allowed {
		return river.JobSnooze(w.jitter(wait))
	}

	start := w.now()
	out := w.sender.Send(ctx, SendParams{URL: d.URL, ID: d.EventID, Timestamp: start, Body: d.Body, Secrets: d.Secrets})

	if out.Kind != OutcomeDelivered && ctx.Err() != nil {
		// Shutdown (StopAndCancel) or job timeout interrupted the attempt: it does not count. Snooze(0) makes the
		// job available at once for the next client; the retry carries the same webhook-id.
		w.log.InfoContext(ctx, "webhook delivery interrupted; will resend", slog.Int64("delivery_id", id))
		return river.JobSnooze(0)
	}

	attempt := d.Attempts + 1
	rec := DeliveryAttemptRecordParams{
		DeliveryID: id,
		Attempt:    attempt,
		StartedAt:  start,
		Duration:   out.Duration,
		Status:     out.Status,
		Response:   out.Response,
	}
	if out.Err != nil {
		rec.Error = out.Err.Error()
	}
	var snooze time.Duration
	switch out.Kind {
	case OutcomeDelivered:
		rec.State = store.DeliveryDelivered
	case OutcomeGone:
		rec.State = store.DeliveryPending // parked; replayable once the webhook is re-enabled
	case OutcomeFailed:
		rec.State = store.DeliveryDead
	default:
		if w.retry.Exhausted(attempt) {
			rec.State = store.DeliveryDead
		} else {
			rec.State = store.DeliveryPending
			snooze = w.retry.NextDelay(attempt, out.RetryAfter, w.rnd)
			rec.NextAttemptAt = w.now().Add(snooze)
		}
	}

	// The record is written with a context that survives shutdown: the request was made, its result must not
	// be lost to a cancellation that arrives just after.
	recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if out.Kind == OutcomeGone {
		// Before the slot is given back: no request that takes the slot after this one may reach the endpoint.
		w.markGone(d.ConnectionID, d.URL)
	}
	if out.Kind == OutcomeDelivered || out.Kind == OutcomeRetry {
		if err := w.circuitRecord(recCtx, d.ConnectionID, out.Kind == OutcomeDelivered, probe); err != nil {
			return err
		}
	} else if probe {
		// A probe that neither succeeded nor failed transiently (410, permanent failure) says nothing about the
		// endpoint's health: let the next delivery probe instead of waiting for the lease to expire.
		w.circuitProbeAbandon(recCtx, d.ConnectionID)
	}
	release()
	if err := w.ds.DeliveryAttemptRecord(recCtx, rec); err != nil {
		return fmt.Errorf("webhook: record attempt %d of delivery %d: %w", attempt, id, err)
	}

	logAttrs := []any{
		slog.Int64("delivery_id", id), slog.String("webhook_id", d.EventID), slog.Int("attempt", attempt),
		slog.Int("status", out.Status), slog.String("outcome", out.Kind.String()),
	}
	switch out.Kind {
	case OutcomeDelivered:
		w.log.DebugContext(ctx, "webhook delivered", logAttrs...)
		return nil
	case OutcomeGone:
		w.log.WarnContext(ctx, "webhook endpoint answered 410 Gone; disabling the connection's webhook", logAttrs...)
		return w.disableGone(recCtx, d)
	case OutcomeFailed:
		w.log.ErrorContext(ctx, "webhook delivery failed permanently; dead-lettered", append(logAttrs, slog.String("error", rec.Error))...)
		return nil
	default:
		if rec.State == store.DeliveryDead {
			w.log.ErrorContext(ctx, "webhook delivery exhausted its attempts; dead-lettered", append(logAttrs, slog.String("error", rec.Error))...)
			return nil
		}
		w.log.InfoContext(ctx, "webhook delivery failed; will retry", append(logAttrs, slog.String("error", rec.Error), slog.Duration("retry_in", snooze))...)
		return river.JobSnooze(snooze)
	}
}

// circuitAllow consults the in-process breaker state of the connection (seeded from the ds the first time)
// and persists a transition to half-open. probe is true when this request is the half-open probe.
func (w *Worker) circuitAllow(ctx context.Context, d Delivery) (allowed, probe bool, wait time.Duration, err error) {
	w.mu.Lock()
	cc, ok := w.circuits[d.ConnectionID]
	if !ok {
		cc = &connCircuit{c: d.Circuit.normalize()}
		w.circuits[d.ConnectionID] = cc
	}
	c := cc.c
	allowed, next, wait := w.breaker.Allow(c, w.now())
	next = next.normalize()
	cc.c = next
	cc.dirty = cc.dirty || next != c
	w.mu.Unlock()
	probe = allowed && next.State == CircuitHalfOpen
	if next != c {
		if err := w.persistCircuit(ctx, d.ConnectionID); err != nil {
			return false, false, 0, err
		}
	}
	return allowed, probe, wait, nil
}

func (w *Worker) circuitRecord(ctx context.Context, connectionID int64, success, probe bool) error {
	w.mu.Lock()
	cc, ok := w.circuits[connectionID]
	if !ok {
		cc = &connCircuit{c: Circuit{State: CircuitClosed}}
		w.circuits[connectionID] = cc
	}
	c := cc.c
	next := w.breaker.Record(c, &cc.win, success, probe, w.now()).normalize()
	cc.c = next
	cc.dirty = cc.dirty || next != c
	w.mu.Unlock()
	if next == c {
		return nil
	}
	if next.State == CircuitOpen && c.State != CircuitOpen {
		w.log.WarnContext(ctx, "webhook circuit opened", slog.Int64("connection_id", connectionID),
			slog.Int("failures_in_window", next.Failures), slog.Time("until", next.Until))
	}
	return w.persistCircuit(ctx, connectionID)
}

// circuitProbeAbandon ends a half-open probe that gave no verdict: the circuit stays half-open with an expired
// lease, so the next delivery is the probe.
func (w *Worker) circuitProbeAbandon(ctx context.Context, connectionID int64) {
	w.mu.Lock()
	cc, ok := w.circuits[connectionID]
	changed := ok && cc.c.State == CircuitHalfOpen
	if changed {
		cc.c.Until = w.now()
	}
	w.mu.Unlock()
	if changed {
		if err := w.persistCircuit(ctx, connectionID); err != nil {
			w.log.WarnContext(ctx, "could not persist the webhook circuit", slog.Int64("connection_id", connectionID), slog.String("error", err.Error()))
		}
	}
}

// staleGone says whether the delivery must not be sent because its endpoint answered 410 Gone in this process
// and the delivery's read of the enabled flag may predate the stored disable. A disable that could not be
// stored is tried again.
func (w *Worker) staleGone(ctx context.Context, d Delivery, readSeq int64) bool {
	w.mu.Lock()
	m := w.gone[goneKey{d.ConnectionID, d.URL}]
	stale := m != nil && (m.disabledSeq == 0 || readSeq < m.disabledSeq)
	unstored := m != nil && m.disabledSeq == 0
	w.mu.Unlock()
	if unstored {
		if err := w.disableGone(ctx, d); err != nil {
			w.log.WarnContext(ctx, "could not disable the webhook after 410 Gone", slog.Int64("connection_id", d.ConnectionID), slog.String("error", err.Error()))
		}
	}
	return stale
}

func (w *Worker) markGone(connectionID int64, url string) {
	w.mu.Lock()
	if w.gone[goneKey{connectionID, url}] == nil {
		w.gone[goneKey{connectionID, url}] = &goneMark{}
	}
	w.mu.Unlock()
}

// disableGone stores the disable of the connection's webhook after a 410 and notes when it was stored.
func (w *Worker) disableGone(ctx context.Context, d Delivery) error {
	if err := w.ds.ConnectionWebhookDisable(ctx, d.ConnectionID, "endpoint answered 410 Gone"); err != nil {
		return fmt.Errorf("webhook: disable connection %d after 410: %w", d.ConnectionID, err)
	}
	seq := w.seq.Add(1)
	w.mu.Lock()
	if m := w.gone[goneKey{d.ConnectionID, d.URL}]; m != nil && m.disabledSeq == 0 {
		m.disabledSeq = seq
	}
	w.mu.Unlock()
	return nil
}

// persistCircuit writes the connection's current in-process circuit state. Workers compute transitions
// concurrently; writing whatever is current, one writer at a time, keeps an older state from landing after a
// newer one (a "closed, 9 failures" overwriting the "open" that followed it).
func (w *Worker) persistCircuit(ctx context.Context, connectionID int64) error {
	w.persistMu.Lock()
	defer w.persistMu.Unlock()
	w.mu.Lock()
	var c Circuit
	cc, ok := w.circuits[connectionID]
	if ok {
		c = cc.c
	}
	c = c.normalize()
	w.mu.Unlock()
	if err := w.ds.ConnectionCircuitSet(ctx, connectionID, c); err != nil {
		return fmt.Errorf("webhook: persist circuit of connection %d: %w", connectionID, err)
	}
	if ok {
		w.mu.Lock()
		if cc.c.normalize() == c {
			cc.dirty, cc.storedAt = false, time.Now()
		}
		w.mu.Unlock()
	}
	return nil
}

// CircuitHeldBefore reports whether this process holds deliveries of a connection back on its own (its
// in-process circuit is not closed, or its endpoint answered 410 Gone) on a state it wrote to the ds before
// t. A caller that reads the stored row closed and enabled, last updated at t, knows that a person reset it
// since (reset-circuit, connections edit), and calls CircuitReset. A change not yet written is never "before".
func (w *Worker) CircuitHeldBefore(connectionID int64, t time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cc, ok := w.circuits[connectionID]; ok && cc.c.normalize().State != CircuitClosed {
		return !cc.dirty && cc.storedAt.Before(t)
	}
	for k, m := range w.gone {
		if k.connectionID == connectionID && m.disabledSeq != 0 {
			return true // the stored webhook was disabled by us; enabled now means a person re-enabled it
		}
	}
	return false
}

// CircuitReset forgets the in-process circuit state of a connection, and that its endpoint answered 410 Gone
// (after a person re-enables it or resets its circuit in the ds), so the next delivery reads the stored
// state again.
func (w *Worker) CircuitReset(connectionID int64) {
	w.mu.Lock()
	delete(w.circuits, connectionID)
	for k := range w.gone {
		if k.connectionID == connectionID {
			delete(w.gone, k)
		}
	}
	w.mu.Unlock()
}

// acquire takes a concurrency slot of the endpoint's host, waiting up to one second; without a slot the job is
// snoozed rather than holding a River worker that other endpoints could use.
func (w *Worker) acquire(ctx context.Context, rawURL string) (func(), bool) {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		host = strings.ToLower(u.Host)
	}
	w.mu.Lock()
	sem, ok := w.sems[host]
	if !ok {
		sem = make(chan struct{}, w.perHost)
		w.sems[host] = sem
	}
	w.mu.Unlock()
	release := func() { <-sem }
	select {
	case sem <- struct{}{}:
		return release, true
	default:
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return release, true
	case <-ctx.Done():
		return nil, false
	case <-t.C:
		return nil, false
	}
}
