package odootest

import (
	"fmt"
	"math"
	"strings"
)

// bind maps positional and keyword arguments onto a Python signature, failing like Python does.
func bind(method string, args []any, kwargs map[string]any, names ...string) (map[string]any, error) {
	errType := func(format string, args ...any) *odooError {
		e := errType(format, args...)
		e.binding = true
		return e
	}
	if len(args) > len(names) {
		return nil, errType("%s() takes from 1 to %d positional arguments but %d were given", method, len(names)+1, len(args)+1)
	}
	out := make(map[string]any, len(names))
	for i, a := range args {
		out[names[i]] = a
	}
	for k, v := range kwargs {
		found := false
		for _, n := range names {
			if n == k {
				found = true
			}
		}
		if !found {
			return nil, errType("%s() got an unexpected keyword argument '%s'", method, k)
		}
		if _, dup := out[k]; dup {
			return nil, errType("%s() got multiple values for argument '%s'", method, k)
		}
		out[k] = v
	}
	return out, nil
}

func intArg(v any, def int) (int, error) {
	if isFalse(v) {
		return def, nil
	}
	n, ok := asInt(v)
	if !ok || n < 0 || n > math.MaxInt32 {
		return 0, errType("'%s' is not a valid integer", pyRepr(v))
	}
	return int(n), nil
}

func stringList(v any) ([]string, error) {
	if isFalse(v) {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		if s, ok := v.(string); ok {
			return []string{s}, nil
		}
		return nil, errType("fields must be a list of field names, got %s", pyRepr(v))
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, errType("fields must be a list of field names, got %s", pyRepr(v))
		}
		out = append(out, s)
	}
	return out, nil
}

// recordMethods take the records (ids) as their first argument; the others are @api.model.
var recordMethods = map[string]bool{"read": true, "check_access_rule": true, "check_access": true, "write": true, "unlink": true, "action_confirm": true, "action_cancel": true}

// execute runs model.method(*args, **kwargs) as the ORM would. The result is one of: nil, bool, int64,
// []int64, obj, *rowSet.
func (s *Server) execute(e *env, modelName, method string, args []any, kwargs map[string]any) (any, error) {
	m := s.models[modelName]
	if m == nil {
		return nil, errUser(fmt.Sprintf("Object %s doesn't exist", modelName))
	}
	if strings.HasPrefix(method, "_") {
		return nil, errAccess(fmt.Sprintf("Private methods (such as %s.%s) cannot be called remotely.", modelName, method))
	}
	if method == "check_access_rights" {
		a, err := bind(method, args, kwargs, "operation", "raise_exception")
		if err != nil {
			return nil, err
		}
		if m.access != nil {
			if err := m.access(e); err != nil {
				if raise, ok := a["raise_exception"].(bool); ok && !raise {
					return false, nil
				}
				return nil, err
			}
		}
		return true, nil
	}
	if m.access != nil {
		if err := m.access(e); err != nil {
			return nil, err
		}
	}
	switch method {
	case "search_read":
		a, err := bind(method, args, kwargs, "domain", "fields", "offset", "limit", "order")
		if err != nil {
			return nil, err
		}
		fields, err := stringList(a["fields"])
		if err != nil {
			return nil, err
		}
		fl, err := resolveFields(m, fields)
		if err != nil {
			return nil, err
		}
		p, err := s.searchArgs(a)
		if err != nil {
			return nil, err
		}
		rows, err := s.search(e, m, p)
		if err != nil {
			return nil, err
		}
		return &rowSet{e: e, m: m, rows: rows, fields: fl}, nil
	case "search":
		a, err := bind(method, args, kwargs, "domain", "offset", "limit", "order")
		if err != nil {
			return nil, err
		}
		p, err := s.searchArgs(a)
		if err != nil {
			return nil, err
		}
		rows, err := s.search(e, m, p)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.recID()
		}
		return ids, nil
	case "search_count":
		a, err := bind(method, args, kwargs, "domain", "limit")
		if err != nil {
			return nil, err
		}
		n, err := s.count(e, m, a["domain"])
		if err != nil {
			return nil, err
		}
		if lim, err := intArg(a["limit"], -1); err == nil && lim >= 0 && n > int64(lim) {
			n = int64(lim)
		}
		return n, nil
	case "read":
		a, err := bind(method, args, kwargs, "ids", "fields", "load")
		if err != nil {
			return nil, err
		}
		return s.read(e, m, a["ids"], a["fields"])
	case "fields_get":
		a, err := bind(method, args, kwargs, "allfields", "attributes")
		if err != nil {
			return nil, err
		}
		allfields, err := stringList(a["allfields"])
		if err != nil {
			return nil, err
		}
		attrs, err := stringList(a["attributes"])
		if err != nil {
			return nil, err
		}
		return fieldsGet(m, allfields, attrs), nil
	case "read_group":
		if !s.ver.hasReadGroup() {
			break
		}
		a, err := bind(method, args, kwargs, "domain", "fields", "groupby", "offset", "limit", "orderby", "lazy")
		if err != nil {
			return nil, err
		}
		return s.readGroup(e, m, a)
	case "formatted_read_group":
		if !s.ver.hasFormattedReadGroup() {
			break
		}
		a, err := bind(method, args, kwargs, "domain", "groupby", "aggregates", "having", "offset", "limit", "order")
		if err != nil {
			return nil, err
		}
		return s.formattedReadGroup(e, m, a)
	case "check_access_rule", "check_access":
		// return None: JSON-RPC answers without a result key, XML-RPC cannot marshal it
		if _, err := bind(method, args, kwargs, "ids", "operation"); err != nil {
			return nil, err
		}
		return nil, nil
	case "get_param":
		if modelName != "ir.config_parameter" {
			break
		}
		a, err := bind(method, args, kwargs, "key", "default")
		if err != nil {
			return nil, err
		}
		key, ok := a["key"].(string)
		if !ok {
			return nil, errType("get_param() missing 1 required positional argument: 'key'")
		}
		for _, r := range m.t.rows {
			if p := r.(*ConfigParam); p.Key == key {
				return p.Value, nil
			}
		}
		if d, ok := a["default"]; ok {
			return d, nil
		}
		return false, nil
	case "context_get":
		if modelName != "res.users" {
			break
		}
		return obj{{"lang", "es_ES"}, {"tz", "Europe/Madrid"}, {"uid", e.uid}}, nil
	case "action_confirm", "action_cancel", "write", "create", "unlink":
		return nil, errAccess(fmt.Sprintf("You are not allowed to modify '%s' (%s) records.", m.name, modelName))
	}
	return nil, errAttribute("The method '%s.%s' does not exist", modelName, method)
}

func (s *Server) searchArgs(a map[string]any) (searchParams, error) {
	p := searchParams{domain: a["domain"], limit: -1}
	var err error
	if p.offset, err = intArg(a["offset"], 0); err != nil {
		return p, err
	}
	if p.limit, err = intArg(a["limit"], -1); err != nil {
		return p, err
	}
	if p.limit == 0 {
		p.limit = -1 // a falsy limit means no limit in the ORM
	}
	if s.opts.MaxLimit > 0 && (p.limit < 0 || p.limit > s.opts.MaxLimit) {
		p.limit = s.opts.MaxLimit
	}
	if o, ok := a["order"].(string); ok {
		p.order = o
	} else if !isFalse(a["order"]) {
		return p, errType("order must be a string")
	}
	if p.domain != nil {
		if _, ok := p.domain.([]any); !ok {
			return p, errValue("Invalid domain: %s", pyRepr(p.domain))
		}
	}
	return p, nil
}

// read returns the records in the order of ids; a missing id is a MissingError, a record of a company
// outside env.companies an AccessError.
func (s *Server) read(e *env, m *model, idsArg, fieldsArg any) (any, error) {
	var ids []int64
	switch x := idsArg.(type) {
	case []any:
		for _, v := range x {
			n, ok := asInt(v)
			if !ok {
				return nil, errType("ids must be integers, got %s", pyRepr(v))
			}
			ids = append(ids, n)
		}
	case int64:
		ids = []int64{x}
	case nil:
		return nil, errType("read() missing 1 required positional argument: 'ids'")
	default:
		return nil, errType("ids must be a list, got %s", pyRepr(idsArg))
	}
	fields, err := stringList(fieldsArg)
	if err != nil {
		return nil, err
	}
	fl, err := resolveFields(m, fields)
	if err != nil {
		return nil, err
	}
	rows := make([]rec, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		r := m.t.get(id)
		if r == nil {
			return nil, errMissing(fmt.Sprintf("Record does not exist or has been deleted.\n(Record: %s(%d,), User: %d)", m.name, id, e.uid))
		}
		if m.rule != nil && !m.rule(e, r) {
			return nil, errAccess(fmt.Sprintf("Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, %s (id=%d) doesn't have 'read' access to:\n- %s (%s)", e.user.Name, e.uid, m.name, m.display(e, r)))
		}
		rows = append(rows, r)
	}
	return &rowSet{e: e, m: m, rows: rows, fields: fl}, nil
}

// fieldsGet describes fields like fields_get(allfields, attributes).
func fieldsGet(m *model, allfields, attrs []string) obj {
	want := func(a string) bool {
		if len(attrs) == 0 {
			return true
		}
		for _, x := range attrs {
			if x == a {
				return true
			}
		}
		return false
	}
	var out obj
	for _, f := range m.list {
		if len(allfields) > 0 {
			found := false
			for _, n := range allfields {
				if n == f.name {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		var d obj
		if want("type") {
			d = append(d, kv{"type", f.typ})
		}
		if want("string") {
			d = append(d, kv{"string", f.label})
		}
		if want("required") {
			d = append(d, kv{"required", f.required})
		}
		if want("readonly") {
			d = append(d, kv{"readonly", f.readonly})
		}
		if want("store") {
			d = append(d, kv{"store", f.stored})
		}
		if want("sortable") {
			d = append(d, kv{"sortable", f.stored})
		}
		if want("searchable") {
			d = append(d, kv{"searchable", true})
		}
		if f.relation != "" && want("relation") {
			d = append(d, kv{"relation", f.relation})
		}
		if f.typ == "selection" && want("selection") {
			sel := make([]any, len(f.sel))
			for i, p := range f.sel {
				sel[i] = []any{p[0], p[1]}
			}
			d = append(d, kv{"selection", sel})
		}
		out = append(out, kv{f.name, d})
	}
	if out == nil {
		out = obj{}
	}
	return out
}
