// Package cli is the salesengine command line: one file per command, all sharing App for configuration,
// logging, output and the database.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/dburl"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

// App is what every command shares.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    func(string) (string, bool)

	Config *config.Config
	Log    *slog.Logger

	configFile string
	// progress shows a sync's progress (openEngine makes it).
	progress *progressReporter
	// now is the clock "today" is read from: this month for the plan, the forecast's date, the demo's history.
	// Nil means time.Now; tests pin it.
	now func() time.Time
}

// clock returns the current time.
func (app *App) clock() time.Time {
	if app.now != nil {
		return app.now()
	}
	return time.Now()
}

// varAnnotation ties a flag to the configuration variable it overrides.
const varAnnotation = "salesengine_var"

// bindVar makes flag name of fs override configuration variable v.
func bindVar(fs *pflag.FlagSet, name, v string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("cli: no flag " + name)
	}
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[varAnnotation] = []string{v}
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	app := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, Env: env}
	return app.main(ctx, args)
}

// main runs the command line with the App's streams, environment and clock.
func (app *App) main(ctx context.Context, args []string) int {
	stdin, stdout, stderr := app.Stdin, app.Stdout, app.Stderr
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	// Stopped by a signal: whatever the command returned ("context canceled" somewhere), that is the news.
	var ie *InterruptedError
	if errors.As(context.Cause(ctx), &ie) {
		fmt.Fprintf(stderr, "Error: %s\n", ie.Error())
		return ie.ExitCode()
	}
	if cmd == nil {
		cmd = root
	}
	code, msg, hint := classify(err, cmd.CommandPath())
	fmt.Fprintf(stderr, "Error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(stderr, "Hint: %s\n", hint)
	}
	return code
}

func (app *App) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "salesengine",
		Short: "Sync Odoo sales, deliver order webhooks, forecast demand and plan production",
		Long: `Sales Engine syncs confirmed sales from any number of Odoo instances (16-19, Online or self-hosted)
into a database (SQLite by default, PostgreSQL in production), delivers every order change as a signed
webhook, forecasts demand per SKU and plans production.

Settings come from flags, then environment variables, then a .env file in the working directory (or
--config FILE), then defaults. See 'salesengine help <command>' for each command.`,
		Example: `  salesengine demo                       # everything, end to end, on a built-in fake Odoo
  salesengine migrate --status           # which schema migrations are applied
  DATABASE_URL=postgres://u:p@db/sales salesengine migrate`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.setup(cmd)
		},
	}
	pf := root.PersistentFlags()
	pf.String("database-url", "", "database URL (postgres://..., sqlite:PATH or a file path); overrides DATABASE_URL")
	pf.StringVar(&app.configFile, "config", "", "read settings from this .env-style file instead of ./.env")
	pf.String("log-level", "", "log level: debug, info, warn, error (default info)")
	pf.String("log-format", "", "log format: text or json (default text)")
	bindVar(pf, "database-url", "DATABASE_URL")
	bindVar(pf, "log-level", "SALESENGINE_LOG_LEVEL")
	bindVar(pf, "log-format", "SALESENGINE_LOG_FORMAT")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &UsageError{Msg: err.Error(), Hint: "run '" + cmd.CommandPath() + " --help' for usage"}
	})
	root.CompletionOptions.DisableDefaultCmd = true

	for _, c := range app.commands() {
		root.AddCommand(c)
	}
	return root
}

// commands lists every top-level command; each lives in its own file.
func (app *App) commands() []*cobra.Command {
	cmds := []*cobra.Command{
		app.versionCommand(),
		app.serveCommand(),
		app.healthCommand(),
		app.migrateCommand(),
		app.connectionsCommand(),
		app.keyCommand(),
		app.syncCommand(),
		app.demoCommand(),
		app.deliverCommand(),
		app.retriesCommand(),
		app.retryCommand(),
		app.discardCommand(),
		app.resetCircuitCommand(),
		app.logsCommand(),
		app.forecastCommand(),
		app.backtestCommand(),
		app.accuracyCommand(),
		app.runCommand(),
		app.planCommand(),
	}
	return append(cmds, app.connectionAliases()...)
}

// setup resolves configuration and logging before any command runs.
func (app *App) setup(cmd *cobra.Command) error {
	flags := map[string]string{}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if v, ok := f.Annotations[varAnnotation]; ok {
			flags[v[0]] = f.Value.String()
		}
	})
	cfg, err := config.Load(config.LoadOptions{File: app.configFile, Env: app.Env, Flags: flags})
	var unknown *config.UnknownKeyError
	if errors.As(err, &unknown) {
		return &UsageError{Msg: err.Error(), Hint: "fix or remove the line; every setting is listed in docs/configuration.md"}
	}
	if err != nil {
		return err
	}
	app.Config = cfg
	logger, err := newLogger(app.Stderr, cfg.Get("SALESENGINE_LOG_LEVEL"), cfg.Get("SALESENGINE_LOG_FORMAT"))
	if err != nil {
		return err
	}
	app.Log = logger
	return nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		return nil, usagef("use --log-level debug, info, warn or error (or SALESENGINE_LOG_LEVEL)", "unknown log level %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("use --log-format text or json (or SALESENGINE_LOG_FORMAT)", "unknown log format %q", format)
}

// openStore opens the configured database and brings its schema up to date, the webhook queue's tables too.
func (app *App) openStore(ctx context.Context) (store.Store, error) {
	tgt, err := app.target()
	if err != nil {
		return nil, err
	}
	s, err := dburl.Open(ctx, tgt)
	if err != nil {
		return nil, err
	}
	return app.migrated(ctx, tgt, s)
}

// openStoreForReading opens the database for a command that only reads (logs, retries, connections list,
// migrate --status, backtest). A SQLite file this user can read but not write is opened read-only, without
// migrating: its schema must be current already.
func (app *App) openStoreForReading(ctx context.Context) (store.Store, error) {
	tgt, err := app.target()
	if err != nil {
		return nil, err
	}
	s, readOnly, err := dburl.OpenForReading(ctx, tgt)
	if err != nil {
		return nil, err
	}
	if !readOnly {
		return app.migrated(ctx, tgt, s)
	}
	ms, err := s.MigrationStatus(ctx)
	if err != nil {
		s.Close()
		return nil, dbError(tgt, err)
	}
	for _, m := range ms {
		if !m.Applied {
			s.Close()
			return nil, fmt.Errorf("the database file %s is not writable by this user and lacks schema migration %04d_%s: run 'salesengine migrate' as a user who can write it", tgt.Path, m.Version, m.Name)
		}
	}
	app.Log.Debug("database opened read-only: this user cannot write it", "database", tgt.String())
	return s, nil
}

// migrated applies the migrations s lacks, River's included; it closes s when that fails.
func (app *App) migrated(ctx context.Context, tgt dburl.Target, s store.Store) (store.Store, error) {
	queueLog, err := app.queueLogger()
	if err != nil {
		s.Close()
		return nil, err
	}
	applied, err := s.MigrationApply(ctx, engine.RiverMigration(s, queueLog))
	if err != nil {
		s.Close()
		return nil, dbError(tgt, err)
	}
	for _, m := range applied {
		level := slog.LevelInfo
		if m.Component != "" { // River's own say little to an operator
			level = slog.LevelDebug
		}
		app.Log.Log(ctx, level, "applied schema migration", "component", m.Component, "version", m.Version, "name", m.Name, "database", tgt.String())
	}
	return s, nil
}

// dbError names the database in err, unless err is about the SQLite file, which names it already.
func dbError(tgt dburl.Target, err error) error {
	if fe := dburl.FileError(err); fe != nil {
		return fe
	}
	return fmt.Errorf("%s: %w", tgt, err)
}

// OSEnv is the process environment, for Main.
func OSEnv(k string) (string, bool) { return os.LookupEnv(k) }

// target is the configured database; a malformed setting (DATABASE_URL, DB_*, the busy timeout) is a usage error.
func (app *App) target() (dburl.Target, error) {
	tgt, err := dburl.Resolve(app.Config)
	if err != nil {
		return tgt, &UsageError{Msg: err.Error(), Hint: engine.SettingHint}
	}
	return tgt, nil
}
