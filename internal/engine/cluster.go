package engine

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// DefaultLeaseTTL is how long a serve process's heartbeat, and with it its leases, lasts without renewal
// (SALESENGINE_LEASE_TTL): a process that dies without a word loses its connections to the others after at most
// this, plus a refresh.
const DefaultLeaseTTL = 15 * time.Second

// leaseKeeper is this serve process's share of the connections. Each refresh it renews its heartbeat (which
// keeps all its leases alive: lease rows are never renewed one by one, so a pass's fenced transaction, which
// locks its lease row, never holds a renewal up), reads which leases it still holds, works out its fair share of
// the active connections over the live processes, gives up the leases above it (idle ones first; one with a
// pass in flight only once the pass ends) and claims free ones (released, or of dead processes) up to it. It
// polls only the connections it holds, and each pass carries the lease's epoch to its fence
// (sync.Options.Fence).
type leaseKeeper struct {
	s store.Store
	// db is s.Dedicated(): heartbeats and claims do not queue behind the passes and deliveries.
	db   store.Executor
	log  *slog.Logger
	proc *store.ServeProcess
	ttl  time.Duration
	// refreshEvery is how often refresh runs (the pollers' refresh).
	refreshEvery time.Duration
	exclusive    bool // the only serve of its database (SQLite's lock): no other process to wait for
	// claimed hears of leases this process just claimed (their cached state may be another process's news).
	claimed func(ids []int64)

	mu       sync.Mutex
	settled  bool            // a heartbeat was recorded one refresh ago: processes started together see each other
	held     map[int64]int64 // connection id -> epoch of our lease
	draining map[int64]bool  // held, given up once its pass ends
	busy     map[int64]int   // passes in flight
	live     int             // live serve processes at the last refresh
	lastBeat time.Time       // the database's time of the last heartbeat
}

func newLeaseKeeper(s store.Store, log *slog.Logger, ttl, refresh time.Duration, exclusive bool) *leaseKeeper {
	return &leaseKeeper{s: s, db: s.Dedicated(), log: log, proc: newServeProcess(), ttl: cmp.Or(ttl, DefaultLeaseTTL), refreshEvery: refresh, exclusive: exclusive,
		settled: exclusive, held: map[int64]int64{}, draining: map[int64]bool{}, busy: map[int64]int{}, live: 1}
}

// newServeProcess names this process: hostname:pid, and a random suffix so that a restarted container (same
// hostname, pid 1 again) is not taken for the process it replaces.
func newServeProcess() *store.ServeProcess {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	p := &store.ServeProcess{Hostname: host, PID: os.Getpid()}
	p.ID = p.Name() + "-" + hex.EncodeToString(b[:])
	return p
}

// start records the process. The only serve of its database ends the records of every other: they are dead
// (SQLite's lock proves it), so their leases and unfinished runs are free at once instead of after the TTL.
func (k *leaseKeeper) start(ctx context.Context) error {
	if _, err := k.beat(ctx); err != nil {
		return err
	}
	if !k.exclusive {
		return nil
	}
	others, err := k.db.ServeProcessList(ctx)
	if err != nil {
		return err
	}
	for _, p := range others {
		if p.ID != k.proc.ID {
			if err := k.db.ServeProcessEnd(ctx, p.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// stop gives the leases up and removes the process's record, so the others take its connections over at once.
func (k *leaseKeeper) stop(ctx context.Context) error {
	return k.db.ServeProcessEnd(ctx, k.proc.ID)
}

// refresh does one round (see leaseKeeper) for the active connections and returns those to poll.
//
// The shares: with n active connections and p live processes, each process holds between floor(n/p) and
// ceil(n/p). One above the ceiling gives the rest up; one above the floor gives one up each round while another
// live process holds less than the floor (one that just started). One below the floor claims any free lease;
// one between the two claims only leases free for two refreshes, so that those below the floor get them first.
func (k *leaseKeeper) refresh(ctx context.Context, active []*store.Connection) (map[int64]bool, error) {
	beat, err := k.beat(ctx)
	if err != nil {
		return nil, err
	}
	// The leases live as long as the heartbeat just recorded: this reads which ones this process still holds.
	stillHeld, err := k.db.ConnectionLeaseHeld(ctx, k.proc.ID)
	if err != nil {
		return nil, err
	}
	isActive := make(map[int64]bool, len(active))
	for _, c := range active {
		isActive[c.ID] = true
	}
	live := max(len(beat.Live), 1)
	floor, ceil := len(active)/live, (len(active)+live-1)/live
	starved := false // another live process holds less than the floor
	for _, p := range beat.Live {
		starved = starved || (p.ID != k.proc.ID && p.Leases < floor)
	}

	k.mu.Lock()
	held := make(map[int64]int64, len(stillHeld))
	for _, l := range stillHeld {
		held[l.ConnectionID] = l.Epoch
	}
	for id := range k.held {
		if _, ok := held[id]; !ok {
			k.log.Warn("serve: lost the lease of a connection (this process's heartbeat was late by more than the lease TTL); another process polls it now",
				"connection_id", id, "lease_ttl", k.ttl)
		}
	}
	var release, keep []int64
	for id := range held {
		if isActive[id] {
			keep = append(keep, id)
		} else {
			release = append(release, id) // disabled or deleted
		}
	}
	over := len(keep) - ceil
	if over <= 0 && starved && len(keep) > floor {
		over = 1
	}
	// Idle leases go first; one with a pass in flight is given up when the pass ends (draining meanwhile).
	draining := map[int64]bool{}
	if over > 0 {
		slices.SortFunc(keep, func(a, b int64) int { return cmp.Or(cmp.Compare(k.busy[a], k.busy[b]), cmp.Compare(b, a)) })
		for _, id := range keep[:over] {
			if k.busy[id] > 0 {
				draining[id] = true
			} else {
				release = append(release, id)
			}
		}
		keep = keep[over:]
	}
	for _, id := range release {
		delete(held, id) // no pass starts on it from now
	}
	k.held, k.draining, k.live = held, draining, live
	settled := k.settled
	k.settled = true
	k.mu.Unlock()

	if len(release) > 0 {
		if err := k.db.ConnectionLeaseRelease(ctx, k.proc.ID, release); err != nil {
			return nil, err
		}
		k.log.Info("serve: released leases to rebalance", "connections", len(release), "live_processes", live)
	}
	// A process starting next to others claims from its second refresh on: by then every process started at
	// the same time has recorded its heartbeat, and the shares agree. None claims in a round it gave leases up.
	if n := len(keep) + len(draining); settled && over <= 0 && n < ceil {
		want, freeFor := floor-n, time.Duration(0)
		if want <= 0 {
			want, freeFor = ceil-n, 2*k.refreshEvery
		}
		claimed, err := k.db.ConnectionLeaseClaim(ctx, k.proc.ID, want, freeFor)
		if err != nil {
			return nil, err
		}
		if len(claimed) > 0 {
			ids := make([]int64, len(claimed))
			k.mu.Lock()
			for i, l := range claimed {
				k.held[l.ConnectionID] = l.Epoch
				ids[i] = l.ConnectionID
			}
			k.mu.Unlock()
			if k.claimed != nil {
				k.claimed(ids)
			}
			k.log.Info("serve: claimed leases", "connections", len(claimed), "held", n+len(claimed), "live_processes", live)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	poll := make(map[int64]bool, len(k.held))
	for id := range k.held {
		if !k.draining[id] {
			poll[id] = true
		}
	}
	return poll, nil
}

// beat records the heartbeat, which keeps every lease of the process alive, and says so when it comes late.
//
// The heartbeat goroutine and the pollers' refresh both beat, at once at times: each beats with a copy of the
// process record (the store writes its times into it), copied back under the lock.
func (k *leaseKeeper) beat(ctx context.Context) (store.ServeProcessBeatResult, error) {
	k.mu.Lock()
	p := *k.proc
	k.mu.Unlock()
	r, err := k.db.ServeProcessBeat(ctx, &p, k.ttl)
	if err != nil {
		return r, err
	}
	k.mu.Lock()
	if k.proc.StartedAt.IsZero() {
		k.proc.StartedAt = p.StartedAt
	}
	if p.HeartbeatAt.After(k.proc.HeartbeatAt) {
		k.proc.HeartbeatAt, k.proc.ExpiresAt = p.HeartbeatAt, p.ExpiresAt
	}
	last := k.lastBeat
	k.lastBeat = r.Now
	k.mu.Unlock()
	if late := r.Now.Sub(last); !last.IsZero() && late > k.ttl/2 {
		k.log.Warn("serve: the heartbeat came late; at the lease TTL the other processes take this process's connections",
			"since_last", late.Round(time.Millisecond), "lease_ttl", k.ttl)
	}
	return r, nil
}

// heartbeat beats every refresh until ctx ends, on the keeper's own connection and apart from the pollers'
// refresh, so a busy process (its refresh waiting for the store) keeps its leases.
func (k *leaseKeeper) heartbeat(ctx context.Context, every func() <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-every():
		}
		if _, err := k.beat(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("serve: could not record the heartbeat; at the lease TTL the other processes take this process's connections",
				"err", err, "lease_ttl", k.ttl)
		}
	}
}

// begin starts a pass of a connection: the lease's epoch, and false when this process does not hold the lease
// (or is giving it up). end must follow a begin that returned true.
func (k *leaseKeeper) begin(id int64) (int64, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	epoch, ok := k.held[id]
	if !ok || k.draining[id] {
		return 0, false
	}
	k.busy[id]++
	return epoch, true
}

func (k *leaseKeeper) end(id int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.busy[id]--; k.busy[id] <= 0 {
		delete(k.busy, id)
	}
}

// fence is a pass's check, in each of its write transactions, that the lease is still what it was at begin.
func (k *leaseKeeper) fence(id, epoch int64) func(ctx context.Context, tx store.Executor) error {
	return func(ctx context.Context, tx store.Executor) error {
		return tx.ConnectionLeaseCheck(ctx, id, k.proc.ID, epoch)
	}
}

// snapshot is what /metrics shows: the connections held, and the live processes.
func (k *leaseKeeper) snapshot() (held []int64, live int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for id := range k.held {
		held = append(held, id)
	}
	slices.Sort(held)
	return held, k.live
}

// clusterJob is a scheduled job that runs once per due time across the serve processes of a database: the
// process that records (job, due time) in schedule_runs runs it, the others skip it.
type clusterJob struct {
	name string
	work func(ctx context.Context) error
	k    *leaseKeeper
	log  *slog.Logger
	mu   sync.Mutex // one run at a time in this process: the schedule's, or one taken over from a dead process
}

// run claims the run due at due and does it. A run cut short by a stop stays unfinished: another process, or
// this one's next start, takes it over.
func (j *clusterJob) run(ctx context.Context, due time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	ok, err := j.k.s.ScheduleRunClaim(ctx, j.name, due, j.k.proc.ID)
	if err != nil {
		return fmt.Errorf("claim the run: %w", err)
	}
	if !ok {
		j.log.Info("schedule: another serve process has this run", "job", j.name, "due", due)
		return nil
	}
	j.log.Info("schedule: running", "job", j.name, "due", due, "process", j.k.proc.ID)
	err = j.work(ctx)
	if err != nil && ctx.Err() != nil {
		return err
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return errors.Join(err, j.k.s.ScheduleRunFinish(fctx, j.name, due, j.k.proc.ID, errText))
}

// adopt takes over a run its process left unfinished: it runs it, unless a later time of the schedule was
// claimed since (that run does the work; this one is closed as superseded).
func (j *clusterJob) adopt(ctx context.Context, o *store.ScheduleRun) error {
	runs, err := j.k.s.ScheduleRunList(ctx, j.name)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if !r.DueAt.After(o.DueAt) {
			continue
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		ok, err := j.k.s.ScheduleRunClaim(ctx, j.name, o.DueAt, j.k.proc.ID)
		if err != nil || !ok {
			return err
		}
		j.log.Info("schedule: a run left unfinished by a stopped process is superseded by a later one", "job", j.name, "due", o.DueAt, "later", r.DueAt)
		return j.k.s.ScheduleRunFinish(ctx, j.name, o.DueAt, j.k.proc.ID, "superseded by the run due at "+r.DueAt.UTC().Format(time.RFC3339))
	}
	j.log.Info("schedule: taking over a run its process left unfinished", "job", j.name, "due", o.DueAt, "claimed_by", o.ClaimedBy)
	return j.run(ctx, o.DueAt)
}

// adoptOrphans runs, until ctx ends, the runs of jobs that a process died in the middle of (found every
// refresh), one after the other.
func adoptOrphans(ctx context.Context, k *leaseKeeper, jobs []*clusterJob, every func() <-chan time.Time, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-every():
		}
		orphans, err := k.s.ScheduleRunOrphanList(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("schedule: could not look for runs left unfinished by a stopped process", "err", err)
			}
			continue
		}
		for _, o := range orphans {
			for _, j := range jobs {
				if j.name != o.Name {
					continue
				}
				if err := j.adopt(ctx, o); err != nil && ctx.Err() == nil {
					log.Error("schedule: run failed", "job", o.Name, "due", o.DueAt, "err", err)
				}
			}
		}
	}
}
