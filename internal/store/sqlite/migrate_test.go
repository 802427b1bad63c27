package sqlite

import (
	"context"
	"database/sql"
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

// TestMigrationEventIDPerConnectionKeepsDeliveries upgrades a database holding deliveries and attempts across the
// rebuild of webhook_deliveries (0006): every row and attempt stays, the cascade from connections to attempts
// still works, and no delivery id is handed out twice.
func TestMigrationEventIDPerConnectionKeepsDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	conn, err := newConnector(path+"?"+pragmas, fileErrors{path: path, timeout: DefaultBusyTimeout})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	old := sqlstore.New(sqlstore.Config{DB: db, Dialect: dialect{}, Migrations: migrationsUpTo(t, 5)})
	if _, err := old.MigrationApply(ctx); err != nil {
		t.Fatal(err)
	}
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

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	applied, err := s.MigrationApply(ctx)
	if err != nil || len(applied) == 0 || applied[0].Version != 6 {
		t.Fatalf("upgrade applied %+v, %v; want 0006 first", applied, err)
	}
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
	var violations int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&violations); err != nil || violations != 0 {
		t.Errorf("foreign key check: %d violations, %v", violations, err)
	}
	if err := s.ConnectionDelete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.DB().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM webhook_deliveries) + (SELECT COUNT(*) FROM webhook_attempts)`).Scan(&left); err != nil || left != 0 {
		t.Errorf("deleting the connection left %d deliveries and attempts (%v): the cascade is broken", left, err)
	}
}
