package dashboard

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// overflowJS lists the elements that stick out of the screen sideways without being inside a scroll
// container (an ancestor with overflow-x auto, scroll or hidden), and whether the page itself scrolls
// sideways: on a phone, only a table's own box may scroll.
const overflowJS = `(() => {
  const vw = document.documentElement.clientWidth, bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || (r.right <= vw + 1 && r.left >= -1)) continue;
    let p = el.parentElement, contained = false;
    for (; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { contained = true; break; }
    }
    if (!contained) bad.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '[' + (el.getAttribute('class') || '') + '] ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  if (document.documentElement.scrollWidth > vw) bad.push('page scrollWidth ' + document.documentElement.scrollWidth + ' > ' + vw);
  return bad.slice(0, 12).join('; ');
})()`

// waitLoaded waits until the page's address satisfies cond (a JS expression over location) and the new
// page has loaded: a form's submit or a link's click navigates, and an evaluation that meets the navigation
// fails, so it asks again until the browser's context ends.
func waitLoaded(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	var last error
	for ctx.Err() == nil {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(`+cond+`) && document.readyState === 'complete'`))
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v (last: %v)", cond, ctx.Err(), last)
}

// viewport makes the page exactly width × height CSS pixels (a window alone cannot be narrower than
// Chromium's minimum, about 500 px); a phone's is a mobile one, which honours the page's viewport meta tag.
func viewport(t *testing.T, ctx context.Context, width, height int) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if width < 640 {
		opts = append(opts, chromedp.EmulatePortrait, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), opts...)); err != nil {
		t.Fatal(err)
	}
}

// noOverflow checks a page on the 390 px phone: a mobile browser widens the layout to fit what sticks out
// (so the page must still be 390 px wide), and nothing may stick out but inside a scroll container.
func noOverflow(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if w := must(chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`)))(t); w != 390 {
		t.Errorf("%s lays out %d px wide on a 390 px phone: something is wider than the screen", page, w)
	}
	if bad := must(chromedp.Run(ctx, chromedp.Evaluate[string](overflowJS)))(t); bad != "" {
		t.Errorf("%s at 390 px: wider than the screen outside a scroll container: %s", page, bad)
	}
}

// TestBrowserPlanToSKU is the planner's morning on a phone: the plan, only ALTA (with the page's own
// checkboxes), one SKU searched, and its page with the chart drawn; then, in acme's net plan, the products to
// produce, one with a bill of materials searched, its page with supply and planned bars, and a component's page
// reached through the BoM's link, which links back to it.
func TestBrowserPlanToSKU(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2, MRP: true})
	ctx := newBrowser(t, 390, 844)
	viewport(t, ctx, 390, 844)
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/plan"), chromedp.WaitVisible(`#plan-table`)); err != nil {
		t.Fatal(err)
	}
	noOverflow(t, ctx, "/plan")
	altaCount := must(chromedp.Run(ctx, chromedp.AttributeValue(`#plan-counts a[data-priority="ALTA"]`, "data-count")))(t).Value
	// Filter ALTA with the checkbox and the Apply button.
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-filters input[name="priority"][value="ALTA"]`), chromedp.Click(`#plan-filters button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `location.search.includes('priority=ALTA')`)
	prios := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#plan-table tbody tr')].map(r => r.dataset.priority)`)))(t)
	if n, _ := strconv.Atoi(altaCount); len(prios) == 0 || len(prios) != n {
		t.Fatalf("after filtering ALTA: %d rows, the counts said %s", len(prios), altaCount)
	}
	for _, p := range prios {
		if p != "ALTA" {
			t.Fatalf("a %s row after filtering ALTA", p)
		}
	}
	// Search the last ALTA row's SKU, typed into the search box.
	sku := must(chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#plan-table tbody tr td.key a')].pop().textContent`)))(t)
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#plan-filters input[name="q"]`, strings.ToLower(sku)), chromedp.Click(`#plan-filters button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `new URLSearchParams(location.search).get('q') === `+strconv.Quote(strings.ToLower(sku)))
	skus := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#plan-table tbody tr td.key a')].map(a => a.textContent)`)))(t)
	if len(skus) == 0 {
		t.Fatalf("searching %q found nothing", sku)
	}
	for _, s := range skus {
		if !strings.Contains(strings.ToLower(s), strings.ToLower(sku)) {
			t.Errorf("searching %q shows %q", sku, s)
		}
	}
	if checked := must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#plan-filters input[value="ALTA"]').checked`)))(t); !checked {
		t.Error("the search dropped the ALTA filter")
	}
	noOverflow(t, ctx, "/plan?priority=ALTA&q=...")

	// Its page: the chart has drawn history and forecast points (boxes with a size, on the screen).
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-table tbody tr td.key a`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `location.pathname.startsWith('/sku/')`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#sku-chart svg`)); err != nil {
		t.Fatal(err)
	}
	drawn := func(series string) int {
		return must(chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('#sku-chart svg [data-series="`+series+`"]')]
			.filter(e => { const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0 && b.left >= 0 && b.right <= window.innerWidth }).length`)))(t)
	}
	if h, fc := drawn("history"), drawn("forecast"); h < 2 || fc != 12 {
		t.Errorf("the chart drew %d history and %d forecast points, want history and 12 forecast points", h, fc)
	}
	if drawn("band80") != 1 || drawn("band95") != 1 {
		t.Error("the chart has no drawn bands")
	}
	if h1 := must(chromedp.Run(ctx, chromedp.Text("h1")))(t); !strings.HasPrefix(h1, sku) {
		t.Errorf("the SKU page's heading is %q, want %s first", h1, sku)
	}
	noOverflow(t, ctx, "/sku/"+sku)

	// acme's products to produce, with the action filter; the one with a BoM searched.
	parent, components := simpleBoM(t, f)
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/plan?connection=acme"), chromedp.WaitVisible(`#plan-table`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(`#plan-filters select[name="action"]`, "produce"),
		chromedp.SendKeys(`#plan-filters input[name="q"]`, parent), chromedp.Click(`#plan-filters button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `new URLSearchParams(location.search).get('action') === 'produce'`)
	actions := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#plan-table tbody tr [data-action]')].map(e => e.dataset.action)`)))(t)
	if len(actions) == 0 || slices.ContainsFunc(actions, func(a string) bool { return a != "produce" }) {
		t.Fatalf("acme's plan filtered on produce and %s shows actions %v", parent, actions)
	}
	noOverflow(t, ctx, "/plan?action=produce")
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-table tbody tr td.key a`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `location.pathname === `+strconv.Quote("/sku/"+url.PathEscape(parent)))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#sku-components`)); err != nil {
		t.Fatal(err)
	}
	if drawn("planned") == 0 || drawn("recommended") != 0 {
		t.Errorf("%s's chart drew %d planned and %d recommended bars; want planned ones only", parent, drawn("planned"), drawn("recommended"))
	}
	noOverflow(t, ctx, "/sku/"+parent)
	// The value axis's labels fit in the chart at the phone's larger font (a wide one was cut off on the left).
	if clipped := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const box = document.querySelector('#sku-chart svg').getBoundingClientRect();
		return [...document.querySelectorAll('#sku-chart svg .axis.y text')].filter(e => e.getBoundingClientRect().left < box.left).map(e => e.textContent) })()`)))(t); len(clipped) > 0 {
		t.Errorf("%s's chart cuts off the value labels %v", parent, clipped)
	}
	// Follow the BoM's first component link (tapped where it is on the phone's screen).
	component := must(chromedp.Run(ctx, chromedp.Text(`#sku-components tbody tr td.key a`)))(t)
	if _, ok := components[component]; !ok {
		t.Fatalf("%s's first component is %q, not one of its BoM's %v", parent, component, components)
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(`#sku-components tbody tr td.key a`), chromedp.Click(`#sku-components tbody tr td.key a`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `location.pathname === `+strconv.Quote("/sku/"+url.PathEscape(component)))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#sku-parents`)); err != nil {
		t.Fatal(err)
	}
	back := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#sku-parents tbody tr td.key a')].map(a => a.textContent)`)))(t)
	t.Logf("%s -> component %s -> parents %v", parent, component, back)
	if !slices.Contains(back, parent) {
		t.Errorf("%s's parents %v do not link back to %s", component, back, parent)
	}
	noOverflow(t, ctx, "/sku/"+component)
}

// TestScreenshots writes the docs' screenshots from the demo's data (the generator and options `salesengine
// demo` uses) when SALESENGINE_SCREENSHOTS names a directory (relative: to the repository's root):
//
//	SALESENGINE_SCREENSHOTS=docs/img go test -run Screenshots ./internal/dashboard/
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SALESENGINE_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SALESENGINE_SCREENSHOTS=docs/img to write the docs' screenshots")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // go test runs in internal/dashboard
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureOptions{Demo: true})
	shot := func(name string, width, height int, path string, full bool, ready string) {
		ctx := newBrowser(t, width, height)
		viewport(t, ctx, width, height)
		if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+path), chromedp.WaitVisible(ready)); err != nil {
			t.Fatal(err)
		}
		var png []byte
		if full {
			png = must(chromedp.Run(ctx, chromedp.FullScreenshot(100)))(t)
		} else {
			png = must(chromedp.Run(ctx, chromedp.CaptureScreenshot()))(t)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", filepath.Join(dir, name), len(png))
	}
	shot("dashboard-plan.png", 1280, 900, "/plan", false, "#plan-table")
	shot("dashboard-plan-phone.png", 390, 844, "/plan?priority=ALTA", false, "#plan-table")
	// The SKU page of the plan's first row (ALTA, the most to produce).
	_, body := get(t, f.client(t), f.srv.URL, "/plan")
	i := strings.Index(body, `<td class="key"`)
	if i < 0 {
		t.Fatal("the demo's plan has no rows")
	}
	href := body[i:]
	href = href[strings.Index(href, `href="`)+6:]
	href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
	shot("dashboard-sku.png", 1280, 900, href, true, "#sku-chart svg")
	shot("dashboard-sku-phone.png", 390, 844, href, false, "#sku-chart svg")
}
