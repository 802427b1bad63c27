package odoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Odoo encodes an empty value of any field type as false. The types below decode a JSON value of their kind, or
// false/null as the zero value, so one empty field never fails a page.

// Odoo's datetime and date formats (UTC, no zone).
const (
	DateTimeLayout = "2006-01-02 15:04:05"
	DateLayout     = "2006-01-02"
)

// Many2One is a many2one value: [id, "display name"], or zero when empty.
type Many2One struct {
	ID   int64
	Name string
}

func isFalse(b []byte) bool {
	return len(b) == 0 || string(b) == "false" || string(b) == "null"
}

// UnmarshalJSON accepts [id, "name"], [id], a bare id, false and null.
func (m *Many2One) UnmarshalJSON(b []byte) error { return m.decode(b, nil) }

// decode is UnmarshalJSON taking the name from in when it holds it already.
func (m *Many2One) decode(b []byte, in interner) error {
	*m = Many2One{}
	b = bytes.TrimSpace(b)
	if isFalse(b) {
		return nil
	}
	if b[0] != '[' {
		var n jsonInt
		if err := n.UnmarshalJSON(b); err != nil {
			return fmt.Errorf("many2one: %w", err)
		}
		m.ID = int64(n)
		return nil
	}
	if m.fast(b, in) {
		return nil
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("many2one: %w", err)
	}
	if len(parts) == 0 {
		return nil
	}
	var id jsonInt
	if err := id.UnmarshalJSON(parts[0]); err != nil {
		return fmt.Errorf("many2one id: %w", err)
	}
	m.ID = int64(id)
	if len(parts) > 1 {
		var name jsonString
		if err := name.UnmarshalJSON(parts[1]); err != nil {
			return fmt.Errorf("many2one name: %w", err)
		}
		m.Name = string(name)
	}
	return nil
}

// fast decodes the common [id, "name"] (name without escapes) by hand.
func (m *Many2One) fast(b []byte, in interner) bool {
	s := &scanner{b: b}
	if !s.consume('[') {
		return false
	}
	s.ws()
	start := s.i
	for s.i < len(b) && (b[s.i] >= '0' && b[s.i] <= '9' || b[s.i] == '-') {
		s.i++
	}
	id, ok := fastInt(b[start:s.i])
	if !ok || !s.consume(',') {
		return false
	}
	name, esc, err := s.str()
	if err != nil || esc || !s.consume(']') || s.i != len(b) {
		return false
	}
	m.ID, m.Name = id, in.get(name[1:len(name)-1])
	return true
}

// jsonString is a char/text/selection value; false decodes as "".
type jsonString string

func (s *jsonString) UnmarshalJSON(b []byte) error { return s.decode(b, nil) }

// decode is UnmarshalJSON taking the value from in when it holds it already.
func (s *jsonString) decode(b []byte, in interner) error {
	if isFalse(b) {
		*s = ""
		return nil
	}
	// Fast path: a string without escapes needs no second pass through encoding/json.
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		*s = jsonString(in.get(b[1 : len(b)-1]))
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("string: %w", err)
	}
	*s = jsonString(v)
	return nil
}

// jsonFloat is a float/monetary value; false decodes as 0.
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		*f = 0
		return nil
	}
	v, err := parseFloatBytes(b)
	if err != nil {
		return fmt.Errorf("float: invalid number %.40q", b)
	}
	*f = jsonFloat(v)
	return nil
}

// jsonInt is an integer value; false decodes as 0. Integral floats (1.0) are accepted.
type jsonInt int64

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		*n = 0
		return nil
	}
	if v, ok := fastInt(b); ok {
		*n = jsonInt(v)
		return nil
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*n = jsonInt(v)
		return nil
	}
	v, err := parseFloatBytes(b)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return fmt.Errorf("integer: invalid value %.40q", b)
	}
	*n = jsonInt(v)
	return nil
}

// jsonBool is a boolean; null decodes as false.
type jsonBool bool

func (v *jsonBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*v = true
	case "false", "null":
		*v = false
	default:
		return fmt.Errorf("boolean: invalid value %.40q", b)
	}
	return nil
}

// jsonTime is a datetime ("YYYY-MM-DD HH:MM:SS", UTC) or date ("YYYY-MM-DD"); false decodes as the zero time.
type jsonTime time.Time

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		*t = jsonTime{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("datetime: not a string: %.40q", b)
	}
	v, err := parseOdooTime(b[1 : len(b)-1])
	if err != nil {
		return err
	}
	*t = jsonTime(v)
	return nil
}

// parseOdooTime parses Odoo's UTC datetime or date text without allocating on the common path. Fractional
// seconds (some servers send them for non-standard fields) are accepted.
func parseOdooTime(s []byte) (time.Time, error) {
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("datetime: invalid value %.40q", s) }
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	y, ok1 := num(s[0:4])
	mo, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return bad()
	}
	if len(s) == 10 {
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), nil
	}
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return bad()
	}
	h, ok4 := num(s[11:13])
	mi, ok5 := num(s[14:16])
	se, ok6 := num(s[17:19])
	if !ok4 || !ok5 || !ok6 || h > 23 || mi > 59 || se > 60 {
		return bad()
	}
	ns := 0
	if len(s) > 19 {
		frac := s[19:]
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return bad()
		}
		f, ok := num(frac[1:])
		if !ok {
			return bad()
		}
		for i := len(frac) - 1; i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC), nil
}

// jsonIDCount is the number of ids in a one2many/many2many value (false counts 0): a listing needs how many
// lines an order has, not their ids.
type jsonIDCount int

func (n *jsonIDCount) UnmarshalJSON(b []byte) error {
	*n = 0
	if isFalse(b) {
		return nil
	}
	s := &scanner{b: b}
	if !s.consume('[') {
		return fmt.Errorf("id list: not a list: %.40q", b)
	}
	count := 0
	if !s.consume(']') {
		for {
			v, err := s.value(0)
			if err != nil {
				return fmt.Errorf("id list: %w", err)
			}
			var id jsonInt
			if err := id.UnmarshalJSON(v); err != nil {
				return fmt.Errorf("id list: %w", err)
			}
			count++
			if s.consume(']') {
				break
			}
			if !s.consume(',') {
				return fmt.Errorf("id list: %w", s.errf("expected ',' or ']'"))
			}
		}
	}
	if s.peek() != 0 {
		return fmt.Errorf("id list: %w", s.errf("data after the list"))
	}
	*n = jsonIDCount(count)
	return nil
}

// jsonIDs is a one2many/many2many value (list of ids); false decodes as nil.
type jsonIDs []int64

func (v *jsonIDs) UnmarshalJSON(b []byte) error {
	*v = nil
	if isFalse(b) {
		return nil
	}
	var raw []jsonInt
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("id list: %w", err)
	}
	out := make([]int64, len(raw))
	for i, n := range raw {
		out[i] = int64(n)
	}
	*v = out
	return nil
}

// Record is one record of a generic search_read/read, kept as raw JSON per field so that nothing is decoded that
// the caller does not ask for. The accessors tolerate false (empty) values.
type Record map[string]json.RawMessage

// Has reports whether the record carries the field.
func (r Record) Has(field string) bool { _, ok := r[field]; return ok }

// ID returns the record id.
func (r Record) ID() int64 { v, _ := r.Int("id"); return v }

// Int returns an integer field (0 when false or absent).
func (r Record) Int(field string) (int64, error) {
	var v jsonInt
	err := r.decode(field, &v)
	return int64(v), err
}

// Float returns a float/monetary field (0 when false or absent).
func (r Record) Float(field string) (float64, error) {
	var v jsonFloat
	err := r.decode(field, &v)
	return float64(v), err
}

// String returns a char/text/selection field ("" when false or absent).
func (r Record) String(field string) (string, error) {
	var v jsonString
	err := r.decode(field, &v)
	return string(v), err
}

// Bool returns a boolean field.
func (r Record) Bool(field string) (bool, error) {
	var v jsonBool
	err := r.decode(field, &v)
	return bool(v), err
}

// Time returns a date or datetime field in UTC (zero when false or absent).
func (r Record) Time(field string) (time.Time, error) {
	var v jsonTime
	err := r.decode(field, &v)
	return time.Time(v), err
}

// Many2One returns a many2one field (zero when false or absent).
func (r Record) Many2One(field string) (Many2One, error) {
	var v Many2One
	err := r.decode(field, &v)
	return v, err
}

// IDs returns a one2many/many2many field.
func (r Record) IDs(field string) ([]int64, error) {
	var v jsonIDs
	err := r.decode(field, &v)
	return []int64(v), err
}

func (r Record) decode(field string, v json.Unmarshaler) error {
	raw, ok := r[field]
	if !ok {
		return nil
	}
	if err := v.UnmarshalJSON(bytes.TrimSpace(raw)); err != nil {
		return fmt.Errorf("odoo: field %s: %w", field, err)
	}
	return nil
}

// formatOdooTime renders t as Odoo's UTC datetime text.
func formatOdooTime(t time.Time) string { return t.UTC().Format(DateTimeLayout) }
