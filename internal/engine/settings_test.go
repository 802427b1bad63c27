package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/config"
)

// loadConfig resolves the configuration from env alone (an empty config file: no stray .env leaks in).
func loadConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.LoadMap(env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSettingsMessages: every malformed setting is refused with the message the documentation and the
// operators know, as a usage error (exit 2; the hint points at the documentation unless it has its own), and
// only by the sections that read it.
func TestSettingsMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, value string
		needs       Needs
		want        string
		hint        string // for a usage error
	}{
		{"SALESENGINE_SYNC_PAGE_SIZE", "0", NeedSync, "SALESENGINE_SYNC_PAGE_SIZE=0 must be between 1 and 10000", ""},
		{"SALESENGINE_SYNC_RECHECK", "soon", NeedSync, `SALESENGINE_SYNC_RECHECK="soon" is not a duration: use a value like 30s, 5m or 1h`, ""},
		{"SALESENGINE_SYNC_LAG", "0s", NeedSync, "SALESENGINE_SYNC_LAG must be more than 0s: a cursor at Odoo's own clock misses every transaction still committing", ""},
		{"SALESENGINE_CIRCUIT_FAILURES", "0", NeedSync, "SALESENGINE_CIRCUIT_FAILURES=0 must be at least 1", ""},
		{"SALESENGINE_CIRCUIT_COOLDOWN", "0s", NeedSync, "SALESENGINE_CIRCUIT_COOLDOWN=0s must be positive", ""},
		{"SALESENGINE_WEBHOOK_WORKERS", "0", NeedWebhook, "SALESENGINE_WEBHOOK_WORKERS=0 must be at least 1", ""},
		{"SALESENGINE_WEBHOOK_RESCUE_AFTER", "10s", NeedWebhook,
			"SALESENGINE_WEBHOOK_RESCUE_AFTER=10s must be at least SALESENGINE_WEBHOOK_TIMEOUT + 5s (20s), or deliveries still in flight would be sent twice", ""},
		{"SALESENGINE_WEBHOOK_CIRCUIT_RATIO", "70", NeedWebhook,
			`SALESENGINE_WEBHOOK_CIRCUIT_RATIO="70" must be a fraction above 0 and at most 1 (0.7 is 70%)`, ""},
		{"SALESENGINE_WEBHOOK_CIRCUIT_WINDOW", "500ms", NeedWebhook, "SALESENGINE_WEBHOOK_CIRCUIT_WINDOW=500ms must be at least 1s", ""},
		{"SALESENGINE_FORECAST_HORIZON", "121", NeedForecast, "horizon 121 is out of range",
			"use --horizon (or SALESENGINE_FORECAST_HORIZON) between 1 and 120 months"},
		{"SALESENGINE_FORECAST_HORIZON", "0", NeedPlan, "horizon 0 is out of range",
			"use --horizon (or SALESENGINE_FORECAST_HORIZON) between 1 and 120 months"},
		{"SALESENGINE_FORECAST_LEVEL", "100", NeedForecast, "interval level 100 is out of range", "use --level between 1 and 99 (percent)"},
		{"SALESENGINE_FORECAST_WINDOW", "-1", NeedForecast, "SALESENGINE_FORECAST_WINDOW=-1 must be 0 (all history) or a number of months", ""},
		{"SALESENGINE_TIMEZONE", "Mars/Olympus", NeedPlan,
			`SALESENGINE_TIMEZONE="Mars/Olympus" is not a time zone name (use an IANA name such as America/Mexico_City)`, ""},
		{"SALESENGINE_SERVICE_LEVEL", "high", NeedPlan, `SALESENGINE_SERVICE_LEVEL="high" is not a number`, ""},
		{"SALESENGINE_WEBHOOK_ALLOW_PRIVATE", "maybe", NeedTest, "", ""},
		{"ODOO_URL", "http://odoo.example", NeedTargets, "ODOO_URL is set but [ODOO_DB ODOO_PASSWORD ODOO_USERNAME] are not: set them too, or unset ODOO_URL", ""},
	} {
		cfg := loadConfig(t, map[string]string{tc.name: tc.value})
		_, err := LoadSettings(cfg, tc.needs)
		if err == nil {
			t.Errorf("%s=%s: loaded", tc.name, tc.value)
			continue
		}
		if tc.want != "" && err.Error() != tc.want {
			t.Errorf("%s=%s:\n got %q\nwant %q", tc.name, tc.value, err, tc.want)
		}
		hint := tc.hint
		if hint == "" {
			hint = SettingHint
		}
		if ue := (*UsageError)(nil); !errors.As(err, &ue) || ue.Hint != hint {
			t.Errorf("%s=%s: %#v, want a usage error with hint %q", tc.name, tc.value, err, hint)
		}
		// A command that does not read the variable is not stopped by it.
		if _, err := LoadSettings(cfg, ^tc.needs&(NeedForecast|NeedWebhook|NeedTest|NeedTargets|NeedSync|NeedPlan)&^sharing(tc.name)); err != nil {
			t.Errorf("%s=%s stops the sections that do not read it: %v", tc.name, tc.value, err)
		}
	}
}

// sharing names the other sections that read a variable.
func sharing(name string) Needs {
	switch name {
	case "SALESENGINE_CIRCUIT_COOLDOWN":
		return NeedWebhook | NeedSync // both circuit breakers
	case "SALESENGINE_WEBHOOK_ALLOW_PRIVATE":
		return NeedWebhook | NeedTest
	case "SALESENGINE_FORECAST_HORIZON", "SALESENGINE_TIMEZONE":
		return NeedForecast | NeedPlan
	}
	return 0
}

func TestSettingsDefaults(t *testing.T) {
	t.Parallel()
	set, err := LoadSettings(loadConfig(t, nil), NeedForecast|NeedWebhook|NeedTest|NeedTargets|NeedSync|NeedPlan)
	if err != nil {
		t.Fatal(err)
	}
	if set.Sync.PageSize < 1 || set.Sync.Lag <= 0 || set.Sync.Circuit.Failures < 1 || set.Sync.OdooTimeout <= 0 {
		t.Errorf("sync defaults: %+v", set.Sync)
	}
	if set.Webhook.MaxAttempts < 1 || set.Webhook.Breaker.Cooldown != set.Sync.Circuit.Cooldown || set.Webhook.AllowPrivate {
		t.Errorf("webhook defaults: %+v", set.Webhook)
	}
	if set.Targets.Env != nil {
		t.Errorf("no ODOO_* set, yet a target: %+v", set.Targets.Env)
	}
	if set.Plan.Horizon != set.Forecast.Horizon || set.Location == nil || set.Plan.Config.ServiceLevel == 0 {
		t.Errorf("plan defaults: %+v, location %v", set.Plan, set.Location)
	}
	if _, err := set.Connections.Keyring(); err == nil {
		t.Error("no key set, yet a keyring")
	}
	none, err := LoadSettings(loadConfig(t, nil), 0)
	if err != nil || none.Sync != nil || none.Webhook != nil || none.Forecast != nil || none.Plan != nil || none.Location != nil {
		t.Errorf("nothing needed, yet loaded: %+v, %v", none, err)
	}
}

func TestRunModes(t *testing.T) {
	t.Parallel()
	m, err := LoadRunModes(loadConfig(t, map[string]string{"FORECAST_ONLY": "true"}))
	if err != nil || !m.ForecastOnly || m.SkipForecast || m.TestConnectionsOnly {
		t.Errorf("FORECAST_ONLY=true: %+v, %v", m, err)
	}
	_, err = LoadRunModes(loadConfig(t, map[string]string{"FORECAST_ONLY": "true", "SKIP_FORECAST": "1"}))
	var ue *UsageError
	if !errors.As(err, &ue) || ue.Msg != "--skip-forecast and --forecast-only contradict each other" {
		t.Errorf("both: %v", err)
	}
}

// TestSettingsNeverShowSecrets: the settings that hold a secret, printed by mistake in any verb, show none.
func TestSettingsNeverShowSecrets(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, map[string]string{"SALESENGINE_UI_TOKEN": "a-ui-token-of-some-length", "ODOO_URL": "https://odoo.example",
		"ODOO_DB": "d", "ODOO_USERNAME": "u", "ODOO_PASSWORD": "odoo-password-1", "POLLER_DEFAULT_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	ui, err := LoadUISettings(cfg, "127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadSettings(cfg, NeedTargets)
	if err != nil || set.Targets.Env == nil {
		t.Fatal(err)
	}
	for _, v := range []any{ui, &ui, *set.Targets.Env, set.Targets.Env, set, cfg} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, v)
			for _, secret := range []string{"a-ui-token-of-some-length", "odoo-password-1", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
				if strings.Contains(s, secret) {
					t.Errorf("%s of %T shows a secret: %s", verb, v, s)
				}
			}
		}
	}
}
