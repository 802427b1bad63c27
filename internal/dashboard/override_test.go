package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// TestEveryOverrideErrorExplained: each reason the engine refuses an override has a message in both languages.
func TestEveryOverrideErrorExplained(t *testing.T) {
	t.Parallel()
	for _, code := range engine.OverrideErrCodes {
		if v, ok := catalog["override.err."+code]; !ok || v[0] == "" || v[1] == "" {
			t.Errorf("override error %s: no message in both languages", code)
		}
	}
}

// TestSKUOverride: the SKU page shows the statistical forecast of every month an override may be set for; its
// form sets an override (recorded as the dashboard's, CSRF-protected), which this month's stored plan uses at
// once and the page shows with its history; a clear brings the statistical forecast back; bad input is said in
// the page's language and stores nothing.
func TestSKUOverride(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	c := f.client(t)
	acme := f.conns[0]
	st := forecastSKU(f)
	if st == nil {
		t.Fatal("no forecast SKU")
	}
	sku, cur := st.SKU, plan.MonthOf(f.now)
	path := skuHref(sku, acme.Name)
	action := "/sku/" + url.PathEscape(sku) + "/override"
	planRow := func() *store.ProductionRow {
		t.Helper()
		rows, err := f.store.ProductionList(ctx, &store.ProductionListParams{ConnectionID: acme.ID, Year: cur.Year, Month: int(cur.Month), SKU: sku})
		if err != nil || len(rows) != 1 {
			t.Fatalf("plan rows of %s: %d, %v", sku, len(rows), err)
		}
		return rows[0]
	}
	history := func() []*store.ForecastOverride {
		t.Helper()
		h, err := f.store.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: acme.ID, History: true})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	fc, err := f.store.ForecastList(ctx, &store.ForecastListParams{ConnectionID: acme.ID, SKU: sku, From: cur.First(), To: cur.First()})
	if err != nil || len(fc) != 1 {
		t.Fatalf("forecast of %s this month: %v %v", sku, fc, err)
	}
	stat := fc[0].Quantity
	before := planRow()

	_, body := get(t, c, f.srv.URL, path, "Accept-Language", "en")
	if !strings.Contains(body, `id="sku-overrides"`) || strings.Count(body, `data-override-month="`) != 12 ||
		!strings.Contains(body, "This SKU&#39;s forecast was never overridden.") {
		t.Fatalf("the overrides section is missing or wrong:\n%s", body)
	}
	if strings.Contains(body, `data-series="override"`) {
		t.Error("the chart marks an override before any was set")
	}
	if got := cell(t, body, "data-override-month", cur.String(), "ovr-statistical"); got != testLocale("en").Num(stat, 1) {
		t.Errorf("statistical forecast shown %q, stored %g", got, stat)
	}
	csrf := csrfOf(t, body)
	form := func(vals ...string) url.Values {
		v := url.Values{"csrf": {csrf}, "connection": {acme.Name}, "action": {"set"}}
		for i := 0; i+1 < len(vals); i += 2 {
			v.Set(vals[i], vals[i+1])
		}
		return v
	}

	// Refused before anything: no token, a wrong one, another site.
	for name, v := range map[string]url.Values{"no token": {"connection": {acme.Name}, "month": {cur.String()}, "quantity": {"9"}, "note": {"x"}},
		"wrong token": form("csrf", wrongCSRF(csrf), "month", cur.String(), "quantity", "9", "note", "x")} {
		if resp, _ := post(t, c, f.srv.URL, action, v); resp.StatusCode != http.StatusForbidden {
			t.Errorf("override with %s = %d, want 403", name, resp.StatusCode)
		}
	}
	if resp, _ := post(t, c, f.srv.URL, action, form("month", cur.String(), "quantity", "9", "note", "x"), "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site override = %d, want 403", resp.StatusCode)
	}
	if h := history(); len(h) != 0 {
		t.Fatalf("a refused POST stored %d changes", len(h))
	}

	// Set: stored as the dashboard's, this month's plan made again with it.
	q := stat*2 + 40
	qs := testLocale("en").Num(q, 1)
	resp, _ := post(t, c, f.srv.URL, action, form("month", cur.String(), "quantity", strings.ReplaceAll(qs, ",", ""), "note", "Obra Norte pidió 2 camiones"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"#overrides" {
		t.Fatalf("override = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	h := history()
	if len(h) != 1 || h[0].CreatedBy != "dashboard" || h[0].Source != store.OverrideSourceDashboard || h[0].Note != "Obra Norte pidió 2 camiones" ||
		plan.MonthOf(h[0].Date) != cur {
		t.Fatalf("stored: %+v", h)
	}
	q = *h[0].Quantity
	after := planRow()
	if after.ForecastQuantity != q || !strings.Contains(after.Flags, plan.FlagOverride) || after.Recommended <= before.Recommended {
		t.Errorf("plan row after the override %g: %+v; before %+v", q, after, before)
	}
	_, body = get(t, c, f.srv.URL, path, "Accept-Language", "en")
	if !strings.Contains(body, "Override saved; this month&#39;s plan already uses it.") {
		t.Error("the page does not report the override")
	}
	if got := cell(t, body, "data-override-month", cur.String(), "ovr-override"); got != "<strong>"+testLocale("en").Num(q, 1)+"</strong>" {
		t.Errorf("override shown %q, stored %g", got, q)
	}
	if !strings.Contains(body, `id="override-history"`) || !strings.Contains(body, "Obra Norte pidió 2 camiones") {
		t.Error("the history does not show the change")
	}
	// The chart marks it: a triangle at the override, its title naming the statistical forecast, who and why.
	if n := strings.Count(body, `data-series="override"`); n != 1 || !strings.Contains(body, `data-series="override" data-month="`+cur.String()+`"`) ||
		!strings.Contains(body, cur.String()+" · override: "+testLocale("en").Num(q, 1)+" (statistical forecast "+testLocale("en").Num(stat, 1)+"), by dashboard: Obra Norte") {
		t.Errorf("the chart marks %d overrides, want the one of %s with its title", n, cur)
	}
	// The page's plan table shows the override as the month's forecast, flagged.
	if !strings.Contains(body, "override") || !strings.Contains(body, testLocale("en").Num(q, 1)) {
		t.Error("the plan table does not show the override")
	}

	// Bad input: said in the page's language, nothing stored. A decimal comma is a number.
	for _, tc := range []struct {
		form url.Values
		es   string
	}{
		{form("month", cur.String(), "quantity", "mucho", "note", "x"), "La demanda debe ser un número de 0 a 1e12."},
		{form("month", cur.String(), "quantity", "-1", "note", "x"), "La demanda debe ser un número de 0 a 1e12."},
		{form("month", cur.String(), "quantity", "5", "note", "  "), "Escriba el motivo de la corrección."},
		{form("month", cur.Add(-1).String(), "quantity", "5", "note", "x"), "Ese mes ya pasó"},
		{form("month", cur.Add(12).String(), "quantity", "5", "note", "x"), "fuera del horizonte"},
		{form("month", "enero", "quantity", "5", "note", "x"), "El mes no es válido"},
		{form("month", cur.Add(1).String(), "action", "clear"), "Ese mes no tiene corrección que quitar."},
		{form("month", cur.String(), "quantity", "5", "note", "x", "connection", "nope"), "No existe esa conexión."},
	} {
		resp, _ := post(t, c, f.srv.URL, action, tc.form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%v: %d", tc.form, resp.StatusCode)
			continue
		}
		back := resp.Header.Get("Location")
		if _, body := get(t, c, f.srv.URL, back, "Accept-Language", "es"); !strings.Contains(body, tc.es) {
			t.Errorf("%v: the page does not say %q", tc.form, tc.es)
		}
	}
	if h := history(); len(h) != 1 {
		t.Errorf("bad input stored changes: %d", len(h))
	}
	post(t, c, f.srv.URL, action, form("month", cur.Add(1).String(), "quantity", "12,5", "note", "coma decimal"))
	if h := history(); len(h) != 2 || *h[1].Quantity != 12.5 {
		t.Errorf("a decimal comma: %+v", h[len(h)-1])
	}

	// Who: a name given is recorded (the source stays dashboard) and fills the form next time, the clear buttons
	// included; one too long or of two lines is refused in the page's language.
	post(t, c, f.srv.URL, action, form("month", cur.Add(2).String(), "quantity", "7", "note", "con nombre", "by", "  Ana Pérez "))
	if h := history(); len(h) != 3 || h[2].CreatedBy != "Ana Pérez" || h[2].Source != store.OverrideSourceDashboard {
		t.Errorf("a named change: %+v", h[len(h)-1])
	}
	_, body = get(t, c, f.srv.URL, path, "Accept-Language", "es")
	if n := strings.Count(body, `name="by" value="Ana Pérez"`); n < 2 {
		t.Errorf("the name fills %d of the form and clear buttons, want the form and every clear button", n)
	}
	for _, bad := range []string{strings.Repeat("x", 101), "Ana\nPérez"} {
		resp, _ := post(t, c, f.srv.URL, action, form("month", cur.Add(3).String(), "quantity", "1", "note", "x", "by", bad))
		if _, body := get(t, c, f.srv.URL, resp.Header.Get("Location"), "Accept-Language", "es"); !strings.Contains(body, "debe ser una línea de 100 caracteres como máximo") {
			t.Errorf("by %q: the page does not say why", bad)
		}
	}
	if h := history(); len(h) != 3 {
		t.Errorf("bad names stored changes: %d", len(h))
	}

	// Clear: the statistical forecast again.
	post(t, c, f.srv.URL, action, form("month", cur.String(), "action", "clear"))
	if got := planRow(); got.ForecastQuantity != stat || strings.Contains(got.Flags, plan.FlagOverride) {
		t.Errorf("plan row after the clear: %+v, statistical %g", got, stat)
	}
	_, body = get(t, c, f.srv.URL, path, "Accept-Language", "es")
	if !strings.Contains(body, "Corrección quitada") || strings.Count(body, "quitada") < 2 {
		t.Error("the page does not report the clear, or the history does not show it")
	}
}
