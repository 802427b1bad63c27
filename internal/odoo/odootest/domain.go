package odootest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

type pred func(e *env, r rec) bool

// dnode is a parsed domain: '&', '|', '!' or a leaf.
type dnode struct {
	kind byte // '&', '|', '!', 'L', 'T' (true leaf), 'F' (false leaf)
	a, b *dnode
	leaf *leaf
}

type leaf struct {
	field *field // first field of the path
	path  string
	op    string
	p     pred
	// for the planner: a top-level leaf on id or write_date with a scalar value
	bound    bool
	boundVal int64   // id, or write_date in unix microseconds
	inIDs    []int64 // ('id', 'in', [...]): sorted, deduplicated
	hasInIDs bool
}

var domainOps = map[string]bool{
	"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true, "=?": true,
	"like": true, "not like": true, "ilike": true, "not ilike": true, "=like": true, "=ilike": true,
	"in": true, "not in": true, "child_of": true, "parent_of": true, "any": true, "not any": true,
}

func reprLeaf(l []any) string {
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = pyRepr(x)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// pyRepr renders a decoded argument roughly as Python would, for error messages.
func pyRepr(x any) string {
	switch v := x.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return "'" + v + "'"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return fmt.Sprint(v)
	}
}

// parseDomain parses a prefix-notation domain; consecutive terms are ANDed.
func parseDomain(m *model, d any) (*dnode, error) {
	if d == nil {
		return &dnode{kind: 'T'}, nil
	}
	items, ok := d.([]any)
	if !ok {
		return nil, errValue("Invalid domain: %s", pyRepr(d))
	}
	if len(items) == 0 {
		return &dnode{kind: 'T'}, nil
	}
	p := &domainParser{m: m, items: items}
	var root *dnode
	for p.pos < len(items) {
		n, err := p.term()
		if err != nil {
			return nil, err
		}
		if root == nil {
			root = n
		} else {
			root = &dnode{kind: '&', a: root, b: n}
		}
	}
	return root, nil
}

type domainParser struct {
	m     *model
	items []any
	pos   int
}

func (p *domainParser) term() (*dnode, error) {
	if p.pos >= len(p.items) {
		return nil, errValue("Invalid domain: missing operand in %s", pyRepr(p.items))
	}
	it := p.items[p.pos]
	p.pos++
	switch x := it.(type) {
	case string:
		switch x {
		case "&", "|":
			a, err := p.term()
			if err != nil {
				return nil, err
			}
			b, err := p.term()
			if err != nil {
				return nil, err
			}
			return &dnode{kind: x[0], a: a, b: b}, nil
		case "!":
			a, err := p.term()
			if err != nil {
				return nil, err
			}
			return &dnode{kind: '!', a: a}, nil
		}
		return nil, errValue("Invalid domain term %s", pyRepr(x))
	case []any:
		return compileLeaf(p.m, x, true)
	}
	return nil, errValue("Invalid domain term %s", pyRepr(it))
}

// compileLeaf compiles [path, op, value]. top tells whether the leaf may feed the planner (it is only
// trusted when it is also a top-level conjunct; see conjuncts).
func compileLeaf(m *model, l []any, top bool) (*dnode, error) {
	if len(l) != 3 {
		return nil, errValue("Invalid leaf %s", reprLeaf(l))
	}
	opRaw, ok := l[1].(string)
	if !ok {
		return nil, errValue("Invalid leaf %s", reprLeaf(l))
	}
	op := strings.ToLower(opRaw)
	switch op {
	case "<>":
		op = "!="
	case "==":
		op = "="
	}
	if !domainOps[op] {
		return nil, errValue("Invalid leaf %s", reprLeaf(l))
	}
	// TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
	if n, ok := l[0].(int64); ok {
		if r, ok := l[2].(int64); ok && op == "=" && r == 1 && (n == 0 || n == 1) {
			if n == 1 {
				return &dnode{kind: 'T'}, nil
			}
			return &dnode{kind: 'F'}, nil
		}
		return nil, errValue("Invalid leaf %s", reprLeaf(l))
	}
	path, ok := l[0].(string)
	if !ok || path == "" {
		return nil, errValue("Invalid leaf %s", reprLeaf(l))
	}
	lf, err := compilePath(m, path, op, l[2], l)
	if err != nil {
		return nil, err
	}
	return &dnode{kind: 'L', leaf: lf}, nil
}

func compilePath(m *model, path, op string, val any, orig []any) (*leaf, error) {
	name, rest, dotted := strings.Cut(path, ".")
	f := m.fields[name]
	if f == nil {
		return nil, errValue("Invalid field %s.%s in leaf %s", m.name, name, reprLeaf(orig))
	}
	lf := &leaf{field: f, path: path, op: op}
	if dotted {
		co := m.s().models[f.relation]
		if co == nil || (f.typ != "many2one" && f.typ != "one2many" && f.typ != "many2many") {
			return nil, errValue("Invalid field %s.%s in leaf %s", m.name, path, reprLeaf(orig))
		}
		sub, err := compilePath(co, rest, op, val, orig)
		if err != nil {
			return nil, err
		}
		get := f.get
		if f.typ == "many2one" {
			lf.p = func(e *env, r rec) bool {
				v := get(e, r)
				if v.k != kM2O {
					return false
				}
				t := co.t.get(v.i)
				return t != nil && sub.p(e, t)
			}
		} else {
			lf.p = func(e *env, r rec) bool {
				for _, id := range get(e, r).ids {
					if t := co.t.get(id); t != nil && sub.p(e, t) {
						return true
					}
				}
				return false
			}
		}
		return lf, nil
	}
	p, err := compileOp(m, f, op, val, orig)
	if err != nil {
		return nil, err
	}
	lf.p = p
	if (name == "id" && op == "in") || (m.inverse[name] != nil && (op == "in" || op == "=")) {
		if ids, ok := idList(val); ok {
			slices.Sort(ids)
			lf.inIDs, lf.hasInIDs = slices.Compact(ids), true
		}
	}
	if (name == "id" || name == "write_date") && (op == "=" || op == ">" || op == ">=" || op == "<" || op == "<=") {
		if name == "id" {
			if n, ok := asInt(val); ok {
				lf.bound, lf.boundVal = true, n
			}
		} else if us, ok := datetimeArg(val, op); ok {
			lf.bound, lf.boundVal = true, us
		}
	}
	return lf, nil
}

// s returns the server of a model (through its table's owner).
func (m *model) s() *Server { return m.srv }

func isFalse(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	}
	return false
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// datetimeArg converts a domain value for a datetime field to unix microseconds. A 10-character date is
// padded with ' 00:00:00', or ' 23:59:59' for '>' and '<=' (Odoo's expression.py does this).
func datetimeArg(v any, op string) (int64, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMicro(), true
	case string:
		s := x
		if len(s) == 10 {
			if op == ">" || op == "<=" {
				s += " 23:59:59"
			} else {
				s += " 00:00:00"
			}
		}
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04:05.999999", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999"} {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return t.UnixMicro(), true
			}
		}
	}
	return 0, false
}

// compileOp compiles one operator on one (non-dotted) field.
func compileOp(m *model, f *field, op string, val any, orig []any) (pred, error) {
	get := f.get
	bad := func() (pred, error) { return nil, errValue("Invalid leaf %s", reprLeaf(orig)) }
	if op == "=?" {
		if isFalse(val) {
			return func(*env, rec) bool { return true }, nil
		}
		op = "="
	}
	switch op {
	case "child_of", "parent_of":
		// stock.location is the one hierarchical model here (parent location_id); elsewhere these
		// operators reduce to 'in', as the ORM does on models without a parent.
		if op == "child_of" && (f.relation == "stock.location" || (m.name == "stock.location" && f.name == "id")) {
			ids, ok := idList(val)
			if !ok {
				return bad()
			}
			srv := m.s()
			set := map[int64]bool{}
			for _, root := range ids {
				for id := range srv.locationSubtree(root) {
					set[id] = true
				}
			}
			return func(e *env, r rec) bool {
				v := get(e, r)
				return (v.k == kInt || v.k == kM2O) && set[v.i]
			}, nil
		}
		op = "in"
	case "any", "not any":
		co := m.s().models[f.relation]
		if co == nil {
			return bad()
		}
		sub, err := parseDomain(co, val)
		if err != nil {
			return nil, err
		}
		sp := sub.compile()
		neg := op == "not any"
		return func(e *env, r rec) bool {
			v := get(e, r)
			ids := v.ids
			if v.k == kM2O {
				ids = []int64{v.i}
			}
			found := false
			for _, id := range ids {
				if t := co.t.get(id); t != nil && sp(e, t) {
					found = true
					break
				}
			}
			return found != neg
		}, nil
	}

	switch f.typ {
	case "one2many", "many2many":
		return compileX2Many(f, op, val, bad)
	case "boolean":
		return compileBool(f, op, val, bad)
	}

	// in / not in
	if op == "in" || op == "not in" {
		list, ok := val.([]any)
		if !ok {
			list = []any{val}
		}
		withFalse := false
		var eqs []pred
		var keys []value
		for _, x := range list {
			if isFalse(x) && f.typ != "boolean" {
				withFalse = true
				continue
			}
			k, ok := convert(f, x, "=")
			if !ok {
				if s, isStr := x.(string); isStr && f.typ == "many2one" {
					eqs = append(eqs, nameMatch(m, f, "=", s))
					continue
				}
				return bad()
			}
			keys = append(keys, k)
		}
		neg := op == "not in"
		if len(eqs) == 0 && len(keys) > 4 {
			// many ids (order_id in [...]): a set, not a scan per record
			ints := map[int64]bool{}
			strs := map[string]bool{}
			floats := false
			for _, k := range keys {
				switch k.k {
				case kInt, kM2O, kTime:
					ints[k.i] = true
				case kStr, kDate:
					strs[k.s] = true
				default:
					floats = true
				}
			}
			if !floats {
				return func(e *env, r rec) bool {
					v := get(e, r)
					switch v.k {
					case kNull:
						return withFalse != neg
					case kInt, kM2O, kTime:
						return ints[v.i] != neg
					case kStr, kDate:
						return strs[v.s] != neg
					}
					return neg
				}, nil
			}
		}
		return func(e *env, r rec) bool {
			v := get(e, r)
			if v.k == kNull {
				return withFalse != neg
			}
			for i := range keys {
				if equalValue(v, keys[i]) {
					return !neg
				}
			}
			for _, p := range eqs {
				if p(e, r) {
					return !neg
				}
			}
			return neg
		}, nil
	}

	// comparisons with false
	if isFalse(val) {
		switch op {
		case "=":
			return func(e *env, r rec) bool { return get(e, r).k == kNull }, nil
		case "!=":
			return func(e *env, r rec) bool { return get(e, r).k != kNull }, nil
		default:
			return func(*env, rec) bool { return false }, nil
		}
	}

	// many2one compared with a string: a name search on the comodel
	if f.typ == "many2one" {
		if s, ok := val.(string); ok {
			return nameMatch(m, f, op, s), nil
		}
	}

	switch op {
	case "like", "not like", "ilike", "not ilike", "=like", "=ilike":
		s, ok := val.(string)
		if !ok {
			s = pyStr(val)
		}
		match := likeMatcher(op, s)
		neg := strings.HasPrefix(op, "not ")
		return func(e *env, r rec) bool {
			v := get(e, r)
			if v.k == kNull {
				return neg
			}
			return match(valueText(v)) != neg
		}, nil
	}

	key, ok := convert(f, val, op)
	if !ok {
		return bad()
	}
	switch op {
	case "=":
		return func(e *env, r rec) bool { v := get(e, r); return v.k != kNull && equalValue(v, key) }, nil
	case "!=":
		return func(e *env, r rec) bool { v := get(e, r); return v.k == kNull || !equalValue(v, key) }, nil
	}
	var want func(c int) bool
	switch op {
	case ">":
		want = func(c int) bool { return c > 0 }
	case ">=":
		want = func(c int) bool { return c >= 0 }
	case "<":
		want = func(c int) bool { return c < 0 }
	case "<=":
		want = func(c int) bool { return c <= 0 }
	default:
		return bad()
	}
	// fast paths for the hot sync domains
	if key.k == kTime || key.k == kInt || key.k == kM2O {
		k := key.i
		switch op {
		case ">":
			return func(e *env, r rec) bool { v := get(e, r); return v.k != kNull && v.i > k }, nil
		case ">=":
			return func(e *env, r rec) bool { v := get(e, r); return v.k != kNull && v.i >= k }, nil
		case "<":
			return func(e *env, r rec) bool { v := get(e, r); return v.k != kNull && v.i < k }, nil
		case "<=":
			return func(e *env, r rec) bool { v := get(e, r); return v.k != kNull && v.i <= k }, nil
		}
	}
	return func(e *env, r rec) bool {
		v := get(e, r)
		if v.k == kNull {
			return false
		}
		return want(compareValue(v, key))
	}, nil
}

func idList(val any) ([]int64, bool) {
	list, ok := val.([]any)
	if !ok {
		list = []any{val}
	}
	ids := make([]int64, 0, len(list))
	for _, x := range list {
		n, ok := asInt(x)
		if !ok {
			return nil, false
		}
		ids = append(ids, n)
	}
	return ids, true
}

func compileX2Many(f *field, op string, val any, bad func() (pred, error)) (pred, error) {
	get := f.get
	if isFalse(val) {
		switch op {
		case "=", "in":
			return func(e *env, r rec) bool { return len(get(e, r).ids) == 0 }, nil
		case "!=", "not in":
			return func(e *env, r rec) bool { return len(get(e, r).ids) > 0 }, nil
		}
		return bad()
	}
	ids, ok := idList(val)
	if !ok {
		return bad()
	}
	var neg bool
	switch op {
	case "=", "in":
	case "!=", "not in":
		neg = true
	default:
		return bad()
	}
	return func(e *env, r rec) bool {
		for _, have := range get(e, r).ids {
			for _, w := range ids {
				if have == w {
					return !neg
				}
			}
		}
		return neg
	}, nil
}

func compileBool(f *field, op string, val any, bad func() (pred, error)) (pred, error) {
	get := f.get
	truth := func(x any) (bool, bool) {
		switch v := x.(type) {
		case nil:
			return false, true
		case bool:
			return v, true
		case int64:
			return v != 0, true
		}
		return false, false
	}
	isTrue := func(e *env, r rec) bool { return get(e, r).i == 1 }
	switch op {
	case "=", "!=":
		b, ok := truth(val)
		if !ok {
			return bad()
		}
		if op == "!=" {
			b = !b
		}
		return func(e *env, r rec) bool { return isTrue(e, r) == b }, nil
	case "in", "not in":
		list, ok := val.([]any)
		if !ok {
			list = []any{val}
		}
		var t, fl bool
		for _, x := range list {
			b, ok := truth(x)
			if !ok {
				return bad()
			}
			if b {
				t = true
			} else {
				fl = true
			}
		}
		neg := op == "not in"
		return func(e *env, r rec) bool {
			v := isTrue(e, r)
			return ((v && t) || (!v && fl)) != neg
		}, nil
	}
	return bad()
}

// nameMatch compares a many2one's display name (name_search on the comodel).
func nameMatch(m *model, f *field, op, s string) pred {
	get := f.get
	var match func(string) bool
	neg := false
	switch op {
	case "=":
		match = func(x string) bool { return x == s }
	case "!=":
		match, neg = func(x string) bool { return x == s }, true
	case "like", "ilike", "=like", "=ilike":
		match = likeMatcher(op, s)
	case "not like", "not ilike":
		match, neg = likeMatcher(op, s), true
	default:
		match = func(x string) bool {
			c := strings.Compare(x, s)
			switch op {
			case ">":
				return c > 0
			case ">=":
				return c >= 0
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			}
			return false
		}
	}
	return func(e *env, r rec) bool {
		v := get(e, r)
		if v.k != kM2O {
			return neg
		}
		return match(e.displayName(f.relation, v.i)) != neg
	}
}

func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return string(pyFloat(nil, x))
	}
	return fmt.Sprint(v)
}

// convert turns a domain value into a value comparable with the field's values.
func convert(f *field, x any, op string) (value, bool) {
	switch f.typ {
	case "integer", "many2one":
		n, ok := asInt(x)
		if !ok {
			if fl, ok := x.(float64); ok && f.typ == "integer" {
				return value{k: kFloat, f: fl}, true
			}
			return value{}, false
		}
		if f.typ == "many2one" {
			return value{k: kM2O, i: n}, true
		}
		return vInt(n), true
	case "float", "monetary":
		fl, ok := asFloat(x)
		return vFloat(fl), ok
	case "datetime":
		us, ok := datetimeArg(x, op)
		return value{k: kTime, i: us}, ok
	case "date":
		switch v := x.(type) {
		case string:
			if len(v) >= 10 {
				return value{k: kDate, s: v[:10]}, true
			}
		case time.Time:
			return value{k: kDate, s: v.Format(time.DateOnly)}, true
		}
		return value{}, false
	case "char", "text", "selection":
		switch v := x.(type) {
		case string:
			return value{k: kStr, s: v}, true
		case int64, float64:
			return value{k: kStr, s: pyStr(v)}, true
		}
		return value{}, false
	}
	return value{}, false
}

func equalValue(a, b value) bool { return compareValue(a, b) == 0 }

// compareValue orders two non-null values of the same field.
func compareValue(a, b value) int {
	switch {
	case (a.k == kFloat || b.k == kFloat) && (a.k == kInt || a.k == kFloat) && (b.k == kInt || b.k == kFloat):
		af, bf := a.f, b.f
		if a.k == kInt {
			af = float64(a.i)
		}
		if b.k == kInt {
			bf = float64(b.i)
		}
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	case a.k == kStr || a.k == kDate:
		return strings.Compare(a.s, b.s)
	}
	switch {
	case a.i < b.i:
		return -1
	case a.i > b.i:
		return 1
	}
	return 0
}

// valueText is the text a LIKE compares.
func valueText(v value) string {
	switch v.k {
	case kStr, kDate:
		return v.s
	case kInt, kM2O:
		return fmt.Sprint(v.i)
	case kFloat:
		return pyStr(v.f)
	case kTime:
		return time.UnixMicro(v.i).UTC().Format("2006-01-02 15:04:05.999999")
	case kBool:
		if v.i == 1 {
			return "true"
		}
		return "false"
	}
	return ""
}

// likeMatcher implements SQL LIKE / ILIKE (backslash escapes). like and ilike wrap the value in '%...%'
// (Odoo does not escape the value's own wildcards); =like and =ilike use the value as the pattern.
func likeMatcher(op, s string) func(string) bool {
	fold := strings.Contains(op, "ilike")
	pattern := s
	if op == "like" || op == "not like" || op == "ilike" || op == "not ilike" {
		pattern = "%" + s + "%"
	}
	if fold {
		pattern = strings.ToLower(pattern)
	}
	if len(pattern) >= 2 && pattern[0] == '%' && pattern[len(pattern)-1] == '%' && !strings.ContainsAny(pattern[1:len(pattern)-1], "%_\\") {
		inner := pattern[1 : len(pattern)-1]
		return func(x string) bool {
			if fold {
				x = strings.ToLower(x)
			}
			return strings.Contains(x, inner)
		}
	}
	return func(x string) bool {
		if fold {
			x = strings.ToLower(x)
		}
		return sqlLike(x, pattern)
	}
}

func sqlLike(s, p string) bool {
	for len(p) > 0 {
		r, n := utf8.DecodeRuneInString(p)
		switch r {
		case '%':
			p = p[n:]
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); {
				if sqlLike(s[i:], p) {
					return true
				}
				if i == len(s) {
					break
				}
				_, m := utf8.DecodeRuneInString(s[i:])
				i += m
			}
			return false
		case '_':
			if s == "" {
				return false
			}
			_, m := utf8.DecodeRuneInString(s)
			s, p = s[m:], p[n:]
		default:
			if r == '\\' && len(p) > n {
				p = p[n:]
				r, n = utf8.DecodeRuneInString(p)
			}
			sr, m := utf8.DecodeRuneInString(s)
			if s == "" || sr != r {
				return false
			}
			s, p = s[m:], p[n:]
		}
	}
	return s == ""
}

// compile turns the tree into one predicate.
func (n *dnode) compile() pred {
	switch n.kind {
	case 'T':
		return func(*env, rec) bool { return true }
	case 'F':
		return func(*env, rec) bool { return false }
	case 'L':
		return n.leaf.p
	case '!':
		a := n.a.compile()
		return func(e *env, r rec) bool { return !a(e, r) }
	case '&':
		a, b := n.a.compile(), n.b.compile()
		return func(e *env, r rec) bool { return a(e, r) && b(e, r) }
	case '|':
		a, b := n.a.compile(), n.b.compile()
		return func(e *env, r rec) bool { return a(e, r) || b(e, r) }
	}
	panic("odootest: bad domain node")
}

// conjuncts returns the leaves every matching record must satisfy (the top-level AND chain).
func (n *dnode) conjuncts(out []*leaf) []*leaf {
	switch n.kind {
	case '&':
		return n.b.conjuncts(n.a.conjuncts(out))
	case 'L':
		return append(out, n.leaf)
	}
	return out
}

// namesActive reports whether any leaf names the field `active` (then Odoo does not add active = True).
func (n *dnode) namesActive() bool {
	switch n.kind {
	case 'L':
		return n.leaf.path == "active"
	case '&', '|':
		return n.a.namesActive() || n.b.namesActive()
	case '!':
		return n.a.namesActive()
	}
	return false
}
