package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// benchConfig reads tuning knobs from the environment so the same benchmark explores settings:
// WEBHOOK_BENCH_WORKERS, WEBHOOK_BENCH_COOLDOWN, WEBHOOK_BENCH_POLL.
func benchConfig(store Deliveries) QueueConfig {
	cfg := testQueueConfig(store)
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
			store := newMemDeliveries()
			store.addConnection(1, srv.URL, testSecretA)
			base := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
			ids := make([]int64, b.N)
			for i := range ids {
				ids[i] = store.add(1, int64(i+1), base)
			}
			q := be.open(b)(b, benchConfig(store))
			ctx := context.Background()
			for chunk := range slices.Chunk(ids, 1000) {
				if err := q.Enqueue(ctx, chunk...); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			if err := q.Start(ctx); err != nil {
				b.Fatal(err)
			}
			if err := store.waitFor(ctx, func() bool { return store.countState(DeliveryDelivered) == b.N }); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			_ = q.Stop(ctx)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
