package postgres_test

import (
	"context"
	"testing"

	"github.com/salesengine/salesengine/internal/store/postgres"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// BenchmarkForecastRunInsert keeps a forecast run of 10,000 SKUs × 12 months per iteration: rows/s and the
// bytes each run adds to the two tables and their indexes.
func BenchmarkForecastRunInsert(b *testing.B) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, storetest.PostgresURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		b.Fatal(err)
	}
	size := func() int64 {
		var n int64
		if err := s.DB().QueryRowContext(ctx, `SELECT pg_total_relation_size('forecast_snapshots') + pg_total_relation_size('forecast_runs')`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	storetest.BenchForecastRunInsert(b, s, 10000, size)
}
