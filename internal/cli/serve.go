package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/dashboard"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

func (app *App) serveCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run as a service: poll every connection, deliver webhooks, forecast on a schedule",
		Long: `Run until stopped (Ctrl-C, SIGTERM): each active connection is synced by a poller of its own at its poll
interval (a slow or failing Odoo delays no other), webhook deliveries are sent as soon as they are stored,
forecast and plan run on SALESENGINE_SCHEDULE (00:00, 06:00, 12:00, 18:00 in SALESENGINE_TIMEZONE by default)
and a full sync on SALESENGINE_FULL_SYNC_SCHEDULE (03:00). Connections added, edited, disabled or deleted
with the other commands are picked up within seconds, without a restart.

The HTTP listener (--addr) answers /livez, /readyz and /metrics (Prometheus). On a stop, polling ends, passes
and deliveries in flight get SALESENGINE_SHUTDOWN_TIMEOUT (30s) to finish, and it exits 0.

One serve per SQLite file (a second one exits at once); the one-pass commands work beside it. On PostgreSQL
several serve processes divide the connections between them (a lease per connection, SALESENGINE_LEASE_TTL)
and run each scheduled forecast once: see docs/operations.md.`,
		Example: `  salesengine serve
  salesengine serve --addr 0.0.0.0:8080 --log-format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			set, err := engine.LoadSettings(app.Config, engine.NeedForecast|engine.NeedWebhook|engine.NeedSync|engine.NeedPlan)
			if err != nil {
				return err
			}
			opts := engine.ServeOptions{Addr: addr}
			ui, err := engine.LoadUISettings(app.Config, addr)
			if err != nil {
				return err
			}
			if err := engine.LoadServeSchedule(app.Config, &opts); err != nil {
				return err
			}
			if _, err := set.Connections.Keyring(); err != nil {
				return err
			}
			tgt, err := app.target()
			if err != nil {
				return err
			}
			if tgt.Dialect == store.DialectSQLite {
				release, err := sqlite.LockProcess(tgt.Path)
				if err != nil {
					return err
				}
				defer release()
				opts.Exclusive = true
			}
			s, err := app.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			queueLog, err := app.queueLogger()
			if err != nil {
				return err
			}
			eng, err := engine.New(s, set, engine.Options{Log: app.Log, QueueLog: queueLog})
			if err != nil {
				return err
			}
			if err := app.mountDashboard(&opts, eng, ui, set.Location); err != nil {
				return err
			}
			opts.Started = func() {
				fmt.Fprintf(app.Stdout, "serving on %s: dashboard http://%s/ (health /livez, /readyz; metrics /metrics); Ctrl-C stops\n", addr, browsable(addr))
				_, _ = daemon.SdNotify(false, daemon.SdNotifyReady) // under systemd Type=notify; a no-op elsewhere
			}
			opts.Stopping = func() { _, _ = daemon.SdNotify(false, daemon.SdNotifyStopping) }
			if err := eng.Serve(ctx, opts); err != nil {
				return err
			}
			fmt.Fprintln(app.Stdout, "stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port of the HTTP listener (health, metrics)")
	return cmd
}

func (app *App) healthCommand() *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check a running serve's health endpoint (for container health checks)",
		Long: `GET the URL (a running serve's /livez by default) and exit 0 when it answers 2xx, 1 otherwise. Meant for
health checks where the image has no shell or curl (the Dockerfile's HEALTHCHECK).`,
		Example: `  salesengine health
  salesengine health --url http://127.0.0.1:8080/readyz`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return usagef("give an http URL, e.g. http://127.0.0.1:8080/livez", "--url %q: %v", url, err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("%s: %w", url, err)
			}
			defer resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				return fmt.Errorf("%s answered %s", url, resp.Status)
			}
			fmt.Fprintf(app.Stdout, "%s: %s\n", url, resp.Status)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8080/livez", "the endpoint to check")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the answer")
	return cmd
}

// mountDashboard serves eng's dashboard on the listener of opts, and puts /metrics behind its token unless the
// metrics are public.
func (app *App) mountDashboard(opts *engine.ServeOptions, eng *engine.Engine, ui engine.UISettings, loc *time.Location) error {
	dash, err := dashboard.New(dashboard.Options{Source: eng, Token: ui.Token, Location: loc, Log: app.Log})
	if err != nil {
		return err
	}
	opts.Mounts = map[string]http.Handler{"/": dash.Handler()}
	if !ui.MetricsPublic {
		opts.ProtectMetrics = dash.Protect
	}
	return nil
}

// browsable is a listen address as a browser on this machine reaches it (0.0.0.0 and [::] are not).
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
