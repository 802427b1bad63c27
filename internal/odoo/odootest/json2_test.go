package odootest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func json2(t *testing.T, s *Server, path, body string, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	h := map[string]string{"Authorization": "bearer " + s.opts.APIKey, "X-Odoo-Database": s.opts.Database}
	for k, v := range hdr {
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	ctype := "application/json"
	if c, has := hdr["Content-Type"]; has {
		ctype = c
	}
	return post(t, s.URL()+"/json/2/"+path, ctype, []byte(body), h)
}

// TestJSON2AbsentBefore19: an Odoo without JSON-2 has no /json/2 route. A JSON request to it reaches Odoo's
// JSON-RPC dispatcher, which answers HTTP 200 with a JSON-RPC 404 error (werkzeug's NotFound); other requests,
// and hosts that cannot pick a database without a session, get the HTML 404 page.
func TestJSON2AbsentBefore19(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "17", "18", "saas~17"} {
		s := Start(t, Options{Version: v})
		status, hdr, b := json2(t, s, "res.users/context_get", `{}`, nil)
		m := decodeObj(t, b)
		e, _ := m["error"].(map[string]any)
		data, _ := e["data"].(map[string]any)
		if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || m["jsonrpc"] != "2.0" ||
			fmt.Sprint(e["code"]) != "404" || e["message"] != "404: Not Found" || data["name"] != "werkzeug.exceptions.NotFound" {
			t.Errorf("%s JSON: %d %s %s", v, status, hdr.Get("Content-Type"), b)
		}
		status, hdr, b = json2(t, s, "res.users/context_get", `x`, map[string]string{"Content-Type": "text/plain"})
		if status != http.StatusNotFound || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<html") {
			t.Errorf("%s text: %d %s", v, status, hdr.Get("Content-Type"))
		}
		multi := Start(t, Options{Version: v, MultiDB: true})
		status, hdr, _ = json2(t, multi, "res.users/context_get", `{}`, nil)
		if status != http.StatusNotFound || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Errorf("%s several databases: %d %s", v, status, hdr.Get("Content-Type"))
		}
	}
}

func TestJSON2(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "19", Seed: 3, Data: smallData()})
	wantErr := func(name string, status int, hdr http.Header, b []byte, wantStatus int, wantName string) map[string]any {
		t.Helper()
		if status != wantStatus {
			t.Errorf("%s: status %d, want %d: %s", name, status, wantStatus, b)
		}
		if !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("%s: content type %s", name, hdr.Get("Content-Type"))
		}
		m := decodeObj(t, b)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"arguments", "context", "debug", "message", "name"}) {
			t.Errorf("%s: keys %v", name, keys)
		}
		if m["name"] != wantName {
			t.Errorf("%s: name %v, want %s", name, m["name"], wantName)
		}
		return m
	}

	// success: the bare value
	status, _, b := json2(t, s, "sale.order/search_read", `{"domain": [["state", "=", "sale"]], "fields": ["name", "write_date"], "limit": 2, "order": "id"}`, nil)
	if status != 200 || !strings.HasPrefix(string(b), "[{") {
		t.Fatalf("search_read: %d %s", status, b)
	}
	status, _, b = json2(t, s, "sale.order/search_count", `{"domain": []}`, nil)
	if status != 200 || string(b) != "1" && len(b) == 0 {
		t.Fatalf("search_count: %d %s", status, b)
	}
	// no X-Odoo-Database: the single database is used
	if status, _, _ = json2(t, s, "res.company/search", `{"domain": []}`, map[string]string{"X-Odoo-Database": ""}); status != 200 {
		t.Errorf("no database header: %d", status)
	}
	// record methods take ids
	status, _, b = json2(t, s, "res.company/read", `{"ids": [1], "fields": ["name"]}`, nil)
	if status != 200 || !strings.Contains(string(b), "Taller Ib") {
		t.Errorf("read: %d %s", status, b)
	}
	// None is JSON null
	if status, _, b = json2(t, s, "sale.order/check_access", `{"ids": [], "operation": "read"}`, nil); status != 200 || string(b) != "null" {
		t.Errorf("None: %d %s", status, b)
	}

	// wrong database: 404 HTML page
	status, hdr, b := json2(t, s, "res.partner/search", `{}`, map[string]string{"X-Odoo-Database": "other"})
	if status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("wrong db: %d %s %s", status, hdr.Get("Content-Type"), b)
	}
	// missing / bad key: 401 with WWW-Authenticate
	for _, auth := range []string{"", "bearer nope", "basic abc"} {
		status, hdr, b = json2(t, s, "res.partner/search", `{}`, map[string]string{"Authorization": auth})
		wantErr("auth "+auth, status, hdr, b, 401, "werkzeug.exceptions.Unauthorized")
		if hdr.Get("WWW-Authenticate") != "bearer" {
			t.Errorf("WWW-Authenticate %q", hdr.Get("WWW-Authenticate"))
		}
	}
	// the ORM's password is not a JSON-2 key
	status, hdr, b = json2(t, s, "res.partner/search", `{}`, map[string]string{"Authorization": "bearer admin"})
	wantErr("password as key", status, hdr, b, 401, "werkzeug.exceptions.Unauthorized")

	status, hdr, b = json2(t, s, "no.model/search", `{}`, nil)
	wantErr("unknown model", status, hdr, b, 404, "werkzeug.exceptions.NotFound")
	status, hdr, b = json2(t, s, "res.partner/frobnicate", `{}`, nil)
	wantErr("unknown method", status, hdr, b, 404, "werkzeug.exceptions.NotFound")
	status, hdr, b = json2(t, s, "sale.order/read", `{"ids": [987654321]}`, nil)
	wantErr("missing record", status, hdr, b, 404, "odoo.exceptions.MissingError")
	status, hdr, b = json2(t, s, "sale.order/search", `{"domain": [["nope", "=", 1]]}`, nil)
	wantErr("bad domain", status, hdr, b, 500, "builtins.ValueError")
	status, hdr, b = json2(t, s, "sale.order/search", `{"bogus": 1}`, nil)
	wantErr("bad argument", status, hdr, b, 422, "werkzeug.exceptions.UnprocessableEntity")
	status, hdr, b = json2(t, s, "sale.order/search", `{"ids": [1], "domain": []}`, nil)
	wantErr("ids on a model method", status, hdr, b, 422, "werkzeug.exceptions.UnprocessableEntity")
	status, hdr, b = json2(t, s, "sale.order/search", `{"domain": [`, nil)
	wantErr("unparsable", status, hdr, b, 400, "werkzeug.exceptions.BadRequest")
	status, hdr, b = json2(t, s, "sale.order/search", `[1]`, nil)
	wantErr("not an object", status, hdr, b, 400, "werkzeug.exceptions.BadRequest")
	status, hdr, b = json2(t, s, "sale.order/search", `domain=[]`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	wantErr("not JSON", status, hdr, b, 415, "werkzeug.exceptions.UnsupportedMediaType")
	status, hdr, b = json2(t, s, "sale.order/search", `{"context": {"allowed_company_ids": [42]}}`, nil)
	wantErr("foreign company", status, hdr, b, 403, "odoo.exceptions.AccessError")
	status, hdr, b = json2(t, s, "sale.order/write", `{"ids": [1], "vals": {}}`, nil)
	wantErr("write refused", status, hdr, b, 403, "odoo.exceptions.AccessError")
	status, hdr, b = json2(t, s, "sale.order", `{}`, nil)
	wantErr("no method", status, hdr, b, 404, "werkzeug.exceptions.NotFound")
}
