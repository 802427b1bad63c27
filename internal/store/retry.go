package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// ConnectionLost reports whether err says that the database connection was lost rather than that the work was
// wrong: the server ended the session (restart, failover, pg_terminate_backend: SQLSTATE 57P01-57P03), a
// connection exception (SQLSTATE class 08), the network dropped it (EOF, reset, refused while the server
// restarts), or the driver failed before sending anything. The same work may succeed on a new connection; the
// pool replaces the lost one by itself. A cancelled or expired context is not a lost connection.
func ConnectionLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var state interface{ SQLState() string } // *pgconn.PgError, without tying the store to one driver
	if errors.As(err, &state) {
		code := state.SQLState()
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
	}
	var safe interface{ SafeToRetry() bool } // pgconn: failed before anything reached the server
	if errors.As(err, &safe) && safe.SafeToRetry() {
		return true
	}
	var opErr *net.OpError
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &opErr)
}

// retryDelays are the waits between the attempts of Retry: about 13 s in all, long enough for a PostgreSQL
// restart or failover, short enough that a database that stays away fails the work soon.
var retryDelays = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
	800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}

// Retry runs fn, and runs it again after each of retryDelays while it fails because the connection was lost
// (ConnectionLost); onRetry, if not nil, hears of each such failure first. fn must be idempotent as a whole:
// it may have taken effect before its connection dropped (a commit whose answer was lost), and must then do no
// harm when run again. It returns fn's last error, or ctx's when ctx ends while waiting.
func Retry(ctx context.Context, onRetry func(err error, delay time.Duration), fn func() error) error {
	err := fn()
	for _, d := range retryDelays {
		if !ConnectionLost(err) || ctx.Err() != nil {
			return err
		}
		if onRetry != nil {
			onRetry(err, d)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		err = fn()
	}
	return err
}
