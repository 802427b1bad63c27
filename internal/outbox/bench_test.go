package outbox_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/outbox"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
	"github.com/salesengine/salesengine/internal/webhook"
)

type queue interface {
	MigrateRiver(ctx context.Context) error
	Enqueue(ctx context.Context, ids ...int64) error
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// setup is a store with one connection whose webhook points at a local receiver answering 204, and a queue.
func setup(b *testing.B, engine string, onHit func(id string)) (store.Store, *store.Connection, queue) {
	b.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	if engine == "sqlite" {
		st, err = sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	} else {
		st, err = postgres.Open(ctx, storetest.PostgresURL(b))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.MigrationApply(ctx); err != nil {
		b.Fatal(err)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		onHit(r.Header.Get("webhook-id"))
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(hook.Close)
	k, _ := secret.GenerateKey()
	ring, _ := secret.ParseKeyring(k)
	m := &connections.Manager{Store: st, Keys: ring}
	name, url, db, user, key, hookURL := "bench", "https://odoo.example", "odoo", "admin", "k", hook.URL
	added, err := m.Add(ctx, connections.Fields{Name: &name, URL: &url, Database: &db, Username: &user, APIKey: &key, WebhookURL: &hookURL})
	if err != nil {
		b.Fatal(err)
	}
	ob := &outbox.Outbox{Store: st, Connections: m}
	cfg := webhook.QueueConfig{Deliveries: ob, AllowPrivate: true}
	var q queue
	if pg, ok := st.(*postgres.Store); ok {
		q, err = webhook.NewPostgresQueue(pg.Pool, cfg)
	} else {
		q, err = webhook.NewSQLiteQueue(st.DB(), cfg)
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := q.MigrateRiver(ctx); err != nil {
		b.Fatal(err)
	}
	return st, added.Connection, q
}

var payload = []byte(`{"type":"order.confirmed","timestamp":"2026-01-15T10:00:00Z","data":{"schema_version":1,"connection":{"id":1,"name":"bench"},"order":{"id":1,"name":"S00001","state":"sale","lines":[{"id":1,"sku":"A","quantity":3}]}}}`)

func insert(b *testing.B, st store.Store, conn *store.Connection, n, offset int) []int64 {
	b.Helper()
	ids := make([]int64, 0, n)
	err := st.Tx(context.Background(), func(tx store.Executor) error {
		for i := 0; i < n; i++ {
			wd := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC).Add(time.Duration(offset+i) * time.Second)
			id, _, err := tx.WebhookDeliveryInsert(context.Background(), &store.WebhookDeliveryInsertParams{
				EventID: webhook.EventID("uuid:bench", int64(offset+i+1), wd, sha256.Sum256(payload)), EventType: "order.confirmed", ConnectionID: conn.ID,
				OrderID: int64(offset + i + 1), OrderName: fmt.Sprintf("S%05d", offset+i+1), WriteDate: wd, Payload: payload, CreatedAt: wd})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkDeliveryThroughput: sustained deliveries per second through the real store, River and the signing
// sender to a local receiver answering 204. The queue is running, as in the daemon; each iteration commits
// 20,000 events with their jobs and times from the commit to the last arrival. Enqueueing is the sync's work
// (it commits the jobs with the events): it is reported per event, not timed
// (go test -run '^$' -bench DeliveryThroughput -benchtime 1x ./internal/outbox/).
func BenchmarkDeliveryThroughput(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			const n = 20000
			var hits atomic.Int64
			st, conn, q := setup(b, engine, func(string) { hits.Add(1) })
			ctx := context.Background()
			if err := q.Start(ctx); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				_ = q.Stop(stopCtx)
			})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				hits.Store(0)
				ids := insert(b, st, conn, n, i*n)
				enqueueStart := time.Now()
				if err := q.Enqueue(ctx, ids...); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(enqueueStart).Microseconds())/n, "enqueue-µs/event")
				b.StartTimer()
				start := time.Now()
				for hits.Load() < n {
					if time.Since(start) > 5*time.Minute {
						b.Fatalf("only %d of %d delivered", hits.Load(), n)
					}
					time.Sleep(2 * time.Millisecond)
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "deliveries/s")
			}
		})
	}
}

// BenchmarkDeliveryLatency: time from enqueueing a committed event to its arrival at the receiver, one event
// at a time on an otherwise idle queue.
func BenchmarkDeliveryLatency(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var mu gosync.Mutex
			arrived := map[string]chan struct{}{}
			st, conn, q := setup(b, engine, func(id string) {
				mu.Lock()
				ch := arrived[id]
				mu.Unlock()
				if ch != nil {
					close(ch)
				}
			})
			ctx := context.Background()
			if err := q.Start(ctx); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				c, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				_ = q.Stop(c)
			})
			const samples = 200
			var lat []time.Duration
			for i := 0; i < b.N*samples; i++ {
				ids := insert(b, st, conn, 1, i)
				d, err := st.WebhookDeliveryGet(ctx, ids[0])
				if err != nil {
					b.Fatal(err)
				}
				ch := make(chan struct{})
				mu.Lock()
				arrived[d.EventID] = ch
				mu.Unlock()
				start := time.Now()
				if err := q.Enqueue(ctx, ids...); err != nil {
					b.Fatal(err)
				}
				select {
				case <-ch:
				case <-time.After(30 * time.Second):
					b.Fatal("delivery did not arrive")
				}
				lat = append(lat, time.Since(start))
				time.Sleep(20 * time.Millisecond) // idle between events
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
