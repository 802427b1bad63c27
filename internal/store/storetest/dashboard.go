package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra, namedTest{"SyncLogLatest", testSyncLogLatest}, namedTest{"PlanRun", testPlanRun},
		namedTest{"SyncLogPrune", testSyncLogPrune})
}

func testSyncLogLatest(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme := newConnection(t, s, "acme")
	newConnection(t, s, "beta") // never synced
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	log := func(start time.Time, status, errText string) {
		fin := start.Add(time.Second)
		if _, err := s.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: acme, Kind: "incremental", StartedAt: start,
			FinishedAt: &fin, Status: status, RecordsFetched: 3, Error: errText}); err != nil {
			t.Fatal(err)
		}
	}
	log(t0, store.SyncOK, "")
	log(t0.Add(time.Minute), store.SyncOK, "")
	log(t0.Add(2*time.Minute), store.SyncFailed, "Odoo answered 502")
	got, err := s.SyncLogLatestList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("rows = %d, want one per connection (2)", len(got))
	}
	a, b := got[0], got[1]
	if a.ConnectionID != acme || a.Latest == nil || a.Latest.Status != store.SyncFailed || a.Latest.Error != "Odoo answered 502" ||
		!a.Latest.StartedAt.Equal(t0.Add(2*time.Minute)) || a.Latest.RecordsFetched != 3 {
		t.Errorf("acme latest = %+v", a.Latest)
	}
	if want := t0.Add(time.Minute + time.Second); a.LastOK == nil || !a.LastOK.Equal(want) {
		t.Errorf("acme last ok = %v, want %v (the newest ok pass's finish, not the failed one's)", a.LastOK, want)
	}
	if b.Latest != nil || b.LastOK != nil {
		t.Errorf("beta never synced, got latest %+v, last ok %v", b.Latest, b.LastOK)
	}
	if a.Holder != "" || b.Holder != "" {
		t.Errorf("holders %q, %q without any serve", a.Holder, b.Holder)
	}
	// A serve process holds acme's lease: its hostname:pid is shown, until its heartbeat expires.
	if _, err := s.ServeProcessBeat(ctx, &store.ServeProcess{ID: "web-1:42-abc", Hostname: "web-1", PID: 42}, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if l, err := s.ConnectionLeaseClaim(ctx, "web-1:42-abc", 1, 0); err != nil || len(l) != 1 || l[0].ConnectionID != acme {
		t.Fatalf("claim acme: %v, %v", l, err)
	}
	if got, err = s.SyncLogLatestList(ctx); err != nil || got[0].Holder != "web-1:42" || got[1].Holder != "" {
		t.Fatalf("holders %+v %+v, %v; want web-1:42 for acme only", got[0], got[1], err)
	}
	time.Sleep(400 * time.Millisecond)
	if got, err = s.SyncLogLatestList(ctx); err != nil || got[0].Holder != "" {
		t.Errorf("holder after its heartbeat expired: %q, %v", got[0].Holder, err)
	}
}

func testPlanRun(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme := newConnection(t, s, "acme")
	newConnection(t, s, "beta")
	gen := time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)
	row := func(sku string, month int, prio string) *store.ProductionRow {
		return &store.ProductionRow{SKU: sku, ProductName: sku, Year: 2026, Month: month, Priority: prio, GeneratedAt: gen}
	}
	months := []store.YearMonth{{Year: 2026, Month: 4}, {Year: 2026, Month: 5}}
	rows := []*store.ProductionRow{row("A", 4, "ALTA"), row("B", 4, "ALTA"), row("C", 4, "BAJA"), row("A", 5, "MEDIA")}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ProductionReplace(ctx, acme, months, rows) }); err != nil {
		t.Fatal(err)
	}
	rmsse := 0.5
	stat := &store.ForecastStat{ConnectionID: acme, SKU: "A", Method: "ets", Model: "ANN", Class: "smooth", BacktestRMSSE: &rmsse,
		Origins: 3, HistoryMonths: 24, LastMonth: gen, GeneratedAt: gen.Add(-time.Minute)}
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ForecastReplace(ctx, acme, nil, []*store.ForecastStat{stat}) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.PlanRunList(ctx, 2026, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("rows = %d, want 2", len(got))
	}
	a, b := got[0], got[1]
	if a.ConnectionID != acme || a.PlanAt == nil || !a.PlanAt.Equal(gen) || a.ForecastAt == nil || !a.ForecastAt.Equal(gen.Add(-time.Minute)) {
		t.Errorf("acme = %+v", a)
	}
	if a.Priorities["ALTA"] != 2 || a.Priorities["MEDIA"] != 0 || a.Priorities["BAJA"] != 1 {
		t.Errorf("April priorities = %v, want ALTA 2, MEDIA 0 (May's is not April's), BAJA 1", a.Priorities)
	}
	if b.PlanAt != nil || b.ForecastAt != nil || b.Priorities["ALTA"] != 0 {
		t.Errorf("beta has no plan: %+v", b)
	}
}

func testSyncLogPrune(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	acme := newConnection(t, s, "acme")
	beta := newConnection(t, s, "beta")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type row struct {
		conn   int64
		day    int
		kind   string
		status string
	}
	rows := []row{
		{acme, 0, "full", "ok"},                 // old, the newest full ok: kept
		{acme, 1, "incremental", "ok"},          // old, a newer incremental ok exists: pruned
		{acme, 2, "incremental", "failed"},      // old failure: pruned
		{acme, 3, "incremental", "running"},     // old but running (a live pass): kept
		{acme, 4, "incremental", "ok"},          // old, newer ok exists (day 20): pruned
		{acme, 20, "incremental", "ok"},         // recent: kept
		{acme, 21, "incremental", "failed"},     // recent: kept
		{beta, 1, "incremental", "ok"},          // old, but beta's newest ok: kept
		{beta, 2, "incremental", "failed"},      // old failure: pruned
		{beta, 3, "incremental", "interrupted"}, // old: pruned
	}
	for _, r := range rows {
		start := t0.Add(time.Duration(r.day) * 24 * time.Hour)
		fin := start.Add(time.Second)
		if _, err := s.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: r.conn, Kind: r.kind, StartedAt: start, FinishedAt: &fin, Status: r.status}); err != nil {
			t.Fatal(err)
		}
	}
	cutoff := t0.Add(10 * 24 * time.Hour)
	// In batches: a limit of 2 takes acme's two oldest prunable rows first.
	if n, err := s.SyncLogPrune(ctx, acme, cutoff, 2); err != nil || n != 2 {
		t.Fatalf("first batch pruned %d, %v; want 2", n, err)
	}
	if n, err := s.SyncLogPrune(ctx, acme, cutoff, 100); err != nil || n != 1 {
		t.Fatalf("second batch pruned %d, %v; want 1", n, err)
	}
	if n, err := s.SyncLogPrune(ctx, beta, cutoff, 100); err != nil || n != 2 {
		t.Fatalf("beta pruned %d, %v; want 2", n, err)
	}
	left := map[int64][]string{}
	logs, err := s.SyncLogList(ctx, &store.SyncLogListParams{})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(logs) - 1; i >= 0; i-- {
		l := logs[i]
		left[l.ConnectionID] = append(left[l.ConnectionID], fmt.Sprintf("%d:%s:%s", int(l.StartedAt.Sub(t0).Hours()/24), l.Kind, l.Status))
	}
	want := map[int64][]string{acme: {"0:full:ok", "3:incremental:running", "20:incremental:ok", "21:incremental:failed"},
		beta: {"1:incremental:ok"}}
	if fmt.Sprint(left[acme]) != fmt.Sprint(want[acme]) || fmt.Sprint(left[beta]) != fmt.Sprint(want[beta]) {
		t.Errorf("left after pruning: %v, want %v", left, want)
	}
}
