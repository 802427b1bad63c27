package odootest

import (
	"math"
	"testing"
	"time"
)

// netOf is what a done move did to the stock on hand (internal locations), in the product's unit.
func netOf(m StockMove, usage map[int64]string) float64 {
	if m.State != "done" {
		return 0
	}
	in, out := usage[m.LocationDestID] == "internal", usage[m.LocationID] == "internal"
	switch {
	case in && !out:
		return m.ProductQty
	case out && !in:
		return -m.ProductQty
	}
	return 0
}

// TestStockMovesAddUp: the done moves of every storable product add up to its quants in internal locations, every
// delivered confirmed line has its done delivery, lines not delivered yet have moves that are not done, and
// consumables move without a stock; with stock-outs, nothing leaves a product's stock while it is out, and its
// level is zero then.
func TestStockMovesAddUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"16", Options{Version: "16", Seed: 3, Data: &GenerateOptions{Years: 2, SKUs: 80, LinesPerMonth: 900, Customers: 30, StockOuts: 3}}},
		{"18", Options{Version: "18", Seed: 4, Data: &GenerateOptions{Years: 2, SKUs: 80, LinesPerMonth: 900, Customers: 30, StockOuts: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, tc.opts)
			outs := s.StockOuts()
			// live business after the history: deliveries and stock counts move the stock with moves too
			if st, err := s.SimulateActivity(300, time.Minute); err != nil || st.Delivered == 0 {
				t.Fatalf("activity: %+v, %v", st, err)
			}
			counted := products0(s)
			if err := s.Batch(func(tx *Tx) error { return tx.SetQuantity(counted, 8, 1234) }); err != nil {
				t.Fatal(err)
			}
			usage := map[int64]string{}
			for _, l := range s.Locations() {
				usage[l.ID] = l.Usage
			}
			onHand := map[int64]float64{}
			for _, q := range s.Quants() {
				if usage[q.LocationID] == "internal" {
					onHand[q.ProductID] += q.Quantity
				}
			}
			products := map[int64]Product{}
			for _, p := range s.Products() {
				products[p.ID] = p
			}
			moves := s.StockMoves()
			net := map[int64]float64{}
			delivered := map[int64]float64{}
			var notDone, consumable, dozens int
			for _, m := range moves {
				if m.WriteDate.Truncate(time.Second).After(s.Now()) || m.Date.After(s.Now()) && m.State == "done" {
					t.Errorf("move %d written %v, done %v: after the clock %v", m.ID, m.WriteDate, m.Date, s.Now())
				}
				if m.State != "done" {
					notDone++
					continue
				}
				if !products[m.ProductID].IsStorable {
					consumable++
				}
				if m.UoMID != products[m.ProductID].UoMID {
					dozens++
					if m.ProductQty != 12*m.Quantity {
						t.Errorf("move %d: %v dozens are %v units", m.ID, m.Quantity, m.ProductQty)
					}
				}
				net[m.ProductID] += netOf(m, usage)
				if m.SaleLineID != 0 {
					delivered[m.SaleLineID] += m.ProductQty
				}
			}
			for id, p := range products {
				if p.IsStorable && math.Abs(net[id]-onHand[id]) > 1e-9 {
					t.Errorf("product %d: moves add up to %v, quants to %v", id, net[id], onHand[id])
				}
			}
			orders := map[int64]Order{}
			for _, o := range s.Orders() {
				orders[o.ID] = o
			}
			for _, l := range s.Lines() {
				o := orders[l.OrderID]
				if l.ProductID == 0 || products[l.ProductID].Type == "service" || o.State != "sale" && o.State != "done" {
					continue
				}
				if math.Abs(delivered[l.ID]-l.QtyDelivered) > 1e-9 {
					t.Errorf("line %d delivered %v, its done moves %v", l.ID, l.QtyDelivered, delivered[l.ID])
				}
			}
			if notDone == 0 || consumable == 0 && tc.name == "16" || dozens == 0 {
				t.Errorf("%d moves not done, %d of consumables, %d in dozens: want some of each", notDone, consumable, dozens)
			}
			if len(outs) == 0 {
				t.Fatal("no stock-out generated")
			}
			for _, so := range outs {
				if so.To.IsZero() || so.To.Sub(so.From) < 39*24*time.Hour {
					t.Errorf("stock-out %+v: want one that ended after 40 days or more", so)
				}
				// the level from the moves, going back from the quants
				level := onHand[so.ProductID]
				for _, m := range moves {
					if m.ProductID == so.ProductID && m.Date.After(so.From) {
						level -= netOf(m, usage)
					}
					if m.ProductID == so.ProductID && m.State == "done" && m.Date.After(so.From) && m.Date.Before(so.To) {
						t.Errorf("stock-out %+v: move %d (%s, %v) while out of stock", so, m.ID, m.Reference(), m.ProductQty)
					}
				}
				if math.Abs(level) > 1e-9 {
					t.Errorf("stock-out %+v: level %v just after it began, want 0", so, level)
				}
			}
		})
	}
}

// products0 is the first storable product.
func products0(s *Server) int64 {
	for _, p := range s.Products() {
		if p.IsStorable {
			return p.ID
		}
	}
	return 0
}

// TestStockMoveFields: the done quantity is quantity_done up to 16 and quantity (with picked) from 17; a domain
// through the product selects storable products on both vocabularies.
func TestStockMoveFields(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"16", "17", "19"} {
		s := Start(t, Options{Version: v, Seed: 5, Data: smallData()})
		f := ok(t, kw(t, s, "stock.move", "fields_get", nil, map[string]any{"attributes": []any{"type"}})).(map[string]any)
		_, done16 := f["quantity_done"]
		_, done17 := f["quantity"]
		_, picked := f["picked"]
		if done16 != (v == "16") || done17 == (v == "16") || picked == (v == "16") {
			t.Errorf("%s: quantity_done %v, quantity %v, picked %v", v, done16, done17, picked)
		}
		storable := []any{"product_id.type", "=", "product"}
		if v == "19" {
			storable = []any{"product_id.is_storable", "=", true}
		}
		got := rows(t, ok(t, kw(t, s, "stock.move", "search_read", []any{[]any{[]any{"state", "=", "done"}, storable}},
			map[string]any{"fields": []any{"product_id", "state"}})))
		want := 0
		products := map[int64]Product{}
		for _, p := range s.Products() {
			products[p.ID] = p
		}
		for _, m := range s.StockMoves() {
			if m.State == "done" && products[m.ProductID].IsStorable && m.CompanyID == 1 {
				want++
			}
		}
		if len(got) != want || want == 0 {
			t.Errorf("%s: %d done moves of storable products in company 1, want %d", v, len(got), want)
		}
	}
}

// TestStockMovesWithoutStock: a sales-only database has no stock.move.
func TestStockMovesWithoutStock(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 5, Modules: []string{ModuleSale}, Data: smallData()})
	if env := kw(t, s, "stock.move", "search_count", []any{[]any{}}, nil); env["error"] == nil {
		t.Errorf("stock.move answered without the stock app: %v", env)
	}
	if n := len(s.StockMoves()); n != 0 {
		t.Errorf("%d stock moves without the stock app", n)
	}
}
