package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

// settings loads the sections of the settings a command needs, with the command's clock.
func (app *App) settings(needs engine.Needs) (engine.Settings, error) {
	set, err := engine.LoadSettings(app.Config, needs)
	set.Now = app.now
	return set, err
}

// openEngine opens and migrates the store (River's tables too) and builds the engine on it, which prints
// through the App; the caller closes the store.
func (app *App) openEngine(ctx context.Context, set engine.Settings) (store.Store, *engine.Engine, error) {
	s, err := app.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	queueLog, err := app.queueLogger()
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	app.progress = app.newProgress()
	eng, err := engine.New(s, set, engine.Options{Log: app.Log, QueueLog: queueLog, Reporter: &reporter{app: app}})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, eng, nil
}

// openEngineForReading opens the store for a command that only reads (read-only where the file is, without
// migrating) and builds an engine on it with the settings needs names; the caller closes the store.
// openEngineFor loads the settings a command needs and opens the store and the engine on them.
func (app *App) openEngineFor(ctx context.Context, needs engine.Needs) (store.Store, *engine.Engine, error) {
	set, err := app.settings(needs)
	if err != nil {
		return nil, nil, err
	}
	return app.openEngine(ctx, set)
}

func (app *App) openEngineForReading(ctx context.Context, needs engine.Needs) (store.Store, *engine.Engine, error) {
	set, err := app.settings(needs)
	if err != nil {
		return nil, nil, err
	}
	s, err := app.openStoreForReading(ctx)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(s, set, engine.Options{Log: app.Log})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, eng, nil
}

// queueLogger is the logger of River: it narrates its housekeeping at info, kept out of the operator's log
// unless debugging.
func (app *App) queueLogger() (*slog.Logger, error) {
	if app.Log.Enabled(context.Background(), slog.LevelDebug) {
		return app.Log, nil
	}
	return newLogger(app.Stderr, "warn", app.Config.Get("SALESENGINE_LOG_FORMAT"))
}

// reporter prints what the engine reports as it goes.
type reporter struct{ app *App }

func (r *reporter) Progress(p engine.Progress) { r.app.progress.report(p) }

func (r *reporter) Synced(o engine.SyncOutcome) {
	r.app.progress.finish()
	out, name, res := r.app.Stdout, o.Connection.Name, o.Result
	switch {
	case o.Err != nil && res.Skipped:
		fmt.Fprintf(out, "%s: %v\n", name, o.Err)
	case o.Err != nil:
		fmt.Fprintf(out, "%s: FAILED: %v\n", name, o.Err)
		if !res.CircuitOpenUntil.IsZero() {
			fmt.Fprintf(out, "%s: Odoo circuit open until %s after %s: the passes until then are skipped\n",
				name, clock(res.CircuitOpenUntil), engine.ConsecutiveFailures(res.CircuitFailures))
		}
	default:
		fmt.Fprintf(out, "%s: %s sync of Odoo %s: %d records read, %d inserted, %d updated, %d removed, %d webhook events (%s)\n",
			name, res.Kind, res.ServerVersion, res.Fetched, res.Inserted, res.Updated, res.Removed, res.Events, res.Duration.Round(time.Millisecond))
		if res.ProductsWithoutSKU > 0 {
			fmt.Fprintf(out, "%s: note: %s\n", name, engine.NoSKUNote(res.ProductsWithoutSKU))
		}
		if res.Apps != "" {
			fmt.Fprintf(out, "%s: note: %s\n", name, res.Apps)
		}
	}
}

func (r *reporter) SecretGenerated(name string) {
	// Not printed: this output often goes to a scheduler's log.
	fmt.Fprintf(r.app.Stdout, "%s: a webhook signing secret was generated (POLLER_DEFAULT_WEBHOOK_SECRET is not set); the receiver needs it: see it with 'salesengine connections show-secret %s'\n",
		name, name)
}
