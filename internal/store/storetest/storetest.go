// Package storetest is the one conformance suite every store driver must pass. A driver's own test calls Run
// with a function that returns a fresh, empty, migrated store for each test.
package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// NewStore returns a fresh, empty store whose schema is migrated; it registers its own cleanup.
type NewStore func(t *testing.T) store.Store

// Run exercises every store behaviour against one driver.
func Run(t *testing.T, newStore NewStore) {
	t.Run("Migration", func(t *testing.T) { t.Parallel(); testMigration(t, newStore) })
	t.Run("Connection", func(t *testing.T) { t.Parallel(); testConnection(t, newStore) })
	t.Run("Tx", func(t *testing.T) { t.Parallel(); testTx(t, newStore) })
	t.Run("UserQueries", func(t *testing.T) { t.Parallel(); testUserQueries(t, newStore) })
	t.Run("Timestamps", func(t *testing.T) { t.Parallel(); testTimestamps(t, newStore) })
	for _, x := range extra {
		t.Run(x.name, func(t *testing.T) { t.Parallel(); x.fn(t, newStore) })
	}
}

// namedTest is a conformance test registered by another file of the suite.
type namedTest struct {
	name string
	fn   func(t *testing.T, newStore NewStore)
}

var extra []namedTest

func testMigration(t *testing.T, newStore NewStore) {
	ctx := context.Background()

	t.Run("AppliedOnceThenNothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		status, err := s.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(status) == 0 {
			t.Fatal("no migrations known")
		}
		for _, m := range status {
			if !m.Applied || m.AppliedAt.IsZero() {
				t.Errorf("migration %d not applied after setup: %+v", m.Version, m)
			}
		}
		again, err := s.MigrationApply(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Errorf("second apply applied %d migrations, want 0", len(again))
		}
	})

	t.Run("ConcurrentApply", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.MigrationApply(ctx)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent apply: %v", err)
			}
		}
	})

	t.Run("ForeignUnderTheLock", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		// A foreign migration (River's, in production) runs under the same lock as ours: never two at once, and
		// the one that comes second finds the work done.
		var running, overlaps, applied atomic.Int32
		foreign := func(ctx context.Context, tx *sql.Tx) ([]store.Migration, error) {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			defer running.Add(-1)
			var q interface {
				ExecContext(context.Context, string, ...any) (sql.Result, error)
				QueryRowContext(context.Context, string, ...any) *sql.Row
			} = s.DB()
			if tx != nil {
				q = tx
			}
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
				return nil, fmt.Errorf("foreign migration ran before ours: %d applied, %v", n, err)
			}
			time.Sleep(50 * time.Millisecond) // long enough for the others to try
			var seen int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM connections WHERE name = 'foreign-marker'`).Scan(&seen); err != nil {
				return nil, err
			}
			if seen > 0 {
				return nil, nil
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO connections (name, url, created_at, updated_at) VALUES ('foreign-marker', 'x', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`); err != nil {
				return nil, err
			}
			applied.Add(1)
			return []store.Migration{{Component: "test", Version: 1, Name: "marker", Applied: true}}, nil
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := s.MigrationApply(ctx, foreign); err != nil {
					t.Errorf("apply: %v", err)
				}
			})
		}
		wg.Wait()
		if overlaps.Load() != 0 || applied.Load() != 1 {
			t.Errorf("foreign migrations overlapped %d times and applied %d times, want 0 and 1", overlaps.Load(), applied.Load())
		}
	})

	t.Run("RefusesNewerSchema", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '2030-01-01T00:00:00Z')`); err != nil {
			t.Fatal(err)
		}
		_, err := s.MigrationApply(ctx)
		var tooNew *store.ErrSchemaTooNew
		if !errors.As(err, &tooNew) {
			t.Fatalf("apply on a newer schema: got %v, want ErrSchemaTooNew", err)
		}
		if tooNew.DatabaseVersion != 9999 {
			t.Errorf("DatabaseVersion = %d, want 9999", tooNew.DatabaseVersion)
		}
		status, err := s.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last := status[len(status)-1]; last.Version != 9999 || !last.Applied {
			t.Errorf("status does not show the unknown version 9999: %+v", last)
		}
	})
}

func sampleConnection(name string) *store.ConnectionInsertParams {
	return &store.ConnectionInsertParams{
		Name: name, URL: "https://acme.odoo.com", Database: "acme", Username: "api@acme.mx",
		APIKeyEncrypted: "gAAAA-ciphertext", Protocol: "auto", WebhookURL: "https://inventory.example/hooks",
		WebhookSecretEncrypted: "gAAAA-secret", PollInterval: 90 * time.Second, Active: true,
	}
}

func testConnection(t *testing.T, newStore NewStore) {
	ctx := context.Background()

	t.Run("InsertGetList", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		c, err := s.ConnectionInsert(ctx, sampleConnection("acme"))
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.Name != "acme" || c.PollInterval != 90*time.Second || !c.Active || !c.WebhookEnabled ||
			c.CircuitState != store.CircuitClosed || c.APIKeyEncrypted != "gAAAA-ciphertext" || c.CreatedAt.IsZero() {
			t.Errorf("inserted connection = %+v", c)
		}
		got, err := s.ConnectionGet(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != c.Name || !got.CreatedAt.Equal(c.CreatedAt) || got.WebhookURL != c.WebhookURL {
			t.Errorf("get = %+v, want %+v", got, c)
		}
		byName, err := s.ConnectionGetByName(ctx, "acme")
		if err != nil || byName.ID != c.ID {
			t.Errorf("get by name = %v, %v", byName, err)
		}
		second := sampleConnection("beta")
		second.Active = false
		if _, err := s.ConnectionInsert(ctx, second); err != nil {
			t.Fatal(err)
		}
		all, err := s.ConnectionList(ctx, nil)
		if err != nil || len(all) != 2 || all[0].Name != "acme" || all[1].Name != "beta" {
			t.Errorf("list = %v, %v", all, err)
		}
		active, err := s.ConnectionList(ctx, &store.ConnectionListParams{OnlyActive: true})
		if err != nil || len(active) != 1 || active[0].Name != "acme" {
			t.Errorf("list active = %v, %v", active, err)
		}
	})

	t.Run("DuplicateName", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if _, err := s.ConnectionInsert(ctx, sampleConnection("acme")); err != nil {
			t.Fatal(err)
		}
		_, err := s.ConnectionInsert(ctx, sampleConnection("acme"))
		if !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("duplicate insert: got %v, want ErrAlreadyExists", err)
		}
		other, err := s.ConnectionInsert(ctx, sampleConnection("beta"))
		if err != nil {
			t.Fatal(err)
		}
		name := "acme"
		_, err = s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: other.ID, Name: &name})
		if !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("rename onto a taken name: got %v, want ErrAlreadyExists", err)
		}
	})

	t.Run("UpdateOnlyGivenFields", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		c, err := s.ConnectionInsert(ctx, sampleConnection("acme"))
		if err != nil {
			t.Fatal(err)
		}
		url := "https://new.odoo.com"
		interval := 5 * time.Minute
		off := false
		opened := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
		openedPtr := &opened
		state := store.CircuitOpen
		up, err := s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: c.ID, URL: &url, PollInterval: &interval,
			WebhookEnabled: &off, CircuitState: &state, CircuitOpenedAt: &openedPtr})
		if err != nil {
			t.Fatal(err)
		}
		if up.URL != url || up.PollInterval != interval || up.WebhookEnabled || up.CircuitState != store.CircuitOpen ||
			up.CircuitOpenedAt == nil || !up.CircuitOpenedAt.Equal(opened) {
			t.Errorf("updated = %+v", up)
		}
		if up.Name != c.Name || up.Database != c.Database || up.APIKeyEncrypted != c.APIKeyEncrypted || !up.Active {
			t.Errorf("fields not named in the update changed: %+v", up)
		}
		var cleared *time.Time
		up, err = s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: c.ID, CircuitOpenedAt: &cleared})
		if err != nil || up.CircuitOpenedAt != nil {
			t.Errorf("clearing circuit_opened_at: %+v, %v", up, err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if _, err := s.ConnectionGet(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get missing: %v", err)
		}
		if _, err := s.ConnectionGetByName(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get missing by name: %v", err)
		}
		if err := s.ConnectionDelete(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete missing: %v", err)
		}
		name := "x"
		if _, err := s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: 42, Name: &name}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update missing: %v", err)
		}
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		c, err := s.ConnectionInsert(ctx, sampleConnection("acme"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, rebind(s, `INSERT INTO forecast (connection_id, sku, forecast_date, year, month,
			forecasted_quantity, lower_bound, upper_bound, method, generated_at)
			VALUES (?, 'A', '2024-10-01', 2024, 10, 1, 0, 2, 'ets', '2024-09-30 00:00:00')`), c.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.ConnectionDelete(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM forecast`).Scan(&n); err != nil || n != 0 {
			t.Errorf("forecast rows left after deleting their connection: %d, %v", n, err)
		}
	})
}

func testTx(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx store.Executor) error {
		if _, err := tx.ConnectionInsert(ctx, sampleConnection("rolled-back")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want the function's error", err)
	}
	if _, err := s.ConnectionGetByName(ctx, "rolled-back"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("row written by a rolled-back transaction is visible: %v", err)
	}
	if err := s.Tx(ctx, func(tx store.Executor) error {
		_, err := tx.ConnectionInsert(ctx, sampleConnection("committed"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConnectionGetByName(ctx, "committed"); err != nil {
		t.Errorf("committed row not visible: %v", err)
	}
}

// rebind turns ? placeholders into the driver's own, for raw SQL in tests.
func rebind(s store.Store, q string) string {
	if s.Dialect() != store.DialectPostgres {
		return q
	}
	out := make([]byte, 0, len(q)+8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$')
			out = append(out, []byte(itoa(n))...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
