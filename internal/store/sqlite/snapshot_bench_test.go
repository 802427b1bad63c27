package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/salesengine/salesengine/internal/store/sqlite"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// BenchmarkForecastRunInsert keeps a forecast run of 10,000 SKUs × 12 months per iteration: rows/s and the
// bytes each run adds to the file (after a checkpoint, counted in pages).
func BenchmarkForecastRunInsert(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrationApply(ctx); err != nil {
		b.Fatal(err)
	}
	size := func() int64 {
		var pages, pageSize int64
		if _, err := s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT page_count * page_size, page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&pages, &pageSize); err != nil {
			b.Fatal(err)
		}
		return pages
	}
	storetest.BenchForecastRunInsert(b, s, 10000, size)
}
