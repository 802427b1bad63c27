package dashboard

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// planSKUPath is the page of a SKU of the fixture's first connection that was forecast with a backtest.
func planSKUPath(f *fixture) string {
	st := forecastSKU(f)
	if st == nil {
		return "/sku/none"
	}
	return skuHref(st.SKU, f.conns[0].Name)
}

// forecastSKU is a forecast statistic of the first connection with a backtest and a runner-up (nil: none).
func forecastSKU(f *fixture) *store.ForecastStat {
	stats, err := f.store.ForecastStatList(context.Background(), f.conns[0].ID)
	if err != nil {
		return nil
	}
	for _, st := range stats {
		if st.RunnerUp != "" && st.BacktestRMSSE != nil && st.Origins > 0 {
			return st
		}
	}
	return nil
}

var seriesRE = regexp.MustCompile(`data-series="([a-z0-9]+)"`)

// seriesCount counts the chart's marks by data-series.
func seriesCount(body string) map[string]int {
	n := map[string]int{}
	for _, m := range seriesRE.FindAllStringSubmatch(body, -1) {
		n[m[1]]++
	}
	return n
}

// demandMonths counts the months from a SKU's first sale to the month before the fixture's now: the months of
// history the forecaster builds (the current month is excluded by default), computed here from the raw lines.
func demandMonths(t *testing.T, f *fixture, conn int64, sku string) int {
	t.Helper()
	demand, err := f.store.DemandList(context.Background(), conn, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var first *plan.Month
	for _, d := range demand {
		if d.SKU != sku || d.DateOrder.After(f.now) {
			continue
		}
		if m := plan.MonthOf(d.DateOrder.UTC()); first == nil || m.Before(*first) {
			first = &m
		}
	}
	if first == nil {
		return 0
	}
	return plan.MonthOf(f.now).Sub(*first)
}

// skuFixture is two connections, a client, and a SKU of the first forecast with a backtest and a runner-up.
func skuFixture(t *testing.T) (*fixture, *http.Client, *store.ForecastStat) {
	t.Helper()
	f := newFixture(t, fixtureOptions{Tenants: 2})
	st := forecastSKU(f)
	if st == nil {
		t.Fatal("the fixture has no SKU forecast with a backtest and a runner-up")
	}
	return f, f.client(t), st
}

func TestSKUPage(t *testing.T) {
	t.Parallel()
	f, c, st := skuFixture(t)
	ctx := context.Background()
	acme := f.conns[0].ID
	resp, body := get(t, c, f.srv.URL, skuHref(st.SKU, "acme"), "Accept-Language", "es")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", skuHref(st.SKU, "acme"), resp.StatusCode, body)
	}
	text := html.UnescapeString(body)
	n := seriesCount(body)
	months := demandMonths(t, f, acme, st.SKU)
	if months == 0 || n["history"] != months || n["history"] != st.HistoryMonths {
		t.Errorf("history points: %d; the SKU's stored demand spans %d months (forecast_stats says %d)", n["history"], months, st.HistoryMonths)
	}
	fc, err := f.store.ForecastList(ctx, &store.ForecastListParams{ConnectionID: acme, SKU: st.SKU})
	if err != nil {
		t.Fatal(err)
	}
	if len(fc) != 12 || n["forecast"] != 12 {
		t.Errorf("forecast points: %d, stored forecast months %d, want 12", n["forecast"], len(fc))
	}
	if n["band80"] != 1 || n["band95"] != 1 || n["inventory"] != 1 || n["backlog"] != 1 {
		t.Errorf("bands and reference lines: %v", n)
	}
	rows, err := f.store.ProductionList(ctx, &store.ProductionListParams{ConnectionID: acme, SKU: st.SKU})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || n["recommended"] != len(rows) || strings.Count(body, `<tr data-month="`) != len(rows) {
		t.Errorf("recommended bars %d, plan rows shown %d, stored %d", n["recommended"], strings.Count(body, `<tr data-month="`), len(rows))
	}
	// The method, its error, the runner-up and its error, the class.
	es := testLocale("es")
	for _, want := range []string{"Método elegido", st.Method, "error de backtest (RMSSE) " + es.Num(*st.BacktestRMSSE, 3),
		"Segundo mejor", st.RunnerUp, "error de backtest (RMSSE) " + es.Num(*st.RunnerUpRMSSE, 3), "Clase de demanda", st.Class} {
		if !strings.Contains(text, want) {
			t.Errorf("the SKU page lacks %q", want)
		}
	}
	// A runner-up with a lower error than the chosen method's is explained (the class default's margin).
	if kept := strings.Contains(body, `data-field="kept-default"`); kept != (*st.RunnerUpRMSSE < *st.BacktestRMSSE) {
		t.Errorf("runner-up RMSSE %v, chosen %v: the kept-default note shown = %v", *st.RunnerUpRMSSE, *st.BacktestRMSSE, kept)
	}
	// Each point has a title for hover, with the month and the value in the page's language.
	fcTitle := "2026-01 · pronóstico " + es.Num(fc[0].Quantity, 1)
	if !strings.Contains(text, fcTitle) || !strings.Contains(text, "95 %: "+es.Num(fc[0].Lower95, 1)+"–"+es.Num(fc[0].Upper95, 1)) {
		t.Errorf("the first forecast point's title should say %q and its 95%% interval", fcTitle)
	}
	if !strings.Contains(body, `viewBox="0 0 640 340"`) {
		t.Error("the chart has no viewBox")
	}
	// The newest order lines, newest first.
	lines, err := f.store.ItemListBySKU(ctx, acme, st.SKU, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := min(len(lines), 20)
	if got := strings.Count(body, `<tr data-line="`); got != want || !strings.Contains(body, `<tr data-line="`+itoa(lines[0].LineID)+`"`) {
		t.Errorf("order lines shown: %d, want %d starting with line %d", got, want, lines[0].LineID)
	}
	// English.
	_, en := get(t, c, f.srv.URL, skuHref(st.SKU, "acme"), "Accept-Language", "en")
	if !strings.Contains(en, "Runner-up") || !strings.Contains(en, "Method chosen") || !strings.Contains(en, "Latest orders") {
		t.Error("the English SKU page lacks its labels")
	}
	// The class is named once: the code beside the name only where the language names it otherwise.
	classOf := func(page string) string {
		_, rest, _ := strings.Cut(page, `data-field="class">`)
		v, _, _ := strings.Cut(rest, "</dd>")
		return v
	}
	if got, want := classOf(en), "<code>"+st.Class+"</code>"; got == "" || (st.Class != "short" && strings.Contains(got, want)) {
		t.Errorf("English class cell %q repeats the class code %s", got, st.Class)
	}
	if got := classOf(body); st.Class == "smooth" && !strings.Contains(got, "<code>smooth</code>") {
		t.Errorf("Spanish class cell %q lacks the class code", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestSKUChooserAndNotFound: a SKU in several connections asks which; an unknown one is a 404 that says so.
func TestSKUChooserAndNotFound(t *testing.T) {
	t.Parallel()
	f, c, st := skuFixture(t)
	ctx := context.Background()
	// globex gets a product with acme's SKU, and acme one whose code has a slash and a space.
	now := f.now
	if _, err := f.store.ProductUpsertMany(ctx, []*store.Product{
		{ConnectionID: f.conns[1].ID, ProductID: 99901, SKU: st.SKU, Name: "Mismo código", Type: "consu", Active: true, SyncedAt: now},
		{ConnectionID: f.conns[0].ID, ProductID: 99902, SKU: "A/B 1?", Name: "Con barra", Type: "consu", Active: true, SyncedAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	// As a sync stores it: the product's stock with it.
	if _, err := f.store.InventoryUpsertMany(ctx, []*store.Inventory{{ConnectionID: f.conns[0].ID, ProductID: 99902, SKU: "A/B 1?",
		Name: "Con barra", Type: "consu", Active: true, QtyAvailable: 4, SyncedAt: now}}); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, c, f.srv.URL, skuHref(st.SKU, ""))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="sku-choose"`) ||
		!strings.Contains(body, `href="`+skuHref(st.SKU, "acme")+`"`) || !strings.Contains(body, `href="`+skuHref(st.SKU, "globex")+`"`) ||
		strings.Contains(body, "<svg") {
		t.Errorf("an ambiguous SKU: %d, want a chooser with both connections and no chart\n%s", resp.StatusCode, body)
	}
	// globex's page of it: nothing sold there, so nothing to draw, but the page is there, and says acme has it too.
	resp, body = get(t, c, f.srv.URL, skuHref(st.SKU, "globex"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No hay historia, pronóstico ni plan que dibujar.") ||
		!strings.Contains(body, "Este SKU no tiene pronóstico guardado.") || !strings.Contains(body, `href="`+skuHref(st.SKU, "acme")+`"`) {
		t.Errorf("globex's page of %s: %d", st.SKU, resp.StatusCode)
	}
	resp, body = get(t, c, f.srv.URL, skuHref("A/B 1?", ""))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>A/B 1? · Con barra</h1>") {
		t.Errorf("a SKU with a slash: %d\n%s", resp.StatusCode, body)
	}
	resp, body = get(t, c, f.srv.URL, "/sku/NO-SUCH-SKU")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No hay ningún SKU «NO-SUCH-SKU» en ninguna conexión.") {
		t.Errorf("an unknown SKU: %d", resp.StatusCode)
	}
	resp, body = get(t, c, f.srv.URL, "/sku/NO-SUCH-SKU", "Accept-Language", "en")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no SKU “NO-SUCH-SKU” in any connection.") {
		t.Errorf("an unknown SKU in English: %d", resp.StatusCode)
	}
	resp, body = get(t, c, f.srv.URL, skuHref("A/B 1?", "globex"))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "La conexión «globex» no tiene el SKU «A/B 1?».") ||
		!strings.Contains(body, `href="`+skuHref("A/B 1?", "acme")+`"`) {
		t.Errorf("a SKU asked of a connection without it: %d, want 404 and a link to acme's\n%s", resp.StatusCode, body)
	}
}

// TestSKUPageOutlierMarks: a month the forecast cleaned as an outlier is marked on the chart with the value the
// forecast used, in Spanish and English, with a legend entry; a SKU without one has neither.
func TestSKUPageOutlierMarks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	c := f.client(t)
	ctx := context.Background()
	conn := f.conns[0]
	// One abnormal order: 50 times the largest line of the busiest SKU, half-way through its history.
	ids, err := f.store.ItemIDList(ctx, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	items, err := f.store.ItemGetMany(ctx, conn.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	// Among the SKUs still sold: an archived product is dead whatever its history (and not cleaned).
	live := map[string]bool{}
	before, err := f.store.ForecastStatList(ctx, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range before {
		live[s.SKU] = s.Class == "smooth" || s.Class == "erratic"
	}
	bySKU := map[string][]*store.Item{}
	busiest := ""
	for _, it := range items {
		if it.DateOrder != nil && it.OrderState == "sale" && live[it.SKU] {
			bySKU[it.SKU] = append(bySKU[it.SKU], it)
			if len(bySKU[it.SKU]) > len(bySKU[busiest]) {
				busiest = it.SKU
			}
		}
	}
	lines := bySKU[busiest]
	slices.SortFunc(lines, func(a, b *store.Item) int { return a.DateOrder.Compare(*b.DateOrder) })
	extra := *lines[len(lines)/2]
	extra.LineID, extra.Quantity = slices.Max(ids)+1, 0
	for _, it := range lines {
		extra.Quantity = max(extra.Quantity, 50*it.Quantity)
	}
	if _, err := f.store.ItemUpsertMany(ctx, []*store.Item{&extra}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.ForecastAndPlan(ctx, conn); err != nil {
		t.Fatal(err)
	}
	st, err := f.store.ForecastStatGet(ctx, conn.ID, busiest)
	if err != nil {
		t.Fatal(err)
	}
	month := plan.MonthOf(extra.DateOrder.UTC())
	var abnormal *store.CleanedMonth
	for i, o := range st.Outliers {
		if plan.MonthOf(o.Month) == month {
			abnormal = &st.Outliers[i]
		}
	}
	if abnormal == nil {
		t.Fatalf("the abnormal order of %s in %s was not cleaned: %+v (class %s, method %s)", busiest, month, st.Outliers, st.Class, st.Method)
	}

	_, body := get(t, c, f.srv.URL, skuHref(busiest, conn.Name), "Accept-Language", "es")
	text := html.UnescapeString(body)
	if n := seriesCount(body)["cleaned"]; n != len(st.Outliers) {
		t.Errorf("%d cleaned marks, forecast_stats has %d outlier months", n, len(st.Outliers))
	}
	es := testLocale("es")
	if want := month.String() + " · mes atípico: demanda " + es.Num(abnormal.Raw, 1) + "; el pronóstico usó " + es.Num(abnormal.Cleaned, 1); !strings.Contains(text, want) {
		t.Errorf("the cleaned mark's title should say %q", want)
	}
	if !strings.Contains(body, `data-series="cleaned" data-month="`+month.String()+`"`) || !strings.Contains(text, "Mes atípico: valor que usó el pronóstico") {
		t.Error("the Spanish page lacks the mark of the abnormal month or its legend")
	}
	_, en := get(t, c, f.srv.URL, skuHref(busiest, conn.Name), "Accept-Language", "en")
	if !strings.Contains(en, "Outlier month: value the forecast used") || !strings.Contains(html.UnescapeString(en), "outlier month: demand") {
		t.Error("the English page lacks the cleaned mark's title or legend")
	}

	// A SKU with no cleaned month: no mark, no legend entry.
	stats, err := f.store.ForecastStatList(ctx, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if len(s.Outliers) == 0 && s.Class != "dead" {
			_, body := get(t, c, f.srv.URL, skuHref(s.SKU, conn.Name), "Accept-Language", "es")
			if seriesCount(body)["cleaned"] != 0 || strings.Contains(body, "swatch s-cleaned") {
				t.Errorf("%s has no outlier months but its chart marks some", s.SKU)
			}
			return
		}
	}
	t.Error("every SKU had an outlier month: nothing to compare")
}

// TestSKUPageStockouts: the SKU page lists the stock-out months forecast_stats holds and those censored, in
// Spanish and English, and says when there are none.
func TestSKUPageStockouts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	c := f.client(t)
	stats, err := f.store.ForecastStatList(context.Background(), f.conns[0].ID)
	if err != nil || len(stats) < 2 {
		t.Fatalf("stats: %d, %v", len(stats), err)
	}
	out, other := stats[0].SKU, stats[1].SKU
	// a forecast made with a stock history that found two months out of stock, one of them censored
	if _, err := f.store.DB().ExecContext(context.Background(), `UPDATE forecast_stats SET stockout_months = '2025-09,2025-10',
		censored_months = '2025-10' WHERE connection_id = ? AND sku = ?`, f.conns[0].ID, out); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"es": {"Meses sin existencias", "2025-09, 2025-10", "demanda tratada como desconocida e imputada: 2025-10"},
		"en": {"Stock-out months", "2025-09, 2025-10", "demand treated as unknown and imputed: 2025-10"},
	} {
		resp, body := get(t, c, f.srv.URL, skuHref(out, "acme"), "Accept-Language", lang)
		text := html.UnescapeString(body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-field="stockouts"`) {
			t.Fatalf("%s: GET %s = %d", lang, skuHref(out, "acme"), resp.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the SKU page lacks %q", lang, w)
			}
		}
	}
	_, body := get(t, c, f.srv.URL, skuHref(other, "acme"), "Accept-Language", "en")
	if !strings.Contains(html.UnescapeString(body), "none (or no stock history)") {
		t.Errorf("a SKU without stock-outs does not say so")
	}
}
