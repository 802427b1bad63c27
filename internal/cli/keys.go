package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
)

// keyring reads the encryption keyring; a missing key is an error only for commands that need one.
func (app *App) keyring() (*secret.Keyring, error) {
	return engine.LoadConnections(app.Config).Keyring()
}

// manager builds the connections manager; without a key it still lists and deletes, and what needs the key
// says why it has none (unset or malformed).
func (app *App) manager(s store.Store) *connections.Manager {
	return engine.LoadConnections(app.Config).Manager(s)
}

func (app *App) keyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Generate or rotate the key that encrypts stored secrets",
		Long: `Odoo API keys and webhook secrets are stored encrypted with Fernet, under the key in
SALESENGINE_ENCRYPTION_KEY (or POLLER_ENCRYPTION_KEY). Keep the key safe: without it the stored secrets cannot
be read, and anyone with it and the database can read them.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "generate",
		Short: "Print a new random encryption key",
		Long:  "Print a new Fernet key (32 random bytes, url-safe base64), the format Python's Fernet.generate_key() makes.",
		Example: `  salesengine key generate
  echo "SALESENGINE_ENCRYPTION_KEY=$(salesengine key generate)" >> .env`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := secret.GenerateKey()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(app.Stdout, k)
			return err
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Re-encrypt every stored secret with the first key",
		Long: `Re-encrypt every stored API key and webhook secret with the first key of SALESENGINE_ENCRYPTION_KEY, in
one transaction. To rotate: generate a new key, set SALESENGINE_ENCRYPTION_KEY to "NEW,OLD", run this, then
remove OLD from the variable.`,
		Example: `  SALESENGINE_ENCRYPTION_KEY="$NEW,$OLD" salesengine key rotate`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := app.keyring(); err != nil {
				return err
			}
			s, err := app.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			n, err := app.manager(s).RotateKeys(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(app.Stdout, "re-encrypted %d secrets with the first key; you can now remove the old key from SALESENGINE_ENCRYPTION_KEY\n", n)
			return nil
		},
	})
	return cmd
}
