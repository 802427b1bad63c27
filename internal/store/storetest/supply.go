package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"Supply", testSupply}) }

// Queries on the supply tables shown in docs/database.md; the same text runs on both engines.
const (
	// QueryOpenProduction: what open manufacturing orders still have to make, by planned finish.
	QueryOpenProduction = `SELECT p.sku, m.name, m.state, m.product_qty - m.qty_produced AS remaining, m.planned_finish
FROM mrp_productions m JOIN products p ON p.connection_id = m.connection_id AND p.product_id = m.product_id
WHERE m.removed_at IS NULL AND m.state IN ('confirmed', 'progress', 'to_close')
ORDER BY m.planned_finish IS NULL, m.planned_finish, m.production_id;`

	// QueryIncomingPurchases: what confirmed purchase order lines still have to bring, by planned arrival.
	QueryIncomingPurchases = `SELECT p.sku, l.order_name, l.product_qty - l.qty_received AS remaining, l.date_planned
FROM purchase_lines l JOIN products p ON p.connection_id = l.connection_id AND p.product_id = l.product_id
WHERE l.removed_at IS NULL AND l.order_state IN ('purchase', 'done') AND l.qty_received < l.product_qty
ORDER BY l.date_planned IS NULL, l.date_planned, l.line_id;`
)

// supplyQueryRows runs q and returns each row's first columns as text: sku, a name, the remaining quantity.
func supplyQueryRows(t *testing.T, s store.Store, q string) []string {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %v", vals[0], vals[1], vals[len(vals)-2]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleSupply is one record of each supply table for a connection, every field set (nullable ones included).
func sampleSupply(conn int64, at time.Time) *store.Supply {
	start, finish, planned := at.Add(24*time.Hour), at.Add(72*time.Hour), at.Add(10*24*time.Hour)
	delay, tmplDelay := 4.0, 2.5
	return &store.Supply{
		Productions: []*store.MRPProduction{
			{ConnectionID: conn, ProductionID: 7, Name: "WH/MO/00007", ProductID: 11, State: "confirmed", ProductQty: 40, QtyProduced: 12.5,
				PlannedStart: &start, PlannedFinish: &finish, Deadline: &finish, BoMID: 3, CompanyID: 1, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, ProductionID: 9, Name: "WH/MO/00009", ProductID: 12, State: "draft", ProductQty: 5, WriteDate: at, SyncedAt: at},
		},
		BoMs: []*store.BoM{
			{ConnectionID: conn, BoMID: 3, ProductTmplID: 11, Code: "BOM-3", Type: "normal", ProductQty: 10, Active: true, Sequence: 10,
				ProduceDelay: &delay, CompanyID: 1, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, BoMID: 4, ProductTmplID: 13, ProductID: 13, Type: "phantom", ProductQty: 1, Active: false, WriteDate: at, SyncedAt: at},
		},
		BoMLines: []*store.BoMLine{
			{ConnectionID: conn, LineID: 30, BoMID: 3, ProductID: 12, ProductQty: 25, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, LineID: 31, BoMID: 3, ProductID: 13, ProductQty: 0.5, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, LineID: 40, BoMID: 4, ProductID: 14, ProductQty: 2, WriteDate: at, SyncedAt: at},
		},
		PurchaseLines: []*store.PurchaseLine{
			{ConnectionID: conn, LineID: 50, OrderID: 5, OrderName: "P00005", OrderState: "purchase", ProductID: 14, ProductQty: 100,
				QtyReceived: 40, DatePlanned: &planned, CompanyID: 1, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, LineID: 51, OrderID: 5, OrderName: "P00005", OrderState: "purchase", ProductID: 12, ProductQty: 10,
				WriteDate: at, SyncedAt: at},
		},
		Orderpoints: []*store.Orderpoint{
			{ConnectionID: conn, OrderpointID: 2, ProductID: 14, WarehouseID: 1, LocationID: 8, ProductMinQty: 20, ProductMaxQty: 60,
				QtyMultiple: 12, Trigger: "auto", Active: true, CompanyID: 1, WriteDate: at, SyncedAt: at},
		},
		SupplierInfos: []*store.SupplierInfo{
			{ConnectionID: conn, SupplierInfoID: 8, PartnerID: 90, PartnerName: "Aceros del Norte S.A.", ProductTmplID: 14, Delay: 21,
				MinQty: 50, Price: 3.25, Sequence: 1, CompanyID: 1, WriteDate: at, SyncedAt: at},
		},
		ProductRoutes: []*store.ProductRoute{
			{ConnectionID: conn, ProductID: 11, ProductTmplID: 11, RouteIDs: []int64{3}, Manufacture: true, ProduceDelay: &tmplDelay, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, ProductID: 14, ProductTmplID: 14, RouteIDs: []int64{1, 2}, Buy: true, WriteDate: at, SyncedAt: at},
			{ConnectionID: conn, ProductID: 15, ProductTmplID: 14, WriteDate: at, SyncedAt: at},
		},
	}
}

func writeSupply(t *testing.T, ex store.Executor, s *store.Supply) store.UpsertResult {
	t.Helper()
	ctx := context.Background()
	var total store.UpsertResult
	add := func(r store.UpsertResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		total.Inserted += r.Inserted
		total.Updated += r.Updated
	}
	add(ex.MRPProductionUpsertMany(ctx, s.Productions))
	add(ex.BoMUpsertMany(ctx, s.BoMs))
	add(ex.BoMLineUpsertMany(ctx, s.BoMLines))
	add(ex.PurchaseLineUpsertMany(ctx, s.PurchaseLines))
	add(ex.OrderpointUpsertMany(ctx, s.Orderpoints))
	add(ex.SupplierInfoUpsertMany(ctx, s.SupplierInfos))
	add(ex.ProductRouteUpsertMany(ctx, s.ProductRoutes))
	return total
}

// testSupply: every supply table stores and lists its rows field by field, one connection apart from another;
// upserts count new and rewritten rows; stamps, ids, children and removals; a data reset and a deleted
// connection take the rows with them.
func testSupply(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	a, b := newConnection(t, s, "acme"), newConnection(t, s, "beta")
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	want := sampleSupply(a, at)
	if res := writeSupply(t, s, want); res.Inserted != 14 || res.Updated != 0 {
		t.Errorf("first write: %+v, want 14 inserted", res)
	}
	// The documented queries.
	var products []*store.Product
	for _, id := range []int64{11, 12, 14} {
		products = append(products, &store.Product{ConnectionID: a, ProductID: id, SKU: fmt.Sprintf("SKU-%d", id), Active: true, SyncedAt: at})
	}
	if _, err := s.ProductUpsertMany(ctx, products); err != nil {
		t.Fatal(err)
	}
	if got := supplyQueryRows(t, s, QueryOpenProduction); !reflect.DeepEqual(got, []string{"SKU-11 WH/MO/00007 27.5"}) {
		t.Errorf("open production: %q", got)
	}
	if got := supplyQueryRows(t, s, QueryIncomingPurchases); !reflect.DeepEqual(got, []string{"SKU-14 P00005 60", "SKU-12 P00005 10"}) {
		t.Errorf("incoming purchases: %q", got)
	}

	// The same records read again later change nothing and count nothing.
	same := sampleSupply(a, at)
	for _, p := range same.Productions {
		p.SyncedAt = at.Add(time.Minute)
	}
	if res := writeSupply(t, s, same); res != (store.UpsertResult{}) {
		t.Errorf("writing the same rows again: %+v, want nothing", res)
	}
	writeSupply(t, s, sampleSupply(b, at))
	got, err := s.SupplyList(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored supply differs:\n got %s\nwant %s", dumpSupply(got), dumpSupply(want))
	}

	// Rewriting one row changes it and counts an update.
	later := at.Add(time.Hour)
	mo := *want.Productions[0]
	mo.State, mo.QtyProduced, mo.WriteDate = "progress", 20, later
	if r, err := s.MRPProductionUpsertMany(ctx, []*store.MRPProduction{&mo}); err != nil || r != (store.UpsertResult{Updated: 1}) {
		t.Errorf("rewrite: %+v, %v", r, err)
	}

	stamps, err := s.SupplyStampGetMany(ctx, a, store.TableProductions, []int64{7, 9, 99})
	if err != nil || len(stamps) != 2 || stamps[7].State != "progress" || !stamps[7].WriteDate.Equal(later) || stamps[9].Removed {
		t.Errorf("production stamps %+v, %v", stamps, err)
	}
	stamps, err = s.SupplyStampGetMany(ctx, a, store.TablePurchaseLines, []int64{50})
	if err != nil || stamps[50].State != "purchase" || !stamps[50].WriteDate.Equal(at) {
		t.Errorf("purchase line stamps %+v, %v", stamps, err)
	}
	children, err := s.SupplyChildIDList(ctx, a, store.TableBoMLines, []int64{3, 4, 5})
	if err != nil || !reflect.DeepEqual(children, map[int64][]int64{3: {30, 31}, 4: {40}}) {
		t.Errorf("BoM lines by BoM: %v, %v", children, err)
	}
	children, err = s.SupplyChildIDList(ctx, a, store.TableProductRoutes, []int64{14})
	if err != nil || !reflect.DeepEqual(children, map[int64][]int64{14: {14, 15}}) {
		t.Errorf("products by template: %v, %v", children, err)
	}
	if _, err := s.SupplyChildIDList(ctx, a, store.TableOrderpoints, []int64{1}); err == nil {
		t.Error("children of a table without a parent")
	}
	if _, err := s.SupplyIDList(ctx, a, store.SupplyTable("sales_orders; --")); err == nil {
		t.Error("an unknown table name was accepted")
	}

	// Removal: marked once, left out of lists and children, kept as a stamp; an upsert brings it back.
	if n, err := s.SupplyMarkRemoved(ctx, a, store.TableBoMLines, []int64{31, 99}, later); err != nil || n != 1 {
		t.Errorf("mark removed: %d, %v", n, err)
	}
	if n, err := s.SupplyMarkRemoved(ctx, a, store.TableBoMLines, []int64{31}, later); err != nil || n != 0 {
		t.Errorf("marked again: %d, %v", n, err)
	}
	if ids, err := s.SupplyIDList(ctx, a, store.TableBoMLines); err != nil || !reflect.DeepEqual(ids, []int64{30, 40}) {
		t.Errorf("BoM line ids after a removal: %v, %v", ids, err)
	}
	if st, _ := s.SupplyStampGetMany(ctx, a, store.TableBoMLines, []int64{31}); !st[31].Removed {
		t.Errorf("removed line's stamp %+v", st[31])
	}
	list, _ := s.SupplyList(ctx, a)
	if len(list.BoMLines) != 2 {
		t.Errorf("listed %d BoM lines after a removal, want 2", len(list.BoMLines))
	}
	// The BoM part alone is the same, removed line left out too.
	bom, err := s.SupplyBoMList(ctx, a)
	if err != nil || !reflect.DeepEqual(bom, &store.Supply{BoMs: list.BoMs, BoMLines: list.BoMLines, ProductRoutes: list.ProductRoutes}) || len(bom.BoMs) == 0 || len(bom.ProductRoutes) == 0 {
		t.Errorf("SupplyBoMList = %s, %v; want the BoMs, lines and routes of SupplyList %s", dumpSupply(bom), err, dumpSupply(list))
	}
	if r, err := s.BoMLineUpsertMany(ctx, []*store.BoMLine{want.BoMLines[1]}); err != nil || r.Updated != 1 {
		t.Errorf("restore: %+v, %v", r, err)
	}
	if ids, _ := s.SupplyIDList(ctx, a, store.TableBoMLines); len(ids) != 3 {
		t.Errorf("BoM line ids after a restore: %v", ids)
	}
	if other, err := s.SupplyList(ctx, b); err != nil || !reflect.DeepEqual(other, sampleSupply(b, at)) {
		t.Errorf("the other connection's supply changed: %v", err)
	}

	// Inside a transaction, rolled back with it.
	rollback := sampleSupply(a, at)
	rollback.Orderpoints[0].OrderpointID = 77
	_ = s.Tx(ctx, func(tx store.Executor) error {
		writeSupply(t, tx, rollback)
		return errRollback
	})
	if ids, _ := s.SupplyIDList(ctx, a, store.TableOrderpoints); !reflect.DeepEqual(ids, []int64{2}) {
		t.Errorf("orderpoints after a rolled back write: %v", ids)
	}

	r, err := s.ConnectionDataReset(ctx, a)
	if err != nil || r.Supply != 14 {
		t.Errorf("data reset: %+v, %v; want 14 supply rows", r, err)
	}
	if list, _ := s.SupplyList(ctx, a); !reflect.DeepEqual(list, &store.Supply{}) {
		t.Errorf("supply after a data reset: %s", dumpSupply(list))
	}
	if err := s.ConnectionDelete(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, table := range store.SupplyTables {
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+string(table)).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s after deleting the connections: %d rows, %v", table, n, err)
		}
	}
}

type rollbackErr struct{}

func (rollbackErr) Error() string { return "roll back" }

var errRollback = rollbackErr{}

func dumpSupply(s *store.Supply) string {
	if s == nil {
		return "<nil>"
	}
	out := ""
	v := reflect.ValueOf(*s)
	for i := range v.NumField() {
		out += "\n  " + v.Type().Field(i).Name + ":"
		f := v.Field(i)
		for j := range f.Len() {
			out += " " + dumpRow(f.Index(j).Elem())
		}
	}
	return out
}

func dumpRow(v reflect.Value) string {
	out := "{"
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				out += v.Type().Field(i).Name + ":nil "
				continue
			}
			f = f.Elem()
		}
		out += v.Type().Field(i).Name + ":" + stringOf(f) + " "
	}
	return out + "}"
}

func stringOf(v reflect.Value) string {
	if t, ok := v.Interface().(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v.Interface())
}
