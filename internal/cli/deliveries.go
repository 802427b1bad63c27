package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

func (app *App) deliverCommand() *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "deliver",
		Short: "Deliver queued webhooks now, then exit",
		Long: `Deliver every pending webhook whose time has come, waiting at most --wait. Deliveries that fail are
rescheduled (30 s, 60 s, 120 s, 240 s, then every 10 minutes) and stay queued for the next run. Exits 3 when
deliveries were dead-lettered (attempts exhausted or a permanent failure: see 'salesengine retries').`,
		Example: `  salesengine deliver
  salesengine deliver --wait 2m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("wait") && wait <= 0 {
				return usagef("", "--wait must be positive")
			}
			if !cmd.Flags().Changed("wait") {
				var err error
				if wait, err = engine.LoadDeliverWait(app.Config); err != nil {
					return err
				}
			}
			s, eng, err := app.openEngineFor(cmd.Context(), engine.NeedWebhook)
			if err != nil {
				return err
			}
			defer s.Close()
			out, err := eng.Deliver(cmd.Context(), wait)
			if err != nil {
				return err
			}
			if out.Pending == 0 {
				fmt.Fprintln(app.Stdout, "webhooks: nothing queued")
				return nil
			}
			return app.printDelivery(out, wait)
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "how long to wait for deliveries")
	return cmd
}

// deliveryView is a delivery as retries lists it.
type deliveryView struct {
	ID          int64               `json:"id"`
	Connection  string              `json:"connection"`
	EventID     string              `json:"event_id"`
	Type        string              `json:"type"`
	Order       string              `json:"order"`
	State       store.DeliveryState `json:"state"`
	Attempts    int                 `json:"attempts"`
	NextAttempt *time.Time          `json:"next_attempt_at,omitempty"`
	LastStatus  int                 `json:"last_status,omitempty"`
	LastError   string              `json:"last_error,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
}

func (app *App) retriesCommand() *cobra.Command {
	var conn string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "retries",
		Short: "List webhook deliveries that are pending, failing or dead",
		Long: `List every delivery not yet delivered: pending (never tried or waiting to be retried, with the attempts so
far and when the next one is due) and dead (attempts exhausted, or a permanent failure: kept until you retry
or discard it).`,
		Example: `  salesengine retries
  salesengine retries -c acme --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := app.openStoreForReading(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			names, connID, err := app.connectionScope(ctx, s, conn)
			if err != nil {
				return err
			}
			ds, err := s.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: connID,
				States: []store.DeliveryState{store.DeliveryPending, store.DeliveryDead}, Limit: limit})
			if err != nil {
				return err
			}
			views := make([]deliveryView, 0, len(ds))
			for _, d := range ds {
				views = append(views, deliveryView{ID: d.ID, Connection: names[d.ConnectionID], EventID: d.EventID, Type: d.EventType,
					Order: d.OrderName, State: d.State, Attempts: d.Attempts, NextAttempt: d.NextAttemptAt,
					LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt})
			}
			if asJSON {
				return writeJSON(app.Stdout, views)
			}
			if len(views) == 0 {
				fmt.Fprintln(app.Stdout, "no pending or dead deliveries")
				return nil
			}
			t := newTable(app.Stdout, "ID", "CONNECTION", "TYPE", "ORDER", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "LAST STATUS", "LAST ERROR")
			for _, v := range views {
				next := "-"
				if v.NextAttempt != nil {
					next = v.NextAttempt.Local().Format("2006-01-02 15:04:05")
				}
				status := "-"
				if v.LastStatus != 0 {
					status = strconv.Itoa(v.LastStatus)
				}
				t.row(v.ID, v.Connection, v.Type, v.Order, v.State, v.Attempts, next, status, dash(truncate(v.LastError, 60)))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVarP(&conn, "connection", "c", "", "only this connection (ID or NAME)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().IntVarP(&limit, "limit", "n", 0, "at most this many (0: all)")
	return cmd
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// connectionScope resolves an optional -c flag, and names every connection for display.
func (app *App) connectionScope(ctx context.Context, s store.Store, ref string) (map[int64]string, int64, error) {
	conns, err := s.ConnectionList(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	names := map[int64]string{}
	for _, c := range conns {
		names[c.ID] = c.Name
	}
	if ref == "" {
		return names, 0, nil
	}
	c, err := engine.ResolveConnection(ctx, s, ref)
	if err != nil {
		return nil, 0, err
	}
	return names, c.ID, nil
}

// bulkFlags select deliveries for retry and discard.
type bulkFlags struct {
	all        bool
	connection string
	dead       bool
}

func (f *bulkFlags) register(cmd *cobra.Command, verb string) {
	cmd.Flags().BoolVar(&f.all, "all", false, verb+" every pending and dead delivery (narrow with -c and --dead)")
	cmd.Flags().StringVarP(&f.connection, "connection", "c", "", "with --all: only this connection")
	cmd.Flags().BoolVar(&f.dead, "dead", false, "with --all: only dead deliveries")
}

// selectDeliveries returns the ids named by the arguments or the bulk flags.
func (app *App) selectDeliveries(ctx context.Context, eng *engine.Engine, cmd *cobra.Command, args []string, f bulkFlags) ([]int64, error) {
	switch {
	case f.all && len(args) > 0:
		return nil, usagef("", "give delivery IDs or --all, not both")
	case !f.all && len(args) == 0:
		return nil, usagef("list them with 'salesengine retries'", "%s needs delivery IDs or --all", cmd.CommandPath())
	case !f.all && (f.connection != "" || f.dead):
		return nil, usagef("", "-c and --dead go with --all")
	}
	sel := engine.DeliverySelection{All: f.all, Connection: f.connection, Dead: f.dead}
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("delivery IDs are the numbers in the first column of 'salesengine retries'", "%q is not a delivery ID", a)
		}
		sel.IDs = append(sel.IDs, id)
	}
	return eng.SelectDeliveries(ctx, sel)
}

func (app *App) retryCommand() *cobra.Command {
	var f bulkFlags
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "retry [ID...]",
		Short: "Deliver failed or dead webhooks again, now",
		Long: `Make the given deliveries (or all of them with --all) due now, with a fresh budget of attempts, and deliver
them (waiting at most --wait). Each keeps its webhook-id, so receivers can de-duplicate.`,
		Example: `  salesengine retry 42
  salesengine retry --all --dead
  salesengine retry --all -c acme`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, eng, err := app.openEngineFor(ctx, engine.NeedWebhook)
			if err != nil {
				return err
			}
			defer s.Close()
			ids, err := app.selectDeliveries(ctx, eng, cmd, args, f)
			if err != nil {
				return err
			}
			changed, err := eng.Retry(ctx, ids)
			if err != nil {
				return err
			}
			if len(changed) == 0 {
				fmt.Fprintln(app.Stdout, "nothing to retry")
				return nil
			}
			fmt.Fprintf(app.Stdout, "retrying %d deliveries\n", len(changed))
			return app.deliverAndReport(ctx, eng, wait)
		},
	}
	f.register(cmd, "retry")
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "how long to wait for the deliveries")
	return cmd
}

func (app *App) discardCommand() *cobra.Command {
	var f bulkFlags
	cmd := &cobra.Command{
		Use:   "discard [ID...]",
		Short: "Give up on webhook deliveries (they stay recorded)",
		Long:  "Mark the given deliveries (or all pending and dead ones with --all) discarded: they are never sent again but stay in the database.",
		Example: `  salesengine discard 42 43
  salesengine discard --all --dead -c acme`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, eng, err := app.openEngineFor(ctx, 0)
			if err != nil {
				return err
			}
			defer s.Close()
			ids, err := app.selectDeliveries(ctx, eng, cmd, args, f)
			if err != nil {
				return err
			}
			changed, err := eng.Discard(ctx, ids)
			if err != nil {
				return err
			}
			fmt.Fprintf(app.Stdout, "discarded %d deliveries\n", len(changed))
			return nil
		},
	}
	f.register(cmd, "discard")
	return cmd
}

func (app *App) resetCircuitCommand() *cobra.Command {
	var odoo, webhook bool
	cmd := &cobra.Command{
		Use:   "reset-circuit ID|NAME",
		Short: "Close a connection's circuit breakers (--odoo or --webhook for one of them)",
		Long: `A connection has two circuit breakers. Its Odoo circuit opens after SALESENGINE_CIRCUIT_FAILURES consecutive
sync passes failed because Odoo was unavailable: its passes are skipped until a trial pass succeeds. Its
webhook circuit opens when too many deliveries to its endpoint fail: deliveries pause until a probe succeeds.
Once the system is back, close them now instead of waiting for the cooldown; closing the webhook circuit also
re-enables a webhook that a 410 Gone had disabled. A running 'serve' follows within seconds.

Without a flag both circuits are closed; --odoo or --webhook closes only that one.`,
		Example: `  salesengine reset-circuit acme
  salesengine reset-circuit acme --webhook && salesengine retry --all -c acme
  salesengine reset-circuit acme --odoo && salesengine sync -c acme`,
		Args: exactlyOneConnection,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if odoo && webhook {
				return usagef("give one of them, or neither to close both", "--odoo and --webhook together")
			}
			both := !odoo && !webhook
			s, eng, err := app.openEngineFor(ctx, 0)
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := engine.ResolveConnection(ctx, s, args[0])
			if err != nil {
				return err
			}
			if odoo || both {
				if err := eng.ResetOdooCircuit(ctx, c); err != nil {
					return err
				}
				fmt.Fprintf(app.Stdout, "Odoo circuit of %q closed (was %s after %s)\n", c.Name,
					c.OdooCircuitState, engine.ConsecutiveFailures(c.OdooCircuitFailures))
			}
			if webhook || both {
				if err := eng.ResetWebhookCircuit(ctx, c); err != nil {
					return err
				}
				fmt.Fprintf(app.Stdout, "webhook circuit of %q closed and its webhook enabled (was %s)\n", c.Name, c.CircuitState)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&odoo, "odoo", false, "close only the Odoo circuit (sync passes)")
	cmd.Flags().BoolVar(&webhook, "webhook", false, "close only the webhook circuit (deliveries)")
	return cmd
}
