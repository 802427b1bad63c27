package webhook_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when goroutines outlive them: a server, client or worker a test started
// and did not stop.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
