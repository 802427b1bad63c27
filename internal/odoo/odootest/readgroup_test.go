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

// TestReconcileAggregates checks the cheap reconciliation calls a sync relies on: read_group by
// create_date:month with __count and write_date:max on orders and lines (lazy and not, and
// formatted_read_group on 19), and search_count over a write_date window.
func TestReconcileAggregates(t *testing.T) {
	t.Parallel()
	both := map[string]any{"context": map[string]any{"allowed_company_ids": []any{1, 2}}}
	type truth struct {
		n  int64
		wd time.Time
	}
	month := func(t time.Time) string { return t.UTC().Format("January 2006") }
	for _, v := range []string{"17", "19"} {
		s := Start(t, Options{Version: v, Seed: 13, Data: smallData()})
		want := map[string]map[string]truth{"sale.order": {}, "sale.order.line": {}}
		add := func(model string, created, written time.Time) {
			m := want[model]
			tr := m[month(created)]
			tr.n++
			if written.After(tr.wd) {
				tr.wd = written
			}
			m[month(created)] = tr
		}
		for _, o := range s.Orders() {
			add("sale.order", o.CreateDate, o.WriteDate)
		}
		for _, l := range s.Lines() {
			add("sale.order.line", l.CreateDate, l.WriteDate)
		}
		for model, months := range want {
			for _, lazy := range []bool{true, false} {
				kwargs := map[string]any{"lazy": lazy, "context": both["context"]}
				groups := rows(t, ok(t, kw(t, s, model, "read_group",
					[]any{[]any{}, []any{"__count", "write_date:max"}, []any{"create_date:month"}}, kwargs)))
				countKey := "__count"
				if lazy {
					countKey = "create_date_count"
				}
				if len(groups) != len(months) {
					t.Fatalf("%s %s lazy=%v: %d groups, want %d", v, model, lazy, len(groups), len(months))
				}
				for _, g := range groups {
					label, _ := g["create_date:month"].(string)
					tr, found := months[label]
					if !found || num(t, g[countKey]) != tr.n || g["write_date"] != tr.wd.Format(time.DateTime) {
						t.Errorf("%s %s lazy=%v group %q: %v %v, want %d %s", v, model, lazy, label, g[countKey], g["write_date"], tr.n, tr.wd.Format(time.DateTime))
					}
				}
			}
			if v == "19" {
				groups := rows(t, ok(t, kw(t, s, model, "formatted_read_group", []any{[]any{}},
					map[string]any{"groupby": []any{"create_date:month"}, "aggregates": []any{"__count", "write_date:max"}, "context": both["context"]})))
				if len(groups) != len(months) {
					t.Fatalf("formatted_read_group %s: %d groups, want %d", model, len(groups), len(months))
				}
				for _, g := range groups {
					label, _ := g["create_date:month"].([]any)[1].(string)
					tr := months[label]
					if num(t, g["__count"]) != tr.n || g["write_date:max"] != tr.wd.Format(time.DateTime) {
						t.Errorf("formatted_read_group %s %q: %v", model, label, g)
					}
				}
			}
		}
		// search_count over a write_date window, both companies
		from := DefaultNow.AddDate(0, -3, 0).Truncate(time.Second)
		var n int64
		for _, l := range s.Lines() {
			if !l.WriteDate.Before(from) {
				n++
			}
		}
		got := num(t, ok(t, kw(t, s, "sale.order.line", "search_count", []any{[]any{[]any{"write_date", ">=", from.Format(time.DateTime)}}}, both)))
		if got != n || n == 0 {
			t.Errorf("%s search_count: %d, want %d", v, got, n)
		}
	}
}
