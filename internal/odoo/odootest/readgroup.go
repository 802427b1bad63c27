package odootest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Grouping: read_group (every version; deprecated from 19) and formatted_read_group (19, saas~18.2+),
// over stored fields, aggregates sum/avg/min/max/count/count_distinct; having is not supported. Dates
// are grouped in UTC (the context's tz is not applied) and labelled as en_US does ("January 2025").

var groupSpecRe = regexp.MustCompile(`^(\w+)(?::(\w+))?$`)
var aggSpecRe = regexp.MustCompile(`^(\w+)(?::(\w+)(?:\((\w+)\))?)?$`)

type groupSpec struct {
	spec string
	f    *field
	gran string // day, week, month, quarter, year for dates
}

type aggSpec struct {
	key string
	f   *field // nil for __count
	fn  string // sum, min, max, avg, count, count_distinct, array_agg...
}

func parseGroupBy(m *model, specs []string) ([]groupSpec, error) {
	var out []groupSpec
	for _, sp := range specs {
		g := groupSpecRe.FindStringSubmatch(strings.TrimSpace(sp))
		if g == nil {
			return nil, errValue("Invalid groupby specification %q", sp)
		}
		f := m.fields[g[1]]
		if f == nil {
			return nil, errValue("Invalid field '%s' on model '%s'", g[1], m.name)
		}
		if !f.stored || f.typ == "one2many" || f.typ == "many2many" {
			return nil, errValue("Field %s.%s is not a stored field, only stored fields (regular or many2many) are valid for the 'groupby' parameter", m.name, f.name)
		}
		gs := groupSpec{spec: sp, f: f, gran: g[2]}
		if f.typ == "date" || f.typ == "datetime" {
			if gs.gran == "" {
				gs.gran = "month"
			}
			if !slices.Contains([]string{"day", "week", "month", "quarter", "year"}, gs.gran) {
				return nil, errValue("Invalid granularity %q", gs.gran)
			}
		} else if gs.gran != "" {
			return nil, errValue("Granularity set on a no-datetime field or property: %s", sp)
		}
		out = append(out, gs)
	}
	return out, nil
}

func numeric(f *field) bool { return f.typ == "integer" || f.typ == "float" || f.typ == "monetary" }

// parseAggregates understands "field", "field:agg", "alias:agg(field)" and "__count".
func parseAggregates(m *model, specs []string, implicit bool) ([]aggSpec, error) {
	var out []aggSpec
	for _, sp := range specs {
		if sp == "__count" {
			out = append(out, aggSpec{key: "__count", fn: "count"})
			continue
		}
		g := aggSpecRe.FindStringSubmatch(strings.TrimSpace(sp))
		if g == nil {
			return nil, errValue("Invalid aggregate specification %q", sp)
		}
		key, fn, name := g[1], g[2], g[1]
		if g[3] != "" {
			name = g[3]
		}
		f := m.fields[name]
		if f == nil {
			return nil, errValue("Invalid field '%s' on model '%s'", name, m.name)
		}
		if fn == "" {
			if !implicit || !numeric(f) || f.name == "id" || f.name == "sequence" {
				continue // no aggregator: read_group leaves the field out
			}
			fn = "sum"
		}
		switch fn {
		case "sum", "avg", "min", "max", "count", "count_distinct", "bool_and", "bool_or", "array_agg":
		default:
			return nil, errValue("Invalid aggregation function %q", fn)
		}
		if (fn == "sum" || fn == "avg") && !numeric(f) {
			return nil, errValue("Aggregate %s is not valid on field %s", fn, name)
		}
		if g[3] == "" && !implicit {
			key = sp
		}
		out = append(out, aggSpec{key: key, f: f, fn: fn})
	}
	return out, nil
}

// dateBucket returns the group's start, end and label for a datetime in microseconds.
func dateBucket(us int64, gran string) (from, to time.Time, label string) {
	t := time.UnixMicro(us).UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch gran {
	case "day":
		return day, day.AddDate(0, 0, 1), day.Format("02 Jan 2006")
	case "week":
		wd := (int(day.Weekday()) + 6) % 7 // ISO weeks start on Monday
		from = day.AddDate(0, 0, -wd)
		y, w := from.ISOWeek()
		return from, from.AddDate(0, 0, 7), fmt.Sprintf("W%d %d", w, y)
	case "quarter":
		q := (int(t.Month()) - 1) / 3
		from = time.Date(t.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 3, 0), fmt.Sprintf("Q%d %d", q+1, t.Year())
	case "year":
		from = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(1, 0, 0), fmt.Sprint(t.Year())
	}
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, 1, 0), from.Format("January 2006")
}

type distinctKey struct {
	k kind
	i int64
	s string
	f float64
}

type groupAcc struct {
	keys   []value
	count  int64
	sums   []float64
	nn     []int64 // non-null values per aggregate
	mins   []value
	maxs   []value
	seen   []map[distinctKey]bool
	anyVal []bool
	first  rec
}

// groupRecords groups the matching records; groups come out ordered by their keys (NULLS LAST), as the
// ORM orders read_group results by the groupby fields by default.
func (s *Server) groupRecords(e *env, m *model, domain any, gbs []groupSpec, aggs []aggSpec) ([]*groupAcc, error) {
	q, err := s.compileSearch(e, m, domain)
	if err != nil {
		return nil, err
	}
	cands, _ := q.candidates(false)
	index := map[string]*groupAcc{}
	var groups []*groupAcc
	for _, r := range cands {
		if !q.match(e, r) {
			continue
		}
		keys := make([]value, len(gbs))
		var sb strings.Builder
		for i, g := range gbs {
			v := g.f.get(e, r)
			if v.k == kTime {
				from, _, _ := dateBucket(v.i, g.gran)
				v = value{k: kTime, i: from.UnixMicro()}
			}
			keys[i] = v
			fmt.Fprintf(&sb, "%d|%d|%s|%g;", v.k, v.i, v.s, v.f)
		}
		acc := index[sb.String()]
		if acc == nil {
			acc = &groupAcc{keys: keys, sums: make([]float64, len(aggs)), nn: make([]int64, len(aggs)), mins: make([]value, len(aggs)), maxs: make([]value, len(aggs)),
				seen: make([]map[distinctKey]bool, len(aggs)), anyVal: make([]bool, len(aggs)), first: r}
			index[sb.String()] = acc
			groups = append(groups, acc)
		}
		acc.count++
		for i, a := range aggs {
			if a.f == nil {
				continue
			}
			v := a.f.get(e, r)
			if v.k == kNull {
				continue
			}
			switch v.k {
			case kInt:
				acc.sums[i] += float64(v.i)
			case kFloat:
				acc.sums[i] += v.f
			}
			if !acc.anyVal[i] || compareValue(v, acc.mins[i]) < 0 {
				acc.mins[i] = v
			}
			if !acc.anyVal[i] || compareValue(v, acc.maxs[i]) > 0 {
				acc.maxs[i] = v
			}
			if a.fn == "count_distinct" {
				if acc.seen[i] == nil {
					acc.seen[i] = map[distinctKey]bool{}
				}
				acc.seen[i][distinctKey{k: v.k, i: v.i, s: v.s, f: v.f}] = true
			}
			acc.anyVal[i] = true
			acc.nn[i]++
		}
	}
	slices.SortStableFunc(groups, func(a, b *groupAcc) int {
		for i := range gbs {
			va, vb := a.keys[i], b.keys[i]
			switch {
			case va.k == kNull && vb.k == kNull:
				continue
			case va.k == kNull:
				return 1
			case vb.k == kNull:
				return -1
			}
			if c := compareValue(va, vb); c != 0 {
				return c
			}
		}
		return 0
	})
	return groups, nil
}

func (s *Server) aggValue(acc *groupAcc, i int, a aggSpec) any {
	switch a.fn {
	case "count":
		if a.f == nil {
			return acc.count
		}
		return acc.nn[i]
	case "count_distinct":
		return int64(len(acc.seen[i]))
	case "sum":
		if a.f.typ == "integer" {
			return int64(acc.sums[i])
		}
		return round2(acc.sums[i]*1e6) / 1e6
	case "avg":
		if acc.nn[i] == 0 {
			return false
		}
		return acc.sums[i] / float64(acc.nn[i])
	case "min", "max":
		v := acc.mins[i]
		if a.fn == "max" {
			v = acc.maxs[i]
		}
		if !acc.anyVal[i] {
			return false
		}
		switch v.k {
		case kInt, kM2O:
			return v.i
		case kFloat:
			return v.f
		case kTime:
			return formatDatetime(v.i)
		case kStr, kDate:
			return v.s
		}
	}
	return false
}

// groupValue renders a group key: [id, name] for many2one, the label for dates, the value otherwise.
func (e *env) groupValue(g groupSpec, v value) any {
	switch v.k {
	case kNull:
		return false
	case kM2O:
		return []any{v.i, e.displayName(g.f.relation, v.i)}
	case kTime:
		_, _, label := dateBucket(v.i, g.gran)
		return label
	case kStr, kDate:
		return v.s
	case kBool:
		return v.i == 1
	case kInt:
		return v.i
	case kFloat:
		return v.f
	}
	return false
}

// groupDomain is the group's own domain (its leaves on the groupby fields).
func groupDomain(gbs []groupSpec, keys []value) []any {
	var d []any
	for i, g := range gbs {
		v := keys[i]
		switch v.k {
		case kNull:
			d = append(d, []any{g.f.name, "=", false})
		case kTime:
			from, to, _ := dateBucket(v.i, g.gran)
			d = append(d, []any{g.f.name, ">=", from.Format(time.DateTime)}, []any{g.f.name, "<", to.Format(time.DateTime)})
		case kM2O, kInt:
			d = append(d, []any{g.f.name, "=", v.i})
		case kBool:
			d = append(d, []any{g.f.name, "=", v.i == 1})
		case kFloat:
			d = append(d, []any{g.f.name, "=", v.f})
		default:
			d = append(d, []any{g.f.name, "=", v.s})
		}
	}
	return d
}

// readGroup is read_group(domain, fields, groupby, offset, limit, orderby, lazy); orderby is ignored
// (groups come ordered by their keys).
func (s *Server) readGroup(e *env, m *model, a map[string]any) (any, error) {
	fields, err := stringList(a["fields"])
	if err != nil {
		return nil, err
	}
	groupby, err := stringList(a["groupby"])
	if err != nil {
		return nil, err
	}
	lazy := true
	if b, ok := a["lazy"].(bool); ok {
		lazy = b
	}
	all := groupby
	if lazy && len(groupby) > 1 {
		groupby = groupby[:1]
	}
	gbs, err := parseGroupBy(m, groupby)
	if err != nil {
		return nil, err
	}
	aggs, err := parseAggregates(m, fields, true)
	if err != nil {
		return nil, err
	}
	offset, err := intArg(a["offset"], 0)
	if err != nil {
		return nil, err
	}
	limit, err := intArg(a["limit"], -1)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = -1
	}
	groups, err := s.groupRecords(e, m, a["domain"], gbs, aggs)
	if err != nil {
		return nil, err
	}
	countKey := "__count"
	if lazy && len(gbs) > 0 {
		// Odoo names it after the field without the granularity: create_date_count for create_date:month
		name, _, _ := strings.Cut(groupby[0], ":")
		countKey = name + "_count"
	}
	base, _ := a["domain"].([]any)
	var out []any
	for _, g := range window(groupsAsRecs(groups), offset, limit) {
		acc := g.(*groupRec).acc
		row := obj{}
		for i, gb := range gbs {
			row = append(row, kv{gb.spec, e.groupValue(gb, acc.keys[i])})
		}
		row = append(row, kv{countKey, acc.count})
		for i, ag := range aggs {
			if ag.key == "__count" {
				continue
			}
			row = append(row, kv{ag.key, s.aggValue(acc, i, ag)})
		}
		dom := append(groupDomain(gbs, acc.keys), base...)
		row = append(row, kv{"__domain", dom})
		if lazy && len(all) > 1 {
			row = append(row, kv{"__context", obj{{"group_by", toAny(all[1:])}}})
		}
		for i, gb := range gbs {
			if acc.keys[i].k == kTime {
				from, to, _ := dateBucket(acc.keys[i].i, gb.gran)
				row = append(row, kv{"__range", obj{{gb.spec, obj{{"from", from.Format(time.DateTime)}, {"to", to.Format(time.DateTime)}}}}})
			}
		}
		out = append(out, row)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// formattedReadGroup is formatted_read_group(domain, groupby, aggregates, having, offset, limit, order)
// (19, saas~18.2+). Date groups are [start, label] pairs.
func (s *Server) formattedReadGroup(e *env, m *model, a map[string]any) (any, error) {
	groupby, err := stringList(a["groupby"])
	if err != nil {
		return nil, err
	}
	aggregates, err := stringList(a["aggregates"])
	if err != nil {
		return nil, err
	}
	if h, ok := a["having"].([]any); ok && len(h) > 0 {
		return nil, errValue("having is not supported by the fake")
	}
	gbs, err := parseGroupBy(m, groupby)
	if err != nil {
		return nil, err
	}
	aggs, err := parseAggregates(m, aggregates, false)
	if err != nil {
		return nil, err
	}
	offset, err := intArg(a["offset"], 0)
	if err != nil {
		return nil, err
	}
	limit, err := intArg(a["limit"], -1)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = -1
	}
	groups, err := s.groupRecords(e, m, a["domain"], gbs, aggs)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, g := range window(groupsAsRecs(groups), offset, limit) {
		acc := g.(*groupRec).acc
		row := obj{}
		for i, gb := range gbs {
			v := e.groupValue(gb, acc.keys[i])
			if acc.keys[i].k == kTime {
				from, _, label := dateBucket(acc.keys[i].i, gb.gran)
				v = []any{from.Format(time.DateTime), label}
			}
			row = append(row, kv{gb.spec, v})
		}
		for i, ag := range aggs {
			row = append(row, kv{ag.key, s.aggValue(acc, i, ag)})
		}
		row = append(row, kv{"__extra_domain", groupDomain(gbs, acc.keys)})
		out = append(out, row)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// groupRec lets window() page groups.
type groupRec struct{ acc *groupAcc }

func (g *groupRec) recID() int64      { return 0 }
func (g *groupRec) recWD() time.Time  { return time.Time{} }
func (g *groupRec) setWD(t time.Time) {}
func groupsAsRecs(gs []*groupAcc) []rec {
	out := make([]rec, len(gs))
	for i, g := range gs {
		out[i] = &groupRec{g}
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
