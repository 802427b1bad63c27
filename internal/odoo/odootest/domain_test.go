package odootest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// expectOrders counts company-1 orders (the default env.companies) satisfying f.
func expectOrders(s *Server, f func(o Order) bool) int64 {
	var n int64
	for _, o := range s.Orders() {
		if o.CompanyID == 1 && f(o) {
			n++
		}
	}
	return n
}

func TestDomainOperators(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	orders := s.Orders()
	var pivot Order // an order with a mid-range total
	for _, o := range orders {
		if o.CompanyID == 1 && o.AmountTotal > 100 {
			pivot = o
			break
		}
	}
	partners := map[int64]string{}
	city := map[int64]string{}
	for _, p := range s.Partners() {
		partners[p.ID] = p.Name
		city[p.ID] = p.City
	}
	pivotCity := city[pivot.PartnerID]
	cases := []struct {
		name   string
		domain []any
		want   func(o Order) bool
	}{
		{"empty", []any{}, func(Order) bool { return true }},
		{"=", []any{[]any{"state", "=", "sale"}}, func(o Order) bool { return o.State == "sale" }},
		{"!=", []any{[]any{"state", "!=", "sale"}}, func(o Order) bool { return o.State != "sale" }},
		{">", []any{[]any{"amount_total", ">", pivot.AmountTotal}}, func(o Order) bool { return o.AmountTotal > pivot.AmountTotal }},
		{">=", []any{[]any{"amount_total", ">=", pivot.AmountTotal}}, func(o Order) bool { return o.AmountTotal >= pivot.AmountTotal }},
		{"<", []any{[]any{"amount_total", "<", pivot.AmountTotal}}, func(o Order) bool { return o.AmountTotal < pivot.AmountTotal }},
		{"<=", []any{[]any{"amount_total", "<=", pivot.AmountTotal}}, func(o Order) bool { return o.AmountTotal <= pivot.AmountTotal }},
		{"=? false", []any{[]any{"state", "=?", false}}, func(Order) bool { return true }},
		{"=? value", []any{[]any{"state", "=?", "cancel"}}, func(o Order) bool { return o.State == "cancel" }},
		{"= false", []any{[]any{"client_order_ref", "=", false}}, func(o Order) bool { return o.ClientOrderRef == "" }},
		{"!= false", []any{[]any{"client_order_ref", "!=", false}}, func(o Order) bool { return o.ClientOrderRef != "" }},
		{"!= value includes null", []any{[]any{"client_order_ref", "!=", "x"}}, func(o Order) bool { return o.ClientOrderRef != "x" }},
		{"like", []any{[]any{"name", "like", "S001"}}, func(o Order) bool { return strings.Contains(o.Name, "S001") }},
		{"like is case-sensitive", []any{[]any{"name", "like", "s001"}}, func(Order) bool { return false }},
		{"ilike", []any{[]any{"name", "ilike", "s001"}}, func(o Order) bool { return strings.Contains(o.Name, "S001") }},
		{"not like", []any{[]any{"client_order_ref", "not like", "PO-2025"}}, func(o Order) bool { return !strings.Contains(o.ClientOrderRef, "PO-2025") }},
		{"not ilike", []any{[]any{"name", "not ilike", "s00"}}, func(o Order) bool { return !strings.Contains(o.Name, "S00") }},
		{"=like", []any{[]any{"name", "=like", "S001__"}}, func(o Order) bool { return len(o.Name) == 6 && strings.HasPrefix(o.Name, "S001") }},
		{"=like no implicit %", []any{[]any{"name", "=like", "S001"}}, func(o Order) bool { return o.Name == "S001" }},
		{"=ilike", []any{[]any{"name", "=ilike", "s001%"}}, func(o Order) bool { return strings.HasPrefix(o.Name, "S001") }},
		{"in", []any{[]any{"state", "in", []any{"sale", "done"}}}, func(o Order) bool { return o.State == "sale" || o.State == "done" }},
		{"not in", []any{[]any{"state", "not in", []any{"sale", "cancel"}}}, func(o Order) bool { return o.State != "sale" && o.State != "cancel" }},
		{"in with false", []any{[]any{"client_order_ref", "in", []any{false}}}, func(o Order) bool { return o.ClientOrderRef == "" }},
		{"in empty", []any{[]any{"id", "in", []any{}}}, func(Order) bool { return false }},
		{"id in", []any{[]any{"id", "in", []any{orders[0].ID, orders[3].ID, 99999999}}}, func(o Order) bool { return o.ID == orders[0].ID || o.ID == orders[3].ID }},
		{"implicit and", []any{[]any{"state", "=", "sale"}, []any{"amount_total", ">", 200}}, func(o Order) bool { return o.State == "sale" && o.AmountTotal > 200 }},
		{"|", []any{"|", []any{"state", "=", "cancel"}, []any{"state", "=", "draft"}}, func(o Order) bool { return o.State == "cancel" || o.State == "draft" }},
		{"!", []any{"!", []any{"state", "=", "sale"}}, func(o Order) bool { return o.State != "sale" }},
		{"nested", []any{"&", "|", []any{"state", "=", "cancel"}, []any{"state", "=", "draft"}, "!", []any{"amount_total", "<", 50}},
			func(o Order) bool { return (o.State == "cancel" || o.State == "draft") && !(o.AmountTotal < 50) }},
		{"| then implicit and", []any{"|", []any{"state", "=", "cancel"}, []any{"state", "=", "draft"}, []any{"amount_total", ">=", 50}},
			func(o Order) bool { return (o.State == "cancel" || o.State == "draft") && o.AmountTotal >= 50 }},
		{"true leaf", []any{[]any{1, "=", 1}}, func(Order) bool { return true }},
		{"false leaf", []any{[]any{0, "=", 1}}, func(Order) bool { return false }},
		{"many2one id", []any{[]any{"partner_id", "=", pivot.PartnerID}}, func(o Order) bool { return o.PartnerID == pivot.PartnerID }},
		{"many2one name ilike", []any{[]any{"partner_id", "ilike", "garcía"}}, func(o Order) bool { return strings.Contains(strings.ToLower(partners[o.PartnerID]), "garcía") }},
		{"dotted many2one", []any{[]any{"partner_id.city", "=", pivotCity}}, func(o Order) bool { return city[o.PartnerID] == pivotCity }},
		{"one2many contains", []any{[]any{"order_line", "in", []any{pivot.LineIDs[0]}}}, func(o Order) bool { return o.ID == pivot.ID }},
	}
	for _, tc := range cases {
		got := count(t, s, "sale.order", tc.domain, nil)
		want := expectOrders(s, tc.want)
		if got != want {
			t.Errorf("%s %v: %d orders, want %d", tc.name, tc.domain, got, want)
		}
	}
	// sanity: the interesting cases are not vacuous
	for _, name := range []string{"like", "=like", "many2one name ilike", "dotted many2one", "!= false"} {
		for _, tc := range cases {
			if tc.name == name && expectOrders(s, tc.want) == 0 {
				t.Errorf("%s matches nothing: the test proves little", name)
			}
		}
	}
}

func TestDomainDottedPaths(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	state := map[int64]string{}
	for _, o := range s.Orders() {
		state[o.ID] = o.State
	}
	var want int64
	for _, l := range s.Lines() {
		if l.CompanyID == 1 && state[l.OrderID] == "cancel" {
			want++
		}
	}
	if got := count(t, s, "sale.order.line", []any{[]any{"order_id.state", "=", "cancel"}}, nil); got != want || want == 0 {
		t.Errorf("order_id.state: %d, want %d", got, want)
	}
	usage := map[int64]string{}
	for _, l := range s.Locations() {
		usage[l.ID] = l.Usage
	}
	var internal int64
	for _, q := range s.Quants() {
		if q.CompanyID == 1 && usage[q.LocationID] == "internal" {
			internal++
		}
	}
	if got := count(t, s, "stock.quant", []any{[]any{"location_id.usage", "=", "internal"}}, nil); got != internal || internal == 0 {
		t.Errorf("location_id.usage: %d, want %d", got, internal)
	}
	if got := count(t, s, "stock.quant", []any{[]any{"location_id.usage", "!=", "internal"}}, nil); got == 0 {
		t.Error("no quant outside internal locations: the generator must make some")
	}
}

func TestDomainErrors(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	for _, d := range [][]any{
		{[]any{"nope", "=", 1}},
		{[]any{"state", "=="}},
		{[]any{"state", "frob", 1}},
		{"&", []any{"state", "=", "sale"}},
		{"x"},
		{[]any{"partner_id.nope", "=", 1}},
		{[]any{"date_order", ">", "not a date"}},
	} {
		_, data := errData(t, kw(t, s, "sale.order", "search", []any{d}, nil))
		if data["name"] != "builtins.ValueError" {
			t.Errorf("%v: %v", d, data)
		}
	}
}

func TestActiveFilter(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	var active, all int64
	for _, p := range s.Products() {
		if p.CompanyID == 2 {
			continue
		}
		all++
		if p.Active {
			active++
		}
	}
	if active == all {
		t.Fatal("no archived product generated")
	}
	if got := count(t, s, "product.product", []any{}, nil); got != active {
		t.Errorf("default: %d, want %d active", got, active)
	}
	if got := count(t, s, "product.product", []any{[]any{"active", "in", []any{true, false}}}, nil); got != all {
		t.Errorf("domain names active: %d, want %d", got, all)
	}
	if got := count(t, s, "product.product", []any{[]any{"active", "=", false}}, nil); got != all-active {
		t.Errorf("archived only: %d, want %d", got, all-active)
	}
	if got := count(t, s, "product.product", []any{}, map[string]any{"active_test": false}); got != all {
		t.Errorf("active_test false: %d, want %d", got, all)
	}
	// nested inside an operator still counts as naming active
	if got := count(t, s, "product.product", []any{"|", []any{"active", "=", false}, []any{"active", "=", true}}, nil); got != all {
		t.Errorf("nested active: %d, want %d", got, all)
	}
}

func TestMultiCompany(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	per := map[int64]int64{}
	for _, o := range s.Orders() {
		per[o.CompanyID]++
	}
	if per[2] == 0 {
		t.Fatal("no second-company orders generated")
	}
	if got := count(t, s, "sale.order", []any{}, nil); got != per[1] {
		t.Errorf("no context (current company only): %d, want %d", got, per[1])
	}
	if got := count(t, s, "sale.order", []any{}, map[string]any{"allowed_company_ids": []any{1, 2}}); got != per[1]+per[2] {
		t.Errorf("both companies: %d, want %d", got, per[1]+per[2])
	}
	if got := count(t, s, "sale.order", []any{}, map[string]any{"allowed_company_ids": []any{2}}); got != per[2] {
		t.Errorf("company 2: %d, want %d", got, per[2])
	}
	_, data := errData(t, kw(t, s, "sale.order", "search_count", []any{[]any{}}, map[string]any{"context": map[string]any{"allowed_company_ids": []any{1, 3}}}))
	if data["name"] != "odoo.exceptions.AccessError" {
		t.Errorf("foreign company: %v", data)
	}
	// shared products (company false) are visible from both companies; company-2 products only with it
	var shared1, c2 int64
	for _, p := range s.Products() {
		if p.Active && p.CompanyID != 2 {
			shared1++
		}
		if p.Active && p.CompanyID == 2 {
			c2++
		}
	}
	if got := count(t, s, "product.product", []any{}, map[string]any{"allowed_company_ids": []any{1, 2}}); got != shared1+c2 {
		t.Errorf("products of both: %d, want %d", got, shared1+c2)
	}
	// reading a record of another company is an AccessError
	var foreign int64
	for _, o := range s.Orders() {
		if o.CompanyID == 2 {
			foreign = o.ID
			break
		}
	}
	_, data = errData(t, kw(t, s, "sale.order", "read", []any{[]any{foreign}, []any{"name"}}, nil))
	if data["name"] != "odoo.exceptions.AccessError" {
		t.Errorf("read foreign: %v", data)
	}
}

func TestOrderLimitOffset(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	var want []Order
	for _, o := range s.Orders() {
		if o.CompanyID == 1 {
			want = append(want, o)
		}
	}
	slices.SortStableFunc(want, func(a, b Order) int {
		if c := strings.Compare(a.State, b.State); c != 0 {
			return c
		}
		if a.AmountTotal != b.AmountTotal {
			if a.AmountTotal > b.AmountTotal {
				return -1
			}
			return 1
		}
		return int(a.ID - b.ID)
	})
	got := searchIDs(t, s, "sale.order", []any{}, map[string]any{"order": "state asc, amount_total desc, id", "offset": 10, "limit": 25})
	if len(got) != 25 {
		t.Fatalf("%d ids", len(got))
	}
	for i, id := range got {
		if want[10+i].ID != id {
			t.Fatalf("position %d: id %d, want %d", i, id, want[10+i].ID)
		}
	}
	// default order of sale.order is date_order desc, id desc
	def := searchIDs(t, s, "sale.order", []any{}, map[string]any{"limit": 5})
	slices.SortStableFunc(want, func(a, b Order) int {
		if c := b.DateOrder.Compare(a.DateOrder); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	for i, id := range def {
		if want[i].ID != id {
			t.Errorf("default order position %d: %d, want %d", i, id, want[i].ID)
		}
	}
	// id desc streams from the end
	desc := searchIDs(t, s, "sale.order", []any{}, map[string]any{"order": "id desc", "limit": 3})
	if len(desc) != 3 || desc[0] < desc[1] || desc[1] < desc[2] {
		t.Errorf("id desc %v", desc)
	}
}

func TestDatePadding(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	var day time.Time
	for _, o := range s.Orders() {
		if o.CompanyID == 1 {
			day = o.DateOrder
			break
		}
	}
	d := day.Format(time.DateOnly)
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	end := start.Add(24*time.Hour - time.Second)
	for _, tc := range []struct {
		op   string
		want func(t time.Time) bool
	}{
		{">", func(t time.Time) bool { return t.After(end) }},   // padded 23:59:59
		{"<=", func(t time.Time) bool { return !t.After(end) }}, // padded 23:59:59
		{">=", func(t time.Time) bool { return !t.Before(start) }},
		{"<", func(t time.Time) bool { return t.Before(start) }},
	} {
		got := count(t, s, "sale.order", []any{[]any{"date_order", tc.op, d}}, nil)
		want := expectOrders(s, func(o Order) bool { return tc.want(o.DateOrder) })
		if got != want {
			t.Errorf("date_order %s %s: %d, want %d", tc.op, d, got, want)
		}
	}
}

func TestChildOfLocation(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	var want int64
	for _, q := range s.Quants() {
		if q.CompanyID == 1 && (q.LocationID == 7 || q.LocationID == 8 || q.LocationID == 9 || q.LocationID == 13) {
			want++
		}
	}
	if got := count(t, s, "stock.quant", []any{[]any{"location_id", "child_of", 7}}, nil); got != want || want == 0 {
		t.Errorf("location_id child_of WH: %d, want %d", got, want)
	}
	if got := count(t, s, "stock.location", []any{[]any{"id", "child_of", []any{8}}}, nil); got != 2 {
		t.Errorf("locations under WH/Stock: %d, want 2 (itself and the shelf)", got)
	}
}

func TestDomainAny(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	var product int64
	for _, l := range s.Lines() {
		if l.ProductID != 0 && l.CompanyID == 1 {
			product = l.ProductID
			break
		}
	}
	withProduct := map[int64]bool{}
	for _, l := range s.Lines() {
		if l.ProductID == product {
			withProduct[l.OrderID] = true
		}
	}
	want := expectOrders(s, func(o Order) bool { return withProduct[o.ID] })
	if got := count(t, s, "sale.order", []any{[]any{"order_line", "any", []any{[]any{"product_id", "=", product}}}}, nil); got != want || want == 0 {
		t.Errorf("any: %d, want %d", got, want)
	}
	all := expectOrders(s, func(Order) bool { return true })
	if got := count(t, s, "sale.order", []any{[]any{"order_line", "not any", []any{[]any{"product_id", "=", product}}}}, nil); got != all-want {
		t.Errorf("not any: %d, want %d", got, all-want)
	}
	// the same through a dotted path
	if got := count(t, s, "sale.order", []any{[]any{"order_line.product_id", "=", product}}, nil); got != want {
		t.Errorf("order_line.product_id: %d, want %d", got, want)
	}
}

func TestLinesByOrderLookup(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	orders := s.Orders()
	var pick []any
	want := map[int64]bool{}
	for i := 0; i < len(orders) && len(pick) < 6; i += 37 {
		if orders[i].CompanyID == 1 {
			pick = append(pick, orders[i].ID)
			want[orders[i].ID] = true
		}
	}
	var n int64
	for _, l := range s.Lines() {
		if want[l.OrderID] {
			n++
		}
	}
	got := searchIDs(t, s, "sale.order.line", []any{[]any{"order_id", "in", pick}}, map[string]any{"order": "id"})
	if int64(len(got)) != n || n == 0 {
		t.Errorf("order_id in %v: %d lines, want %d", pick, len(got), n)
	}
	if !slices.IsSorted(got) {
		t.Error("not in id order")
	}
	one := searchIDs(t, s, "sale.order.line", []any{[]any{"order_id", "=", pick[0]}, []any{"display_type", "=", false}}, nil)
	for _, id := range one {
		for _, l := range s.Lines() {
			if l.ID == id && (l.OrderID != pick[0].(int64) || l.DisplayType != "") {
				t.Errorf("line %d does not match", id)
			}
		}
	}
}
