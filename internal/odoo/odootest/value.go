package odootest

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// kind of a field value.
type kind uint8

const (
	kNull  kind = iota // Odoo's false
	kInt               // integer
	kFloat             // float, monetary
	kStr               // char, text, selection
	kBool              // boolean (i = 0/1)
	kM2O               // many2one (i = id)
	kIDs               // one2many, many2many
	kTime              // datetime (i = unix microseconds)
	kDate              // date (s = YYYY-MM-DD)
)

// value is one field value of one record. Returned by value so reading fields does not allocate.
type value struct {
	k   kind
	i   int64
	f   float64
	s   string
	ids []int64
}

func vNull() value           { return value{} }
func vInt(i int64) value     { return value{k: kInt, i: i} }
func vFloat(f float64) value { return value{k: kFloat, f: f} }
func vBool(b bool) value {
	if b {
		return value{k: kBool, i: 1}
	}
	return value{k: kBool}
}

// vStr: "" is false.
func vStr(s string) value {
	if s == "" {
		return value{}
	}
	return value{k: kStr, s: s}
}

// vM2O: 0 is false.
func vM2O(id int64) value {
	if id == 0 {
		return value{}
	}
	return value{k: kM2O, i: id}
}
func vIDs(ids []int64) value { return value{k: kIDs, ids: ids} }

// vTime: the zero time is false.
func vTime(t time.Time) value {
	if t.IsZero() {
		return value{}
	}
	return value{k: kTime, i: t.UnixMicro()}
}

// obj is a JSON object / XML-RPC struct whose keys keep their order (Python dicts do).
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) get(k string) (any, bool) {
	for _, e := range o {
		if e.k == k {
			return e.v, true
		}
	}
	return nil, false
}

// formatDatetime renders unix microseconds as Odoo returns a datetime: seconds, truncated (not rounded).
func formatDatetime(us int64) string {
	sec := us / 1e6
	if us < 0 && us%1e6 != 0 {
		sec--
	}
	return time.Unix(sec, 0).UTC().Format(time.DateTime)
}

// jw is a hand-written JSON writer: appends to a byte slice, no reflection, no intermediate maps.
type jw struct {
	b []byte
}

func (w *jw) raw(s string) { w.b = append(w.b, s...) }

func (w *jw) str(s string) {
	w.b = append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			w.b = append(w.b, s[start:i]...)
			switch c {
			case '"':
				w.b = append(w.b, '\\', '"')
			case '\\':
				w.b = append(w.b, '\\', '\\')
			case '\n':
				w.b = append(w.b, '\\', 'n')
			case '\r':
				w.b = append(w.b, '\\', 'r')
			case '\t':
				w.b = append(w.b, '\\', 't')
			default:
				w.b = append(w.b, `\u00`...)
				w.b = append(w.b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			w.b = append(w.b, s[start:i]...)
			w.b = append(w.b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}

func (w *jw) int(i int64) { w.b = strconv.AppendInt(w.b, i, 10) }

// pyFloat formats like Python's repr(float), which json.dumps uses: 1.0, 12.5, 1e+16.
func pyFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch {
		case math.IsNaN(f):
			return append(b, "NaN"...)
		case f > 0:
			return append(b, "Infinity"...)
		default:
			return append(b, "-Infinity"...)
		}
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go: 1e+16, 1.5e-05; Python: 1e+16, 1.5e-05. Same.
		return append(b, s...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, '.', '0')
}

func (w *jw) float(f float64) { w.b = pyFloat(w.b, f) }

// any writes a generic result value.
func (w *jw) any(v any) {
	switch x := v.(type) {
	case nil:
		w.raw("null")
	case bool:
		if x {
			w.raw("true")
		} else {
			w.raw("false")
		}
	case int:
		w.int(int64(x))
	case int64:
		w.int(x)
	case float64:
		w.float(x)
	case string:
		w.str(x)
	case json.RawMessage:
		w.b = append(w.b, x...)
	case []any:
		w.b = append(w.b, '[')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',', ' ')
			}
			w.any(e)
		}
		w.b = append(w.b, ']')
	case []int64:
		w.b = append(w.b, '[')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',', ' ')
			}
			w.int(e)
		}
		w.b = append(w.b, ']')
	case []string:
		w.b = append(w.b, '[')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',', ' ')
			}
			w.str(e)
		}
		w.b = append(w.b, ']')
	case obj:
		w.b = append(w.b, '{')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',', ' ')
			}
			w.str(e.k)
			w.b = append(w.b, ':', ' ')
			w.any(e.v)
		}
		w.b = append(w.b, '}')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.b = append(w.b, '{')
		for i, k := range keys {
			if i > 0 {
				w.b = append(w.b, ',', ' ')
			}
			w.str(k)
			w.b = append(w.b, ':', ' ')
			w.any(x[k])
		}
		w.b = append(w.b, '}')
	case *rowSet:
		x.writeJSON(w)
	default:
		panic(fmt.Sprintf("odootest: cannot encode %T", v))
	}
}

// sizeHint guesses an encoded result's size so the buffer grows once.
func sizeHint(v any) int {
	if rs, ok := v.(*rowSet); ok {
		return 1024 + len(rs.rows)*(48+72*len(rs.fields))
	}
	return 1024
}

// bufPool recycles response buffers: a page of rows is a few megabytes, allocated per call otherwise.
var bufPool sync.Pool

func getBuf(hint int) []byte {
	if b, ok := bufPool.Get().(*[]byte); ok && cap(*b) >= hint {
		return (*b)[:0]
	}
	return make([]byte, 0, hint)
}

func putBuf(b []byte) {
	if cap(b) > 64<<20 {
		return
	}
	bufPool.Put(&b)
}
