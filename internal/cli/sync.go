package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
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
			if err := app.readSyncSettings(&f); err != nil {
				return err
			}
			s, eng, err := app.openEngineFor(cmd.Context(), engine.NeedWebhook|engine.NeedTargets|engine.NeedSync)
			if err != nil {
				return err
			}
			defer s.Close()
			syncErr := app.syncAll(cmd.Context(), eng, f)
			if !f.noDeliver {
				if err := app.deliverAndReport(cmd.Context(), eng, f.deliverWait); err != nil {
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
func (app *App) readSyncSettings(f *syncFlags) (err error) {
	if f.full, err = engine.LoadFullSync(app.Config); err != nil {
		return err
	}
	f.deliverWait, err = engine.LoadDeliverWait(app.Config)
	return err
}

// syncAll syncs each target, the engine's reporter printing one line per connection; it returns an error naming
// those that failed.
func (app *App) syncAll(ctx context.Context, eng *engine.Engine, f syncFlags) error {
	outs, err := eng.SyncAll(ctx, f.connection, engine.SyncOptions{Full: f.full, Reconcile: f.reconcile})
	app.progress.finish()
	if err != nil {
		return err
	}
	var failed, skipped []string
	for _, o := range outs {
		switch {
		case o.Err != nil && o.Result.Skipped:
			skipped = append(skipped, o.Connection.Name)
		case o.Err != nil:
			failed = append(failed, o.Connection.Name)
		}
	}
	return syncOutcome(failed, skipped, len(outs))
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

// deliverAndReport delivers queued webhooks for up to wait and says what became of them (nothing when nothing
// was queued). Any dead letter makes it return a DeadLetterError (exit 3).
func (app *App) deliverAndReport(ctx context.Context, eng *engine.Engine, wait time.Duration) error {
	out, err := eng.Deliver(ctx, wait)
	if err != nil || out.Pending == 0 {
		return err
	}
	return app.printDelivery(out, wait)
}

// printDelivery says what became of the deliveries of a pass: how many the receivers accepted (2xx), how many
// failed and wait for a retry, wait for an open circuit, are parked after a 410 Gone, are still queued, and how
// many were dead-lettered. Any dead letter makes it return a DeadLetterError (exit 3).
func (app *App) printDelivery(out *engine.DeliveryOutcome, wait time.Duration) error {
	fmt.Fprintln(app.Stdout, "webhooks: "+deliveryLine(out, wait))
	if out.Dead > 0 {
		return &DeadLetterError{Count: out.Dead, Reason: out.DeadReason}
	}
	return nil
}

func clock(t time.Time) string { return t.Local().Format("15:04:05") }

// deliveryLine is the summary: what the receivers accepted (2xx), what failed, what waits and why, what is dead.
// It never shows a time in the past.
func deliveryLine(s *engine.DeliveryOutcome, wait time.Duration) string {
	parts := []string{fmt.Sprintf("%d delivered", s.Delivered)}
	if s.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	}
	if s.Waiting > 0 {
		var why []string
		for _, c := range s.Circuit {
			switch {
			case c.State == store.CircuitHalfOpen:
				why = append(why, fmt.Sprintf("%d for the circuit of %q, half-open: a trial request decides", c.Count, c.Connection))
			case c.Until != nil && c.Until.After(s.Now):
				why = append(why, fmt.Sprintf("%d for the circuit of %q, open until %s", c.Count, c.Connection, clock(*c.Until)))
			default:
				why = append(why, fmt.Sprintf("%d for the circuit of %q, open: a trial request is due", c.Count, c.Connection))
			}
		}
		for _, p := range s.Parked {
			why = append(why, fmt.Sprintf("%d parked: the webhook of %q is disabled (410 Gone, or by hand; 'salesengine reset-circuit %s' enables it)", p.Count, p.Connection, p.Connection))
		}
		if s.Retry > 0 {
			why = append(why, fmt.Sprintf("%d for a retry, next attempt at %s", s.Retry, clock(s.NextRetry)))
		}
		if s.Queued > 0 {
			if s.Idle {
				why = append(why, fmt.Sprintf("%d behind an earlier change of the same order", s.Queued))
			} else {
				why = append(why, fmt.Sprintf("%d still queued after %s: they go out on the next run or 'salesengine deliver'", s.Queued, wait))
			}
		}
		parts = append(parts, fmt.Sprintf("%d waiting (%s)", s.Waiting, strings.Join(why, "; ")))
	}
	if s.Discarded > 0 {
		parts = append(parts, fmt.Sprintf("%d discarded meanwhile", s.Discarded))
	}
	if s.Dead > 0 {
		parts = append(parts, fmt.Sprintf("%d dead (see 'salesengine retries')", s.Dead))
	}
	return strings.Join(parts, ", ")
}
