package odootest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// xmlCallBody builds a methodCall by hand (independent of the server's encoder).
func xmlCallBody(method string, params ...string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall><methodName>" + method + "</methodName><params>")
	for _, p := range params {
		b.WriteString("<param><value>" + p + "</value></param>")
	}
	b.WriteString("</params></methodCall>")
	return b.Bytes()
}

func xs(s string) string { return "<string>" + s + "</string>" }
func xi(s string) string { return "<int>" + s + "</int>" }

func xmlPost(t *testing.T, s *Server, service string, body []byte) string {
	t.Helper()
	status, hdr, b := post(t, s.URL()+"/xmlrpc/2/"+service, "text/xml", body, nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/xml") {
		t.Fatalf("status %d %s: %s", status, hdr.Get("Content-Type"), b)
	}
	return string(b)
}

// decodeResponse parses a methodResponse with the package's decoder by rewriting it as a call.
func decodeResponse(t *testing.T, body string) (value any, faultCode int64, faultString string) {
	t.Helper()
	isFault := strings.Contains(body, "<fault>")
	body = strings.Replace(body, "<methodResponse>", "<methodCall><methodName>r</methodName>", 1)
	body = strings.Replace(body, "</methodResponse>", "</methodCall>", 1)
	if isFault {
		body = strings.Replace(body, "<fault>", "<params><param>", 1)
		body = strings.Replace(body, "</fault>", "</param></params>", 1)
	}
	c, err := decodeMethodCall([]byte(body))
	if err != nil || len(c.params) != 1 {
		t.Fatalf("bad response (%v): %s", err, body)
	}
	if isFault {
		m := c.params[0].(map[string]any)
		return nil, m["faultCode"].(int64), m["faultString"].(string)
	}
	return c.params[0], 0, ""
}

func TestXMLRPCVersionAndAuth(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "saas~17"})
	body := xmlPost(t, s, "common", xmlCallBody("version"))
	v, _, _ := decodeResponse(t, body)
	info := v.(map[string]any)["server_version_info"].([]any)
	if info[0] != "saas~17" {
		t.Errorf("server_version_info[0] = %v", info[0])
	}
	body = xmlPost(t, s, "common", xmlCallBody("authenticate", xs("odoo"), xs("admin"), xs("bad"), "<struct></struct>"))
	if v, _, _ := decodeResponse(t, body); v != false {
		t.Errorf("bad credentials: %v, want false", v)
	}
	body = xmlPost(t, s, "common", xmlCallBody("authenticate", xs("odoo"), xs("admin"), xs("admin"), "<struct></struct>"))
	if v, _, _ := decodeResponse(t, body); v != int64(AdminUID) {
		t.Errorf("uid %v", v)
	}
}

func TestXMLRPCSearchReadAndFaults(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	call := func(pw, model, method, args, kwargs string) string {
		body := xmlPost(t, s, "object", xmlCallBody("execute_kw", xs("odoo"), xi("2"), xs(pw), xs(model), xs(method), args, kwargs))
		return body
	}
	body := call("admin", "sale.order", "search_read",
		`<array><data><value><array><data><value><array><data><value>state</value><value>=</value><value>sale</value></data></array></value></data></array></value></data></array>`,
		`<struct><member><name>fields</name><value><array><data><value>name</value><value>partner_id</value><value>write_date</value><value>commitment_date</value></data></array></value></member><member><name>limit</name><value><int>3</int></value></member><member><name>order</name><value>id</value></member></struct>`)
	v, code, msg := decodeResponse(t, body)
	if code != 0 {
		t.Fatalf("fault %d %s", code, msg)
	}
	list := v.([]any)
	if len(list) != 3 {
		t.Fatalf("%d rows", len(list))
	}
	for _, x := range list {
		r := x.(map[string]any)
		if _, err := time.Parse(time.DateTime, r["write_date"].(string)); err != nil {
			t.Errorf("write_date %v", r["write_date"])
		}
		if p := r["partner_id"].([]any); len(p) != 2 {
			t.Errorf("partner %v", p)
		}
		if _, isStr := r["commitment_date"].(string); !isStr && r["commitment_date"] != false {
			t.Errorf("commitment_date %v", r["commitment_date"])
		}
	}
	empty := "<array><data></data></array>"
	noKw := "<struct></struct>"
	for _, tc := range []struct {
		name                    string
		pw, model, method, args string
		kwargs                  string
		code                    int64
		contains                string
	}{
		{"AccessDenied", "bad", "sale.order", "search", empty, noKw, 3, "Access Denied"},
		{"AccessError", "admin", "sale.order", "search", `<array><data><value><array><data></data></array></value></data></array>`,
			`<struct><member><name>context</name><value><struct><member><name>allowed_company_ids</name><value><array><data><value><int>99</int></value></data></array></value></member></struct></value></member></struct>`, 4, "unauthorized"},
		{"UserError", "admin", "no.model", "search", empty, noKw, 2, "doesn't exist"},
		{"generic", "admin", "sale.order", "search", `<array><data><value><array><data><value>bad</value></data></array></value></data></array>`, noKw, 1, "Traceback"},
		{"None", "admin", "sale.order", "check_access_rule", `<array><data><value><array><data></data></array></value><value>read</value></data></array>`, noKw, 1, "cannot marshal None"},
	} {
		_, code, msg := decodeResponse(t, call(tc.pw, tc.model, tc.method, tc.args, tc.kwargs))
		if code != tc.code || !strings.Contains(msg, tc.contains) {
			t.Errorf("%s: fault %d %q, want %d containing %q", tc.name, code, msg, tc.code, tc.contains)
		}
	}
}

func TestXMLRPCCodec(t *testing.T) {
	t.Parallel()
	body := xmlCallBody("m",
		"<i4>-5</i4>", "<boolean>1</boolean>", "<double>2.5</double>", "plain &amp; text", "<string>a&lt;b</string>",
		"<dateTime.iso8601>20260115T10:00:01</dateTime.iso8601>", "<base64>aGk=</base64>", "<nil/>",
		"<struct><member><name>k</name><value><array><data><value><int>1</int></value><value><string>x</string></value></data></array></value></member></struct>")
	c, err := decodeMethodCall(body)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{int64(-5), true, 2.5, "plain & text", "a<b", time.Date(2026, 1, 15, 10, 0, 1, 0, time.UTC), []byte("hi"), nil}
	for i, w := range want {
		got := c.params[i]
		switch wv := w.(type) {
		case []byte:
			if string(got.([]byte)) != string(wv) {
				t.Errorf("param %d: %v", i, got)
			}
		case time.Time:
			if !got.(time.Time).Equal(wv) {
				t.Errorf("param %d: %v", i, got)
			}
		default:
			if got != w {
				t.Errorf("param %d: %#v, want %#v", i, got, w)
			}
		}
	}
	st := c.params[8].(map[string]any)["k"].([]any)
	if st[0] != int64(1) || st[1] != "x" {
		t.Errorf("struct %v", st)
	}
	// the encoder: escaping, no None, int range
	var w xw
	if err := w.any(obj{{"a", "<&>"}, {"b", []any{int64(1), 2.0, false}}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(w.b), "&lt;&amp;&gt;") || !strings.Contains(string(w.b), "<double>2.0</double>") {
		t.Errorf("encoded %s", w.b)
	}
	if err := w.any(nil); err == nil {
		t.Error("None marshalled")
	}
	if err := w.any(int64(1) << 40); err == nil {
		t.Error("int beyond XML-RPC range marshalled")
	}
	if _, err := decodeMethodCall([]byte("<methodCall><methodName>x</methodName><params><param><value><int>zz</int></value></param></params></methodCall>")); err == nil {
		t.Error("bad int accepted")
	}
}
