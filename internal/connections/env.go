package connections

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// EnvName is the name of the connection defined by ODOO_* (or ODOO_PROD_*) variables, and EnvTestName that of
// the one defined by ODOO_TEST_* with USE_TEST_ODOO=true. The test and the production Odoo are two databases, so
// two connections: switching USE_TEST_ODOO switches between them and never mixes their data.
const (
	EnvName     = "default"
	EnvTestName = "default-test"
)

// EnvSettings are the previous system's single-Odoo settings.
type EnvSettings struct {
	Name                              string // EnvName or EnvTestName
	URL, Database, Username, Password string
	Source                            string // which variable family: ODOO_, ODOO_PROD_ or ODOO_TEST_
	// WebhookSecret is POLLER_DEFAULT_WEBHOOK_SECRET: the signing secret of the connection ("" leaves it alone;
	// a connection with a webhook URL and no secret gets a generated one).
	WebhookSecret string
}

// String describes the settings without the password and the webhook secret (a %v by mistake, a panic).
func (s EnvSettings) String() string {
	return fmt.Sprintf("connection %q from %s* variables: %s, database %q, user %q, password %s, webhook secret %s",
		s.Name, s.Source, s.URL, s.Database, s.Username, setOrNot(s.Password), setOrNot(s.WebhookSecret))
}

// GoString keeps %#v from printing the secrets.
func (s EnvSettings) GoString() string { return s.String() }

func setOrNot(v string) string {
	if v == "" {
		return "<unset>"
	}
	return "<set>"
}

// OtherName is the name of the other run mode's connection (EnvTestName for EnvName and the reverse): a command
// working on every connection leaves it out, as the previous system talked to one Odoo at a time.
func (s EnvSettings) OtherName() string {
	if s.Name == EnvTestName {
		return EnvName
	}
	return EnvTestName
}

// EnvFromConfig reads ODOO_* (or ODOO_PROD_*; ODOO_TEST_* when USE_TEST_ODOO=true) and
// POLLER_DEFAULT_WEBHOOK_SECRET. It returns ErrNoEnvConnection when none is set.
func EnvFromConfig(c *config.Config) (EnvSettings, error) {
	useTest, err := c.Bool("USE_TEST_ODOO")
	if err != nil {
		return EnvSettings{}, err
	}
	families := []string{"ODOO_", "ODOO_PROD_"}
	name := EnvName
	if useTest {
		families, name = []string{"ODOO_TEST_"}, EnvTestName
	}
	for _, f := range families {
		if c.Get(f+"URL") == "" {
			continue
		}
		s := EnvSettings{Name: name, URL: c.Get(f + "URL"), Database: c.Get(f + "DB"), Username: c.Get(f + "USERNAME"),
			Password: c.Get(f + "PASSWORD"), Source: f, WebhookSecret: strings.TrimSpace(c.Get("POLLER_DEFAULT_WEBHOOK_SECRET"))}
		var missing []string
		for name, v := range map[string]string{"DB": s.Database, "USERNAME": s.Username, "PASSWORD": s.Password} {
			if v == "" {
				missing = append(missing, f+name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return EnvSettings{}, fmt.Errorf("%sURL is set but %v are not: set them too, or unset %sURL", f, missing, f)
		}
		if err := checkOdooURL(s.URL); err != nil {
			return EnvSettings{}, fmt.Errorf("%sURL: %v", f, err)
		}
		if s.WebhookSecret != "" {
			if _, err := webhook.ParseSecret(s.WebhookSecret); err != nil {
				return EnvSettings{}, fmt.Errorf("POLLER_DEFAULT_WEBHOOK_SECRET: %s (a whsec_ secret; unset it to have one generated)",
					strings.TrimPrefix(err.Error(), "webhook: "))
			}
		}
		return s, nil
	}
	if useTest {
		return EnvSettings{}, fmt.Errorf("USE_TEST_ODOO=true but ODOO_TEST_URL is not set")
	}
	return EnvSettings{}, ErrNoEnvConnection
}

// EnvEnsured is what EnsureEnv did.
type EnvEnsured struct {
	Connection *store.Connection
	Created    bool
	// SecretGenerated is true when Sales Engine generated the connection's webhook secret (no
	// POLLER_DEFAULT_WEBHOOK_SECRET): nobody knows it yet. It is not returned: commands that ensure the connection
	// print their output to logs; 'connections show-secret' shows it.
	SecretGenerated bool
}

// EnsureEnv creates or updates the connection s.Name from the environment settings, changing only what
// differs (an unchanged API key or secret is not re-encrypted). A changed URL or database is applied even when
// the connection holds another database's data: its next sync refuses it (sync.IdentityError) until the user
// resets or keeps the data, while the other connections sync on.
func (m *Manager) EnsureEnv(ctx context.Context, s EnvSettings) (*EnvEnsured, error) {
	existing, err := m.Store.ConnectionGetByName(ctx, s.Name)
	if errors.Is(err, store.ErrNotFound) {
		name := s.Name
		f := Fields{Name: &name, URL: &s.URL, Database: &s.Database, Username: &s.Username, APIKey: &s.Password}
		if s.WebhookSecret != "" {
			f.WebhookSecret = &s.WebhookSecret
		}
		added, err := m.Add(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("connection %q from %s* variables: %w", s.Name, s.Source, err)
		}
		return &EnvEnsured{Connection: added.Connection, Created: true, SecretGenerated: added.GeneratedSecret != ""}, nil
	}
	if err != nil {
		return nil, err
	}
	var f Fields
	if existing.URL != strings.TrimRight(strings.TrimSpace(s.URL), "/") {
		f.URL = &s.URL
	}
	if existing.Database != s.Database {
		f.Database = &s.Database
	}
	if existing.Username != s.Username {
		f.Username = &s.Username
	}
	keys, err := m.keys()
	if err != nil {
		return nil, err
	}
	if cur, err := keys.Decrypt(existing.APIKeyEncrypted); err != nil || cur != s.Password {
		f.APIKey = &s.Password
	}
	if s.WebhookSecret != "" {
		if cur, err := keys.Decrypt(existing.WebhookSecretEncrypted); err != nil || cur != s.WebhookSecret {
			f.WebhookSecret = &s.WebhookSecret
		}
	}
	if f == (Fields{}) && (existing.WebhookURL == "" || existing.WebhookSecretEncrypted != "") {
		return &EnvEnsured{Connection: existing}, nil
	}
	ed, err := m.Edit(ctx, existing, f, dataFollow)
	if err != nil {
		return nil, fmt.Errorf("connection %q from %s* variables: %w", s.Name, s.Source, err)
	}
	return &EnvEnsured{Connection: ed.Connection, SecretGenerated: ed.GeneratedSecret != ""}, nil
}
