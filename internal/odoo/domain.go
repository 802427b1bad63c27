package odoo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Domain is an Odoo search domain built from typed parts, never from strings, so a value can not change the
// domain's structure. The zero Domain matches every record. Construction errors (bad operator, field name or
// value type) are kept and returned by the call that uses the domain.
type Domain struct {
	items []any // prefix notation: "&", "|", "!" and leaf values; together one term
	err   error
}

type leaf struct {
	field string
	op    string
	value any
}

func (l leaf) MarshalJSON() ([]byte, error) { return l.appendJSON(nil) }

// appendJSON appends the leaf as [field, op, value]. A list of ids (the sync's reads by id: thousands at a time)
// is written here; other values go through encoding/json. The field (checkField) and the operator (one of
// domainOperators) need no escaping in a JSON string.
func (l leaf) appendJSON(b []byte) ([]byte, error) {
	ids, ok := l.value.([]int64)
	if !ok {
		v, err := marshalNoEscape([3]any{l.field, l.op, l.value})
		return append(b, v...), err
	}
	b = append(append(append(append(append(b, `["`...), l.field...), `","`...), l.op...), `",[`...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return append(b, "]]"...), nil
}

// marshalNoEscape is json.Marshal without HTML escaping, so operators like ">=" stay readable.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Operators accepted in a leaf.
var domainOperators = map[string]bool{
	"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true, "=?": true,
	"like": true, "not like": true, "ilike": true, "not ilike": true, "=like": true, "=ilike": true,
	"in": true, "not in": true, "child_of": true, "parent_of": true,
}

var listOperators = map[string]bool{"in": true, "not in": true}

// Cond is the leaf (field, op, value). value may be a string, bool, integer, float, time.Time (sent as UTC
// "YYYY-MM-DD HH:MM:SS"), nil (sent as false), or a slice of those for "in"/"not in"/"child_of"/"parent_of".
func Cond(field, op string, value any) Domain {
	if err := checkField(field); err != nil {
		return Domain{err: err}
	}
	if !domainOperators[op] {
		return Domain{err: fmt.Errorf("odoo: domain: unknown operator %q", op)}
	}
	v, isList, err := domainValue(value)
	if err != nil {
		return Domain{err: fmt.Errorf("odoo: domain: field %s: %w", field, err)}
	}
	if listOperators[op] && !isList {
		return Domain{err: fmt.Errorf("odoo: domain: operator %q on %s needs a list value", op, field)}
	}
	if isList && !listOperators[op] && op != "child_of" && op != "parent_of" {
		return Domain{err: fmt.Errorf("odoo: domain: operator %q on %s needs a single value, not a list", op, field)}
	}
	return Domain{items: []any{leaf{field: field, op: op, value: v}}}
}

// Eq is (field = value).
func Eq(field string, value any) Domain { return Cond(field, "=", value) }

// Ne is (field != value).
func Ne(field string, value any) Domain { return Cond(field, "!=", value) }

// Gt is (field > value).
func Gt(field string, value any) Domain { return Cond(field, ">", value) }

// Gte is (field >= value).
func Gte(field string, value any) Domain { return Cond(field, ">=", value) }

// Lt is (field < value).
func Lt(field string, value any) Domain { return Cond(field, "<", value) }

// Lte is (field <= value).
func Lte(field string, value any) Domain { return Cond(field, "<=", value) }

// ILike is (field ilike value): case-insensitive substring match.
func ILike(field string, value string) Domain { return Cond(field, "ilike", value) }

// In is (field in values).
func In[T any](field string, values ...T) Domain { return Cond(field, "in", listOf(values)) }

// NotIn is (field not in values).
func NotIn[T any](field string, values ...T) Domain { return Cond(field, "not in", listOf(values)) }

// listOf is values as a domain value: ids stay a []int64 (a copy: see domainValue), others become a []any.
func listOf[T any](values []T) any {
	if ids, ok := any(values).([]int64); ok {
		return ids
	}
	return anySlice(values)
}

func anySlice[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// And combines domains so all must match. Empty domains are ignored.
func And(ds ...Domain) Domain { return combine("&", ds) }

// Or combines domains so one must match. Empty domains are ignored (an Or of nothing matches everything).
func Or(ds ...Domain) Domain { return combine("|", ds) }

// Not negates a domain. Not of the empty domain is an error (it would match nothing).
func Not(d Domain) Domain {
	if d.err != nil {
		return d
	}
	if len(d.items) == 0 {
		return Domain{err: errors.New("odoo: domain: Not of an empty domain")}
	}
	items := make([]any, 0, len(d.items)+1)
	return Domain{items: append(append(items, "!"), d.items...)}
}

func combine(op string, ds []Domain) Domain {
	var parts []Domain
	n := 0
	for _, d := range ds {
		if d.err != nil {
			return d
		}
		if len(d.items) > 0 {
			parts = append(parts, d)
			n += len(d.items)
		}
	}
	switch len(parts) {
	case 0:
		return Domain{}
	case 1:
		return parts[0]
	}
	items := make([]any, 0, n+len(parts)-1)
	for range len(parts) - 1 {
		items = append(items, op)
	}
	for _, p := range parts {
		items = append(items, p.items...)
	}
	return Domain{items: items}
}

// Err returns the first construction error, if any.
func (d Domain) Err() error { return d.err }

// IsEmpty reports whether the domain matches every record.
func (d Domain) IsEmpty() bool { return d.err == nil && len(d.items) == 0 }

// MarshalJSON encodes the domain as Odoo's prefix-notation list.
func (d Domain) MarshalJSON() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if len(d.items) == 0 {
		return []byte("[]"), nil
	}
	// Written item by item: encoding/json would scan each leaf's encoding again to compact it.
	size := 2
	for _, it := range d.items {
		size += 32
		if l, ok := it.(leaf); ok {
			if ids, ok := l.value.([]int64); ok {
				size += 8 * len(ids) // ids of 7 digits and their commas
			}
		}
	}
	b := append(make([]byte, 0, size), '[')
	for i, it := range d.items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		switch x := it.(type) {
		case leaf:
			b, err = x.appendJSON(b)
		case string: // "&", "|", "!"
			b = append(append(append(b, '"'), x...), '"')
		default:
			err = fmt.Errorf("odoo: domain: unexpected item %T", it)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func checkField(f string) error {
	if f == "" || len(f) > 256 {
		return errors.New("odoo: domain: field name must be 1 to 256 characters")
	}
	prevDot := true
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '.':
			if prevDot {
				return fmt.Errorf("odoo: domain: invalid field path %q", f)
			}
			prevDot = true
			continue
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return fmt.Errorf("odoo: domain: invalid character in field name %q", f)
		}
		prevDot = false
	}
	if prevDot {
		return fmt.Errorf("odoo: domain: invalid field path %q", f)
	}
	return nil
}

// domainValue converts v to a JSON-safe value and reports whether it is a list.
func domainValue(v any) (any, bool, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			s, isList, err := domainValue(e)
			if err != nil {
				return nil, false, err
			}
			if isList {
				return nil, false, errors.New("nested lists are not allowed in a domain value")
			}
			out[i] = s
		}
		return out, true, nil
	case []string:
		return anySlice(x), true, nil
	case []int64: // kept typed: encoded by leaf.appendJSON without boxing each id
		return slices.Clone(x), true, nil
	case []int:
		return anySlice(x), true, nil
	}
	s, err := scalarValue(v)
	return s, false, err
}

func scalarValue(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case string, bool, int, int8, int16, int32, int64, uint8, uint16, uint32:
		return x, nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, errors.New("integer out of range")
		}
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, errors.New("integer out of range")
		}
		return x, nil
	case float32:
		return scalarValue(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("NaN and infinite numbers are not valid domain values")
		}
		return x, nil
	case time.Time:
		return formatOdooTime(x), nil
	}
	return nil, fmt.Errorf("unsupported domain value type %T", v)
}
