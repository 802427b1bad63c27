// Package poll runs one poller per connection for `serve`: each syncs its connection at the connection's own
// interval in a goroutine of its own, so a slow, hung or failing tenant never delays another. The set of
// connections is re-read every Refresh, so connections added, edited, disabled or deleted by another process
// are picked up without a restart, and a connection whose settings changed (a circuit reset included) is
// looked at again at once instead of after its wait.
package poll

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/salesengine/salesengine/internal/clock"
)

// Target is one connection as the poller sees it.
type Target struct {
	ID       int64
	Name     string
	Interval time.Duration
	// NotBefore holds polls back until then (an open circuit's next trial); zero: no hold.
	NotBefore time.Time
	// Version changes whenever the connection's settings or circuit change (e.g. its updated_at): a waiting
	// poller wakes and re-reads its Target.
	Version string
}

// Source lists the connections to poll: the active ones.
type Source interface {
	PollTargets(ctx context.Context) ([]Target, error)
}

// PollFunc runs one pass for a target. Its error is the pass's; the poller goes on at the next interval.
type PollFunc func(ctx context.Context, t Target) error

// Supervisor keeps one poller running per target.
type Supervisor struct {
	Source  Source
	Poll    PollFunc
	Refresh time.Duration // how often the targets are re-read (default 2s)
	Clock   clock.Clock
	Logger  *slog.Logger
}

type poller struct {
	target chan Target // the latest Target, replacing an unread one
	stop   chan struct{}
	done   chan struct{}
}

// Run polls until ctx ends; then it starts no new pass, and returns once the passes in flight returned. Those
// run with work, which the caller cancels later (after a drain timeout) to cut them short.
func (s *Supervisor) Run(ctx, work context.Context) error {
	if s.Clock == nil {
		s.Clock = clock.Real{}
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	refresh := s.Refresh
	if refresh <= 0 {
		refresh = 2 * time.Second
	}
	pollers := map[int64]*poller{}
	versions := map[int64]string{}
	var wg sync.WaitGroup
	defer func() {
		for _, p := range pollers {
			close(p.stop)
		}
		wg.Wait()
	}()
	for {
		targets, err := s.Source.PollTargets(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			// Keep the pollers we have: a database blip must not stop every tenant's sync.
			s.Logger.Warn("poll: could not read the connections; keeping the current pollers", "err", err)
		default:
			seen := map[int64]bool{}
			for _, t := range targets {
				seen[t.ID] = true
				p, ok := pollers[t.ID]
				if !ok {
					p = &poller{target: make(chan Target, 1), stop: make(chan struct{}), done: make(chan struct{})}
					pollers[t.ID] = p
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer close(p.done)
						s.loop(ctx, work, p)
					}()
					s.Logger.Info("poll: polling", "connection", t.Name, "interval", t.Interval)
				}
				if !ok || versions[t.ID] != t.Version {
					versions[t.ID] = t.Version
					select { // replace an unread target with the newer one
					case <-p.target:
					default:
					}
					p.target <- t
				}
			}
			for id, p := range pollers {
				if !seen[id] {
					close(p.stop) // deleted or disabled: finish a pass in flight, then stop
					delete(pollers, id)
					delete(versions, id)
					s.Logger.Info("poll: stopped polling a connection that was removed or disabled", "connection_id", id)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.Clock.After(refresh):
		}
	}
}

// loop is one connection's poller: poll, wait the interval (or the circuit's hold), poll again.
func (s *Supervisor) loop(ctx, work context.Context, p *poller) {
	t := <-p.target
	var last time.Time // when the last pass started; zero: poll at once
	for {
		due := last.Add(t.Interval)
		if last.IsZero() {
			due = s.Clock.Now()
		}
		if t.NotBefore.After(due) {
			due = t.NotBefore
		}
		if wait := due.Sub(s.Clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-p.stop:
				return
			case t = <-p.target:
				continue // settings changed: recompute when
			case <-s.Clock.After(wait):
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-p.stop:
			return
		case nt := <-p.target:
			t = nt
		default:
		}
		last = s.Clock.Now()
		if err := s.Poll(work, t); err != nil && !(errors.Is(err, context.Canceled) && work.Err() != nil) {
			s.Logger.Debug("poll: pass failed", "connection", t.Name, "err", err) // the pass logs and records its own failure
		}
	}
}
