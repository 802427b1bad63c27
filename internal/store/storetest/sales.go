package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() {
	extra = append(extra,
		namedTest{"Orders", testOrders},
		namedTest{"Items", testItems},
		namedTest{"BulkWrites", testBulkWrites},
		namedTest{"WritesOverUnseenRows", testWritesOverUnseenRows},
		namedTest{"Catalog", testCatalog},
		namedTest{"SyncCursor", testSyncCursor},
		namedTest{"SyncLog", testSyncLog},
	)
}

func ptr[T any](v T) *T { return &v }

func sampleOrder(conn, id int64) *store.Order {
	wd := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute)
	return &store.Order{ConnectionID: conn, OrderID: id, Name: fmt.Sprintf("S%05d", id), State: "sale",
		DateOrder: ptr(wd.Add(-time.Hour)), WriteDate: wd, PartnerID: 7, PartnerName: "Ferretería Núñez",
		CompanyID: 1, CompanyName: "Acme MX", Currency: "MXN", AmountUntaxed: 100, AmountTax: 16, AmountTotal: 116,
		ClientOrderRef: "PO-1", WarehouseID: 1, WarehouseName: "WH", SyncedAt: wd.Add(time.Second)}
}

func sampleItem(conn, line, order int64) *store.Item {
	o := sampleOrder(conn, order)
	return &store.Item{ConnectionID: conn, LineID: line, OrderID: order, OrderName: o.Name, OrderState: "sale",
		DateOrder: o.DateOrder, SKU: fmt.Sprintf("SKU-%d", line%7), ProductID: line%7 + 1, ProductName: "Tornillo 3/8",
		Quantity: 3, UoM: "Units", QtyDelivered: 1, PriceUnit: 10.5, Discount: 5, Subtotal: 29.93, Total: 34.71,
		Currency: "MXN", CompanyID: 1, WriteDate: o.WriteDate, SyncedAt: o.SyncedAt, UpdatedAt: o.SyncedAt}
}

func newConnection(t *testing.T, s store.Store, name string) int64 {
	t.Helper()
	c, err := s.ConnectionInsert(context.Background(), sampleConnection(name))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func testOrders(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	other := newConnection(t, s, "beta")
	orders := []*store.Order{sampleOrder(conn, 1), sampleOrder(conn, 2), sampleOrder(other, 1)}
	orders[1].PartnerID, orders[1].DateOrder, orders[1].CommitmentDate = 0, nil, ptr(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	res, err := s.OrderUpsertMany(ctx, orders)
	if err != nil {
		t.Fatal(err)
	}
	if res != (store.UpsertResult{Inserted: 3}) {
		t.Errorf("first upsert = %+v, want 3 inserted", res)
	}
	got, err := s.OrderGetMany(ctx, conn, []int64{1, 2, 99})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d orders, want 2", len(got))
	}
	for _, want := range orders[:2] {
		if !reflect.DeepEqual(normalize(got[want.OrderID]), normalize(want)) {
			t.Errorf("order %d read back\n%+v\nwant\n%+v", want.OrderID, got[want.OrderID], want)
		}
	}
	// The same data again: nothing changes, not even synced_at.
	again := []*store.Order{sampleOrder(conn, 1)}
	again[0].SyncedAt = again[0].SyncedAt.Add(time.Hour)
	if res, err = s.OrderUpsertMany(ctx, again); err != nil || res != (store.UpsertResult{}) {
		t.Errorf("identical upsert = %+v, %v; want nothing", res, err)
	}
	if o, _ := s.OrderGetMany(ctx, conn, []int64{1}); !o[1].SyncedAt.Equal(orders[0].SyncedAt) {
		t.Errorf("identical upsert rewrote synced_at")
	}
	changed := sampleOrder(conn, 1)
	changed.State, changed.WriteDate = "cancel", changed.WriteDate.Add(time.Hour)
	if res, err = s.OrderUpsertMany(ctx, []*store.Order{changed}); err != nil || res != (store.UpsertResult{Updated: 1}) {
		t.Errorf("changed upsert = %+v, %v; want 1 updated", res, err)
	}
	if o, _ := s.OrderGetMany(ctx, conn, []int64{1}); o[1].State != "cancel" {
		t.Errorf("state after update = %q", o[1].State)
	}
	if _, err := s.ItemUpsertMany(ctx, []*store.Item{sampleItem(conn, 10, 2)}); err != nil {
		t.Fatal(err)
	}
	n, err := s.OrderMarkRemoved(ctx, conn, []int64{2}, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("mark removed = %d, %v", n, err)
	}
	ids, err := s.OrderIDList(ctx, conn)
	if err != nil || !reflect.DeepEqual(ids, []int64{1}) {
		t.Errorf("ids after removal = %v, %v", ids, err)
	}
	if items, _ := s.ItemListByOrder(ctx, conn, []int64{2}); len(items) != 0 {
		t.Errorf("items of a removed order still listed: %d", len(items))
	}
	// Re-upserting a removed order (it came back, or a full sync read it again) clears removed_at.
	if res, err = s.OrderUpsertMany(ctx, []*store.Order{orders[1]}); err != nil || res.Updated != 1 {
		t.Errorf("upsert of a removed order = %+v, %v", res, err)
	}
	if ids, _ = s.OrderIDList(ctx, conn); len(ids) != 2 {
		t.Errorf("order not restored: %v", ids)
	}
}

// normalize drops what does not survive a round trip by design (the *time.Time zone).
func normalize[T any](v *T) T {
	out := *v
	rv := reflect.ValueOf(&out).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		switch x := f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(x.UTC()))
		case *time.Time:
			if x != nil {
				f.Set(reflect.ValueOf(ptr(x.UTC())))
			}
		}
	}
	return out
}

func testItems(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	// Enough rows to need several statements and several IN lists.
	// Every row differs, some columns are NULL in some rows only: the batched statements must keep each value
	// in its row and column.
	var items []*store.Item
	for i := int64(1); i <= 7000; i++ {
		it := sampleItem(conn, i, i/4+1)
		it.Quantity = float64(i) / 4
		it.ProductName = fmt.Sprintf("Producto %d", i)
		if i%5 == 0 {
			it.ProductID = 0 // NULL
		}
		if i%3 == 0 {
			it.DateOrder = nil
		}
		items = append(items, it)
	}
	res, err := s.ItemUpsertMany(ctx, items)
	if err != nil || res.Inserted != 7000 {
		t.Fatalf("bulk insert = %+v, %v", res, err)
	}
	all := make([]int64, len(items))
	for i, it := range items {
		all[i] = it.LineID
	}
	back, err := s.ItemGetMany(ctx, conn, all)
	if err != nil || len(back) != len(items) {
		t.Fatalf("read back %d of %d items: %v", len(back), len(items), err)
	}
	for _, it := range items {
		if !reflect.DeepEqual(normalize(back[it.LineID]), normalize(it)) {
			t.Fatalf("item %d read back\n%+v\nwant\n%+v", it.LineID, back[it.LineID], it)
		}
	}
	if res, err = s.ItemUpsertMany(ctx, items); err != nil || res != (store.UpsertResult{}) {
		t.Errorf("identical bulk upsert = %+v, %v; want nothing", res, err)
	}
	got, err := s.ItemGetMany(ctx, conn, []int64{1, 6999})
	if err != nil || len(got) != 2 {
		t.Fatalf("get many = %d, %v", len(got), err)
	}
	if !reflect.DeepEqual(normalize(got[6999]), normalize(items[6998])) {
		t.Errorf("item read back\n%+v\nwant\n%+v", got[6999], items[6998])
	}
	byOrder, err := s.ItemListByOrder(ctx, conn, []int64{1, 2})
	if err != nil || len(byOrder) != 7 { // lines 1-3 -> order 1, lines 4-7 -> order 2
		t.Errorf("items of orders 1 and 2 = %d, %v; want 7", len(byOrder), err)
	}
	edited := *items[0]
	edited.Quantity = 9
	if res, err = s.ItemUpsertMany(ctx, []*store.Item{&edited}); err != nil || res != (store.UpsertResult{Updated: 1}) {
		t.Errorf("edit = %+v, %v", res, err)
	}
	// Given the stored versions, the write skips the unchanged, updates the changed and inserts the new
	// without reading; rows of two connections in one call are refused.
	stored := map[int64]*store.Item{got[1].LineID: got[1], got[6999].LineID: got[6999]}
	again, changed := *got[6999], *got[6999]
	changed.Quantity++
	fresh := sampleItem(conn, 7001, 9000)
	if res, err = s.ItemWriteMany(ctx, []*store.Item{&again, fresh}, stored); err != nil || res != (store.UpsertResult{Inserted: 1}) {
		t.Errorf("write unchanged + new = %+v, %v", res, err)
	}
	if res, err = s.ItemWriteMany(ctx, []*store.Item{&changed}, stored); err != nil || res != (store.UpsertResult{Updated: 1}) {
		t.Errorf("write changed = %+v, %v", res, err)
	}
	if back, _ := s.ItemGetMany(ctx, conn, []int64{6999, 7001}); len(back) != 2 || back[6999].Quantity != changed.Quantity {
		t.Errorf("after writes: %d items, quantity %v; want 2 and %v", len(back), back[6999], changed.Quantity)
	}
	other := sampleItem(newConnection(t, s, "other"), 1, 1)
	if _, err := s.ItemWriteMany(ctx, []*store.Item{fresh, other}, nil); err == nil {
		t.Error("a write mixing two connections' items was accepted")
	}
	if _, err := s.OrderWriteMany(ctx, []*store.Order{sampleOrder(conn, 1), sampleOrder(other.ConnectionID, 1)}, nil); err == nil {
		t.Error("a write mixing two connections' orders was accepted")
	}
	n, err := s.ItemMarkRemoved(ctx, conn, []int64{1, 2}, time.Now())
	if err != nil || n != 2 {
		t.Errorf("mark removed = %d, %v", n, err)
	}
	ids, err := s.ItemIDList(ctx, conn)
	if err != nil || len(ids) != 6999 || ids[0] != 3 {
		t.Errorf("ids after removal: %d ids starting %v, %v", len(ids), ids[:1], err)
	}
}

func testCatalog(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	products := []*store.Product{
		{ConnectionID: conn, ProductID: 1, SKU: "A-1", Name: "Silla", Type: "storable", Active: true, UoM: "Units", CompanyID: 1,
			CategID: 4, CategName: "All / Muebles", WriteDate: ptr(now), SyncedAt: now},
		{ConnectionID: conn, ProductID: 2, SKU: "ID:2", Name: "Sin código", Type: "consumable", Active: false, SyncedAt: now},
	}
	if res, err := s.ProductUpsertMany(ctx, products); err != nil || res.Inserted != 2 {
		t.Fatalf("products = %+v, %v", res, err)
	}
	if res, err := s.ProductUpsertMany(ctx, products); err != nil || res != (store.UpsertResult{}) {
		t.Errorf("identical products = %+v, %v", res, err)
	}
	list, err := s.ProductList(ctx, conn)
	if err != nil || len(list) != 2 || !reflect.DeepEqual(normalize(list[0]), normalize(products[0])) || list[1].Active ||
		list[1].CategID != 0 || list[1].CategName != "" {
		t.Errorf("product list = %+v, %v", list, err)
	}
	// A product moved to another category is an update.
	products[0].CategID, products[0].CategName = 5, "All / Oficina"
	if res, err := s.ProductUpsertMany(ctx, products); err != nil || res.Updated != 1 {
		t.Errorf("recategorised product = %+v, %v", res, err)
	}
	if list, err := s.ProductList(ctx, conn); err != nil || list[0].CategID != 5 || list[0].CategName != "All / Oficina" {
		t.Errorf("recategorised product reads back as %+v, %v", list[0], err)
	}
	inv := []*store.Inventory{{ConnectionID: conn, ProductID: 1, SKU: "A-1", Name: "Silla", Type: "storable", Active: true, QtyAvailable: -2.5, VirtualAvailable: 10, SyncedAt: now}}
	if res, err := s.InventoryUpsertMany(ctx, inv); err != nil || res.Inserted != 1 {
		t.Fatalf("inventory = %+v, %v", res, err)
	}
	inv[0].SyncedAt = now.Add(time.Hour)
	if _, err := s.InventoryUpsertMany(ctx, inv); err != nil {
		t.Fatal(err)
	}
	got, err := s.InventoryList(ctx, conn)
	if err != nil || len(got) != 1 || got[0].QtyAvailable != -2.5 || !got[0].SyncedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("inventory list = %+v, %v (synced_at must advance on every read)", got, err)
	}
}

func testSyncCursor(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	if _, err := s.SyncCursorGet(ctx, conn, "sale.order"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing cursor: %v", err)
	}
	at := time.Date(2026, 1, 15, 10, 0, 7, 0, time.UTC)
	for _, c := range []*store.SyncCursor{
		{ConnectionID: conn, Model: "sale.order", WriteDate: at, LastID: 41, UpdatedAt: at},
		{ConnectionID: conn, Model: "sale.order", WriteDate: at.Add(time.Second), LastID: 3, UpdatedAt: at},
		{ConnectionID: conn, Model: "sale.order.line", UpdatedAt: at},
	} {
		if err := s.SyncCursorSet(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.SyncCursorGet(ctx, conn, "sale.order")
	if err != nil || !got.WriteDate.Equal(at.Add(time.Second)) || got.LastID != 3 {
		t.Errorf("cursor = %+v, %v", got, err)
	}
	if got, err = s.SyncCursorGet(ctx, conn, "sale.order.line"); err != nil || !got.WriteDate.IsZero() {
		t.Errorf("zero cursor = %+v, %v", got, err)
	}
	other := newConnection(t, s, "other")
	if err := s.SyncCursorSet(ctx, &store.SyncCursor{ConnectionID: other, Model: "sale.order", UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	all, err := s.SyncCursorList(ctx, conn)
	if err != nil || len(all) != 2 || !all["sale.order"].WriteDate.Equal(at.Add(time.Second)) || all["sale.order"].LastID != 3 ||
		!all["sale.order.line"].WriteDate.IsZero() || !all["sale.order.line"].UpdatedAt.Equal(at) || all["sale.order"].ConnectionID != conn {
		t.Errorf("cursor list = %+v, %v; want this connection's two", all, err)
	}
	if err := s.SyncCursorDelete(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncCursorGet(ctx, conn, "sale.order"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cursor after delete: %v", err)
	}
}

func testSyncLog(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	a := newConnection(t, s, "acme")
	b := newConnection(t, s, "beta")
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		conn := a
		if i%2 == 1 {
			conn = b
		}
		l := &store.SyncLog{ConnectionID: conn, Kind: "incremental", StartedAt: start.Add(time.Duration(i) * time.Minute), Status: store.SyncRunning}
		if _, err := s.SyncLogInsert(ctx, l); err != nil {
			t.Fatal(err)
		}
		l.Status, l.FinishedAt, l.RecordsFetched, l.Error = store.SyncFailed, ptr(l.StartedAt.Add(time.Second)), int64(i), "boom"
		if err := s.SyncLogUpdate(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	logs, err := s.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: a, Limit: 2})
	if err != nil || len(logs) != 2 || logs[0].RecordsFetched != 4 || logs[1].RecordsFetched != 2 || logs[0].Status != store.SyncFailed ||
		logs[0].FinishedAt == nil || logs[0].Error != "boom" {
		t.Errorf("logs = %+v, %v", logs, err)
	}
	if all, _ := s.SyncLogList(ctx, &store.SyncLogListParams{}); len(all) != 5 {
		t.Errorf("all logs = %d", len(all))
	}
	running := &store.SyncLog{ConnectionID: a, Kind: "incremental", StartedAt: start.Add(time.Hour), Status: store.SyncRunning}
	if _, err := s.SyncLogInsert(ctx, running); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SyncLogMarkInterrupted(ctx, a); err != nil || n != 1 {
		t.Errorf("mark interrupted = %d, %v; want the one running log", n, err)
	}
	if l, _ := s.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: a, Limit: 1}); l[0].Status != store.SyncInterrupted || l[0].Error == "" {
		t.Errorf("interrupted log = %+v", l[0])
	}
	if err := s.SyncLogUpdate(ctx, &store.SyncLog{ID: 9999}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update missing log: %v", err)
	}
}

// testBulkWrites writes orders and lines in batches as large as a first sync's (PostgreSQL loads those through
// COPY), with every kind of value, NULLs in some rows only, and a batch rewritten in the transaction that wrote
// it, then reads every row back.
func testBulkWrites(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	mexico := time.FixedZone("CST", -6*3600)
	const n = 700
	orders := make([]*store.Order, n)
	items := make([]*store.Item, 2*n)
	for i := range orders {
		id := int64(i + 1)
		o := sampleOrder(conn, id)
		o.Name = fmt.Sprintf("S%05d «%d» 'q' \"dq\" \\ ñ", id, i)
		o.WriteDate = o.WriteDate.Add(time.Duration(i) * time.Microsecond).In(mexico)
		o.AmountTotal = float64(i) * 1.25
		switch i % 6 {
		case 0:
			o.DateOrder, o.PartnerID, o.PartnerName = nil, 0, ""
		case 1:
			o.CommitmentDate = ptr(time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)) // before PostgreSQL's epoch
		case 2:
			o.CompanyID, o.WarehouseID, o.WarehouseName = 0, 0, ""
		case 3:
			o.RemovedAt = ptr(o.WriteDate.Add(time.Hour))
		case 4:
			o.AmountUntaxed, o.AmountTax = -0.5, 1e-9
		}
		orders[i] = o
		for j := range 2 {
			it := sampleItem(conn, int64(2*i+j+1), id)
			it.OrderName, it.DateOrder, it.WriteDate = o.Name, o.DateOrder, o.WriteDate
			it.Quantity, it.ProductName = float64(2*i+j)/8, fmt.Sprintf("Producto %d\ttab", 2*i+j)
			if (i+j)%5 == 0 {
				it.ProductID, it.CompanyID = 0, 0
			}
			if (i+j)%7 == 0 {
				it.RemovedAt = ptr(o.WriteDate.Add(time.Minute))
			}
			items[2*i+j] = it
		}
	}
	edit := func(o *store.Order) *store.Order {
		c := *o
		c.State, c.AmountTotal, c.DateOrder = "done", c.AmountTotal+1, ptr(c.WriteDate)
		return &c
	}
	editItem := func(it *store.Item) *store.Item {
		c := *it
		c.Quantity, c.SKU, c.ProductID = c.Quantity+1, c.SKU+"-B", c.ProductID+1
		return &c
	}
	var orders2 []*store.Order
	var items2 []*store.Item
	for _, o := range orders {
		orders2 = append(orders2, edit(o))
	}
	for _, it := range items {
		items2 = append(items2, editItem(it))
	}
	byOrder := func(os []*store.Order) map[int64]*store.Order {
		m := map[int64]*store.Order{}
		for _, o := range os {
			m[o.OrderID] = o
		}
		return m
	}
	byLine := func(its []*store.Item) map[int64]*store.Item {
		m := map[int64]*store.Item{}
		for _, it := range its {
			m[it.LineID] = it
		}
		return m
	}
	check := func(label string, wantOrders []*store.Order, wantItems []*store.Item) {
		t.Helper()
		ids := make([]int64, len(wantOrders))
		for i, o := range wantOrders {
			ids[i] = o.OrderID
		}
		got, err := s.OrderGetMany(ctx, conn, ids)
		if err != nil || len(got) != len(wantOrders) {
			t.Fatalf("%s: read back %d of %d orders: %v", label, len(got), len(wantOrders), err)
		}
		for _, o := range wantOrders {
			if !reflect.DeepEqual(normalize(got[o.OrderID]), normalize(o)) {
				t.Fatalf("%s: order %d read back\n%+v\nwant\n%+v", label, o.OrderID, got[o.OrderID], o)
			}
		}
		lines := make([]int64, len(wantItems))
		for i, it := range wantItems {
			lines[i] = it.LineID
		}
		back, err := s.ItemGetMany(ctx, conn, lines)
		if err != nil || len(back) != len(wantItems) {
			t.Fatalf("%s: read back %d of %d items: %v", label, len(back), len(wantItems), err)
		}
		for _, it := range wantItems {
			if !reflect.DeepEqual(normalize(back[it.LineID]), normalize(it)) {
				t.Fatalf("%s: item %d read back\n%+v\nwant\n%+v", label, it.LineID, back[it.LineID], it)
			}
		}
	}

	// A rolled-back transaction leaves nothing behind, and the next one loads again.
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx store.Executor) error {
		if _, err := tx.ItemWriteMany(ctx, items, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("rolled-back bulk write: %v", err)
	}
	if got, err := s.ItemGetMany(ctx, conn, []int64{1, 2 * n}); err != nil || len(got) != 0 {
		t.Fatalf("a rolled-back bulk write left %d items (%v)", len(got), err)
	}
	// New rows, then the same rows changed, in one transaction: the second batch replaces the first.
	err = s.Tx(ctx, func(tx store.Executor) error {
		if res, err := tx.OrderWriteMany(ctx, orders, nil); err != nil || res != (store.UpsertResult{Inserted: n}) {
			return fmt.Errorf("insert orders = %+v, %w", res, err)
		}
		if res, err := tx.ItemWriteMany(ctx, items, nil); err != nil || res != (store.UpsertResult{Inserted: 2 * n}) {
			return fmt.Errorf("insert items = %+v, %w", res, err)
		}
		if res, err := tx.OrderWriteMany(ctx, orders2, byOrder(orders)); err != nil || res != (store.UpsertResult{Updated: n}) {
			return fmt.Errorf("update orders = %+v, %w", res, err)
		}
		if res, err := tx.ItemWriteMany(ctx, items2, byLine(items)); err != nil || res != (store.UpsertResult{Updated: 2 * n}) {
			return fmt.Errorf("update items = %+v, %w", res, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("written and rewritten in one transaction", orders2, items2)
	// Back to the first versions, outside a transaction, then nothing to write.
	if res, err := s.OrderUpsertMany(ctx, orders); err != nil || res != (store.UpsertResult{Updated: n}) {
		t.Fatalf("bulk order update = %+v, %v", res, err)
	}
	if res, err := s.ItemUpsertMany(ctx, items); err != nil || res != (store.UpsertResult{Updated: 2 * n}) {
		t.Fatalf("bulk item update = %+v, %v", res, err)
	}
	check("rewritten", orders, items)
	if res, err := s.ItemUpsertMany(ctx, items); err != nil || res != (store.UpsertResult{}) {
		t.Errorf("identical bulk upsert = %+v, %v; want nothing", res, err)
	}
}

// testWritesOverUnseenRows: a write is given the stored versions it knows of, and a row it was not given may
// still be stored (a line marked removed, which the sync does not read back). Such a row is written like any
// other: its new values replace the stored ones, in every position of a batch of several statements. A write of
// rows whose connection does not exist fails and stores nothing, in a transaction or not, and the store keeps
// working.
func testWritesOverUnseenRows(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn := newConnection(t, s, "acme")
	const n = 300 // several statements
	var orders []*store.Order
	var items []*store.Item
	for i := int64(1); i <= n; i++ {
		orders = append(orders, sampleOrder(conn, i))
		items = append(items, sampleItem(conn, i, i))
	}
	if _, err := s.OrderUpsertMany(ctx, orders[:n/2]); err != nil {
		t.Fatal(err)
	}
	// Every third of the first half stored, some of them marked removed.
	var storedLines, removed []int64
	for i := int64(1); i <= n/2; i += 3 {
		storedLines = append(storedLines, i)
	}
	for _, id := range storedLines {
		if _, err := s.ItemUpsertMany(ctx, []*store.Item{items[id-1]}); err != nil {
			t.Fatal(err)
		}
		if id%2 == 0 {
			removed = append(removed, id)
		}
	}
	if m, err := s.ItemMarkRemoved(ctx, conn, removed, time.Now()); err != nil || m != int64(len(removed)) {
		t.Fatalf("mark removed = %d, %v", m, err)
	}
	for _, it := range items {
		it.Quantity, it.ProductName = it.Quantity+float64(it.LineID), fmt.Sprintf("nuevo %d", it.LineID)
	}
	for _, o := range orders {
		o.AmountTotal, o.State = o.AmountTotal+float64(o.OrderID), "done"
	}
	err := s.Tx(ctx, func(tx store.Executor) error {
		if res, err := tx.OrderWriteMany(ctx, orders, nil); err != nil || res.Inserted != n {
			return fmt.Errorf("orders written as new = %+v, %v", res, err)
		}
		if res, err := tx.ItemWriteMany(ctx, items, nil); err != nil || res.Inserted != n {
			return fmt.Errorf("items written as new = %+v, %v", res, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	gotOrders, err := s.OrderGetMany(ctx, conn, ids)
	if err != nil || len(gotOrders) != n {
		t.Fatalf("read back %d of %d orders: %v", len(gotOrders), n, err)
	}
	for _, o := range orders {
		if !reflect.DeepEqual(normalize(gotOrders[o.OrderID]), normalize(o)) {
			t.Fatalf("order %d read back\n%+v\nwant\n%+v", o.OrderID, gotOrders[o.OrderID], o)
		}
	}
	gotItems, err := s.ItemGetMany(ctx, conn, ids)
	if err != nil || len(gotItems) != n {
		t.Fatalf("read back %d of %d items: %v", len(gotItems), n, err)
	}
	for _, it := range items {
		if !reflect.DeepEqual(normalize(gotItems[it.LineID]), normalize(it)) {
			t.Fatalf("item %d read back\n%+v\nwant\n%+v", it.LineID, gotItems[it.LineID], it)
		}
	}

	// No connection 999999: nothing of either write stays.
	var strays []*store.Item
	for i := int64(1); i <= n; i++ {
		strays = append(strays, sampleItem(999999, 10000+i, 10000+i))
	}
	err = s.Tx(ctx, func(tx store.Executor) error {
		if _, err := tx.ItemWriteMany(ctx, items[:1], nil); err != nil { // an ordinary row before the strays
			return err
		}
		_, err := tx.ItemWriteMany(ctx, strays, nil)
		return err
	})
	if err == nil {
		t.Fatal("items of a missing connection were stored in a transaction")
	}
	if _, err := s.ItemWriteMany(ctx, strays[:1], nil); err == nil {
		t.Fatal("an item of a missing connection was stored")
	}
	var count int64
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_items WHERE connection_id = 999999`).Scan(&count); err != nil || count != 0 {
		t.Fatalf("%d items of the missing connection stored (%v)", count, err)
	}
	// The store still writes (no transaction left open on a pooled connection).
	for range 3 {
		err := s.Tx(ctx, func(tx store.Executor) error {
			_, err := tx.ItemWriteMany(ctx, []*store.Item{sampleItem(conn, 5000, 5000)}, nil)
			return err
		})
		if err != nil {
			t.Fatalf("a write after the failed ones: %v", err)
		}
	}
}
