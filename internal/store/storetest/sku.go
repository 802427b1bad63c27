package storetest

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"SKURename", testSKURename}) }

// skuFixture stores, for a connection, products (product id -> sku) with their inventory, two lines each (one
// removed), and a forecast, its statistics and a plan row per sku.
func skuFixture(t *testing.T, s store.Store, conn int64, products map[int64]string) {
	t.Helper()
	ctx := context.Background()
	synced := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	gen := time.Date(2026, 1, 15, 6, 0, 0, 0, time.UTC)
	var prods []*store.Product
	var inv []*store.Inventory
	var items []*store.Item
	var fc []*store.ForecastRow
	var stats []*store.ForecastStat
	var plan []*store.ProductionRow
	ids := make([]int64, 0, len(products))
	for id := range products {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		sku := products[id]
		prods = append(prods, &store.Product{ConnectionID: conn, ProductID: id, SKU: sku, Name: "P " + sku, Type: "product",
			Active: true, UoM: "Units", SyncedAt: synced})
		inv = append(inv, &store.Inventory{ConnectionID: conn, ProductID: id, SKU: sku, Name: "P " + sku, Type: "product",
			Active: true, QtyAvailable: 5, SyncedAt: synced})
		for k := int64(0); k < 2; k++ {
			it := sampleItem(conn, id*10+k, id*10+k)
			it.SKU, it.ProductID = sku, id
			items = append(items, it)
		}
		for m := time.January; m <= time.February; m++ {
			fc = append(fc, &store.ForecastRow{SKU: sku, Date: time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC), Quantity: float64(id),
				IntervalLevel: 80, Method: "ets", GeneratedAt: gen})
		}
		stats = append(stats, &store.ForecastStat{SKU: sku, Method: "ets", Class: "smooth", HistoryMonths: 12,
			MeanDemand: float64(id), LastMonth: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), GeneratedAt: gen})
		plan = append(plan, &store.ProductionRow{SKU: sku, ProductName: "P " + sku, Year: 2026, Month: 1,
			ForecastQuantity: float64(id), Priority: "MEDIA", GeneratedAt: gen})
	}
	err := s.Tx(ctx, func(tx store.Executor) error {
		if _, err := tx.ProductUpsertMany(ctx, prods); err != nil {
			return err
		}
		if _, err := tx.InventoryUpsertMany(ctx, inv); err != nil {
			return err
		}
		if _, err := tx.ItemUpsertMany(ctx, items); err != nil {
			return err
		}
		if _, err := tx.ItemMarkRemoved(ctx, conn, []int64{ids[0]*10 + 1}, synced); err != nil {
			return err
		}
		if err := tx.ForecastReplace(ctx, conn, fc, stats); err != nil {
			return err
		}
		return tx.ProductionReplace(ctx, conn, []store.YearMonth{{Year: 2026, Month: 1}}, plan)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// skuState is every sku a connection has stored, table by table: product id -> sku for lines (by line id),
// products and inventory; the skus (with a count) of forecast, forecast_stats and production_forecast.
type skuState struct {
	Items, Products, Inventory          map[int64]string
	Forecast, ForecastStats, Production map[string]int
}

func readSKUState(t *testing.T, s store.Store, conn int64) skuState {
	t.Helper()
	ctx := context.Background()
	st := skuState{Items: map[int64]string{}, Products: map[int64]string{}, Inventory: map[int64]string{},
		Forecast: map[string]int{}, ForecastStats: map[string]int{}, Production: map[string]int{}}
	var lines []int64
	for id := int64(1); id < 100; id++ {
		lines = append(lines, id)
	}
	items, err := s.ItemGetMany(ctx, conn, lines)
	if err != nil {
		t.Fatal(err)
	}
	for id, it := range items {
		st.Items[id] = it.SKU
	}
	prods, err := s.ProductList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prods {
		st.Products[p.ProductID] = p.SKU
	}
	inv, err := s.InventoryList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range inv {
		st.Inventory[v.ProductID] = v.SKU
	}
	fc, err := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: conn})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fc {
		st.Forecast[r.SKU]++
	}
	stats, err := s.ForecastStatList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range stats {
		st.ForecastStats[r.SKU]++
	}
	plan, err := s.ProductionList(ctx, &store.ProductionListParams{ConnectionID: conn})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range plan {
		st.Production[r.SKU]++
	}
	return st
}

func rename(t *testing.T, s store.Store, conn, product int64, from, to string, at time.Time) store.SKURenameResult {
	t.Helper()
	var res store.SKURenameResult
	err := s.Tx(context.Background(), func(tx store.Executor) error {
		var err error
		res, err = tx.SKURename(context.Background(), conn, product, from, to, at)
		return err
	})
	if err != nil {
		t.Fatalf("rename %d %q -> %q: %v", product, from, to, err)
	}
	return res
}

func testSKURename(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	at := time.Date(2026, 2, 1, 9, 30, 0, 123000000, time.UTC)

	t.Run("MovesEverythingOfTheProduct", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		other := newConnection(t, s, "beta")
		skuFixture(t, s, conn, map[int64]string{1: "OLD", 2: "KEEP"})
		skuFixture(t, s, other, map[int64]string{1: "OLD"}) // same product id and sku on another connection
		before := readSKUState(t, s, other)

		got, err := s.ProductSKUs(ctx, conn)
		if err != nil || !reflect.DeepEqual(got, map[int64]string{1: "OLD", 2: "KEEP"}) {
			t.Fatalf("ProductSKUs = %v, %v", got, err)
		}
		res := rename(t, s, conn, 1, "OLD", "NEW", at)
		want := store.SKURenameResult{Items: 2, Products: 1, Inventory: 1, Forecast: 2, ForecastStats: 1, Production: 1}
		if res != want {
			t.Errorf("rename = %+v, want %+v", res, want)
		}
		wantState := skuState{
			Items:    map[int64]string{10: "NEW", 11: "NEW", 20: "KEEP", 21: "KEEP"},
			Products: map[int64]string{1: "NEW", 2: "KEEP"}, Inventory: map[int64]string{1: "NEW", 2: "KEEP"},
			Forecast: map[string]int{"NEW": 2, "KEEP": 2}, ForecastStats: map[string]int{"NEW": 1, "KEEP": 1},
			Production: map[string]int{"NEW": 1, "KEEP": 1}}
		if st := readSKUState(t, s, conn); !reflect.DeepEqual(st, wantState) {
			t.Errorf("after the rename:\n%+v\nwant\n%+v", st, wantState)
		}
		if st := readSKUState(t, s, other); !reflect.DeepEqual(st, before) {
			t.Errorf("another connection's rows changed:\n%+v\nwas\n%+v", st, before)
		}
		items, err := s.ItemGetMany(ctx, conn, []int64{10, 11, 20})
		if err != nil {
			t.Fatal(err)
		}
		if !items[10].UpdatedAt.Equal(at) || !items[11].UpdatedAt.Equal(at) || items[20].UpdatedAt.Equal(at) {
			t.Errorf("updated_at: moved lines %v %v, want %v; untouched line %v", items[10].UpdatedAt, items[11].UpdatedAt, at, items[20].UpdatedAt)
		}
		if items[11].RemovedAt == nil {
			t.Errorf("the removed line is no longer marked removed")
		}
		if got, err := s.ProductSKUs(ctx, conn); err != nil || !reflect.DeepEqual(got, map[int64]string{1: "NEW", 2: "KEEP"}) {
			t.Errorf("ProductSKUs after the rename = %v, %v", got, err)
		}
		// Reads keyed by sku follow: the open quantity of the line still open.
		if backlog, err := s.BacklogList(ctx, conn); err != nil || backlog["NEW"] != 2 || backlog["OLD"] != 0 {
			t.Errorf("backlog = %v, %v", backlog, err)
		}

		// Again, and old == new: nothing to do.
		if res := rename(t, s, conn, 1, "OLD", "NEW", at); res != (store.SKURenameResult{}) {
			t.Errorf("the same rename again = %+v, want nothing", res)
		}
		if res, err := s.SKURename(ctx, conn, 1, "NEW", "NEW", at); err != nil || res != (store.SKURenameResult{}) {
			t.Errorf("rename to the same sku = %+v, %v", res, err)
		}
		if st := readSKUState(t, s, conn); !reflect.DeepEqual(st, wantState) {
			t.Errorf("after the no-op renames:\n%+v\nwant\n%+v", st, wantState)
		}

		// Back: everything returns (outside Tx too: the method is atomic on its own).
		res, err = s.SKURename(ctx, conn, 1, "NEW", "OLD", at.Add(time.Hour))
		if err != nil || res != want {
			t.Errorf("rename back = %+v, %v; want %+v", res, err, want)
		}
		back := wantState
		back.Items = map[int64]string{10: "OLD", 11: "OLD", 20: "KEEP", 21: "KEEP"}
		back.Products, back.Inventory = map[int64]string{1: "OLD", 2: "KEEP"}, map[int64]string{1: "OLD", 2: "KEEP"}
		back.Forecast, back.ForecastStats = map[string]int{"OLD": 2, "KEEP": 2}, map[string]int{"OLD": 1, "KEEP": 1}
		back.Production = map[string]int{"OLD": 1, "KEEP": 1}
		if st := readSKUState(t, s, conn); !reflect.DeepEqual(st, back) {
			t.Errorf("after renaming back:\n%+v\nwant\n%+v", st, back)
		}
	})

	t.Run("NothingStored", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		if got, err := s.ProductSKUs(ctx, conn); err != nil || len(got) != 0 {
			t.Errorf("ProductSKUs of an empty connection = %v, %v", got, err)
		}
		skuFixture(t, s, conn, map[int64]string{1: "A"})
		before := readSKUState(t, s, conn)
		if res := rename(t, s, conn, 99, "X", "Y", at); res != (store.SKURenameResult{}) {
			t.Errorf("renaming a product with nothing stored = %+v", res)
		}
		if st := readSKUState(t, s, conn); !reflect.DeepEqual(st, before) {
			t.Errorf("rows changed:\n%+v\nwas\n%+v", st, before)
		}
	})

	t.Run("RolledBackWithTheCaller", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		skuFixture(t, s, conn, map[int64]string{1: "A"})
		before := readSKUState(t, s, conn)
		boom := errors.New("boom")
		err := s.Tx(ctx, func(tx store.Executor) error {
			if _, err := tx.SKURename(ctx, conn, 1, "A", "B", at); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if st := readSKUState(t, s, conn); !reflect.DeepEqual(st, before) {
			t.Errorf("a rolled-back rename left changes:\n%+v\nwas\n%+v", st, before)
		}
	})

	// Two products swap codes: each rename finds the other product's forecast under its new code, so the
	// derived rows are dropped (the next forecast run recomputes them), never mixed or failing on a unique key.
	t.Run("Collision", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		conn := newConnection(t, s, "acme")
		skuFixture(t, s, conn, map[int64]string{1: "A", 2: "B", 3: "C"})
		res := rename(t, s, conn, 1, "A", "B", at)
		want := store.SKURenameResult{Items: 2, Products: 1, Inventory: 1, Dropped: 4} // 2 forecast, 1 stat, 1 plan row of A
		if res != want {
			t.Errorf("rename A -> B over B's forecast = %+v, want %+v", res, want)
		}
		st := readSKUState(t, s, conn)
		if st.Forecast["A"] != 0 || st.Forecast["B"] != 2 || st.ForecastStats["B"] != 1 || st.Production["B"] != 1 {
			t.Errorf("after A -> B: forecast %v, stats %v, plan %v; want A's dropped and B's kept", st.Forecast, st.ForecastStats, st.Production)
		}
		res = rename(t, s, conn, 2, "B", "A", at)
		// Product 1 is stored under B now: B's rows are no longer product 2's alone.
		if want := (store.SKURenameResult{Items: 2, Products: 1, Inventory: 1, Dropped: 4}); res != want {
			t.Errorf("rename B -> A = %+v, want %+v", res, want)
		}
		wantState := skuState{
			Items:    map[int64]string{10: "B", 11: "B", 20: "A", 21: "A", 30: "C", 31: "C"},
			Products: map[int64]string{1: "B", 2: "A", 3: "C"}, Inventory: map[int64]string{1: "B", 2: "A", 3: "C"},
			Forecast: map[string]int{"C": 2}, ForecastStats: map[string]int{"C": 1}, Production: map[string]int{"C": 1}}
		if st := readSKUState(t, s, conn); !reflect.DeepEqual(st, wantState) {
			t.Errorf("after the swap:\n%+v\nwant\n%+v", st, wantState)
		}

		// A code another product still uses (duplicate default_code in Odoo): its forecast is not ours to take.
		s2 := newStore(t)
		conn2 := newConnection(t, s2, "acme")
		skuFixture(t, s2, conn2, map[int64]string{1: "D", 2: "E"})
		if _, err := s2.SKURename(ctx, conn2, 2, "E", "D", at); err != nil { // now 1 and 2 share D; E's forecast is dropped
			t.Fatal(err)
		}
		res = rename(t, s2, conn2, 1, "D", "F", at)
		if want := (store.SKURenameResult{Items: 2, Products: 1, Inventory: 1, Dropped: 4}); res != want {
			t.Errorf("renaming one of two products sharing D = %+v, want %+v", res, want)
		}
		if st := readSKUState(t, s2, conn2); len(st.Forecast) != 0 || st.Products[2] != "D" || st.Items[20] != "D" {
			t.Errorf("after renaming one of two products sharing a code: %+v", st)
		}
	})
}
