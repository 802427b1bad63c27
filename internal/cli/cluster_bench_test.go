package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// BenchmarkClusterLoad is issue #15's load benchmark: SALESENGINE_BENCH_TENANTS fake Odoo tenants (100) of
// about SALESENGINE_BENCH_ORDERS orders each (10,000: a year of history), synced and delivered (every
// confirmed order an event: SALESENGINE_SEND_HISTORY) by serve processes on one fresh PostgreSQL database, once
// for each count of SALESENGINE_BENCH_PROCS ("1,3"). Reported per count: the total time from the processes'
// start until every tenant is synced and every event delivered, deliveries/s over it, the p50 and p99 from an
// event stored to its delivery (delivered_at - created_at), and the peak RSS of each process (VmHWM). The
// scale-out factor is the ratio of the total times. Run it with
//
//	SALESENGINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench BenchmarkClusterLoad -benchtime 1x -timeout 2h ./internal/cli/
func BenchmarkClusterLoad(b *testing.B) {
	tenants, orders := envInt(b, "SALESENGINE_BENCH_TENANTS", 100), envInt(b, "SALESENGINE_BENCH_ORDERS", 10000)
	var procs []int
	for _, f := range strings.Split(envOr("SALESENGINE_BENCH_PROCS", "1,3"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("SALESENGINE_BENCH_PROCS: %q", f)
		}
		procs = append(procs, n)
	}
	// About 2.35 orders a year per line a month (the generator's mix at 50 SKUs).
	data := &odootest.GenerateOptions{Years: 1, SKUs: 50, LinesPerMonth: max(orders*100/235, 10)}
	fakes := make([]*odootest.Server, tenants)
	confirmed := 0
	for i := range fakes {
		srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: int64(500 + i), Data: data})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(srv.Close)
		fakes[i] = srv
		confirmed += confirmedOrders(srv)
	}
	b.Logf("%d tenants, %d orders (%d confirmed: the events to deliver)", tenants, ordersOf(fakes), confirmed)
	totals := map[int]time.Duration{}
	for _, n := range procs {
		b.Run(fmt.Sprintf("procs=%d", n), func(b *testing.B) {
			for range b.N {
				totals[n] = benchClusterLoad(b, fakes, n, confirmed)
			}
		})
	}
	if one, ok := totals[1]; ok {
		for _, n := range procs {
			if n != 1 && totals[n] > 0 {
				b.Logf("scale-out factor with %d processes: %.2f (total time with 1 / with %d)", n, one.Seconds()/totals[n].Seconds(), n)
			}
		}
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(b *testing.B, name string, def int) int {
	n, err := strconv.Atoi(envOr(name, strconv.Itoa(def)))
	if err != nil || n < 1 {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}

func ordersOf(fakes []*odootest.Server) int {
	n := 0
	for _, f := range fakes {
		n += len(f.Orders())
	}
	return n
}

func benchClusterLoad(b *testing.B, fakes []*odootest.Server, procs, events int) time.Duration {
	ctx := context.Background()
	dbURL := storetest.PostgresDatabase(b)
	dir := b.TempDir()
	key, _ := secret.GenerateKey()
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": dbURL, "SALESENGINE_ENCRYPTION_KEY": key, "SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "true",
		"SALESENGINE_LOG_LEVEL": "warn", "SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_SEND_HISTORY": "true"}
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	for i, f := range fakes {
		name := fmt.Sprintf("t%03d", i)
		if r := run(b, env, "--config", filepath.Join(dir, "empty.env"), "connections", "add", "--no-input", "--name", name,
			"--url", f.URL(), "--database", "odoo", "--username", "admin", "--api-key", "admin", "--poll-interval", "10s",
			"--webhook-url", receiver.URL+"/hook/"+name); r.code != 0 {
			b.Fatalf("add %s: %+v", name, r)
		}
	}
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	count := func(q string) int {
		var n int
		if err := st.DB().QueryRowContext(ctx, q).Scan(&n); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return n
	}

	b.ResetTimer()
	start := time.Now()
	cmds := make([]*clusterProc, procs)
	for i := range cmds {
		c := &clusterProc{done: make(chan error, 1)}
		c.cmd, c.out = startChild(b, []string{"--config", filepath.Join(dir, "empty.env"), "serve", "--addr", freeAddr(b)}, env)
		go func() { c.done <- c.cmd.Wait() }()
		defer func() { _ = c.cmd.Process.Kill() }()
		cmds[i] = c
	}
	peak := make([]int64, procs)
	for deadline := start.Add(2 * time.Hour); ; time.Sleep(time.Second) {
		for i, c := range cmds {
			if hwm := vmHWM(c.cmd.Process.Pid); hwm > peak[i] {
				peak[i] = hwm
			}
			if !c.alive() {
				b.Fatalf("serve %d exited (%v):\n%s", i, c.exited, c.out)
			}
		}
		if count(`SELECT COUNT(DISTINCT connection_id) FROM sync_logs WHERE status = 'ok'`) == len(fakes) &&
			count(`SELECT COUNT(*) FROM webhook_deliveries`) >= events && count(`SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'delivered'`) == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("not done after 2 h")
		}
	}
	total := time.Since(start)
	b.StopTimer()
	var p50, p99 float64
	if err := st.DB().QueryRowContext(ctx, `SELECT
		percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM delivered_at - created_at)),
		percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM delivered_at - created_at))
		FROM webhook_deliveries`).Scan(&p50, &p99); err != nil {
		b.Fatal(err)
	}
	delivered := count(`SELECT COUNT(*) FROM webhook_deliveries`)
	// Hand-overs beyond the first claim of each connection, and passes cut short by one: 0 when the shares
	// settled at the start and no process missed its heartbeat.
	handovers := count(`SELECT COALESCE(SUM(epoch - 1), 0) FROM connection_leases`)
	lost := count(`SELECT COUNT(*) FROM sync_logs WHERE error LIKE '%lease lost%'`)
	for i, c := range cmds {
		if hwm := vmHWM(c.cmd.Process.Pid); hwm > peak[i] {
			peak[i] = hwm
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	late := 0
	for i, c := range cmds {
		if err := <-c.done; err != nil {
			b.Errorf("serve %d after SIGTERM: %v\n%s", i, err, c.out)
		}
		late += strings.Count(c.out.String(), "the heartbeat came late")
	}
	b.ReportMetric(float64(late), "late-heartbeats")
	b.ReportMetric(total.Seconds(), "total-s")
	b.ReportMetric(float64(delivered)/total.Seconds(), "deliveries/s")
	b.ReportMetric(p50, "p50-stored-to-delivered-s")
	b.ReportMetric(p99, "p99-stored-to-delivered-s")
	b.ReportMetric(float64(handovers), "lease-handovers")
	b.ReportMetric(float64(lost), "lease-lost-passes")
	var rss []string
	for i, p := range peak {
		b.ReportMetric(float64(p)/(1<<20), fmt.Sprintf("peak-rss-MiB-proc%d", i+1))
		rss = append(rss, fmt.Sprintf("%.0f MiB", float64(p)/(1<<20)))
	}
	b.Logf("%d processes: %d events delivered (%d requests received) in %v: %.0f deliveries/s, stored-to-delivered p50 %.1f s, p99 %.1f s; peak RSS %s; %d lease hand-overs, %d passes lost a lease, %d late heartbeats",
		procs, delivered, received.Load(), total.Round(time.Second), float64(delivered)/total.Seconds(), p50, p99, strings.Join(rss, ", "), handovers, lost, late)
	return total
}

// vmHWM is a process's peak resident set size in bytes (VmHWM of /proc/PID/status; 0 when unreadable).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
