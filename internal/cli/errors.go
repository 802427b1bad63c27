package cli

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes: a usage error (wrong flag, bad argument) exits 2, a runtime failure 1.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// UsageError is a mistake in how a command was called; it is printed with a hint and exits 2.
type UsageError struct {
	Msg  string
	Hint string
}

func (e *UsageError) Error() string { return e.Msg }

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
