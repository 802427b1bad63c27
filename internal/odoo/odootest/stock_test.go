package odootest

import (
	"math"
	"testing"
)

// onHandTruth sums quants in internal locations of the given companies (optionally under one location).
func onHandTruth(s *Server, companies map[int64]bool, under map[int64]bool) map[int64]float64 {
	usage := map[int64]string{}
	for _, l := range s.Locations() {
		usage[l.ID] = l.Usage
	}
	out := map[int64]float64{}
	for _, q := range s.Quants() {
		if companies[q.CompanyID] && usage[q.LocationID] == "internal" && (under == nil || under[q.LocationID]) {
			out[q.ProductID] += q.Quantity
		}
	}
	return out
}

func TestQtyAvailable(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	check := func(name string, ctx map[string]any, truth map[int64]float64) {
		t.Helper()
		rs := rows(t, ok(t, kw(t, s, "product.product", "search_read", []any{[]any{}},
			map[string]any{"fields": []any{"qty_available", "virtual_available"}, "context": ctx})))
		nonzero := 0
		for _, r := range rs {
			id := num(t, r["id"])
			got, _ := r["qty_available"].(interface{ Float64() (float64, error) }).Float64()
			if math.Abs(got-truth[id]) > 1e-9 {
				t.Errorf("%s: product %d qty_available %v, want %v", name, id, got, truth[id])
			}
			if got != 0 {
				nonzero++
			}
			virt, _ := r["virtual_available"].(interface{ Float64() (float64, error) }).Float64()
			if virt > got+1e-9 {
				t.Errorf("%s: product %d virtual %v above on hand %v (nothing comes in)", name, id, virt, got)
			}
		}
		if nonzero == 0 {
			t.Errorf("%s: every product has zero stock", name)
		}
	}
	check("company 1", map[string]any{}, onHandTruth(s, map[int64]bool{1: true}, nil))
	check("both", map[string]any{"allowed_company_ids": []any{1, 2}}, onHandTruth(s, map[int64]bool{1: true, 2: true}, nil))
	check("shelf", map[string]any{"location": 9}, onHandTruth(s, map[int64]bool{1: true}, map[int64]bool{9: true}))
	check("warehouse", map[string]any{"warehouse": 1}, onHandTruth(s, map[int64]bool{1: true}, map[int64]bool{7: true, 8: true, 9: true, 13: true}))
}
