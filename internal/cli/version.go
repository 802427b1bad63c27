package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/buildinfo"
)

func (app *App) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Long:  "Print which salesengine this is: its version, the commit it was built from, and the Go toolchain.",
		Example: `  salesengine version
  salesengine version --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := buildinfo.Get()
			if asJSON {
				return writeJSON(app.Stdout, info)
			}
			_, err := fmt.Fprintf(app.Stdout, "salesengine %s\ncommit: %s\ngo: %s %s\n", info.Version, info.Commit, info.GoVersion, info.Platform)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("run '"+cmd.CommandPath()+" --help' for usage", "%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
