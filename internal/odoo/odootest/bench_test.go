package odootest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

func bigData() *GenerateOptions { return LargeHistory() }

func BenchmarkGenerate200k(b *testing.B) {
	var lines int
	for b.Loop() {
		s, err := newServer(Options{Seed: 1, Data: bigData()})
		if err != nil {
			b.Fatal(err)
		}
		lines = len(s.lines.rows)
	}
	b.ReportMetric(float64(lines), "lines")
}

var lineFields = []any{"order_id", "product_id", "name", "display_type", "product_uom_qty", "product_uom", "qty_delivered",
	"qty_invoiced", "price_unit", "discount", "price_subtotal", "price_total", "state", "company_id", "currency_id", "write_date"}

// BenchmarkSearchReadPages syncs every sale.order.line over real HTTP with the second-as-unit cursor,
// 2000 rows a page: the fake's share of the end-to-end sync cost.
func BenchmarkSearchReadPages(b *testing.B) {
	s, err := NewServer(Options{Seed: 1, Data: bigData()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	client := &http.Client{}
	type row struct {
		ID        int64  `json:"id"`
		WriteDate string `json:"write_date"`
	}
	// the client side decodes only what the cursor needs, so the figure is mostly the fake's cost
	call := func(domain []any, order string) []row {
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
			"service": "object", "method": "execute_kw", "args": []any{"odoo", AdminUID, "admin", "sale.order.line", "search_read",
				[]any{domain}, map[string]any{"fields": lineFields, "limit": 2000, "order": order,
					"context": map[string]any{"allowed_company_ids": []any{1, 2}}}}}})
		resp, err := client.Post(s.URL()+"/jsonrpc", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct {
			Result []row `json:"result"`
			Error  any   `json:"error"`
		}
		if err := json.Unmarshal(raw, &env); err != nil || env.Error != nil {
			b.Fatalf("%v %v", err, env.Error)
		}
		return env.Result
	}
	total := len(s.lines.rows)
	var pages, lines int
	for b.Loop() {
		var c time.Time
		var last int64
		seen := 0
		for {
			var rs []row
			if last > 0 {
				rs = call([]any{[]any{"write_date", ">=", c.Format(time.DateTime)}, []any{"write_date", "<", c.Add(time.Second).Format(time.DateTime)}, []any{"id", ">", last}}, "id")
				pages++
				if len(rs) == 0 {
					c, last = c.Add(time.Second), 0
					continue
				}
			} else {
				rs = call([]any{[]any{"write_date", ">=", c.Format(time.DateTime)}}, "write_date asc, id asc")
				pages++
				if len(rs) == 0 {
					break
				}
			}
			for _, r := range rs {
				wd, _ := time.Parse(time.DateTime, r.WriteDate)
				if !wd.Equal(c) {
					c = wd
				}
				last = r.ID
			}
			seen += len(rs)
		}
		if seen != total {
			b.Fatalf("synced %d of %d lines", seen, total)
		}
		lines += seen
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(pages)/sec, "pages/s")
	b.ReportMetric(float64(lines)/sec, "lines/s")
}

// BenchmarkSearchReadPageHandler measures one 2000-row page without HTTP and JSON decoding on the client.
func BenchmarkSearchReadPageHandler(b *testing.B) {
	s, err := newServer(Options{Seed: 1, Data: bigData()})
	if err != nil {
		b.Fatal(err)
	}
	idx := s.lines.wdIndex()
	mid := idx[len(idx)/2].recWD().Truncate(time.Second).Format(time.DateTime)
	args := []any{[]any{[]any{"write_date", ">=", mid}}}
	kwargs := map[string]any{"fields": lineFields, "limit": int64(2000), "order": "write_date asc, id asc",
		"context": map[string]any{"allowed_company_ids": []any{int64(1), int64(2)}}}
	for b.Loop() {
		s.mu.RLock()
		res, err := s.callModel(AdminUID, "sale.order.line", "search_read", args, kwargs)
		if err != nil {
			s.mu.RUnlock()
			b.Fatal(err)
		}
		w := jw{b: make([]byte, 0, sizeHint(res))}
		w.any(res)
		s.mu.RUnlock()
		if len(w.b) < 1000 {
			b.Fatal(fmt.Sprint(len(w.b)))
		}
	}
}
