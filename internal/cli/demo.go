package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/webhook"
)

func (app *App) demoCommand() *cobra.Command {
	var dbPath string
	var skus, years, stockouts int
	var noServe bool
	var seed int64
	var addr string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole job against a built-in fake Odoo, end to end",
		Long: `Start a fake Odoo 17 on this machine with about three years of generated sales up to today (two companies,
a few hundred products with smooth, seasonal, intermittent, new and discontinued demand), and a webhook receiver
that verifies every signature. Then: add a connection to it, sync everything, let the fake Odoo do some
business (new, confirmed, cancelled and edited orders), sync again, and deliver the resulting signed webhooks.

The data goes to a fresh SQLite file (salesengine-demo.db by default). Unless --no-serve, it then serves: the
dashboard on --addr (127.0.0.1:8080, or a free port when that one is taken; the URL is printed), the service
polling the fake Odoo, which keeps doing business, and delivering its webhooks to the receiver. Meanwhile the
other commands can be tried against them; Ctrl-C stops.`,
		Example: `  go run ./cmd/salesengine demo
  salesengine demo --no-serve --db /tmp/demo.db
  salesengine demo --skus 50 --years 2
  salesengine demo --stockouts 3`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if skus < 5 || skus > 20000 {
				return usagef("", "--skus must be between 5 and 20000, got %d", skus)
			}
			if years < 1 || years > 10 {
				return usagef("", "--years must be between 1 and 10, got %d", years)
			}
			if stockouts < 0 || stockouts > skus {
				return usagef("", "--stockouts must be between 0 and --skus (%d), got %d", skus, stockouts)
			}
			o := demoOptions{dbPath: dbPath, skus: skus, years: years, stockouts: stockouts, serve: !noServe, seed: seed, addr: addr}
			if o.serve { // off loopback the dashboard needs its token: say so before the demo runs
				var err error
				if o.ui, err = engine.LoadUISettings(app.Config, addr); err != nil {
					return err
				}
			}
			return app.runDemo(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&dbPath, "db", "salesengine-demo.db", "SQLite file for the demo's data (replaced if it exists)")
	cmd.Flags().IntVar(&skus, "skus", 300, "products in the generated history")
	cmd.Flags().IntVar(&years, "years", 3, "years of generated history")
	cmd.Flags().IntVar(&stockouts, "stockouts", 0, "give this many steady sellers a stock-out of about two months in the history (their lost sales are not in the orders)")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the generated data (same seed, same data)")
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "exit when done instead of serving the dashboard, the fake Odoo and the receiver")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port of the dashboard (a free port when this one is taken)")
	return cmd
}

type demoOptions struct {
	dbPath                 string
	skus, years, stockouts int
	serve                  bool
	seed                   int64
	addr                   string            // of the dashboard, with serve
	ui                     engine.UISettings // with serve
}

func (app *App) runDemo(ctx context.Context, o demoOptions) (err error) {
	start := time.Now()
	out := app.Stdout
	if !app.Config.IsSet("SALESENGINE_LOG_LEVEL") {
		// The demo tells its own story on stdout; logs below warnings would drown it.
		if app.Log, err = newLogger(app.Stderr, "warn", app.Config.Get("SALESENGINE_LOG_FORMAT")); err != nil {
			return err
		}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(o.dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the previous demo database: %w", err)
		}
	}
	// The demo uses its own database, key and loopback endpoints whatever the environment says.
	key := app.Config.Get("SALESENGINE_ENCRYPTION_KEY")
	if _, err := secret.ParseKeyring(key); err != nil {
		if key, err = secret.GenerateKey(); err != nil {
			return err
		}
	}
	app.Config.Set("SALESENGINE_ENCRYPTION_KEY", key, config.SourceFlag)
	app.Config.Set("DATABASE_URL", "sqlite:"+o.dbPath, config.SourceFlag)
	app.Config.Set("SALESENGINE_WEBHOOK_ALLOW_PRIVATE", "true", config.SourceFlag)
	for _, v := range []string{"ODOO_URL", "ODOO_PROD_URL", "ODOO_TEST_URL"} {
		app.Config.Set(v, "", config.SourceFlag)
	}
	app.Config.Set("USE_TEST_ODOO", "false", config.SourceFlag)

	fmt.Fprintf(out, "Starting a fake Odoo 17 with %d years of sales over %d products...\n", o.years, o.skus)
	// The generated history ends on the fake's clock. Start it one simulated business day before today, so that
	// after that day the fake Odoo's today is today: 'run', 'forecast' and 'plan' afterwards see recent sales.
	srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: o.seed, Modules: odootest.AllModules,
		Now:  app.clock().UTC().Truncate(time.Second).Add(-demoEvents * demoStep),
		Data: &odootest.GenerateOptions{Years: o.years, SKUs: o.skus, StockOuts: o.stockouts}})
	if err != nil {
		return fmt.Errorf("start the fake Odoo: %w", err)
	}
	defer srv.Close()
	fmt.Fprintf(out, "  %s: %d orders, %d order lines, %d products (database %q, login admin)\n",
		srv.URL(), srv.Count("sale.order"), srv.Count("sale.order.line"), srv.Count("product.product"), srv.Database())

	set, err := app.settings(engine.NeedWebhook | engine.NeedTargets | engine.NeedSync | engine.NeedForecast | engine.NeedPlan)
	if err != nil {
		return err
	}
	// The fake Odoo's calendar is its own: forecast and plan from its "today", not the machine's.
	set.Now = srv.Now
	s, eng, err := app.openEngine(ctx, set)
	if err != nil {
		return err
	}
	defer s.Close()

	// The receiver needs the connection's secret, which the connection needs the receiver's URL for: listen
	// first, add the connection, then serve.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	name, apiKey, database, login := "demo", "test-api-key-0123456789", srv.Database(), "admin"
	hookURL := "http://" + ln.Addr().String() + "/hooks/odoo"
	added, err := app.manager(s).Add(ctx, connectionFields(name, srv.URL(), database, login, apiKey, hookURL))
	if err != nil {
		ln.Close()
		return err
	}
	recv, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{added.GeneratedSecret}, Out: prefixWriter{out, "  receiver: "}})
	if err != nil {
		ln.Close()
		return err
	}
	hsrv := &http.Server{Handler: recv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hsrv.Serve(ln) }()
	defer hsrv.Close()
	fmt.Fprintf(out, "  webhook receiver on %s verifies signatures with the connection's secret\n", hookURL)
	fmt.Fprintf(out, "Database: SQLite %s\n\n", o.dbPath)

	fmt.Fprintln(out, "1. First sync: everything (a baseline: history is stored, no webhooks are sent for it)")
	f := syncFlags{deliverWait: 15 * time.Second}
	if err := app.syncAll(ctx, eng, f); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n2. The fake Odoo does business for a simulated 8 hours...")
	stats, err := srv.SimulateActivity(demoEvents, demoStep)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   %d new orders, %d confirmed, %d cancelled, %d deliveries, %d edited lines\n",
		stats.NewOrders, stats.Confirmed, stats.Cancelled, stats.Delivered, stats.Edited)

	fmt.Fprintln(out, "\n3. Second sync: only what changed, and a signed webhook for every confirmed, changed or cancelled order")
	if err := app.syncAll(ctx, eng, f); err != nil {
		return err
	}
	if err := app.deliverAndReport(ctx, eng, f.deliverWait); err != nil {
		return err
	}
	fmt.Fprintf(out, "   the receiver verified %d events\n", recv.Unique())

	fmt.Fprintln(out, "\n4. Forecast demand per SKU, 12 months ahead (method chosen per SKU by backtest)")
	if err := app.forecastToDB(ctx, eng, added.Connection); err != nil {
		return err
	}

	if err := app.demoSummary(ctx, s, added.Connection, time.Since(start)); err != nil {
		return err
	}
	if o.serve {
		fmt.Fprintf(out, "\nTry next (in another terminal, while this one runs):\n")
	} else {
		fmt.Fprintf(out, "\nTry next (the fake Odoo stopped with this command; the stored data stays):\n")
	}
	exe, _ := os.Executable()
	se := tryCommand(exe, exec.LookPath)
	fmt.Fprintf(out, "  export DATABASE_URL=sqlite:%s SALESENGINE_ENCRYPTION_KEY=%s SALESENGINE_WEBHOOK_ALLOW_PRIVATE=true\n", o.dbPath, key)
	// No --month: the history ends today, so this month's plan is the one to look at, on any later day too.
	fmt.Fprintf(out, "  %s plan --priority ALTA\n  %[1]s connections list\n  %[1]s logs\n", se)
	fmt.Fprintf(out, "  sqlite3 %s \"SELECT sku, COUNT(*), SUM(quantity) FROM sales_items GROUP BY sku ORDER BY 3 DESC LIMIT 10\"\n", o.dbPath)
	if o.serve {
		fmt.Fprintf(out, "  %s sync          # beside the service, which polls the fake Odoo too\n", se)
	}
	if se == goRunCommand {
		fmt.Fprintln(out, "  (go install ./cmd/salesengine puts the salesengine command in $(go env GOPATH)/bin; with that on PATH,\n  type salesengine instead of go run ./cmd/salesengine)")
	}
	if !o.serve {
		return nil
	}
	return app.serveDemo(ctx, eng, set, srv, added.Connection, o)
}

// serveDemo runs the service on the demo's data until ctx ends: the dashboard, a poller of the fake Odoo (which
// keeps doing business) and the delivery of its webhooks to the receiver, as 'serve' would.
func (app *App) serveDemo(ctx context.Context, eng *engine.Engine, set engine.Settings, srv *odootest.Server, c *store.Connection, o demoOptions) error {
	// Like serve: one per SQLite file, so a 'serve' started on the demo's database is refused.
	release, err := sqlite.LockProcess(o.dbPath)
	if err != nil {
		return err
	}
	defer release()
	addr, err := freeOr(o.addr)
	if err != nil {
		return err
	}
	opts := engine.ServeOptions{Addr: addr, Exclusive: true}
	if err := engine.LoadServeSchedule(app.Config, &opts); err != nil {
		return err
	}
	if err := app.mountDashboard(&opts, eng, o.ui, set.Location); err != nil {
		return err
	}
	opts.Started = func() {
		fmt.Fprintf(app.Stdout, "\nDashboard: http://%s/\n", browsable(addr))
		fmt.Fprintf(app.Stdout, "The fake Odoo (%s) does some business every %s; the service polls it every %s, delivers its\n"+
			"webhooks to the receiver and shows it all in the dashboard. Ctrl-C stops them.\n", srv.URL(), shortDur(demoLiveEvery), shortDur(c.PollInterval))
	}
	go keepFakeOdooLive(ctx, srv, app.clock, demoLiveEvery)
	if err := eng.Serve(ctx, opts); err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "stopped")
	return nil
}

// shortDur is a duration as people write it: 1m, not 1m0s.
func shortDur(d time.Duration) string {
	s := d.String()
	for _, zero := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, zero) {
			s = s[:len(s)-len(zero)+1]
		}
	}
	return s
}

// freeOr is addr when its port is free, else a free port on its host: the demo's 8080 is often taken.
func freeOr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(addr)
		if splitErr != nil {
			return "", usagef("give host:port, e.g. 127.0.0.1:8080", "--addr %q: %v", addr, splitErr)
		}
		if ln, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
			return "", fmt.Errorf("listen on %s: %w", addr, err)
		}
	}
	free := ln.Addr().String()
	ln.Close() // Serve listens on it again at once
	return free, nil
}

// demoLiveEvery is how often the served demo's fake Odoo does one more business event.
const demoLiveEvery = 30 * time.Second

// keepFakeOdooLive runs until ctx ends: the fake Odoo's clock follows now (a frozen clock would look to a
// sync like an Odoo whose clock went back), and it does one business event every `every`, so a 'sync' in
// another terminal has something to find.
func keepFakeOdooLive(ctx context.Context, srv *odootest.Server, now func() time.Time, every time.Duration) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	next := now().Add(every)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t := now().UTC()
		if t.After(srv.Now()) {
			srv.SetNow(t)
		}
		if !t.Before(next) {
			next = t.Add(every)
			_, _ = srv.SimulateActivity(1, 0) // a failed event changes nothing; the next one may work
		}
	}
}

// The demo's simulated business day: demoEvents events, demoStep apart on the fake Odoo's clock (8 hours).
const (
	demoEvents = 40
	demoStep   = 12 * time.Minute
)

// goRunCommand runs salesengine from a checkout without installing it.
const goRunCommand = "go run ./cmd/salesengine"

// tryCommand is how the demo's "try next" lines spell the command, so that they work in the reader's shell:
// the go run form when this binary was built by go run (or go test) in a temporary directory, the bare name
// when that name on PATH is this binary, and otherwise the binary's own path.
func tryCommand(exe string, lookPath func(string) (string, error)) string {
	if exe == "" || strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return goRunCommand
	}
	if p, err := lookPath("salesengine"); err == nil {
		a, errA := os.Stat(p)
		b, errB := os.Stat(exe)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return "salesengine"
		}
	}
	return exe
}

func (app *App) demoSummary(ctx context.Context, s store.Store, c *store.Connection, took time.Duration) error {
	n, err := s.ConnectionDataCount(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "\nDone in %s: %d orders and %d order lines over %d SKUs stored.\n", took.Round(100*time.Millisecond), n.Orders, n.Items, n.SKUs)
	return nil
}

// prefixWriter starts every write with a prefix (the receiver writes one line per request).
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}
