package dashboard

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/salesengine/salesengine/internal/accuracy"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/forecast"
)

// pastRuns forecasts the fixture's first connection once in each of the months months before its now (on the
// same day of the month), then again now, so that completed months have lag-1 to lag-6 forecasts.
func pastRuns(t *testing.T, f *fixture, months int) {
	t.Helper()
	now := f.now
	defer func() { f.now = now }()
	for i := months; i >= 0; i-- {
		f.now = now.AddDate(0, -i, 0)
		if _, err := f.eng.ForecastAndPlan(context.Background(), f.conns[0]); err != nil {
			t.Fatal(err)
		}
	}
}

var fieldRE = regexp.MustCompile(`data-key="([^"]*)"[\s\S]*?data-field="mae">([^<]*)<`)

// TestAccuracyPage: the page shows, per demand class, the figures the engine's report gives for the lag asked,
// in both languages; it says what to do while no month has a past forecast, and refuses a bad lag.
func TestAccuracyPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	c := f.client(t)

	// The fixture forecast once, this month: no completed month has a past forecast yet.
	resp, body := get(t, c, f.srv.URL, "/accuracy", "Accept-Language", "en")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="accuracy-empty"`) ||
		!strings.Contains(html.UnescapeString(body), "No completed month has a lag-1 forecast yet") {
		t.Fatalf("before any completed month: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `href="/accuracy" aria-current="page"`) {
		t.Error("the navigation does not mark the accuracy page")
	}

	pastRuns(t, f, 7)
	for _, lag := range []int{1, 3} {
		rep, err := f.eng.AccuracyAll(context.Background(), lag)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Points) == 0 {
			t.Fatalf("lag %d: no points after seven monthly runs", lag)
		}
		path := "/accuracy?by=class&lag=" + itoa(int64(lag))
		resp, body := get(t, c, f.srv.URL, path, "Accept-Language", "en")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-lag="`+itoa(int64(lag))+`"`) {
			t.Fatalf("GET %s = %d\n%s", path, resp.StatusCode, body)
		}
		// Every class's MAE, and the total's, as the report computes them.
		l := newLocaleFor(t, "en")
		want := map[string]string{"": l.Num(accuracy.Measure(rep.Points).MAE, 2)}
		for _, g := range accuracy.GroupBy(rep.Points, accuracy.ByClass) {
			want[g.Key] = l.Num(g.MAE, 2)
		}
		got := map[string]string{}
		for _, m := range fieldRE.FindAllStringSubmatch(body, -1) {
			got[m[1]] = m[2]
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("lag %d, class %q: MAE shown %q, the report's %q", lag, k, got[k], v)
			}
		}
	}
	_, es := get(t, c, f.srv.URL, "/accuracy?by=method", "Accept-Language", "es")
	if !strings.Contains(es, "Desfase") || !strings.Contains(es, "Valor añadido") || !strings.Contains(es, `data-by="method"`) {
		t.Errorf("the Spanish page by method:\n%s", es)
	}
	if resp, body := get(t, c, f.srv.URL, "/accuracy?lag=soon", "Accept-Language", "en"); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(html.UnescapeString(body), "Invalid lag “soon”") {
		t.Errorf("a bad lag: %d\n%s", resp.StatusCode, body)
	}
}

// TestSKUPagePastForecasts: the SKU page draws each completed month's past forecast on the chart and lists it
// beside what was sold, with the SKU's figures per lag.
func TestSKUPagePastForecasts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	c := f.client(t)
	pastRuns(t, f, 4)
	st := forecastSKU(f)
	if st == nil {
		t.Fatal("no forecast SKU")
	}
	acc, err := f.eng.SKUAccuracy(context.Background(), f.conns[0], st.SKU)
	if err != nil || len(acc.Past) == 0 {
		t.Fatalf("SKU accuracy: %+v, %v", acc, err)
	}
	resp, body := get(t, c, f.srv.URL, skuHref(st.SKU, "acme"), "Accept-Language", "en")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d", resp.StatusCode)
	}
	if n := seriesCount(body)["past"]; n != len(acc.Past) {
		t.Errorf("past forecasts on the chart: %d, want %d", n, len(acc.Past))
	}
	// Each row's actual is the SKU's demand that month, read from the stored sales.
	hist, err := f.eng.SKUView(context.Background(), st.SKU, "acme")
	if err != nil {
		t.Fatal(err)
	}
	demand := map[string]float64{}
	for _, h := range hist.History {
		demand[h.Month.String()] = h.Quantity
	}
	l := newLocaleFor(t, "en")
	for _, p := range acc.Past {
		m := p.Month.String()
		row := regexp.MustCompile(`<tr data-month="` + m + `">[\s\S]*?data-field="forecast">([^<]*)<[\s\S]*?data-field="actual">([^<]*)<`).FindStringSubmatch(body)
		if row == nil || row[1] != l.Num(p.Forecast, 1) || row[2] != l.Num(demand[m], 1) {
			t.Errorf("%s: row %v; want forecast %s and actual %s", m, row, l.Num(p.Forecast, 1), l.Num(demand[m], 1))
		}
	}
	if !strings.Contains(body, `id="sku-accuracy-lags"`) || !strings.Contains(body, `<tr data-lag="1">`) {
		t.Error("no figures per lag on the SKU page")
	}
	// A month of the chart's past series is a completed one.
	if p := acc.Past[len(acc.Past)-1]; p.Month >= forecast.MonthOf(f.now) {
		t.Errorf("the last past forecast is of %s, not before %s", p.Month, forecast.MonthOf(f.now))
	}
}

// TestBrowserAccuracyOnPhone loads the accuracy page in a real browser at 390 px: the lag selector changes the
// table, and nothing is wider than the screen.
func TestBrowserAccuracyOnPhone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	pastRuns(t, f, 7)
	ctx := newBrowser(t, 390, 844)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/accuracy"),
		chromedp.WaitVisible(`#accuracy-table`),
		chromedp.SetValue(`select[name="lag"]`, "3"),
		chromedp.Click(`#accuracy-filters button`),
		chromedp.WaitVisible(`#accuracy-table[data-lag="3"]`),
	); err != nil {
		t.Fatal(err)
	}
	rows := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#accuracy-table tbody tr').length`)))(t)
	if rows < 2 {
		t.Errorf("lag 3: %d rows, want a class and the total", rows)
	}
	noOverflow(t, ctx, "the accuracy page")
}

// newLocaleFor is the page locale of a language, to format numbers as the pages do.
func newLocaleFor(t *testing.T, lang string) *locale {
	t.Helper()
	d, err := New(Options{Source: (*engine.Engine)(nil)})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Language", lang)
	return d.locale(r)
}
