package dashboard

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

var planRowRE = regexp.MustCompile(`<tr data-key="([^"]*)" data-priority="([^"]*)">`)

// htmlPlanKeys are the rows of a plan page, "connection|sku|YYYY-MM", in the page's order.
func htmlPlanKeys(body string) (keys, prios []string) {
	for _, m := range planRowRE.FindAllStringSubmatch(body, -1) {
		keys = append(keys, html.UnescapeString(m[1]))
		prios = append(prios, m[2])
	}
	return keys, prios
}

// csvPlan parses a plan CSV into its header and records.
func csvPlan(t *testing.T, body string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("plan CSV: %v\n%s", err, body)
	}
	return recs[0], recs[1:]
}

func csvKeys(t *testing.T, header []string, recs [][]string) []string {
	t.Helper()
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("CSV has no column %q: %v", name, header)
		}
		return i
	}
	c, s, y, m := col("connection"), col("sku"), col("year"), col("month")
	var keys []string
	for _, r := range recs {
		mo, _ := strconv.Atoi(r[m])
		keys = append(keys, fmt.Sprintf("%s|%s|%s-%02d", r[c], r[s], r[y], mo))
	}
	return keys
}

// testLocale formats as a page in lang does.
func testLocale(lang string) *locale {
	tag := language.Spanish
	if lang == "en" {
		tag = language.English
	}
	return &locale{Lang: lang, printer: message.NewPrinter(tag)}
}

// storedPlan is every stored plan row of a month range, read from the store.
func storedPlan(t *testing.T, f *fixture, from, to plan.Month) []*store.ProductionRow {
	t.Helper()
	rows, err := f.store.ProductionRangeList(context.Background(), &store.ProductionRangeListParams{
		From: store.YearMonth{Year: from.Year, Month: int(from.Month)}, To: store.YearMonth{Year: to.Year, Month: int(to.Month)}})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPlanPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2})
	c := f.client(t)
	jan := plan.Month{Year: 2026, Month: 1}
	stored := storedPlan(t, f, jan, jan)
	if len(stored) == 0 {
		t.Fatal("the fixture stored no January plan")
	}
	names := map[int64]string{f.conns[0].ID: "acme", f.conns[1].ID: "globex"}

	resp, body := get(t, c, f.srv.URL, "/plan", "Accept-Language", "es")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /plan = %d\n%s", resp.StatusCode, body)
	}
	keys, prios := htmlPlanKeys(body)
	if len(keys) != len(stored) {
		t.Fatalf("the page shows %d rows, the store has %d for January (the fixture's this month)", len(keys), len(stored))
	}
	// Default order: ALTA, MEDIA, BAJA, and within a priority the most to produce first.
	byKey := map[string]*store.ProductionRow{}
	counts := map[string]int{}
	for _, r := range stored {
		byKey[fmt.Sprintf("%s|%s|%04d-%02d", names[r.ConnectionID], r.SKU, r.Year, r.Month)] = r
		counts[r.Priority]++
	}
	for i := 1; i < len(keys); i++ {
		a, b := byKey[keys[i-1]], byKey[keys[i]]
		if a == nil || b == nil {
			t.Fatalf("row %q or %q is not in the store", keys[i-1], keys[i])
		}
		if priorityRank(a.Priority) > priorityRank(b.Priority) || (a.Priority == b.Priority && a.Recommended < b.Recommended) {
			t.Errorf("default order: %s (%s %v) before %s (%s %v)", keys[i-1], a.Priority, a.Recommended, keys[i], b.Priority, b.Recommended)
		}
	}
	for _, p := range priorities {
		if want := fmt.Sprintf(`data-priority="%s" data-count="%d"`, p, counts[p]); !strings.Contains(body, want) {
			t.Errorf("the counts lack %s", want)
		}
	}
	if n := strings.Count(strings.Join(prios, ","), "ALTA"); n != counts["ALTA"] {
		t.Errorf("%d ALTA rows shown, %d stored", n, counts["ALTA"])
	}
	for _, want := range []string{`<span class="pill prio-ALTA">ALTA</span>`, `aria-sort="ascending" data-col="priority"`, `<abbr class="flag" title="`,
		"Avisos", `href="/sku/`, `?connection=acme"`, `href="/plan.csv?month=2026-01"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the plan page lacks %s", want)
		}
	}
	// Numbers in the page's language: the first row's recommended quantity, 1 decimal.
	first := byKey[keys[0]]
	es := testLocale("es").Num(first.Recommended, 1)
	if !strings.Contains(es, ",") || !strings.Contains(body, `data-col="recommended">`+es+`<`) {
		t.Errorf("the first row's recommended quantity should read %q in Spanish", es)
	}
	_, en := get(t, c, f.srv.URL, "/plan", "Accept-Language", "en")
	if want := testLocale("en").Num(first.Recommended, 1); !strings.Contains(en, `data-col="recommended">`+want+`<`) ||
		!strings.Contains(en, "Production plan") || !strings.Contains(en, "To produce") {
		t.Errorf("English plan page: want %q and English labels", want)
	}

	// Filters: priorities (several), connection, search (case-insensitive, SKU or product name).
	check := func(query string, keep func(r *store.ProductionRow, conn string) bool) []string {
		t.Helper()
		resp, body := get(t, c, f.srv.URL, "/plan?"+query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /plan?%s = %d", query, resp.StatusCode)
		}
		keys, _ := htmlPlanKeys(body)
		want := 0
		for _, r := range stored {
			if keep(r, names[r.ConnectionID]) {
				want++
			}
		}
		if len(keys) != want {
			t.Errorf("/plan?%s shows %d rows, want %d", query, len(keys), want)
		}
		for _, k := range keys {
			r := byKey[k]
			if r == nil || !keep(r, names[r.ConnectionID]) {
				t.Errorf("/plan?%s shows %s, which the filter excludes", query, k)
			}
		}
		return keys
	}
	check("priority=ALTA", func(r *store.ProductionRow, _ string) bool { return r.Priority == "ALTA" })
	check("priority=ALTA&priority=BAJA", func(r *store.ProductionRow, _ string) bool { return r.Priority != "MEDIA" })
	check("priority=media,baja", func(r *store.ProductionRow, _ string) bool { return r.Priority != "ALTA" })
	check("connection=globex", func(_ *store.ProductionRow, conn string) bool { return conn == "globex" })
	sku := stored[0].SKU
	check("q="+url.QueryEscape(strings.ToLower(sku)), func(r *store.ProductionRow, _ string) bool { return r.SKU == sku })
	word := strings.ToUpper(strings.Fields(stored[1].ProductName)[0])
	check("q="+url.QueryEscape(word), func(r *store.ProductionRow, _ string) bool {
		return strings.Contains(strings.ToLower(r.ProductName), strings.ToLower(word)) || strings.Contains(strings.ToLower(r.SKU), strings.ToLower(word))
	})
	check("connection=acme&priority=ALTA&q="+url.QueryEscape(word), func(r *store.ProductionRow, conn string) bool {
		return conn == "acme" && r.Priority == "ALTA" && (strings.Contains(strings.ToLower(r.ProductName), strings.ToLower(word)) || strings.Contains(strings.ToLower(r.SKU), strings.ToLower(word)))
	})
	_, body = get(t, c, f.srv.URL, "/plan?priority=ALTA")
	if !strings.Contains(body, `value="ALTA" checked`) || strings.Contains(body, `value="MEDIA" checked`) {
		t.Error("the ALTA checkbox should be checked, and only it")
	}
}

// TestPlanSortAndCSV sorts by every column in both directions: the header says so (aria-sort), the CSV has
// exactly the page's rows in the page's order, and the order is the column's.
//
// acme's plan is a net plan and globex's is not: the net plan's columns are shown (globex's rows without an
// action or release date, which sort last).
func TestPlanSortAndCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2, MRP: true})
	c := f.client(t)
	for _, col := range planColumns {
		for _, dir := range []string{"asc", "desc"} {
			q := "sort=" + col.Key + "&dir=" + dir
			_, body := get(t, c, f.srv.URL, "/plan?"+q)
			wantSort := map[string]string{"asc": "ascending", "desc": "descending"}[dir]
			if !strings.Contains(body, fmt.Sprintf(`aria-sort="%s" data-col="%s"`, wantSort, col.Key)) {
				t.Errorf("%s: the header does not say aria-sort=%s", q, wantSort)
			}
			keys, _ := htmlPlanKeys(body)
			resp, csvBody := get(t, c, f.srv.URL, "/plan.csv?"+q)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				resp.Header.Get("Content-Disposition") != `attachment; filename="plan-2026-01.csv"` {
				t.Fatalf("GET /plan.csv?%s = %d %v", q, resp.StatusCode, resp.Header)
			}
			header, recs := csvPlan(t, csvBody)
			if got := csvKeys(t, header, recs); !slices.Equal(got, keys) {
				t.Errorf("%s: the CSV's rows differ from the page's:\nCSV  %v\npage %v", q, got, keys)
			}
			checkCSVOrder(t, q, col.Key, dir == "desc", header, recs)
		}
	}
	// The CSV follows the filters too, and names the columns as production_forecast does.
	_, body := get(t, c, f.srv.URL, "/plan?priority=ALTA&connection=acme&sort=sku")
	_, csvBody := get(t, c, f.srv.URL, "/plan.csv?priority=ALTA&connection=acme&sort=sku")
	header, recs := csvPlan(t, csvBody)
	keys, _ := htmlPlanKeys(body)
	if got := csvKeys(t, header, recs); len(keys) == 0 || !slices.Equal(got, keys) {
		t.Errorf("filtered CSV %v, page %v", got, keys)
	}
	if strings.Join(header, ",") != "connection,sku,product_name,year,month,forecast_quantity,inventory,production_needed,safety_stock,backlog,recommended_quantity,coverage_months,stockout_month,priority,flags,inventory_synced_at,generated_at,incoming_production,incoming_purchase,component_demand,planned_quantity,action,release_date" {
		t.Errorf("CSV header %v", header)
	}
	// Numbers keep their stored value with a '.' decimal, in either language.
	rows, err := f.store.ProductionList(t.Context(), &store.ProductionListParams{ConnectionID: f.conns[0].ID, Year: 2026, Month: 1, Priority: "ALTA"})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*store.ProductionRow{}
	for _, r := range rows {
		byKey[r.SKU] = r
	}
	ri := slices.Index(header, "recommended_quantity")
	for _, rec := range recs {
		r := byKey[rec[1]]
		if v, err := strconv.ParseFloat(rec[ri], 64); r == nil || err != nil || v != r.Recommended {
			t.Errorf("CSV %s recommended %q, stored %+v", rec[1], rec[ri], r)
		}
	}
}

// checkCSVOrder checks that the CSV's rows are sorted by the column (missing values last).
func checkCSVOrder(t *testing.T, q, key string, desc bool, header []string, recs [][]string) {
	t.Helper()
	name := map[string]string{"sku": "sku", "product": "product_name", "connection": "connection", "priority": "priority",
		"forecast": "forecast_quantity", "inventory": "inventory", "safety": "safety_stock", "backlog": "backlog",
		"needed": "production_needed", "recommended": "recommended_quantity", "coverage": "coverage_months",
		"stockout": "stockout_month", "flags": "flags", "components": "component_demand", "planned": "planned_quantity",
		"action": "action", "release": "release_date"}[key]
	var values []string
	for _, r := range recs {
		if key == "incoming" {
			x, _ := strconv.ParseFloat(r[slices.Index(header, "incoming_production")], 64)
			y, _ := strconv.ParseFloat(r[slices.Index(header, "incoming_purchase")], 64)
			values = append(values, strconv.FormatFloat(x+y, 'f', -1, 64))
			continue
		}
		if key == "month" {
			values = append(values, fmt.Sprintf("%s-%02s", r[slices.Index(header, "year")], r[slices.Index(header, "month")]))
			continue
		}
		values = append(values, r[slices.Index(header, name)])
	}
	compare := func(a, b string) int {
		switch key {
		case "priority":
			return cmp.Compare(priorityRank(a), priorityRank(b))
		case "forecast", "inventory", "safety", "backlog", "needed", "recommended", "coverage", "incoming", "components", "planned":
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			return cmp.Compare(x, y)
		}
		return strings.Compare(a, b)
	}
	seenMissing := false
	for i := 1; i < len(values); i++ {
		a, b := values[i-1], values[i]
		if a == "" {
			seenMissing = true
		}
		if seenMissing && b != "" {
			t.Errorf("%s: a value %q after a missing one (missing values go last)", q, b)
		}
		if a == "" || b == "" {
			continue
		}
		c := compare(a, b)
		if desc {
			c = -c
		}
		if c > 0 {
			t.Errorf("%s: %q before %q", q, a, b)
		}
	}
}

// TestPlanRange shows several months at once, explains the months without a plan, and clamps long ranges.
func TestPlanRange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2})
	c := f.client(t)
	jan := plan.Month{Year: 2026, Month: 1}
	if _, _, err := f.eng.Plan(t.Context(), f.conns[0], []plan.Month{jan, jan.Add(1), jan.Add(2)}); err != nil {
		t.Fatal(err)
	}
	stored := storedPlan(t, f, jan, jan.Add(2))
	resp, body := get(t, c, f.srv.URL, "/plan?from=2026-01&to=2026-03")
	keys, _ := htmlPlanKeys(body)
	if resp.StatusCode != http.StatusOK || len(keys) != len(stored) {
		t.Fatalf("January to March: %d, %d rows shown, %d stored", resp.StatusCode, len(keys), len(stored))
	}
	months := map[string]bool{}
	for _, k := range keys {
		months[k[strings.LastIndex(k, "|")+1:]] = true
	}
	if len(months) != 3 {
		t.Errorf("the range shows months %v, want 3", months)
	}
	if strings.Contains(body, "Sin plan guardado") {
		t.Error("every month of the range has a plan (acme's), yet the page says one has none")
	}
	// globex was planned for January only: the page says which months have no plan.
	_, body = get(t, c, f.srv.URL, "/plan?from=2026-01&to=2026-03&connection=globex")
	if !strings.Contains(body, "Sin plan guardado para: 2026-02, 2026-03.") {
		t.Errorf("globex's range should explain February and March:\n%s", body)
	}
	// A month with nothing stored at all: the stored months are offered.
	_, body = get(t, c, f.srv.URL, "/plan?month=2027-05")
	if keys, _ := htmlPlanKeys(body); len(keys) != 0 || !strings.Contains(body, "Sin plan guardado para: 2027-05.") ||
		!strings.Contains(body, `href="/plan?month=2026-02"`) {
		t.Errorf("May 2027: %d rows; want none, the explanation and links to the stored months", len(keys))
	}
	// Longer than 12 months: clamped, and said.
	resp, body = get(t, c, f.srv.URL, "/plan?from=2026-01&to=2028-12")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Se muestran como mucho 12 meses a la vez: 2026-01 – 2026-12.") ||
		!strings.Contains(body, `name="to" value="2026-12"`) {
		t.Errorf("a three-year range: %d, want it clamped to 2026-01 – 2026-12 with a notice", resp.StatusCode)
	}
	if resp, _ := get(t, c, f.srv.URL, "/plan.csv?from=2026-01&to=2026-03"); resp.Header.Get("Content-Disposition") != `attachment; filename="plan-2026-01_2026-03.csv"` {
		t.Errorf("range CSV named %q", resp.Header.Get("Content-Disposition"))
	}
}

// TestPlanBadQuery: what cannot be shown is a 400 with a message on the page (and in the CSV's answer).
func TestPlanBadQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{NoSync: true})
	c := f.client(t)
	cases := map[string]string{
		"month=2026-13":                  "«2026-13» (month) no es un mes",
		"from=enero":                     "«enero» (from) no es un mes",
		"to=2026-1":                      "«2026-1» (to) no es un mes",
		"from=2026-03&to=2026-01":        "El rango 2026-03 – 2026-01 termina antes de empezar.",
		"month=2026-01&from=2026-01":     "no ambos",
		"priority=URGENTE":               "Prioridad desconocida «URGENTE»",
		"sort=precio":                    "No se puede ordenar por «precio».",
		"dir=up":                         "Orden «up» desconocido",
		"page=0":                         "Página «0» no válida.",
		"month=%3Cscript%3Ealert(1)%3C/": "«&lt;script&gt;alert(1)&lt;/» (month) no es un mes",
	}
	for q, want := range cases {
		resp, body := get(t, c, f.srv.URL, "/plan?"+q, "Accept-Language", "es")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, `id="plan-filters"`) {
			t.Errorf("/plan?%s = %d, want 400 with %q and the form", q, resp.StatusCode, want)
		}
		if resp, _ := get(t, c, f.srv.URL, "/plan.csv?"+q); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/plan.csv?%s = %d, want 400", q, resp.StatusCode)
		}
	}
	if _, body := get(t, c, f.srv.URL, "/plan?month=2026-13", "Accept-Language", "en"); !strings.Contains(body, "“2026-13” (month) is not a month: write YYYY-MM") {
		t.Error("the English message is missing")
	}
	// Nothing stored at all: a 200 that says how to make a plan.
	if resp, body := get(t, c, f.srv.URL, "/plan"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "No hay ningún plan guardado") {
		t.Errorf("an empty store: %d", resp.StatusCode)
	}
}

// TestPlanCSVInjection: a text cell a spreadsheet would run as a formula is defused; numbers stay numbers.
func TestPlanCSVInjection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{NoSync: true})
	c := f.client(t)
	gen := f.now
	rows := []*store.ProductionRow{
		{SKU: "=HYPERLINK(\"http://evil\")", ProductName: "+SUM(A1)", Year: 2026, Month: 1, Priority: "ALTA", ProductionNeeded: -3.5, Recommended: 2, GeneratedAt: gen},
		{SKU: "-2+3", ProductName: "@cmd", Year: 2026, Month: 1, Priority: "BAJA", Flags: "surplus", GeneratedAt: gen},
		{SKU: "\tTAB", ProductName: "Tornillo = bueno", Year: 2026, Month: 1, Priority: "MEDIA", Recommended: 1, GeneratedAt: gen},
	}
	if err := f.store.Tx(t.Context(), func(tx store.Executor) error {
		return tx.ProductionReplace(t.Context(), f.conns[0].ID, []store.YearMonth{{Year: 2026, Month: 1}}, rows)
	}); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, c, f.srv.URL, "/plan.csv?sort=sku")
	header, recs := csvPlan(t, body)
	got := map[string][]string{}
	for _, r := range recs {
		got[r[slices.Index(header, "priority")]] = r
	}
	sku, name, needed := slices.Index(header, "sku"), slices.Index(header, "product_name"), slices.Index(header, "production_needed")
	if r := got["ALTA"]; r[sku] != `'=HYPERLINK("http://evil")` || r[name] != "'+SUM(A1)" || r[needed] != "-3.5" {
		t.Errorf("ALTA row %q: want the text cells prefixed with ' and the number -3.5 untouched", r)
	}
	if r := got["BAJA"]; r[sku] != "'-2+3" || r[name] != "'@cmd" || r[slices.Index(header, "flags")] != "surplus" {
		t.Errorf("BAJA row %q", r)
	}
	if r := got["MEDIA"]; r[sku] != "'\tTAB" || r[name] != "Tornillo = bueno" {
		t.Errorf("MEDIA row %q: a tab first is defused, an = inside is not a formula", r)
	}
	// The page shows them as they are, escaped.
	_, page := get(t, c, f.srv.URL, "/plan")
	if !strings.Contains(page, "=HYPERLINK(&#34;http://evil&#34;)") || !strings.Contains(page, "&#43;SUM(A1)") {
		t.Error("the page should show the stored text, HTML-escaped")
	}
}

// TestPlanPages: more rows than a page holds are paged; the CSV has them all.
func TestPlanPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{NoSync: true})
	c := f.client(t)
	const n = 1234
	rows := make([]*store.ProductionRow, n)
	for i := range rows {
		rows[i] = &store.ProductionRow{SKU: fmt.Sprintf("SKU-%05d", i), ProductName: "Producto", Year: 2026, Month: 1, Priority: "ALTA",
			Recommended: float64(n - i), GeneratedAt: f.now}
	}
	if err := f.store.Tx(t.Context(), func(tx store.Executor) error {
		return tx.ProductionReplace(t.Context(), f.conns[0].ID, []store.YearMonth{{Year: 2026, Month: 1}}, rows)
	}); err != nil {
		t.Fatal(err)
	}
	var all []string
	for page := 1; page <= 3; page++ {
		_, body := get(t, c, f.srv.URL, fmt.Sprintf("/plan?page=%d", page))
		keys, _ := htmlPlanKeys(body)
		want := min(planPageSize, n-(page-1)*planPageSize)
		if len(keys) != want || !strings.Contains(body, fmt.Sprintf("Página %d de 3", page)) {
			t.Errorf("page %d: %d rows, want %d", page, len(keys), want)
		}
		all = append(all, keys...)
	}
	_, body := get(t, c, f.srv.URL, "/plan?page=2")
	if !strings.Contains(body, `href="/plan?month=2026-01&amp;page=3" rel="next"`) || !strings.Contains(body, `href="/plan?month=2026-01" rel="prev"`) ||
		!strings.Contains(body, testLocale("es").T("plan.shown", 501, 1000, n)) {
		t.Error("page 2 lacks its links or its count")
	}
	_, body = get(t, c, f.srv.URL, "/plan?page=99")
	if keys, _ := htmlPlanKeys(body); len(keys) != n-2*planPageSize {
		t.Errorf("a page past the end shows the last one: %d rows", len(keys))
	}
	_, csvBody := get(t, c, f.srv.URL, "/plan.csv?page=2")
	header, recs := csvPlan(t, csvBody)
	if got := csvKeys(t, header, recs); !slices.Equal(got, all) {
		t.Errorf("the CSV has %d rows, the pages %d (or another order)", len(got), len(all))
	}
}
