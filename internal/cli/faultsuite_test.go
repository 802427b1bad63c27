package cli

// The harness of the crash and fault suite (issue 15; docs/reliability.md): seeds, the soak switch, the webhook
// receiver that records what it accepted, the SIGKILL loop and the end checks on events. The suites themselves
// are in crashloop_test.go and the files beside it; the cluster test of several serve processes is meant to
// plug into the same pieces.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/webhook"
)

// soak selects the suites' full forms: go test -tags soak, or SALESENGINE_SOAK=1.
var soak = soakTag || os.Getenv("SALESENGINE_SOAK") == "1"

// faultSeed is the seed of one suite: SALESENGINE_FAULT_SEED when set (to replay a failure), else a new one. It
// seeds the fake Odoo's data, business and faults, the kill moments and the receiver's failures, so a run is
// repeated up to the operating system's scheduling. It is logged, and on failure printed with the command that
// replays it.
func faultSeed(t *testing.T) int64 {
	t.Helper()
	seed := time.Now().UnixNano() % 1_000_000_000
	if v := os.Getenv("SALESENGINE_FAULT_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("SALESENGINE_FAULT_SEED=%q is not a whole number", v)
		}
		seed = n
	}
	t.Logf("seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d; replay with: SALESENGINE_FAULT_SEED=%d go test -run '^%s$' ./internal/cli/", seed, seed,
				strings.ReplaceAll(t.Name(), "/", "$/^"))
		}
	})
	return seed
}

// seeded is a random source for one purpose of a suite: each purpose has its own stream, so drawing more for
// one (a longer soak, say) does not move another.
func seeded(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// recorder is the suites' webhook endpoint: a real HTTP server that verifies every signature (webhook.Receiver
// records each verified delivery) and, seeded, answers some requests 503 and others late, as real endpoints do.
type recorder struct {
	*webhook.Receiver
	srv      *httptest.Server
	url      string
	secret   string
	maxDelay time.Duration

	mu       gosync.Mutex
	failRate float64
	rng      *rand.Rand
	failed   atomic.Int64
}

func newRecorder(t *testing.T, seed int64, failRate float64, maxDelay time.Duration) *recorder {
	t.Helper()
	secret, err := webhook.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: []string{secret}})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{Receiver: rc, secret: secret, failRate: failRate, maxDelay: maxDelay, rng: seeded(seed, 2)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	r.url = r.srv.URL + "/hook"
	return r
}

// setFailRate changes the share of requests answered 503 (0 once a suite's faults stop).
func (r *recorder) setFailRate(f float64) {
	r.mu.Lock()
	r.failRate = f
	r.mu.Unlock()
}

func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	fail := r.rng.Float64() < r.failRate
	delay := time.Duration(r.rng.Int64N(int64(r.maxDelay) + 1))
	r.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
			return
		}
	}
	if fail {
		// With Retry-After the delivery comes back within a second or two (without, after the schedule's 30 s
		// or more), so a suite converges soon after its faults stop.
		r.failed.Add(1)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.Receiver.ServeHTTP(w, req)
}

// orderVersion is an order as an event describes it: its version (the newest write_date of the order and its
// lines, to the second: what the sync computes) and its state.
type orderVersion struct {
	version time.Time
	state   string
}

// orderVersions reads every order's version from the fake. Call it while no business runs, or orders and
// lines could be read at different moments.
func orderVersions(srv *odootest.Server) map[int64]orderVersion {
	out := map[int64]orderVersion{}
	for _, o := range srv.Orders() {
		out[o.ID] = orderVersion{version: o.WriteDate.UTC().Truncate(time.Second), state: o.State}
	}
	for _, l := range srv.Lines() {
		if v, ok := out[l.OrderID]; ok && l.WriteDate.UTC().Truncate(time.Second).After(v.version) {
			v.version = l.WriteDate.UTC().Truncate(time.Second)
			out[l.OrderID] = v
		}
	}
	return out
}

func confirmedState(s string) bool { return s == "sale" || s == "done" }

// eventFigures count what the end checks saw.
type eventFigures struct {
	stored, received, retried, expected, failedAnswers int
}

func (f eventFigures) String() string {
	return fmt.Sprintf("%d events stored, %d requests accepted (%d of them repeats), %d answered 503 on purpose, %d changes since the baseline each with its event",
		f.stored, f.received, f.retried, f.failedAnswers, f.expected)
}

// checkEvents is the end check on webhooks, once every delivery is done: every event the store holds is
// delivered and was accepted by the receiver at least once; one state of an order (order, version, content)
// never went out under two webhook-ids; and every change of a stored order after the baseline has its event,
// carrying the order's final version and state.
func checkEvents(t *testing.T, st store.Store, connID int64, rec *recorder, base, now map[int64]orderVersion) eventFigures {
	t.Helper()
	ds, err := st.WebhookDeliveryList(context.Background(), &store.WebhookDeliveryListParams{ConnectionID: connID})
	if err != nil {
		t.Fatal(err)
	}
	received := rec.Received()
	accepted := map[string]bool{}
	idOf := map[string]string{} // order state -> webhook-id
	fig := eventFigures{stored: len(ds), received: len(received), failedAnswers: int(rec.failed.Load())}
	for _, r := range received {
		if accepted[r.ID] {
			fig.retried++
		}
		accepted[r.ID] = true
		key, err := orderStateKey(r.Body)
		if err != nil {
			t.Errorf("received %s: %v", r.ID, err)
			continue
		}
		if id, ok := idOf[key]; ok && id != r.ID {
			t.Errorf("one order state (%s) was sent under two webhook-ids: %s and %s", key, id, r.ID)
		}
		idOf[key] = r.ID
	}
	type stored struct {
		id, state string
		version   time.Time
	}
	byOrder := map[int64][]stored{}
	bad := 0
	for _, d := range ds {
		var ev struct {
			Data struct {
				Order webhook.OrderPayload `json:"order"`
			} `json:"data"`
		}
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			t.Errorf("stored event %s: %v", d.EventID, err)
		}
		byOrder[d.OrderID] = append(byOrder[d.OrderID], stored{d.EventID, ev.Data.Order.State, d.WriteDate.UTC()})
		if (d.State != store.DeliveryDelivered || !accepted[d.EventID]) && bad < 10 {
			bad++
			t.Errorf("event %s (order %d, %s) is %s after %d attempts (%s), accepted by the receiver: %v", d.EventID, d.OrderID,
				d.WriteDate.UTC().Format(time.DateTime), d.State, d.Attempts, d.LastError, accepted[d.EventID])
		}
	}
	bad = 0
	for id, v := range now {
		b, known := base[id]
		if !confirmedState(v.state) && !(known && confirmedState(b.state)) {
			continue // never stored: no events
		}
		if known && b == v {
			continue // unchanged since the baseline
		}
		fig.expected++
		found := false
		for _, s := range byOrder[id] {
			if s.version.Equal(v.version) && s.state == v.state && accepted[s.id] {
				found = true
			}
		}
		if !found && bad < 10 {
			bad++
			t.Errorf("order %d changed after the baseline (now %s at %s; at the baseline %+v): no event of that state was delivered (stored: %+v)",
				id, v.state, v.version.Format(time.DateTime), b, byOrder[id])
		}
	}
	return fig
}

// orderStateKey names the order state an event body carries: order, version and content hash.
func orderStateKey(body []byte) (string, error) {
	var ev struct {
		Data struct {
			Order webhook.OrderPayload `json:"order"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return "", err
	}
	h, err := webhook.OrderContentHash(ev.Data.Order)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("order %d at %s, content %x", ev.Data.Order.ID, ev.Data.Order.WriteDate, h[:6]), nil
}

// killer runs commands as child processes and SIGKILLs each at a seeded random moment: no cleanup, no
// deferred function, no flush runs, as when a machine loses power or the OOM killer strikes.
type killer struct {
	ce       *crashEnv
	rng      *rand.Rand
	min, max time.Duration
	kills    int // processes killed
	exits    int // processes that finished before their moment
}

// run starts the command and kills it after a random delay, unless it exits first (then it must exit 0). It
// reports whether it killed it.
func (k *killer) run(t *testing.T, env map[string]string, args ...string) bool {
	t.Helper()
	wait := k.min + time.Duration(k.rng.Int64N(int64(k.max-k.min)+1))
	cmd, out := k.ce.child(t, env, args...)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("salesengine %v exited by itself with %v before its kill:\n%s", args, err, out)
		}
		k.exits++
		return false
	case <-timer.C:
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	k.kills++
	return true
}

// connectionID is the id of the named connection.
func (ce *crashEnv) connectionID(t testing.TB, name string) int64 {
	t.Helper()
	c, err := ce.store(t).ConnectionGetByName(context.Background(), name)
	if err != nil {
		t.Fatalf("connection %q: %v", name, err)
	}
	return c.ID
}

// converged reports what still differs from the fake's ground truth and how many deliveries are not delivered.
func (ce *crashEnv) converged(t testing.TB, connID int64) (diffs []string, undelivered int) {
	t.Helper()
	diffs, err := storetest.GroundTruth{Fake: ce.srv, MaxDiffs: 3}.Diff(context.Background(), ce.store(t), connID)
	if err != nil {
		return []string{err.Error()}, -1
	}
	return diffs, ce.count(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'delivered'")
}

// waitConverged waits until the store equals the fake and every delivery is delivered, or fails after limit
// with what still differs.
func (ce *crashEnv) waitConverged(t *testing.T, connID int64, limit time.Duration, alive func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		diffs, undelivered := ce.converged(t, connID)
		if len(diffs) == 0 && undelivered == 0 {
			return time.Since(start)
		}
		if err := alive(); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > limit {
			t.Fatalf("not converged %v after the faults stopped: %d deliveries not delivered:\n%s\n%s%s%s", limit, undelivered,
				strings.Join(diffs, "\n"), ce.queryText(t, "SELECT id || ' ' || state || ' attempts=' || attempts || ' ' || last_error FROM webhook_deliveries WHERE state <> 'delivered' ORDER BY id LIMIT 10"),
				ce.queryText(t, "SELECT 'connection ' || name || ': webhook circuit ' || circuit_state || ', enabled ' || webhook_enabled FROM connections"),
				ce.queryText(t, ce.stuckJobsQuery())+ce.queryText(t, "SELECT json(args) || ' ' || state || ' ' || kind FROM river_job ORDER BY id LIMIT 3"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// stuckJobsQuery lists the River jobs of the deliveries not delivered, for a failure message.
func (ce *crashEnv) stuckJobsQuery() string {
	args := "json(j.args)"
	if ce.engine == "postgres" {
		args = "REPLACE(CAST(j.args AS TEXT), ' ', '')" // jsonb prints {"delivery_id": 1}
	}
	return `SELECT 'delivery ' || d.id || ': job ' || COALESCE(CAST(j.id AS TEXT), 'none') || ' ' || COALESCE(CAST(j.state AS TEXT), '') || ' attempt ' ||
		COALESCE(CAST(j.attempt AS TEXT), '') || ' scheduled ' || COALESCE(CAST(j.scheduled_at AS TEXT), '') || ' ' || COALESCE(` + args + `, '')
		FROM webhook_deliveries d LEFT JOIN river_job j ON ` + strings.ReplaceAll(args, "j.args", "j.args") + ` LIKE '%"delivery_id":' || d.id || '}%'
		WHERE d.state <> 'delivered' ORDER BY d.id LIMIT 12`
}

// lockedBuffer collects a child's output; unlike a bytes.Buffer it may be read while the child writes.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a long-running child (serve) the test watches: its output may be read while it runs.
type proc struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan error
	addr   string
}

// startServe starts `serve` on a free loopback address, without schedules, with a 3 s shutdown timeout and the
// variables of env; it is killed when the test ends.
func (ce *crashEnv) startServe(t *testing.T, env map[string]string) *proc {
	t.Helper()
	p := &proc{out: &lockedBuffer{}, exited: make(chan error, 1), addr: freeAddr(t)}
	base := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off", "SALESENGINE_SHUTDOWN_TIMEOUT": "3s"}
	p.cmd, _ = childCommand(os.Args[0], []string{"--config", filepath.Join(ce.dir, "empty.env"), "serve", "--addr", p.addr}, ce.env, base, env)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	go func() { p.exited <- p.cmd.Wait() }()
	return p
}

// alive is nil while the process runs, else what it said when it exited.
func (p *proc) alive() error {
	select {
	case err := <-p.exited:
		p.exited <- err
		return fmt.Errorf("serve exited (%v):\n%s", err, p.out)
	default:
		return nil
	}
}

// stop sends SIGTERM and waits: serve must drain and exit 0.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-p.exited; err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, p.out)
	}
	p.exited <- nil
	if strings.Contains(p.out.String(), "panic") {
		t.Errorf("serve panicked:\n%s", p.out)
	}
}

// goroutineDump ends the process with SIGQUIT, on which the Go runtime prints every goroutine's stack, and
// returns that part of its output.
func (p *proc) goroutineDump() string {
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.exited:
		p.exited <- nil
	case <-time.After(10 * time.Second):
	}
	out := p.out.String()
	if i := strings.Index(out, "goroutine "); i >= 0 {
		out = out[i:]
	}
	return out
}

// get fetches a path of the process's listener: status and body.
func (p *proc) get(path string) (int, string, error) {
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// addConnection adds the suites' connection "acme" to the fake Odoo (polled every 10 s), with its webhooks
// going to rec, and returns its id.
func (ce *crashEnv) addConnection(t *testing.T, rec *recorder) int64 {
	t.Helper()
	ce.cli(t, "connections", "add", "--no-input", "--name", "acme", "--url", ce.srv.URL(), "--database", "odoo",
		"--username", "admin", "--api-key", "admin", "--poll-interval", "10s", "--webhook-url", rec.url, "--webhook-secret", rec.secret)
	return ce.connectionID(t, "acme")
}

// baseline runs the first sync (which sends no events) and returns the orders as it left them.
func (ce *crashEnv) baseline(t *testing.T) map[int64]orderVersion {
	t.Helper()
	ce.cli(t, "sync", "--no-deliver")
	return orderVersions(ce.srv)
}

// waitPasses waits until n passes succeeded in all (the baseline's included).
func (ce *crashEnv) waitPasses(t *testing.T, p *proc, n int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d good passes", n), func() bool {
		if err := p.alive(); err != nil {
			t.Fatal(err)
		}
		return ce.count(t, "SELECT COUNT(*) FROM sync_logs WHERE status = 'ok'") >= n
	})
}

// finish ends a suite once its faults stopped: the fake's clock past the sync's lag, the store brought to the
// ground truth and every delivery done by serve within limit, serve stopped, the events checked.
func (ce *crashEnv) finish(t *testing.T, p *proc, connID int64, rec *recorder, base map[int64]orderVersion, limit time.Duration) (eventFigures, time.Duration) {
	t.Helper()
	ce.srv.Advance(10 * time.Minute)
	took := ce.waitConverged(t, connID, limit, p.alive)
	p.stop(t)
	return checkEvents(t, ce.store(t), connID, rec, base, orderVersions(ce.srv)), took
}
