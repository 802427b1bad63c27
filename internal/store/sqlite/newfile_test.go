package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/salesengine/salesengine/internal/store/sqlite"
)

// TestConcurrentOpensOfANewFile: processes that open one new database file together (as several commands started
// at once do) all open it, though SQLite may answer busy at once, without waiting, to a connection that meets
// another switching the file to WAL.
func TestConcurrentOpensOfANewFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	failed := 0
	for i := range 200 {
		path := filepath.Join(dir, fmt.Sprintf("new%d.db", i))
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				if s, err := sqlite.Open(context.Background(), path); err != nil {
					errs <- err
				} else {
					s.Close()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if failed++; failed <= 3 {
				t.Errorf("open %s: %v", filepath.Base(path), err)
			}
		}
	}
	if failed > 3 {
		t.Errorf("%d opens failed in all", failed)
	}
}
