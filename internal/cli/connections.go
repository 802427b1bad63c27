package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

func (app *App) connectionsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "connections",
		Aliases: []string{"connection", "conn"},
		Short:   "Add, list, edit, delete and test Odoo connections",
		Long: `A connection is one Odoo database Sales Engine syncs, with where its order webhooks go. Secrets (the
API key and the webhook secret) are stored encrypted with SALESENGINE_ENCRYPTION_KEY and never printed, except
a generated webhook secret once and 'show-secret' on request.
The previous system's verbs work too: 'salesengine add', 'list', 'edit', 'delete', 'test'.`,
	}
	cmd.AddCommand(app.connectionAddCommand(), app.connectionListCommand(), app.connectionEditCommand(),
		app.connectionDeleteCommand(), app.connectionTestCommand(), app.connectionShowSecretCommand())
	return cmd
}

// connectionAliases are the previous system's top-level verbs.
func (app *App) connectionAliases() []*cobra.Command {
	cmds := []*cobra.Command{app.connectionAddCommand(), app.connectionListCommand(), app.connectionEditCommand(),
		app.connectionDeleteCommand(), app.connectionTestCommand()}
	for _, c := range cmds {
		c.Hidden = true
		c.Short += " (alias of 'connections " + strings.Fields(c.Use)[0] + "')"
	}
	return cmds
}

// connFlags are the editable fields as flags.
type connFlags struct {
	name, url, database, username, apiKey, apiKeyFile, protocol, webhookURL, webhookSecret string
	pollInterval                                                                           time.Duration
	active, webhookEnabled                                                                 bool
}

func (f *connFlags) register(fs *pflag.FlagSet, edit bool) {
	fs.StringVar(&f.name, "name", "", "a unique name for the connection (e.g. acme-mx)")
	fs.StringVar(&f.url, "url", "", "Odoo URL, e.g. https://acme.odoo.com")
	fs.StringVar(&f.database, "database", "", "Odoo database name")
	fs.StringVar(&f.username, "username", "", "Odoo login of the API user")
	fs.StringVar(&f.apiKey, "api-key", "", "API key or password ('-' reads it from standard input)")
	fs.StringVar(&f.apiKeyFile, "api-key-file", "", "read the API key from this file")
	fs.StringVar(&f.protocol, "protocol", "auto", "auto, json2, jsonrpc or xmlrpc")
	fs.StringVar(&f.webhookURL, "webhook-url", "", "where order webhooks go (empty: no webhooks)")
	fs.StringVar(&f.webhookSecret, "webhook-secret", "", "whsec_ signing secret (empty: generate one)")
	fs.DurationVar(&f.pollInterval, "poll-interval", connections.DefaultPollInterval, "how often 'serve' syncs this connection (Go duration, at least 10s: 60s, 5m); 'run' and 'sync' sync whenever they are run")
	if edit {
		fs.BoolVar(&f.active, "active", true, "sync this connection (false pauses it)")
		fs.BoolVar(&f.webhookEnabled, "webhook-enabled", true, "deliver webhooks (re-enable after 410 Gone disabled them)")
	}
}

// fields returns only the flags the user set.
func (f *connFlags) fields(app *App, fs *pflag.FlagSet) (connections.Fields, error) {
	var out connections.Fields
	set := func(name string, dst **string, v string) {
		if fs.Changed(name) {
			s := v
			*dst = &s
		}
	}
	set("name", &out.Name, f.name)
	set("url", &out.URL, f.url)
	set("database", &out.Database, f.database)
	set("username", &out.Username, f.username)
	set("protocol", &out.Protocol, f.protocol)
	set("webhook-url", &out.WebhookURL, f.webhookURL)
	set("webhook-secret", &out.WebhookSecret, f.webhookSecret)
	if fs.Changed("poll-interval") {
		out.PollInterval = &f.pollInterval
	}
	if fs.Changed("active") {
		out.Active = &f.active
	}
	switch {
	case fs.Changed("api-key") && fs.Changed("api-key-file"):
		return out, usagef("", "give either --api-key or --api-key-file, not both")
	case fs.Changed("api-key") && f.apiKey == "-":
		b, err := io.ReadAll(io.LimitReader(app.Stdin, 64<<10))
		if err != nil {
			return out, fmt.Errorf("read API key from standard input: %w", err)
		}
		k := strings.TrimSpace(string(b))
		out.APIKey = &k
	case fs.Changed("api-key"):
		out.APIKey = &f.apiKey
	case fs.Changed("api-key-file"):
		b, err := os.ReadFile(f.apiKeyFile)
		if err != nil {
			return out, fmt.Errorf("--api-key-file: %w", err)
		}
		k := strings.TrimSpace(string(b))
		out.APIKey = &k
	}
	return out, nil
}

func (app *App) connectionAddCommand() *cobra.Command {
	var f connFlags
	var noInput bool
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add an Odoo connection",
		Long: `Add a connection. On a terminal, whatever the flags do not give is asked for (the API key without echo);
each answer is checked when it is given, and a wrong one is explained and asked again. In scripts, give every
field as a flag and --no-input. With a webhook URL and no secret, a signing secret is
generated and shown once: copy it to the receiving system.`,
		Example: `  salesengine connections add
  salesengine connections add --no-input --name acme --url https://acme.odoo.com --database acme \
      --username api@acme.mx --api-key-file /run/secrets/acme_key --webhook-url https://inventory.acme.mx/hooks/odoo
  printf '%s' "$KEY" | salesengine connections add --no-input --name beta --url https://beta.odoo.com \
      --database beta --username api@beta.mx --api-key -`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fields, err := f.fields(app, cmd.Flags())
			if err != nil {
				return err
			}
			// The key and the database first: a problem with them must not cost the user the answers typed.
			if _, err := app.keyring(); err != nil {
				return err
			}
			s, err := app.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			m := app.manager(s)
			if p, ok := app.prompter(); ok && !noInput {
				var ve *connections.ValidationError
				if err := m.CheckNew(cmd.Context(), fields); errors.As(err, &ve) {
					return usagef("run 'salesengine connections add --help' for every flag", "%s", ve.Error())
				} else if err != nil {
					return err
				}
				if err := askMissing(p, &fields, engine.LoadConnections(app.Config).DefaultWebhookURL, func(f connections.Fields) error {
					return m.CheckNew(cmd.Context(), f)
				}); err != nil {
					return err
				}
			}
			if fields.Protocol == nil || *fields.Protocol == "" {
				fields.Protocol = &f.protocol // the flag's default, auto
			}
			added, err := m.Add(cmd.Context(), fields)
			var ve *connections.ValidationError
			if errors.As(err, &ve) {
				return usagef("run 'salesengine connections add --help' for every flag", "%s", ve.Error())
			}
			if errors.Is(err, store.ErrAlreadyExists) {
				return usagef("pick another --name, or change the existing one with 'salesengine connections edit'", "a connection named %q already exists", *fields.Name)
			}
			if err != nil {
				return err
			}
			c := added.Connection
			fmt.Fprintf(app.Stdout, "added connection %d %q (%s, database %q)\n", c.ID, c.Name, c.URL, c.Database)
			app.printGeneratedSecret(c, added.GeneratedSecret)
			fmt.Fprintf(app.Stdout, "next: salesengine connections test %s\n", c.Name)
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&noInput, "no-input", false, "never prompt: fail when a required field is missing")
	return cmd
}

// askMissing prompts for the fields a new connection needs that the flags did not give. Each answer is checked
// as soon as it is given (check sees the fields answered so far); a wrong one is explained and asked again.
func askMissing(p *prompter, f *connections.Fields, defaultWebhook string, check func(connections.Fields) error) error {
	// valid reports whether the answers so far pass check, printing what is wrong when they do not.
	valid := func(only connections.Fields) (bool, error) {
		err := check(only)
		var ve *connections.ValidationError
		if errors.As(err, &ve) {
			for _, problem := range ve.Problems {
				fmt.Fprintf(p.out, "  ! %s\n", problem)
			}
			return false, nil
		}
		return err == nil, err
	}
	ask := func(dst **string, q, def string, secret bool, only func() connections.Fields) error {
		if *dst != nil && **dst != "" {
			return nil
		}
		for {
			var v string
			var err error
			if secret {
				v, err = p.askSecret(q)
			} else {
				v, err = p.ask(q, def)
			}
			if err != nil {
				return err
			}
			*dst = &v
			if ok, err := valid(only()); ok || err != nil {
				return err
			}
		}
	}
	steps := []struct {
		dst    **string
		q, def string
		secret bool
		only   func() connections.Fields // what the answer is checked with
	}{
		{&f.Name, "Name", "", false, func() connections.Fields { return connections.Fields{Name: f.Name} }},
		{&f.URL, "Odoo URL (https://...)", "", false, func() connections.Fields { return connections.Fields{URL: f.URL} }},
		{&f.Protocol, "Protocol (auto, json2, jsonrpc, xmlrpc)", "auto", false, func() connections.Fields { return connections.Fields{Protocol: f.Protocol} }},
		{&f.Database, "Database", "", false, func() connections.Fields { return connections.Fields{Database: f.Database, Protocol: f.Protocol} }},
		{&f.Username, "Login", "", false, func() connections.Fields { return connections.Fields{Username: f.Username, Protocol: f.Protocol} }},
		{&f.APIKey, "API key or password (hidden)", "", true, func() connections.Fields { return connections.Fields{APIKey: f.APIKey} }},
		{&f.WebhookURL, "Webhook URL (empty: no webhooks)", defaultWebhook, false, func() connections.Fields { return connections.Fields{WebhookURL: f.WebhookURL} }},
	}
	for _, s := range steps {
		if err := ask(s.dst, s.q, s.def, s.secret, s.only); err != nil {
			return err
		}
	}
	if f.WebhookURL != nil && *f.WebhookURL != "" {
		if err := ask(&f.WebhookSecret, "Webhook secret (empty: generate one)", "", true,
			func() connections.Fields { return connections.Fields{WebhookSecret: f.WebhookSecret} }); err != nil {
			return err
		}
	}
	for f.PollInterval == nil {
		v, err := p.ask("Poll interval", connections.DefaultPollInterval.String())
		if err != nil {
			return err
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintf(p.out, "  ! poll interval %q is not a duration: use one such as 60s or 5m\n", v)
			continue
		}
		if ok, err := valid(connections.Fields{PollInterval: &d}); err != nil {
			return err
		} else if ok {
			f.PollInterval = &d
		}
	}
	return nil
}

// connectionView is a connection as list shows it: secrets only as set/unset.
type connectionView struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	URL            string `json:"url"`
	Database       string `json:"database"`
	Username       string `json:"username"`
	Protocol       string `json:"protocol"`
	ServerVersion  string `json:"server_version"`
	APIKey         string `json:"api_key"`
	WebhookURL     string `json:"webhook_url"`
	WebhookSecret  string `json:"webhook_secret"`
	WebhookEnabled bool   `json:"webhook_enabled"`
	Circuit        string `json:"circuit"`
	// The Odoo circuit: passes are skipped while open, until odoo_circuit_until.
	OdooCircuit         string     `json:"odoo_circuit"`
	OdooCircuitFailures int        `json:"odoo_circuit_failures"`
	OdooCircuitUntil    *time.Time `json:"odoo_circuit_until,omitempty"`
	PollInterval        string     `json:"poll_interval"`
	Active              bool       `json:"active"`
}

func masked(enc string) string {
	if enc == "" {
		return "-"
	}
	return "set (encrypted)"
}

func viewOf(c *store.Connection) connectionView {
	return connectionView{ID: c.ID, Name: c.Name, URL: c.URL, Database: c.Database, Username: c.Username,
		Protocol: c.Protocol, ServerVersion: c.ServerVersion, APIKey: masked(c.APIKeyEncrypted), WebhookURL: c.WebhookURL,
		WebhookSecret: masked(c.WebhookSecretEncrypted), WebhookEnabled: c.WebhookEnabled, Circuit: c.CircuitState,
		OdooCircuit: c.OdooCircuitState, OdooCircuitFailures: c.OdooCircuitFailures, OdooCircuitUntil: c.OdooCircuitUntil,
		PollInterval: c.PollInterval.String(), Active: c.Active}
}

func (app *App) connectionListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List connections (secrets masked)",
		Long:  "List every connection with its Odoo, webhook and schedule. Secrets show only whether they are set.",
		Example: `  salesengine connections list
  salesengine connections list --json | jq '.[].name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := app.openStoreForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			conns, err := s.ConnectionList(cmd.Context(), nil)
			if err != nil {
				return err
			}
			views := make([]connectionView, 0, len(conns))
			for _, c := range conns {
				views = append(views, viewOf(c))
			}
			if asJSON {
				return writeJSON(app.Stdout, views)
			}
			if len(views) == 0 {
				fmt.Fprintln(app.Stdout, "no connections yet: add one with 'salesengine connections add'")
				return nil
			}
			t := newTable(app.Stdout, "ID", "NAME", "URL", "DATABASE", "LOGIN", "PROTOCOL", "VERSION", "WEBHOOK", "ACTIVE", "POLL", "CIRCUIT")
			for _, v := range views {
				hook := v.WebhookURL
				switch {
				case hook == "":
					hook = "-"
				case !v.WebhookEnabled:
					hook += " (disabled)"
				}
				t.row(v.ID, v.Name, v.URL, dash(v.Database), dash(v.Username), v.Protocol, dash(v.ServerVersion), hook,
					yesNo(v.Active), v.PollInterval, circuitCell(v))
			}
			return t.flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// circuitCell says which of a connection's circuits is not closed: "odoo open until 14:32:10 (5 consecutive failures)",
// "webhook half_open", both separated by a comma, or "closed".
func circuitCell(v connectionView) string {
	var parts []string
	if v.OdooCircuit != "" && v.OdooCircuit != store.CircuitClosed {
		p := "odoo " + v.OdooCircuit
		if v.OdooCircuitUntil != nil {
			p += " until " + clock(*v.OdooCircuitUntil)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", p, engine.ConsecutiveFailures(v.OdooCircuitFailures)))
	}
	if v.Circuit != "" && v.Circuit != store.CircuitClosed {
		parts = append(parts, "webhook "+v.Circuit)
	}
	if len(parts) == 0 {
		return "closed"
	}
	return strings.Join(parts, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// openConnection opens the store and finds the connection named by an ID or NAME argument; the caller closes
// the store.
func (app *App) openConnection(ctx context.Context, ref string) (store.Store, *store.Connection, error) {
	s, err := app.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := engine.ResolveConnection(ctx, s, ref)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, c, nil
}

func exactlyOneConnection(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef("run '"+cmd.CommandPath()+" --help' for usage", "%s needs one connection ID or NAME, got %d arguments", cmd.CommandPath(), len(args))
	}
	return nil
}

func (app *App) connectionEditCommand() *cobra.Command {
	var f connFlags
	var resetData, keepData bool
	cmd := &cobra.Command{
		Use:   "edit ID|NAME",
		Short: "Change a connection's settings",
		Long: `Change only the settings given as flags. A new --webhook-secret does not cut off receivers that still
check the old one: deliveries carry both signatures until the next secret change. A connection given a webhook
URL without a secret gets a generated one, shown once.

A connection's data belongs to one Odoo database. Pointing a connection that holds data at another one
(--url, --database) is refused unless you say what becomes of the data: --reset-data deletes its orders,
lines, products, inventory, forecasts, sync cursors and undelivered webhook events (one transaction) so the
next sync is an initial one; --keep-data keeps them, for the same database at a new address. Both work alone
too, after a sync refused the connection because its Odoo changed.`,
		Example: `  salesengine connections edit acme --poll-interval 5m
  salesengine connections edit 3 --api-key-file /run/secrets/new_key
  salesengine connections edit acme --webhook-enabled=true     # after the endpoint answered 410 Gone
  salesengine connections edit acme --url https://erp.acme.mx --keep-data    # same database, new address
  salesengine connections edit default --reset-data           # it points at another Odoo now: start over`,
		Args: exactlyOneConnection,
		RunE: func(cmd *cobra.Command, args []string) error {
			fields, err := f.fields(app, cmd.Flags())
			if err != nil {
				return err
			}
			if resetData && keepData {
				return usagef("--reset-data deletes the stored data, --keep-data keeps it: give one", "--reset-data and --keep-data contradict each other")
			}
			if fields == (connections.Fields{}) && !cmd.Flags().Changed("webhook-enabled") && !resetData && !keepData {
				return usagef("run 'salesengine connections edit --help' for the flags", "nothing to change: give at least one flag")
			}
			s, c, err := app.openConnection(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			m := app.manager(s)
			data := connections.DataRefuse
			switch {
			case resetData:
				data = connections.DataReset
			case keepData:
				data = connections.DataKeep
			}
			ed, err := m.Edit(cmd.Context(), c, fields, data)
			var ve *connections.ValidationError
			var ie *connections.IdentityChangeError
			switch {
			case errors.As(err, &ve):
				return usagef("", "%s", ve.Error())
			case errors.As(err, &ie):
				return usagef("nothing was changed", "%s", ie.Error())
			case err != nil:
				return err
			}
			c = ed.Connection
			if cmd.Flags().Changed("webhook-enabled") {
				on := f.webhookEnabled
				if c, err = s.ConnectionUpdate(cmd.Context(), &store.ConnectionUpdateParams{ID: c.ID, WebhookEnabled: &on}); err != nil {
					return err
				}
				if on {
					fmt.Fprintf(app.Stdout, "webhooks of %q enabled; events held meanwhile go out with 'salesengine retry --all -c %s'\n", c.Name, c.Name)
				}
			}
			fmt.Fprintf(app.Stdout, "updated connection %d %q\n", c.ID, c.Name)
			if r := ed.Reset; r != nil {
				supply := ""
				if r.Supply > 0 {
					supply = fmt.Sprintf(", %d manufacturing and purchasing rows", r.Supply)
				}
				if r.ForecastRuns > 0 {
					supply += fmt.Sprintf(", %d past forecast runs", r.ForecastRuns)
				}
				if r.StockMoves > 0 {
					supply += fmt.Sprintf(", %d stock moves", r.StockMoves)
				}
				fmt.Fprintf(app.Stdout, "deleted its data: %d orders, %d order lines, %d products, %d inventory rows, %d forecast rows, "+
					"%d plan rows%s, %d sync cursors, %d undelivered webhook events; the next sync is an initial one\n",
					r.Orders, r.Items, r.Products, r.Inventory, r.Forecast, r.Plan, supply, r.Cursors, r.PendingEvents)
			}
			app.printGeneratedSecret(c, ed.GeneratedSecret)
			return nil
		},
	}
	f.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&resetData, "reset-data", false, "delete the connection's stored Odoo data (orders, lines, products, inventory, forecasts, cursors, undelivered events): the next sync starts from scratch")
	cmd.Flags().BoolVar(&keepData, "keep-data", false, "keep the stored data when --url or --database change: the same Odoo database at a new address")
	return cmd
}

// confirmed reports whether to go ahead: yes given, or the user answered yes to question on a terminal. Off a
// terminal and without yes it is a usage error: refusal, then why, with the hint.
func (app *App) confirmed(yes bool, question, refusal, hint string) (bool, error) {
	if yes {
		return true, nil
	}
	p, ok := app.prompter()
	if !ok {
		return false, usagef(hint, "%s without confirmation (standard input is not a terminal)", refusal)
	}
	return p.confirm(question)
}

// printGeneratedSecret shows a webhook secret Sales Engine generated: once, here, never again.
func (app *App) printGeneratedSecret(c *store.Connection, secret string) {
	if secret == "" {
		return
	}
	fmt.Fprintf(app.Stdout, "webhook signing secret of %q (store it now in the receiving system: it will not be shown again):\n  %s\n", c.Name, secret)
}

func (app *App) connectionDeleteCommand() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete ID|NAME",
		Short: "Delete a connection and all its data",
		Long: `Delete a connection with everything stored for it: orders, items, products, inventory, forecasts, the
production plan, sync logs and webhook deliveries. Nothing changes in Odoo. Asks for confirmation unless --yes.
When webhook events of the connection were never delivered (waiting, or dead-lettered), it says how many and
deletes only with --yes, even on a terminal: once deleted, they are never sent.`,
		Example: `  salesengine connections delete acme
  salesengine connections delete 3 --yes`,
		Args: exactlyOneConnection,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, c, err := app.openConnection(ctx, args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			summary, err := dataSummary(ctx, s, c.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(app.Stderr, "connection %d %q holds %s\n", c.ID, c.Name, summary)
			byState, err := s.WebhookDeliveryCountByState(ctx, c.ID)
			if err != nil {
				return err
			}
			if waiting, dead := byState[store.DeliveryPending], byState[store.DeliveryDead]; waiting+dead > 0 {
				fmt.Fprintf(app.Stderr, "%d webhook events of %q were never delivered (%d waiting to be sent, %d dead-lettered): deleting the connection deletes them, and they are never sent\n",
					waiting+dead, c.Name, waiting, dead)
				if !yes {
					return usagef("deliver them first with 'salesengine retry --all -c "+c.Name+"', or add --yes to delete them with the connection",
						"refusing to delete %q: %d webhook events were never delivered", c.Name, waiting+dead)
				}
			}
			if ok, err := app.confirmed(yes, fmt.Sprintf("Delete connection %q and all its data?", c.Name),
				fmt.Sprintf("refusing to delete %q", c.Name), "add --yes to delete without being asked"); !ok {
				if err == nil {
					fmt.Fprintln(app.Stdout, "nothing deleted")
				}
				return err
			}
			if err := s.ConnectionDelete(ctx, c.ID); err != nil {
				return err
			}
			fmt.Fprintf(app.Stdout, "deleted connection %d %q and its data\n", c.ID, c.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation (needed, even on a terminal, to delete webhook events never delivered)")
	return cmd
}

// dataSummary says what deleting a connection removes.
func dataSummary(ctx context.Context, s store.Store, id int64) (string, error) {
	n, err := s.ConnectionDataCount(ctx, id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d orders, %d order lines, %d products, %d inventory rows, %d stock moves, %d manufacturing and purchasing rows, "+
		"%d forecast rows, %d past forecast runs, %d plan rows, %d forecast overrides, %d webhook events, %d sync logs",
		n.Orders, n.Items, n.Products, n.Inventory, n.StockMoves, n.Supply, n.Forecast, n.ForecastRuns, n.Plan, n.Overrides, n.Deliveries,
		n.SyncLogs), nil
}

func (app *App) connectionTestCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "test ID|NAME",
		Short: "Check a connection: Odoo login, version, read rights, and a signed test webhook",
		Long: `Log in to the connection's Odoo, report its version and the protocol in use, check that the API user can
read every model the sync needs, and, when a webhook URL is set, send it a signed 'connection.test' event.
Exits 1 when anything fails.`,
		Example: `  salesengine connections test acme
  salesengine connections test 3 --json`,
		Args: exactlyOneConnection,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, eng, err := app.openEngineFor(ctx, engine.NeedTest)
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := engine.ResolveConnection(ctx, s, args[0])
			if err != nil {
				return err
			}
			rep, err := eng.TestConnection(ctx, c)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(app.Stdout, rep); err != nil {
					return err
				}
			} else {
				printTestReport(app.Stdout, rep)
			}
			if !rep.OK {
				return fmt.Errorf("connection %q failed its test", c.Name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printTestReport(w io.Writer, rep *connections.TestReport) {
	fmt.Fprintf(w, "connection %s\n", rep.Connection)
	if rep.LoginError != "" {
		fmt.Fprintf(w, "  login:    FAILED: %s\n", rep.LoginError)
	} else {
		fmt.Fprintf(w, "  login:    ok (Odoo %s over %s; companies: %s)\n", rep.ServerVersion, rep.Protocol, strings.Join(rep.Companies, ", "))
	}
	for _, m := range rep.Models {
		if m.Error != "" {
			fmt.Fprintf(w, "  read %-16s FAILED: %s\n", m.Model+":", m.Error)
		} else {
			fmt.Fprintf(w, "  read %-16s ok (%d records)\n", m.Model+":", m.Count)
		}
	}
	printModules(w, rep)
	if rep.Webhook != nil {
		if rep.Webhook.Delivered {
			fmt.Fprintf(w, "  webhook:  ok (%s answered %d to a signed test event)\n", rep.Webhook.URL, rep.Webhook.Status)
		} else {
			fmt.Fprintf(w, "  webhook:  FAILED: %s: %s\n", rep.Webhook.URL, rep.Webhook.Error)
		}
	}
}

// printModules prints which apps are installed and, where mrp or purchase is, whether their models can be read.
func printModules(w io.Writer, rep *connections.TestReport) {
	m := rep.Modules
	switch {
	case m == nil:
		return
	case m.Error != "":
		fmt.Fprintf(w, "  modules:  FAILED: %s\n", m.Error)
		return
	}
	line := strings.Join(m.Installed, ", ")
	if line == "" {
		line = "none of sale, stock, mrp, purchase"
	}
	if len(m.Missing) > 0 {
		line += "; not installed: " + strings.Join(m.Missing, ", ")
	}
	if m.Probed {
		line += " (ir.module.module is not readable: found by probing their models)"
	}
	fmt.Fprintf(w, "  modules:  %s\n", line)
	if !slices.Contains(m.Installed, "mrp") && !slices.Contains(m.Installed, "purchase") {
		fmt.Fprintln(w, "            without mrp or purchase, only sales and stock are read; the plan has no manufacturing or purchase data")
	}
	for _, s := range rep.SupplyModels {
		if s.Error != "" {
			fmt.Fprintf(w, "  read %-27s not readable, the sync skips it: %s\n", s.Model+":", s.Error)
		} else {
			fmt.Fprintf(w, "  read %-27s ok (%d records)\n", s.Model+":", s.Count)
		}
	}
}

func (app *App) connectionShowSecretCommand() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "show-secret ID|NAME",
		Short: "Print a connection's webhook signing secret (for a lost one)",
		Long: `Print the connection's current webhook signing secret, the whsec_ value the receiving system checks
signatures with, alone on standard output. Use it when the secret shown once at creation was lost, or was never
shown (a connection made from ODOO_* variables without POLLER_DEFAULT_WEBHOOK_SECRET).

On a terminal it asks first; in scripts give --yes (standard input not being a terminal, it refuses without).`,
		Example: `  salesengine connections show-secret acme
  salesengine connections show-secret default --yes > /run/secrets/odoo_webhook_secret`,
		Args: exactlyOneConnection,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := app.keyring(); err != nil {
				return err
			}
			s, c, err := app.openConnection(ctx, args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			secrets, err := app.manager(s).WebhookSecrets(c)
			if err != nil {
				return err
			}
			if len(secrets) == 0 || c.WebhookSecretEncrypted == "" {
				return usagef("give it a webhook URL with 'salesengine connections edit "+c.Name+" --webhook-url URL' (a secret is generated and shown)",
					"connection %q has no webhook secret", c.Name)
			}
			if ok, err := app.confirmed(yes, fmt.Sprintf("Print the webhook signing secret of %q on this screen?", c.Name),
				fmt.Sprintf("refusing to print the webhook secret of %q", c.Name), "add --yes to print it anyway"); !ok {
				if err == nil {
					fmt.Fprintln(app.Stderr, "nothing printed")
				}
				return err
			}
			fmt.Fprintln(app.Stdout, secrets[0])
			if len(secrets) > 1 {
				fmt.Fprintln(app.Stderr, "(deliveries are signed with the previous secret too, until the next secret change)")
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "print without asking")
	return cmd
}

func connectionFields(name, url, database, login, apiKey, webhookURL string) connections.Fields {
	return connections.Fields{Name: &name, URL: &url, Database: &database, Username: &login, APIKey: &apiKey, WebhookURL: &webhookURL}
}
