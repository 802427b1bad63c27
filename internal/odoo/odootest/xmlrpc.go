package odootest

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A small XML-RPC codec (methodCall in, methodResponse out), written independently of the client's.

type xmlCall struct {
	method string
	params []any
}

// decodeMethodCall parses <methodCall>. Values become int64, float64, bool, string, time.Time, []byte,
// []any, map[string]any or nil (<nil/> is accepted in requests, as Python's unmarshaller does).
func decodeMethodCall(body []byte) (*xmlCall, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	c := &xmlCall{}
	inCall := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !inCall {
				return nil, errors.New("no methodCall element")
			}
			return c, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "methodCall":
			inCall = true
		case "methodName":
			s, err := textOf(d)
			if err != nil {
				return nil, err
			}
			c.method = strings.TrimSpace(s)
		case "param":
			v, err := nextValue(d)
			if err != nil {
				return nil, err
			}
			c.params = append(c.params, v)
		case "params":
		default:
			return nil, fmt.Errorf("unexpected element <%s>", se.Name.Local)
		}
	}
}

func textOf(d *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("unexpected element <%s> in text", t.Name.Local)
		}
	}
}

// nextValue reads up to and including the next <value>...</value>.
func nextValue(d *xml.Decoder) (any, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "value" {
				return nil, fmt.Errorf("expected <value>, got <%s>", t.Name.Local)
			}
			return valueBody(d)
		case xml.EndElement:
			return nil, fmt.Errorf("expected <value>, got </%s>", t.Name.Local)
		}
	}
}

// valueBody reads the inside of <value> and its end tag.
func valueBody(d *xml.Decoder) (any, error) {
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement: // </value> with bare text: a string
			return text.String(), nil
		case xml.StartElement:
			v, err := typedValue(d, t.Name.Local)
			if err != nil {
				return nil, err
			}
			// consume up to </value>
			for {
				tok, err := d.Token()
				if err != nil {
					return nil, err
				}
				if _, ok := tok.(xml.EndElement); ok {
					return v, nil
				}
				if se, ok := tok.(xml.StartElement); ok {
					return nil, fmt.Errorf("unexpected <%s> after value", se.Name.Local)
				}
			}
		}
	}
}

func typedValue(d *xml.Decoder, tag string) (any, error) {
	switch tag {
	case "int", "i4", "i8":
		s, err := textOf(d)
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad int %q", s)
		}
		return n, nil
	case "boolean":
		s, err := textOf(d)
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(s) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, fmt.Errorf("bad boolean %q", s)
	case "double":
		s, err := textOf(d)
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("bad double %q", s)
		}
		return f, nil
	case "string":
		return textOf(d)
	case "dateTime.iso8601":
		s, err := textOf(d)
		if err != nil {
			return nil, err
		}
		s = strings.TrimSpace(s)
		for _, layout := range []string{"20060102T15:04:05", "2006-01-02T15:04:05", "20060102T150405"} {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("bad dateTime %q", s)
	case "base64":
		s, err := textOf(d)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, fmt.Errorf("bad base64: %w", err)
		}
		return b, nil
	case "nil":
		if _, err := textOf(d); err != nil {
			return nil, err
		}
		return nil, nil
	case "array":
		var out []any
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "data":
				case "value":
					v, err := valueBody(d)
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				default:
					return nil, fmt.Errorf("unexpected <%s> in array", t.Name.Local)
				}
			case xml.EndElement:
				if t.Name.Local == "array" {
					if out == nil {
						out = []any{}
					}
					return out, nil
				}
			}
		}
	case "struct":
		out := map[string]any{}
		var name string
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "member":
					name = ""
				case "name":
					if name, err = textOf(d); err != nil {
						return nil, err
					}
				case "value":
					v, err := valueBody(d)
					if err != nil {
						return nil, err
					}
					out[name] = v
				default:
					return nil, fmt.Errorf("unexpected <%s> in struct", t.Name.Local)
				}
			case xml.EndElement:
				if t.Name.Local == "struct" {
					return out, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("unknown type <%s>", tag)
}

// xw writes XML-RPC values.
type xw struct{ b []byte }

func (w *xw) raw(s string) { w.b = append(w.b, s...) }

func (w *xw) text(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			w.raw("&lt;")
		case '>':
			w.raw("&gt;")
		case '&':
			w.raw("&amp;")
		default:
			w.b = append(w.b, c)
		}
	}
}

func (w *xw) str(s string) {
	w.raw("<value><string>")
	w.text(s)
	w.raw("</string></value>")
}

func (w *xw) int(i int64) {
	w.raw("<value><int>")
	w.b = strconv.AppendInt(w.b, i, 10)
	w.raw("</int></value>")
}

func (w *xw) bool(b bool) {
	if b {
		w.raw("<value><boolean>1</boolean></value>")
	} else {
		w.raw("<value><boolean>0</boolean></value>")
	}
}

func (w *xw) float(f float64) {
	w.raw("<value><double>")
	w.b = pyFloat(w.b, f)
	w.raw("</double></value>")
}

var errMarshalNone = errors.New("cannot marshal None unless allow_none is enabled")

// any writes a result; None cannot be marshalled (Odoo's XML-RPC does not allow it).
func (w *xw) any(v any) error {
	switch x := v.(type) {
	case nil:
		return errMarshalNone
	case bool:
		w.bool(x)
	case int:
		w.int(int64(x))
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			return fmt.Errorf("int exceeds XML-RPC limits")
		}
		w.int(x)
	case float64:
		w.float(x)
	case string:
		w.str(x)
	case []any:
		w.raw("<value><array><data>")
		for _, e := range x {
			if err := w.any(e); err != nil {
				return err
			}
		}
		w.raw("</data></array></value>")
	case []int64:
		w.raw("<value><array><data>")
		for _, e := range x {
			w.int(e)
		}
		w.raw("</data></array></value>")
	case []string:
		w.raw("<value><array><data>")
		for _, e := range x {
			w.str(e)
		}
		w.raw("</data></array></value>")
	case obj:
		w.raw("<value><struct>")
		for _, e := range x {
			w.raw("<member><name>")
			w.text(e.k)
			w.raw("</name>")
			if err := w.any(e.v); err != nil {
				return err
			}
			w.raw("</member>")
		}
		w.raw("</struct></value>")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := make(obj, len(keys))
		for i, k := range keys {
			o[i] = kv{k, x[k]}
		}
		return w.any(o)
	case *rowSet:
		x.writeXML(w)
	default:
		return fmt.Errorf("cannot marshal %T objects", v)
	}
	return nil
}

func (rs *rowSet) writeXML(w *xw) {
	w.raw("<value><array><data>")
	for _, r := range rs.rows {
		w.raw("<value><struct>")
		for _, f := range rs.fields {
			w.raw("<member><name>")
			w.raw(f.name)
			w.raw("</name>")
			v := f.get(rs.e, r)
			switch v.k {
			case kNull:
				if f.typ == "one2many" || f.typ == "many2many" {
					w.raw("<value><array><data></data></array></value>")
				} else {
					w.bool(false)
				}
			case kInt:
				w.int(v.i)
			case kFloat:
				w.float(v.f)
			case kStr, kDate:
				w.str(v.s)
			case kBool:
				w.bool(v.i == 1)
			case kM2O:
				w.raw("<value><array><data>")
				w.int(v.i)
				w.str(rs.displayName(f, v.i))
				w.raw("</data></array></value>")
			case kIDs:
				_ = w.any(v.ids)
			case kTime:
				w.str(formatDatetime(v.i))
			}
			w.raw("</member>")
		}
		w.raw("</struct></value>")
	}
	w.raw("</data></array></value>")
}

const xmlHeader = "<?xml version='1.0'?>\n"

func xmlFault(code int, msg string) []byte {
	var w xw
	w.raw(xmlHeader)
	w.raw("<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n")
	w.int(int64(code))
	w.raw("\n</member>\n<member>\n<name>faultString</name>\n")
	w.str(msg)
	w.raw("\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n")
	return w.b
}

// faultFor maps an exception to Odoo's XML-RPC fault: the message for the known exceptions, the
// traceback for generic errors (code 1).
func faultFor(e *odooError) (int, string) {
	switch e.fault {
	case 2, 3, 4:
		return e.fault, e.message
	}
	return 1, e.traceback()
}

func (s *Server) serveXMLRPC(w http.ResponseWriter, r *http.Request, service string, ci *callInfo) {
	s.countCall(ci)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return
	}
	xc, err := decodeMethodCall(body)
	if err != nil {
		// Python's expat raises; Odoo answers a generic fault with the traceback
		e := &odooError{name: "xml.parsers.expat.ExpatError", message: err.Error(), fault: 1}
		code, msg := faultFor(e)
		s.writeBody(w, r, nil, http.StatusOK, "text/xml; charset=utf-8", xmlFault(code, msg))
		return
	}
	c := &call{service: service, method: xc.method, args: xc.params, remote: remoteHost(r)}
	c.fill()
	ci.key = c.statsKey()
	f := s.pickFault(c)
	if s.preFault(w, r, f) {
		return
	}
	var res any
	var oerr *odooError
	locked := false
	switch {
	case f != nil && f.Kind == SessionExpired:
		oerr = errSessionExpired()
	case f != nil && f.Kind == AccessDenied:
		oerr = errAccessDenied()
	case f != nil && f.Kind == SerializationFailure:
		oerr = errSerialization()
	default:
		s.mu.RLock() // held until the result is encoded
		locked = true
		res, err = s.dispatch(c)
		if err != nil && !errors.As(err, &oerr) {
			oerr = &odooError{name: "builtins.Exception", message: err.Error(), fault: 1}
		}
		if err == nil {
			ci.records = resultRecords(res)
		}
	}
	out := xw{b: getBuf(3 * sizeHint(res))}
	defer func() { putBuf(out.b) }()
	if oerr == nil {
		out.raw(xmlHeader)
		out.raw("<methodResponse>\n<params>\n<param>\n")
		if err := out.any(res); err != nil {
			oerr = &odooError{name: "builtins.TypeError", message: err.Error(), fault: 1}
			ci.records = 0 // answered with a fault, not the rows
		} else {
			out.raw("\n</param>\n</params>\n</methodResponse>\n")
		}
	}
	if locked {
		s.mu.RUnlock()
	}
	if oerr != nil {
		code, msg := faultFor(oerr)
		out.b = xmlFault(code, msg)
	}
	s.writeBody(w, r, f, http.StatusOK, "text/xml; charset=utf-8", out.b)
}
