package store

import (
	"errors"
	"time"
)

// ErrLeaseLost is returned (wrapped) by ConnectionLeaseCheck when the caller no longer holds the connection's
// lease as it did when its pass started: another process claimed it since, or it was released.
var ErrLeaseLost = errors.New("lease lost")

// ServeProcess is one running `serve` (serve_processes).
type ServeProcess struct {
	ID          string // unique per process start: hostname:pid-random
	Hostname    string
	PID         int
	StartedAt   time.Time
	HeartbeatAt time.Time
	// ExpiresAt is the last heartbeat plus the process's lease TTL: past it, the process counts as dead and its
	// leases are free to claim.
	ExpiresAt time.Time
	// Leases counts the leases the process holds (expired ones not yet claimed by another included); set by
	// ServeProcessBeat only.
	Leases int
}

// Name is how the process is shown: hostname:pid.
func (p *ServeProcess) Name() string { return p.Hostname + ":" + itoa(p.PID) }

// ConnectionLease is who polls a connection (connection_leases). A lease lives as long as its holder's
// heartbeat (ServeProcess.ExpiresAt).
type ConnectionLease struct {
	ConnectionID int64
	Holder       string     // a ServeProcess ID; "" when released
	Epoch        int64      // incremented by every claim
	ClaimedAt    *time.Time // nil: never held
	FreedAt      time.Time  // when it was last released (or its row made)
	// HolderName is the holder's hostname:pid while its process row exists ("" otherwise), and HolderLive
	// whether that process's heartbeat has not expired; set by ConnectionLeaseList only.
	HolderName string
	HolderLive bool
}

// ServeProcessBeatResult is what a heartbeat learned.
type ServeProcessBeatResult struct {
	// Now is the database's clock: every expiry is reckoned by it, so the machines' clocks need not agree.
	Now time.Time
	// Live are the processes whose heartbeat has not expired, the caller included.
	Live []*ServeProcess
}

// ScheduleRun is one run of a scheduled job across the processes (schedule_runs).
type ScheduleRun struct {
	Name       string
	DueAt      time.Time // the schedule's time the run stands for
	ClaimedBy  string    // the ServeProcess ID that runs (or ran) it
	ClaimedAt  time.Time
	FinishedAt *time.Time // nil while it runs, or when its process died before it ended
	Error      string
}
