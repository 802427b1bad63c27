package dashboard

import (
	"context"
	"fmt"
	"html"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

var bomRowRE = regexp.MustCompile(`<tr data-sku="([^"]*)">\s*<td class="key"[^>]*><a href="([^"]*)">[^<]*</a></td>\s*<td[^>]*>[^<]*</td>\s*<td class="num"[^>]*data-per-unit="([^"]*)"`)

// bomTable returns a BoM table of a SKU page (components or parents) as SKU -> quantity per unit, and each
// row's link.
func bomTable(t *testing.T, body, id string) (map[string]float64, map[string]string) {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		return nil, nil
	}
	end := strings.Index(body[start:], "</table>")
	qty, href := map[string]float64{}, map[string]string{}
	for _, m := range bomRowRE.FindAllStringSubmatch(body[start:start+end], -1) {
		sku := html.UnescapeString(m[1])
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%s: per unit %q", id, m[3])
		}
		qty[sku], href[sku] = v, html.UnescapeString(m[2])
	}
	return qty, href
}

// simpleBoM finds, in the stored supply, a product whose only BoM is a normal one without kits among its
// lines, and returns its SKU and its components' quantities per unit computed from the raw lines.
func simpleBoM(t *testing.T, f *fixture) (string, map[string]float64) {
	t.Helper()
	ctx := context.Background()
	sup, err := f.store.SupplyList(ctx, f.conns[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	products, err := f.store.ProductList(ctx, f.conns[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	skuOf, perSKU := map[int64]string{}, map[string]int{}
	for _, p := range products {
		skuOf[p.ProductID] = p.SKU
		perSKU[p.SKU]++
	}
	tmplOf := map[int64]int64{}
	variants := map[int64]int{}
	for _, r := range sup.ProductRoutes {
		tmplOf[r.ProductID] = r.ProductTmplID
		variants[r.ProductTmplID]++
	}
	phantom := map[int64]bool{} // products and templates that are kits
	for _, b := range sup.BoMs {
		if b.Type == "phantom" {
			phantom[b.ProductID], phantom[-b.ProductTmplID] = true, true
		}
	}
	for _, b := range sup.BoMs {
		if !b.Active || b.Type != "normal" || b.ProductID != 0 || variants[b.ProductTmplID] != 1 {
			continue
		}
		var product int64
		for p, tm := range tmplOf {
			if tm == b.ProductTmplID {
				product = p
			}
		}
		others := 0
		for _, o := range sup.BoMs {
			if o.Active && (o.ProductTmplID == b.ProductTmplID || o.ProductID == product) {
				others++
			}
		}
		if others != 1 || perSKU[skuOf[product]] != 1 {
			continue
		}
		want := map[string]float64{}
		ok := true
		for _, l := range sup.BoMLines {
			if l.BoMID != b.BoMID {
				continue
			}
			if phantom[l.ProductID] || phantom[-tmplOf[l.ProductID]] || skuOf[l.ProductID] == "" || perSKU[skuOf[l.ProductID]] != 1 {
				ok = false
			}
			want[skuOf[l.ProductID]] += l.ProductQty / b.ProductQty
		}
		if ok && len(want) > 0 {
			return skuOf[product], want
		}
	}
	t.Fatal("the fixture's acme has no product with a single normal BoM without kits")
	return "", nil
}

// TestSKUNet: on a SKU page of acme (whose Odoo makes and buys), the chart draws each planned month's supply
// and planned quantity, the plan table has the net columns, and the BoM lists the components with their
// quantities per unit (computed here from the raw BoM lines) and links to them, whose pages list the SKU among
// their parents. A SKU page of globex (a sales Odoo) has none of it.
func TestSKUNet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2, MRP: true})
	c := f.client(t)
	ctx := context.Background()
	jan := plan.Month{Year: 2026, Month: 1}
	if _, _, err := f.eng.Plan(ctx, f.conns[0], []plan.Month{jan, jan.Add(1), jan.Add(2)}); err != nil {
		t.Fatal(err)
	}
	parent, want := simpleBoM(t, f)

	resp, body := get(t, c, f.srv.URL, skuHref(parent, "acme"), "Accept-Language", "en")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", skuHref(parent, "acme"), resp.StatusCode)
	}
	got, hrefs := bomTable(t, body, "sku-components")
	if len(got) != len(want) {
		t.Fatalf("%s's components %v, want %v", parent, got, want)
	}
	for sku, q := range want {
		if g, ok := got[sku]; !ok || math.Abs(g-q) > 1e-9 {
			t.Errorf("%s: component %s per unit %v, want %v", parent, sku, g, q)
		}
		if hrefs[sku] != skuHref(sku, "acme") {
			t.Errorf("component %s links to %q", sku, hrefs[sku])
		}
	}
	// Each component's page lists the parent, with the same quantity.
	for _, sku := range slices.Sorted(maps.Keys(want)) {
		resp, body := get(t, c, f.srv.URL, hrefs[sku], "Accept-Language", "es")
		parents, links := bomTable(t, body, "sku-parents")
		if resp.StatusCode != http.StatusOK || links[parent] != skuHref(parent, "acme") || math.Abs(parents[parent]-want[sku]) > 1e-9 {
			t.Errorf("%s's page (%d): parents %v, want %s with %v per unit", sku, resp.StatusCode, parents, parent, want[sku])
		}
		if !strings.Contains(body, "Se usa en") {
			t.Errorf("%s's page has no Spanish heading for its parents", sku)
		}
	}

	// The chart: a planned bar per stored month, a supply bar per month with supply; the net columns.
	rows, err := f.store.ProductionList(ctx, &store.ProductionListParams{ConnectionID: f.conns[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	withSupply := map[string]int{}
	for _, r := range rows {
		if r.IncomingProduction+r.IncomingPurchase > 0 {
			withSupply[r.SKU]++
		}
	}
	if len(withSupply) == 0 {
		t.Fatal("no acme plan row has supply")
	}
	checked := 0
	for _, sku := range append([]string{parent}, slices.Sorted(maps.Keys(withSupply))...) {
		var mine []*store.ProductionRow
		for _, r := range rows {
			if r.SKU == sku {
				mine = append(mine, r)
			}
		}
		_, body := get(t, c, f.srv.URL, skuHref(sku, "acme"), "Accept-Language", "en")
		n := seriesCount(body)
		if n["planned"] != len(mine) || n["supply"] != withSupply[sku] || n["recommended"] != 0 {
			t.Errorf("%s's chart: %v; want %d planned and %d supply bars, no recommended ones", sku, n, len(mine), withSupply[sku])
		}
		for _, r := range mine {
			m := fmt.Sprintf("%04d-%02d", r.Year, r.Month)
			if s := r.IncomingProduction + r.IncomingPurchase; s > 0 {
				title := testLocale("en").T("sku.chart.supply", m, testLocale("en").Num(s, 1), testLocale("en").Num(r.IncomingProduction, 1), testLocale("en").Num(r.IncomingPurchase, 1))
				if !strings.Contains(html.UnescapeString(body), title) {
					t.Errorf("%s's chart lacks %q", sku, title)
				}
			}
		}
		if !strings.Contains(body, `data-col="planned"`) || withSupply[sku] > 0 && !strings.Contains(html.UnescapeString(body), "Incoming (production + purchase)") {
			t.Errorf("%s's page has no planned column or supply legend", sku)
		}
		if checked++; checked == 4 {
			break
		}
	}

	// globex sells only: no BoM section, no supply or planned bars, no net columns.
	var sales string
	for _, r := range storedPlan(t, f, jan, jan) {
		if r.ConnectionID == f.conns[1].ID {
			sales = r.SKU
			break
		}
	}
	_, body = get(t, c, f.srv.URL, skuHref(sales, "globex"))
	n := seriesCount(body)
	for _, s := range []string{`id="sku-bom"`, `data-col="planned"`, "s-supply", "s-planned"} {
		if strings.Contains(body, s) {
			t.Errorf("globex's %s page shows %s", sales, s)
		}
	}
	if n["recommended"] == 0 || n["planned"]+n["supply"] != 0 {
		t.Errorf("globex's %s chart: %v; want recommended bars only", sales, n)
	}
}
