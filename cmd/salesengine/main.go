// Command salesengine syncs sales from Odoo, delivers order webhooks, forecasts demand and plans production.
package main

import (
	"os"

	"github.com/salesengine/salesengine/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, cli.OSEnv))
}
