package engine

import (
	"context"

	"github.com/salesengine/salesengine/internal/store"
)

// SyncLogRecent returns the newest perConnection sync passes of every connection, by connection ID, newest
// first: the dashboard's connections page reads them in one query.
func (e *Engine) SyncLogRecent(ctx context.Context, perConnection int) (map[int64][]*store.SyncLog, error) {
	logs, err := e.store.SyncLogRecentList(ctx, perConnection)
	if err != nil {
		return nil, err
	}
	out := map[int64][]*store.SyncLog{}
	for _, l := range logs {
		out[l.ConnectionID] = append(out[l.ConnectionID], l)
	}
	return out, nil
}

// SyncLogPage is one page of a connection's sync log, newest first.
type SyncLogPage struct {
	Connection ConnectionView
	Logs       []*store.SyncLog
	// Next is the before of the next (older) page; 0 on the last page.
	Next int64
}

// SyncLogPage reads up to limit (at least 1) passes of the connection named by ref (ID or NAME), those older
// than the pass before when it is set; an unknown connection is a usage error.
func (e *Engine) SyncLogPage(ctx context.Context, ref string, before int64, limit int) (*SyncLogPage, error) {
	limit = max(limit, 1)
	c, err := ResolveConnection(ctx, e.store, ref)
	if err != nil {
		return nil, err
	}
	logs, err := e.store.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: c.ID, BeforeID: before, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	p := &SyncLogPage{Connection: NewConnectionView(c), Logs: logs}
	if len(logs) > limit {
		p.Logs = logs[:limit]
		p.Next = logs[limit-1].ID
	}
	return p, nil
}
