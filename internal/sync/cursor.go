package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// A model's cursor (sync_state.cursor_write_date) is a safe horizon: every change whose write_date is older was
// visible in Odoo when a pass listed it, except for transactions that committed later than the lag after they
// began. A pass lists from the cursor minus the recheck window and reads whole every record at or after the
// cursor (a same-second edit keeps its write_date) and every record before it whose write_date or state differs
// from the stored one. At the end it saves the server's clock at the listing minus the lag: never later, however
// far the listing read.

// cursor returns a model's (or pseudo-model's) cursor as stored when the pass began, or an error wrapping
// store.ErrNotFound. The connection's cursors are read once, in one query (by Sync, for the first attempt): a
// pass reads each model's cursor before it saves it, and an attempt that starts over reads them again, with
// those the earlier attempts saved.
func (r *run) cursor(ctx context.Context, model string) (*store.SyncCursor, error) {
	if r.cursors == nil {
		err := r.retry(ctx, "read the cursors", func() error {
			var err error
			r.cursors, err = r.s.Store.SyncCursorList(ctx, r.conn.ID)
			return err
		})
		if err != nil {
			return nil, err
		}
		for m, c := range r.saved {
			r.cursors[m] = c
		}
	}
	c, ok := r.cursors[model]
	if !ok {
		return nil, fmt.Errorf("sync cursor %d/%s: %w", r.conn.ID, model, store.ErrNotFound)
	}
	return c, nil
}

// cursorOf returns a model's saved horizon, and false when the model was never synced.
func (r *run) cursorOf(ctx context.Context, model string) (time.Time, bool, error) {
	c, err := r.cursor(ctx, model)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return c.WriteDate, true, nil
}

// window is where a pass over one model starts listing, and from when it reads records whole.
type window struct {
	since time.Time // list from here (zero: everything)
	fresh time.Time // records written at or after this are read whole (zero: all)
}

// windowOf derives a model's listing window from its saved cursor.
func (r *run) windowOf(ctx context.Context, model string) (window, error) {
	cur, found, err := r.cursorOf(ctx, model)
	if err != nil || !found || r.opts.Full {
		return window{}, err
	}
	return window{since: cur.Add(-r.s.recheck()).Truncate(time.Second), fresh: cur}, nil
}

// widen moves a window's start back to cover a clock step found after it was listed; it reports whether it moved.
func (r *run) widen(w *window) bool {
	if r.stepFrom.IsZero() || w.since.IsZero() {
		return false
	}
	since := r.stepFrom.Add(-r.s.lag()).Truncate(time.Second)
	if !since.Before(w.since) {
		return false
	}
	w.since = since
	return true
}

// saveCursor saves a model's new horizon: the server's clock at its listing minus the lag.
func (r *run) saveCursor(model string, serverNow time.Time) {
	h := serverNow.Add(-r.s.lag()).Truncate(time.Second)
	r.keep(&store.SyncCursor{ConnectionID: r.conn.ID, Model: model, WriteDate: h, UpdatedAt: r.s.now()})
}

// keep saves a cursor with the pass's record: Sync writes the cursors kept by the stages that finished in the
// transaction that records the pass in sync_logs, whether the pass succeeded or not, so an idle pass commits
// twice (its log row opened, then closed with the cursors) instead of once per model. A process killed before
// that loses only the cursors' advance: the next pass lists from the older ones and finds everything stored.
func (r *run) keep(c *store.SyncCursor) { r.saved[c.Model] = c }

// checkClock compares the server's clock with where it should be since the last pass (its clock then, plus the
// time that passed here). A clock that stepped back makes rows written after the step older than rows written
// before it; the listings then start that much earlier. It records the clock for the next pass.
func (r *run) checkClock(ctx context.Context, serverNow time.Time) error {
	prev, err := r.cursor(ctx, modelClock)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		elapsed := max(r.s.now().Sub(prev.UpdatedAt), 0)
		expected := prev.WriteDate.Add(elapsed)
		// Date has second precision and requests take time: a few seconds are not a step.
		if back := expected.Sub(serverNow); back > 5*time.Second {
			// Rows written since the last pass carry times from the last pass on, as the new clock counts.
			r.stepFrom = serverNow.Add(-elapsed)
			r.note("Odoo's clock went back by about %s since the last pass (it says %s); the sync re-reads from before the step",
				back.Round(time.Second), serverNow.Format(time.DateTime))
		}
	}
	r.keep(&store.SyncCursor{ConnectionID: r.conn.ID, Model: modelClock, WriteDate: serverNow, UpdatedAt: r.s.now()})
	return nil
}

func (s *Syncer) lag() time.Duration     { return orDefault(s.Lag, DefaultLag) }
func (s *Syncer) recheck() time.Duration { return orDefault(s.Recheck, DefaultRecheck) }

// due reports whether the pseudo-model's last run is older than every (negative: always; 0: def).
func (r *run) due(ctx context.Context, model string, every, def time.Duration) (bool, error) {
	every = orDefault(every, def)
	if every < 0 {
		return true, nil
	}
	c, err := r.cursor(ctx, model)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return r.s.now().Sub(c.UpdatedAt) >= every, nil
}

func (r *run) markDone(model string) {
	r.keep(&store.SyncCursor{ConnectionID: r.conn.ID, Model: model, LastID: 1, UpdatedAt: r.s.now()})
}
