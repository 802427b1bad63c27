package dashboard

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/salesengine/salesengine/internal/browsertest"
)

// newBrowser starts a headless Chromium for one test (browsertest.New); the test skips where there is none.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	ctx := browsertest.New(t, width, height)
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
	check := browsertest.Must(v, err)
	return func(t *testing.T) T { t.Helper(); return check(t) }
}
