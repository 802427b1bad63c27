package sync_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"go.uber.org/goleak"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/sync"
)

// BenchmarkSync measures a first sync over HTTP from the fake Odoo into each engine: lines per second (the
// fake's own cost included) and the peak Go heap during the sync. Run it with
//
//	go test -run '^$' -bench BenchmarkSync -benchtime 3x ./internal/sync/
//
// and compare the heap at two history sizes to see that memory does not grow with history.
func BenchmarkSync(b *testing.B) {
	for _, size := range []string{"50k", "200k"} {
		url, total := startFakeProcess(b, size)
		for _, engine := range []string{"sqlite", "postgres"} {
			b.Run(fmt.Sprintf("%s/lines=%d", engine, total), func(b *testing.B) {
				var storedLines int64
				var peak uint64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					st := openBenchStore(b, engine)
					conn, err := st.ConnectionInsert(context.Background(), &store.ConnectionInsertParams{Name: "bench", URL: url, Protocol: "auto", Active: true})
					if err != nil {
						b.Fatal(err)
					}
					client, err := odoo.New(odoo.Config{URL: url, Database: "odoo", Username: "admin", Secret: "admin"})
					if err != nil {
						b.Fatal(err)
					}
					syncer := &sync.Syncer{Store: st, PageSize: 1000}
					runtime.GC()
					var base runtime.MemStats
					runtime.ReadMemStats(&base)
					var runPeak uint64
					stop := sampleHeap(&runPeak)
					b.StartTimer()
					if _, err := syncer.Sync(context.Background(), conn, client, sync.Options{}); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					stop()
					// What the sync holds on top of the process's baseline (the fake Odoo runs in another process).
					if grown := runPeak - min(runPeak, base.HeapInuse); grown > peak {
						peak = grown
					}
					var n int64
					if err := st.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM sales_items").Scan(&n); err != nil {
						b.Fatal(err)
					}
					storedLines += n
					st.Close()
				}
				b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
				b.ReportMetric(float64(peak)/(1<<20), "sync-peak-heap-MiB")
				b.ReportMetric(float64(storedLines)/float64(b.N), "stored-items")
			})
		}
	}
}

// fakeEnv makes the test binary serve a fake Odoo instead of running tests (see TestMain).
const fakeEnv = "SALESENGINE_BENCH_FAKE_ODOO"

func TestMain(m *testing.M) {
	if size := os.Getenv(fakeEnv); size != "" {
		serveFake(size)
		return
	}
	if size := os.Getenv(costFakeEnv); size != "" {
		serveCostFake(size)
		return
	}
	// Goroutines outliving the tests (a server, client or worker a test started and did not stop) fail them.
	goleak.VerifyTestMain(m)
}

// serveFake runs a fake Odoo with a history of the given size, prints its URL and line count, and serves
// until its standard input closes.
func serveFake(size string) {
	data := &odootest.GenerateOptions{Years: 3, SKUs: 500, LinesPerMonth: 1400}
	if size == "200k" {
		data = odootest.LargeHistory()
	}
	srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: 3, Data: data})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s %d\n", srv.URL(), srv.Count("sale.order.line"))
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

// startFakeProcess starts the fake Odoo in a child process, so the benchmark's heap is the sync's alone.
func startFakeProcess(b *testing.B, size string) (string, int) {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fakeEnv+"="+size)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	var url string
	var total int
	if _, err := fmt.Fscan(bufio.NewReader(stdout), &url, &total); err != nil {
		b.Fatalf("fake Odoo process: %v", err)
	}
	return url, total
}

func openBenchStore(b *testing.B, engine string) store.Store {
	b.Helper()
	var st store.Store
	var err error
	if engine == "sqlite" {
		st, err = sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	} else {
		st, err = postgres.Open(context.Background(), storetest.PostgresURL(b))
	}
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.MigrationApply(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}

// sampleHeap records the largest heap in use (HeapInuse: objects and the unused part of their spans) seen every
// 10 ms until stop is called. It reads runtime/metrics, which does not stop the world as
// runtime.ReadMemStats does: the sampler should not cost the CPU it is measured beside.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg gosync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		for {
			metrics.Read(samples)
			if inuse := samples[0].Value.Uint64() + samples[1].Value.Uint64(); inuse > *peak {
				*peak = inuse
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
