package dashboard

import (
	"fmt"
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

// planRowHTML returns the HTML of the plan page's row with the key, "" when absent.
func planRowHTML(body, key string) string {
	start := strings.Index(body, `<tr data-key="`+html.EscapeString(key)+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</tr>")
	return body[start : start+end]
}

// TestPlanNet: acme's Odoo makes and buys (a net plan), globex's only sells. The plan page shows the net plan's
// columns with the stored figures, filters by action and late release (alone, together, with the other filters,
// in the CSV too), refuses bad values in both languages, and shows none of it for globex alone.
func TestPlanNet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2, MRP: true})
	c := f.client(t)
	jan := plan.Month{Year: 2026, Month: 1}
	stored := storedPlan(t, f, jan, jan)
	names := map[int64]string{f.conns[0].ID: "acme", f.conns[1].ID: "globex"}
	key := func(r *store.ProductionRow) string {
		return fmt.Sprintf("%s|%s|%04d-%02d", names[r.ConnectionID], r.SKU, r.Year, r.Month)
	}
	late := func(r *store.ProductionRow) bool {
		return slices.Contains(strings.Split(r.Flags, ","), plan.FlagLateRelease)
	}
	var produce, buy, lateN, sales int
	for _, r := range stored {
		switch {
		case names[r.ConnectionID] == "globex":
			sales++
			if r.Action != "" || r.ReleaseDate != nil {
				t.Errorf("globex (sales only) stored a net row: %+v", r)
			}
		case r.Action == plan.ActionProduce:
			produce++
		case r.Action == plan.ActionBuy:
			buy++
		}
		if late(r) {
			lateN++
		}
	}
	t.Logf("stored: %d rows, %d produce, %d buy, %d late, %d of globex", len(stored), produce, buy, lateN, sales)
	if produce == 0 || buy == 0 || lateN == 0 || sales == 0 {
		t.Fatalf("the fixture's plan has %d rows to produce, %d to buy, %d late, %d of globex: nothing to filter", produce, buy, lateN, sales)
	}

	// Every row's net cells show what is stored.
	l := testLocale("es")
	resp, body := get(t, c, f.srv.URL, "/plan", "Accept-Language", "es")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /plan = %d", resp.StatusCode)
	}
	for _, col := range []string{"incoming", "components", "planned", "action", "release"} {
		if !strings.Contains(body, `data-col="`+col+`"><a`) {
			t.Errorf("the page has no %s column", col)
		}
	}
	if !strings.Contains(body, `name="action"`) || !strings.Contains(body, `name="late"`) || !strings.Contains(body, "Necesidad neta") {
		t.Error("a net plan's page has no action or late filter, or does not call recommended_quantity the net requirement")
	}
	for _, r := range stored {
		row := planRowHTML(body, key(r))
		if row == "" {
			t.Fatalf("row %s is not on the page", key(r))
		}
		cell := func(col string) string {
			m := regexp.MustCompile(`data-col="` + col + `"[^>]*>(.*?)</td>`).FindStringSubmatch(row)
			if m == nil {
				t.Fatalf("%s has no %s cell: %s", key(r), col, row)
			}
			return html.UnescapeString(m[1])
		}
		release, action := "–", "–"
		if r.ReleaseDate != nil {
			release = r.ReleaseDate.Format(time.DateOnly)
		}
		if r.Action != "" {
			action = fmt.Sprintf(`<span data-action="%s">%s</span>`, r.Action, l.T("action."+r.Action))
		}
		if got, want := cell("planned"), l.Num(r.PlannedQuantity, 1); got != want {
			t.Errorf("%s planned %q, want %q", key(r), got, want)
		}
		if got, want := cell("incoming"), l.Num(r.IncomingProduction+r.IncomingPurchase, 1); got != want {
			t.Errorf("%s incoming %q, want %q", key(r), got, want)
		}
		if got, want := cell("components"), l.Num(r.ComponentDemand, 1); got != want {
			t.Errorf("%s components %q, want %q", key(r), got, want)
		}
		if got := cell("action"); got != action {
			t.Errorf("%s action %q, want %q", key(r), got, action)
		}
		if got := cell("release"); got != release {
			t.Errorf("%s release %q, want %q", key(r), got, release)
		}
	}

	// The filters return exactly the stored rows that match, on the page and in the CSV, and the priority
	// counts count what the other filters keep.
	check := func(query string, keep func(r *store.ProductionRow) bool) {
		t.Helper()
		var want []string
		counts := map[string]int{}
		for _, r := range stored {
			if keep(r) {
				want = append(want, key(r))
				counts[r.Priority]++
			}
		}
		slices.Sort(want)
		_, body := get(t, c, f.srv.URL, "/plan?"+query)
		keys, _ := htmlPlanKeys(body)
		resp, csvBody := get(t, c, f.srv.URL, "/plan.csv?"+query)
		header, recs := csvPlan(t, csvBody)
		csvK := csvKeys(t, header, recs)
		if resp.StatusCode != http.StatusOK || !slices.Equal(csvK, keys) {
			t.Errorf("/plan.csv?%s = %d, rows %v; the page's %v", query, resp.StatusCode, csvK, keys)
		}
		slices.Sort(keys)
		if len(want) == 0 || !slices.Equal(keys, want) {
			t.Errorf("/plan?%s shows %d rows %v, want the %d stored rows that match %v", query, len(keys), keys, len(want), want)
		}
		for _, p := range priorities {
			if s := fmt.Sprintf(`data-priority="%s" data-count="%d"`, p, counts[p]); !strings.Contains(body, s) {
				t.Errorf("/plan?%s: the counts lack %s", query, s)
			}
		}
	}
	check("action=buy", func(r *store.ProductionRow) bool { return r.Action == plan.ActionBuy })
	check("action=Produce", func(r *store.ProductionRow) bool { return r.Action == plan.ActionProduce })
	check("late=1", late)
	check("late=on&action=buy", func(r *store.ProductionRow) bool { return late(r) && r.Action == plan.ActionBuy })
	check("late=1&connection=acme&sort=release", func(r *store.ProductionRow) bool { return late(r) && names[r.ConnectionID] == "acme" })
	check("action=produce&late=0", func(r *store.ProductionRow) bool { return r.Action == plan.ActionProduce })

	// The filters stay set in the form and in the links that change one thing.
	_, body = get(t, c, f.srv.URL, "/plan?action=buy&late=1")
	if !strings.Contains(body, `<option value="buy" selected>`) || !strings.Contains(body, `name="late" value="1" checked`) ||
		!strings.Contains(body, `href="/plan?action=buy&amp;late=1&amp;month=2026-01&amp;sort=sku`) {
		t.Error("the action and late filters are not kept in the form and the sort links")
	}

	// The CSV holds the net columns with the stored values.
	_, csvBody := get(t, c, f.srv.URL, "/plan.csv?connection=acme")
	header, recs := csvPlan(t, csvBody)
	byKey := map[string]*store.ProductionRow{}
	for _, r := range stored {
		byKey[key(r)] = r
	}
	col := func(name string) int { return slices.Index(header, name) }
	for i, k := range csvKeys(t, header, recs) {
		r, rec := byKey[k], recs[i]
		release := ""
		if r.ReleaseDate != nil {
			release = r.ReleaseDate.Format(time.DateOnly)
		}
		num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		if rec[col("planned_quantity")] != num(r.PlannedQuantity) || rec[col("incoming_production")] != num(r.IncomingProduction) ||
			rec[col("incoming_purchase")] != num(r.IncomingPurchase) || rec[col("component_demand")] != num(r.ComponentDemand) ||
			rec[col("action")] != r.Action || rec[col("release_date")] != release {
			t.Errorf("CSV row %s = %v, stored %+v", k, rec, r)
		}
	}

	// A sales Odoo's plan alone shows none of it.
	_, body = get(t, c, f.srv.URL, "/plan?connection=globex")
	for _, s := range []string{`data-col="planned"`, `name="action"`, `name="late"`, "Necesidad neta"} {
		if strings.Contains(body, s) {
			t.Errorf("globex's plan page shows %s", s)
		}
	}
	if keys, _ := htmlPlanKeys(body); len(keys) != sales {
		t.Errorf("globex's plan page shows %d rows, want %d", len(keys), sales)
	}

	// Bad values: 400, the message in the page's language, the form kept.
	for _, tt := range []struct{ query, es, en string }{
		{"action=make", "Acción desconocida «make»", "Unknown action “make”"},
		{"late=maybe", "Valor «maybe» no válido para late", "“maybe” is not a value of late"},
	} {
		for lang, want := range map[string]string{"es": tt.es, "en": tt.en} {
			resp, body := get(t, c, f.srv.URL, "/plan?"+tt.query, "Accept-Language", lang)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), want) || !strings.Contains(body, `id="plan-filters"`) ||
				!strings.Contains(body, `name="action"`) {
				t.Errorf("/plan?%s (%s) = %d; want 400 saying %q with the form", tt.query, lang, resp.StatusCode, want)
			}
			resp, body = get(t, c, f.srv.URL, "/plan.csv?"+tt.query, "Accept-Language", lang)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("/plan.csv?%s (%s) = %d %q", tt.query, lang, resp.StatusCode, body)
			}
		}
	}
}
