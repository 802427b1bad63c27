package plan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"
	"time"
)

// qty draws a quantity: mostly ordinary, sometimes zero, tiny or large.
func qty(r *rand.Rand) float64 {
	switch r.IntN(10) {
	case 0:
		return 0
	case 1:
		return []float64{1e-9, 0.5, 1e6, 1e9}[r.IntN(4)]
	}
	return math.Round(r.ExpFloat64()*40*100) / 100
}

// randomNet draws a connection's products: BoMs that only point to products drawn later (a DAG, shuffled so the
// input order says nothing), open orders adding up to at most the backlog, supply around today, orderpoints,
// suppliers, lead times.
func randomNet(r *rand.Rand, n int, cur Month, today time.Time, horizon int) []NetInput {
	inputs := make([]NetInput, n)
	for i := range inputs {
		in := &inputs[i]
		in.SKU = fmt.Sprintf("S%02d", i)
		in.ProductType = []string{"storable", "storable", "consumable", "", "service"}[r.IntN(5)]
		in.Active = r.IntN(6) != 0
		in.HasSales = r.IntN(3) != 0
		in.HasInventory = r.IntN(5) != 0
		in.OnHand = qty(r) - float64(r.IntN(3)/2)*qty(r)
		mo := cur.Add(r.IntN(4) - 3)
		for range r.IntN(horizon + 4) {
			mo = mo.Add(1 + r.IntN(3)/2)
			q := qty(r)
			in.Forecast = append(in.Forecast, ForecastPoint{Month: mo, Quantity: q, Upper95: q * (0.9 + r.Float64())})
		}
		in.Backlog = qty(r)
		left := in.Backlog
		for range r.IntN(4) {
			q := left * r.Float64()
			left -= q
			in.OpenOrders = append(in.OpenOrders, MonthQuantity{Month: cur.Add(r.IntN(horizon+3) - 2), Quantity: q})
		}
		if r.IntN(3) == 0 {
			in.ShippedThisMonth = qty(r)
		}
		receipts := func() []Receipt {
			var out []Receipt
			for range r.IntN(3) {
				out = append(out, Receipt{Quantity: qty(r), Date: today.AddDate(0, 0, r.IntN(31*(horizon+1))-60)})
			}
			return out
		}
		in.Production, in.Purchases = receipts(), receipts()
		in.Manufacture = r.IntN(4) == 0
		in.ManufactureDays = r.IntN(4) * r.IntN(40)
		if r.IntN(2) == 0 {
			in.Supplier = &Supplier{DelayDays: r.IntN(3) * r.IntN(50), MinQty: float64(r.IntN(3)) * qty(r)}
		}
		if r.IntN(2) == 0 {
			in.Orderpoint = &Orderpoint{Min: qty(r) - float64(r.IntN(4)/3)*10, Max: qty(r), Multiple: []float64{0, 1, 12, 0.25, 7.5, 100}[r.IntN(6)]}
		}
		for range r.IntN(4) * r.IntN(2) {
			if i+1 < n {
				in.Components = append(in.Components, Component{SKU: fmt.Sprintf("S%02d", i+1+r.IntN(n-i-1)), PerUnit: []float64{0, 1, 2, 0.5, 3.25}[r.IntN(5)]})
			}
		}
	}
	r.Shuffle(n, func(i, j int) { inputs[i], inputs[j] = inputs[j], inputs[i] })
	return inputs
}

// TestNetProperties plans random connections and checks, from the inputs and independently of the code, every
// documented relation: demand, supply, the stock carried from month to month, the net requirement, lot sizes,
// orderpoints, release dates, component demand, low-level codes and priorities.
func TestNetProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(16, 2026))
	for iter := range 400 {
		cur := m(2025+r.IntN(3), time.Month(1+r.IntN(12)))
		today := cur.First().AddDate(0, 0, r.IntN(28))
		horizon := 1 + r.IntN(14)
		inputs := randomNet(r, 1+r.IntN(25), cur, today, horizon)
		cfg := Config{ServiceLevel: []float64{0.5, 0.95, 0.99}[r.IntN(3)], MediaCoverage: []float64{0, 1, 1.5}[r.IntN(3)]}
		media := cfg.WithDefaults().MediaCoverage
		rows, err := ComputeNet(inputs, NetParams{Today: today, Horizon: horizon}, cfg)
		if err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
		}
		fail := func(row NetRow, format string, args ...any) {
			t.Helper()
			t.Fatalf("iteration %d, %s %s: %s\n%+v", iter, row.SKU, row.Month, fmt.Sprintf(format, args...), row)
		}
		// Order: by priority; within one, the late releases first, earliest release first; then as Compute.
		for i := 1; i < len(rows); i++ {
			a, b := rows[i-1], rows[i]
			al, bl := slices.Contains(a.Flags, FlagLateRelease), slices.Contains(b.Flags, FlagLateRelease)
			ra, rb := priorityRank(a.Priority), priorityRank(b.Priority)
			switch {
			case ra != rb:
				if ra > rb {
					t.Fatalf("iteration %d: %s before %s at %d", iter, a.Priority, b.Priority, i)
				}
			case al != bl:
				if bl {
					t.Fatalf("iteration %d: a late release after a row that is not late at %d", iter, i)
				}
			case al && !a.ReleaseDate.Equal(b.ReleaseDate):
				if a.ReleaseDate.After(b.ReleaseDate) {
					t.Fatalf("iteration %d: late release of %v before one of %v at %d", iter, a.ReleaseDate, b.ReleaseDate, i)
				}
			case compareRows(a.Row, b.Row) > 0:
				t.Fatalf("iteration %d: rows out of order at %d", iter, i)
			}
		}
		bySKU := map[string][]NetRow{}
		for _, row := range rows {
			bySKU[row.SKU] = append(bySKU[row.SKU], row)
		}
		index := map[string]int{}
		for i, in := range inputs {
			index[in.SKU] = i
		}
		levels := independentLevels(inputs, index)
		// Component demand rebuilt from the parents' rows: planned quantity x BoM quantity, in the release month.
		wantComp := map[string][]float64{}
		for _, in := range inputs {
			wantComp[in.SKU] = make([]float64, horizon)
		}
		for _, in := range inputs {
			list := bySKU[in.SKU]
			if len(list) == 0 || len(in.Components) == 0 {
				continue
			}
			for _, row := range list {
				if row.PlannedQuantity > 0 {
					k := max(0, MonthOf(row.ReleaseDate).Sub(cur))
					for _, c := range in.Components {
						wantComp[c.SKU][k] += row.PlannedQuantity * c.PerUnit
					}
				}
			}
		}

		for _, in := range inputs {
			list := bySKU[in.SKU]
			slices.SortFunc(list, func(a, b NetRow) int { return a.Month.Sub(b.Month) })
			ex, _ := Excluded(in.SKUInput)
			switch {
			case in.ProductType == "service" && len(list) > 0:
				t.Fatalf("iteration %d: service %s planned", iter, in.SKU)
			case !ex && len(list) != horizon:
				t.Fatalf("iteration %d: %s has %d rows, want one per month of the horizon (%d)", iter, in.SKU, len(list), horizon)
			case len(list) == 0:
				continue
			}
			inv := 0.0
			if in.HasInventory {
				inv = in.OnHand
			}
			orders := make([]float64, horizon)
			dated := 0.0
			for _, o := range in.OpenOrders {
				if k := o.Month.Sub(cur); k >= 0 && k < horizon {
					orders[k] += o.Quantity
					dated += o.Quantity
				}
			}
			reserved := max(0, in.Backlog-dated)
			if !near(list[0].ProjectedOpening, inv-reserved) {
				fail(list[0], "opening %v, want on hand %v less the backlog not due in the plan's months %v", list[0].ProjectedOpening, inv, reserved)
			}
			var supplyIn, supplyWant, demandSum, unconsumed float64
			lateSupply := false
			end := cur.Add(horizon).First()
			for _, rc := range slices.Concat(in.Production, in.Purchases) {
				y, mo, d := rc.Date.Date()
				day := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
				if day.Before(end) {
					supplyWant += rc.Quantity
				}
				lateSupply = lateSupply || day.Before(today) && rc.Quantity > 0
			}
			flow := math.Abs(inv) + in.Backlog + 1 // every quantity that went through the stock up to the month
			for k, row := range list {
				vals := []float64{row.Forecast, row.ProjectedOpening, row.Recommended, row.PlannedQuantity, row.Demand,
					row.ComponentDemand, row.IncomingProduction, row.IncomingPurchase, row.SafetyStock}
				for _, v := range vals {
					if !finite(v) {
						fail(row, "non-finite value")
					}
				}
				if row.Month != cur.Add(k) {
					fail(row, "month %s, want %s", row.Month, cur.Add(k))
				}
				f := 0.0
				for _, p := range in.Forecast {
					if p.Month == row.Month {
						f = max(0, p.Quantity)
					}
				}
				fLeft := f
				if k == 0 {
					fLeft -= in.ShippedThisMonth
				}
				if row.Forecast != f || row.OpenOrders != orders[k] || row.Demand != max(fLeft, orders[k]) {
					fail(row, "forecast %v, orders %v, demand %v; want %v, %v, max(%v, orders)", row.Forecast, row.OpenOrders, row.Demand, f, orders[k], fLeft)
				}
				demandSum += row.Demand
				unconsumed += max(0, fLeft-orders[k])
				supplyIn += row.IncomingProduction + row.IncomingPurchase
				if !near(row.ComponentDemand, wantComp[in.SKU][k]) {
					fail(row, "component demand %v, want the parents' planned x BoM quantities %v", row.ComponentDemand, wantComp[in.SKU][k])
				}
				total := row.Demand + row.ComponentDemand
				avail := row.ProjectedOpening + (row.IncomingProduction + row.IncomingPurchase)
				if want := max(0, max(total+row.SafetyStock, media*total)-avail); row.Recommended != want {
					fail(row, "net requirement %v, want %v", row.Recommended, want)
				}
				if k > 0 {
					prev := list[k-1]
					if row.ProjectedOpening != prev.Closing() {
						fail(row, "opening %v, want the previous month's closing %v", row.ProjectedOpening, prev.Closing())
					}
					// Sums of large and small quantities round: the tolerances below are relative to what went
					// through the stock so far, not to the (possibly tiny) result.
					flow += prev.IncomingProduction + prev.IncomingPurchase + prev.PlannedQuantity + prev.Demand + prev.ComponentDemand
				}
				// Lot sizes: at least the requirement; a multiple of the orderpoint's multiple; at least the
				// supplier's minimum when bought.
				p := row.PlannedQuantity
				tol := 1e-11 * (flow + math.Abs(avail) + row.IncomingProduction + row.IncomingPurchase + total + p)
				if p < 0 || p > 0 && p < row.Recommended-tol {
					fail(row, "planned %v below the requirement %v", p, row.Recommended)
				}
				action := ActionBuy
				if in.Manufacture || len(in.Components) > 0 {
					action = ActionProduce
				}
				if row.Action != action {
					fail(row, "action %s, want %s", row.Action, action)
				}
				if p > 0 {
					if op := in.Orderpoint; op != nil && op.Multiple > 0 {
						if q := p / op.Multiple; math.Abs(q-math.Round(q)) > 1e-9*max(1, q) || math.Round(q) < 1 {
							fail(row, "planned %v is not a multiple of %v", p, op.Multiple)
						}
					}
					if action == ActionBuy && in.Supplier != nil && p < in.Supplier.MinQty {
						fail(row, "planned %v below the supplier's minimum %v", p, in.Supplier.MinQty)
					}
				}
				if op := in.Orderpoint; op != nil {
					if row.Closing() < op.Min-tol {
						fail(row, "closing %v below the orderpoint's minimum %v", row.Closing(), op.Min)
					}
					if p > 0 && row.Closing() < max(op.Min, op.Max)-tol {
						fail(row, "ordered, yet closing %v below the orderpoint's level %v", row.Closing(), max(op.Min, op.Max))
					}
				} else if p > 0 && (in.Supplier == nil || action == ActionProduce) && math.Abs(row.Closing()-max(row.SafetyStock, (media-1)*total)) > tol {
					fail(row, "closing %v, want exactly the safety stock or margin %v", row.Closing(), max(row.SafetyStock, (media-1)*total))
				}
				// Release dates and flags.
				lead := in.ManufactureDays
				if action == ActionBuy {
					lead = 0
					if in.Supplier != nil {
						lead = in.Supplier.DelayDays
					}
				}
				switch {
				case p > 0 && !row.ReleaseDate.Equal(row.Month.First().AddDate(0, 0, -lead)):
					fail(row, "released %s with a lead time of %d days", row.ReleaseDate, lead)
				case !(p > 0) && !row.ReleaseDate.IsZero():
					fail(row, "nothing planned, released %s", row.ReleaseDate)
				}
				if late := slices.Contains(row.Flags, FlagLateRelease); late != (p > 0 && row.ReleaseDate.Before(today)) {
					fail(row, "late_release %v", late)
				}
				if late := slices.Contains(row.Flags, FlagLateSupply); late != (k == 0 && lateSupply) {
					fail(row, "late_supply %v, want %v", late, k == 0 && lateSupply)
				}
				if (row.Priority != Baja) != (p > 0) {
					fail(row, "priority %s with planned %v", row.Priority, p)
				}
				if slices.Contains(row.Flags, FlagSurplus) && row.Priority != Baja {
					fail(row, "surplus and %s", row.Priority)
				}
				if row.Priority == Alta && !(avail < 0.5*total || avail < 0) {
					fail(row, "ALTA with %v available for %v", avail, total)
				}
				if row.Level != levels[index[in.SKU]] {
					fail(row, "level %d, want %d", row.Level, levels[index[in.SKU]])
				}
				if row.ProductionNeeded != row.Forecast-row.Inventory {
					fail(row, "production_needed is not forecast - inventory")
				}
			}
			// No unit of demand counted twice: what leaves the stock over the plan is the backlog, once, and the
			// forecast its orders did not consume.
			if out := reserved + demandSum; !near(out, in.Backlog+unconsumed) {
				t.Fatalf("iteration %d, %s: demand %v + backlog taken from the stock %v = %v; want the backlog %v + the unconsumed forecast %v",
					iter, in.SKU, demandSum, reserved, out, in.Backlog, unconsumed)
			}
			if !near(supplyIn, supplyWant) {
				t.Fatalf("iteration %d, %s: %v supply counted, want every open receipt before the horizon's end, %v", iter, in.SKU, supplyIn, supplyWant)
			}
		}

		// The rows of some months are those months' rows of the whole plan.
		var months []Month
		for k := range horizon {
			if r.IntN(3) == 0 {
				months = append(months, cur.Add(k))
			}
		}
		if len(months) > 0 {
			some, err := ComputeNet(inputs, NetParams{Today: today, Horizon: horizon, Months: months}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var want []NetRow
			for _, row := range rows {
				if slices.Contains(months, row.Month) {
					want = append(want, row)
				}
			}
			if !slices.EqualFunc(some, want, sameNetRow) {
				t.Fatalf("iteration %d: the rows of %v differ from the whole plan's", iter, months)
			}
		}
	}
}

func sameNetRow(a, b NetRow) bool {
	return a.SKU == b.SKU && a.Month == b.Month && a.ProjectedOpening == b.ProjectedOpening && a.PlannedQuantity == b.PlannedQuantity &&
		a.ComponentDemand == b.ComponentDemand && a.Priority == b.Priority && slices.Equal(a.Flags, b.Flags) &&
		a.ReleaseDate.Equal(b.ReleaseDate) && eqPtr(a.CoverageMonths, b.CoverageMonths) && eqPtr(a.StockoutMonth, b.StockoutMonth)
}

func eqPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// independentLevels computes low-level codes by their definition, recursively over the parents (the inputs are
// acyclic): 0 without a parent, else one more than the deepest parent.
func independentLevels(inputs []NetInput, index map[string]int) []int {
	parents := make([][]int, len(inputs))
	for i, in := range inputs {
		for _, c := range in.Components {
			if c.PerUnit > 0 {
				parents[index[c.SKU]] = append(parents[index[c.SKU]], i)
			}
		}
	}
	level := make([]int, len(inputs))
	done := make([]bool, len(inputs))
	var of func(int) int
	of = func(i int) int {
		if !done[i] {
			for _, p := range parents[i] {
				level[i] = max(level[i], of(p)+1)
			}
			done[i] = true
		}
		return level[i]
	}
	for i := range inputs {
		of(i)
	}
	return level
}

var quoted = regexp.MustCompile(`"([^"]*)"`)

// TestNetCycleProperty adds to random acyclic BoMs a line that closes a loop, and checks that ComputeNet
// returns (it does not hang) an error whose products really form a cycle, each using the next.
func TestNetCycleProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 5))
	today := time.Date(2026, time.March, 10, 0, 0, 0, 0, time.UTC)
	for iter := 0; iter < 300; {
		inputs := randomNet(r, 2+r.IntN(20), MonthOf(today), today, 2)
		index := map[string]int{}
		for i, in := range inputs {
			index[in.SKU] = i
		}
		// Walk down from a product along BoM lines, then add a line from where the walk ends back to its start.
		start := r.IntN(len(inputs))
		at := start
		for steps := r.IntN(5); steps > 0 && len(inputs[at].Components) > 0; steps-- {
			c := inputs[at].Components[r.IntN(len(inputs[at].Components))]
			if c.PerUnit == 0 {
				break
			}
			at = index[c.SKU]
		}
		inputs[at].Components = append(inputs[at].Components, Component{SKU: inputs[start].SKU, PerUnit: 1})
		iter++
		_, err := ComputeNet(inputs, NetParams{Today: today, Horizon: 2}, Config{})
		if err == nil {
			t.Fatalf("iteration %d: no error for a BoM cycle", iter)
		}
		var names []string
		for _, m := range quoted.FindAllStringSubmatch(err.Error(), -1) {
			names = append(names, m[1])
		}
		if len(names) < 2 || names[0] != names[len(names)-1] {
			t.Fatalf("iteration %d: %v does not name a closed cycle", iter, err)
		}
		for k := 0; k+1 < len(names); k++ {
			uses := slices.ContainsFunc(inputs[index[names[k]]].Components, func(c Component) bool { return c.SKU == names[k+1] && c.PerUnit > 0 })
			if !uses {
				t.Fatalf("iteration %d: %v: %s does not use %s", iter, err, names[k], names[k+1])
			}
		}
	}
}

// TestNetMatchesCompute: with nothing but what Compute reads (no open orders by month, nothing shipped, no
// supply, no BoM, no orderpoint, no supplier) and a forecast from the current month on, the net plan of a range
// of months from the current one is Compute's plan, column for column; only late_release is new.
func TestNetMatchesCompute(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(21, 12))
	cur := m(2026, time.January)
	for iter := range 300 {
		var inputs []SKUInput
		var net []NetInput
		for i := range 1 + r.IntN(20) {
			in := randomInput(r, fmt.Sprintf("K%02d", i), cur)
			in.Forecast = slices.DeleteFunc(in.Forecast, func(p ForecastPoint) bool { return p.Month.Before(cur) })
			inputs = append(inputs, in)
			net = append(net, NetInput{SKUInput: in})
		}
		months, _ := MonthRange(cur, cur.Add(r.IntN(6)))
		cfg := Config{
			ServiceLevel:    []float64{0, 0.5, 0.999, 0.8}[r.IntN(4)],
			AltaCoverage:    []float64{0, 0.5, 1}[r.IntN(3)],
			CoverageHorizon: r.IntN(4),
		}
		cfg.MediaCoverage = cfg.WithDefaults().AltaCoverage * []float64{1, 1.5, 3}[r.IntN(3)]
		old, err := Compute(inputs, months, cfg)
		if err != nil {
			t.Fatal(err)
		}
		today := cur.First().AddDate(0, 0, r.IntN(28))
		got, err := ComputeNet(net, NetParams{Today: today, Horizon: 60, Months: months}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(old) {
			t.Fatalf("iteration %d: %d rows, Compute gives %d", iter, len(got), len(old))
		}
		// The order differs only by the late releases first within a priority.
		if !slices.IsSortedFunc(got, netOrder(today)) {
			t.Fatalf("iteration %d: rows not in netOrder", iter)
		}
		got = slices.Clone(got)
		slices.SortFunc(got, func(a, b NetRow) int { return compareRows(a.Row, b.Row) })
		for i, o := range old {
			g := got[i]
			flags := slices.DeleteFunc(slices.Clone(g.Flags), func(f string) bool { return f == FlagLateRelease })
			same := g.SKU == o.SKU && g.Month == o.Month && g.Forecast == o.Forecast && g.Inventory == o.Inventory &&
				g.ProductionNeeded == o.ProductionNeeded && g.SafetyStock == o.SafetyStock && g.Backlog == o.Backlog &&
				g.ProjectedOpening == o.ProjectedOpening && g.Recommended == o.Recommended && g.PlannedQuantity == o.Recommended &&
				eqPtr(g.CoverageMonths, o.CoverageMonths) && eqPtr(g.StockoutMonth, o.StockoutMonth) &&
				g.Priority == o.Priority && g.Reason == o.Reason && slices.Equal(flags, o.Flags)
			if !same {
				t.Fatalf("iteration %d, row %d:\nnet     %+v\nCompute %+v", iter, i, g, o)
			}
		}
	}
}

// FuzzComputeNet checks, on fuzzed quantities of a product made from a bought component, that ComputeNet either
// refuses the input or returns only finite numbers, multiples of the orderpoint's multiple.
// Run by hand: go test -fuzz FuzzComputeNet -fuzztime 1m ./internal/plan
func FuzzComputeNet(f *testing.F) {
	f.Add(30.0, 25.0, 20.0, 30.0, 60.0, 40.0, 120.0, 3.0, 10.0, 30.0, 25.0, 250.0, 10, 20)
	f.Add(-5.0, 0.0, 0.0, 0.0, 1e15, 1e15, 0.0, 1e15, -1e15, 0.0, 1e-9, 0.0, 0, 0)
	f.Fuzz(func(t *testing.T, onHand, backlog, orders, shipped, fc, mo, po, perUnit, opMin, opMax, opMult, minQty float64, lead, delay int) {
		today := time.Date(2026, time.January, 15, 0, 0, 0, 0, time.UTC)
		jan := MonthOf(today)
		inputs := []NetInput{
			{SKUInput: SKUInput{SKU: "P", Active: true, HasSales: true, HasInventory: true, OnHand: onHand, Backlog: backlog,
				Forecast: []ForecastPoint{fp(jan, fc, fc*1.3), fp(jan.Add(1), fc, fc*1.3)}},
				OpenOrders: []MonthQuantity{{jan, orders}}, ShippedThisMonth: shipped, ManufactureDays: lead,
				Production: []Receipt{{mo, today.AddDate(0, 0, 20)}}, Components: []Component{{"C", perUnit}}},
			{SKUInput: SKUInput{SKU: "C", Active: true, HasInventory: true, OnHand: onHand / 2},
				Purchases: []Receipt{{po, today.AddDate(0, 0, -3)}}, Supplier: &Supplier{DelayDays: delay, MinQty: minQty},
				Orderpoint: &Orderpoint{Min: opMin, Max: opMax, Multiple: opMult}},
		}
		rows, err := ComputeNet(inputs, NetParams{Today: today, Horizon: 2}, Config{})
		if err != nil {
			return
		}
		for _, r := range rows {
			for _, v := range []float64{r.ProjectedOpening, r.Recommended, r.PlannedQuantity, r.Demand, r.ComponentDemand, r.SafetyStock} {
				if !finite(v) {
					t.Fatalf("non-finite value in %+v", r)
				}
			}
			if r.SKU == "C" && r.PlannedQuantity > 0 && opMult > 0 {
				if q := r.PlannedQuantity / opMult; math.Abs(q-math.Round(q)) > 1e-9*max(1, q) {
					t.Fatalf("planned %v is not a multiple of %v", r.PlannedQuantity, opMult)
				}
			}
		}
	})
}
