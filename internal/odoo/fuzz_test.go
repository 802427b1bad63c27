package odoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Seeds: the recorded fixtures in testdata/{jsonrpc,json2,xmlrpc} plus the corpus in testdata/fuzz/<FuzzName>/.
// Long runs are done by hand: go test -run=^$ -fuzz=FuzzDecodeJSONRPC -fuzztime=60s ./internal/odoo/

func addFixtureSeeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// decodeAll runs every typed decoder over a result the way the client does, so the fuzzers cover them too.
func decodeAll(raw json.RawMessage) {
	var fo []orderRow
	var fl []lineRow
	var fp []productRow
	var fs []stampRow
	_ = decodeResult(raw, &fo) // the reflection-free decoder
	_ = decodeResult(raw, &fl)
	_ = decodeResult(raw, &fp)
	_ = decodeResult(raw, &fs)
	for i := range fo {
		_ = fo[i].normalize()
	}
	for i := range fl {
		_ = fl[i].normalize()
	}
	for i := range fp {
		_ = fp[i].normalize()
	}
	var orders []orderRow
	if json.Unmarshal(raw, &orders) == nil {
		for i := range orders {
			_ = orders[i].normalize()
		}
	}
	var lines []lineRow
	if json.Unmarshal(raw, &lines) == nil {
		for i := range lines {
			_ = lines[i].normalize()
		}
	}
	var products []productRow
	if json.Unmarshal(raw, &products) == nil {
		for i := range products {
			_ = products[i].normalize()
		}
	}
	var recs []Record
	if json.Unmarshal(raw, &recs) == nil {
		for _, r := range recs {
			for k := range r {
				_, _ = r.Many2One(k)
				_, _ = r.Time(k)
				_, _ = r.Float(k)
				_, _ = r.Int(k)
				_, _ = r.IDs(k)
			}
		}
	}
	_, _ = parseVersion(raw)
	_, _ = decodeUID(raw, conn{})
}

// rejectedByAll returns an error naming the first decoder of a call's result that accepts raw.
func rejectedByAll(raw json.RawMessage) error {
	var (
		fo []orderRow
		fl []lineRow
		fp []productRow
		fs []stampRow
		rs []Record
		v  any
	)
	for name, out := range map[string]any{"orders": &fo, "lines": &fl, "products": &fp, "stamps": &fs, "records": &rs, "any": &v} {
		if decodeResult(raw, out) == nil {
			return fmt.Errorf("the %s decoder accepted it", name)
		}
	}
	if _, err := parseVersion(raw); err == nil {
		return fmt.Errorf("parseVersion accepted it")
	}
	if _, err := decodeUID(raw, conn{}); err == nil {
		return fmt.Errorf("decodeUID accepted it")
	}
	return nil
}

func FuzzDecodeJSONRPC(f *testing.F) {
	addFixtureSeeds(f, "jsonrpc")
	f.Add([]byte(`{"jsonrpc": "2.0", "id": 1, "result": [{"id": 1}], "trace": [2]}`))
	f.Add([]byte(`{"jsonrpc": "2.0", "result": [{"id": 1, "name": "]}"}], "id": 1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, err := decodeJSONRPC(body)
		// The page reading (resultAtTail) fails as the exact one does, gives the same result when what it found
		// is one JSON value, and otherwise something every decoder refuses (callDecode then reads exactly).
		page, perr := decodeJSONRPCPage(body)
		switch {
		case perr != nil:
			if err == nil || err.Error() != perr.Error() {
				t.Fatalf("page reading failed (%v), the exact one gave %q, %v", perr, raw, err)
			}
		case json.Valid(page):
			if err != nil || !bytes.Equal(page, raw) {
				t.Fatalf("page reading found %q, the exact one %q, %v", page, raw, err)
			}
		case err == nil && bytes.Equal(page, raw):
		default:
			if err := rejectedByAll(page); err != nil {
				t.Fatalf("page reading found %q (exact: %q), yet %v", page, raw, err)
			}
		}
		if err != nil {
			if fl, ok := err.(*fault); ok {
				_ = conn{protocol: ProtocolJSONRPC, database: "db", secret: "k"}.mapFault(fl, "m", "x").Error()
			}
			return
		}
		if !json.Valid(raw) {
			// A page is skimmed, not validated, by the envelope's decoder: whatever decodes it must refuse it.
			if err := rejectedByAll(raw); err != nil {
				t.Fatalf("result is not valid JSON, yet %v: %q", err, raw)
			}
		}
		decodeAll(raw)
	})
}

// FuzzFastDecoderMatchesEncodingJSON: on any page, the reflection-free row decoder and encoding/json (through
// the same field types) both fail or both give the same rows.
func FuzzFastDecoderMatchesEncodingJSON(f *testing.F) {
	f.Add(linePage(3))
	f.Add([]byte(`[{"id":1,"name":"3/8\"","order_id":[2,"S\u00f1"],"order_line":[1,2],"product_id":false}]`))
	for _, dir := range []string{"jsonrpc", "json2"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "search_read*"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if raw, err := decodeJSONRPC(b); err == nil {
				f.Add([]byte(raw))
			} else {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		compare[orderRow](t, "orders", page)
		compare[lineRow](t, "lines", page)
		compare[productRow](t, "products", page)
		compare[stampRow](t, "stamps", page)
	})
}

func FuzzDecodeJSON2(f *testing.F) {
	addFixtureSeeds(f, "json2")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{200, 401, 404, 422, 500} {
			raw, err := decodeJSON2(status, body)
			if err != nil {
				if fl, ok := err.(*fault); ok {
					_ = conn{protocol: ProtocolJSON2}.mapFault(fl, "m", "x").Error()
				}
				continue
			}
			if status != 200 {
				t.Fatalf("status %d decoded as success", status)
			}
			decodeAll(raw)
		}
	})
}

func FuzzDecodeXMLRPC(f *testing.F) {
	addFixtureSeeds(f, "xmlrpc")
	f.Fuzz(func(t *testing.T, body []byte) {
		// The fast reader must agree with the encoding/xml reference whenever it accepts a body.
		if fast, isFault, ferr := decodeXMLRPCFast(body); ferr == nil {
			std, serr := decodeXMLRPCStd(body)
			if isFault {
				fe := faultFromJSON(fast)
				if _, ok := fe.(*fault); ok && fmt.Sprint(fe) != fmt.Sprint(serr) {
					t.Fatalf("fault: fast %v, std %v for %q", fe, serr, body)
				}
			} else if serr != nil || !bytes.Equal(fast, std) {
				t.Fatalf("fast %s, std %s (%v) for %q", fast, std, serr, body)
			}
		}
		raw, err := decodeXMLRPC(body)
		if err != nil {
			if fl, ok := err.(*fault); ok {
				_ = conn{protocol: ProtocolXMLRPC}.mapFault(fl, "m", "x").Error()
			}
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("converted result is not valid JSON: %q from %q", raw, body)
		}
		decodeAll(raw)
	})
}

// FuzzDomain builds domains from arbitrary field names, operators and values: either the builder refuses them, or
// the encoding is valid JSON whose leaves carry exactly the given field and operator (no value can change the
// domain's structure).
func FuzzDomain(f *testing.F) {
	f.Add("state", "=", "sale", int64(1), 1.5, uint8(0))
	f.Add("order_id.state", "in", `"],["id","!=",0`, int64(-7), -0.0, uint8(3))
	f.Add("write_date", ">=", "2026-01-15 10:00:00", int64(0), 0.0, uint8(5))
	f.Fuzz(func(t *testing.T, field, op, s string, n int64, x float64, shape uint8) {
		var value any
		switch shape % 5 {
		case 0:
			value = s
		case 1:
			value = n
		case 2:
			value = x
		case 3:
			value = []any{s, n}
		case 4:
			value = []int64{n, -n} // encoded by hand
		}
		leafD := Cond(field, op, value)
		var d Domain
		switch (shape / 4) % 4 {
		case 0:
			d = leafD
		case 1:
			d = And(leafD, Eq("id", n))
		case 2:
			d = Or(Not(leafD), leafD, Domain{})
		case 3:
			d = Not(And(leafD))
		}
		b, err := d.MarshalJSON()
		if err != nil {
			if leafD.Err() == nil {
				t.Fatalf("valid leaf, but encoding failed: %v", err)
			}
			return
		}
		var items []any
		if err := json.Unmarshal(b, &items); err != nil {
			t.Fatalf("invalid JSON %s: %v", b, err)
		}
		leaves := 0
		for _, it := range items {
			switch v := it.(type) {
			case string:
				if v != "&" && v != "|" && v != "!" {
					t.Fatalf("stray string %q in %s", v, b)
				}
			case []any:
				leaves++
				if len(v) != 3 {
					t.Fatalf("leaf of %d elements in %s", len(v), b)
				}
				if f0, _ := v[0].(string); f0 != field && f0 != "id" {
					t.Fatalf("leaf field %q, want %q", f0, field)
				}
				if o, _ := v[1].(string); o != op && o != "=" {
					t.Fatalf("leaf op %q, want %q", o, op)
				}
			default:
				t.Fatalf("unexpected item %v in %s", it, b)
			}
		}
		if leaves == 0 || !bytes.HasPrefix(b, []byte("[")) {
			t.Fatalf("no leaves in %s", b)
		}
	})
}
