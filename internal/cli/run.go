package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/connections"
)

func (app *App) runCommand() *cobra.Command {
	var f syncFlags
	var testOnly, skipForecast, forecastOnly bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "One pass of the whole job: sync, deliver webhooks, forecast, plan",
		Long: `One pass of everything, as the previous system's updater did: sync every active connection, deliver the
webhooks the changes caused, then forecast demand and regenerate the production plan from the stored sales.
Schedule it (cron, a systemd timer) or run it by hand.

Modes (flags, or the environment variables users already set):
  --test-connections (TEST_CONNECTIONS_ONLY=true)  only test every active connection; exit 1 if any fails
  --skip-forecast    (SKIP_FORECAST=true)          sync and deliver only
  --forecast-only    (FORECAST_ONLY=true)          forecast and plan from stored sales, no sync
  --full             (FORCE_FULL_SYNC=true)        full sync: re-read everything, find deletions
USE_TEST_ODOO=true syncs the test Odoo (ODOO_TEST_*) as the connection "default-test" instead of "default".`,
		Example: `  salesengine run
  salesengine run --skip-forecast
  TEST_CONNECTIONS_ONLY=true salesengine run
  salesengine run --forecast-only --connection acme`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := app.readSyncSettings(cmd, &f); err != nil {
				return err
			}
			var err error
			if testOnly, err = app.Config.Bool("TEST_CONNECTIONS_ONLY"); err != nil {
				return err
			}
			if skipForecast, err = app.Config.Bool("SKIP_FORECAST"); err != nil {
				return err
			}
			if forecastOnly, err = app.Config.Bool("FORECAST_ONLY"); err != nil {
				return err
			}
			if skipForecast && forecastOnly {
				return usagef("", "--skip-forecast and --forecast-only contradict each other")
			}
			o, err := app.forecastSettings()
			if err != nil {
				return err
			}
			rt, err := app.openRuntime(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if testOnly {
				return app.testAll(cmd, rt, f.connection)
			}
			var syncErr error
			if !forecastOnly {
				syncErr = app.syncAll(ctx, rt, f)
				if !f.noDeliver {
					if err := app.deliverAndReport(ctx, rt, f.deliverWait); err != nil {
						syncErr = errors.Join(syncErr, err)
					}
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			if skipForecast {
				return syncErr
			}
			conns, err := app.selectConnections(ctx, rt.store, f.connection, syncFirstHint)
			if err != nil {
				return errors.Join(syncErr, err)
			}
			return errors.Join(syncErr, app.forecastConnections(ctx, rt.store, conns, o, "db", ""))
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.BoolVar(&testOnly, "test-connections", false, "only test every active connection (TEST_CONNECTIONS_ONLY)")
	fs.BoolVar(&skipForecast, "skip-forecast", false, "sync and deliver only (SKIP_FORECAST)")
	fs.BoolVar(&forecastOnly, "forecast-only", false, "forecast and plan from stored sales, no sync (FORECAST_ONLY)")
	bindVar(fs, "test-connections", "TEST_CONNECTIONS_ONLY")
	bindVar(fs, "skip-forecast", "SKIP_FORECAST")
	bindVar(fs, "forecast-only", "FORECAST_ONLY")
	return cmd
}

// testAll tests every target connection and fails when any fails.
func (app *App) testAll(cmd *cobra.Command, rt *runtime, ref string) error {
	ctx := cmd.Context()
	conns, err := app.targets(ctx, rt, ref)
	if err != nil {
		return err
	}
	allowPrivate, err := app.Config.Bool("SALESENGINE_WEBHOOK_ALLOW_PRIVATE")
	if err != nil {
		return err
	}
	var failed []string
	for _, c := range conns {
		rep, err := rt.conns.Test(ctx, c, connections.TestOptions{Logger: app.Log, AllowPrivate: allowPrivate})
		if err != nil {
			return err
		}
		printTestReport(app.Stdout, rep)
		if !rep.OK {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d connections failed their test: %v", len(failed), len(conns), failed)
	}
	fmt.Fprintf(app.Stdout, "all %d connections ok\n", len(conns))
	return nil
}
