package odoo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A small JSON scanner for the hot path: search_read pages decode straight into the row structs, field by field,
// without reflection. Values of unknown fields are skipped; the scalar decoders (jsonString, Many2One...) validate
// what they read. Anything unusual falls back to encoding/json for that one value.

var errSyntax = errors.New("invalid JSON")

type scanner struct {
	b       []byte
	i       int
	scratch []byte // text's buffer for unescaping
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c > ' ': // the usual case: a value or punctuation
			return
		case c == ' ', c == '\t', c == '\n', c == '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) errf(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errSyntax, what, s.i)
}

// strStop marks the bytes that end a run of plain string content: the quote, the backslash and control
// characters (invalid unescaped).
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str returns the raw bytes of a string token (quotes included) and whether it contains escapes.
func (s *scanner) str() ([]byte, bool, error) {
	if s.peek() != '"' {
		return nil, false, s.errf("expected string")
	}
	b, start := s.b, s.i
	i := start + 1
	esc := false
	for {
		for i < len(b) && !strStop[b[i]] {
			i++
		}
		if i >= len(b) {
			s.i = i
			return nil, false, s.errf("unterminated string")
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return b[start:s.i], esc, nil
		case '\\':
			esc = true
			if i+1 >= len(b) {
				s.i = i
				return nil, false, s.errf("unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					s.i = i
					return nil, false, s.errf("invalid \\u escape")
				}
				i += 6
			default:
				s.i = i
				return nil, false, s.errf("invalid escape")
			}
		default:
			s.i = i
			return nil, false, s.errf("control character in string")
		}
	}
}

// skim moves past one array or object, matching brackets outside strings, without validating what is inside.
func (s *scanner) skim() ([]byte, error) {
	b, start := s.b, s.i
	depth := 0
	for i := start; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; ; i += 2 { // i += 2: past an escape's backslash and the byte it escapes
				for i < len(b) && b[i] != '"' && b[i] != '\\' {
					i++
				}
				if i >= len(b) || b[i] == '"' {
					break
				}
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth == 0 {
				s.i = i + 1
				return b[start:s.i], nil
			}
		}
	}
	return nil, s.errf("unterminated value")
}

// value skips one value and returns its raw bytes.
func (s *scanner) value(depth int) ([]byte, error) {
	if depth > 256 {
		return nil, s.errf("nesting too deep")
	}
	switch c := s.peek(); c {
	case '"':
		b, _, err := s.str()
		return b, err
	case '[', '{':
		start := s.i
		s.i++
		closer := byte(']')
		if c == '{' {
			closer = '}'
		}
		if s.consume(closer) {
			return s.b[start:s.i], nil
		}
		for {
			if c == '{' {
				if _, _, err := s.str(); err != nil {
					return nil, err
				}
				if !s.consume(':') {
					return nil, s.errf("expected ':'")
				}
			}
			if _, err := s.value(depth + 1); err != nil {
				return nil, err
			}
			if s.consume(closer) {
				return s.b[start:s.i], nil
			}
			if !s.consume(',') {
				return nil, s.errf("expected ',' or end of container")
			}
		}
	case 0:
		return nil, s.errf("unexpected end")
	case 't', 'f', 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
				s.i += len(lit)
				return s.b[s.i-len(lit) : s.i], nil
			}
		}
		return nil, s.errf("invalid literal")
	default:
		start := s.i
		if !s.number() {
			return nil, s.errf("invalid value")
		}
		return s.b[start:s.i], nil
	}
}

// number consumes a JSON number (RFC 8259 grammar).
func (s *scanner) number() bool {
	b, i := s.b, s.i
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	s.i = i
	return true
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// The scan methods decode a field's value in the same pass that reads it, for the common shapes (a number, a
// string, [id, "name"]); any other shape is read whole and goes through the type's UnmarshalJSON, so both
// decoders agree on every input (TestFastDecoderMatchesEncodingJSON).

func (n *jsonInt) scan(s *scanner) error {
	s.ws()
	if start := s.i; s.number() {
		if v, ok := fastInt(s.b[start:s.i]); ok {
			*n = jsonInt(v)
			return nil
		}
		return n.UnmarshalJSON(s.b[start:s.i])
	}
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return n.UnmarshalJSON(raw)
}

func (f *jsonFloat) scan(s *scanner) error {
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return f.UnmarshalJSON(raw)
}

func (v *jsonBool) scan(s *scanner) error {
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return v.UnmarshalJSON(raw)
}

func (t *jsonTime) scan(s *scanner) error {
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return t.UnmarshalJSON(raw)
}

func (n *jsonIDCount) scan(s *scanner) error {
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return n.UnmarshalJSON(raw)
}

func (v *jsonString) scan(s *scanner, in interner) error {
	if s.peek() == '"' {
		str, err := s.text(in)
		if err == nil {
			*v = jsonString(str)
		}
		return err
	}
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return v.decode(raw, in)
}

func (m *Many2One) scan(s *scanner, in interner) error {
	start := s.peekPos()
	if s.consume('[') {
		s.ws()
		if idStart := s.i; s.number() {
			if id, ok := fastInt(s.b[idStart:s.i]); ok && s.consume(',') && s.peek() == '"' {
				if name, err := s.text(in); err == nil && s.consume(']') {
					*m = Many2One{ID: id, Name: name}
					return nil
				}
			}
		}
		s.i = start // another shape: read it whole
	}
	raw, err := s.value(0)
	if err != nil {
		return err
	}
	return m.decode(raw, in)
}

// peekPos is the position of the next value (after whitespace).
func (s *scanner) peekPos() int {
	s.ws()
	return s.i
}

// text reads a string token as Go text. Escapes are decoded here for the usual ones (a name with an inch mark
// or a line break); unusual ones (surrogate pairs, invalid UTF-8) go through encoding/json.
func (s *scanner) text(in interner) (string, error) {
	start := s.i
	tok, esc, err := s.str()
	if err != nil {
		return "", err
	}
	body := tok[1 : len(tok)-1]
	if !esc {
		return in.get(body), nil
	}
	if out, ok := unescape(s.scratch[:0], body); ok {
		s.scratch = out
		return in.get(out), nil
	}
	var v string
	if err := json.Unmarshal(s.b[start:s.i], &v); err != nil {
		return "", fmt.Errorf("string: %w", err)
	}
	return v, nil
}

// unescape appends the text of a string token's body (validated by str) to dst. ok is false for what it
// leaves to encoding/json: surrogate escapes and invalid UTF-8, which that replaces with U+FFFD.
func unescape(dst, b []byte) ([]byte, bool) {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\\':
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, err := strconv.ParseUint(bytesString(b[i+2:i+6]), 16, 32)
				if err != nil || utf16.IsSurrogate(rune(r)) {
					return dst, false
				}
				dst = utf8.AppendRune(dst, rune(r))
				i += 6
				continue
			default:
				return dst, false
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, false
			}
			dst = append(dst, b[i:i+size]...)
			i += size
		}
	}
	return dst, true
}

// rowPtr is a row struct that can take its fields one by one: setField reads the value of key at the scanner.
type rowPtr[R any] interface {
	*R
	setField(key string, s *scanner, in interner) error
}

// interner hands out one string per distinct value within a page, so that the lines of one order or one product
// share their names, states and units instead of each holding a copy (an allocation per field per record).
// Reading a nil interner just copies.
type interner map[string]string

// maxInterned bounds an interner: a page of distinct values (order names in a page of orders) gains nothing.
const maxInterned = 2048

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // the conversion does not allocate for a lookup
		return s
	}
	s := string(b)
	if in != nil && len(in) < maxInterned {
		in[s] = s
	}
	return s
}

// decodeRows decodes a JSON array of objects into rows, in dst's memory when it is large enough.
func decodeRows[R any, P rowPtr[R]](dst []R, b []byte) ([]R, error) {
	s := &scanner{b: b}
	if s.peek() == 'n' || s.peek() == 'f' { // null / false: no records
		v, err := s.value(0)
		if err == nil && isFalse(v) && s.peek() == 0 {
			return nil, nil
		}
		return nil, s.errf("expected an array of records")
	}
	if !s.consume('[') {
		return nil, s.errf("expected an array of records")
	}
	rows := dst[:0]
	// Every record is an object: counting '{' (one byte, a vectorized count) bounds the records from above. A
	// search for `"id"` stopped at every quote and cost a tenth of a sync's decoding.
	if n := bytes.Count(b, []byte{'{'}); cap(rows) < n {
		rows = make([]R, 0, n)
	}
	if s.consume(']') {
		return rows, s.end()
	}
	in := interner{}
	for {
		rows = append(rows, *new(R))
		if err := decodeObject(s, P(&rows[len(rows)-1]), in); err != nil {
			return nil, fmt.Errorf("record %d: %w", len(rows), err)
		}
		if s.consume(']') {
			return rows, s.end()
		}
		if !s.consume(',') {
			return nil, s.errf("expected ',' or ']' after a record")
		}
	}
}

func (s *scanner) end() error {
	if s.peek() != 0 {
		return s.errf("data after the value")
	}
	return nil
}

func decodeObject[P interface {
	setField(key string, s *scanner, in interner) error
}](s *scanner, row P, in interner) error {
	if !s.consume('{') {
		return s.errf("expected an object")
	}
	if s.consume('}') {
		return nil
	}
	for {
		k, esc, err := s.str()
		if err != nil {
			return err
		}
		key := unsafe.String(unsafe.SliceData(k[1:]), len(k)-2) // valid while b lives; not retained
		if esc {
			var u string
			if err := json.Unmarshal(k, &u); err != nil {
				return s.errf("bad key")
			}
			key = u
		}
		if !s.consume(':') {
			return s.errf("expected ':'")
		}
		if err := row.setField(key, s, in); err != nil {
			return fmt.Errorf("field %s: %w", key, err)
		}
		if s.consume('}') {
			return nil
		}
		if !s.consume(',') {
			return s.errf("expected ',' or '}'")
		}
	}
}

// jsonrpcResultFast finds the "result" of a JSON-RPC success envelope without decoding it; ok=false sends the
// caller to the full decoder (errors, odd shapes). A result that is an array or an object (a page of records)
// is skimmed, not validated: whatever decodes it validates it (decodeRows, encoding/json), as with JSON-2, whose
// body is the result. Validating it here too scanned every page twice. With atTail, an array result that ends
// where the envelope does is not even skimmed (see resultAtTail).
func jsonrpcResultFast(b []byte, atTail bool) (json.RawMessage, bool) {
	s := &scanner{b: b}
	if !s.consume('{') {
		return nil, false
	}
	var result []byte
	if s.consume('}') {
		return nil, false
	}
	for {
		k, esc, err := s.str()
		if err != nil || esc || !s.consume(':') {
			return nil, false
		}
		var v []byte
		if c := s.peek(); string(k) == `"result"` && (c == '[' || c == '{') {
			if atTail && c == '[' {
				if v, ok := resultAtTail(b, s.i); ok {
					return v, true
				}
			}
			if v, err = s.skim(); err != nil {
				return nil, false
			}
		} else if v, err = s.value(0); err != nil {
			return nil, false
		}
		switch string(k) {
		case `"error"`:
			if !isFalse(v) {
				return nil, false
			}
		case `"result"`:
			result = v
		}
		if s.consume('}') {
			if result == nil || s.end() != nil {
				return nil, false
			}
			return result, true
		}
		if !s.consume(',') {
			return nil, false
		}
	}
}

// bytesString views b as a string for parsing without copying; the result must not be retained.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// fastInt parses a plain JSON integer.
func fastInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func parseFloatBytes(b []byte) (float64, error) {
	return strconv.ParseFloat(bytesString(b), 64)
}

// resultAtTail returns the array that starts at b[start] when the envelope b ends right after it (its last bytes
// are ']', white space and '}'), without reading what lies between. Odoo writes "result" as the envelope's last
// member, so this is the page whenever the envelope is well formed; skimming each page for its end was a fifth
// of a sync's client CPU on PostgreSQL. The decoders refuse anything but one value, so the slice cannot be read
// as something else: were another member with an array value to follow the result (no JSON-RPC server writes
// one), the slice would hold it too, every decoder would refuse it, and callDecode finds the result exactly
// (exactResult) and decodes that instead.
func resultAtTail(b []byte, start int) ([]byte, bool) {
	end := len(b) - 1
	if end <= start || b[end] != '}' {
		return nil, false
	}
	for end--; end > start && (b[end] == ' ' || b[end] == '\t' || b[end] == '\n' || b[end] == '\r'); end-- {
	}
	if b[end] != ']' {
		return nil, false
	}
	return b[start : end+1], true
}

// exactResult is the result of the JSON-RPC envelope body found member by member, for a page that resultAtTail
// found (raw) and a decoder refused: ok when it is another slice than raw, to decode instead.
func exactResult(body, raw []byte) (json.RawMessage, bool) {
	v, err := decodeJSONRPC(body)
	if err != nil || len(v) == len(raw) {
		return nil, false
	}
	return v, true
}
