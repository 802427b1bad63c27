package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlstore"
)

// migrationsUpTo is the embedded migrations up to version last, as a database migrated by an older binary has.
func migrationsUpTo(t *testing.T, last int) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(Migrations(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if v, err := strconv.Atoi(num); err != nil || v > last {
			continue
		}
		b, err := fs.ReadFile(Migrations(), e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

// migratedUpTo opens a new database at path migrated up to version last, as an older binary left it.
func migratedUpTo(t *testing.T, path string, last int) *sqlstore.Store {
	t.Helper()
	conn, err := newConnector(path+"?"+pragmas, fileErrors{path: path, timeout: DefaultBusyTimeout})
	if err != nil {
		t.Fatal(err)
	}
	old := sqlstore.New(sqlstore.Config{DB: sql.OpenDB(conn), Dialect: dialect{}, Migrations: migrationsUpTo(t, last)})
	if _, err := old.MigrationApply(context.Background()); err != nil {
		t.Fatal(err)
	}
	return old
}

// upgraded opens the database at path with today's migrations and applies them, first must be the first applied.
func upgraded(t *testing.T, path string, first int) *sqlstore.Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	applied, err := s.MigrationApply(context.Background())
	if err != nil || len(applied) == 0 || applied[0].Version != first {
		t.Fatalf("upgrade applied %+v, %v; want %04d first", applied, err, first)
	}
	return s
}

// TestMigrationEventIDPerConnectionKeepsDeliveries upgrades a database holding deliveries and attempts across the
// rebuild of webhook_deliveries (0006): every row and attempt stays, the cascade from connections to attempts
// still works, and no delivery id is handed out twice.
func TestMigrationEventIDPerConnectionKeepsDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old := migratedUpTo(t, path, 5)
	db := old.DB()
	// As the binary of that schema wrote it (today's ConnectionInsert returns columns added later).
	var c store.Connection
	if err := db.QueryRowContext(ctx, `INSERT INTO connections (name, url, database, username, api_key_encrypted, protocol,
		webhook_url, webhook_secret_encrypted, poll_interval_seconds, active, created_at, updated_at)
		VALUES ('acme', 'https://acme.odoo.com', '', '', '', 'auto', '', '', 60, 1, ?, ?) RETURNING id`,
		dialect{}.Time(time.Now()), dialect{}.Time(time.Now())).Scan(&c.ID); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var ids []int64
	for _, ev := range []string{"evt_1", "evt_2", "evt_3"} {
		// As the binary of that schema wrote them (its ON CONFLICT names the old unique key).
		var id int64
		err := db.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (event_id, event_type, connection_id, order_id, order_name,
			write_date, payload, created_at, updated_at) VALUES (?, 'order.updated', ?, 7, 'S00007', ?, '{"n":1}', ?, ?) RETURNING id`,
			ev, c.ID, dialect{}.Time(at), dialect{}.Time(at), dialect{}.Time(at)).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := old.WebhookDeliveryAttemptRecordMany(ctx, []*store.WebhookDeliveryAttemptParams{
		{DeliveryID: ids[0], Attempt: 1, StartedAt: at, Status: 503, Error: "HTTP 503", State: store.DeliveryPending},
		{DeliveryID: ids[0], Attempt: 2, StartedAt: at.Add(time.Minute), Status: 200, State: store.DeliveryDelivered},
	}); err != nil {
		t.Fatal(err)
	}
	// The newest delivery is gone (its connection's data was reset, say): its id must not come back.
	if _, err := db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE id = ?`, ids[2]); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := upgraded(t, path, 6)
	d, err := s.WebhookDeliveryGet(ctx, ids[0])
	if err != nil || d.EventID != "evt_1" || d.State != store.DeliveryDelivered || d.Attempts != 2 || string(d.Payload) != `{"n":1}` ||
		!d.WriteDate.Equal(at) || d.DeliveredAt == nil {
		t.Errorf("delivery after the upgrade: %+v, %v", d, err)
	}
	attempts, err := s.WebhookAttemptList(ctx, &store.WebhookAttemptListParams{ConnectionID: c.ID})
	if err != nil || len(attempts) != 2 || attempts[0].EventID != "evt_1" {
		t.Errorf("attempts after the upgrade: %+v, %v", attempts, err)
	}
	id, ok, err := s.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: "evt_4", EventType: "order.updated",
		ConnectionID: c.ID, OrderID: 8, WriteDate: at, Payload: []byte(`{}`), CreatedAt: at})
	if err != nil || !ok || id <= ids[2] {
		t.Errorf("new delivery id %d (%v, %v): ids up to %d were handed out already", id, ok, err, ids[2])
	}
	checkKeysAndCascade(t, s, c.ID, "webhook_deliveries", "webhook_attempts")
}

// checkKeysAndCascade checks that no row breaks a foreign key, then that deleting the connection empties tables.
func checkKeysAndCascade(t *testing.T, s *sqlstore.Store, connectionID int64, tables ...string) {
	t.Helper()
	ctx := context.Background()
	var violations int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&violations); err != nil || violations != 0 {
		t.Errorf("foreign key check: %d violations, %v", violations, err)
	}
	if err := s.ConnectionDelete(ctx, connectionID); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		var left int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&left); err != nil || left != 0 {
			t.Errorf("deleting the connection left %d rows in %s (%v): the cascade is broken", left, table, err)
		}
	}
}

// TestMigrationDeferredSalesKeysKeepsRows upgrades a database holding orders and lines across the rebuild of
// sales_orders and sales_items (0009): every row stays as it was, the indexes are back, the foreign keys are
// checked at the commit, and deleting the connection still deletes its sales.
func TestMigrationDeferredSalesKeysKeepsRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old := migratedUpTo(t, path, 8)
	c, err := old.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: "https://acme.odoo.com", Protocol: "auto", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var orders []*store.Order
	var items []*store.Item
	for i := int64(1); i <= 100; i++ {
		wd := at.Add(time.Duration(i) * time.Minute)
		o := &store.Order{ConnectionID: c.ID, OrderID: i, Name: "S" + strconv.FormatInt(i, 10), State: "sale", DateOrder: &at,
			WriteDate: wd, PartnerID: i % 3, Currency: "MXN", AmountTotal: float64(i) * 1.5, SyncedAt: wd}
		if i%10 == 0 {
			o.RemovedAt = &wd
		}
		orders = append(orders, o)
		for j := int64(0); j < 3; j++ {
			items = append(items, &store.Item{ConnectionID: c.ID, LineID: 3*i + j, OrderID: i, OrderName: o.Name, OrderState: "sale",
				DateOrder: &at, SKU: "SKU-" + strconv.FormatInt(j, 10), ProductID: j + 1, Quantity: float64(i + j), Currency: "MXN",
				WriteDate: wd, SyncedAt: wd, UpdatedAt: wd})
		}
	}
	if _, err := old.OrderUpsertMany(ctx, orders); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ItemUpsertMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	dump := func(db *sql.DB) string {
		t.Helper()
		var b strings.Builder
		for _, q := range []string{`SELECT * FROM sales_orders ORDER BY connection_id, order_id`, `SELECT * FROM sales_items ORDER BY connection_id, line_id`} {
			rows, err := db.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%q %v\n", cols, vals)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return b.String()
	}
	before := dump(old.DB())
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := upgraded(t, path, 9)
	if after := dump(s.DB()); after != before {
		t.Errorf("rows changed across the upgrade:\nbefore\n%s\nafter\n%s", before, after)
	}
	var indexes string
	if err := s.DB().QueryRowContext(ctx, `SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name IN ('sales_orders', 'sales_items') ORDER BY name)`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if want := "sales_items_order sales_items_sku_date sales_orders_write_date sqlite_autoindex_sales_items_1 sqlite_autoindex_sales_orders_1"; indexes != want {
		t.Errorf("indexes after the upgrade: %s; want %s", indexes, want)
	}
	// A line of a connection that does not exist is refused at the commit, not by its statement.
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sales_items (connection_id, line_id, order_id, write_date, synced_at, updated_at)
		VALUES (999, 1, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`); err != nil {
		t.Fatalf("the statement checked the foreign key itself: %v", err)
	}
	if err := tx.Commit(); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("commit of an orphan line: %v; want a foreign key error", err)
	}
	checkKeysAndCascade(t, s, c.ID, "sales_orders", "sales_items")
}
