package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/secret"
)

// BenchmarkServe is issue #13's service benchmark: one `serve` process (this test binary as salesengine) with
// SALESENGINE_BENCH_TENANTS connections (200) to fake Odoos at a 10 s poll interval. For a minute, a few
// tenants a second get an order change; the receiver notes when each tenant's webhook arrives. Reported:
// change-to-delivery latency p50/p99, then the idle daemon's CPU (share of one core over 30 s) and RSS, read
// from its own /metrics. Run it with
//
//	go test -run '^$' -bench BenchmarkServe -benchtime 1x ./internal/cli/
//
// SALESENGINE_BENCH_IDLE sets the idle window (30s); SALESENGINE_BENCH_CPUPROFILE=FILE writes a CPU profile of
// the serve process over that window (go tool pprof FILE).
func BenchmarkServe(b *testing.B) {
	tenants := 200
	if s := os.Getenv("SALESENGINE_BENCH_TENANTS"); s != "" {
		tenants, _ = strconv.Atoi(s)
	}
	idle := 30 * time.Second
	if s := os.Getenv("SALESENGINE_BENCH_IDLE"); s != "" {
		var err error
		if idle, err = time.ParseDuration(s); err != nil {
			b.Fatalf("SALESENGINE_BENCH_IDLE: %v", err)
		}
	}
	for range b.N {
		benchServe(b, tenants, idle, os.Getenv("SALESENGINE_BENCH_CPUPROFILE"))
	}
}

func benchServe(b *testing.B, tenants int, idle time.Duration, profile string) {
	dir := b.TempDir()
	key, _ := secret.GenerateKey()
	env := map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "se.db"), "SALESENGINE_ENCRYPTION_KEY": key,
		"SALESENGINE_WEBHOOK_ALLOW_PRIVATE": "true", "SALESENGINE_LOG_LEVEL": "warn", "SALESENGINE_SCHEDULE": "off",
		"SALESENGINE_FULL_SYNC_SCHEDULE": "off"}
	if err := os.WriteFile(filepath.Join(dir, "empty.env"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	// The receiver notes the first arrival per tenant after its change was made.
	var mu gosync.Mutex
	changedAt := map[string]time.Time{}
	var latencies []time.Duration
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/hook/")
		mu.Lock()
		if t, ok := changedAt[name]; ok {
			latencies = append(latencies, time.Since(t))
			delete(changedAt, name)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	fakes := make([]*odootest.Server, tenants)
	for i := range fakes {
		srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: int64(100 + i), Data: &odootest.GenerateOptions{Years: 1, SKUs: 4, LinesPerMonth: 20}})
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Close()
		fakes[i] = srv
		name := fmt.Sprintf("t%03d", i)
		r := run(b, env, "--config", filepath.Join(dir, "empty.env"), "connections", "add", "--no-input", "--name", name,
			"--url", srv.URL(), "--database", "odoo", "--username", "admin", "--api-key", "admin", "--poll-interval", "10s",
			"--webhook-url", receiver.URL+"/hook/"+name)
		if r.code != 0 {
			b.Fatalf("add %s: %+v", name, r)
		}
	}
	// The fakes' clocks follow the real one, as a real Odoo's does.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			now := time.Now().UTC()
			for _, f := range fakes {
				if now.After(f.Now()) {
					f.SetNow(now)
				}
			}
		}
	}()

	addr := freeAddr(b)
	childEnv := map[string]string{}
	if profile != "" {
		childEnv["SALESENGINE_TEST_CPUPROFILE"] = profile
	}
	cmd, out := startChild(b, []string{"--config", filepath.Join(dir, "empty.env"), "serve", "--addr", addr}, env, childEnv)
	defer func() { _ = cmd.Process.Kill() }()
	// Wait for every tenant's initial sync.
	deadline := time.Now().Add(10 * time.Minute)
	for okTenants(b, addr) < tenants {
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			b.Fatalf("initial syncs not done: %d of %d\n%s", okTenants(b, addr), tenants, out)
		}
		time.Sleep(time.Second)
	}

	b.ResetTimer()
	r := rand.New(rand.NewPCG(1, 2))
	changes := 0
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		i := r.IntN(tenants)
		name := fmt.Sprintf("t%03d", i)
		mu.Lock()
		_, waiting := changedAt[name]
		mu.Unlock()
		if waiting {
			continue
		}
		line, ok := confirmedLine(fakes[i])
		if !ok {
			continue
		}
		mu.Lock()
		changedAt[name] = time.Now()
		mu.Unlock()
		if err := fakes[i].EditLine(line.ID, line.ProductUomQty+1, true); err != nil {
			b.Fatal(err)
		}
		changes++
	}
	for wait := time.Now().Add(40 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		left := len(changedAt)
		mu.Unlock()
		if left == 0 {
			break
		}
	}
	b.StopTimer()
	mu.Lock()
	lat := slices.Clone(latencies)
	undelivered := len(changedAt)
	mu.Unlock()
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatalf("no change delivered\n%s", out)
	}
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))].Seconds() }
	b.ReportMetric(pct(0.50), "p50-s")
	b.ReportMetric(pct(0.99), "p99-s")
	b.ReportMetric(float64(changes), "changes")
	b.ReportMetric(float64(undelivered), "undelivered")

	// Idle: no change for the idle window (the pollers keep polling every 10 s).
	if profile != "" {
		_ = cmd.Process.Signal(syscall.SIGUSR1)
	}
	cpu0, _ := processMetrics(b, addr)
	time.Sleep(idle)
	cpu1, rss := processMetrics(b, addr)
	if profile != "" {
		_ = cmd.Process.Signal(syscall.SIGUSR2)
	}
	b.ReportMetric(100*(cpu1-cpu0)/idle.Seconds(), "idle-cpu-%")
	b.ReportMetric(rss/(1<<20), "rss-MiB")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

// confirmedLine returns a line of a confirmed order of f.
func confirmedLine(f *odootest.Server) (odootest.Line, bool) {
	confirmed := map[int64]bool{}
	for _, o := range f.Orders() {
		if o.State == "sale" {
			confirmed[o.ID] = true
		}
	}
	for _, l := range f.Lines() {
		if confirmed[l.OrderID] && l.ProductID != 0 {
			return l, true
		}
	}
	return odootest.Line{}, false
}

// scrape reads the serve's /metrics.
func scrape(tb testing.TB, addr string) map[string]float64 {
	tb.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "|" + l.GetValue()
			}
			switch {
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// okTenants counts the connections with a successful pass, from /metrics.
func okTenants(tb testing.TB, addr string) int {
	n := 0
	for k := range scrape(tb, addr) {
		if strings.HasPrefix(k, "salesengine_sync_last_success_timestamp_seconds|") {
			n++
		}
	}
	return n
}

// processMetrics returns the serve process's CPU seconds and resident memory, from its /metrics.
func processMetrics(tb testing.TB, addr string) (cpu, rss float64) {
	m := scrape(tb, addr)
	return m["process_cpu_seconds_total"], m["process_resident_memory_bytes"]
}
