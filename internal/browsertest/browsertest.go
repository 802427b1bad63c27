// Package browsertest starts a real, headless Chromium for tests (the dashboard's pages, serve's login), driven
// with chromedp. A test skips, saying why, where no Chromium is installed.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds a real Chromium: SALESENGINE_TEST_CHROMIUM, else Debian's /usr/bin/chromium (which
// .ci/run installs) or another usual name on PATH; "" when there is none.
func ChromiumPath() string {
	if p := os.Getenv("SALESENGINE_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for one test, with a phone-sized or desktop window and a Spanish planner's
// languages, and returns the context chromedp actions run in; it stops with the test.
func New(t testing.TB, width, height int) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		t.Skip("no Chromium found: install it (apt-get install -y chromium) or set SALESENGINE_TEST_CHROMIUM; .ci/run installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "es-ES"),
		chromedp.Flag("accept-lang", "es-ES,es"), // what a Spanish planner's browser sends
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// Must turns a chromedp result into its value, failing the test on an error:
// browsertest.Must(chromedp.Run(ctx, action))(t).
func Must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
