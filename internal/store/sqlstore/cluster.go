package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// The tables of several serve processes on one database: serve_processes, connection_leases, schedule_runs.
// Every expiry is reckoned by the database's clock, read first and bound like any other time, so the machines'
// clocks need not agree.

// dbNow reads the database's clock. (Bound back as a parameter, it is stored in the one spelling SQLite's
// timestamps have; strftime's own keeps trailing zeros, which would compare wrongly as text.)
func (e *Exec) dbNow(ctx context.Context) (time.Time, error) {
	q := `SELECT now()`
	if e.d.Name() != store.DialectPostgres {
		q = `SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')`
	}
	var t time.Time
	if err := e.queryRow(ctx, q).Scan(timeDest{&t}); err != nil {
		return time.Time{}, fmt.Errorf("read the database's clock: %w", err)
	}
	return t, nil
}

// skipLocked is what a claim adds to its SELECT so that processes claiming at once take different rows without
// waiting for each other (SQLite has one writer: a claim is never concurrent there).
func (e *Exec) skipLocked(table string) string {
	if e.d.Name() == store.DialectPostgres {
		return ` FOR UPDATE OF ` + table + ` SKIP LOCKED`
	}
	return ""
}

const serveProcessColumns = `id, hostname, pid, started_at, heartbeat_at, expires_at`

func scanServeProcess(r rowScanner) (*store.ServeProcess, error) {
	var p store.ServeProcess
	if err := r.Scan(&p.ID, &p.Hostname, &p.PID, timeDest{&p.StartedAt}, timeDest{&p.HeartbeatAt}, timeDest{&p.ExpiresAt}); err != nil {
		return nil, err
	}
	return &p, nil
}

// queryAll runs q and scans every row with scan; errors say what was being done.
func queryAll[T any](ctx context.Context, e *Exec, what string, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// liveProcesses is the ids of the processes alive at the bound time: a lease whose holder is not among them
// is free.
const liveProcesses = `(SELECT id FROM serve_processes WHERE expires_at > ?)`

// processGone is how long after its expiry a process's row is deleted, in TTLs: long past any use.
const processGone = 9

func (e *Exec) ServeProcessBeat(ctx context.Context, p *store.ServeProcess, ttl time.Duration) (store.ServeProcessBeatResult, error) {
	now, err := e.dbNow(ctx)
	if err != nil {
		return store.ServeProcessBeatResult{}, err
	}
	if p.StartedAt.IsZero() {
		p.StartedAt = now
	}
	p.HeartbeatAt, p.ExpiresAt = now, now.Add(ttl)
	if _, err := e.exec(ctx, `INSERT INTO serve_processes (`+serveProcessColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
		p.ID, p.Hostname, p.PID, e.d.Time(p.StartedAt), e.d.Time(now), e.d.Time(p.ExpiresAt)); err != nil {
		return store.ServeProcessBeatResult{}, fmt.Errorf("heartbeat of serve process %s: %w", p.ID, err)
	}
	if _, err := e.exec(ctx, `DELETE FROM serve_processes WHERE expires_at < ?`, e.d.Time(now.Add(-processGone*ttl))); err != nil {
		return store.ServeProcessBeatResult{}, fmt.Errorf("delete the rows of long-dead serve processes: %w", err)
	}
	live, err := queryAll(ctx, e, "list the live serve processes", func(r rowScanner) (*store.ServeProcess, error) {
		var p store.ServeProcess
		err := r.Scan(&p.ID, &p.Hostname, &p.PID, timeDest{&p.StartedAt}, timeDest{&p.HeartbeatAt}, timeDest{&p.ExpiresAt}, &p.Leases)
		return &p, err
	}, `SELECT `+serveProcessColumns+`, (SELECT COUNT(*) FROM connection_leases l WHERE l.holder = p.id)
		FROM serve_processes p WHERE expires_at > ? ORDER BY id`, e.d.Time(now))
	if err != nil {
		return store.ServeProcessBeatResult{}, err
	}
	return store.ServeProcessBeatResult{Now: now, Live: live}, nil
}

func (e *Exec) ServeProcessList(ctx context.Context) ([]*store.ServeProcess, error) {
	return queryAll(ctx, e, "list serve processes", scanServeProcess, `SELECT `+serveProcessColumns+` FROM serve_processes ORDER BY id`)
}

func (e *Exec) ServeProcessEnd(ctx context.Context, id string) error {
	return e.atomically(ctx, func(e *Exec) error {
		now, err := e.dbNow(ctx)
		if err != nil {
			return err
		}
		if _, err := e.exec(ctx, `UPDATE connection_leases SET holder = '', freed_at = ? WHERE holder = ?`, e.d.Time(now), id); err != nil {
			return fmt.Errorf("release the leases of serve process %s: %w", id, err)
		}
		if _, err := e.exec(ctx, `DELETE FROM serve_processes WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete serve process %s: %w", id, err)
		}
		return nil
	})
}

const leaseColumns = `connection_id, holder, epoch, claimed_at, freed_at`

func scanLease(r rowScanner) (*store.ConnectionLease, error) {
	var l store.ConnectionLease
	err := r.Scan(&l.ConnectionID, &l.Holder, &l.Epoch, nullTimeDest{&l.ClaimedAt}, timeDest{&l.FreedAt})
	return &l, err
}

func (e *Exec) ConnectionLeaseHeld(ctx context.Context, holder string) ([]*store.ConnectionLease, error) {
	return queryAll(ctx, e, "list the leases held", scanLease, `SELECT `+leaseColumns+` FROM connection_leases
		WHERE holder = ? ORDER BY connection_id`, holder)
}

func (e *Exec) ConnectionLeaseClaim(ctx context.Context, holder string, limit int, freeFor time.Duration) ([]*store.ConnectionLease, error) {
	if limit <= 0 {
		return nil, nil
	}
	now, err := e.dbNow(ctx)
	if err != nil {
		return nil, err
	}
	// Every active connection gets its row (epoch 0, free since now) the first time; in id order, so that
	// processes doing this at once never wait for each other in a cycle.
	if _, err := e.exec(ctx, `INSERT INTO connection_leases (connection_id, holder, epoch, freed_at)
		SELECT id, '', 0, ? FROM connections
		WHERE active = ? AND id NOT IN (SELECT connection_id FROM connection_leases) ORDER BY id
		ON CONFLICT (connection_id) DO NOTHING`, e.d.Time(now), true); err != nil {
		return nil, fmt.Errorf("create the leases of new connections: %w", err)
	}
	// The claim's own time is read after the insert: a concurrent claim may have made the rows, free since its
	// time, later than ours was read above; with that earlier time this claim would find them "freed in the
	// future" and take none (seen under load: two processes claiming at once, one took all, the other nothing).
	if now, err = e.dbNow(ctx); err != nil {
		return nil, err
	}
	n, free := e.d.Time(now), e.d.Time(now.Add(-freeFor))
	// The condition again in the UPDATE: on PostgreSQL a row another claim changed between the subquery's
	// snapshot and its lock is read anew.
	claimable := `((holder = '' AND freed_at <= ?) OR (holder <> '' AND holder NOT IN ` + liveProcesses + `))`
	return queryAll(ctx, e, "claim leases", scanLease, `UPDATE connection_leases SET holder = ?, epoch = epoch + 1, claimed_at = ?
		WHERE connection_id IN (SELECT l.connection_id FROM connection_leases l JOIN connections c ON c.id = l.connection_id
			WHERE c.active = ? AND `+claimable+` ORDER BY l.connection_id LIMIT ?`+e.skipLocked("l")+`)
		AND `+claimable+`
		RETURNING `+leaseColumns, holder, n, true, free, n, limit, free, n)
}

func (e *Exec) ConnectionLeaseRelease(ctx context.Context, holder string, ids []int64) error {
	now, err := e.dbNow(ctx)
	if err != nil {
		return err
	}
	return inChunks(ids, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		if _, err := e.exec(ctx, `UPDATE connection_leases SET holder = '', freed_at = ? WHERE holder = ? AND connection_id IN (`+ph+`)`,
			append([]any{e.d.Time(now), holder}, args...)...); err != nil {
			return fmt.Errorf("release leases: %w", err)
		}
		return nil
	})
}

func (e *Exec) ConnectionLeaseList(ctx context.Context) ([]*store.ConnectionLease, error) {
	now, err := e.dbNow(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, e, "list leases", func(r rowScanner) (*store.ConnectionLease, error) {
		var l store.ConnectionLease
		var host sql.NullString
		var pid sql.NullInt64
		var expires *time.Time
		if err := r.Scan(&l.ConnectionID, &l.Holder, &l.Epoch, nullTimeDest{&l.ClaimedAt}, timeDest{&l.FreedAt}, &host, &pid, nullTimeDest{&expires}); err != nil {
			return nil, err
		}
		if host.Valid {
			l.HolderName = (&store.ServeProcess{Hostname: host.String, PID: int(pid.Int64)}).Name()
			l.HolderLive = expires.After(now)
		}
		return &l, nil
	}, `SELECT l.connection_id, l.holder, l.epoch, l.claimed_at, l.freed_at, p.hostname, p.pid, p.expires_at
		FROM connection_leases l LEFT JOIN serve_processes p ON p.id = l.holder ORDER BY l.connection_id`)
}

func (e *Exec) ConnectionLeaseCheck(ctx context.Context, connectionID int64, holder string, epoch int64) error {
	// FOR SHARE: a claim (an UPDATE of the row) waits until this transaction ends, so the next holder's pass
	// starts after these writes, never among them. (SQLite: the transaction holds the one write lock already.)
	lock := ""
	if e.d.Name() == store.DialectPostgres {
		lock = " FOR SHARE"
	}
	var h string
	var ep int64
	err := e.queryRow(ctx, `SELECT holder, epoch FROM connection_leases WHERE connection_id = ?`+lock, connectionID).Scan(&h, &ep)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("connection %d: %w (no lease)", connectionID, store.ErrLeaseLost)
	case err != nil:
		return fmt.Errorf("check the lease of connection %d: %w", connectionID, err)
	case h != holder || ep != epoch:
		by := "nobody"
		if h != "" {
			by = h
		}
		return fmt.Errorf("connection %d: %w: held by %s at epoch %d, this pass started at epoch %d", connectionID, store.ErrLeaseLost, by, ep, epoch)
	}
	return nil
}

const scheduleRunColumns = `name, due_at, claimed_by, claimed_at, finished_at, error`

func scanScheduleRun(r rowScanner) (*store.ScheduleRun, error) {
	var s store.ScheduleRun
	err := r.Scan(&s.Name, timeDest{&s.DueAt}, &s.ClaimedBy, timeDest{&s.ClaimedAt}, nullTimeDest{&s.FinishedAt}, &s.Error)
	return &s, err
}

func (e *Exec) scheduleRuns(ctx context.Context, what, q string, args ...any) ([]*store.ScheduleRun, error) {
	return queryAll(ctx, e, what, scanScheduleRun, q, args...)
}

func (e *Exec) ScheduleRunClaim(ctx context.Context, name string, due time.Time, holder string) (bool, error) {
	now, err := e.dbNow(ctx)
	if err != nil {
		return false, err
	}
	res, err := e.exec(ctx, `INSERT INTO schedule_runs (name, due_at, claimed_by, claimed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name, due_at) DO NOTHING`, name, e.d.Time(due), holder, e.d.Time(now))
	if err != nil {
		return false, fmt.Errorf("claim the %s run due at %s: %w", name, due.UTC().Format(time.RFC3339), err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	// Claimed already: taken over only when unfinished and its claimer is dead.
	res, err = e.exec(ctx, `UPDATE schedule_runs SET claimed_by = ?, claimed_at = ?
		WHERE name = ? AND due_at = ? AND finished_at IS NULL AND claimed_by <> ? AND claimed_by NOT IN `+liveProcesses,
		holder, e.d.Time(now), name, e.d.Time(due), holder, e.d.Time(now))
	if err != nil {
		return false, fmt.Errorf("take over the %s run due at %s: %w", name, due.UTC().Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (e *Exec) ScheduleRunFinish(ctx context.Context, name string, due time.Time, holder, errText string) error {
	now, err := e.dbNow(ctx)
	if err != nil {
		return err
	}
	if _, err := e.exec(ctx, `UPDATE schedule_runs SET finished_at = ?, error = ? WHERE name = ? AND due_at = ? AND claimed_by = ?`,
		e.d.Time(now), errText, name, e.d.Time(due), holder); err != nil {
		return fmt.Errorf("record the end of the %s run due at %s: %w", name, due.UTC().Format(time.RFC3339), err)
	}
	return nil
}

func (e *Exec) ScheduleRunOrphanList(ctx context.Context) ([]*store.ScheduleRun, error) {
	now, err := e.dbNow(ctx)
	if err != nil {
		return nil, err
	}
	return e.scheduleRuns(ctx, "list unfinished runs of dead processes", `SELECT `+scheduleRunColumns+` FROM schedule_runs
		WHERE finished_at IS NULL AND claimed_by NOT IN `+liveProcesses+` ORDER BY name, due_at`, e.d.Time(now))
}

func (e *Exec) ScheduleRunList(ctx context.Context, name string) ([]*store.ScheduleRun, error) {
	return e.scheduleRuns(ctx, "list schedule runs", `SELECT `+scheduleRunColumns+` FROM schedule_runs WHERE name = ? ORDER BY due_at`, name)
}
