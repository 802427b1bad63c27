package connections

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/store"
)

// EnvName is the name of the connection defined by ODOO_* variables.
const EnvName = "default"

// EnvSettings are the previous system's single-Odoo settings.
type EnvSettings struct {
	URL, Database, Username, Password string
	Source                            string // which variable family: ODOO_, ODOO_PROD_ or ODOO_TEST_
}

// EnvFromConfig reads ODOO_* (or ODOO_PROD_*; ODOO_TEST_* when USE_TEST_ODOO=true). It returns
// ErrNoEnvConnection when none is set.
func EnvFromConfig(c *config.Config) (EnvSettings, error) {
	useTest, err := c.Bool("USE_TEST_ODOO")
	if err != nil {
		return EnvSettings{}, err
	}
	families := []string{"ODOO_", "ODOO_PROD_"}
	if useTest {
		families = []string{"ODOO_TEST_"}
	}
	for _, f := range families {
		if c.Get(f+"URL") == "" {
			continue
		}
		s := EnvSettings{URL: c.Get(f + "URL"), Database: c.Get(f + "DB"), Username: c.Get(f + "USERNAME"),
			Password: c.Get(f + "PASSWORD"), Source: f}
		var missing []string
		for name, v := range map[string]string{"DB": s.Database, "USERNAME": s.Username, "PASSWORD": s.Password} {
			if v == "" {
				missing = append(missing, f+name)
			}
		}
		if len(missing) > 0 {
			return EnvSettings{}, fmt.Errorf("%sURL is set but %v are not: set them too, or unset %sURL", f, missing, f)
		}
		return s, nil
	}
	if useTest {
		return EnvSettings{}, fmt.Errorf("USE_TEST_ODOO=true but ODOO_TEST_URL is not set")
	}
	return EnvSettings{}, ErrNoEnvConnection
}

// EnsureEnv creates or updates the connection named "default" from the environment settings, changing only
// what differs (an unchanged API key is not re-encrypted).
func (m *Manager) EnsureEnv(ctx context.Context, s EnvSettings) (*store.Connection, error) {
	existing, err := m.Store.ConnectionGetByName(ctx, EnvName)
	if errors.Is(err, store.ErrNotFound) {
		name := EnvName
		added, err := m.Add(ctx, Fields{Name: &name, URL: &s.URL, Database: &s.Database, Username: &s.Username, APIKey: &s.Password})
		if err != nil {
			return nil, fmt.Errorf("connection %q from %s* variables: %w", EnvName, s.Source, err)
		}
		return added.Connection, nil
	}
	if err != nil {
		return nil, err
	}
	var f Fields
	if existing.URL != s.URL {
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
	if f == (Fields{}) {
		return existing, nil
	}
	return m.Edit(ctx, existing, f)
}
