package dashboard

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// The plan page: the stored production plan of a month or a range, filtered, sorted and paged on the server,
// and the same rows as CSV.

const (
	planPageSize  = 500 // rows per page: a phone scrolls 500 stacked rows; the CSV has them all
	planMaxMonths = 12  // months at once (the forecast's horizon by default)
)

var priorities = []string{plan.Alta, plan.Media, plan.Baja}

func priorityRank(p string) int {
	switch p {
	case plan.Alta:
		return 0
	case plan.Media:
		return 1
	}
	return 2
}

// planColumn is a column of the plan table and of its sort.
type planColumn struct {
	Key   string
	Label string // catalog key
	Num   bool
	// cmp orders two rows ascending; missing values (no coverage, no stock-out, no flags) are handled by
	// missing, which keeps them last in both directions.
	cmp     func(a, b *engine.PlanLine) int
	missing func(r *engine.PlanLine) bool
	Net     bool // a column of the net plan: shown when a row shown has an action
}

var planColumns = []planColumn{
	{Key: "sku", Label: "plan.col.sku", cmp: func(a, b *engine.PlanLine) int { return strings.Compare(a.SKU, b.SKU) }},
	{Key: "product", Label: "plan.col.product", cmp: func(a, b *engine.PlanLine) int { return strings.Compare(a.ProductName, b.ProductName) }},
	{Key: "connection", Label: "plan.col.connection", cmp: func(a, b *engine.PlanLine) int { return strings.Compare(a.Connection, b.Connection) }},
	{Key: "month", Label: "plan.col.month", cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.Year*100+a.Month, b.Year*100+b.Month) }},
	{Key: "priority", Label: "plan.col.priority", cmp: func(a, b *engine.PlanLine) int {
		return cmp.Compare(priorityRank(a.Priority), priorityRank(b.Priority))
	}},
	{Key: "forecast", Label: "plan.col.forecast", Num: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.ForecastQuantity, b.ForecastQuantity) }},
	{Key: "inventory", Label: "plan.col.inventory", Num: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.Inventory, b.Inventory) }},
	{Key: "safety", Label: "plan.col.safety", Num: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.SafetyStock, b.SafetyStock) }},
	{Key: "backlog", Label: "plan.col.backlog", Num: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.Backlog, b.Backlog) }},
	{Key: "needed", Label: "plan.col.needed", Num: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.ProductionNeeded, b.ProductionNeeded) }},
	{Key: "recommended", Label: "plan.col.recommended", Num: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.Recommended, b.Recommended) }},
	{Key: "coverage", Label: "plan.col.coverage", Num: true,
		cmp:     func(a, b *engine.PlanLine) int { return cmp.Compare(*a.CoverageMonths, *b.CoverageMonths) },
		missing: func(r *engine.PlanLine) bool { return r.CoverageMonths == nil }},
	{Key: "stockout", Label: "plan.col.stockout", cmp: func(a, b *engine.PlanLine) int { return strings.Compare(a.StockoutMonth, b.StockoutMonth) },
		missing: func(r *engine.PlanLine) bool { return r.StockoutMonth == "" }},
	{Key: "incoming", Label: "plan.col.incoming", Num: true, Net: true, cmp: func(a, b *engine.PlanLine) int {
		return cmp.Compare(a.IncomingProduction+a.IncomingPurchase, b.IncomingProduction+b.IncomingPurchase)
	}},
	{Key: "components", Label: "plan.col.components", Num: true, Net: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.ComponentDemand, b.ComponentDemand) }},
	{Key: "planned", Label: "plan.col.planned", Num: true, Net: true, cmp: func(a, b *engine.PlanLine) int { return cmp.Compare(a.PlannedQuantity, b.PlannedQuantity) }},
	{Key: "action", Label: "plan.col.action", Net: true, cmp: func(a, b *engine.PlanLine) int { return strings.Compare(a.Action, b.Action) },
		missing: func(r *engine.PlanLine) bool { return r.Action == "" }},
	{Key: "release", Label: "plan.col.release", Net: true, cmp: func(a, b *engine.PlanLine) int { return a.ReleaseDate.Compare(*b.ReleaseDate) },
		missing: func(r *engine.PlanLine) bool { return r.ReleaseDate == nil }},
	{Key: "flags", Label: "plan.col.flags", cmp: func(a, b *engine.PlanLine) int { return strings.Compare(a.Flags, b.Flags) },
		missing: func(r *engine.PlanLine) bool { return r.Flags == "" }},
}

func planColumnOf(key string) (planColumn, bool) {
	for _, c := range planColumns {
		if c.Key == key {
			return c, true
		}
	}
	return planColumn{}, false
}

// planTieBreak is the order among rows the chosen column finds equal, and the page's default order: most
// urgent first, the most to produce first, then by connection, SKU and month (unique, so the order is total
// and the same on every request).
func planTieBreak(a, b *engine.PlanLine) int {
	return cmp.Or(cmp.Compare(priorityRank(a.Priority), priorityRank(b.Priority)), cmp.Compare(b.Recommended, a.Recommended),
		strings.Compare(a.Connection, b.Connection), strings.Compare(a.SKU, b.SKU), cmp.Compare(a.Year*100+a.Month, b.Year*100+b.Month))
}

// planQuery is the plan page's query string, checked.
type planQuery struct {
	From, To   plan.Month
	Priorities []string // empty: all
	Action     string   // produce, buy; "": all
	Late       bool     // late releases only
	Connection string
	Search     string
	Sort       string
	Desc       bool
	Page       int
	Clamped    bool // the range asked for was longer than planMaxMonths
}

// badQuery is a query string the page cannot show: a message in the page's language.
type badQuery struct {
	key  string
	args []any
}

func parsePlanQuery(q url.Values, current plan.Month) (planQuery, *badQuery) {
	pq := planQuery{Sort: "priority", Page: 1, Connection: q.Get("connection"), Search: strings.TrimSpace(q.Get("q"))}
	month := func(name string) (plan.Month, bool, *badQuery) {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return plan.Month{}, false, nil
		}
		m, err := plan.ParseMonth(s)
		if err != nil || !m.Valid() {
			return m, false, &badQuery{"plan.bad_month", []any{name, s}}
		}
		return m, true, nil
	}
	m, hasMonth, bad := month("month")
	if bad != nil {
		return pq, bad
	}
	from, hasFrom, bad := month("from")
	if bad != nil {
		return pq, bad
	}
	to, hasTo, bad := month("to")
	if bad != nil {
		return pq, bad
	}
	switch {
	case hasMonth && (hasFrom || hasTo):
		return pq, &badQuery{"plan.bad_month_and_range", nil}
	case hasMonth:
		from, to = m, m
	default:
		if !hasFrom {
			from = current
		}
		if !hasTo {
			to = from
		}
	}
	if to.Before(from) {
		return pq, &badQuery{"plan.bad_range", []any{from.String(), to.String()}}
	}
	if to.Sub(from) >= planMaxMonths {
		to, pq.Clamped = from.Add(planMaxMonths-1), true
	}
	pq.From, pq.To = from, to
	for _, v := range q["priority"] {
		for p := range strings.SplitSeq(v, ",") {
			p = strings.ToUpper(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !slices.Contains(priorities, p) {
				return pq, &badQuery{"plan.bad_priority", []any{p}}
			}
			if !slices.Contains(pq.Priorities, p) {
				pq.Priorities = append(pq.Priorities, p)
			}
		}
	}
	switch a := strings.ToLower(strings.TrimSpace(q.Get("action"))); a {
	case "", plan.ActionProduce, plan.ActionBuy:
		pq.Action = a
	default:
		return pq, &badQuery{"plan.bad_action", []any{q.Get("action")}}
	}
	switch l := strings.ToLower(strings.TrimSpace(q.Get("late"))); l {
	case "", "0", "false":
	case "1", "true", "on":
		pq.Late = true
	default:
		return pq, &badQuery{"plan.bad_late", []any{q.Get("late")}}
	}
	if len(pq.Priorities) == len(priorities) {
		pq.Priorities = nil // all of them is no filter
	}
	slices.SortFunc(pq.Priorities, func(a, b string) int { return cmp.Compare(priorityRank(a), priorityRank(b)) })
	if s := q.Get("sort"); s != "" {
		if _, ok := planColumnOf(s); !ok {
			return pq, &badQuery{"plan.bad_sort", []any{s}}
		}
		pq.Sort = s
	}
	switch q.Get("dir") {
	case "", "asc":
	case "desc":
		pq.Desc = true
	default:
		return pq, &badQuery{"plan.bad_dir", []any{q.Get("dir")}}
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return pq, &badQuery{"plan.bad_page", []any{s}}
		}
		pq.Page = n
	}
	return pq, nil
}

// values is the query string of pq (without the page), for links that change one thing.
func (pq planQuery) values() url.Values {
	v := url.Values{}
	if pq.From == pq.To {
		v.Set("month", pq.From.String())
	} else {
		v.Set("from", pq.From.String())
		v.Set("to", pq.To.String())
	}
	if len(pq.Priorities) > 0 {
		v["priority"] = slices.Clone(pq.Priorities)
	}
	if pq.Action != "" {
		v.Set("action", pq.Action)
	}
	if pq.Late {
		v.Set("late", "1")
	}
	if pq.Connection != "" {
		v.Set("connection", pq.Connection)
	}
	if pq.Search != "" {
		v.Set("q", pq.Search)
	}
	if pq.Sort != "priority" || pq.Desc {
		v.Set("sort", pq.Sort)
		if pq.Desc {
			v.Set("dir", "desc")
		}
	}
	return v
}

func (pq planQuery) link(path string, change func(v url.Values)) string {
	v := pq.values()
	if change != nil {
		change(v)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// planResult is the plan after the query's filters and sort.
type planResult struct {
	Rows   []*engine.PlanLine // filtered and sorted, every page
	Counts map[string]int     // by priority, over the rows that pass every filter but the priority one
	Total  int                // rows of the months and connection, before the other filters
	Net    bool               // some row of the months and connection has an action: it is a net plan
}

// filterPlan applies the query to the rows the engine read.
func filterPlan(rows []engine.PlanLine, pq planQuery) planResult {
	res := planResult{Counts: map[string]int{}, Total: len(rows)}
	needle := strings.ToLower(pq.Search)
	for i := range rows {
		r := &rows[i]
		if r.Action != "" {
			res.Net = true
		}
		if pq.Action != "" && r.Action != pq.Action || pq.Late && !hasFlag(r.Flags, plan.FlagLateRelease) {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(r.SKU), needle) && !strings.Contains(strings.ToLower(r.ProductName), needle) {
			continue
		}
		res.Counts[r.Priority]++
		if len(pq.Priorities) > 0 && !slices.Contains(pq.Priorities, r.Priority) {
			continue
		}
		res.Rows = append(res.Rows, r)
	}
	col, _ := planColumnOf(pq.Sort)
	slices.SortFunc(res.Rows, func(a, b *engine.PlanLine) int {
		if col.missing != nil {
			ma, mb := col.missing(a), col.missing(b)
			switch {
			case ma && !mb:
				return 1
			case mb && !ma:
				return -1
			case ma && mb:
				return planTieBreak(a, b)
			}
		}
		c := col.cmp(a, b)
		if pq.Desc {
			c = -c
		}
		return cmp.Or(c, planTieBreak(a, b))
	})
	return res
}

// hasFlag says whether a stored comma-separated flag list holds flag.
func hasFlag(flags, flag string) bool {
	for f := range strings.SplitSeq(flags, ",") {
		if f == flag {
			return true
		}
	}
	return false
}

// planRow is a row as the template shows it.
type planRow struct {
	*engine.PlanLine
	Row         *store.ProductionRow // the same row, for the templates (a direct field is found faster)
	Href        string               // the SKU's page
	Month       string
	Flags       []flagView
	Release     string // YYYY-MM-DD, "" when nothing is planned
	ActionLabel string // the action in the page's language, "" for none
	Net         bool   // the net plan's cells are shown
}

// cellLabels are the plan cells' labels (data-label) in the page's language, looked up once per page rather
// than once per cell: a page has 500 rows of up to 20 cells.
type cellLabels struct {
	SKU, Product, Connection, Month, Priority, Forecast, Inventory, Safety, Backlog, Needed, Recommended,
	Requirement, Coverage, NoDemand, Stockout, Incoming, Components, Planned, Action, Release, Flags string
}

func (l *locale) cellLabels() *cellLabels {
	return &cellLabels{SKU: l.T("plan.col.sku"), Product: l.T("plan.col.product"), Connection: l.T("plan.col.connection"),
		Month: l.T("plan.col.month"), Priority: l.T("plan.col.priority"), Forecast: l.T("plan.col.forecast"),
		Inventory: l.T("plan.col.inventory"), Safety: l.T("plan.col.safety"), Backlog: l.T("plan.col.backlog"),
		Needed: l.T("plan.col.needed"), Recommended: l.T("plan.col.recommended"), Requirement: l.T("plan.col.requirement"),
		Coverage: l.T("plan.col.coverage"), NoDemand: l.T("plan.no_demand"), Stockout: l.T("plan.col.stockout"),
		Incoming: l.T("plan.col.incoming"), Components: l.T("plan.col.components"), Planned: l.T("plan.col.planned"),
		Action: l.T("plan.col.action"), Release: l.T("plan.col.release"), Flags: l.T("plan.col.flags")}
}

// Incoming is the supply arriving in the row's month: open manufacturing orders and purchase lines.
func (r planRow) Incoming() float64 { return r.IncomingProduction + r.IncomingPurchase }

// flagView is a plan flag in the page's language: a short label and what it means.
type flagView struct {
	Name, Label, Help string
}

func (l *locale) flag(name string) flagView {
	if _, ok := catalog["flag."+name]; !ok {
		return flagView{Name: name, Label: name} // a flag this version does not know: shown as stored
	}
	return flagView{Name: name, Label: l.T("flag." + name), Help: l.T("flag." + name + ".help")}
}

type planHeader struct {
	Key, Label string
	Help       string
	Num        bool
	Href       string
	Sort       string // ascending, descending, "" (aria-sort)
}

type planCount struct {
	Priority string
	N        int64
	Href     string // the plan filtered on this priority alone
	Active   bool
}

// pageLink is a link to a page of the plan; N == 0 stands for the pages left out between two links.
type pageLink struct {
	N       int
	Href    string
	Current bool
}

type planData struct {
	Query       planQuery
	From, To    string
	Connections []string // with a stored plan
	Stored      []storedMonth
	Missing     string // months of the range without a stored plan (of the connection chosen)
	Range       string // the months shown, "2026-01" or "2026-01 – 2026-03"
	Headers     []planHeader
	Rows        []planRow
	Shown       int
	Total       int
	Counts      []planCount
	First, Last int // row numbers on this page
	Page, Pages int
	PageLinks   []pageLink
	Prev, Next  string
	CSV         string
	Flags       []flagView // every flag, for the legend
	Bad         bool
	Priorities  []string
	// ShowConnection: more than one connection has a stored plan.
	ShowConnection bool
	// Net: a row of the months and connection has an action (a net plan): its columns and filters are shown.
	Net     bool
	Actions []string
	Labels  *cellLabels
}

type storedMonth struct {
	Month string
	Href  string
}

func (d *Dashboard) planPage(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "plan")
	p.Title = p.T("plan.title")
	pq, bad := parsePlanQuery(r.URL.Query(), plan.MonthOf(d.now()))
	data := &planData{Query: pq, Priorities: priorities, Actions: []string{plan.ActionProduce, plan.ActionBuy}, Labels: p.cellLabels()}
	for _, f := range plan.AllFlags {
		data.Flags = append(data.Flags, p.flag(f))
	}
	p.Data = data
	if bad != nil {
		// The form stays, with what was typed, so the planner can correct it.
		p.Error = p.T(bad.key, bad.args...)
		data.Bad = true
		data.Net = r.URL.Query().Has("action") || r.URL.Query().Has("late") // keep those controls to correct
		data.From, data.To = r.URL.Query().Get("from"), r.URL.Query().Get("to")
		if m := r.URL.Query().Get("month"); m != "" {
			data.From, data.To = m, m
		}
		d.render(w, r, http.StatusBadRequest, "plan", p)
		return
	}
	v, err := d.opts.Source.PlanView(r.Context(), pq.Connection, pq.From, pq.To)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	res := filterPlan(v.Rows, pq)
	data.From, data.To = pq.From.String(), pq.To.String()
	d.fillPlan(p, data, v, res)
	d.render(w, r, http.StatusOK, "plan", p)
}

func (d *Dashboard) fillPlan(p *page, data *planData, v *engine.PlanView, res planResult) {
	pq := data.Query
	stored := map[string]bool{}
	seen := map[string]bool{}
	for _, m := range v.Months {
		if !seen[m.Connection] {
			seen[m.Connection] = true
			data.Connections = append(data.Connections, m.Connection)
		}
		if pq.Connection != "" && m.Connection != pq.Connection {
			continue
		}
		stored[plan.Month{Year: m.Year, Month: timeMonth(m.Month)}.String()] = true
	}
	months := make([]string, 0, len(stored))
	for m := range stored {
		months = append(months, m)
	}
	slices.Sort(months)
	for _, m := range months {
		data.Stored = append(data.Stored, storedMonth{Month: m, Href: pq.link("/plan", func(v url.Values) {
			v.Del("from")
			v.Del("to")
			v.Set("month", m)
		})})
	}
	var missing []string
	for m := pq.From; !pq.To.Before(m); m = m.Add(1) {
		if !stored[m.String()] {
			missing = append(missing, m.String())
		}
	}
	data.Missing = strings.Join(missing, ", ")
	data.Range = pq.From.String()
	if pq.To != pq.From {
		data.Range += " – " + pq.To.String()
	}
	if pq.Clamped {
		p.Error = p.T("plan.clamped", planMaxMonths, pq.From.String(), pq.To.String())
	}
	if pq.Connection != "" && !seen[pq.Connection] {
		p.Error = p.T("plan.no_connection", pq.Connection)
	}

	// The connection's column only when there is more than one to tell apart (the CSV always has it).
	data.ShowConnection = len(data.Connections) > 1
	// The net plan's columns and filters where the months shown hold a net plan, or a net filter is asked for.
	data.Net = res.Net || pq.Action != "" || pq.Late
	for _, c := range planColumns {
		if c.Key == "connection" && !data.ShowConnection || c.Net && !data.Net {
			continue
		}
		label := c.Label
		if c.Key == "recommended" && data.Net {
			label = "plan.col.requirement" // before lot sizes: planned is what to make or buy
		}
		h := planHeader{Key: c.Key, Label: p.T(label), Help: p.T(label + ".help"), Num: c.Num}
		desc := c.Num // numbers first sort largest first
		if pq.Sort == c.Key {
			desc = !pq.Desc
			h.Sort = "ascending"
			if pq.Desc {
				h.Sort = "descending"
			}
		}
		h.Href = pq.link("/plan", func(v url.Values) {
			v.Set("sort", c.Key)
			v.Del("dir")
			if desc {
				v.Set("dir", "desc")
			}
		})
		data.Headers = append(data.Headers, h)
	}
	for _, prio := range priorities {
		data.Counts = append(data.Counts, planCount{Priority: prio, N: int64(res.Counts[prio]), Active: slices.Contains(pq.Priorities, prio),
			Href: pq.link("/plan", func(v url.Values) { v.Set("priority", prio) })})
	}

	data.Shown, data.Total = len(res.Rows), res.Total
	data.Pages = max(1, (len(res.Rows)+planPageSize-1)/planPageSize)
	data.Page = min(pq.Page, data.Pages)
	lo, hi := (data.Page-1)*planPageSize, min(data.Page*planPageSize, len(res.Rows))
	if hi > lo {
		data.First, data.Last = lo+1, hi
	}
	pageHref := func(n int) string {
		return pq.link("/plan", func(v url.Values) {
			if n > 1 {
				v.Set("page", strconv.Itoa(n))
			}
		})
	}
	if data.Pages > 1 {
		// The first, the last and three either side of this one: a year of 10,000 SKUs is 240 pages.
		for n := 1; n <= data.Pages; n++ {
			switch {
			case n == 1 || n == data.Pages || abs(n-data.Page) <= 3:
				data.PageLinks = append(data.PageLinks, pageLink{N: n, Href: pageHref(n), Current: n == data.Page})
			case len(data.PageLinks) > 0 && data.PageLinks[len(data.PageLinks)-1].N != 0:
				data.PageLinks = append(data.PageLinks, pageLink{})
			}
		}
		if data.Page > 1 {
			data.Prev = pageHref(data.Page - 1)
		}
		if data.Page < data.Pages {
			data.Next = pageHref(data.Page + 1)
		}
	}
	data.CSV = pq.link("/plan.csv", nil)
	data.Rows = make([]planRow, 0, hi-lo)
	for _, r := range res.Rows[lo:hi] {
		row := newPlanRow(p.locale, r)
		row.Net = data.Net
		data.Rows = append(data.Rows, row)
	}
}

func newPlanRow(l *locale, r *engine.PlanLine) planRow {
	row := planRow{PlanLine: r, Row: r.ProductionRow, Href: skuHref(r.SKU, r.Connection), Month: fmt.Sprintf("%04d-%02d", r.Year, r.Month)}
	if r.ReleaseDate != nil {
		row.Release = r.ReleaseDate.Format(time.DateOnly)
	}
	if r.Action != "" {
		row.ActionLabel = l.T("action." + r.Action)
	}
	if r.Flags != "" {
		for f := range strings.SplitSeq(r.Flags, ",") {
			row.Flags = append(row.Flags, l.flag(f))
		}
	}
	return row
}

// skuHref is the page of a SKU of a connection. The SKU is a path segment: escaped, so a "/" or "?" in it
// stays part of it.
func skuHref(sku, connection string) string {
	h := "/sku/" + url.PathEscape(sku)
	if connection != "" {
		h += "?connection=" + url.QueryEscape(connection)
	}
	return h
}

// planCSV writes exactly the rows the page shows with the same query (every page of them), with the column
// names of production_forecast.
func (d *Dashboard) planCSV(w http.ResponseWriter, r *http.Request) {
	pq, bad := parsePlanQuery(r.URL.Query(), plan.MonthOf(d.now()))
	if bad != nil {
		l := d.locale(r)
		http.Error(w, "400 "+l.T(bad.key, bad.args...), http.StatusBadRequest)
		return
	}
	v, err := d.opts.Source.PlanView(r.Context(), pq.Connection, pq.From, pq.To)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	res := filterPlan(v.Rows, pq)
	name := "plan-" + pq.From.String()
	if pq.To != pq.From {
		name += "_" + pq.To.String()
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write(planCSVHeader)
	rec := make([]string, len(planCSVHeader))
	for _, l := range res.Rows {
		_ = cw.Write(planCSVRecord(rec, l))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		d.opts.Log.Warn("dashboard: plan CSV cut short", "err", err)
	}
}

// planCSVHeader names the columns as production_forecast does, the connection by its name.
var planCSVHeader = []string{"connection", "sku", "product_name", "year", "month", "forecast_quantity", "inventory",
	"production_needed", "safety_stock", "backlog", "recommended_quantity", "coverage_months", "stockout_month", "priority",
	"flags", "inventory_synced_at", "generated_at", "incoming_production", "incoming_purchase", "component_demand",
	"planned_quantity", "action", "release_date"}

func planCSVRecord(rec []string, l *engine.PlanLine) []string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	cov, synced, release := "", "", ""
	if l.ReleaseDate != nil {
		release = l.ReleaseDate.Format(time.DateOnly)
	}
	if l.CoverageMonths != nil {
		cov = num(*l.CoverageMonths)
	}
	if l.InventorySyncedAt != nil {
		synced = l.InventorySyncedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return append(rec[:0], csvText(l.Connection), csvText(l.SKU), csvText(l.ProductName), strconv.Itoa(l.Year), strconv.Itoa(l.Month),
		num(l.ForecastQuantity), num(l.Inventory), num(l.ProductionNeeded), num(l.SafetyStock), num(l.Backlog), num(l.Recommended),
		cov, l.StockoutMonth, l.Priority, csvText(l.Flags), synced, l.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z"),
		num(l.IncomingProduction), num(l.IncomingPurchase), num(l.ComponentDemand), num(l.PlannedQuantity), l.Action, release)
}

// csvText keeps a spreadsheet from reading a text cell as a formula: one that begins with = + - @ (or a tab
// or carriage return, which some spreadsheets skip before looking) gets a leading apostrophe. Numbers are
// written by strconv and never pass through here, so a negative quantity stays a number.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func init() {
	messages(map[string][2]string{
		"plan.title":               {"Plan de producción", "Production plan"},
		"plan.lead":                {"Qué producir y qué primero, del plan guardado (%s).", "What to produce, and what first, from the stored plan (%s)."},
		"plan.from":                {"Desde", "From"},
		"plan.to":                  {"Hasta", "To"},
		"plan.connection":          {"Conexión", "Connection"},
		"plan.all_connections":     {"Todas", "All"},
		"plan.search":              {"Buscar SKU o producto", "Search SKU or product"},
		"plan.priority":            {"Prioridad", "Priority"},
		"plan.apply":               {"Aplicar", "Apply"},
		"plan.reset":               {"Quitar filtros", "Clear filters"},
		"plan.csv":                 {"Descargar CSV", "Download CSV"},
		"plan.shown":               {"%d–%d de %d filas", "%d–%d of %d rows"},
		"plan.shown_none":          {"Ninguna fila coincide", "No row matches"},
		"plan.of_total":            {"(%d en el plan de estos meses)", "(%d in the plan of these months)"},
		"plan.counts":              {"Por prioridad, con los demás filtros:", "By priority, with the other filters:"},
		"plan.stored":              {"Meses con plan guardado:", "Months with a stored plan:"},
		"plan.none_stored":         {"No hay ningún plan guardado. Lo guardan «salesengine run», «salesengine forecast» y «salesengine plan».", "No plan is stored yet. “salesengine run”, “salesengine forecast” and “salesengine plan” store one."},
		"plan.missing":             {"Sin plan guardado para: %s.", "No stored plan for: %s."},
		"plan.page":                {"Página %d de %d", "Page %d of %d"},
		"plan.prev":                {"Anterior", "Previous"},
		"plan.next":                {"Siguiente", "Next"},
		"plan.pages":               {"Páginas", "Pages"},
		"plan.legend":              {"Avisos", "Flags"},
		"plan.sort_by":             {"Ordenar por %s", "Sort by %s"},
		"plan.bad_month":           {"«%[2]s» (%[1]s) no es un mes: escribe AAAA-MM, por ejemplo 2026-01.", "“%[2]s” (%[1]s) is not a month: write YYYY-MM, e.g. 2026-01."},
		"plan.bad_month_and_range": {"Indica un mes (month) o un rango (from, to), no ambos.", "Give a month (month) or a range (from, to), not both."},
		"plan.bad_range":           {"El rango %s – %s termina antes de empezar.", "The range %s – %s ends before it starts."},
		"plan.bad_priority":        {"Prioridad desconocida «%s»: ALTA, MEDIA o BAJA.", "Unknown priority “%s”: ALTA, MEDIA or BAJA."},
		"plan.bad_sort":            {"No se puede ordenar por «%s».", "Cannot sort by “%s”."},
		"plan.bad_dir":             {"Orden «%s» desconocido: asc o desc.", "Unknown order “%s”: asc or desc."},
		"plan.bad_action":          {"Acción desconocida «%s»: produce (fabricar) o buy (comprar).", "Unknown action “%s”: produce or buy."},
		"plan.bad_late":            {"Valor «%s» no válido para late: 1 o nada.", "“%s” is not a value of late: 1 or nothing."},
		"plan.action":              {"Acción", "Action"},
		"plan.all_actions":         {"Todas", "All"},
		"plan.late":                {"Solo lanzamientos atrasados", "Late releases only"},
		"action.produce":           {"fabricar", "produce"},
		"action.buy":               {"comprar", "buy"},
		"plan.col.incoming":        {"En camino", "Incoming"},
		"plan.col.incoming.help": {"Lo que ya se fabrica o se compra y llega en el mes: órdenes de fabricación abiertas (incoming_production) + líneas de compra confirmadas (incoming_purchase)",
			"What is already being made or bought, arriving in the month: open manufacturing orders (incoming_production) + confirmed purchase lines (incoming_purchase)"},
		"plan.col.components":      {"Para componentes", "For components"},
		"plan.col.components.help": {"Lo que necesitan los planes de los productos que lo usan en su lista de materiales (component_demand)", "What the plans of the products whose bill of materials uses it need (component_demand)"},
		"plan.col.planned":         {"Planificado", "Planned"},
		"plan.col.planned.help": {"Qué fabricar o comprar (planned_quantity): la necesidad neta redondeada al múltiplo y mínimo, o el pedido del punto de reorden",
			"What to make or buy (planned_quantity): the net requirement rounded to the multiple and minimum, or the reordering rule's order"},
		"plan.col.action":       {"Acción", "Action"},
		"plan.col.action.help":  {"fabricar (ruta de fabricación o lista de materiales) o comprar", "produce (a manufacture route or a bill of materials) or buy"},
		"plan.col.release":      {"Lanzar", "Release"},
		"plan.col.release.help": {"Cuándo empezar a fabricar o pedir (release_date): primer día del mes menos el plazo de entrega", "When to start producing or order (release_date): the first day of the month minus the lead time"},
		"plan.col.requirement":  {"Necesidad neta", "Net requirement"},
		"plan.col.requirement.help": {"Necesidad neta (recommended_quantity): demanda + componentes + seguridad − disponible − en camino, antes de lotes",
			"Net requirement (recommended_quantity): demand + components + safety − available − incoming, before lot sizes"},
		"plan.bad_page":            {"Página «%s» no válida.", "Page “%s” is not valid."},
		"plan.clamped":             {"Se muestran como mucho %d meses a la vez: %s – %s.", "At most %d months are shown at once: %s – %s."},
		"plan.no_connection":       {"La conexión «%s» no tiene plan guardado.", "Connection “%s” has no stored plan."},
		"plan.col.connection":      {"Conexión", "Connection"},
		"plan.col.sku":             {"SKU", "SKU"},
		"plan.col.product":         {"Producto", "Product"},
		"plan.col.month":           {"Mes", "Month"},
		"plan.col.priority":        {"Prioridad", "Priority"},
		"plan.col.forecast":        {"Pronóstico", "Forecast"},
		"plan.col.inventory":       {"Existencias", "On hand"},
		"plan.col.safety":          {"Seguridad", "Safety"},
		"plan.col.backlog":         {"Pendiente", "Backlog"},
		"plan.col.needed":          {"Pron. − exist.", "Fcst − on hand"},
		"plan.col.recommended":     {"Producir", "To produce"},
		"plan.col.coverage":        {"Cobertura", "Coverage"},
		"plan.col.stockout":        {"Quiebre", "Stock-out"},
		"plan.col.flags":           {"Avisos", "Flags"},
		"plan.no_demand":           {"sin demanda", "no demand"},
		"plan.col.sku.help":        {"Código del producto en Odoo; abre su página", "The product's code in Odoo; opens its page"},
		"plan.col.product.help":    {"Nombre del producto en Odoo", "The product's name in Odoo"},
		"plan.col.connection.help": {"La conexión (base de datos de Odoo) del plan", "The connection (Odoo database) of the plan"},
		"plan.col.month.help":      {"Mes del plan", "The plan's month"},
		"plan.col.priority.help":   {"ALTA o MEDIA: hay algo que producir; BAJA: nada", "ALTA or MEDIA: something to produce; BAJA: nothing"},
		"plan.col.forecast.help":   {"Demanda pronosticada del mes (forecast_quantity)", "The month's forecast demand (forecast_quantity)"},
		"plan.col.inventory.help":  {"Existencias en Odoo (qty_available) al hacer el plan", "On hand in Odoo (qty_available) when the plan was made"},
		"plan.col.safety.help":     {"Stock de seguridad (safety_stock) frente a un mes más fuerte que el pronóstico", "Safety stock (safety_stock) against a month busier than forecast"},
		"plan.col.backlog.help":    {"Confirmado y aún no entregado (backlog)", "Confirmed and not yet delivered (backlog)"},
		"plan.col.needed.help":     {"Pronóstico − existencias, la cifra del sistema anterior (production_needed)", "Forecast − on hand, the previous system's figure (production_needed)"},
		"plan.col.recommended.help": {"Qué producir (recommended_quantity): pronóstico + seguridad + pendiente − existencias, como mínimo 0",
			"What to produce (recommended_quantity): forecast + safety + backlog − on hand, at least 0"},
		"plan.col.coverage.help":   {"Meses que duran las existencias al ritmo del pronóstico (coverage_months)", "Months the stock lasts at the forecast's pace (coverage_months)"},
		"plan.col.stockout.help":   {"Primer mes en que faltaría stock sin producir más (stockout_month)", "The first month short of stock if nothing more is produced (stockout_month)"},
		"plan.col.flags.help":      {"Avisos sobre la fila; pasa el ratón por encima o mira la leyenda", "Warnings about the row; hover, or see the legend"},
		"flag.no_inventory_record": {"sin registro de stock", "no stock record"},
		"flag.no_inventory_record.help": {"Se vende pero Odoo no tiene registro de existencias; se toma 0.",
			"It sells but Odoo has no stock record for it; on hand is taken as 0."},
		"flag.negative_inventory": {"stock negativo", "negative stock"},
		"flag.negative_inventory.help": {"Las existencias de Odoo son negativas (revisa los movimientos); la cobertura es 0.",
			"Odoo's on-hand quantity is below zero (check the stock moves); coverage is 0."},
		"flag.no_forecast": {"sin pronóstico", "no forecast"},
		"flag.no_forecast.help": {"No hay pronóstico (sin ventas o con muy poca historia); se toma 0.",
			"There is no forecast (no or too little sales history); it is taken as 0."},
		"flag.month_outside_forecast": {"mes sin pronóstico", "month not forecast"},
		"flag.month_outside_forecast.help": {"Hay pronóstico, pero no para este mes (antes o después del horizonte); se toma 0.",
			"There is a forecast, but not for this month (before or after the horizon); it is taken as 0."},
		"flag.no_interval": {"sin intervalo", "no interval"},
		"flag.no_interval.help": {"El pronóstico no tiene un intervalo del 95 % utilizable para el mes: el stock de seguridad es 0.",
			"The forecast has no usable 95% interval for the month, so the safety stock is 0."},
		"flag.surplus": {"excedente", "surplus"},
		"flag.surplus.help": {"El stock disponible (tras lo pendiente de entrega) supera lo que el mes necesita: nada que producir.",
			"The stock available (after the backlog) exceeds what the month needs: nothing to produce."},
		"flag.late_supply": {"suministro atrasado", "late supply"},
		"flag.late_supply.help": {"Una orden de fabricación o de compra abierta debía terminar o llegar antes de hoy; su cantidad pendiente cuenta en el mes actual.",
			"An open manufacturing or purchase order was due to finish or arrive before today; its remaining quantity counts in the current month."},
		"flag.late_release": {"lanzamiento atrasado", "late release"},
		"flag.late_release.help": {"La cantidad planificada debía pedirse o empezar a fabricarse antes de hoy (primer día del mes menos el plazo de entrega).",
			"The planned quantity should have been ordered or started before today (the first day of the month minus the lead time)."},
		"flag.override": {"pronóstico corregido", "override"},
		"flag.override.help": {"El pronóstico del mes es una corrección del planificador, no el pronóstico estadístico (ver la página del SKU).",
			"The month's forecast is a planner's override, not the statistical forecast (see the SKU's page)."},
		"flag.archived": {"archivado", "archived"},
		"flag.archived.help": {"Archivado en Odoo pero aún se vende, así que se planifica.",
			"Archived in Odoo but still sold, so still planned."},
	})
}

func abs(n int) int { return max(n, -n) }
