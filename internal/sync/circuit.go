package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// Defaults of the Odoo circuit breaker (SALESENGINE_CIRCUIT_FAILURES, SALESENGINE_CIRCUIT_COOLDOWN), those of
// the previous system.
const (
	DefaultCircuitFailures = 5
	DefaultCircuitCooldown = 120 * time.Second
)

// CircuitPolicy is a connection's Odoo circuit breaker: after Failures consecutive passes failed because Odoo
// was unavailable (odoo.Unavailable), the next passes are skipped for Cooldown; then one trial pass runs, whose
// success closes the circuit and whose failure opens it for another Cooldown. Its state is kept in the
// connection's row, so every process (a timer, a hand-run sync, a service) sees it.
type CircuitPolicy struct {
	Failures int // 0: no circuit breaker
	Cooldown time.Duration
}

// CircuitOpenError is the error of a pass that was skipped because the connection's Odoo circuit was open.
type CircuitOpenError struct {
	Connection string
	Failures   int       // consecutive failures that opened it (so far)
	Until      time.Time // when a trial pass may run
	// Trial: half-open, another process is running the trial pass (until Until at most).
	Trial bool
}

func (e *CircuitOpenError) Error() string {
	if e.Trial {
		return fmt.Sprintf("circuit half-open: another process runs the trial pass (until %s at most; %s): skipped",
			clock(e.Until), ConsecutiveFailures(e.Failures))
	}
	return fmt.Sprintf("circuit open until %s (%s): skipped", clock(e.Until), ConsecutiveFailures(e.Failures))
}

// ConsecutiveFailures says "1 consecutive failure", "5 consecutive failures".
func ConsecutiveFailures(n int) string {
	if n == 1 {
		return "1 consecutive failure"
	}
	return fmt.Sprintf("%d consecutive failures", n)
}

func clock(t time.Time) string { return t.Local().Format("15:04:05") }

// circuitBefore decides whether the pass runs: not while the circuit is open; once its cooldown is over, as the
// one trial pass. trial reports the latter; row is the connection as it read it.
func (s *Syncer) circuitBefore(ctx context.Context, conn *store.Connection) (trial bool, row *store.Connection, err error) {
	for range 3 {
		c, err := s.Store.ConnectionGet(ctx, conn.ID) // as now, not as when the caller listed it
		if err != nil {
			return false, nil, err
		}
		if c.OdooCircuitState == store.CircuitClosed || c.OdooCircuitUntil == nil {
			return false, c, nil
		}
		now := s.now()
		if now.Before(*c.OdooCircuitUntil) {
			return false, c, &CircuitOpenError{Connection: conn.Name, Failures: c.OdooCircuitFailures, Until: *c.OdooCircuitUntil,
				Trial: c.OdooCircuitState == store.CircuitHalfOpen}
		}
		// One trial pass, however many processes get here: the others skip while it holds the lease.
		if ok, err := s.Store.ConnectionOdooCircuitTrial(ctx, conn.ID, now, now.Add(s.cooldown())); err != nil || ok {
			return ok, c, err
		}
		// Another process changed the circuit meanwhile: look again.
	}
	return false, nil, fmt.Errorf("connection %q: the Odoo circuit keeps changing under this pass; try again", conn.Name)
}

// circuitAfter records the pass's outcome in the circuit and notes what that did.
func (r *run) circuitAfter(ctx context.Context, passErr error, trial bool) error {
	now := r.s.now()
	// A good pass of a closed circuit with no failure counted changes nothing: no write (an idle service polls
	// every connection every few seconds).
	if passErr == nil && !trial && (r.conn.OdooCircuitState == "" || r.conn.OdooCircuitState == store.CircuitClosed) &&
		r.conn.OdooCircuitFailures == 0 {
		return nil
	}
	// A pass stopped by its caller says nothing about Odoo: it is not counted (and a trial is handed on).
	unavailable := !Stopped(ctx, passErr) && odoo.Unavailable(passErr)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var c *store.Connection
	err := r.retry(rctx, "record the Odoo circuit", func() error {
		var err error
		c, err = r.s.Store.ConnectionOdooCircuitRecord(rctx, &store.ConnectionOdooCircuitRecordParams{ID: r.conn.ID,
			OK: passErr == nil, Unavailable: unavailable, Threshold: r.s.Circuit.Failures, Now: now,
			Until: now.Add(r.s.cooldown())})
		return err
	})
	if err != nil {
		return err
	}
	r.res.CircuitFailures = c.OdooCircuitFailures
	switch {
	case trial && passErr == nil:
		r.note("trial pass succeeded: the Odoo circuit is closed")
	case c.OdooCircuitState == store.CircuitOpen && c.OdooCircuitUntil != nil && c.OdooCircuitUntil.After(now):
		r.res.CircuitOpenUntil = *c.OdooCircuitUntil
		r.note("Odoo circuit open until %s after %s: the passes until then are skipped",
			c.OdooCircuitUntil.UTC().Format(time.DateTime+" UTC"), ConsecutiveFailures(c.OdooCircuitFailures))
	}
	return nil
}

func (s *Syncer) cooldown() time.Duration {
	return orDefault(s.Circuit.Cooldown, DefaultCircuitCooldown)
}

// recordSkip records a skipped pass in sync_logs, so that 'salesengine logs' shows why nothing was synced.
func (s *Syncer) recordSkip(ctx context.Context, conn *store.Connection, kind string, at time.Time, why error) error {
	l := &store.SyncLog{ConnectionID: conn.ID, Kind: kind, StartedAt: at, FinishedAt: &at, Status: store.SyncSkipped, Error: why.Error()}
	return s.retry(ctx, s.logger().With("connection", conn.Name), nil, "record the skipped pass", func() error {
		_, err := s.Store.SyncLogInsert(ctx, l)
		return err
	})
}
