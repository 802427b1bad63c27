package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/salesengine/salesengine/internal/store"
)

func TestConnectionLost(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]bool{
		&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}: true,
		fmt.Errorf("upsert: %w", &pgconn.PgError{Code: "08006"}):                                       true,
		fmt.Errorf("read: %w", io.ErrUnexpectedEOF):                                                    true,
		driver.ErrBadConn: true,
		&pgconn.PgError{Code: "23505", Message: "duplicate key"}: false,
		&pgconn.PgError{Code: "40001"}:                           false, // a serialization failure is the caller's to retry
		context.Canceled:                                         false,
		fmt.Errorf("query: %w", context.DeadlineExceeded):        false,
		errors.New("no such table"):                              false,
		nil:                                                      false,
	} {
		if got := store.ConnectionLost(err); got != want {
			t.Errorf("ConnectionLost(%v) = %v, want %v", err, got, want)
		}
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lost := &pgconn.PgError{Code: "57P01"}
	calls, heard := 0, 0
	err := store.Retry(ctx, func(error, time.Duration) { heard++ }, func() error {
		if calls++; calls < 3 {
			return lost
		}
		return nil
	})
	if err != nil || calls != 3 || heard != 2 {
		t.Errorf("two lost connections then success: err %v after %d calls, %d heard; want nil after 3, 2", err, calls, heard)
	}
	calls = 0
	other := errors.New("constraint failed")
	if err := store.Retry(ctx, nil, func() error { calls++; return other }); err != other || calls != 1 {
		t.Errorf("another error: %v after %d calls, want it after 1", err, calls)
	}
	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	err = store.Retry(cctx, func(error, time.Duration) { cancel() }, func() error { calls++; return lost })
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled while waiting: %v after %d calls", err, calls)
	}
}
