package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newStore)
}

// TestBulkWritesWithoutTemporaryTables: a database user without the TEMPORARY privilege (revoked by a careful
// administrator) still gets large batches written, through unnest instead of COPY into a temporary table.
func TestBulkWritesWithoutTemporaryTables(t *testing.T) {
	t.Parallel()
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s", storetest.PostgresEnv)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "se_notemp_" + hex.EncodeToString(b[:])
	for _, q := range []string{"CREATE ROLE " + name + " LOGIN", "CREATE DATABASE " + name + " OWNER " + name,
		"REVOKE TEMPORARY ON DATABASE " + name + " FROM PUBLIC, " + name} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		for _, q := range []string{"DROP DATABASE " + name + " WITH (FORCE)", "DROP ROLE " + name} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User(name), "/"+name
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := s.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.example", Protocol: "auto", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var orders []*store.Order
	var items []*store.Item
	for i := range int64(600) {
		orders = append(orders, &store.Order{ConnectionID: conn.ID, OrderID: i + 1, Name: fmt.Sprintf("S%05d", i+1), State: "sale",
			WriteDate: at, SyncedAt: at})
		items = append(items, &store.Item{ConnectionID: conn.ID, LineID: i + 1, OrderID: i + 1, SKU: "A", Quantity: float64(i),
			WriteDate: at, SyncedAt: at, UpdatedAt: at})
	}
	if res, err := s.OrderUpsertMany(ctx, orders); err != nil || res.Inserted != int64(len(orders)) {
		t.Fatalf("orders: %+v, %v", res, err)
	}
	if res, err := s.ItemUpsertMany(ctx, items); err != nil || res.Inserted != int64(len(items)) {
		t.Fatalf("items: %+v, %v", res, err)
	}
	back, err := s.ItemGetMany(ctx, conn.ID, []int64{1, 600})
	if err != nil || len(back) != 2 || back[600].Quantity != 599 {
		t.Fatalf("read back: %d items, %v", len(back), err)
	}
	var temps int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_class WHERE relpersistence = 't'`).Scan(&temps); err != nil || temps != 0 {
		t.Errorf("%d temporary tables (%v), want none: the user may not create them", temps, err)
	}
}
