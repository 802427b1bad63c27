package cli

import (
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// TestMain lets the test binary act as the salesengine command (the same Execute as cmd/salesengine, signal
// handling included), so crash tests can run it as a child process and kill or interrupt it, exactly as an
// operator's machine would.
func TestMain(m *testing.M) {
	if os.Getenv("SALESENGINE_TEST_AS_CLI") == "1" {
		stop := profileOnSignal(os.Getenv("SALESENGINE_TEST_CPUPROFILE"))
		code := Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv)
		stop()
		os.Exit(code)
	}
	// Goroutines outliving the tests (a server, client or worker a test started and did not stop) fail them.
	goleak.VerifyTestMain(m)
}

// profileOnSignal lets a benchmark profile a child process over a window of its choosing (BenchmarkServe's idle
// minute): SIGUSR1 starts a CPU profile into path, SIGUSR2 ends it. The returned func ends one still running.
func profileOnSignal(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	var f *os.File
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range sig {
			switch {
			case s == syscall.SIGUSR1 && f == nil:
				var err error
				if f, err = os.Create(path); err == nil {
					err = pprof.StartCPUProfile(f)
				}
				if err != nil {
					panic(err)
				}
			case s == syscall.SIGUSR2 && f != nil:
				pprof.StopCPUProfile()
				_ = f.Close()
				f = nil
			}
		}
		if f != nil {
			pprof.StopCPUProfile()
			_ = f.Close()
		}
	}()
	return func() {
		signal.Stop(sig)
		close(sig)
		<-done
	}
}
