package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// syncFlags are shared by sync and run.
type syncFlags struct {
	connection  string
	full        bool
	reconcile   bool
	noDeliver   bool
	deliverWait time.Duration
}

func (f *syncFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVarP(&f.connection, "connection", "c", "", "only this connection (ID or NAME); default: every active one")
	fs.BoolVar(&f.full, "full", false, "re-read everything and find records deleted in Odoo (FORCE_FULL_SYNC)")
	fs.BoolVar(&f.reconcile, "reconcile", false, "compare the whole history with Odoo month by month and read again the months that differ (finds deletions; cheaper than --full)")
	fs.BoolVar(&f.noDeliver, "no-deliver", false, "do not deliver queued webhooks before exiting")
	fs.DurationVar(&f.deliverWait, "deliver-wait", 30*time.Second, "how long to wait for webhook deliveries before exiting")
	bindVar(fs, "full", "FORCE_FULL_SYNC")
	bindVar(fs, "deliver-wait", "SALESENGINE_DELIVER_WAIT")
}

func (app *App) syncCommand() *cobra.Command {
	var f syncFlags
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync sales, products and inventory from Odoo now",
		Long: `Sync every active connection (or the one named) now: products and inventory, then the orders and lines
changed since the last sync. A pass lists what changed up to Odoo's clock, compares it with what is stored and
reads again only what differs; each order is stored with its lines in one transaction, so an interrupted sync
resumes where it stopped, without losing or duplicating anything. Recent months are reconciled with Odoo every
SALESENGINE_RECONCILE_RECENT_EVERY and the whole history every SALESENGINE_RECONCILE_EVERY (or with --reconcile). Webhook events of the
changes are then delivered (up to --deliver-wait; what is not delivered stays queued for the next run).

A connection defined by ODOO_URL/ODOO_DB/ODOO_USERNAME/ODOO_PASSWORD is created or updated as "default" first
(with USE_TEST_ODOO=true, ODOO_TEST_* as "default-test", and "default" is left out). A connection whose Odoo is
not the database its stored data came from is not synced: see 'salesengine connections edit --help'.
After SALESENGINE_CIRCUIT_FAILURES (5) consecutive passes of a connection failed because Odoo was unavailable,
its circuit opens: its passes are skipped for SALESENGINE_CIRCUIT_COOLDOWN (120s), then one trial pass decides.
Exits 1 when any connection failed or was skipped; the others are still synced. Exits 3 when the only problem is that
webhook deliveries were dead-lettered (see 'salesengine retries').`,
		Example: `  salesengine sync
  salesengine sync --connection acme
  salesengine sync --reconcile
  salesengine sync --full --no-deliver`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := app.readSyncSettings(cmd, &f); err != nil {
				return err
			}
			rt, err := app.openRuntime(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			syncErr := app.syncAll(cmd.Context(), rt, f)
			if !f.noDeliver {
				if err := app.deliverAndReport(cmd.Context(), rt, f.deliverWait); err != nil {
					return errors.Join(syncErr, err)
				}
			}
			return syncErr
		},
	}
	f.register(cmd)
	return cmd
}

// readSyncSettings applies the configuration behind the flags (flag > env > file).
func (app *App) readSyncSettings(cmd *cobra.Command, f *syncFlags) error {
	full, err := app.Config.Bool("FORCE_FULL_SYNC")
	if err != nil {
		return err
	}
	f.full = full
	if f.deliverWait, err = app.Config.Duration("SALESENGINE_DELIVER_WAIT"); err != nil {
		return err
	}
	return nil
}

// targets resolves which connections a command works on, creating or updating the connection defined by ODOO_*
// settings first ("default", or "default-test" with USE_TEST_ODOO=true). Without ref it is every active
// connection but the other run mode's one: the test and the production Odoo are two connections, and
// USE_TEST_ODOO picks which of the two is synced, as it picked the Odoo in the previous system.
func (app *App) targets(ctx context.Context, rt *runtime, ref string) ([]*store.Connection, error) {
	env, err := connections.EnvFromConfig(app.Config)
	skip := ""
	switch {
	case err == nil:
		if _, err := app.keyring(); err != nil {
			return nil, err
		}
		ens, err := rt.conns.EnsureEnv(ctx, env)
		if err != nil {
			return nil, err
		}
		if ens.SecretGenerated {
			// Not printed: this output often goes to a scheduler's log.
			fmt.Fprintf(app.Stdout, "%s: a webhook signing secret was generated (POLLER_DEFAULT_WEBHOOK_SECRET is not set); the receiver needs it: see it with 'salesengine connections show-secret %s'\n",
				env.Name, env.Name)
		}
		skip = env.OtherName()
	case !errors.Is(err, connections.ErrNoEnvConnection):
		return nil, err
	}
	conns, err := app.selectConnections(ctx, rt.store, ref,
		"add one with 'salesengine connections add', or set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD")
	if err != nil || ref != "" || skip == "" {
		return conns, err
	}
	out := conns[:0]
	for _, c := range conns {
		if c.Name == skip {
			app.Log.Info("not syncing the other run mode's connection (USE_TEST_ODOO); name it with -c to sync it", "connection", c.Name)
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, usagef("name it with -c to sync it anyway", "there are no active connections but %q, the other run mode's (USE_TEST_ODOO)", skip)
	}
	return out, nil
}

// selectConnections returns the connection named by ref (an ID or NAME), or every active one when ref is empty;
// no active connection at all is a usage error with the given hint.
func (app *App) selectConnections(ctx context.Context, s store.Store, ref, hint string) ([]*store.Connection, error) {
	if ref != "" {
		c, err := app.resolveConnection(ctx, s, ref)
		if err != nil {
			return nil, err
		}
		return []*store.Connection{c}, nil
	}
	conns, err := s.ConnectionList(ctx, &store.ConnectionListParams{OnlyActive: true})
	if err != nil {
		return nil, err
	}
	if len(conns) == 0 {
		return nil, usagef(hint, "there are no active connections")
	}
	return conns, nil
}

// syncAll syncs each target and prints one line per connection; it returns an error naming those that failed.
func (app *App) syncAll(ctx context.Context, rt *runtime, f syncFlags) error {
	// Every connection's API key needs the key: one configuration error, said once, before any sync starts.
	if _, err := app.keyring(); err != nil {
		return err
	}
	conns, err := app.targets(ctx, rt, f.connection)
	if err != nil {
		return err
	}
	syncer, err := app.syncer(rt)
	if err != nil {
		return err
	}
	timeout, err := app.Config.Duration("SALESENGINE_ODOO_TIMEOUT")
	if err != nil {
		return err
	}
	prog := app.newProgress()
	syncer.Progress = prog.report
	var failed, skipped []string
	for _, c := range conns {
		res, err := app.syncOne(ctx, rt, syncer, c, timeout, sync.Options{Full: f.full, Reconcile: f.reconcile})
		prog.finish()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if res.Skipped {
				skipped = append(skipped, c.Name)
				fmt.Fprintf(app.Stdout, "%s: %v\n", c.Name, err)
				app.Log.Warn("sync skipped", "connection", c.Name, "reason", err)
				continue
			}
			failed = append(failed, c.Name)
			fmt.Fprintf(app.Stdout, "%s: FAILED: %v\n", c.Name, err)
			app.Log.Error("sync failed", "connection", c.Name, "err", err)
			if !res.CircuitOpenUntil.IsZero() {
				fmt.Fprintf(app.Stdout, "%s: Odoo circuit open until %s after %s: the passes until then are skipped\n",
					c.Name, clock(res.CircuitOpenUntil), sync.ConsecutiveFailures(res.CircuitFailures))
			}
			continue
		}
		fmt.Fprintf(app.Stdout, "%s: %s sync of Odoo %s: %d records read, %d inserted, %d updated, %d removed, %d webhook events (%s)\n",
			c.Name, res.Kind, res.ServerVersion, res.Fetched, res.Inserted, res.Updated, res.Removed, res.Events, res.Duration.Round(time.Millisecond))
		if res.ProductsWithoutSKU > 0 {
			fmt.Fprintf(app.Stdout, "%s: note: %d products have no internal reference; they are keyed ID:<product id>\n", c.Name, res.ProductsWithoutSKU)
		}
	}
	return syncOutcome(failed, skipped, len(conns))
}

// syncOutcome is the error of a sync that failed or skipped some connections (exit 1: nothing was synced for
// them), or nil.
func syncOutcome(failed, skipped []string, total int) error {
	const skipWhy = "their Odoo circuit is open: 'salesengine reset-circuit NAME --odoo' closes it now"
	switch {
	case len(failed) > 0 && len(skipped) > 0:
		return fmt.Errorf("sync failed for %d and was skipped for %d of %d connections (failed: %v; skipped: %v, %s); see 'salesengine logs'",
			len(failed), len(skipped), total, failed, skipped, skipWhy)
	case len(failed) > 0:
		return fmt.Errorf("sync failed for %d of %d connections (%v); see 'salesengine logs'", len(failed), total, failed)
	case len(skipped) > 0:
		return fmt.Errorf("sync skipped for %d of %d connections (%v): %s; see 'salesengine logs'", len(skipped), total, skipped, skipWhy)
	}
	return nil
}

func (app *App) syncOne(ctx context.Context, rt *runtime, syncer *sync.Syncer, c *store.Connection, timeout time.Duration, opts sync.Options) (sync.Result, error) {
	client, err := rt.conns.Client(c, connections.ClientOptions{Timeout: timeout, Logger: app.Log})
	if err != nil {
		return sync.Result{}, err
	}
	res, err := syncer.Sync(ctx, c, client, opts)
	if err == nil && len(res.DeliveryIDs) > 0 {
		// Best effort: a delivery without a job is picked up by the next sweep.
		if qerr := rt.queue.Enqueue(ctx, res.DeliveryIDs...); qerr != nil {
			app.Log.Warn("could not enqueue webhook deliveries now; they stay pending for the next run", "err", qerr)
		}
	}
	return res, err
}

// deliverAndReport delivers queued webhooks for up to wait and says what became of them: how many the
// receivers accepted (2xx), how many failed and wait for a retry, wait for an open circuit, are parked after a
// 410 Gone, are still queued, and how many were dead-lettered. Any dead letter makes it return a
// DeadLetterError (exit 3).
func (app *App) deliverAndReport(ctx context.Context, rt *runtime, wait time.Duration) error {
	before, err := rt.store.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{States: []string{store.DeliveryPending}})
	if err != nil {
		return err
	}
	if len(before) == 0 {
		return nil
	}
	res, err := app.deliver(ctx, rt, wait)
	if err != nil {
		return fmt.Errorf("deliver webhooks: %w", err)
	}
	sum, err := summarizeDeliveries(ctx, rt.store, before, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "webhooks: "+sum.line(wait, res.Idle))
	if sum.dead > 0 {
		return &DeadLetterError{Count: sum.dead, Reason: sum.deadReason}
	}
	return nil
}

// deliverySummary is what became of the deliveries that were pending when a pass started.
type deliverySummary struct {
	delivered, dead, discarded int
	deadReason                 string
	// failed counts those attempted in this pass that failed and wait for a retry (they are also waiting).
	failed int
	// waiting counts the pending ones; the reasons follow.
	waiting int
	// circuit: waiting for the open (or half-open) circuit of a connection.
	circuit []*connWait
	// parked: the connection's webhook is disabled (410 Gone, or by hand).
	parked []*connWait
	// retry: waiting for a scheduled retry; nextRetry is the earliest.
	retry     int
	nextRetry time.Time
	// queued: due but not attempted (time ran out, or an earlier change of the same order goes first).
	queued int
	now    time.Time
}

type connWait struct {
	connection string
	state      string
	until      *time.Time
	count      int
}

func summarizeDeliveries(ctx context.Context, s store.Store, before []*store.WebhookDelivery, now time.Time) (*deliverySummary, error) {
	attempts := make(map[int64]int, len(before))
	ids := make([]int64, 0, len(before))
	for _, d := range before {
		attempts[d.ID] = d.Attempts
		ids = append(ids, d.ID)
	}
	sum := &deliverySummary{now: now}
	circuits := map[int64]*connWait{}
	parked := map[int64]*connWait{}
	group := func(m map[int64]*connWait, list *[]*connWait, c *store.Connection) {
		w := m[c.ID]
		if w == nil {
			w = &connWait{connection: c.Name, state: c.CircuitState, until: c.CircuitNextProbe}
			m[c.ID] = w
			*list = append(*list, w)
		}
		w.count++
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		rows, err := s.WebhookDeliveryForAttemptMany(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, f := range rows {
			d, c := f.Delivery, f.Connection
			switch d.State {
			case store.DeliveryDelivered:
				sum.delivered++
				continue
			case store.DeliveryDead:
				sum.dead++
				if sum.deadReason == "" {
					sum.deadReason = d.LastError
				}
				continue
			case store.DeliveryDiscarded:
				sum.discarded++
				continue
			}
			sum.waiting++
			if d.Attempts > attempts[d.ID] {
				sum.failed++
			}
			switch {
			case !c.WebhookEnabled:
				group(parked, &sum.parked, c)
			case c.CircuitState == store.CircuitOpen || c.CircuitState == store.CircuitHalfOpen:
				group(circuits, &sum.circuit, c)
			case d.NextAttemptAt != nil && d.NextAttemptAt.After(now):
				sum.retry++
				if sum.nextRetry.IsZero() || d.NextAttemptAt.Before(sum.nextRetry) {
					sum.nextRetry = *d.NextAttemptAt
				}
			default:
				sum.queued++
			}
		}
	}
	return sum, nil
}

func clock(t time.Time) string { return t.Local().Format("15:04:05") }

// line is the summary: what the receivers accepted (2xx), what failed, what waits and why, what is dead. It
// never shows a time in the past.
func (s *deliverySummary) line(wait time.Duration, idle bool) string {
	parts := []string{fmt.Sprintf("%d delivered", s.delivered)}
	if s.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", s.failed))
	}
	if s.waiting > 0 {
		var why []string
		for _, c := range s.circuit {
			switch {
			case c.state == store.CircuitHalfOpen:
				why = append(why, fmt.Sprintf("%d for the circuit of %q, half-open: a trial request decides", c.count, c.connection))
			case c.until != nil && c.until.After(s.now):
				why = append(why, fmt.Sprintf("%d for the circuit of %q, open until %s", c.count, c.connection, clock(*c.until)))
			default:
				why = append(why, fmt.Sprintf("%d for the circuit of %q, open: a trial request is due", c.count, c.connection))
			}
		}
		for _, p := range s.parked {
			why = append(why, fmt.Sprintf("%d parked: the webhook of %q is disabled (410 Gone, or by hand; 'salesengine reset-circuit %s' enables it)", p.count, p.connection, p.connection))
		}
		if s.retry > 0 {
			why = append(why, fmt.Sprintf("%d for a retry, next attempt at %s", s.retry, clock(s.nextRetry)))
		}
		if s.queued > 0 {
			if idle {
				why = append(why, fmt.Sprintf("%d behind an earlier change of the same order", s.queued))
			} else {
				why = append(why, fmt.Sprintf("%d still queued after %s: they go out on the next run or 'salesengine deliver'", s.queued, wait))
			}
		}
		parts = append(parts, fmt.Sprintf("%d waiting (%s)", s.waiting, strings.Join(why, "; ")))
	}
	if s.discarded > 0 {
		parts = append(parts, fmt.Sprintf("%d discarded meanwhile", s.discarded))
	}
	if s.dead > 0 {
		parts = append(parts, fmt.Sprintf("%d dead (see 'salesengine retries')", s.dead))
	}
	return strings.Join(parts, ", ")
}
