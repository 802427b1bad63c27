package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/webhook"
)

// clusterSoak is the long form of TestCluster: -tags soak, or SALESENGINE_SOAK=1.
func clusterSoak() bool { return soakTag || os.Getenv("SALESENGINE_SOAK") == "1" }

// hookLog records what the webhook receiver accepted, in order. While hold names a process, the requests that
// process sends are held unanswered (in flight when it is killed) and their ids kept in held.
type hookLog struct {
	mu   gosync.Mutex
	recs []hookRec
	hold int
	held []string
}

type hookRec struct {
	id, conn string
	body     []byte
}

// uaPid is the process id in a User-Agent of Sales Engine's, "...(host:pid)"; 0 when there is none.
func uaPid(ua string) int {
	i := strings.LastIndex(ua, ":")
	if i < 0 {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSuffix(ua[i+1:], ")"))
	return pid
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	if h.hold != 0 && uaPid(r.Header.Get("User-Agent")) == h.hold {
		h.held = append(h.held, r.Header.Get("webhook-id"))
		h.mu.Unlock()
		<-r.Context().Done() // its process dies meanwhile
		return
	}
	h.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // a receiver's own work: deliveries are in flight all the time
	h.mu.Lock()
	h.recs = append(h.recs, hookRec{id: r.Header.Get("webhook-id"), conn: strings.TrimPrefix(r.URL.Path, "/hook/"), body: body})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// holdFrom starts holding pid's requests and returns a func that reports how many it holds.
func (h *hookLog) holdFrom(pid int) func() []string {
	h.mu.Lock()
	h.hold = pid
	h.mu.Unlock()
	return func() []string {
		h.mu.Lock()
		defer h.mu.Unlock()
		return slices.Clone(h.held)
	}
}

func (h *hookLog) received() []hookRec {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.recs)
}

// clusterProc is one serve process of the cluster.
type clusterProc struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	addr   string
	done   chan error
	exited error
	killed bool
}

func (p *clusterProc) alive() bool {
	select {
	case err := <-p.done:
		p.exited = err
		p.done = nil
		return false
	default:
		return p.done != nil
	}
}

// TestCluster runs three serve processes on one PostgreSQL database with 20 fake Odoo tenants doing business
// and one webhook receiver; it SIGKILLs one process mid-run and starts it again later. At the end: every
// tenant's rows equal its fake's ground truth, field by field; every event was accepted by the receiver, one
// order state never under two webhook-ids, and an order's changes arrived in order; no connection was ever
// called by two processes at overlapping times (each fake logs its calls with the caller's User-Agent), and a
// connection changed hands only through a lease claim; the dead process's connections were polled again within
// SALESENGINE_LEASE_TTL plus two refreshes; and each time of the forecast schedule ran once. The long form
// (-tags soak or SALESENGINE_SOAK=1) kills and restarts a process five times over ten minutes.
func TestCluster(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresDatabase(t) // skips without PostgreSQL
	ctx := context.Background()
	start := time.Now()
	const tenants, procs = 20, 3
	cycles, businessAfter := 1, 15*time.Second
	if clusterSoak() {
		cycles, businessAfter = 5, 60*time.Second
	}
	ttl := 15 * time.Second // the default, so the takeover measured is the one operators get
	bound := ttl + 2*2*time.Second

	key, _ := secret.GenerateKey()
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/empty.env", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": dbURL, "SALESENGINE_ENCRYPTION_KEY": key, "SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "true",
		"SALESENGINE_LOG_LEVEL": "info", "SALESENGINE_LOG_FORMAT": "json"}
	cli := func(args ...string) {
		t.Helper()
		if r := run(t, env, append([]string{"--config", dir + "/empty.env"}, args...)...); r.code != 0 {
			t.Fatalf("salesengine %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	hooks := &hookLog{}
	recv := httptest.NewServer(hooks)
	t.Cleanup(recv.Close)
	fakes := make([]*odootest.Server, tenants)
	for i := range fakes {
		srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: int64(100 + i), RecordCalls: true,
			Data: &odootest.GenerateOptions{Years: 1, SKUs: 8}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		fakes[i] = srv
		name := fmt.Sprintf("t%02d", i)
		cli("connections", "add", "--no-input", "--name", name, "--url", srv.URL(), "--database", "odoo", "--username", "admin",
			"--api-key", "admin", "--poll-interval", "10s", "--webhook-url", recv.URL+"/hook/"+name)
	}
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	conns, err := st.ConnectionList(ctx, &store.ConnectionListParams{})
	if err != nil || len(conns) != tenants {
		t.Fatalf("connections: %d, %v", len(conns), err)
	}
	connID := map[string]int64{}
	for _, c := range conns {
		connID[c.Name] = c.ID
	}

	serveEnv := map[string]string{"SALESENGINE_SCHEDULE": "@every 30s", "SALESENGINE_FULL_SYNC_SCHEDULE": "@every 1m",
		"SALESENGINE_SHUTDOWN_TIMEOUT": "5s", "SALESENGINE_LEASE_TTL": ttl.String(), "SALESENGINE_WEBHOOK_TIMEOUT": "2s",
		"SALESENGINE_WEBHOOK_RESCUE_AFTER": "7s", "SALESENGINE_METRICS_PUBLIC": "true"}
	var all []*clusterProc // every process started, in order
	startProc := func() *clusterProc {
		t.Helper()
		p := &clusterProc{addr: freeAddr(t), done: make(chan error, 1)}
		p.cmd, p.out = startChild(t, []string{"--config", dir + "/empty.env", "serve", "--addr", p.addr}, env, serveEnv)
		go func() { p.done <- p.cmd.Wait() }()
		t.Cleanup(func() { _ = p.cmd.Process.Kill() })
		all = append(all, p)
		return p
	}
	live := make([]*clusterProc, procs)
	for i := range live {
		live[i] = startProc()
	}
	isServe := map[int]bool{}
	wait := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			for _, p := range live {
				if !p.killed && !p.alive() {
					t.Fatalf("a serve process exited (%v) while waiting for %s:\n%s", p.exited, what, p.out)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out after %s waiting for %s", limit, what)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	count := func(q string, args ...any) int {
		var n int
		if err := st.DB().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	wait("every tenant's first sync", 90*time.Second, func() bool {
		return count(`SELECT COUNT(DISTINCT connection_id) FROM sync_logs WHERE status = 'ok'`) == tenants
	})
	t.Logf("initial syncs of %d tenants by %d processes: %v", tenants, procs, time.Since(start).Round(time.Second))

	// Business goes on in every tenant while processes die and come back.
	bctx, stopBusiness := context.WithCancel(ctx)
	defer stopBusiness()
	business := make([]<-chan odootest.ActivityStats, tenants)
	for i, f := range fakes {
		business[i] = f.RunActivity(bctx, 300*time.Millisecond, 5*time.Second)
	}
	type kill struct {
		at    time.Time
		pid   int
		held  []int64 // its connections then
		proc  *clusterProc
		procs string // its serve_processes id
	}
	var kills []kill
	for c := range cycles {
		time.Sleep(businessAfter)
		victim := live[c%procs]
		pid := victim.cmd.Process.Pid
		var procID string
		if err := st.DB().QueryRowContext(ctx, `SELECT id FROM serve_processes WHERE pid = $1`, pid).Scan(&procID); err != nil {
			t.Fatalf("the victim's process row: %v", err)
		}
		var held []int64
		rows, err := st.DB().QueryContext(ctx, `SELECT connection_id FROM connection_leases WHERE holder = $1`, procID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			held = append(held, id)
		}
		rows.Close()
		// Kill it with deliveries in flight: its requests are held unanswered until it dies.
		holding := hooks.holdFrom(pid)
		before := len(holding())
		wait("a delivery of the victim's in flight", 30*time.Second, func() bool { return len(holding()) > before })
		victim.killed = true
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		kills = append(kills, kill{at: time.Now(), pid: pid, held: held, proc: victim, procs: procID})
		t.Logf("cycle %d: SIGKILL pid %d holding %d connections at %v", c+1, pid, len(held), time.Since(start).Round(time.Second))
		// The survivors take its connections over; then it comes back.
		time.Sleep(bound + 5*time.Second)
		live[c%procs] = startProc()
	}
	time.Sleep(businessAfter)
	stopBusiness()
	events := 0
	for i := range business {
		s := <-business[i]
		if s.Err != nil {
			t.Fatalf("business of t%02d: %v", i, s.Err)
		}
		events += s.Events
	}
	// Everything written is due now: past the sync's lag.
	for _, f := range fakes {
		f.Advance(10 * time.Minute)
	}
	settleStart := time.Now()
	converged := func() bool {
		if count(`SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'delivered'`) > 0 {
			return false
		}
		for i, f := range fakes {
			diffs, err := storetest.GroundTruth{Fake: f}.Diff(ctx, st, connID[fmt.Sprintf("t%02d", i)])
			if err != nil || len(diffs) > 0 {
				return false
			}
		}
		return true
	}
	wait("every tenant at its ground truth and every event delivered", 3*time.Minute, converged)
	t.Logf("business: %d events over %d tenants; converged %v after it stopped", events, tenants, time.Since(settleStart).Round(time.Second))

	// The shares as /metrics says them, before the stop: every connection held once, 6 or 7 each.
	held := map[string]string{}
	for _, p := range live {
		m := scrape(t, p.addr)
		if n := m["salesengine_serve_processes"]; n != procs {
			t.Errorf("%s: salesengine_serve_processes = %v, want %d", p.addr, n, procs)
		}
		mine := 0
		for k, v := range m {
			name, labels, _ := strings.Cut(k, "|")
			if name != "salesengine_connection_lease" || v != 1 {
				continue
			}
			conn, process, _ := strings.Cut(labels, "|")
			if other, ok := held[conn]; ok {
				t.Errorf("%s held by %s and %s", conn, other, process)
			}
			held[conn] = process
			if !strings.HasSuffix(process, ":"+strconv.Itoa(p.cmd.Process.Pid)) {
				t.Errorf("%s's metrics name process %s", p.addr, process)
			}
			mine++
		}
		if mine < tenants/procs || mine > (tenants+procs-1)/procs {
			t.Errorf("process %d holds %d connections, want %d to %d", p.cmd.Process.Pid, mine, tenants/procs, (tenants+procs-1)/procs)
		}
	}
	if len(held) != tenants {
		t.Errorf("/metrics shows %d connections held, want %d", len(held), tenants)
	}
	stopAt := time.Now()
	for _, p := range live {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range all {
		if p.done != nil {
			p.exited = <-p.done
		}
		isServe[p.cmd.Process.Pid] = true
		if !p.killed && p.exited != nil {
			t.Errorf("serve %d after SIGTERM: %v\n%s", p.cmd.Process.Pid, p.exited, p.out)
		}
	}
	if n := count(`SELECT COUNT(*) FROM serve_processes`); n != len(kills) {
		t.Errorf("%d serve_processes rows after every process stopped, want %d (the killed ones)", n, len(kills))
	}
	if n := count(`SELECT COUNT(*) FROM connection_leases l JOIN serve_processes p ON p.id = l.holder`); n != 0 {
		t.Errorf("%d leases still held by a live process's row after the stops", n)
	}
	for i, f := range fakes {
		storetest.GroundTruth{Fake: f}.Check(t, st, connID[fmt.Sprintf("t%02d", i)])
	}

	// Polling: never two processes at once on one tenant; a tenant changed hands only by a claim.
	var takeovers []time.Duration
	for i, f := range fakes {
		name := fmt.Sprintf("t%02d", i)
		var calls []odootest.CallRecord
		for _, c := range f.CallLog() {
			if isServe[uaPid(c.UserAgent)] {
				calls = append(calls, c)
			}
		}
		slices.SortFunc(calls, func(a, b odootest.CallRecord) int { return a.Start.Compare(b.Start) })
		overlaps := 0
		for a := range calls {
			for b := a + 1; b < len(calls) && calls[b].Start.Before(calls[a].End); b++ {
				if calls[a].UserAgent != calls[b].UserAgent && overlaps < 3 {
					overlaps++
					t.Errorf("%s was called by %s (%s, %s-%s) and %s (%s, %s-%s) at once", name, calls[a].UserAgent, calls[a].Key,
						calls[a].Start.Format("15:04:05.000"), calls[a].End.Format("15:04:05.000"), calls[b].UserAgent, calls[b].Key,
						calls[b].Start.Format("15:04:05.000"), calls[b].End.Format("15:04:05.000"))
				}
			}
		}
		switches := 0
		for a := 1; a < len(calls); a++ {
			if calls[a].UserAgent != calls[a-1].UserAgent {
				switches++
			}
		}
		epoch := count(`SELECT epoch FROM connection_leases WHERE connection_id = $1`, connID[name])
		if switches > epoch-1 {
			t.Errorf("%s changed callers %d times with %d lease claims: passes of two processes interleaved", name, switches, epoch)
		}
		// After each kill: polled again within the bound (a kill's own connections: by another process).
		for _, k := range kills {
			var first time.Time
			for _, c := range calls {
				if c.Start.After(k.at) && uaPid(c.UserAgent) != k.pid {
					first = c.Start
					break
				}
			}
			if first.IsZero() || first.Sub(k.at) > bound {
				t.Errorf("%s: first call by a live process %v after the kill at %s, bound %v", name, first.Sub(k.at), k.at.Format("15:04:05"), bound)
			}
			if slices.Contains(k.held, connID[name]) && !first.IsZero() {
				takeovers = append(takeovers, first.Sub(k.at))
			}
		}
	}
	slices.Sort(takeovers)
	if len(takeovers) > 0 {
		t.Logf("takeover of a killed process's connections (kill to the first call by another process): %d connections, min %v, median %v, max %v (bound %v = TTL + 2 refreshes)",
			len(takeovers), takeovers[0].Round(100*time.Millisecond), takeovers[len(takeovers)/2].Round(100*time.Millisecond),
			takeovers[len(takeovers)-1].Round(100*time.Millisecond), bound)
	} else {
		t.Error("no takeover measured: the killed processes held no connection")
	}

	// Deliveries: every stored event accepted; one order state, one webhook-id; per order, in order.
	recs := hooks.received()
	accepted := map[string]bool{}
	idOf := map[string]string{}
	bodyOf := map[string]string{}
	lastVersion := map[string]string{}
	redelivered, bad := 0, 0
	for _, r := range recs {
		if b, ok := bodyOf[r.id]; ok {
			redelivered++
			if b != string(r.body) {
				t.Errorf("webhook-id %s sent with two bodies", r.id)
			}
			continue
		}
		bodyOf[r.id] = string(r.body)
		accepted[r.id] = true
		var ev struct {
			Data struct {
				Order json.RawMessage `json:"order"`
			} `json:"data"`
		}
		var ord webhook.OrderPayload
		if err := json.Unmarshal(r.body, &ev); err != nil || json.Unmarshal(ev.Data.Order, &ord) != nil {
			t.Errorf("body of %s: %v", r.id, err)
			continue
		}
		sum := sha256.Sum256(ev.Data.Order)
		state := r.conn + "/" + strconv.FormatInt(ord.ID, 10) + "/" + hex.EncodeToString(sum[:8])
		if other, ok := idOf[state]; ok && other != r.id && bad < 5 {
			bad++
			t.Errorf("one order state (%s) under two webhook-ids: %s and %s", state, other, r.id)
		}
		idOf[state] = r.id
		order := r.conn + "/" + strconv.FormatInt(ord.ID, 10)
		if ord.WriteDate < lastVersion[order] && bad < 5 {
			bad++
			t.Errorf("%s: a change of %s arrived after one of %s", order, ord.WriteDate, lastVersion[order])
		}
		lastVersion[order] = max(lastVersion[order], ord.WriteDate)
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT event_id, state FROM webhook_deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for rows.Next() {
		var id string
		var state store.DeliveryState
		_ = rows.Scan(&id, &state)
		stored++
		if (state != store.DeliveryDelivered || !accepted[id]) && bad < 10 {
			bad++
			t.Errorf("event %s is %s, accepted by the receiver: %v", id, state, accepted[id])
		}
	}
	rows.Close()
	if n := count(`SELECT COUNT(*) FROM (SELECT 1 FROM webhook_deliveries GROUP BY connection_id, order_id, write_date HAVING COUNT(DISTINCT event_id) > 1) d`); n != 0 {
		t.Errorf("%d (connection, order, write_date) stored under two event ids", n)
	}
	if stored == 0 {
		t.Error("no events: the business made no change")
	}
	// The deliveries in flight in the killed processes: sent again, with the same webhook-id, and accepted.
	inFlight := hooks.holdFrom(0)()
	for _, id := range inFlight {
		if !accepted[id] {
			t.Errorf("delivery %s, in flight when its process was killed, was not delivered again", id)
		}
	}
	if len(inFlight) == 0 {
		t.Error("no delivery was in flight at a kill")
	}

	// The forecast: one run per time of the schedule, by one process; a run cut by a kill taken over once.
	runs, err := st.ScheduleRunList(ctx, "forecast")
	if err != nil {
		t.Fatal(err)
	}
	killedIDs := map[string]bool{}
	for _, k := range kills {
		killedIDs[k.procs] = true
	}
	for _, r := range runs {
		// A run still going when every process was stopped stays unfinished by design (the next start takes it
		// over): only one claimed within the schedule's last interval before the stop may be.
		if r.FinishedAt == nil && !killedIDs[r.ClaimedBy] && r.ClaimedAt.Before(stopAt.Add(-30*time.Second)) {
			t.Errorf("forecast due %v unfinished, claimed by %s at %v (%v before the stop), which was not killed",
				r.DueAt, r.ClaimedBy, r.ClaimedAt, stopAt.Sub(r.ClaimedAt).Round(time.Second))
		}
	}
	started := map[time.Time][]int{} // due -> pids that started a run of it
	for _, p := range all {
		for _, l := range jsonLines([]byte(p.out.String())) {
			if l["msg"] == "schedule: running" && l["job"] == "forecast" {
				due, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(l["due"]))
				started[due.UTC()] = append(started[due.UTC()], p.cmd.Process.Pid)
			}
		}
	}
	for due, pids := range started {
		if len(pids) > 1 {
			// Only a run whose process was killed in the middle may start again, and only once more.
			killedPid := false
			for _, k := range kills {
				killedPid = killedPid || pids[0] == k.pid
			}
			if len(pids) > 2 || !killedPid {
				t.Errorf("the forecast due %v started %d times (processes %v)", due, len(pids), pids)
			}
		}
	}
	if len(runs) == 0 || len(started) < len(runs)-len(kills) {
		t.Errorf("%d forecast runs recorded, %d started in the logs", len(runs), len(started))
	}
	t.Logf("figures: %d processes started, %d killed; %d events stored, %d deliveries accepted (%d again with the same id), "+
		"%d in flight at a kill and sent again; %d forecast runs (one per due time); %v in all", len(all), len(kills), stored, len(recs),
		redelivered, len(inFlight), len(runs), time.Since(start).Round(time.Second))
}

// jsonLines parses the JSON log lines of a process's output (other lines are skipped).
func jsonLines(b []byte) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}
