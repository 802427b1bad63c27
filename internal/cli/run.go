package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/engine"
)

func (app *App) runCommand() *cobra.Command {
	var f syncFlags
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
			if err := app.readSyncSettings(&f); err != nil {
				return err
			}
			modes, err := engine.LoadRunModes(app.Config)
			if err != nil {
				return err
			}
			needs := engine.NeedForecast | engine.NeedWebhook
			switch {
			case modes.TestConnectionsOnly:
				needs |= engine.NeedTest | engine.NeedTargets
			case modes.ForecastOnly:
				needs |= engine.NeedPlan
			case modes.SkipForecast:
				needs |= engine.NeedTargets | engine.NeedSync
			default:
				needs |= engine.NeedTargets | engine.NeedSync | engine.NeedPlan
			}
			s, eng, err := app.openEngineFor(ctx, needs)
			if err != nil {
				return err
			}
			defer s.Close()
			if modes.TestConnectionsOnly {
				return app.testAll(ctx, eng, f.connection)
			}
			var syncErr error
			if !modes.ForecastOnly {
				syncErr = app.syncAll(ctx, eng, f)
				if !f.noDeliver {
					if err := app.deliverAndReport(ctx, eng, f.deliverWait); err != nil {
						syncErr = errors.Join(syncErr, err)
					}
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			if modes.SkipForecast {
				return syncErr
			}
			conns, err := eng.Select(ctx, f.connection)
			if err != nil {
				return errors.Join(syncErr, err)
			}
			return errors.Join(syncErr, app.forecastConnections(ctx, eng, conns, "db", ""))
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	// Read through the variables they are bound to (LoadRunModes).
	fs.Bool("test-connections", false, "only test every active connection (TEST_CONNECTIONS_ONLY)")
	fs.Bool("skip-forecast", false, "sync and deliver only (SKIP_FORECAST)")
	fs.Bool("forecast-only", false, "forecast and plan from stored sales, no sync (FORECAST_ONLY)")
	bindVar(fs, "test-connections", "TEST_CONNECTIONS_ONLY")
	bindVar(fs, "skip-forecast", "SKIP_FORECAST")
	bindVar(fs, "forecast-only", "FORECAST_ONLY")
	return cmd
}

// testAll tests every target connection and fails when any fails.
func (app *App) testAll(ctx context.Context, eng *engine.Engine, ref string) error {
	conns, err := eng.Targets(ctx, ref)
	if err != nil {
		return err
	}
	var failed []string
	for _, c := range conns {
		rep, err := eng.TestConnection(ctx, c)
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
