package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// BenchmarkOperatorPages renders the operator's pages for an operator with 200 connections on SQLite: 100
// passes each in sync_logs (20,000), and 200,000 deliveries of which 2,000 are waiting (1,000 failing) and
// 1,000 dead. The figures go in docs/dashboard.md.
func BenchmarkOperatorPages(b *testing.B) {
	const conns, passes, deliveries = 200, 100, 200_000
	ctx := context.Background()
	s, eng := benchEngine(b, engine.NeedWebhook, nil)
	t0 := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	err := s.Tx(ctx, func(tx store.Executor) error {
		var ids []int64
		for i := range conns {
			c, err := tx.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: fmt.Sprintf("tenant-%03d", i), URL: "https://odoo.example",
				Database: "db", Username: "api", APIKeyEncrypted: "x", Protocol: "auto", WebhookURL: "https://hooks.example/in",
				WebhookSecretEncrypted: "x", PollInterval: time.Minute, Active: true})
			if err != nil {
				return err
			}
			ids = append(ids, c.ID)
		}
		for _, id := range ids {
			for p := range passes {
				start := t0.Add(time.Duration(p) * time.Minute)
				fin := start.Add(time.Second)
				if _, err := tx.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: id, Kind: "incremental", StartedAt: start, FinishedAt: &fin,
					Status: store.SyncOK, RecordsFetched: 40, RecordsInserted: 3, RecordsUpdated: 1}); err != nil {
					return err
				}
			}
		}
		for d := range deliveries {
			if _, _, err := tx.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: fmt.Sprintf("evt_%07d", d),
				EventType: "order.updated", ConnectionID: ids[d%conns], OrderID: int64(d), OrderName: fmt.Sprintf("S%07d", d),
				WriteDate: t0, Payload: []byte(`{"type":"order.updated","data":{}}`), CreatedAt: t0.Add(time.Duration(d) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// All delivered but the newest 3,000: 1,000 queued, 1,000 failing, 1,000 dead.
	for _, q := range []string{
		`UPDATE webhook_deliveries SET state = 'delivered', attempts = 1, last_status = 204 WHERE id <= ` + fmt.Sprint(deliveries-3000),
		`UPDATE webhook_deliveries SET attempts = 2, last_status = 500, last_error = 'webhook: endpoint answered 500' WHERE id > ` + fmt.Sprint(deliveries-2000),
		`UPDATE webhook_deliveries SET state = 'dead' WHERE id > ` + fmt.Sprint(deliveries-1000),
		`ANALYZE`,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	d, err := New(Options{Source: eng})
	if err != nil {
		b.Fatal(err)
	}
	h := d.Handler()
	for _, path := range []string{"/connections", "/connections/tenant-100", "/webhooks", "/webhooks?connection=tenant-100&state=dead"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, path, nil)
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", path, w.Code)
				}
			}
		})
	}
}

// benchEngine is a real engine with the settings needs loads, on a fresh migrated SQLite store that closes with
// the benchmark; now, when set, is the engine's clock.
func benchEngine(b *testing.B, needs engine.Needs, now func() time.Time) (store.Store, *engine.Engine) {
	b.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "se.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.MigrationApply(ctx, engine.RiverMigration(s, slog.New(slog.DiscardHandler))); err != nil {
		b.Fatal(err)
	}
	key, _ := secret.GenerateKey()
	cfg, err := config.LoadMap(map[string]string{"SALESENGINE_ENCRYPTION_KEY": key})
	if err != nil {
		b.Fatal(err)
	}
	set, err := engine.LoadSettings(cfg, needs)
	if err != nil {
		b.Fatal(err)
	}
	if now != nil {
		set.Now = now
	}
	eng, err := engine.New(s, set, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s, eng
}
