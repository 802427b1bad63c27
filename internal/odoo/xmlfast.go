package odoo

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf8"
)

// A hand-written reader for the regular XML that Python's xmlrpc.client produces (no attributes, comments,
// CDATA or carriage returns). It is ~10x faster than encoding/xml; anything it does not recognise makes
// decodeXMLRPC fall back to the encoding/xml path, which is the reference (the fuzz target checks they agree).

var errXMLFallback = errors.New("xml-rpc: not in the fast subset")

type xtok struct {
	kind byte // 's' start, 'e' end, 'n' self-closing, 't' text
	name []byte
	text []byte
}

type xscan struct {
	b []byte
	i int
}

func (x *xscan) next() (xtok, error) {
	if x.i >= len(x.b) {
		return xtok{}, errXMLFallback
	}
	if x.b[x.i] != '<' {
		j := bytes.IndexByte(x.b[x.i:], '<')
		if j < 0 {
			j = len(x.b) - x.i
		}
		t := x.b[x.i : x.i+j]
		x.i += j
		return xtok{kind: 't', text: t}, nil
	}
	j := bytes.IndexByte(x.b[x.i:], '>')
	if j < 0 {
		return xtok{}, errXMLFallback
	}
	tag := x.b[x.i+1 : x.i+j]
	x.i += j + 1
	switch {
	case len(tag) == 0:
		return xtok{}, errXMLFallback
	case tag[0] == '/':
		if !xmlName(tag[1:]) {
			return xtok{}, errXMLFallback
		}
		return xtok{kind: 'e', name: tag[1:]}, nil
	case tag[len(tag)-1] == '/':
		if !xmlName(tag[:len(tag)-1]) {
			return xtok{}, errXMLFallback
		}
		return xtok{kind: 'n', name: tag[:len(tag)-1]}, nil
	}
	if !xmlName(tag) {
		return xtok{}, errXMLFallback
	}
	return xtok{kind: 's', name: tag}, nil
}

func xmlName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// start reads the next start tag, skipping whitespace text.
func (x *xscan) start() (xtok, error) {
	for {
		t, err := x.next()
		if err != nil {
			return t, err
		}
		if t.kind == 't' {
			if len(bytes.TrimSpace(t.text)) != 0 {
				return t, errXMLFallback
			}
			continue
		}
		return t, nil
	}
}

// startOrEnd returns the next start tag, or an end tag, skipping whitespace.
func (x *xscan) startOrEnd() (xtok, error) { return x.start() }

func (x *xscan) expectEnd(name string) error {
	t, err := x.start()
	if err != nil {
		return err
	}
	if t.kind != 'e' || string(t.name) != name {
		return errXMLFallback
	}
	return nil
}

// text reads character data up to the end tag name.
func (x *xscan) textUntil(name string) ([]byte, error) {
	t, err := x.next()
	if err != nil {
		return nil, err
	}
	var raw []byte
	if t.kind == 't' {
		raw = t.text
		if t, err = x.next(); err != nil {
			return nil, err
		}
	}
	if t.kind != 'e' || string(t.name) != name {
		return nil, errXMLFallback
	}
	return unescapeXML(raw)
}

func unescapeXML(b []byte) ([]byte, error) {
	if bytes.IndexByte(b, '\r') >= 0 || bytes.Contains(b, []byte("]]>")) || !validXMLText(b) {
		return nil, errXMLFallback
	}
	if bytes.IndexByte(b, '&') < 0 {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		b = b[i:]
		j := bytes.IndexByte(b, ';')
		if j < 0 {
			return nil, errXMLFallback
		}
		ent := b[1:j]
		b = b[j+1:]
		switch string(ent) {
		case "amp":
			out = append(out, '&')
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return nil, errXMLFallback
			}
			var n uint64
			var err error
			if ent[1] == 'x' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			r := rune(n)
			if err != nil || !validXMLChar(r) {
				return nil, errXMLFallback
			}
			out = utf8.AppendRune(out, r)
		}
	}
	return out, nil
}

// validXMLText reports UTF-8 made only of characters XML allows (encoding/xml rejects the others).
func validXMLText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 || !validXMLChar(r) {
			return false
		}
		i += n
	}
	return true
}

func validXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// decodeXMLRPCFast converts a methodResponse in the fast subset; errXMLFallback means "use encoding/xml".
func decodeXMLRPCFast(body []byte) (result []byte, isFault bool, err error) {
	x := &xscan{b: body}
	// prolog
	if bytes.HasPrefix(body, []byte("<?xml")) {
		j := bytes.Index(body, []byte("?>"))
		if j < 0 || !bytes.Contains(body[:j], []byte(`version="1.0"`)) && !bytes.Contains(body[:j], []byte(`version='1.0'`)) {
			return nil, false, errXMLFallback
		}
		x.i = j + 2
	}
	t, err := x.start()
	if err != nil || t.kind != 's' || string(t.name) != "methodResponse" {
		return nil, false, errXMLFallback
	}
	t, err = x.start()
	if err != nil || t.kind != 's' {
		return nil, false, errXMLFallback
	}
	var out bytes.Buffer
	out.Grow(len(body) / 3)
	switch string(t.name) {
	case "params":
		if p, err := x.start(); err != nil || p.kind != 's' || string(p.name) != "param" {
			return nil, false, errXMLFallback
		}
		if err := x.value(&out, 0); err != nil {
			return nil, false, err
		}
		if x.expectEnd("param") != nil || x.expectEnd("params") != nil {
			return nil, false, errXMLFallback
		}
	case "fault":
		isFault = true
		if err := x.value(&out, 0); err != nil {
			return nil, false, err
		}
		if x.expectEnd("fault") != nil {
			return nil, false, errXMLFallback
		}
	default:
		return nil, false, errXMLFallback
	}
	if x.expectEnd("methodResponse") != nil {
		return nil, false, errXMLFallback
	}
	for ; x.i < len(body); x.i++ {
		if c := body[x.i]; c != ' ' && c != '\n' && c != '\t' {
			return nil, false, errXMLFallback
		}
	}
	return out.Bytes(), isFault, nil
}

// value reads <value>...</value> (the start tag not yet read).
func (x *xscan) value(out *bytes.Buffer, depth int) error {
	if depth > xmlMaxDepth {
		return errXMLFallback
	}
	t, err := x.start()
	if err != nil || t.kind != 's' || string(t.name) != "value" {
		return errXMLFallback
	}
	// Untyped text, or a typed element.
	t, err = x.next()
	if err != nil {
		return err
	}
	if t.kind == 't' {
		raw := t.text
		t2, err := x.next()
		if err != nil {
			return err
		}
		if t2.kind == 'e' && string(t2.name) == "value" {
			s, err := unescapeXML(raw)
			if err != nil {
				return err
			}
			writeJSONString(out, string(s))
			return nil
		}
		if len(bytes.TrimSpace(raw)) != 0 {
			return errXMLFallback
		}
		t = t2
	}
	if t.kind == 'e' && string(t.name) == "value" {
		out.WriteString(`""`)
		return nil
	}
	if t.kind == 'n' && string(t.name) == "nil" {
		out.WriteString("null")
		return x.expectEnd("value")
	}
	if t.kind != 's' {
		return errXMLFallback
	}
	name := string(t.name)
	switch name {
	case "struct":
		out.WriteByte('{')
		for n := 0; ; n++ {
			m, err := x.start()
			if err != nil {
				return err
			}
			if m.kind == 'e' && string(m.name) == "struct" {
				break
			}
			if m.kind != 's' || string(m.name) != "member" {
				return errXMLFallback
			}
			if nm, err := x.start(); err != nil || nm.kind != 's' || string(nm.name) != "name" {
				return errXMLFallback
			}
			key, err := x.textUntil("name")
			if err != nil {
				return err
			}
			if n > 0 {
				out.WriteByte(',')
			}
			writeJSONString(out, string(key))
			out.WriteByte(':')
			if err := x.value(out, depth+1); err != nil {
				return err
			}
			if x.expectEnd("member") != nil {
				return errXMLFallback
			}
		}
		out.WriteByte('}')
	case "array":
		if d, err := x.start(); err != nil || d.kind != 's' || string(d.name) != "data" {
			return errXMLFallback
		}
		out.WriteByte('[')
		for i := 0; ; i++ {
			save := x.i
			v, err := x.start()
			if err != nil {
				return err
			}
			if v.kind == 'e' && string(v.name) == "data" {
				break
			}
			x.i = save
			if i > 0 {
				out.WriteByte(',')
			}
			if err := x.value(out, depth+1); err != nil {
				return err
			}
		}
		out.WriteByte(']')
		if x.expectEnd("array") != nil {
			return errXMLFallback
		}
	default:
		text, err := x.textUntil(name)
		if err != nil {
			return err
		}
		switch name {
		case "int", "i4", "i8":
			n, err := strconv.ParseInt(string(bytes.TrimSpace(text)), 10, 64)
			if err != nil {
				return errXMLFallback
			}
			out.WriteString(strconv.FormatInt(n, 10))
		case "boolean":
			switch string(bytes.TrimSpace(text)) {
			case "1":
				out.WriteString("true")
			case "0":
				out.WriteString("false")
			default:
				return errXMLFallback
			}
		case "double":
			f, err := strconv.ParseFloat(string(bytes.TrimSpace(text)), 64)
			if err != nil || f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
				return errXMLFallback
			}
			out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		case "string", "base64", "dateTime.iso8601":
			writeJSONString(out, string(text))
		default:
			return errXMLFallback
		}
	}
	return x.expectEnd("value")
}
