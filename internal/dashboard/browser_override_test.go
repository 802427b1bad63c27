package dashboard

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/salesengine/salesengine/internal/plan"
)

// TestBrowserSKUOverride: on a 390 px phone, the planner sets an override of this month with the SKU page's
// own form; the page comes back saying so, shows the override next to the statistical forecast, and its plan
// table shows the month's forecast and the quantity to produce changed. Nothing sticks out of the screen.
func TestBrowserSKUOverride(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	st := forecastSKU(f)
	if st == nil {
		t.Fatal("no forecast SKU")
	}
	cur := plan.MonthOf(f.now).String()
	ctx := newBrowser(t, 390, 844)
	viewport(t, ctx, 390, 844)
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+skuHref(st.SKU, f.conns[0].Name)), chromedp.WaitVisible(`#override-form`)); err != nil {
		t.Fatal(err)
	}
	noOverflow(t, ctx, "/sku/"+st.SKU)
	planCell := func(col int) string {
		return must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#sku-plan tr[data-month="`+cur+`"]').children[`+
			strconv.Itoa(col)+`].textContent.trim()`)))(t)
	}
	forecastBefore, recommendedBefore := planCell(2), planCell(7)

	// The form: this month (the first option), a quantity far above the forecast, a reason; then submit.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#override-form select[name="month"]`, cur),
		chromedp.SendKeys(`#override-form input[name="quantity"]`, "4321"),
		chromedp.SendKeys(`#override-form input[name="note"]`, "Pedido anunciado por Obra Norte"),
		chromedp.Click(`#override-form button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, `location.hash === '#overrides' && !!document.querySelector('.notice.ok')`)
	if notice := must(chromedp.Run(ctx, chromedp.Text(`.notice.ok`)))(t); !strings.Contains(notice, "Corrección guardada") {
		t.Errorf("the notice says %q", notice)
	}
	es := testLocale("es")
	override := must(chromedp.Run(ctx, chromedp.Text(`#sku-overrides tr[data-override-month="`+cur+`"] .ovr-override`)))(t)
	if override != es.Num(4321, 1) {
		t.Errorf("the override shown is %q, want %s", override, es.Num(4321, 1))
	}
	if got := planCell(2); got != es.Num(4321, 1) || got == forecastBefore {
		t.Errorf("the plan's forecast of %s is %q (was %q), want the override %s", cur, got, forecastBefore, es.Num(4321, 1))
	}
	if got := planCell(7); got == recommendedBefore {
		t.Errorf("the quantity to produce did not change: %q", got)
	}
	if flags := planCell(10); !strings.Contains(flags, "pronóstico corregido") {
		t.Errorf("the plan row's flags are %q, want the override's", flags)
	}
	noOverflow(t, ctx, "/sku/"+st.SKU+" after the override")
}
