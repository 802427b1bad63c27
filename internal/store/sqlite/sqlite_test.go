package sqlite_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/sqlstore"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
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

func TestOpenMissingDirectory(t *testing.T) {
	t.Parallel()
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("open in a missing directory: %v", err)
	}
}

// TestFormatSQLiteTime: the hand-written formatter spells every instant as time.Format with the layout does.
func TestFormatSQLiteTime(t *testing.T) {
	t.Parallel()
	mexico := time.FixedZone("CST", -6*3600)
	times := []time.Time{{}, time.Date(2026, 3, 4, 9, 59, 59, 999999999, time.UTC), time.Date(2026, 3, 4, 10, 0, 0, 500000000, mexico),
		time.Date(999, 12, 31, 23, 0, 0, 1000, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 10, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 120000, mexico)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)).In(mexico))
		times = append(times, time.Unix(r.Int64N(100*86400)+1.7e9, r.Int64N(1000)*1000))
	}
	for _, at := range times {
		if got, want := sqlstore.FormatSQLiteTime(at), at.UTC().Format(sqlstore.SQLiteTimeLayout); got != want {
			t.Fatalf("%v: %q, want %q", at, got, want)
		}
	}
}
