package outbox

import (
	"context"
	"sync"
	"time"
)

// batcher runs the requests that arrive while earlier ones are being served as one batch: a busy delivery queue
// pays one query (and one commit) per batch instead of one per delivery, the way a database groups commits,
// and an idle one waits for nothing, since a request that finds the batcher idle is served at once.
type batcher[Req, Res any] struct {
	// run serves a batch; it returns one result per request, in order, or an error for the whole batch.
	run func(ctx context.Context, reqs []Req) ([]Res, error)
	// maxBatch bounds a batch; maxRunning bounds the batches in flight at once.
	maxBatch, maxRunning int
	// timeout bounds one batch. Batches run detached from the callers' contexts: a caller that gives up must
	// not cancel the work of the others in its batch.
	timeout time.Duration

	mu      sync.Mutex
	queue   []*batchCall[Req, Res]
	running int
}

type batchCall[Req, Res any] struct {
	req  Req
	res  Res
	err  error
	done chan struct{}
}

// do queues req and waits for its result or for ctx to end. A request whose caller gave up is still served
// with its batch (a write may still commit): callers must be idempotent, as delivery attempts are.
func (b *batcher[Req, Res]) do(ctx context.Context, req Req) (Res, error) {
	c := &batchCall[Req, Res]{req: req, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	start := b.running < b.maxRunning
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.serve()
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		var zero Res
		return zero, ctx.Err()
	}
}

// serve runs batches until the queue is empty.
func (b *batcher[Req, Res]) serve() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		n := min(len(b.queue), b.maxBatch)
		calls := make([]*batchCall[Req, Res], n)
		copy(calls, b.queue)
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.mu.Unlock()

		reqs := make([]Req, n)
		for i, c := range calls {
			reqs[i] = c.req
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
		res, err := b.run(ctx, reqs)
		cancel()
		for i, c := range calls {
			if err != nil {
				c.err = err
			} else {
				c.res = res[i]
			}
			close(c.done)
		}
	}
}
