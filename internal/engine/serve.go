package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/salesengine/salesengine/internal/clock"
	"github.com/salesengine/salesengine/internal/metrics"
	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/poll"
	"github.com/salesengine/salesengine/internal/schedule"
	"github.com/salesengine/salesengine/internal/server"
	"github.com/salesengine/salesengine/internal/store"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	Addr string // host:port of the HTTP listener (/livez, /readyz, /metrics)
	// Refresh is how often the connections are read again (new, edited, disabled, deleted, circuits reset);
	// default 2s.
	Refresh time.Duration
	// ShutdownTimeout bounds how long passes and deliveries in flight may take to finish after a stop.
	ShutdownTimeout time.Duration
	// Forecast is when forecast + plan run for every active connection; FullSync when every active connection
	// gets a full sync (deletions). Nil: never.
	Forecast, FullSync *schedule.Schedule
	Clock              clock.Clock // nil: the system clock
	// Started is called once everything runs (systemd's READY=1), Stopping when a stop begins.
	Started, Stopping func()
	// Mounts are more handlers on the listener, under path prefixes (the dashboard).
	Mounts map[string]http.Handler
	// SyncLogRetention is how long sync logs are kept (pruned hourly); 0: forever.
	SyncLogRetention time.Duration
	// ProtectMetrics, when set, wraps /metrics (the dashboard's token check).
	ProtectMetrics func(http.Handler) http.Handler
	// LeaseTTL is how long a connection's lease lasts unrenewed (default DefaultLeaseTTL): the longest a dead
	// process's connections wait for another process, less a refresh.
	LeaseTTL time.Duration
	// Exclusive says this is the only serve of its database (the caller holds SQLite's serve lock): the records
	// of any other are stale, and there is nobody to wait for before claiming the connections.
	Exclusive bool
}

// Serve runs the service until ctx ends: one poller per active connection at its own interval, the webhook
// delivery workers, forecast and plan on a schedule, full syncs on another, and the HTTP listener. Then it
// stops polling, lets passes and deliveries in flight finish for up to ShutdownTimeout, and returns nil.
func (e *Engine) Serve(ctx context.Context, o ServeOptions) error {
	if e.set.Sync == nil {
		return notLoaded("sync")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	m := metrics.New(queueStats{e.store}, e.log)
	e.metrics = m
	e.clients = &clientCache{byID: map[int64]cachedClient{}}
	e.clock, e.fullSync = o.Clock, o.FullSync
	// Every serve takes its share of the connections through leases, alone on its database or not.
	if o.Refresh <= 0 {
		o.Refresh = 2 * time.Second
	}
	k := newLeaseKeeper(e.store, e.log, o.LeaseTTL, o.Refresh, o.Exclusive)
	k.claimed = func(ids []int64) {
		for _, id := range ids {
			e.lastFull.Delete(id) // another process may have run a full sync since this one looked
		}
	}
	if err := k.start(ctx); err != nil {
		return fmt.Errorf("serve: record this process in the database: %w", err)
	}
	e.leases = k
	m.WatchLeases(leaseStats{e})
	e.log.Info("serve: process recorded", "process", k.proc.ID, "lease_ttl", k.ttl)
	metricsHandler := m.Handler()
	if o.ProtectMetrics != nil {
		metricsHandler = o.ProtectMetrics(metricsHandler)
	}
	srv, err := server.Listen(server.Options{Addr: o.Addr, Ready: readiness{e.store}, Metrics: metricsHandler, Mounts: o.Mounts, Logger: e.log})
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", o.Addr, err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	e.log.Info("serve: listening", "addr", srv.Addr())

	// Work outlives ctx by the drain: passes and deliveries in flight get until the shutdown timeout.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	if e.queue != nil {
		if err := e.StartDelivering(work); err != nil {
			_ = srv.Shutdown(context.Background())
			return fmt.Errorf("serve: start the webhook workers: %w", err)
		}
		if err := e.enqueuePending(ctx); err != nil {
			e.unqueued.sweepLater()
			e.log.Warn("serve: could not enqueue the pending webhook deliveries at start; trying again every few seconds", "err", err)
		}
	}

	var wg sync.WaitGroup
	// The heartbeat outlives the pollers until the drain ends: passes in flight keep their leases.
	beating, stopBeating := context.WithCancel(work)
	defer stopBeating()
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		k.heartbeat(beating, func() <-chan time.Time { return o.Clock.After(o.Refresh) })
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		// A stop ends at once a pass waiting to retry an Odoo call (a backoff lasts up to 30 s); what passes are
		// writing still gets the drain (work).
		pass := func(work context.Context, t poll.Target) error { return e.pollPass(odoo.WithStop(work, ctx.Done()), t) }
		sup := &poll.Supervisor{Source: pollSource{e}, Poll: pass, Refresh: o.Refresh, Clock: o.Clock, Logger: e.log}
		_ = sup.Run(ctx, work)
	}()
	if e.queue != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.enqueueLeftovers(ctx, func() <-chan time.Time { return o.Clock.After(o.Refresh) })
		}()
	}
	// The forecast runs once per time of its schedule across the processes; a full sync is each connection's
	// own, run by its lease holder's poller (pollPass).
	if o.Forecast != nil {
		forecast := &clusterJob{name: "forecast", work: e.scheduledForecast, k: k, log: e.log}
		wg.Add(2)
		go func() {
			defer wg.Done()
			(&schedule.Runner{Clock: o.Clock, Logger: e.log}).Run(ctx,
				schedule.Job{Name: forecast.name, Schedule: o.Forecast, Run: forecast.run, LastStart: e.lastForecast})
		}()
		go func() {
			defer wg.Done()
			adoptOrphans(ctx, k, []*clusterJob{forecast}, func() <-chan time.Time { return o.Clock.After(o.Refresh) }, e.log)
		}()
	}
	if o.SyncLogRetention > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.pruneEvery(ctx, o.Clock, "sync logs", func(ctx context.Context, now time.Time) (int64, error) {
				return e.PruneSyncLogs(ctx, now.Add(-o.SyncLogRetention))
			}, "retention", o.SyncLogRetention.String())
		}()
	}
	if f := e.set.Forecast; f != nil && f.SnapshotRetention > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.pruneEvery(ctx, o.Clock, "past forecasts", func(ctx context.Context, now time.Time) (int64, error) {
				return e.PruneForecastRuns(ctx, 0, now)
			}, "retention", f.SnapshotRetention.String())
		}()
	}
	if o.Started != nil {
		o.Started()
	}
	e.log.Info("serve: started", "forecast_schedule", scheduleName(o.Forecast), "full_sync_schedule", scheduleName(o.FullSync))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		cancelWork()
		wg.Wait()
		<-beat
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return errors.Join(fmt.Errorf("serve: the HTTP listener stopped: %w", err), k.stop(stopCtx))
	}
	if o.Stopping != nil {
		o.Stopping()
	}
	e.log.Info("serve: stopping; passes and deliveries in flight may finish", "timeout", o.ShutdownTimeout)
	srv.Drain()
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	timer := time.NewTimer(o.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		e.log.Warn("serve: passes still running at the shutdown timeout are cut short; each resumes where it stopped")
		cancelWork()
		<-drained
	}
	if e.queue != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
		if err := e.StopDelivering(stopCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			e.log.Warn("serve: stopping the webhook workers", "err", err)
		}
		cancel()
	}
	cancelWork()
	stopBeating()
	<-beat
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := k.stop(shutCtx); err != nil {
		e.log.Warn("serve: could not give up this process's leases; the other processes take its connections over when they expire", "err", err, "lease_ttl", k.ttl)
	}
	_ = srv.Shutdown(shutCtx)
	e.log.Info("serve: stopped")
	return nil
}

func scheduleName(s *schedule.Schedule) string {
	if s == nil {
		return "never"
	}
	return s.String()
}

// pollSource lists the active connections as poll targets. The version changes with every edit of the row
// (updated_at) and with the circuit's state, so a reset from another process wakes its poller at once.
type pollSource struct{ e *Engine }

func (p pollSource) PollTargets(ctx context.Context) ([]poll.Target, error) {
	conns, err := p.e.store.ConnectionList(ctx, &store.ConnectionListParams{OnlyActive: true})
	if err != nil {
		return nil, err
	}
	held, err := p.e.leases.refresh(ctx, conns)
	if err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	out := make([]poll.Target, 0, len(held))
	for _, c := range conns {
		p.e.listed.Store(c.ID, c)
		t := poll.Target{ID: c.ID, Name: c.Name, Interval: c.PollInterval,
			Version: c.UpdatedAt.String() + "|" + c.OdooCircuitState + "|" + strconv.Itoa(c.OdooCircuitFailures)}
		if c.OdooCircuitState == store.CircuitOpen && c.OdooCircuitUntil != nil {
			t.NotBefore = *c.OdooCircuitUntil
		}
		p.e.names.Store(c.ID, c.Name)
		p.e.followWebhookReset(ctx, c)
		if p.e.metrics != nil {
			p.e.metrics.CircuitSet(c.Name, metrics.CircuitOdoo, c.OdooCircuitState != store.CircuitClosed)
			p.e.metrics.CircuitSet(c.Name, metrics.CircuitWebhook, c.CircuitState != "" && c.CircuitState != store.CircuitClosed)
		}
		if held[c.ID] { // another process polls the others
			out = append(out, t)
		}
	}
	// A connection deleted or disabled: its series leave /metrics, its record leaves the pollers' cache, its
	// Odoo client (and the client's open connections) leave the client cache.
	active := make(map[int64]bool, len(conns))
	for _, c := range conns {
		active[c.ID] = true
	}
	p.e.listed.Range(func(k, v any) bool {
		if !active[k.(int64)] {
			p.e.listed.Delete(k)
			p.e.clients.forget(k.(int64))
			if p.e.metrics != nil {
				p.e.metrics.ConnectionForget(v.(*store.Connection).Name)
			}
		}
		return true
	})
	return out, nil
}

// pollPass is one poller's pass: the connection as the last refresh listed it (at most Refresh old: an edit
// made since applies from the next pass), synced, and the pass logged as one line with the fields of sync_logs.
func (e *Engine) pollPass(ctx context.Context, t poll.Target) error {
	var c *store.Connection
	if v, ok := e.listed.Load(t.ID); ok {
		c = v.(*store.Connection)
	} else {
		var err error
		if c, err = e.store.ConnectionGet(ctx, t.ID); err != nil {
			return err
		}
	}
	if !c.Active {
		return nil
	}
	var opts SyncOptions
	full, err := e.fullSyncDue(ctx, c)
	if err != nil {
		e.log.Warn("serve: could not tell whether a full sync is due; this pass is incremental", "connection", c.Name, "err", err)
	}
	opts.Full = full
	_, err = e.passLogged(ctx, c, opts)
	return err
}

// fullSyncDue says whether the connection's next pass is a full sync: a time of the full-sync schedule passed
// since its last successful full (or initial) pass started. The lease holder's poller runs it, so it runs once
// per time whichever process holds the connection, and again after a full pass was cut short. A connection
// that never synced gets its initial pass instead.
func (e *Engine) fullSyncDue(ctx context.Context, c *store.Connection) (bool, error) {
	if e.fullSync == nil {
		return false, nil
	}
	prev := e.fullSync.Prev(e.clock.Now())
	if prev.IsZero() {
		return false, nil
	}
	if v, ok := e.lastFull.Load(c.ID); ok {
		return v.(time.Time).Before(prev), nil
	}
	logs, err := e.store.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: c.ID, Kinds: []string{"full", "initial"}, Status: store.SyncOK, Limit: 1})
	if err != nil {
		return false, err
	}
	var last time.Time
	if len(logs) == 1 {
		last = logs[0].StartedAt
	} else {
		// Never fully synced: due, unless it never synced at all (its first pass is the initial one).
		ok, err := e.store.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: c.ID, Status: store.SyncOK, Limit: 1})
		if err != nil || len(ok) == 0 {
			return false, err
		}
	}
	e.lastFull.Store(c.ID, last)
	return last.Before(prev), nil
}

// passLogged runs one pass of c and reports it: one structured log line, and the metrics.
func (e *Engine) passLogged(ctx context.Context, c *store.Connection, opts SyncOptions) (SyncResult, error) {
	// One pass of a connection at a time in this process: the scheduled full sync waits for the poller's pass
	// (and the other way round) instead of sharing its Odoo session.
	mu, _ := e.passLocks.LoadOrStore(c.ID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if e.leases != nil {
		epoch, ok := e.leases.begin(c.ID)
		if !ok {
			e.log.Debug("serve: no pass: another process holds the connection's lease", "connection", c.Name)
			return SyncResult{}, nil
		}
		defer e.leases.end(c.ID)
		opts.Fence = e.leases.fence(c.ID, epoch)
	}
	start := time.Now()
	res, err := e.SyncConnection(ctx, c, opts)
	if err == nil && (opts.Full || res.Kind == "initial") {
		e.lastFull.Delete(c.ID) // read again: its start is in sync_logs
	}
	if passStopped(ctx, err) {
		e.log.Info("sync interrupted by the stop", "connection", c.Name, "kind", res.Kind, "duration", res.Duration.Round(time.Millisecond))
		return res, err // the pass's log row says interrupted
	}
	attrs := []any{"connection", c.Name, "kind", res.Kind, "fetched", res.Fetched, "inserted", res.Inserted,
		"updated", res.Updated, "removed", res.Removed, "events", res.Events, "duration", res.Duration.Round(time.Millisecond)}
	switch {
	case err != nil && res.Skipped:
		e.log.Warn("sync skipped", append(attrs, "status", "skipped", "reason", err.Error())...)
	case err != nil:
		e.log.Error("sync failed", append(attrs, "status", "failed", "err", err.Error())...)
	default:
		e.log.Info("sync", append(attrs, "status", "ok")...)
	}
	if e.metrics != nil && !res.Skipped {
		kind := res.Kind
		if kind == "" {
			kind = "incremental"
		}
		e.metrics.SyncPass(c.Name, kind, time.Since(start), res.Records, err != nil, time.Now())
	}
	return res, err
}

// scheduledForecast forecasts and plans every active connection, one after the other.
func (e *Engine) scheduledForecast(ctx context.Context) error {
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{OnlyActive: true})
	if err != nil {
		return err
	}
	start := time.Now()
	byPriority := map[string]int{}
	var errs []error
	for _, c := range conns {
		cs := time.Now()
		out, err := e.ForecastAndPlan(ctx, c)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		attrs := []any{"connection", c.Name, "skus", out.Forecast.SKUs, "duration", time.Since(cs).Round(time.Millisecond)}
		if out.Plan != nil {
			attrs = append(attrs, "month", out.Plan.Month.String(), "alta", out.Plan.Summary.Alta, "media", out.Plan.Summary.Media,
				"baja", out.Plan.Summary.Baja)
			byPriority["ALTA"] += out.Plan.Summary.Alta
			byPriority["MEDIA"] += out.Plan.Summary.Media
			byPriority["BAJA"] += out.Plan.Summary.Baja
		}
		if out.Overrides > 0 {
			attrs = append(attrs, "overrides", out.Overrides)
		}
		if err != nil {
			e.log.Error("forecast failed", append(attrs, "status", "failed", "err", err.Error())...)
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		e.log.Info("forecast", append(attrs, "status", "ok")...)
	}
	if e.metrics != nil && len(errs) < len(conns) {
		e.metrics.ForecastRun(time.Since(start), time.Now(), byPriority)
	}
	return errors.Join(errs...)
}

// lastForecast is when the newest stored forecast was made (zero if none): the catch-up's reference.
func (e *Engine) lastForecast(ctx context.Context) (time.Time, error) {
	conns, err := e.store.ConnectionList(ctx, &store.ConnectionListParams{OnlyActive: true})
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, c := range conns {
		stats, err := e.store.ForecastStatList(ctx, c.ID)
		if err != nil {
			return time.Time{}, err
		}
		for _, s := range stats {
			if s.GeneratedAt.After(last) {
				last = s.GeneratedAt
			}
		}
	}
	return last, nil
}

// unqueuedSet is what serve still has to enqueue: deliveries committed by passes whose enqueue failed, and
// whether the start-up sweep of every pending delivery failed.
type unqueuedSet struct {
	mu    sync.Mutex
	ids   map[int64]bool
	sweep bool
}

func (u *unqueuedSet) add(ids []int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ids == nil {
		u.ids = map[int64]bool{}
	}
	for _, id := range ids {
		u.ids[id] = true
	}
}

func (u *unqueuedSet) sweepLater() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep = true
}

// take empties the set and returns what it held.
func (u *unqueuedSet) take() (ids []int64, sweep bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id := range u.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	sweep, u.ids, u.sweep = u.sweep, nil, false
	return ids, sweep
}

// enqueueLeftovers tries again, until ctx ends, to give a job to the deliveries that could not be enqueued
// (enqueueing is idempotent): a pass commits its deliveries before enqueueing them, and a database that fails
// in between must not leave them pending until the next start.
func (e *Engine) enqueueLeftovers(ctx context.Context, every func() <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-every():
		}
		ids, sweep := e.unqueued.take()
		var err error
		if sweep {
			err = e.enqueuePending(ctx)
		} else if len(ids) > 0 {
			err = e.queue.Enqueue(ctx, ids...)
		}
		if err != nil {
			if sweep {
				e.unqueued.sweepLater()
			}
			e.unqueued.add(ids)
			if ctx.Err() == nil {
				e.log.Warn("serve: could not enqueue webhook deliveries yet; trying again", "deliveries", len(ids), "err", err)
			}
			continue
		}
		if len(ids) > 0 || sweep {
			e.log.Info("serve: webhook deliveries enqueued after a failure", "deliveries", len(ids), "all_pending", sweep)
		}
	}
}

// enqueuePending gives every pending delivery a job (a crash between a sync's commit and its enqueue leaves
// some without one; enqueueing is idempotent).
func (e *Engine) enqueuePending(ctx context.Context) error {
	ds, err := e.store.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{States: []store.DeliveryState{store.DeliveryPending}})
	if err != nil {
		return err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return e.queue.Enqueue(ctx, ids...)
}

// readiness: the database answers and its schema is current.
type readiness struct{ s store.Store }

func (r readiness) Ready(ctx context.Context) error {
	ms, err := r.s.MigrationStatus(ctx)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	for _, m := range ms {
		if !m.Applied {
			return fmt.Errorf("database: migration %d (%s) is not applied", m.Version, m.Name)
		}
	}
	return nil
}

// queueStats reads the webhook queues for the metrics.
type queueStats struct{ s store.Store }

func (q queueStats) WebhookQueueStats(ctx context.Context) ([]metrics.QueueStat, error) {
	stats, err := q.s.WebhookQueueStatList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]metrics.QueueStat, len(stats))
	for i, s := range stats {
		out[i] = metrics.QueueStat{Connection: s.ConnectionName, Pending: int(s.Pending)}
		if s.OldestCreatedAt != nil {
			out[i].OldestAt = *s.OldestCreatedAt
		}
	}
	return out, nil
}

// followWebhookReset makes this process's delivery workers honour a webhook circuit closed, or a webhook
// re-enabled, in the database by another process (reset-circuit, connections edit): their breaker state lives
// in memory, seeded from the row, so when the row, updated since they wrote it, says closed and enabled while
// they still hold deliveries back, they forget their state and read the row again.
func (e *Engine) followWebhookReset(ctx context.Context, c *store.Connection) {
	if e.queue == nil {
		return
	}
	closed := c.CircuitState == "" || c.CircuitState == store.CircuitClosed
	if !closed || !c.WebhookEnabled || !e.queue.Worker().CircuitHeldBefore(c.ID, c.UpdatedAt) {
		return
	}
	{
		e.queue.Worker().CircuitReset(c.ID)
		// The deliveries that waited for the circuit are due now (those waiting for a retry keep their time).
		ds, err := e.store.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{ConnectionID: c.ID, States: []store.DeliveryState{store.DeliveryPending}})
		if err == nil {
			ids := make([]int64, len(ds))
			for i, d := range ds {
				ids[i] = d.ID
			}
			err = e.queue.Replay(ctx, ids...)
		}
		if err != nil && ctx.Err() == nil {
			e.log.Warn("serve: could not make the waiting deliveries due after a circuit reset; they go at their time", "connection", c.Name, "err", err)
		}
		e.log.Info("serve: webhook circuit closed or webhook re-enabled in the database; the delivery workers follow", "connection", c.Name)
	}
}

// leaseStats is what /metrics says of the leases: this process's name, the connections it holds by name, and
// the live serve processes.
type leaseStats struct{ e *Engine }

func (l leaseStats) LeaseStats() (string, []string, int) {
	held, live := l.e.leases.snapshot()
	names := make([]string, 0, len(held))
	for _, id := range held {
		if n, ok := l.e.names.Load(id); ok {
			names = append(names, n.(string))
		}
	}
	return l.e.leases.proc.Name(), names, live
}
