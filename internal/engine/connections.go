package engine

import (
	"context"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/store"
)

// syncFirstHint is the hint when there is no connection to forecast or plan.
const syncFirstHint = "add one with 'salesengine connections add' and run 'salesengine sync'"

// Select returns the connection named by ref (an ID or NAME), or every active one when ref is empty; no active
// connection at all is a usage error.
func (e *Engine) Select(ctx context.Context, ref string) ([]*store.Connection, error) {
	return e.selectConnections(ctx, ref, syncFirstHint)
}

func (e *Engine) selectConnections(ctx context.Context, ref, hint string) ([]*store.Connection, error) {
	if ref != "" {
		c, err := ResolveConnection(ctx, e.store, ref)
		if err != nil {
			return nil, err
		}
		return []*store.Connection{c}, nil
	}
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{OnlyActive: true})
	if err != nil {
		return nil, err
	}
	if len(conns) == 0 {
		return nil, usagef(hint, "there are no active connections")
	}
	return conns, nil
}

// Targets resolves which connections a pass works on, creating or updating the connection defined by ODOO_*
// settings first ("default", or "default-test" with USE_TEST_ODOO=true). Without ref it is every active
// connection but the other run mode's one: the test and the production Odoo are two connections, and
// USE_TEST_ODOO picks which of the two is synced, as it picked the Odoo in the previous system.
func (e *Engine) Targets(ctx context.Context, ref string) ([]*store.Connection, error) {
	if e.set.Targets == nil {
		return nil, notLoaded("targets")
	}
	skip := ""
	if env := e.set.Targets.Env; env != nil {
		if _, err := e.set.Connections.Keyring(); err != nil {
			return nil, err
		}
		ens, err := e.conns.EnsureEnv(ctx, *env)
		if err != nil {
			return nil, err
		}
		if ens.SecretGenerated {
			e.report.SecretGenerated(env.Name)
		}
		skip = env.OtherName()
	}
	conns, err := e.selectConnections(ctx, ref,
		"add one with 'salesengine connections add', or set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD")
	if err != nil || ref != "" || skip == "" {
		return conns, err
	}
	out := conns[:0]
	for _, c := range conns {
		if c.Name == skip {
			e.log.Info("not syncing the other run mode's connection (USE_TEST_ODOO); name it with -c to sync it", "connection", c.Name)
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, usagef("name it with -c to sync it anyway", "there are no active connections but %q, the other run mode's (USE_TEST_ODOO)", skip)
	}
	return out, nil
}

// TestConnection checks a connection: Odoo login, version, read rights, and a signed test webhook.
func (e *Engine) TestConnection(ctx context.Context, c *store.Connection) (*connections.TestReport, error) {
	if e.set.Test == nil {
		return nil, notLoaded("test")
	}
	return e.conns.Test(ctx, c, connections.TestOptions{Logger: e.log, AllowPrivate: e.set.Test.AllowPrivate})
}
