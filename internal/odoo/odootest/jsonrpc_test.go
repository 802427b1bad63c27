package odootest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVersionPerVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version string
		first   any
		serie   string
	}{
		{"16", "16", "16.0"}, {"17", "17", "17.0"}, {"18", "18", "18.0"}, {"19", "19", "19.0"},
		{"saas~17", "saas~17", "saas~17.1"}, {"saas~18.4", "saas~18", "saas~18.4"},
	} {
		s := Start(t, Options{Version: tc.version})
		res := ok(t, rpc(t, s, "common", "version")).(map[string]any)
		info := res["server_version_info"].([]any)
		if want := tc.first.(string); strings.HasPrefix(want, "saas") {
			if info[0] != want {
				t.Errorf("%s: server_version_info[0] = %v, want the string %q", tc.version, info[0], want)
			}
		} else if n, isNum := info[0].(json.Number); !isNum || n.String() != want {
			t.Errorf("%s: server_version_info[0] = %v (%T), want the integer %s", tc.version, info[0], info[0], want)
		}
		if res["server_serie"] != tc.serie || num(t, res["protocol_version"]) != 1 {
			t.Errorf("%s: %v", tc.version, res)
		}
		// GET /web/version answers the same
		resp, err := http.Get(s.URL() + "/web/version")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("/web/version: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestJSONRPCErrorShapePerVersion(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{"16": "200", "17": "200", "18": "200", "19": "0", "saas~18.4": "0"} {
		s := Start(t, Options{Version: v})
		env := rpc(t, s, "object", "execute_kw", "odoo", AdminUID, "wrong", "sale.order", "search_read", []any{[]any{}}, map[string]any{})
		if _, has := env["result"]; has {
			t.Fatalf("%s: error envelope with a result: %v", v, env)
		}
		code, data := errData(t, env)
		if string(code) != want {
			t.Errorf("%s: code %s, want %s", v, code, want)
		}
		e := env["error"].(map[string]any)
		if e["message"] != "Odoo Server Error" {
			t.Errorf("%s: message %v", v, e["message"])
		}
		var keys []string
		for k := range data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"arguments", "context", "debug", "message", "name"}) {
			t.Errorf("%s: data keys %v", v, keys)
		}
		if data["name"] != "odoo.exceptions.AccessDenied" || !strings.HasPrefix(data["debug"].(string), "Traceback") {
			t.Errorf("%s: data %v", v, data)
		}
		if env["jsonrpc"] != "2.0" || num(t, env["id"]) != 7 {
			t.Errorf("%s: envelope %v", v, env)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	if uid := ok(t, rpc(t, s, "common", "authenticate", "odoo", "admin", "admin", map[string]any{})); num(t, uid) != AdminUID {
		t.Errorf("password: uid %v", uid)
	}
	if uid := ok(t, rpc(t, s, "common", "authenticate", "odoo", "admin", s.opts.APIKey, map[string]any{})); num(t, uid) != AdminUID {
		t.Errorf("api key: uid %v", uid)
	}
	// bad credentials: false, not an error
	if res := ok(t, rpc(t, s, "common", "authenticate", "odoo", "admin", "nope", map[string]any{})); res != false {
		t.Errorf("bad password: %v, want false", res)
	}
	// unknown database: psycopg2's OperationalError naming the database
	_, data := errData(t, rpc(t, s, "common", "authenticate", "nodb", "admin", "admin", map[string]any{}))
	if data["name"] != "psycopg2.OperationalError" || !strings.Contains(data["message"].(string), `database "nodb" does not exist`) {
		t.Errorf("unknown db: %v", data)
	}
	// execute_kw with a bad password is an AccessDenied error, not false
	_, data = errData(t, rpc(t, s, "object", "execute_kw", "odoo", AdminUID, "nope", "res.partner", "search", []any{[]any{}}, map[string]any{}))
	if data["name"] != "odoo.exceptions.AccessDenied" {
		t.Errorf("execute_kw bad password: %v", data)
	}
	// API key accepted by execute_kw
	ok(t, rpc(t, s, "object", "execute_kw", "odoo", AdminUID, s.opts.APIKey, "res.partner", "search", []any{[]any{}}, map[string]any{}))
}

func TestLoginCooldown(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	for i := 0; i < 5; i++ {
		if res := ok(t, rpc(t, s, "common", "authenticate", "odoo", "admin", "bad", map[string]any{})); res != false {
			t.Fatal(res)
		}
	}
	// on cooldown: even the right password gets false
	if res := ok(t, rpc(t, s, "common", "authenticate", "odoo", "admin", "admin", map[string]any{})); res != false {
		t.Fatalf("during cooldown: %v", res)
	}
	s.Advance(61 * time.Second)
	if res := ok(t, rpc(t, s, "common", "authenticate", "odoo", "admin", "admin", map[string]any{})); res == false {
		t.Fatal("cooldown did not end")
	}
}

func TestNoneYieldsNoResultKey(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	env := kw(t, s, "sale.order", "check_access_rule", []any{[]any{}, "read"}, nil)
	if _, has := env["result"]; has {
		t.Errorf("None produced a result key: %v", env)
	}
	if _, has := env["error"]; has {
		t.Errorf("None produced an error: %v", env)
	}
	if env["jsonrpc"] != "2.0" || num(t, env["id"]) != 7 {
		t.Errorf("envelope %v", env)
	}
}

func TestInvalidJSONBody(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	status, hdr, b := post(t, s.URL()+"/jsonrpc", "application/json", []byte("{not json"), nil)
	if status != http.StatusBadRequest || string(b) != "Invalid JSON data" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("%d %q %s", status, b, hdr.Get("Content-Type"))
	}
}

func TestIDEchoedAndStringID(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	_, _, b := post(t, s.URL()+"/jsonrpc", "application/json",
		[]byte(`{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]},"id":"abc"}`), nil)
	env := decodeObj(t, b)
	if env["id"] != "abc" {
		t.Errorf("id %v", env["id"])
	}
}

func TestUnknownFieldModelMethod(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	_, data := errData(t, kw(t, s, "sale.order", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"name", "nope"}, "limit": 1}))
	if data["name"] != "builtins.ValueError" || data["message"] != "Invalid field 'nope' on model 'sale.order'" {
		t.Errorf("unknown field: %v", data)
	}
	_, data = errData(t, kw(t, s, "no.model", "search_read", []any{[]any{}}, nil))
	if data["name"] != "odoo.exceptions.UserError" {
		t.Errorf("unknown model: %v", data)
	}
	_, data = errData(t, kw(t, s, "sale.order", "frobnicate", nil, nil))
	if data["name"] != "builtins.AttributeError" {
		t.Errorf("unknown method: %v", data)
	}
	_, data = errData(t, kw(t, s, "sale.order", "_private", nil, nil))
	if data["name"] != "odoo.exceptions.AccessError" {
		t.Errorf("private method: %v", data)
	}
	_, data = errData(t, kw(t, s, "sale.order", "search_read", []any{[]any{}}, map[string]any{"bogus": 1}))
	if data["name"] != "builtins.TypeError" || !strings.Contains(data["message"].(string), "unexpected keyword argument 'bogus'") {
		t.Errorf("bad kwarg: %v", data)
	}
	_, data = errData(t, kw(t, s, "sale.order", "search_read", []any{[]any{}}, map[string]any{"order": "nope desc"}))
	if data["name"] != "builtins.ValueError" {
		t.Errorf("unknown order field: %v", data)
	}
	_, data = errData(t, kw(t, s, "sale.order", "search_read", []any{[]any{}}, map[string]any{"order": "id; drop table sale_order"}))
	if data["name"] != "odoo.exceptions.UserError" {
		t.Errorf("malformed order: %v", data)
	}
	_, data = errData(t, kw(t, s, "product.product", "search_read", []any{[]any{}}, map[string]any{"order": "qty_available desc"}))
	if data["name"] != "builtins.ValueError" {
		t.Errorf("order by a non-stored field: %v", data)
	}
}

func TestReturnsOnlyRequestedFields(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	rs := rows(t, ok(t, kw(t, s, "sale.order.line", "search_read", []any{[]any{}},
		map[string]any{"fields": []any{"product_id", "price_total"}, "limit": 5, "order": "id"})))
	if len(rs) != 5 {
		t.Fatalf("%d rows", len(rs))
	}
	for _, r := range rs {
		if len(r) != 3 || r["id"] == nil || r["price_total"] == nil {
			t.Errorf("row %v", r)
		}
		if _, has := r["product_id"]; !has {
			t.Errorf("row %v", r)
		}
	}
	// many2one is [id, display_name]; a section line has false
	all := rows(t, ok(t, kw(t, s, "sale.order.line", "search_read", []any{[]any{[]any{"display_type", "=", "line_section"}}},
		map[string]any{"fields": []any{"product_id", "product_uom", "tax_id"}, "limit": 1})))
	if len(all) != 1 || all[0]["product_id"] != false || all[0]["product_uom"] != false {
		t.Errorf("section line %v", all)
	}
	if taxes, isList := all[0]["tax_id"].([]any); !isList || len(taxes) != 0 {
		t.Errorf("section taxes %v", all[0]["tax_id"])
	}
	prod := rows(t, ok(t, kw(t, s, "sale.order.line", "search_read", []any{[]any{[]any{"display_type", "=", false}}},
		map[string]any{"fields": []any{"product_id"}, "limit": 1})))
	m2o := prod[0]["product_id"].([]any)
	if len(m2o) != 2 || num(t, m2o[0]) <= 0 || m2o[1] == "" {
		t.Errorf("many2one %v", m2o)
	}
	// read keeps the order of ids; a missing id is a MissingError
	got := rows(t, ok(t, kw(t, s, "res.company", "read", []any{[]any{2, 1}, []any{"name"}}, nil)))
	if num(t, got[0]["id"]) != 2 || num(t, got[1]["id"]) != 1 || got[0]["name"] != "Ibérico Trading Inc." {
		t.Errorf("read %v", got)
	}
	_, data := errData(t, kw(t, s, "sale.order", "read", []any{[]any{99999999}, []any{"name"}}, nil))
	if data["name"] != "odoo.exceptions.MissingError" {
		t.Errorf("missing: %v", data)
	}
}

func TestContextGetAndUserCompanies(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	res := ok(t, kw(t, s, "res.users", "context_get", nil, nil)).(map[string]any)
	if num(t, res["uid"]) != AdminUID {
		t.Errorf("context_get %v", res)
	}
	u := rows(t, ok(t, kw(t, s, "res.users", "read", []any{[]any{AdminUID}, []any{"company_id", "company_ids"}}, nil)))[0]
	if num(t, u["company_id"].([]any)[0]) != 1 || len(u["company_ids"].([]any)) != 2 {
		t.Errorf("user %v", u)
	}
}
