package odootest

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestReadGroup(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	orders := map[int64]Order{}
	for _, o := range s.Orders() {
		orders[o.ID] = o
	}
	qty := map[int64]float64{}
	cnt := map[int64]int64{}
	for _, l := range s.Lines() {
		if l.CompanyID != 1 || l.ProductID == 0 || orders[l.OrderID].State != "sale" {
			continue
		}
		qty[l.ProductID] += l.ProductUomQty
		cnt[l.ProductID]++
	}
	groups := rows(t, ok(t, kw(t, s, "sale.order.line", "read_group",
		[]any{[]any{[]any{"state", "=", "sale"}, []any{"display_type", "=", false}}, []any{"product_uom_qty:sum"}, []any{"product_id"}}, nil)))
	if len(groups) != len(qty) {
		t.Fatalf("%d groups, want %d", len(groups), len(qty))
	}
	for _, g := range groups {
		pid := num(t, g["product_id"].([]any)[0])
		got, _ := g["product_uom_qty"].(json.Number).Float64()
		if math.Abs(got-qty[pid]) > 1e-6 || num(t, g["product_id_count"]) != cnt[pid] {
			t.Errorf("product %d: %v qty %v count, want %v %v", pid, got, g["product_id_count"], qty[pid], cnt[pid])
		}
		dom := g["__domain"].([]any)
		if len(dom) != 3 {
			t.Errorf("__domain %v", dom)
		}
	}

	// by month, not lazy, two levels
	monthly := rows(t, ok(t, kw(t, s, "sale.order", "read_group", []any{[]any{}, []any{"amount_total:sum"}, []any{"date_order:month", "state"}},
		map[string]any{"lazy": false})))
	var total int64
	for _, g := range monthly {
		total += num(t, g["__count"])
		label := g["date_order:month"].(string)
		if _, err := time.Parse("January 2006", label); err != nil {
			t.Errorf("month label %q", label)
		}
		if g["__range"] == nil {
			t.Errorf("no __range: %v", g)
		}
	}
	if total != expectOrders(s, func(Order) bool { return true }) {
		t.Errorf("counts sum to %d", total)
	}
	// lazy with two groupbys: one level and the rest in __context
	lazy := rows(t, ok(t, kw(t, s, "sale.order", "read_group", []any{[]any{}, []any{"amount_total"}, []any{"state", "partner_id"}}, nil)))
	for _, g := range lazy {
		ctx := g["__context"].(map[string]any)
		if gb := ctx["group_by"].([]any); len(gb) != 1 || gb[0] != "partner_id" || g["state_count"] == nil {
			t.Errorf("lazy group %v", g)
		}
	}
	// formatted_read_group does not exist before saas~18.2 / 19
	_, data := errData(t, kw(t, s, "sale.order", "formatted_read_group", []any{[]any{}}, nil))
	if data["name"] != "builtins.AttributeError" {
		t.Errorf("formatted_read_group on 17: %v", data)
	}
}

func TestFormattedReadGroup(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "19", Seed: 2, Data: smallData()})
	res := rows(t, ok(t, kw(t, s, "sale.order", "formatted_read_group", []any{[]any{}},
		map[string]any{"groupby": []any{"state"}, "aggregates": []any{"__count", "amount_total:sum"}})))
	var total int64
	for _, g := range res {
		total += num(t, g["__count"])
		if _, has := g["amount_total:sum"]; !has || g["__extra_domain"] == nil {
			t.Errorf("group %v", g)
		}
	}
	if total != expectOrders(s, func(Order) bool { return true }) {
		t.Errorf("counts sum to %d", total)
	}
	// read_group stays (deprecated) and agrees
	old := rows(t, ok(t, kw(t, s, "sale.order", "read_group", []any{[]any{}, []any{}, []any{"state"}}, nil)))
	if len(old) != len(res) {
		t.Errorf("read_group %d groups, formatted_read_group %d", len(old), len(res))
	}
}
