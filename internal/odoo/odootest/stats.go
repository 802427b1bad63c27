package odootest

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// CallStats is what the server spent serving RPC calls, so that a benchmark can tell client cost from
// server cost. ServerTime is wall-clock time in the handler, from the request's arrival (its body read
// included) to the response written; injected Slow and Timeout faults count as server time.
type CallStats struct {
	Calls      int64                  // RPC calls served (every transport, faulted and failed ones included)
	ServerTime time.Duration          // total time in the handler
	ByMethod   map[string]MethodStats // key "model.method" ("sale.order.search_read"), or "service.method" for common/db calls
}

// MethodStats is one key's share of CallStats.
type MethodStats struct {
	Calls      int64
	ServerTime time.Duration
	Records    int64 // rows returned by search_read/read and ids returned by search (successful calls)
}

// callInfo is filled by a transport while it serves one call.
type callInfo struct {
	counted bool   // an RPC transport took the call (as Calls counts it)
	key     string // model.method or service.method; "" when the body could not be decoded
	records int64
}

// unparsedKey is the ByMethod key of calls whose body could not be decoded.
const unparsedKey = "(unparsed)"

type statsState struct {
	mu         sync.Mutex
	calls      int64
	serverTime time.Duration
	byMethod   map[string]MethodStats
	log        []CallRecord // Options.RecordCalls
}

func (s *Server) countCall(ci *callInfo) {
	s.calls.Add(1)
	ci.counted = true
}

func (s *Server) recordCall(ci *callInfo, d time.Duration) {
	key := ci.key
	if key == "" {
		key = unparsedKey
	}
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byMethod == nil {
		st.byMethod = map[string]MethodStats{}
	}
	st.calls++
	st.serverTime += d
	m := st.byMethod[key]
	m.Calls++
	m.ServerTime += d
	m.Records += ci.records
	st.byMethod[key] = m
}

// Stats returns a copy of the call statistics since the start or the last ResetStats. A call is recorded
// when its response is done: a hanging (Timeout) call is missing until it is released.
func (s *Server) Stats() CallStats {
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	out := CallStats{Calls: st.calls, ServerTime: st.serverTime, ByMethod: maps.Clone(st.byMethod)}
	if out.ByMethod == nil {
		out.ByMethod = map[string]MethodStats{}
	}
	return out
}

// ResetStats zeroes the call statistics (Calls, the plain counter, is not affected).
func (s *Server) ResetStats() {
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	st.calls, st.serverTime, st.byMethod = 0, 0, nil
}

// statsKey names a call in CallStats.ByMethod.
func (c *call) statsKey() string {
	if c.service == "object" && c.model != "" {
		return c.model + "." + c.objMeth
	}
	if c.service == "" && c.method == "" {
		return ""
	}
	return c.service + "." + c.method
}

// resultRecords counts the rows (search_read, read) or ids (search) of a result.
func resultRecords(res any) int64 {
	switch r := res.(type) {
	case *rowSet:
		return int64(len(r.rows))
	case []int64:
		return int64(len(r))
	}
	return 0
}

// CallRecord is one RPC call in the CallLog (Options.RecordCalls).
type CallRecord struct {
	UserAgent  string
	Key        string    // as in CallStats.ByMethod; "" when the body could not be decoded
	Start, End time.Time // real time: the request's arrival and its response written
}

func (s *Server) logCall(c CallRecord) {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.log = append(s.stats.log, c)
}

// CallLog returns a copy of the calls recorded so far, in the order they ended (Options.RecordCalls). A call
// is recorded when its response is done.
func (s *Server) CallLog() []CallRecord {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return slices.Clone(s.stats.log)
}
