package odootest

// TB is the part of testing.TB the helpers need (non-test files must not import "testing", since the demo
// command links this package).
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Start starts a fake server for a test and closes it when the test ends.
func Start(t TB, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("odootest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}
