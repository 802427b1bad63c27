package odootest

import (
	"testing"
)

// FuzzDomain: any JSON domain either compiles or is a ValueError; evaluating it never panics.
// Long runs by hand: go test -run XXX -fuzz FuzzDomain -fuzztime 1m ./internal/odoo/odootest
func FuzzDomain(f *testing.F) {
	for _, seed := range []string{
		`[]`, `[["state","=","sale"]]`, `["|",["state","=","sale"],"!",["amount_total",">",5]]`,
		`[["partner_id.city","ilike","ma%d_"]]`, `[["write_date",">=","2025-01-01"]]`, `[["order_line","in",[1,2]]]`,
		`[["name","=like","S\\_%"]]`, `[[1,"=",1]]`, `["&"]`, `[["id","child_of",[1]]]`, `[["partner_id","any",[["name","=","x"]]]]`,
	} {
		f.Add(seed)
	}
	s, err := newServer(Options{Seed: 1, Data: &GenerateOptions{Years: 1, SKUs: 10, LinesPerMonth: 20, Customers: 5}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, domain string) {
		v, err := decodeJSON([]byte(domain))
		if err != nil {
			return
		}
		s.mu.RLock()
		_, err = s.callModel(AdminUID, "sale.order", "search", []any{v}, nil)
		s.mu.RUnlock()
		if err != nil {
			if oe, ok := err.(*odooError); !ok || oe.name != "builtins.ValueError" {
				t.Fatalf("%s: %v", domain, err)
			}
		}
	})
}

// FuzzMethodCall: the XML-RPC decoder never panics.
func FuzzMethodCall(f *testing.F) {
	f.Add([]byte(`<methodCall><methodName>x</methodName><params><param><value><struct><member><name>a</name><value><array><data><value><int>1</int></value></data></array></value></member></struct></value></param></params></methodCall>`))
	f.Add([]byte(`<methodCall><methodName>x</methodName><params><param><value>text</value></param></params></methodCall>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeMethodCall(b)
	})
}
