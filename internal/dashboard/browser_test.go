package dashboard

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a real Chromium: SALESENGINE_TEST_CHROMIUM, else Debian's /usr/bin/chromium (which
// .ci/run installs) or another usual name on PATH.
func chromiumPath() string {
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

// newBrowser starts a headless Chromium for one test, with a phone-sized or desktop window, and returns the
// context chromedp actions run in. The test skips, saying why, where no Chromium is installed.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := chromiumPath()
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
	viewport(t, ctx, width, height)
	return ctx
}

// TestBrowserOverviewLanguage loads the overview in a real browser, in Spanish (the browser's language), and
// switches to English with the link at the top.
func TestBrowserOverviewLanguage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	ctx := newBrowser(t, 390, 844)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(`section[data-connection="acme"]`),
	); err != nil {
		t.Fatal(err)
	}
	lang := must(chromedp.Run(ctx, chromedp.AttributeValue("html", "lang")))(t).Value
	if heading := must(chromedp.Run(ctx, chromedp.Text("h1")))(t); lang != "es" || heading != "Resumen" {
		t.Errorf("a Spanish browser got lang=%q, heading %q", lang, heading)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`a[hreflang="en"]`), chromedp.WaitVisible(`html[lang="en"]`)); err != nil {
		t.Fatal(err)
	}
	heading := must(chromedp.Run(ctx, chromedp.Text("h1")))(t)
	title := must(chromedp.Run(ctx, chromedp.Title()))(t)
	if heading != "Overview" || !strings.Contains(title, "Overview") {
		t.Errorf("after switching to English: heading %q, title %q", heading, title)
	}
	// At 390 px nothing is wider than the screen (the planner reads it on a phone).
	noOverflow(t, ctx, "the overview")
}

// must turns a chromedp result into its value, failing the test on an error:
// must(chromedp.Run(ctx, action))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
