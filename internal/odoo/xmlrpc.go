package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlrpcTransport speaks /xmlrpc/2/common and /xmlrpc/2/object. Responses are converted to JSON so that one set
// of decoders serves every transport.
type xmlrpcTransport struct {
	h *httpCore
	c conn
}

func (t *xmlrpcTransport) protocol() Protocol { return ProtocolXMLRPC }

func (t *xmlrpcTransport) rpc(ctx context.Context, service, method string, args []any, model, op string,
	again func(context.Context) ([]any, error)) (json.RawMessage, error) {
	req := func(args []any) (httpRequest, error) {
		body, err := encodeXMLRPCCall(method, args)
		if err != nil {
			return httpRequest{}, fmt.Errorf("odoo: encode %s.%s: %w", model, op, err)
		}
		return httpRequest{method: http.MethodPost, path: "/xmlrpc/2/" + service, contentType: "text/xml", body: body,
			model: model, op: op}, nil
	}
	r, err := req(args)
	if err != nil {
		return nil, err
	}
	relog := argsRelogin(again, req)
	return t.h.call(ctx, ProtocolXMLRPC, r, func(resp *httpResponse) (json.RawMessage, outcome) {
		return t.interpret(resp, service, model, op)
	}, relog)
}

// interpret reads one XML-RPC response: a value, a fault (HTTP 200), or something that is not XML-RPC at all.
func (t *xmlrpcTransport) interpret(resp *httpResponse, service, model, op string) (json.RawMessage, outcome) {
	if resp.status == http.StatusNotFound {
		return nil, outcome{err: t.c.notServed(ProtocolXMLRPC, "POST /xmlrpc/2/"+service,
			"the server removed XML-RPC, or the URL is not the Odoo server root")}
	}
	result, err := decodeXMLRPC(resp.body)
	if err == nil {
		return result, outcome{}
	}
	if f, ok := err.(*fault); ok {
		return nil, outcome{fault: f, err: t.c.mapFault(f, model, op)}
	}
	o := outcome{foreign: notXML(resp.body)}
	detail := err.Error()
	if o.foreign {
		detail = (&foreignBodyError{want: "XML-RPC", contentType: resp.contentType, body: bytes.TrimSpace(resp.body)}).Error()
	}
	if resp.status != http.StatusOK {
		o.err = &HTTPError{Model: model, Method: op, StatusCode: resp.status, Body: t.h.redact(snippet(resp.body))}
	} else {
		o.err = &ProtocolError{Protocol: ProtocolXMLRPC, Model: model, Method: op, Detail: t.h.redact(detail)}
	}
	return nil, o
}

// notXML reports a body that is not an XML document at all or is an HTML page: empty, text, <html>, <!DOCTYPE html>.
func notXML(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '<' {
		return true
	}
	head := strings.ToLower(string(b[:min(len(b), 64)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

func (t *xmlrpcTransport) version(ctx context.Context) (ServerVersion, error) {
	raw, err := t.rpc(ctx, "common", "version", []any{}, "common", "version", nil)
	if err != nil {
		return ServerVersion{}, err
	}
	return parseVersion(raw)
}

func (t *xmlrpcTransport) authenticate(ctx context.Context) (int64, error) {
	raw, err := t.rpc(ctx, "common", "authenticate", []any{t.c.database, t.c.login, t.c.secret, map[string]any{}},
		"common", "authenticate", nil)
	if err != nil {
		return 0, err
	}
	return decodeUID(raw, t.c)
}

func (t *xmlrpcTransport) execute(ctx context.Context, uid int64, cl *call, again reauthFunc) (json.RawMessage, error) {
	args := func(uid int64) []any {
		return []any{t.c.database, uid, t.c.secret, cl.model, cl.method, cl.positional(), cl.kwargsWithContext()}
	}
	return t.rpc(ctx, "object", "execute_kw", args(uid), cl.model, cl.method, again.args(args))
}

// encodeXMLRPCCall renders a methodCall. Arguments go through JSON first so that every type the JSON transports
// accept (Domain, structs with tags) is accepted here the same way.
func encodeXMLRPCCall(method string, args []any) ([]byte, error) {
	js, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var generic []any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodCall><methodName>`)
	xml.EscapeText(&b, []byte(method))
	b.WriteString(`</methodName><params>`)
	for _, a := range generic {
		b.WriteString("<param>")
		if err := encodeXMLValue(&b, a); err != nil {
			return nil, err
		}
		b.WriteString("</param>")
	}
	b.WriteString("</params></methodCall>")
	return b.Bytes(), nil
}

func encodeXMLValue(b *bytes.Buffer, v any) error {
	b.WriteString("<value>")
	switch x := v.(type) {
	case nil:
		b.WriteString("<nil/>")
	case bool:
		if x {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case string:
		b.WriteString("<string>")
		xml.EscapeText(b, []byte(x))
		b.WriteString("</string>")
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				fmt.Fprintf(b, "<int>%d</int>", n)
			} else {
				fmt.Fprintf(b, "<i8>%d</i8>", n)
			}
		} else {
			f, err := x.Float64()
			if err != nil {
				return err
			}
			b.WriteString("<double>" + strconv.FormatFloat(f, 'g', -1, 64) + "</double>")
		}
	case []any:
		b.WriteString("<array><data>")
		for _, e := range x {
			if err := encodeXMLValue(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</data></array>")
	case map[string]any:
		b.WriteString("<struct>")
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b.WriteString("<member><name>")
			xml.EscapeText(b, []byte(k))
			b.WriteString("</name>")
			if err := encodeXMLValue(b, x[k]); err != nil {
				return err
			}
			b.WriteString("</member>")
		}
		b.WriteString("</struct>")
	default:
		return fmt.Errorf("xml-rpc: cannot encode %T", v)
	}
	b.WriteString("</value>")
	return nil
}

const xmlMaxDepth = 200

// decodeXMLRPC converts a methodResponse to the JSON text of its single value, or returns a *fault.
func decodeXMLRPC(body []byte) (json.RawMessage, error) {
	if out, isFault, err := decodeXMLRPCFast(body); err == nil {
		if !isFault {
			return out, nil
		}
		return nil, faultFromJSON(out)
	}
	return decodeXMLRPCStd(body)
}

func faultFromJSON(out []byte) error {
	var f struct {
		Code   jsonInt    `json:"faultCode"`
		String jsonString `json:"faultString"`
	}
	if err := json.Unmarshal(out, &f); err != nil {
		return fmt.Errorf("xml-rpc: malformed fault: %w", err)
	}
	return xmlFault(int(f.Code), string(f.String))
}

// decodeXMLRPCStd is the encoding/xml reference decoder.
func decodeXMLRPCStd(body []byte) (json.RawMessage, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	root, err := nextStart(d)
	if err != nil {
		return nil, fmt.Errorf("not an XML-RPC response: %w", err)
	}
	if strings.EqualFold(root.Name.Local, "html") {
		return nil, fmt.Errorf("got an HTML page instead of an XML-RPC response (is the URL the Odoo server root?)")
	}
	if root.Name.Local != "methodResponse" {
		return nil, fmt.Errorf("not an XML-RPC response: root element <%s>", root.Name.Local)
	}
	el, err := nextStart(d)
	if err != nil {
		return nil, fmt.Errorf("xml-rpc: %w", err)
	}
	var out bytes.Buffer
	switch el.Name.Local {
	case "params":
		p, err := nextStart(d)
		if err != nil || p.Name.Local != "param" {
			return nil, errors.New("xml-rpc: <params> without <param>")
		}
		if err := expectValue(d, &out); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	case "fault":
		if err := expectValue(d, &out); err != nil {
			return nil, err
		}
		return nil, faultFromJSON(out.Bytes())
	}
	return nil, fmt.Errorf("xml-rpc: unexpected element <%s>", el.Name.Local)
}

var tracebackExcRe = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_.]*): (.*)$`)

// xmlFault names a fault by its code (Odoo's xmlrpc_handle_exception_int); code 1 carries a traceback whose
// last exception line gives the name.
func xmlFault(code int, s string) *fault {
	f := &fault{code: code, message: s}
	switch code {
	case 2:
		f.name = "odoo.exceptions.UserError"
	case 3:
		f.name = "odoo.exceptions.AccessDenied"
	case 4:
		f.name = "odoo.exceptions.AccessError"
	default:
		f.name = "odoo.exceptions.Error"
		if m := tracebackExcRe.FindAllStringSubmatchIndex(s, -1); len(m) > 0 {
			last := m[len(m)-1]
			f.name = s[last[2]:last[3]]
			f.message = strings.TrimSpace(s[last[4]:])
			f.debug = s
		}
	}
	return f
}

func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return xml.StartElement{}, io.ErrUnexpectedEOF
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, fmt.Errorf("unexpected </%s>", t.Name.Local)
		}
	}
}

// expectValue reads the next element, which must be <value>, and writes it as JSON.
func expectValue(d *xml.Decoder, out *bytes.Buffer) error {
	v, err := nextStart(d)
	if err != nil {
		return fmt.Errorf("xml-rpc: %w", err)
	}
	if v.Name.Local != "value" {
		return fmt.Errorf("xml-rpc: expected <value>, got <%s>", v.Name.Local)
	}
	return readValue(d, out, 0)
}

// readValue converts the content of a <value> element (already opened) to JSON, consuming its end tag.
func readValue(d *xml.Decoder, out *bytes.Buffer, depth int) error {
	if depth > xmlMaxDepth {
		return errors.New("xml-rpc: value nested too deeply")
	}
	var text []byte
	typed := false
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("xml-rpc: %w", eofIsUnexpected(err))
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !typed {
				text = append(text, t...)
			}
		case xml.EndElement:
			if !typed {
				writeJSONString(out, string(text)) // <value>text</value> is a string
			}
			return nil
		case xml.StartElement:
			if typed {
				return fmt.Errorf("xml-rpc: two types in one <value>")
			}
			typed = true
			if err := readTyped(d, t, out, depth); err != nil {
				return err
			}
		}
	}
}

func readTyped(d *xml.Decoder, el xml.StartElement, out *bytes.Buffer, depth int) error {
	switch el.Name.Local {
	case "struct":
		out.WriteByte('{')
		n := 0
		for {
			m, err := startOrEnd(d)
			if err != nil {
				return err
			}
			if m == nil {
				out.WriteByte('}')
				return nil
			}
			if m.Name.Local != "member" {
				return fmt.Errorf("xml-rpc: <%s> in <struct>", m.Name.Local)
			}
			name, err := readMember(d, out, n, depth)
			_ = name
			if err != nil {
				return err
			}
			n++
		}
	case "array":
		data, err := startOrEnd(d)
		if err != nil {
			return err
		}
		out.WriteByte('[')
		if data != nil {
			if data.Name.Local != "data" {
				return fmt.Errorf("xml-rpc: <%s> in <array>", data.Name.Local)
			}
			for i := 0; ; i++ {
				v, err := startOrEnd(d)
				if err != nil {
					return err
				}
				if v == nil {
					break
				}
				if v.Name.Local != "value" {
					return fmt.Errorf("xml-rpc: <%s> in <data>", v.Name.Local)
				}
				if i > 0 {
					out.WriteByte(',')
				}
				if err := readValue(d, out, depth+1); err != nil {
					return err
				}
			}
			if end, err := startOrEnd(d); err != nil || end != nil {
				return errors.New("xml-rpc: malformed <array>")
			}
		}
		out.WriteByte(']')
		return nil
	case "nil":
		out.WriteString("null")
		return d.Skip()
	}
	text, err := readText(d)
	if err != nil {
		return err
	}
	switch el.Name.Local {
	case "int", "i4", "i8":
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return fmt.Errorf("xml-rpc: invalid integer %.40q", text)
		}
		out.WriteString(strconv.FormatInt(n, 10))
	case "boolean":
		switch strings.TrimSpace(text) {
		case "1":
			out.WriteString("true")
		case "0":
			out.WriteString("false")
		default:
			return fmt.Errorf("xml-rpc: invalid boolean %.40q", text)
		}
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("xml-rpc: invalid double %.40q", text)
		}
		out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case "string", "base64", "dateTime.iso8601":
		writeJSONString(out, text)
	default:
		return fmt.Errorf("xml-rpc: unknown value type <%s>", el.Name.Local)
	}
	return nil
}

// readMember reads <name>..</name><value>..</value></member> and writes "name":value.
func readMember(d *xml.Decoder, out *bytes.Buffer, n, depth int) (string, error) {
	var name string
	haveName, haveValue := false, false
	for {
		el, err := startOrEnd(d)
		if err != nil {
			return "", err
		}
		if el == nil {
			if !haveName || !haveValue {
				return "", errors.New("xml-rpc: incomplete <member>")
			}
			return name, nil
		}
		switch {
		case el.Name.Local == "name" && !haveName:
			if name, err = readText(d); err != nil {
				return "", err
			}
			haveName = true
		case el.Name.Local == "value" && haveName && !haveValue:
			if n > 0 {
				out.WriteByte(',')
			}
			writeJSONString(out, name)
			out.WriteByte(':')
			if err := readValue(d, out, depth+1); err != nil {
				return "", err
			}
			haveValue = true
		default:
			return "", fmt.Errorf("xml-rpc: unexpected <%s> in <member>", el.Name.Local)
		}
	}
}

// startOrEnd returns the next start element, or nil at the enclosing end tag; text between is ignored.
func startOrEnd(d *xml.Decoder) (*xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("xml-rpc: %w", eofIsUnexpected(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, nil
		case xml.EndElement:
			return nil, nil
		}
	}
}

// readText reads character data up to the end of the current element.
func readText(d *xml.Decoder) (string, error) {
	var b []byte
	for {
		tok, err := d.Token()
		if err != nil {
			return "", fmt.Errorf("xml-rpc: %w", eofIsUnexpected(err))
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.EndElement:
			return string(b), nil
		case xml.StartElement:
			return "", fmt.Errorf("xml-rpc: unexpected <%s> in a scalar", t.Name.Local)
		}
	}
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func writeJSONString(out *bytes.Buffer, s string) {
	plain := utf8.ValidString(s)
	for i := 0; plain && i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			plain = false
		}
	}
	if plain && !strings.ContainsAny(s, "\u2028\u2029") {
		out.WriteByte('"')
		out.WriteString(s)
		out.WriteByte('"')
		return
	}
	b, _ := marshalNoEscape(s) // a string always marshals
	out.Write(b)
}
