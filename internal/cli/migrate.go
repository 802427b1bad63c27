package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/dburl"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

func (app *App) migrateCommand() *cobra.Command {
	var status, asJSON bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Long: `Apply every schema migration the database lacks, the webhook queue's (River's) included. Every command
does this on start; run it yourself to upgrade ahead of a deployment or to create the schema of a new database.
Running it again changes nothing. Processes that start together take turns: one migrates, the others wait for
it, then find the schema up to date. A database migrated by a newer salesengine is refused rather than used.

With --status, list the migrations this binary knows and whether each is applied, without changing anything.`,
		Example: `  salesengine migrate
  salesengine migrate --status
  salesengine migrate --database-url postgres://sales:secret@db.internal:5432/sales`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			tgt, err := app.target()
			if err != nil {
				return err
			}
			open := dburl.Open
			if status { // reading only: a file this user cannot write is opened read-only
				open = func(ctx context.Context, t dburl.Target) (store.Store, error) {
					s, _, err := dburl.OpenForReading(ctx, t)
					return s, err
				}
			}
			s, err := open(ctx, tgt)
			if err != nil {
				return err
			}
			defer s.Close()
			if !status {
				queueLog, err := app.queueLogger()
				if err != nil {
					return err
				}
				applied, err := s.MigrationApply(ctx, engine.RiverMigration(s, queueLog))
				if err != nil {
					return dbError(tgt, err)
				}
				if !asJSON {
					if len(applied) == 0 {
						fmt.Fprintf(app.Stdout, "%s: schema is up to date\n", tgt)
					}
					var river []int
					for _, m := range applied {
						if m.Component == "river" {
							river = append(river, m.Version)
							continue
						}
						fmt.Fprintf(app.Stdout, "%s: applied %04d_%s\n", tgt, m.Version, m.Name)
					}
					switch {
					case len(river) == 1:
						fmt.Fprintf(app.Stdout, "%s: applied webhook queue (River) migration %03d\n", tgt, river[0])
					case len(river) > 1:
						fmt.Fprintf(app.Stdout, "%s: applied webhook queue (River) migrations %03d to %03d\n", tgt, river[0], river[len(river)-1])
					}
					return nil
				}
			}
			ms, err := s.MigrationStatus(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(app.Stdout, migrationViews(ms))
			}
			t := newTable(app.Stdout, "VERSION", "NAME", "APPLIED")
			for _, m := range ms {
				at := "no"
				if m.Applied {
					at = m.AppliedAt.Format(time.RFC3339)
				}
				t.row(fmt.Sprintf("%04d", m.Version), m.Name, at)
			}
			return t.flush()
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "list migrations and whether each is applied; change nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the migration status as JSON")
	return cmd
}

// migrationView is a migration as --json prints it: snake_case keys like every other JSON output, applied_at
// null when not applied.
type migrationView struct {
	Version   int        `json:"version"`
	Name      string     `json:"name"`
	Applied   bool       `json:"applied"`
	AppliedAt *time.Time `json:"applied_at"`
}

func migrationViews(ms []store.Migration) []migrationView {
	out := make([]migrationView, len(ms))
	for i, m := range ms {
		out[i] = migrationView{Version: m.Version, Name: m.Name, Applied: m.Applied}
		if m.Applied {
			at := m.AppliedAt
			out[i].AppliedAt = &at
		}
	}
	return out
}
