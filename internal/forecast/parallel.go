package forecast

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// ProgressFunc is called after each finished series with the number done so far and the total. Calls are
// serialized (never concurrent) and done is strictly increasing, so a progress bar can be driven directly.
type ProgressFunc func(done, total int)

// parallelFor runs fn(i) for i in [0, n) on up to workers goroutines (GOMAXPROCS when workers <= 0). Each
// index writes only its own output slot, so results do not depend on scheduling. It stops handing out work
// when ctx is done and returns ctx's error.
func parallelFor(ctx context.Context, n, workers int, progress ProgressFunc, fn func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
				if progress != nil {
					mu.Lock()
					done++
					progress(done, n)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
