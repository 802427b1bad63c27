package odootest

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

type orderKey struct {
	f    *field
	desc bool
}

// orderRe is the ORM's check of an order specification (models.py regex_order).
var orderRe = regexp.MustCompile(`(?i)^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\.id)?(\s+(desc|asc))?(\s+nulls\s+(first|last))?\s*(,|$))+$`)

func errOrder(spec string) *odooError {
	return errUser(fmt.Sprintf("Invalid \"order\" specified (%s). A valid \"order\" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)", spec))
}

// parseOrder parses "field [asc|desc] [nulls first|last], ...": a malformed spec is a UserError, an unknown
// field a ValueError, a non-stored field cannot be ordered by.
func parseOrder(m *model, spec string) ([]orderKey, error) {
	if !orderRe.MatchString(spec) {
		return nil, errOrder(spec)
	}
	var keys []orderKey
	for _, part := range strings.Split(spec, ",") {
		words := strings.Fields(part)
		if len(words) == 0 {
			continue
		}
		name := strings.Trim(words[0], `"`)
		f := m.fields[name]
		if f == nil {
			return nil, errValue("Invalid field '%s' on model '%s'", name, m.name)
		}
		if !f.stored {
			return nil, errValue("Cannot convert %s.%s to SQL because it is not stored", m.name, name)
		}
		k := orderKey{f: f}
		if len(words) > 1 && strings.EqualFold(words[1], "desc") {
			k.desc = true
		}
		keys = append(keys, k)
	}
	return keys, nil
}

type searchParams struct {
	domain any
	offset int
	limit  int // < 0: no limit
	order  string
}

// query is a compiled search.
type query struct {
	m     *model
	match pred
	conj  []*leaf
}

func (s *Server) compileSearch(e *env, m *model, domain any) (*query, error) {
	tree, err := parseDomain(m, domain)
	if err != nil {
		return nil, err
	}
	p := tree.compile()
	if m.hasActive && e.activeTest && !tree.namesActive() {
		dp, act := p, m.active
		p = func(e *env, r rec) bool { return act(r) && dp(e, r) }
	}
	if m.rule != nil {
		dp, rule := p, m.rule
		p = func(e *env, r rec) bool { return rule(e, r) && dp(e, r) }
	}
	return &query{m: m, match: p, conj: tree.conjuncts(nil)}, nil
}

// candidates narrows the scan with the top-level bounds on id and write_date. byWD reports whether the
// slice is in (write_date, id) order rather than id order.
func (q *query) candidates(preferWD bool) (rows []rec, byWD bool) {
	idLo, idHi := int64(math.MinInt64), int64(math.MaxInt64)
	wdLo, wdHi := int64(math.MinInt64), int64(math.MaxInt64)
	idBound, wdBound := false, false
	for _, l := range q.conj {
		if !l.bound {
			continue
		}
		lo, hi := &idLo, &idHi
		if l.path == "write_date" {
			lo, hi = &wdLo, &wdHi
			wdBound = true
		} else {
			idBound = true
		}
		v := l.boundVal
		switch l.op {
		case "=":
			*lo, *hi = max(*lo, v), min(*hi, v)
		case ">":
			if v < math.MaxInt64 {
				*lo = max(*lo, v+1)
			}
		case ">=":
			*lo = max(*lo, v)
		case "<":
			if v > math.MinInt64 {
				*hi = min(*hi, v-1)
			}
		case "<=":
			*hi = min(*hi, v)
		}
	}
	t := q.m.t
	for _, l := range q.conj {
		if !l.hasInIDs || len(l.inIDs) >= len(t.rows)/8 {
			continue
		}
		ids := l.inIDs
		if inv := q.m.inverse[l.path]; inv != nil {
			// ('order_id', 'in', orders): the orders' line ids
			ids = nil
			for _, id := range l.inIDs {
				ids = append(ids, inv(id)...)
			}
			slices.Sort(ids)
			ids = slices.Compact(ids)
		}
		// a short id list: look the records up instead of scanning (the predicate still checks them)
		rows := make([]rec, 0, len(ids))
		for _, id := range ids {
			if r := t.get(id); r != nil {
				rows = append(rows, r)
			}
		}
		return rows, false
	}
	var idRows []rec
	if idBound {
		a := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].recID() >= idLo })
		b := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].recID() > idHi })
		if b < a {
			b = a
		}
		idRows = t.rows[a:b]
	}
	if !wdBound && !preferWD {
		if idBound {
			return idRows, false
		}
		return t.rows, false
	}
	idx := t.wdIndex()
	a := sort.Search(len(idx), func(i int) bool { return idx[i].recWD().UnixMicro() >= wdLo })
	b := sort.Search(len(idx), func(i int) bool { return idx[i].recWD().UnixMicro() > wdHi })
	if b < a {
		b = a
	}
	wdRows := idx[a:b]
	if idBound && len(idRows) < len(wdRows) && !preferWD {
		return idRows, false
	}
	return wdRows, true
}

func isOrder(keys []orderKey, names ...string) (ok, desc bool) {
	if len(keys) != len(names) {
		return false, false
	}
	for i, k := range keys {
		if k.f.name != names[i] || k.desc != keys[0].desc {
			return false, false
		}
	}
	return true, keys[0].desc
}

// run executes a search: matching records in order, after offset, at most limit.
func (s *Server) search(e *env, m *model, p searchParams) ([]rec, error) {
	spec := p.order
	if strings.TrimSpace(spec) == "" {
		spec = m.defaultOrder
	}
	keys, err := parseOrder(m, spec)
	if err != nil {
		return nil, err
	}
	q, err := s.compileSearch(e, m, p.domain)
	if err != nil {
		return nil, err
	}
	idOrder, idDesc := isOrder(keys, "id")
	wdOrder, wdDesc := isOrder(keys, "write_date", "id")
	if !wdOrder {
		wdOrder, wdDesc = isOrder(keys, "write_date")
	}
	cands, byWD := q.candidates(wdOrder)
	if (idOrder && !byWD) || (wdOrder && byWD) {
		desc := idDesc || wdDesc
		return stream(e, q.match, cands, desc, p.offset, p.limit), nil
	}
	var matched []rec
	for _, r := range cands {
		if q.match(e, r) {
			matched = append(matched, r)
		}
	}
	sortRecords(e, matched, keys)
	return window(matched, p.offset, p.limit), nil
}

func stream(e *env, match pred, cands []rec, desc bool, offset, limit int) []rec {
	var out []rec
	skip := offset
	n := len(cands)
	for i := 0; i < n; i++ {
		r := cands[i]
		if desc {
			r = cands[n-1-i]
		}
		if !match(e, r) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if limit >= 0 && len(out) >= limit {
			break
		}
		out = append(out, r)
	}
	return out
}

func window(rows []rec, offset, limit int) []rec {
	if offset >= len(rows) {
		return nil
	}
	rows = rows[offset:]
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	return rows
}

// sortRecords sorts like PostgreSQL: NULLS LAST ascending, NULLS FIRST descending; id breaks ties.
func sortRecords(e *env, rows []rec, keys []orderKey) {
	type item struct {
		r    rec
		vals []value
	}
	items := make([]item, len(rows))
	for i, r := range rows {
		vals := make([]value, len(keys))
		for j, k := range keys {
			vals[j] = k.f.get(e, r)
		}
		items[i] = item{r, vals}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		for j, k := range keys {
			va, vb := a.vals[j], b.vals[j]
			var c int
			switch {
			case va.k == kNull && vb.k == kNull:
				c = 0
			case va.k == kNull:
				c = 1
			case vb.k == kNull:
				c = -1
			default:
				c = compareValue(va, vb)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		switch ai, bi := a.r.recID(), b.r.recID(); {
		case ai < bi:
			return -1
		case ai > bi:
			return 1
		}
		return 0
	})
	for i := range items {
		rows[i] = items[i].r
	}
}

func (s *Server) count(e *env, m *model, domain any) (int64, error) {
	q, err := s.compileSearch(e, m, domain)
	if err != nil {
		return 0, err
	}
	cands, _ := q.candidates(false)
	var n int64
	for _, r := range cands {
		if q.match(e, r) {
			n++
		}
	}
	return n, nil
}

// rowSet is a read/search_read result, encoded straight from the records.
type rowSet struct {
	e      *env
	m      *model
	rows   []rec
	fields []*field // id first

	names map[*field]map[int64]string // many2one display names already looked up
}

// displayName memoizes many2one display names within one result (a page repeats orders, companies...).
func (rs *rowSet) displayName(f *field, id int64) string {
	if rs.names == nil {
		rs.names = map[*field]map[int64]string{}
	}
	byID := rs.names[f]
	if byID == nil {
		byID = map[int64]string{}
		rs.names[f] = byID
	}
	name, ok := byID[id]
	if !ok {
		name = rs.e.displayName(f.relation, id)
		byID[id] = name
	}
	return name
}

// resolveFields checks the requested field names; none means every field.
func resolveFields(m *model, names []string) ([]*field, error) {
	out := []*field{m.fields["id"]}
	if len(names) == 0 {
		for _, f := range m.list {
			if f.name != "id" {
				out = append(out, f)
			}
		}
		return out, nil
	}
	seen := map[string]bool{"id": true}
	for _, n := range names {
		f := m.fields[n]
		if f == nil {
			return nil, errValue("Invalid field '%s' on model '%s'", n, m.name)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, f)
		}
	}
	return out, nil
}

func (rs *rowSet) writeJSON(w *jw) {
	w.b = append(w.b, '[')
	for i, r := range rs.rows {
		if i > 0 {
			w.b = append(w.b, ',', ' ')
		}
		w.b = append(w.b, '{')
		for j, f := range rs.fields {
			if j > 0 {
				w.b = append(w.b, ',', ' ')
			}
			w.str(f.name)
			w.b = append(w.b, ':', ' ')
			rs.writeValue(w, f, f.get(rs.e, r))
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

func (rs *rowSet) writeValue(w *jw, f *field, v value) {
	switch v.k {
	case kNull:
		if f.typ == "one2many" || f.typ == "many2many" {
			w.raw("[]")
		} else {
			w.raw("false")
		}
	case kInt:
		w.int(v.i)
	case kFloat:
		w.float(v.f)
	case kStr, kDate:
		w.str(v.s)
	case kBool:
		if v.i == 1 {
			w.raw("true")
		} else {
			w.raw("false")
		}
	case kM2O:
		w.b = append(w.b, '[')
		w.int(v.i)
		w.b = append(w.b, ',', ' ')
		w.str(rs.displayName(f, v.i))
		w.b = append(w.b, ']')
	case kIDs:
		w.any(v.ids)
	case kTime:
		w.str(formatDatetime(v.i))
	}
}
