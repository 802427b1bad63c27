package odootest

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

func TestSmoke(t *testing.T) {
	s, err := NewServer(Options{Seed: 1, Data: &GenerateOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("orders=%d lines=%d products=%d quants=%d", len(s.Orders()), len(s.Lines()), len(s.Products()), len(s.Quants()))
	for _, body := range []string{
		`{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]},"id":1}`,
		`{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"authenticate","args":["odoo","admin","admin",{}]},"id":2}`,
		`{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":["odoo",2,"admin","sale.order","search_read",[[["write_date",">=","2025-01-01 00:00:00"]]],{"fields":["name","write_date","partner_id","amount_total"],"limit":3,"order":"write_date asc, id asc"}]},"id":3}`,
		`{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":["odoo",2,"bad","sale.order","search_read",[[]],{"limit":1}]},"id":4}`,
	} {
		resp, err := http.Post(s.URL()+"/jsonrpc", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Logf("%d %s", resp.StatusCode, b)
	}
}
