package odootest

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSupplyFieldsPerVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version                   string
		plannedStart, plannedEnd  string
		delayOn                   string // the model with produce_delay
		multiple, bomUoM, poUoM   string
		purchaseDone, lineStateDB bool
	}{
		{"16", "date_planned_start", "date_planned_finished", "product.template", "qty_multiple", "product_uom_id", "product_uom", true, true},
		{"17", "date_start", "date_finished", "mrp.bom", "qty_multiple", "product_uom_id", "product_uom", true, true},
		{"18", "date_start", "date_finished", "mrp.bom", "qty_multiple", "product_uom_id", "product_uom", true, true},
		{"19", "date_start", "date_finished", "mrp.bom", "replenishment_uom_id", "uom_id", "product_uom_id", false, false},
	} {
		s := Start(t, Options{Version: tc.version, Modules: AllModules})
		mo := fieldsOf(t, s, "mrp.production")
		for _, f := range []string{tc.plannedStart, tc.plannedEnd, "date_start", "date_finished", "product_qty", "qty_produced", "state"} {
			if _, has := mo[f]; !has {
				t.Errorf("%s: mrp.production lacks %s", tc.version, f)
			}
		}
		if _, has := mo["date_planned_start"]; has != (tc.version == "16") {
			t.Errorf("%s: mrp.production has date_planned_start: %v", tc.version, has)
		}
		for _, m := range []string{"product.template", "mrp.bom"} {
			if _, has := fieldsOf(t, s, m)["produce_delay"]; has != (m == tc.delayOn) {
				t.Errorf("%s: %s has produce_delay: %v", tc.version, m, has)
			}
		}
		op := fieldsOf(t, s, "stock.warehouse.orderpoint")
		for _, f := range []string{"qty_multiple", "replenishment_uom_id"} {
			if _, has := op[f]; has != (f == tc.multiple) {
				t.Errorf("%s: orderpoint has %s: %v", tc.version, f, has)
			}
		}
		if _, has := fieldsOf(t, s, "mrp.bom")[tc.bomUoM]; !has {
			t.Errorf("%s: mrp.bom lacks %s", tc.version, tc.bomUoM)
		}
		line := fieldsOf(t, s, "purchase.order.line")
		if _, has := line[tc.poUoM]; !has {
			t.Errorf("%s: purchase.order.line lacks %s", tc.version, tc.poUoM)
		}
		states := selectionKeys(fieldsOf(t, s, "purchase.order")["state"].(map[string]any))
		if states["done"] != tc.purchaseDone || !states["purchase"] {
			t.Errorf("%s: purchase.order states %v", tc.version, states)
		}
		stored := ok(t, kw(t, s, "purchase.order.line", "fields_get", nil, map[string]any{"attributes": []any{"store"}})).(map[string]any)
		if got := stored["state"].(map[string]any)["store"]; got != tc.lineStateDB {
			t.Errorf("%s: purchase.order.line.state store = %v", tc.version, got)
		}
	}
}

func TestModulesInstalledOrNot(t *testing.T) {
	t.Parallel()
	sales := Start(t, Options{Version: "17"})
	installed := func(s *Server) map[string]string {
		out := map[string]string{}
		for _, r := range rows(t, ok(t, kw(t, s, "ir.module.module", "search_read", []any{[]any{[]any{"name", "in", []any{"sale", "stock", "mrp", "purchase"}}}},
			map[string]any{"fields": []any{"name", "state"}}))) {
			out[r["name"].(string)] = r["state"].(string)
		}
		return out
	}
	if got, want := installed(sales), map[string]string{"sale": "installed", "stock": "installed", "mrp": "uninstalled", "purchase": "uninstalled"}; !reflect.DeepEqual(got, want) {
		t.Errorf("default modules %v, want %v", got, want)
	}
	_, data := errData(t, kw(t, sales, "mrp.production", "search_read", []any{[]any{}}, nil))
	if data["name"] != "odoo.exceptions.UserError" || data["message"] != "Object mrp.production doesn't exist" {
		t.Errorf("mrp.production without mrp: %v", data)
	}
	if n := count(t, sales, "product.supplierinfo", []any{}, nil); n != 0 {
		t.Errorf("%d vendor lines without purchase", n)
	}

	full := Start(t, Options{Version: "18", Modules: AllModules})
	for name, state := range installed(full) {
		if state != "installed" {
			t.Errorf("with every app, %s is %s", name, state)
		}
	}

	bare := Start(t, Options{Version: "16", Modules: []string{ModuleSale, ModulePurchase}})
	if _, data := errData(t, kw(t, bare, "stock.quant", "search_count", []any{[]any{}}, nil)); !strings.Contains(data["message"].(string), "doesn't exist") {
		t.Errorf("stock.quant without stock: %v", data)
	}
	if _, has := fieldsOf(t, bare, "product.product")["qty_available"]; has {
		t.Error("qty_available without stock")
	}
	if _, has := fieldsOf(t, bare, "sale.order")["warehouse_id"]; has {
		t.Error("sale.order.warehouse_id without stock")
	}

	locked := Start(t, Options{Version: "17", NoModuleAccess: true})
	if _, data := errData(t, kw(t, locked, "ir.module.module", "search_read", []any{[]any{}}, nil)); data["name"] != "odoo.exceptions.AccessError" {
		t.Errorf("ir.module.module without access: %v", data)
	}
	if _, err := NewServer(Options{Modules: []string{ModuleSale, ModuleMRP}}); err == nil {
		t.Error("mrp without stock accepted")
	}
}

// TestSupplyGenerated checks the shape of the generated manufacturing and purchasing data, and that it leaves
// the sales history as it is without those apps.
func TestSupplyGenerated(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "19"} {
		s := Start(t, Options{Version: v, Seed: 7, Modules: AllModules, Data: smallData()})
		plain := Start(t, Options{Version: v, Seed: 7, Data: smallData()})
		if !reflect.DeepEqual(s.Orders(), plain.Orders()) || !reflect.DeepEqual(s.Lines(), plain.Lines()) {
			t.Errorf("%s: the sales history differs with the manufacturing and purchasing apps", v)
		}
		now := s.Now()
		boms := map[int64]BoM{}
		var phantom, archived int
		for _, b := range s.BoMs() {
			if b.Active && b.Type == "normal" {
				boms[b.ProductTmplID] = b
			}
			if b.Type == "phantom" {
				phantom++
			}
			if !b.Active {
				archived++
			}
			if len(b.LineIDs) == 0 {
				t.Errorf("%s: BoM %d has no lines", v, b.ID)
			}
		}
		twoLevel := 0
		for _, l := range s.BoMLines() {
			if _, ok := boms[l.ProductID]; ok {
				twoLevel++
			}
		}
		if len(boms) < 5 || phantom == 0 || archived == 0 || twoLevel == 0 {
			t.Errorf("%s: %d manufactured products, %d kits, %d archived BoMs, %d lines of sub-assemblies", v, len(boms), phantom, archived, twoLevel)
		}
		delays := 0
		for _, x := range s.SupplierInfos() {
			if x.Delay > 0 {
				delays++
			}
		}
		if delays == 0 || len(s.Orderpoints()) == 0 {
			t.Errorf("%s: %d vendor lines with a delay, %d orderpoints", v, delays, len(s.Orderpoints()))
		}
		states := map[string]int{}
		late := 0
		for _, mo := range s.Productions() {
			states[mo.State]++
			if mo.State == "confirmed" && mo.PlannedTo.Before(now) {
				late++
			}
			if mo.WriteDate.After(now) {
				t.Errorf("%s: MO %d written after the clock", v, mo.ID)
			}
		}
		if states["confirmed"] == 0 || states["done"] == 0 || states["progress"] == 0 || late == 0 {
			t.Errorf("%s: MO states %v, %d late", v, states, late)
		}
		partial := 0
		for _, l := range s.PurchaseLines() {
			if l.QtyReceived > 0 && l.QtyReceived < l.ProductQty {
				partial++
			}
		}
		if partial == 0 || len(s.PurchaseOrders()) == 0 {
			t.Errorf("%s: %d purchase orders, %d partly received lines", v, len(s.PurchaseOrders()), partial)
		}
	}
}

func TestSupplyMutationsStamp(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17", "19"} {
		s := Start(t, Options{Version: v, Seed: 3, Modules: AllModules, Data: &GenerateOptions{Years: 1, SKUs: 30}})
		var draft PurchaseOrder
		for _, po := range s.PurchaseOrders() {
			if po.State == "draft" || po.State == "sent" {
				draft = po
				break
			}
		}
		if draft.ID == 0 {
			t.Fatalf("%s: no request for quotation generated", v)
		}
		s.Advance(time.Hour)
		if err := s.ConfirmPurchase(draft.ID); err != nil {
			t.Fatal(err)
		}
		lineStamped := false
		for _, l := range s.PurchaseLines() {
			if l.OrderID == draft.ID && l.WriteDate.After(now(s).Add(-time.Second)) {
				lineStamped = true
			}
		}
		if lineStamped != (v == "17") {
			t.Errorf("%s: confirming a purchase order stamped its lines: %v", v, lineStamped)
		}
		line := draft.LineIDs[0]
		s.Advance(time.Minute)
		if err := s.ReceivePurchaseLine(line, 1); err != nil {
			t.Fatal(err)
		}
		for _, l := range s.PurchaseLines() {
			if l.ID == line && (l.QtyReceived < 1 || l.WriteDate.Before(now(s))) {
				t.Errorf("%s: received line %+v", v, l)
			}
		}
		for _, po := range s.PurchaseOrders() {
			if po.ID == draft.ID && !po.WriteDate.Before(now(s)) {
				t.Errorf("%s: a receipt stamped its order", v)
			}
		}
		var product int64
		for _, b := range s.BoMs() {
			if b.Active && b.Type == "normal" {
				product = b.ProductTmplID
				break
			}
		}
		id, err := s.AddProduction(NewProduction{ProductID: product, Qty: 40})
		if err != nil {
			t.Fatal(err)
		}
		s.Advance(time.Minute)
		if err := s.ConfirmProduction(id); err != nil {
			t.Fatal(err)
		}
		s.Advance(time.Minute)
		if err := s.FinishProduction(id); err != nil {
			t.Fatal(err)
		}
		for _, mo := range s.Productions() {
			if mo.ID == id && (mo.State != "done" || mo.QtyProduced != 40 || mo.BoMID == 0 || mo.WriteDate.Before(now(s)) ||
				!mo.PlannedTo.After(mo.PlannedFrom)) {
				t.Errorf("%s: finished MO %+v", v, mo)
			}
		}
	}
}

func now(s *Server) time.Time { return s.Now() }
