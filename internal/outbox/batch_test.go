package outbox

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"testing"
	"time"
)

func TestBatcherGroupsConcurrentCalls(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var mu gosync.Mutex
	var sizes []int
	b := &batcher[int, string]{maxBatch: 5, maxRunning: 1, timeout: 5 * time.Second,
		run: func(_ context.Context, reqs []int) ([]string, error) {
			mu.Lock()
			sizes = append(sizes, len(reqs))
			first := len(sizes) == 1
			mu.Unlock()
			if first {
				<-release // hold the first batch so the others queue behind it
			}
			out := make([]string, len(reqs))
			for i, r := range reqs {
				out[i] = fmt.Sprint(r * 10)
			}
			return out, nil
		}}
	var wg gosync.WaitGroup
	results := make([]string, 12)
	wg.Add(1)
	go func() { defer wg.Done(); results[0], _ = b.do(context.Background(), 0) }()
	for !b.busy() {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 12; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], _ = b.do(context.Background(), i) }()
	}
	for b.queued() < 11 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for i, r := range results {
		if r != fmt.Sprint(i*10) {
			t.Errorf("result %d = %q: a caller got another's result", i, r)
		}
	}
	if len(sizes) != 4 || sizes[0] != 1 || sizes[1] != 5 || sizes[2] != 5 || sizes[3] != 1 {
		t.Errorf("batch sizes = %v, want [1 5 5 1]: the 11 calls made while the first ran go in batches of at most 5", sizes)
	}
}

func TestBatcherErrorsAndCancellation(t *testing.T) {
	t.Parallel()
	boom := errors.New("database down")
	gate := make(chan struct{})
	b := &batcher[int, int]{maxBatch: 10, maxRunning: 1, timeout: 5 * time.Second,
		run: func(ctx context.Context, reqs []int) ([]int, error) {
			if reqs[0] == 0 {
				<-gate
				return nil, boom
			}
			if err := ctx.Err(); err != nil {
				return nil, err // a cancelled caller must not cancel its batch
			}
			return reqs, nil
		}}
	errc := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), 0); errc <- err }()
	for !b.busy() {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := b.do(ctx, 1); gaveUp <- err }()
	stayed := make(chan int, 1)
	go func() { v, err := b.do(context.Background(), 2); _ = err; stayed <- v }()
	for b.queued() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	close(gate)
	if err := <-errc; !errors.Is(err, boom) {
		t.Errorf("batch error not passed to its caller: %v", err)
	}
	if v := <-stayed; v != 2 {
		t.Errorf("the caller that stayed got %d, want 2 (its batch ran despite the other caller's cancellation)", v)
	}
}

func (b *batcher[Req, Res]) busy() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running > 0 && len(b.queue) == 0
}

func (b *batcher[Req, Res]) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}
