package odootest

import (
	"reflect"
	"testing"
	"time"
)

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a, err := newServer(Options{Seed: 42, Data: smallData()})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newServer(Options{Seed: 42, Data: smallData()})
	c, _ := newServer(Options{Seed: 43, Data: smallData()})
	if !reflect.DeepEqual(a.Orders(), b.Orders()) || !reflect.DeepEqual(a.Lines(), b.Lines()) || !reflect.DeepEqual(a.Products(), b.Products()) || !reflect.DeepEqual(a.Quants(), b.Quants()) {
		t.Error("same seed, different data")
	}
	if reflect.DeepEqual(a.Lines(), c.Lines()) {
		t.Error("different seeds, same data")
	}
}

func TestGenerateContents(t *testing.T) {
	t.Parallel()
	s, err := newServer(Options{Seed: 3, Data: &GenerateOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	products := s.Products()
	patterns := map[string]int{}
	byID := map[int64]Product{}
	noCode, services, archived := 0, 0, 0
	for _, p := range products {
		patterns[p.Pattern]++
		byID[p.ID] = p
		if p.DefaultCode == "" {
			noCode++
		}
		if p.Type == "service" {
			services++
		}
		if !p.Active {
			archived++
			if p.Pattern != PatternDiscontinued {
				t.Errorf("archived product %d has pattern %s", p.ID, p.Pattern)
			}
		}
	}
	for _, p := range []string{PatternSmooth, PatternIntermittent, PatternLumpy, PatternNew, PatternDiscontinued, PatternService} {
		if patterns[p] == 0 {
			t.Errorf("no %s product", p)
		}
	}
	if noCode == 0 || services == 0 || archived == 0 {
		t.Errorf("noCode=%d services=%d archived=%d", noCode, services, archived)
	}

	orders := s.Orders()
	orderOf := map[int64]Order{}
	states := map[string]int{}
	companies := map[int64]int{}
	for _, o := range orders {
		orderOf[o.ID] = o
		states[o.State]++
		companies[o.CompanyID]++
		if !o.WriteDate.Before(now) || o.DateOrder.After(now) {
			t.Fatalf("order %d in the future: %v %v", o.ID, o.DateOrder, o.WriteDate)
		}
		if o.DateOrder.Nanosecond() != 0 {
			t.Fatalf("date_order with sub-seconds: %v", o.DateOrder)
		}
	}
	if states["draft"] == 0 || states["sent"] == 0 || states["cancel"] == 0 || states["sale"] == 0 || companies[2] == 0 {
		t.Errorf("states %v companies %v", states, companies)
	}
	if first := orders[0].DateOrder; now.Sub(first) < 2*365*24*time.Hour {
		t.Errorf("history starts %v: want ~3 years", first)
	}

	// demand per SKU and month: intermittent SKUs have many zero months, smooth ones few
	monthly := map[int64]map[string]float64{}
	sections, notes, perOrder := 0, 0, map[int64]int{}
	sharedWD := map[time.Time]int{}
	for _, l := range s.Lines() {
		sharedWD[l.WriteDate]++
		switch l.DisplayType {
		case "line_section":
			sections++
			if l.ProductID != 0 {
				t.Fatal("section line with product")
			}
			continue
		case "line_note":
			notes++
			continue
		}
		perOrder[l.OrderID]++
		o := orderOf[l.OrderID]
		if o.State != "sale" && o.State != "done" {
			continue
		}
		if monthly[l.ProductID] == nil {
			monthly[l.ProductID] = map[string]float64{}
		}
		monthly[l.ProductID][o.DateOrder.Format("2006-01")] += l.ProductUomQty
	}
	if sections == 0 || notes == 0 {
		t.Errorf("sections=%d notes=%d", sections, notes)
	}
	for id, n := range perOrder {
		if n < 1 || n > 8 {
			t.Fatalf("order %d has %d product lines", id, n)
		}
	}
	zeroShare := func(pattern string) float64 {
		var zero, total float64
		for _, p := range products {
			if p.Pattern != pattern {
				continue
			}
			total += 36
			zero += 36 - float64(len(monthly[p.ID]))
		}
		return zero / total
	}
	if z := zeroShare(PatternIntermittent); z < 0.5 {
		t.Errorf("intermittent SKUs have %.0f%% zero months", z*100)
	}
	if z := zeroShare(PatternSmooth); z > 0.35 {
		t.Errorf("smooth SKUs have %.0f%% zero months", z*100)
	}
	// the go-live import: many lines share one exact write_date
	biggest := 0
	for _, n := range sharedWD {
		biggest = max(biggest, n)
	}
	if biggest < 1000 {
		t.Errorf("largest shared write_date has %d lines: want the import batch", biggest)
	}
	// quants in internal and non-internal locations
	usage := map[int64]string{}
	for _, l := range s.Locations() {
		usage[l.ID] = l.Usage
	}
	kinds := map[string]int{}
	for _, q := range s.Quants() {
		kinds[usage[q.LocationID]]++
	}
	if kinds["internal"] == 0 || kinds["inventory"] == 0 {
		t.Errorf("quants by usage %v", kinds)
	}
}

// TestGenerateStampsBeforeClock: no generated record is written after the server's clock, or a client's first
// pass would see records from its future (and its cursor could never pass them honestly).
func TestGenerateStampsBeforeClock(t *testing.T) {
	t.Parallel()
	for _, data := range []*GenerateOptions{{}, {Years: 3, SKUs: 500, LinesPerMonth: 1900}} {
		s, err := newServer(Options{Seed: 3, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		now := s.Now()
		for name, tb := range map[string]*table{"res.partner": s.partners, "product.product": s.products,
			"sale.order": s.orders, "sale.order.line": s.lines, "stock.quant": s.quants} {
			for _, r := range tb.rows {
				if !r.recWD().Before(now) {
					t.Errorf("%+v: %s %d written at %v, not before the clock %v", *data, name, r.recID(), r.recWD(), now)
					break
				}
			}
		}
	}
}
