package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// benchConfig reads tuning knobs from the environment so the same benchmark explores settings:
// WEBHOOK_BENCH_WORKERS, WEBHOOK_BENCH_COOLDOWN, WEBHOOK_BENCH_POLL.
func benchConfig(ds Deliveries) QueueConfig {
	cfg := testQueueConfig(ds)
	cfg.MaxWorkers = 200
	cfg.EndpointConcurrency = 200
	if v, err := strconv.Atoi(os.Getenv("WEBHOOK_BENCH_WORKERS")); err == nil {
		cfg.MaxWorkers, cfg.EndpointConcurrency = v, v
	}
	if v, err := time.ParseDuration(os.Getenv("WEBHOOK_BENCH_COOLDOWN")); err == nil {
		cfg.FetchCooldown = v
	}
	if v, err := time.ParseDuration(os.Getenv("WEBHOOK_BENCH_POLL")); err == nil {
		cfg.FetchPollInterval = v
	}
	return cfg
}

// okServer answers 200 to everything and counts requests: the "local receiver answering 200".
func okServer(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv, &n
}

// BenchmarkQueueThroughput measures sustained signed deliveries per second through River to a local receiver:
// b.N deliveries are enqueued (not timed), then the client is started and the clock runs until all are
// recorded delivered.
func BenchmarkQueueThroughput(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			srv, _ := okServer(b)
			ds := newMemDeliveries()
			ds.addConnection(1, srv.URL, testSecretA)
			base := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
			ids := make([]int64, b.N)
			for i := range ids {
				ids[i] = ds.add(1, int64(i+1), base)
			}
			q := be.open(b)(b, benchConfig(ds))
			ctx := context.Background()
			for chunk := range slices.Chunk(ids, 1000) {
				if err := q.Enqueue(ctx, chunk...); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			cpu0 := processCPU()
			if err := q.Start(ctx); err != nil {
				b.Fatal(err)
			}
			if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == b.N }); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			cpu := processCPU() - cpu0
			b.StopTimer()
			_ = q.Stop(ctx)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
			// CPU time of this process (queue, sender, receiver, and SQLite which runs in-process) per delivery:
			// unlike the rate, it hardly moves when other processes compete for the CPUs.
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/delivery")
		})
	}
}

// BenchmarkQueueLatency measures enqueue-to-delivery latency on an idle queue: one delivery at a time is
// enqueued and the clock stops when the receiver has it. Reports p50 and p99 in milliseconds.
func BenchmarkQueueLatency(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			got := make(chan time.Time, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				got <- time.Now()
			}))
			b.Cleanup(srv.Close)
			ds := newMemDeliveries()
			ds.addConnection(1, srv.URL, testSecretA)
			q := be.open(b)(b, benchConfig(ds))
			ctx := context.Background()
			if err := q.Start(ctx); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = q.Stop(ctx) })
			base := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
			ids := make([]int64, b.N)
			for i := range ids {
				ids[i] = ds.add(1, int64(i+1), base)
			}
			// Let the client settle (leader election, first fetch) before measuring.
			time.Sleep(300 * time.Millisecond)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if err := q.Enqueue(ctx, ids[i]); err != nil {
					b.Fatal(err)
				}
				inserted := time.Since(start)
				select {
				case at := <-got:
					lat = append(lat, at.Sub(start))
					if os.Getenv("WEBHOOK_BENCH_VERBOSE") != "" && at.Sub(start) > 150*time.Millisecond {
						b.Logf("slow: total %s, insert %s", at.Sub(start), inserted)
					}
				case <-time.After(10 * time.Second):
					b.Fatalf("delivery %d not received", i)
				}
				// Idle queue: wait for the attempt to be recorded before the next one.
				if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == i+1 }); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			if os.Getenv("WEBHOOK_BENCH_VERBOSE") != "" {
				b.Logf("slowest: %v", lat[max(0, len(lat)-6):])
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}

// BenchmarkSign: signing cost of a typical 1.5 KiB order body with two secrets (rotation).
func BenchmarkSign(b *testing.B) {
	ev, err := NewOrderEvent(OrderEventParams{Type: EventOrderUpdated, Database: testDatabase, Connection: Ref{ID: 1, Name: "c"}, Order: sampleOrder()})
	if err != nil {
		b.Fatal(err)
	}
	secrets := []string{testSecretA, testSecretB}
	now := time.Now()
	b.SetBytes(int64(len(ev.Body)))
	for b.Loop() {
		if _, err := Sign(secrets, ev.ID, now, ev.Body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendLoopback: one signed POST to a loopback receiver answering 200, without the queue; the ceiling
// the queue's overhead is measured against.
func BenchmarkSendLoopback(b *testing.B) {
	srv, _ := okServer(b)
	ev, err := NewOrderEvent(OrderEventParams{Type: EventOrderUpdated, Database: testDatabase, Connection: Ref{ID: 1, Name: "c"}, Order: sampleOrder()})
	if err != nil {
		b.Fatal(err)
	}
	s := NewSender(SenderConfig{AllowPrivate: true})
	b.Cleanup(s.Close)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if out := s.Send(context.Background(), SendParams{URL: srv.URL, ID: ev.ID, Body: ev.Body, Secrets: []string{testSecretA}}); out.Kind != OutcomeDelivered {
				b.Fatal(out.Err)
			}
		}
	})
}

// processCPU is the user+system CPU time consumed by this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
