package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// linePage renders n sale.order.line records the way Odoo 17 sends them (false for empty values).
func linePage(n int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		product := fmt.Sprintf(`[%d, "[SKU-%04d] Producto de prueba %d"]`, 100+i%300, i%300, i%300)
		display := "false"
		if i%25 == 0 {
			product, display = "false", `"line_section"`
		}
		fmt.Fprintf(&b, `{"id": %d, "order_id": [%d, "S%05d"], "state": "sale", "display_type": %s, "product_id": %s, `+
			`"name": "Descripci\u00f3n de la l\u00ednea %d", "product_uom_qty": %d.0, "product_uom": [1, "Units"], `+
			`"qty_delivered": %d.0, "qty_invoiced": 0.0, "price_unit": 12.5, "discount": 0.0, "price_subtotal": %d.5, `+
			`"price_total": %d.13, "currency_id": [1, "EUR"], "company_id": [1, "Mi Empresa S.L."], `+
			`"write_date": "2026-01-%02d 10:%02d:%02d"}`,
			10000+i, 2000+i/5, 2000+i/5, display, product, i, 1+i%7, i%7, 12*(1+i%7), 15*(1+i%7), 1+i%28, i%60, i%60)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

func decodeLinePage(b *testing.B, raw json.RawMessage) []OrderLine {
	var rows []lineRow
	if err := decodeResult(raw, &rows); err != nil {
		b.Fatal(err)
	}
	out := make([]OrderLine, len(rows))
	for i := range rows {
		out[i] = rows[i].normalize()
	}
	return out
}

// BenchmarkDecodeSearchReadPage decodes a 1,000-record sale.order.line page into normalized OrderLines.
func BenchmarkDecodeSearchReadPage(b *testing.B) {
	const n = 1000
	page := linePage(n)
	envelope := []byte(`{"jsonrpc": "2.0", "id": 12, "result": ` + string(page) + `}`)
	b.Run("jsonrpc", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(envelope)))
		for b.Loop() {
			raw, err := decodeJSONRPCPage(envelope) // as callDecode reads a page
			if err != nil {
				b.Fatal(err)
			}
			if got := decodeLinePage(b, raw); len(got) != n {
				b.Fatal(len(got))
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("json2", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			raw, err := decodeJSON2(200, page)
			if err != nil {
				b.Fatal(err)
			}
			if got := decodeLinePage(b, raw); len(got) != n {
				b.Fatal(len(got))
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// BenchmarkSyncLinesFake measures OrderLinesSince end to end (HTTP, fake server, decoding) over a generated
// history, per transport.
func BenchmarkSyncLinesFake(b *testing.B) {
	benchSync(b, &odootest.GenerateOptions{Years: 1, SKUs: 300})
}

// BenchmarkSyncLinesLargeHistory: the same over odootest.LargeHistory (~196k lines, 3 years, 1,000 SKUs).
func BenchmarkSyncLinesLargeHistory(b *testing.B) {
	benchSync(b, odootest.LargeHistory())
}

func benchSync(b *testing.B, data *odootest.GenerateOptions) {
	for _, cb := range []combo{{"17", ProtocolJSONRPC, fakePassword}, {"19", ProtocolJSON2, fakeAPIKey}, {"17", ProtocolXMLRPC, fakePassword}} {
		b.Run(cb.String(), func(b *testing.B) {
			srv := odootest.Start(b, odootest.Options{Version: cb.version, Seed: 1, Password: fakePassword, APIKey: fakeAPIKey,
				Data: data})
			c, err := New(Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: cb.secret,
				Protocol: cb.protocol, Timeout: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.Login(ctx); err != nil {
				b.Fatal(err)
			}
			total := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				err := c.OrderLinesSince(ctx, Cursor{}, 1000, func(p []OrderLine, _ Cursor) error {
					total += len(p)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(total/b.N), "records/op")
		})
	}
}

// BenchmarkDecodeXMLRPCPage decodes the same 1,000-record page sent over XML-RPC.
func BenchmarkDecodeXMLRPCPage(b *testing.B) {
	const n = 1000
	var generic any
	dec := json.NewDecoder(strings.NewReader(string(linePage(n))))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n")
	if err := encodeXMLValue(&buf, generic); err != nil {
		b.Fatal(err)
	}
	buf.WriteString("</param>\n</params>\n</methodResponse>\n")
	body := buf.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		raw, err := decodeXMLRPC(body)
		if err != nil {
			b.Fatal(err)
		}
		if got := decodeLinePage(b, raw); len(got) != n {
			b.Fatal(len(got))
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
