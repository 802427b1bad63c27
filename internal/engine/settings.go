package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// This file is the one place configuration variables are read by name. Every other part of the engine (and the
// commands) works with the typed, checked values below.

// Needs says which sections of Settings to load. A command loads only what it uses, so a malformed variable
// fails the commands that use it and no other. Sections load in the order of these constants, so when several
// variables are wrong the first reported is always the same.
type Needs uint16

const (
	// NeedForecast loads Forecast and Location.
	NeedForecast Needs = 1 << iota
	// NeedWebhook loads Webhook: what the delivery queue needs.
	NeedWebhook
	// NeedTest loads Test: what 'connections test' needs.
	NeedTest
	// NeedTargets loads Targets: the connection defined by ODOO_* variables.
	NeedTargets
	// NeedSync loads Sync.
	NeedSync
	// NeedPlan loads Plan and Location.
	NeedPlan
)

// Settings configure an Engine. A nil section was not loaded; a stage that needs it says so.
type Settings struct {
	// Connections is always loaded: it never fails (a missing or malformed key is reported by what needs it).
	Connections ConnectionSettings
	Forecast    *ForecastSettings
	Webhook     *WebhookSettings
	Test        *TestSettings
	Targets     *TargetSettings
	Sync        *SyncSettings
	Plan        *PlanSettings
	// Location is the business's time zone (SALESENGINE_TIMEZONE): an order belongs to the month of its local
	// date, and "this month" is the local one. Loaded with Forecast or Plan.
	Location *time.Location
	// Now is the clock "today" is read from: the forecast's date and this month of the plan. Nil: time.Now.
	Now func() time.Time
}

// ConnectionSettings are what working on stored connections needs: the key of their secrets.
type ConnectionSettings struct {
	// Keys decrypt and encrypt the stored secrets; nil when KeysErr says why (unset, or malformed).
	Keys    *secret.Keyring
	KeysErr error
	// DefaultWebhookURL is given to new connections without one (POLLER_DEFAULT_WEBHOOK_URL).
	DefaultWebhookURL string
}

// Keyring returns the keys, or why there are none.
func (c ConnectionSettings) Keyring() (*secret.Keyring, error) { return c.Keys, c.KeysErr }

// Manager is the connections manager over s with these settings.
func (c ConnectionSettings) Manager(s store.Store) *connections.Manager {
	return &connections.Manager{Store: s, Keys: c.Keys, KeysErr: c.KeysErr, DefaultWebhookURL: c.DefaultWebhookURL}
}

// SyncSettings configure a connection's sync pass.
type SyncSettings struct {
	PageSize int // records per Odoo call, 1 to 10000
	// Lag keeps the cursor behind Odoo's clock (more than 0); Recheck is how far behind the cursor each pass
	// looks again.
	Lag, Recheck time.Duration
	// RecentEvery is how often the recent months are reconciled (0: after every pass); ReconcileEvery the whole
	// history (0: never by itself).
	RecentEvery, ReconcileEvery time.Duration
	// SendHistory sends webhooks for the orders a connection's first sync finds.
	SendHistory bool
	OdooTimeout time.Duration // of one Odoo call
	// OdooRetries is how often a call is retried on transient faults (SALESENGINE_ODOO_RETRIES; the client's
	// ClientOptions.Retries: 0 there is the default, so "none" is passed as -1).
	OdooRetries int
	Circuit     OdooCircuit
}

// OdooCircuit is the Odoo circuit breaker: after Failures consecutive passes failed because Odoo was
// unavailable, passes are skipped for Cooldown, then one trial pass decides.
type OdooCircuit struct {
	Failures int
	Cooldown time.Duration
}

// WebhookSettings configure the delivery queue.
type WebhookSettings struct {
	Timeout     time.Duration // of one delivery attempt
	MaxAttempts int
	// Concurrency is the number of deliveries in flight per endpoint, Workers in all.
	Concurrency, Workers int
	// AllowPrivate lets deliveries go to loopback and private addresses.
	AllowPrivate bool
	// RescueAfter is when a delivery job left running by a dead process is run again (0: River's default).
	RescueAfter time.Duration
	Breaker     webhook.BreakerPolicy
}

// TestSettings configure 'connections test'.
type TestSettings struct {
	AllowPrivate bool // the test webhook may go to a private address
}

// TargetSettings are the connection defined by the previous system's variables (ODOO_*, or ODOO_TEST_* with
// USE_TEST_ODOO=true): commands working on every connection create or update it first.
type TargetSettings struct {
	Env *connections.EnvSettings // nil: none defined
}

// ForecastSettings configure forecasting.
type ForecastSettings struct {
	Horizon int // months ahead, 1 to 120
	Level   int // of the stored prediction interval, percent
	Window  int // months of history used (0: all)
	Partial forecast.PartialMonth
	Round   bool // forecasts rounded to whole units
	// SnapshotRetention is how long every kept forecast run stays; older ones are thinned to the last of each
	// month (0: every run stays).
	SnapshotRetention time.Duration
}

// PlanSettings configure the production plan.
type PlanSettings struct {
	Config plan.Config
	// Horizon is the forecast's (a plan is for a month it covers).
	Horizon int
}

// settingError makes a malformed setting a usage error (exit 2) with its message: the user has a variable to
// fix, not a failure to wait out. Usage errors pass as they are.
func settingError(err error) error {
	var ue *UsageError
	if err == nil || errors.As(err, &ue) {
		return err
	}
	return &UsageError{Msg: err.Error(), Hint: SettingHint}
}

// SettingHint is the hint of a malformed setting's usage error.
const SettingHint = "see docs/configuration.md for the values it takes"

// LoadSettings reads and checks the sections of the settings that needs names; a malformed one is a usage
// error naming its variable.
func LoadSettings(cfg *config.Config, needs Needs) (Settings, error) {
	set, err := loadSettings(cfg, needs)
	return set, settingError(err)
}

func loadSettings(cfg *config.Config, needs Needs) (Settings, error) {
	set := Settings{Connections: LoadConnections(cfg)}
	var err error
	if needs&NeedForecast != 0 {
		if set.Forecast, err = loadForecast(cfg); err != nil {
			return set, err
		}
		if set.Location, err = loadLocation(cfg); err != nil {
			return set, err
		}
	}
	if needs&NeedWebhook != 0 {
		if set.Webhook, err = loadWebhook(cfg); err != nil {
			return set, err
		}
	}
	if needs&NeedTest != 0 {
		allow, err := cfg.Bool("SALESENGINE_WEBHOOK_ALLOW_PRIVATE")
		if err != nil {
			return set, err
		}
		set.Test = &TestSettings{AllowPrivate: allow}
	}
	if needs&NeedTargets != 0 {
		env, err := connections.EnvFromConfig(cfg)
		switch {
		case err == nil:
			set.Targets = &TargetSettings{Env: &env}
		case errors.Is(err, connections.ErrNoEnvConnection):
			set.Targets = &TargetSettings{}
		default:
			return set, err
		}
	}
	if needs&NeedSync != 0 {
		if set.Sync, err = loadSync(cfg); err != nil {
			return set, err
		}
	}
	if needs&NeedPlan != 0 {
		p := &PlanSettings{}
		if p.Config, err = loadPlanConfig(cfg); err != nil {
			return set, err
		}
		if set.Location == nil {
			if set.Location, err = loadLocation(cfg); err != nil {
				return set, err
			}
		}
		if set.Forecast != nil {
			p.Horizon = set.Forecast.Horizon
		} else if p.Horizon, err = loadHorizon(cfg); err != nil {
			return set, err
		}
		set.Plan = p
	}
	return set, nil
}

// LoadConnections reads the encryption key and the default webhook URL. It never fails: what needs the key
// reports why there is none.
func LoadConnections(cfg *config.Config) ConnectionSettings {
	keys, err := secret.ParseKeyring(cfg.Get("SALESENGINE_ENCRYPTION_KEY"))
	if err != nil && !errors.Is(err, secret.ErrNoKey) {
		err = settingError(err) // set, but not a key: a usage error; unset is said by what needs it
	}
	return ConnectionSettings{Keys: keys, KeysErr: err, DefaultWebhookURL: cfg.Get("POLLER_DEFAULT_WEBHOOK_URL")}
}

// LoadFullSync reads FORCE_FULL_SYNC: whether a pass re-reads everything.
func LoadFullSync(cfg *config.Config) (bool, error) {
	full, err := cfg.Bool("FORCE_FULL_SYNC")
	return full, settingError(err)
}

// LoadDeliverWait reads SALESENGINE_DELIVER_WAIT: how long a pass waits for its webhook deliveries.
func LoadDeliverWait(cfg *config.Config) (time.Duration, error) {
	d, err := cfg.Duration("SALESENGINE_DELIVER_WAIT")
	return d, settingError(err)
}

// RunModes are the modes of 'run'.
type RunModes struct {
	TestConnectionsOnly bool // only test every connection
	SkipForecast        bool // sync and deliver only
	ForecastOnly        bool // forecast and plan, no sync
}

// LoadRunModes reads the modes of 'run' (TEST_CONNECTIONS_ONLY, SKIP_FORECAST, FORECAST_ONLY).
func LoadRunModes(cfg *config.Config) (RunModes, error) {
	m, err := loadRunModes(cfg)
	return m, settingError(err)
}

func loadRunModes(cfg *config.Config) (RunModes, error) {
	var m RunModes
	var err error
	if m.TestConnectionsOnly, err = cfg.Bool("TEST_CONNECTIONS_ONLY"); err != nil {
		return m, err
	}
	if m.SkipForecast, err = cfg.Bool("SKIP_FORECAST"); err != nil {
		return m, err
	}
	if m.ForecastOnly, err = cfg.Bool("FORECAST_ONLY"); err != nil {
		return m, err
	}
	if m.SkipForecast && m.ForecastOnly {
		return m, usagef("", "--skip-forecast and --forecast-only contradict each other")
	}
	return m, nil
}

func loadWebhook(cfg *config.Config) (*WebhookSettings, error) {
	timeout, err := cfg.Duration("SALESENGINE_WEBHOOK_TIMEOUT")
	if err != nil {
		return nil, err
	}
	w := &WebhookSettings{Timeout: timeout}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"SALESENGINE_WEBHOOK_MAX_ATTEMPTS", &w.MaxAttempts}, {"SALESENGINE_WEBHOOK_CONCURRENCY", &w.Concurrency},
		{"SALESENGINE_WEBHOOK_WORKERS", &w.Workers}} {
		if *v.dst, err = atLeastOne(cfg, v.name); err != nil {
			return nil, err
		}
	}
	if w.AllowPrivate, err = cfg.Bool("SALESENGINE_WEBHOOK_ALLOW_PRIVATE"); err != nil {
		return nil, err
	}
	if cfg.IsSet("SALESENGINE_WEBHOOK_RESCUE_AFTER") {
		if w.RescueAfter, err = cfg.Duration("SALESENGINE_WEBHOOK_RESCUE_AFTER"); err != nil {
			return nil, err
		}
		if w.RescueAfter < timeout+webhook.JobTimeoutMargin {
			return nil, fmt.Errorf("SALESENGINE_WEBHOOK_RESCUE_AFTER=%s must be at least SALESENGINE_WEBHOOK_TIMEOUT + %s (%s), or deliveries still in flight would be sent twice",
				w.RescueAfter, webhook.JobTimeoutMargin, timeout+webhook.JobTimeoutMargin)
		}
	}
	if w.Breaker, err = loadBreaker(cfg); err != nil {
		return nil, err
	}
	return w, nil
}

// atLeastOne reads a count that must be at least 1.
func atLeastOne(cfg *config.Config, name string) (int, error) {
	n, err := cfg.Int(name)
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, fmt.Errorf("%s=%d must be at least 1", name, n)
	}
	return n, nil
}

// loadBreaker reads the webhook circuit breaker settings.
func loadBreaker(cfg *config.Config) (webhook.BreakerPolicy, error) {
	var p webhook.BreakerPolicy
	raw := strings.TrimSpace(cfg.Get("SALESENGINE_WEBHOOK_CIRCUIT_RATIO"))
	ratio, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(ratio > 0 && ratio <= 1) {
		return p, fmt.Errorf("SALESENGINE_WEBHOOK_CIRCUIT_RATIO=%q must be a fraction above 0 and at most 1 (0.7 is 70%%)", raw)
	}
	window, err := cfg.Duration("SALESENGINE_WEBHOOK_CIRCUIT_WINDOW")
	if err != nil {
		return p, err
	}
	if window < time.Second {
		return p, fmt.Errorf("SALESENGINE_WEBHOOK_CIRCUIT_WINDOW=%s must be at least 1s", window)
	}
	minReq, err := atLeastOne(cfg, "SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS")
	if err != nil {
		return p, err
	}
	cooldown, err := loadCooldown(cfg)
	if err != nil {
		return p, err
	}
	return webhook.BreakerPolicy{Ratio: ratio, Window: window, MinRequests: minReq, Cooldown: cooldown}, nil
}

// loadCooldown reads SALESENGINE_CIRCUIT_COOLDOWN, which both circuit breakers share.
func loadCooldown(cfg *config.Config) (time.Duration, error) {
	cooldown, err := cfg.Duration("SALESENGINE_CIRCUIT_COOLDOWN")
	if err != nil {
		return 0, err
	}
	if cooldown <= 0 {
		return 0, fmt.Errorf("SALESENGINE_CIRCUIT_COOLDOWN=%s must be positive", cooldown)
	}
	return cooldown, nil
}

func loadSync(cfg *config.Config) (*SyncSettings, error) {
	page, err := cfg.Int("SALESENGINE_SYNC_PAGE_SIZE")
	if err != nil {
		return nil, err
	}
	if page < 1 || page > 10000 {
		return nil, fmt.Errorf("SALESENGINE_SYNC_PAGE_SIZE=%d must be between 1 and 10000", page)
	}
	s := &SyncSettings{PageSize: page}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"SALESENGINE_SYNC_LAG", &s.Lag}, {"SALESENGINE_SYNC_RECHECK", &s.Recheck},
		{"SALESENGINE_RECONCILE_RECENT_EVERY", &s.RecentEvery}, {"SALESENGINE_RECONCILE_EVERY", &s.ReconcileEvery}} {
		d, err := cfg.Duration(v.name)
		if err != nil {
			return nil, err
		}
		if d < 0 {
			return nil, fmt.Errorf("%s=%s must not be negative", v.name, d)
		}
		*v.dst = d
	}
	if s.Lag == 0 {
		return nil, fmt.Errorf("SALESENGINE_SYNC_LAG must be more than 0s: a cursor at Odoo's own clock misses every transaction still committing")
	}
	if s.SendHistory, err = cfg.Bool("SALESENGINE_SEND_HISTORY"); err != nil {
		return nil, err
	}
	if s.Circuit.Failures, err = atLeastOne(cfg, "SALESENGINE_CIRCUIT_FAILURES"); err != nil {
		return nil, err
	}
	if s.Circuit.Cooldown, err = loadCooldown(cfg); err != nil {
		return nil, err
	}
	if s.OdooTimeout, err = cfg.Duration("SALESENGINE_ODOO_TIMEOUT"); err != nil {
		return nil, err
	}
	retries, err := cfg.Int("SALESENGINE_ODOO_RETRIES")
	if err != nil {
		return nil, err
	}
	if retries < 0 || retries > 20 {
		return nil, fmt.Errorf("SALESENGINE_ODOO_RETRIES=%d must be between 0 and 20", retries)
	}
	s.OdooRetries = retries
	if retries == 0 {
		s.OdooRetries = -1
	}
	return s, nil
}

func loadForecast(cfg *config.Config) (*ForecastSettings, error) {
	horizon, err := loadHorizon(cfg)
	if err != nil {
		return nil, err
	}
	f := &ForecastSettings{Horizon: horizon}
	if f.Level, err = cfg.Int("SALESENGINE_FORECAST_LEVEL"); err != nil {
		return nil, err
	}
	if f.Level < 1 || f.Level > 99 {
		return nil, usagef("use --level between 1 and 99 (percent)", "interval level %d is out of range", f.Level)
	}
	if f.Window, err = cfg.Int("SALESENGINE_FORECAST_WINDOW"); err != nil {
		return nil, err
	}
	if f.Window < 0 {
		return nil, fmt.Errorf("SALESENGINE_FORECAST_WINDOW=%d must be 0 (all history) or a number of months", f.Window)
	}
	if f.Partial, err = forecast.ParsePartialMonth(cfg.Get("SALESENGINE_FORECAST_PARTIAL_MONTH")); err != nil {
		return nil, fmt.Errorf("SALESENGINE_FORECAST_PARTIAL_MONTH: %w", err)
	}
	if f.Round, err = cfg.Bool("SALESENGINE_FORECAST_ROUND"); err != nil {
		return nil, err
	}
	if f.SnapshotRetention, err = cfg.Duration("SALESENGINE_FORECAST_SNAPSHOT_RETENTION"); err != nil {
		return nil, err
	}
	if f.SnapshotRetention < 0 || (f.SnapshotRetention > 0 && f.SnapshotRetention < time.Hour) {
		return nil, fmt.Errorf("SALESENGINE_FORECAST_SNAPSHOT_RETENTION=%s: give at least 1h (e.g. 2160h for 90 days), or 0 to keep every forecast run",
			f.SnapshotRetention)
	}
	return f, nil
}

// loadHorizon reads the number of months forecast, from this month on.
func loadHorizon(cfg *config.Config) (int, error) {
	horizon, err := cfg.Int("SALESENGINE_FORECAST_HORIZON")
	if err != nil {
		return 0, err
	}
	if horizon < 1 || horizon > 120 {
		return 0, usagef("use --horizon (or SALESENGINE_FORECAST_HORIZON) between 1 and 120 months", "horizon %d is out of range", horizon)
	}
	return horizon, nil
}

func loadLocation(cfg *config.Config) (*time.Location, error) {
	name := cfg.Get("SALESENGINE_TIMEZONE")
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("SALESENGINE_TIMEZONE=%q is not a time zone name (use an IANA name such as America/Mexico_City)", name)
	}
	return loc, nil
}

// loadPlanConfig reads the planning thresholds.
func loadPlanConfig(cfg *config.Config) (plan.Config, error) {
	var c plan.Config
	for _, v := range []struct {
		name string
		dst  *float64
	}{{"SALESENGINE_SERVICE_LEVEL", &c.ServiceLevel}, {"SALESENGINE_PLAN_ALTA_COVERAGE", &c.AltaCoverage},
		{"SALESENGINE_PLAN_MEDIA_COVERAGE", &c.MediaCoverage}} {
		f, err := strconv.ParseFloat(strings.TrimSpace(cfg.Get(v.name)), 64)
		if err != nil {
			return c, fmt.Errorf("%s=%q is not a number", v.name, cfg.Get(v.name))
		}
		*v.dst = f
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		var ce *plan.ConfigError
		if errors.As(err, &ce) {
			if name, ok := map[string]string{"ServiceLevel": "SALESENGINE_SERVICE_LEVEL", "AltaCoverage": "SALESENGINE_PLAN_ALTA_COVERAGE",
				"MediaCoverage": "SALESENGINE_PLAN_MEDIA_COVERAGE"}[ce.Field]; ok {
				return c, fmt.Errorf("%s=%s: %s", name, strings.TrimSpace(cfg.Get(name)), strings.TrimPrefix(ce.Msg, "plan: "))
			}
		}
		return c, err
	}
	return c, nil
}

// now is the time "today" is read from.
func (s Settings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CurrentMonth is this month in the business's time zone (Location must be loaded).
func (s Settings) CurrentMonth() plan.Month { return s.monthOf(s.now()) }

func (s Settings) monthOf(t time.Time) plan.Month { return plan.MonthOf(t.In(s.Location)) }
