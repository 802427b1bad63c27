package odootest

import (
	"testing"
)

func fieldsOf(t *testing.T, s *Server, model string) map[string]any {
	t.Helper()
	return ok(t, kw(t, s, model, "fields_get", nil, map[string]any{"attributes": []any{"type", "string", "relation", "selection"}})).(map[string]any)
}

func selectionKeys(f map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, p := range f["selection"].([]any) {
		out[p.([]any)[0].(string)] = true
	}
	return out
}

func TestFieldsGetPerVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version                string
		uom, tax               string
		done, locked, storable bool
		productType            string
	}{
		{"16", "product_uom", "tax_id", true, false, false, "product"},
		{"17", "product_uom", "tax_id", false, true, false, "product"},
		{"18", "product_uom", "tax_id", false, true, true, "combo"},
		{"19", "product_uom_id", "tax_ids", false, true, true, "combo"},
	} {
		s := Start(t, Options{Version: tc.version})
		line := fieldsOf(t, s, "sale.order.line")
		for _, name := range []string{tc.uom, tc.tax} {
			if _, has := line[name]; !has {
				t.Errorf("%s: sale.order.line lacks %s", tc.version, name)
			}
		}
		for _, name := range []string{"product_uom", "product_uom_id", "tax_id", "tax_ids"} {
			if _, has := line[name]; has && name != tc.uom && name != tc.tax {
				t.Errorf("%s: sale.order.line has %s", tc.version, name)
			}
		}
		if line[tc.uom].(map[string]any)["relation"] != "uom.uom" || line[tc.tax].(map[string]any)["type"] != "many2many" {
			t.Errorf("%s: %v %v", tc.version, line[tc.uom], line[tc.tax])
		}
		dt := selectionKeys(line["display_type"].(map[string]any))
		if dt["line_subsection"] != (tc.version == "19") || !dt["line_section"] || !dt["line_note"] {
			t.Errorf("%s: display_type %v", tc.version, dt)
		}
		order := fieldsOf(t, s, "sale.order")
		if got := selectionKeys(order["state"].(map[string]any))["done"]; got != tc.done {
			t.Errorf("%s: state done present=%v", tc.version, got)
		}
		if _, got := order["locked"]; got != tc.locked {
			t.Errorf("%s: locked present=%v", tc.version, got)
		}
		prod := fieldsOf(t, s, "product.product")
		if _, got := prod["is_storable"]; got != tc.storable {
			t.Errorf("%s: is_storable present=%v", tc.version, got)
		}
		if !selectionKeys(prod["type"].(map[string]any))[tc.productType] {
			t.Errorf("%s: type lacks %s", tc.version, tc.productType)
		}
		// a field that does not exist on this version cannot be read
		missing := "product_uom_id"
		if tc.version == "19" {
			missing = "product_uom"
		}
		if _, data := errData(t, kw(t, s, "sale.order.line", "search_read", []any{[]any{}}, map[string]any{"fields": []any{missing}})); data["name"] != "builtins.ValueError" {
			t.Errorf("%s: reading %s: %v", tc.version, missing, data)
		}
		// attributes filter what is described
		only := ok(t, kw(t, s, "sale.order", "fields_get", []any{[]any{"name"}}, map[string]any{"attributes": []any{"type"}})).(map[string]any)
		if len(only) != 1 || len(only["name"].(map[string]any)) != 1 {
			t.Errorf("%s: fields_get(['name'], ['type']) = %v", tc.version, only)
		}
	}
}

func TestProductTypePerVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17", "18"} {
		s := Start(t, Options{Version: v, Seed: 2, Data: smallData()})
		fields := []any{"type"}
		if v == "18" {
			fields = append(fields, "is_storable")
		}
		rs := rows(t, ok(t, kw(t, s, "product.product", "search_read", []any{[]any{}}, map[string]any{"fields": fields, "context": map[string]any{"active_test": false}})))
		types := map[string]int{}
		for _, r := range rs {
			types[r["type"].(string)]++
			if v == "18" && r["type"] == "service" && r["is_storable"] != false {
				t.Errorf("storable service %v", r)
			}
		}
		if v == "17" && (types["product"] == 0 || types["service"] == 0) {
			t.Errorf("17: types %v", types)
		}
		if v == "18" && (types["product"] != 0 || types["consu"] == 0) {
			t.Errorf("18: types %v", types)
		}
	}
}

func TestStateDoneAndLocked(t *testing.T) {
	t.Parallel()
	s16 := Start(t, Options{Version: "16", Seed: 4, Data: smallData()})
	if n := count(t, s16, "sale.order", []any{[]any{"state", "=", "done"}}, nil); n == 0 {
		t.Error("16: no done orders")
	}
	s17 := Start(t, Options{Version: "17", Seed: 4, Data: smallData()})
	if n := count(t, s17, "sale.order", []any{[]any{"locked", "=", true}, []any{"state", "=", "sale"}}, nil); n == 0 {
		t.Error("17: no locked orders")
	}
	if n := count(t, s17, "sale.order", []any{[]any{"state", "=", "done"}}, nil); n != 0 {
		t.Errorf("17: %d done orders", n)
	}
}
