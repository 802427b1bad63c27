package cli

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain lets the test binary act as the salesengine command (the same Execute as cmd/salesengine, signal
// handling included), so crash tests can run it as a child process and kill or interrupt it, exactly as an
// operator's machine would.
func TestMain(m *testing.M) {
	if os.Getenv("SALESENGINE_TEST_AS_CLI") == "1" {
		os.Exit(Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
	}
	// Goroutines outliving the tests (a server, client or worker a test started and did not stop) fail them.
	goleak.VerifyTestMain(m)
}
