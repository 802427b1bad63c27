package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/salesengine/salesengine/internal/engine"
)

// Exit codes: a usage error (wrong flag, bad argument) exits 2, a runtime failure 1. A pass whose only
// failure is that webhook deliveries were dead-lettered (sync, run, deliver, retry) exits 3: the data is in,
// but a receiver did not get some events and a person has to look ('salesengine retries'). A command stopped
// by SIGINT or SIGTERM exits 128 + the signal (130, 143; see InterruptedError).
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitDeadLetters = 3
)

// DeadLetterError says that webhook deliveries were dead-lettered during a pass; alone it exits 3.
type DeadLetterError struct {
	Count int
	// Reason is the last error of one of them (an example for the message).
	Reason string
}

func (e *DeadLetterError) Error() string {
	msg := fmt.Sprintf("%d webhook deliveries were dead-lettered", e.Count)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg + "; see 'salesengine retries', then 'salesengine retry' or 'salesengine discard'"
}

// onlyDeadLetters is true when every error joined in err is a DeadLetterError.
func onlyDeadLetters(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		for _, e := range errs {
			if !onlyDeadLetters(e) {
				return false
			}
		}
		return len(errs) > 0
	}
	var dl *DeadLetterError
	return errors.As(err, &dl)
}

// UsageError is a mistake in how a command was called; it is printed with a hint and exits 2. The engine
// reports settings and references given wrongly with the same type.
type UsageError = engine.UsageError

func usagef(hint, format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// classify maps an error from cobra or a command onto an exit code and the text to print.
func classify(err error, cmdPath string) (code int, msg, hint string) {
	var ue *UsageError
	if errors.As(err, &ue) {
		hint = ue.Hint
		if hint == "" {
			hint = "run '" + cmdPath + " --help' for usage"
		}
		return exitUsage, ue.Msg, hint
	}
	if onlyDeadLetters(err) {
		return exitDeadLetters, err.Error(), ""
	}
	s := err.Error()
	// cobra's own argument and command errors are usage errors too.
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least",
		"requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.HasPrefix(s, p) || strings.Contains(s, " "+p) {
			return exitUsage, s, "run '" + cmdPath + " --help' for usage"
		}
	}
	return exitFailure, s, ""
}
