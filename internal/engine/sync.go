package engine

import (
	"context"
	"strings"
	gosync "sync"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// The sync stage's own types, so that callers need not import it.
type (
	// SyncOptions are a pass's choices: a full sync, a reconciliation of the whole history.
	SyncOptions = sync.Options
	// SyncResult is what a pass did, or why it was skipped (an open Odoo circuit).
	SyncResult = sync.Result
	// Progress says how far a pass is.
	Progress = sync.Progress
)

// passStopped reports whether a pass was stopped by its caller rather than failed (sync.Stopped).
var passStopped = sync.Stopped

// ConsecutiveFailures says "N consecutive failure(s)", as the sync stage words an Odoo circuit.
func ConsecutiveFailures(n int) string { return sync.ConsecutiveFailures(n) }

// NoSKUNote says how many products were read without an internal reference, as the sync log does.
func NoSKUNote(n int) string { return sync.NoSKUNote(n) }

// SyncOutcome is how one connection's pass of SyncAll ended.
type SyncOutcome struct {
	Connection *store.Connection
	Result     SyncResult
	// Err is why the pass failed or was skipped (Result.Skipped); nil when it synced.
	Err error
}

// SyncAll syncs every target connection (see Targets), one after the other, reporting each as it ends; a
// connection that fails or is skipped does not stop the others. The error is for a pass that could not start
// (no key, no connection) or was cancelled (ctx's error, with the outcomes of the connections done before).
func (e *Engine) SyncAll(ctx context.Context, ref string, opts SyncOptions) ([]SyncOutcome, error) {
	if e.set.Sync == nil {
		return nil, notLoaded("sync")
	}
	// Every connection's API key needs the key: one configuration error, said once, before any sync starts.
	if _, err := e.set.Connections.Keyring(); err != nil {
		return nil, err
	}
	conns, err := e.Targets(ctx, ref)
	if err != nil {
		return nil, err
	}
	outs := make([]SyncOutcome, 0, len(conns))
	for _, c := range conns {
		res, err := e.SyncConnection(ctx, c, opts)
		if err != nil && ctx.Err() != nil {
			return outs, ctx.Err()
		}
		out := SyncOutcome{Connection: c, Result: res, Err: err}
		e.report.Synced(out)
		switch {
		case err != nil && res.Skipped:
			e.log.Warn("sync skipped", "connection", c.Name, "reason", err)
		case err != nil:
			e.log.Error("sync failed", "connection", c.Name, "err", err)
		}
		outs = append(outs, out)
	}
	return outs, nil
}

// SyncConnection runs one sync pass of c (recorded in sync_logs, guarded by its Odoo circuit, refused when its
// Odoo is not the database its data came from) and enqueues the webhook deliveries the changes caused, when
// the engine has a queue. Passes of different connections may run at the same time.
func (e *Engine) SyncConnection(ctx context.Context, c *store.Connection, opts SyncOptions) (SyncResult, error) {
	if e.set.Sync == nil {
		return SyncResult{}, notLoaded("sync")
	}
	client, err := e.client(c)
	if err != nil {
		return SyncResult{}, err
	}
	res, err := e.syncer().Sync(ctx, c, client, opts)
	if len(res.DeliveryIDs) > 0 && e.queue != nil {
		// The deliveries are committed even when the pass failed or was stopped later: they get their jobs now
		// (a pass stopped by a shutdown included), or serve's workers would not see them before its next start.
		// Best effort: what cannot be enqueued stays pending for the next deliver, sync or serve start.
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if qerr := e.queue.Enqueue(qctx, res.DeliveryIDs...); qerr != nil {
			e.unqueued.add(res.DeliveryIDs)
			e.log.Warn("could not enqueue webhook deliveries now; serve tries again every few seconds, a one-pass command leaves them pending for the next deliver, sync or serve start",
				"deliveries", len(res.DeliveryIDs), "err", qerr)
		}
		cancel()
	}
	return res, err
}

// syncer builds a pass's syncer from the settings.
func (e *Engine) syncer() *sync.Syncer {
	s := e.set.Sync
	recent, every := s.RecentEvery, s.ReconcileEvery
	if recent == 0 {
		recent = -1 // after every pass
	}
	if every == 0 {
		every = -1 // never by itself
	}
	return &sync.Syncer{Store: e.store, Outbox: e.outbox, Log: e.log, PageSize: s.PageSize, Lag: s.Lag, Recheck: s.Recheck,
		RecentEvery: recent, ReconcileEvery: every, SendHistory: s.SendHistory, Progress: e.report.Progress,
		Circuit: sync.CircuitPolicy{Failures: s.Circuit.Failures, Cooldown: s.Circuit.Cooldown}}
}

// client returns an Odoo client for c. While serving, a connection's client is kept from pass to pass (its
// login session, version and database identity are reused: an idle pass costs its listings, not a login)
// until the connection's address or credentials change.
func (e *Engine) client(c *store.Connection) (*odoo.Client, error) {
	if e.clients == nil {
		return e.conns.Client(c, connections.ClientOptions{Timeout: e.set.Sync.OdooTimeout, Retries: e.set.Sync.OdooRetries, Logger: e.log})
	}
	key := strings.Join([]string{c.URL, c.Database, c.Username, c.APIKeyEncrypted, c.Protocol}, "\x00")
	e.clients.mu.Lock()
	defer e.clients.mu.Unlock()
	old, ok := e.clients.byID[c.ID]
	if ok && old.key == key {
		return old.client, nil
	}
	cl, err := e.conns.Client(c, connections.ClientOptions{Timeout: e.set.Sync.OdooTimeout, Retries: e.set.Sync.OdooRetries, Logger: e.log})
	if err != nil {
		return nil, err
	}
	if ok {
		old.client.CloseIdleConnections()
	}
	e.clients.byID[c.ID] = cachedClient{key: key, client: cl}
	return cl, nil
}

// clientCache holds serve's Odoo clients, one per connection.
type clientCache struct {
	mu   gosync.Mutex
	byID map[int64]cachedClient
}

type cachedClient struct {
	key    string // the connection's address and credentials the client was made with
	client *odoo.Client
}

// forget drops the client of a connection that was deleted or disabled, closing its idle connections to Odoo.
func (c *clientCache) forget(id int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byID[id]; ok {
		old.client.CloseIdleConnections()
		delete(c.byID, id)
	}
}
