// Command salesengine syncs sales from Odoo, delivers order webhooks, forecasts demand and plans production.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/salesengine/salesengine/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, cli.OSEnv)
	stop()
	os.Exit(code)
}
