package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// InterruptedError is the cause of a command's cancellation by SIGINT or SIGTERM.
type InterruptedError struct{ Signal os.Signal }

func (e *InterruptedError) Error() string {
	switch e.Signal {
	case os.Interrupt:
		return "interrupted by SIGINT (Ctrl-C)"
	case syscall.SIGTERM:
		return "interrupted by SIGTERM"
	}
	return "interrupted by " + e.Signal.String()
}

// ExitCode is 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), what shells report for a process
// the signal stopped, so scripts and supervisors can tell an interruption from a failure.
func (e *InterruptedError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitFailure
}

// Execute runs the command line as the salesengine process: SIGINT and SIGTERM cancel the running command,
// which stops cleanly (what is committed stays, logs are closed as interrupted) and exits 130 or 143. A second
// signal is not caught: it kills a command that is slow to stop.
func Execute(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs) // the default action again, for the second signal
			cancel(&InterruptedError{Signal: sig})
		case <-ctx.Done():
		}
	}()
	return Main(ctx, args, stdin, stdout, stderr, env)
}
