package plan

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Actions of a planned quantity.
const (
	ActionProduce = "produce" // a manufacturing order: the product has a manufacture route or a BoM
	ActionBuy     = "buy"     // a purchase order: every other product
)

// Flags of the net plan, besides those of Compute.
const (
	// FlagLateSupply: an open manufacturing or purchase order of the product was planned to finish or arrive
	// before today and is still open; its remaining quantity counts in the current month.
	FlagLateSupply = "late_supply"
	// FlagLateRelease: the planned quantity should have been released (ordered, or its production started)
	// before today: its release date, the first day of the month minus the lead time, is past.
	FlagLateRelease = "late_release"
	// FlagOverride: the month's forecast is a planner's override, not the statistical forecast (the engine sets
	// it: the plan itself only sees a forecast).
	FlagOverride = "override"
)

// AllFlags is every flag a row of Compute or ComputeNet may carry, for those who explain them (the dashboard's
// legend): a new flag added here is explained there, or its test fails.
var AllFlags = []string{FlagNoInventoryRecord, FlagNegativeInventory, FlagNoForecast, FlagMonthOutsideForecast,
	FlagNoInterval, FlagSurplus, FlagArchived, FlagLateSupply, FlagLateRelease, FlagOverride}

// MaxHorizon bounds the months of a net plan (the forecast horizon is at most 120 months).
const MaxHorizon = 1200

// maxLeadDays bounds lead times: ten years is already beyond any plan.
const maxLeadDays = 3660

// MonthQuantity is a quantity falling in a month.
type MonthQuantity struct {
	Month    Month
	Quantity float64
}

// Receipt is open supply of a product: the remaining quantity of a manufacturing order (to produce minus
// produced) or of a purchase order line (ordered minus received), and the date it is planned to finish or arrive.
type Receipt struct {
	Quantity float64   // remaining quantity, >= 0
	Date     time.Time // planned finish (MO) or planned arrival (PO line); its calendar date in its own location counts
}

// Orderpoint is an Odoo reordering rule (stock.warehouse.orderpoint) of a product.
type Orderpoint struct {
	Min      float64 // product_min_qty: when projected stock would fall below it, order
	Max      float64 // product_max_qty: order up to this level (up to Min when Max is below it, as Odoo does)
	Multiple float64 // qty_multiple: planned quantities are multiples of it; 0 for none
}

// Supplier is the main supplier of a bought product (product.supplierinfo).
type Supplier struct {
	DelayDays int     // delivery lead time in days
	MinQty    float64 // the least quantity it sells; a planned purchase is at least this
}

// NetInput is everything the net plan needs about one product of one connection: what Compute needs, and the
// supply already on its way, how the product is replenished and what it is made of.
type NetInput struct {
	SKUInput
	// OpenOrders is the backlog by due month: the undelivered quantity of open order lines, by the month they
	// are due (the engine: the order's commitment date, else its order date). Orders due in a month of the plan consume that month's
	// forecast. Optional: without it, the whole backlog is taken from today's stock, as Compute does. The
	// quantities due within the plan's months add up to at most Backlog.
	OpenOrders []MonthQuantity
	// ShippedThisMonth is what was delivered of the orders placed in the current month (whenever they are due):
	// part of the current month's forecast, which counts sales by order date, that is no longer to come.
	ShippedThisMonth float64
	Production       []Receipt // open manufacturing orders (confirmed or in progress, not draft, done or cancelled)
	Purchases        []Receipt // open lines of confirmed purchase orders
	// Manufacture: the product has a manufacture route. With it or a BoM the product is produced, else bought.
	Manufacture     bool
	ManufactureDays int         // manufacturing lead time (produce_delay), in whole days
	Supplier        *Supplier   // nil: bought with no lead time and no minimum quantity
	Orderpoint      *Orderpoint // nil: no reordering rule
	// Components is the product's bill of materials (the first BoM of the product, as Odoo picks it), with the
	// phantom kits among its lines already replaced by their own lines: the caller explodes kits.
	Components []Component
}

// NetParams are the dates of a net plan.
type NetParams struct {
	// Today is the planning date: its calendar date in its own location (the business's time zone) decides
	// what supply is late and what release is late; its month is the first month of the plan.
	Today time.Time
	// Horizon is the number of months planned from Today's month (1 to MaxHorizon): every product is planned
	// over all of them, since a parent planned in a later month adds demand for its components in earlier ones.
	Horizon int
	// Months are the months whose rows are returned, within the horizon; none returns every month of it.
	Months []Month
}

// NetRow is the net plan of one product for one month: the columns of Row (Recommended is the net requirement)
// and those of the net plan. See the package documentation for each column.
type NetRow struct {
	Row
	Demand             float64   // max(forecast - shipped this month (current month only), open orders due in the month)
	OpenOrders         float64   // open orders due in the month, consuming its forecast
	ComponentDemand    float64   // the planned quantities of the product's parents released in the month, times their BoM quantities
	IncomingProduction float64   // remaining quantity of open manufacturing orders finishing in the month (late ones in the current month)
	IncomingPurchase   float64   // remaining quantity of open purchase order lines arriving in the month (late ones in the current month)
	PlannedQuantity    float64   // the net requirement rounded up to the lot sizes, or the orderpoint's order up to its maximum
	Action             string    // ActionProduce or ActionBuy
	LeadTimeDays       int       // manufacturing lead time (produce) or supplier delay (buy)
	ReleaseDate        time.Time // first day of the month minus the lead time (UTC date); zero when nothing is planned
	Level              int       // low-level code: 0 for a product no BoM uses, else one more than its deepest parent
}

// Closing returns the projected stock at the end of the row's month, planned quantity included: the next
// month's ProjectedOpening (added in the same order, so equal to the last bit).
func (r NetRow) Closing() float64 {
	return r.ProjectedOpening + (r.IncomingProduction + r.IncomingPurchase + r.PlannedQuantity - (r.Demand + r.ComponentDemand))
}

// ComputeNet plans net requirements: for every included product and month of the horizon, what is demanded
// (the forecast consumed by open orders, and what the parents' plans need), what is already coming (open
// manufacturing and purchase orders), what is missing after the safety stock, and what to make or buy and when,
// rounded to the lot sizes. Parents are planned before their components (low-level codes). It returns the rows
// of p.Months, sorted as Compute's but with the late releases first within each priority (netOrder). See
// the package documentation for every rule.
//
// Errors (the whole call fails): an invalid configuration or date, a month outside the horizon, a duplicate
// SKU, an unusable quantity (naming the SKU), a BoM naming a product missing from the input, a BoM cycle
// (naming the products).
func ComputeNet(inputs []NetInput, p NetParams, cfg Config) ([]NetRow, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if p.Today.IsZero() {
		return nil, errors.New("plan: no planning date")
	}
	cur := MonthOf(p.Today)
	if p.Horizon < 1 || p.Horizon > MaxHorizon {
		return nil, fmt.Errorf("plan: horizon of %d months: want 1 to %d", p.Horizon, MaxHorizon)
	}
	if !cur.Valid() || !cur.Add(p.Horizon-1).Valid() {
		return nil, fmt.Errorf("plan: planning date %s and horizon %d months leave the calendar", p.Today.Format(time.DateOnly), p.Horizon)
	}
	keep := make([]bool, p.Horizon)
	if len(p.Months) == 0 {
		for k := range keep {
			keep[k] = true
		}
	}
	for _, m := range p.Months {
		if !m.Valid() {
			return nil, fmt.Errorf("plan: invalid target month %d-%d", m.Year, int(m.Month))
		}
		if err := CheckTarget(m, cur, p.Horizon); err != nil {
			return nil, err
		}
		keep[m.Sub(cur)] = true
	}

	index := make(map[string]int, len(inputs))
	for i := range inputs {
		in := &inputs[i]
		if _, dup := index[in.SKU]; dup {
			return nil, fmt.Errorf("plan: SKU %q appears twice in the input", in.SKU)
		}
		index[in.SKU] = i
		if err := checkInput(&in.SKUInput); err != nil {
			return nil, err
		}
		if err := checkNet(in); err != nil {
			return nil, err
		}
	}
	edges, err := bomEdges(inputs, index)
	if err != nil {
		return nil, err
	}
	order, level, err := lowLevelCodes(edges, func(i int) string { return inputs[i].SKU })
	if err != nil {
		return nil, err
	}

	y, mo, d := p.Today.Date()
	kept := 0
	for _, k := range keep {
		if k {
			kept++
		}
	}
	n := len(inputs) * kept
	b := netBuilder{
		cfg: cfg, z: distuv.UnitNormal.Quantile(cfg.ServiceLevel),
		cur: cur, today: time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), horizon: p.Horizon, keep: keep,
		inputs: inputs, edges: edges, level: level,
		used:     make([]bool, len(inputs)),
		compDem:  make([]float64, len(inputs)*p.Horizon),
		rows:     make([]NetRow, 0, n),
		flags:    make([]string, 0, 2*n),
		coverage: make([]float64, n),
		stockout: make([]Month, n),
		w:        newWork(p.Horizon),
	}
	for _, i := range order {
		if err := b.sku(i); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(b.rows, netOrder(b.today))
	return b.rows, nil
}

// netOrder orders net rows as Compute's (priority, then the largest production_needed), except that within a
// priority the late releases come first, the most overdue (earliest release date) first: what the planner must
// act on first. Nearly every current-month row with a lead time is late, so the flag alone does not rank them;
// how late does. A row is late as row() flags it (planned, released before today), tested without searching
// its flags: the sort is half of a large plan's time.
func netOrder(today time.Time) func(a, b NetRow) int {
	late := func(r *NetRow) bool { return r.PlannedQuantity > 0 && r.ReleaseDate.Before(today) }
	return func(a, b NetRow) int {
		if c := cmp.Compare(priorityRank(a.Priority), priorityRank(b.Priority)); c != 0 {
			return c
		}
		al, bl := late(&a), late(&b)
		switch {
		case al && !bl:
			return -1
		case bl && !al:
			return 1
		case al:
			if c := a.ReleaseDate.Compare(b.ReleaseDate); c != 0 {
				return c
			}
		}
		return compareRows(a.Row, b.Row)
	}
}

// NetAction returns how a product is replenished: produced when it has a manufacture route or a BoM, else bought.
func NetAction(in *NetInput) string {
	if in.Manufacture || len(in.Components) > 0 {
		return ActionProduce
	}
	return ActionBuy
}

// leadDays is the lead time of the product's action: its manufacturing lead time, or its supplier's delay.
func leadDays(in *NetInput, action string) int {
	if action == ActionProduce {
		return in.ManufactureDays
	}
	if in.Supplier != nil {
		return in.Supplier.DelayDays
	}
	return 0
}

func checkNet(in *NetInput) error {
	for _, o := range in.OpenOrders {
		if !o.Month.Valid() {
			return fmt.Errorf("plan: SKU %q: invalid open-order month %d-%d", in.SKU, o.Month.Year, int(o.Month.Month))
		}
		if !usable(o.Quantity) || o.Quantity < 0 {
			return fmt.Errorf("plan: SKU %q: open orders due %s: quantity %g is not usable (want a finite number from 0 to %g)", in.SKU, o.Month, o.Quantity, MaxQuantity)
		}
	}
	if !usable(in.ShippedThisMonth) || in.ShippedThisMonth < 0 {
		return fmt.Errorf("plan: SKU %q: shipped this month %g is not usable (want a finite number from 0 to %g)", in.SKU, in.ShippedThisMonth, MaxQuantity)
	}
	for _, rs := range []struct {
		what string
		list []Receipt
	}{{"manufacturing order", in.Production}, {"purchase order line", in.Purchases}} {
		for _, r := range rs.list {
			if !usable(r.Quantity) || r.Quantity < 0 {
				return fmt.Errorf("plan: SKU %q: %s remaining quantity %g is not usable (want a finite number from 0 to %g)", in.SKU, rs.what, r.Quantity, MaxQuantity)
			}
			if r.Date.IsZero() {
				return fmt.Errorf("plan: SKU %q: %s of %g has no planned date", in.SKU, rs.what, r.Quantity)
			}
		}
	}
	if in.ManufactureDays < 0 || in.ManufactureDays > maxLeadDays {
		return fmt.Errorf("plan: SKU %q: manufacturing lead time %d days: want 0 to %d", in.SKU, in.ManufactureDays, maxLeadDays)
	}
	if s := in.Supplier; s != nil {
		if s.DelayDays < 0 || s.DelayDays > maxLeadDays {
			return fmt.Errorf("plan: SKU %q: supplier delay %d days: want 0 to %d", in.SKU, s.DelayDays, maxLeadDays)
		}
		if !usable(s.MinQty) || s.MinQty < 0 {
			return fmt.Errorf("plan: SKU %q: supplier minimum quantity %g is not usable (want a finite number from 0 to %g)", in.SKU, s.MinQty, MaxQuantity)
		}
	}
	if op := in.Orderpoint; op != nil {
		if !usable(op.Min) || !usable(op.Max) {
			return fmt.Errorf("plan: SKU %q: orderpoint minimum %g or maximum %g is not usable (want finite numbers within ±%g)", in.SKU, op.Min, op.Max, MaxQuantity)
		}
		if !usable(op.Multiple) || op.Multiple < 0 {
			return fmt.Errorf("plan: SKU %q: orderpoint multiple %g: want 0 (none) or a positive number up to %g", in.SKU, op.Multiple, MaxQuantity)
		}
	}
	return nil
}

// netWork holds one product's per-month working values, reused from product to product.
type netWork struct {
	nums                                           []float64 // backing array of the float columns, cleared at once
	bools                                          []bool
	forecast, safety, orders, prod, purch, planned []float64
	inForecast, noInterval                         []bool
}

func newWork(h int) *netWork {
	w := &netWork{nums: make([]float64, 6*h), bools: make([]bool, 2*h)}
	col := func(c int) []float64 { return w.nums[c*h : (c+1)*h : (c+1)*h] }
	w.forecast, w.safety, w.orders, w.prod, w.purch, w.planned = col(0), col(1), col(2), col(3), col(4), col(5)
	w.inForecast, w.noInterval = w.bools[:h:h], w.bools[h:]
	return w
}

func (w *netWork) reset() {
	clear(w.nums)
	clear(w.bools)
}

// netSKU is what the rows of one product share.
type netSKU struct {
	in         *NetInput
	i          int
	action     string
	lead       int
	inv        float64
	immediate  bool // stock already short today
	out        int  // month index of the first stock-out with nothing planned; -1 for none
	lateSupply bool
}

// netMonth is one month's figures of a product.
type netMonth struct {
	k                                 int
	t                                 Month
	forecast, safety, demand, total   float64 // total: demand + component demand
	opening, supply, avail, net, plan float64
	release                           time.Time
}

type netBuilder struct {
	cfg      Config
	z        float64
	cur      Month
	today    time.Time // the planning date at midnight UTC
	horizon  int
	keep     []bool // months whose rows are returned
	inputs   []NetInput
	edges    [][]edge
	level    []int
	used     []bool    // the product is a component of an included parent
	compDem  []float64 // component demand by product and month, filled by the parents before the product is planned
	rows     []NetRow
	flags    []string
	coverage []float64
	stockout []Month
	w        *netWork
}

// netExcluded: services and combos are never planned; an archived product only when it still sells or an
// included parent's BoM uses it.
func (b *netBuilder) netExcluded(i int) bool {
	ex, why := Excluded(b.inputs[i].SKUInput)
	return ex && (why != reasonArchivedNoSales || !b.used[i])
}

// receiptMonth is the month index (from the current month) a receipt counts in, and whether it is late: planned
// before today and still open, it counts now. A receipt beyond the horizon is left out (-1).
func (b *netBuilder) receiptMonth(r Receipt) (int, bool) {
	y, m, d := r.Date.Date()
	if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Before(b.today) {
		return 0, true
	}
	k := MonthOf(r.Date).Sub(b.cur)
	if k >= b.horizon {
		return -1, false
	}
	return max(0, k), false
}

func (b *netBuilder) sku(i int) error {
	if b.netExcluded(i) {
		return nil
	}
	in := &b.inputs[i]
	h, w := b.horizon, b.w
	w.reset()
	p := netSKU{in: in, i: i, action: NetAction(in), out: -1}
	p.lead = leadDays(in, p.action)
	if in.HasInventory {
		p.inv = in.OnHand
	}
	if p.action == ActionProduce {
		for _, e := range b.edges[i] {
			b.used[e.child] = true
		}
	}

	// The forecast of the plan's months; earlier points are past, later ones beyond the plan.
	for _, pt := range in.Forecast {
		k := pt.Month.Sub(b.cur)
		if k < 0 || k >= h {
			continue
		}
		w.forecast[k] = demand(pt)
		w.safety[k] = b.z * sigma(pt)
		w.inForecast[k] = true
		w.noInterval[k] = pt.Upper95 < pt.Quantity
	}
	// Orders due in a month of the plan consume its forecast; the rest of the backlog (overdue, due later,
	// undated) is promised stock already, taken from today's.
	dated := 0.0
	for _, o := range in.OpenOrders {
		if k := o.Month.Sub(b.cur); k >= 0 && k < h {
			w.orders[k] += o.Quantity
			dated += o.Quantity
		}
	}
	if dated > in.Backlog*(1+1e-9)+1e-9 {
		return fmt.Errorf("plan: SKU %q: open orders due from %s on (%g) exceed the backlog (%g): the backlog is every open order line's undelivered quantity", in.SKU, b.cur, dated, in.Backlog)
	}
	reserved := max(0, in.Backlog-dated)
	for _, rs := range []struct {
		list []Receipt
		into []float64
	}{{in.Production, w.prod}, {in.Purchases, w.purch}} {
		for _, r := range rs.list {
			k, late := b.receiptMonth(r)
			if k < 0 {
				continue
			}
			rs.into[k] += r.Quantity
			p.lateSupply = p.lateSupply || late && r.Quantity > 0
		}
	}
	compDem := b.compDem[i*h : (i+1)*h]
	// A month's own demand: what is left of its forecast (in the current month, less what already shipped), or
	// the orders due in it when they are more.
	dem := func(k int) float64 {
		f := w.forecast[k]
		if k == 0 {
			f -= in.ShippedThisMonth
		}
		return max(f, w.orders[k])
	}
	opening := p.inv - reserved

	// The first month whose closing stock goes below zero with the supply on its way and nothing planned.
	p.immediate = opening < 0
	if !p.immediate {
		left := opening
		for k := range h {
			left += w.prod[k] + w.purch[k] - dem(k) - compDem[k]
			if left < 0 {
				p.out = k
				break
			}
		}
	}

	flow := math.Abs(opening) + in.Backlog // every quantity through the stock so far, for lotSize's rounding
	if in.Orderpoint != nil {
		flow += math.Abs(in.Orderpoint.Min) + math.Abs(in.Orderpoint.Max)
	}
	minQty := 0.0
	if p.action == ActionBuy && in.Supplier != nil {
		minQty = in.Supplier.MinQty
	}
	for k := range h {
		mo := netMonth{k: k, t: b.cur.Add(k), forecast: w.forecast[k], safety: w.safety[k], demand: dem(k),
			opening: opening, supply: w.prod[k] + w.purch[k]}
		mo.total = mo.demand + compDem[k]
		target := max(mo.total+mo.safety, b.cfg.MediaCoverage*mo.total)
		mo.avail = opening + mo.supply
		mo.net = max(0, target-mo.avail)
		flow += math.Abs(mo.supply) + mo.total + target
		mo.plan = lotSize(mo.net, mo.avail-mo.total, target-mo.total, in.Orderpoint, minQty, flow)
		if !finite(mo.plan) || !finite(opening) || !finite(mo.total) {
			return fmt.Errorf("plan: SKU %q: %s: quantities overflow (component demand %g, planned %g): check the BoM quantities and the orderpoint's multiple", in.SKU, mo.t, compDem[k], mo.plan)
		}
		w.planned[k] = mo.plan
		if mo.plan > 0 {
			mo.release = mo.t.First().AddDate(0, 0, -p.lead)
		}
		if b.keep[k] {
			b.row(&p, &mo, target)
		}
		// Go adds left to right: with no supply this is opening + (planned - demand), Compute's very sum; and
		// it is NetRow.Closing's.
		opening += mo.supply + mo.plan - mo.total
		flow += mo.plan
	}

	// The components' demand: each planned quantity times the BoM quantity, in the month its production is
	// released (the current month when that is already past).
	if p.action == ActionProduce {
		for k, planned := range w.planned {
			if !(planned > 0) {
				continue
			}
			rel := max(0, MonthOf(b.cur.Add(k).First().AddDate(0, 0, -p.lead)).Sub(b.cur))
			for _, e := range b.edges[i] {
				b.compDem[e.child*h+rel] += planned * e.perUnit
			}
		}
	}
	return nil
}

// lotSize turns a month's net requirement into the quantity to order. closing is the month's projected closing
// stock with nothing planned, floor the least closing stock the month aims for (its safety stock, or the MEDIA
// margin). With an orderpoint, a closing stock below the floor or the orderpoint's minimum triggers it, and the
// order brings the stock up to the highest of the floor, the minimum and the maximum (Odoo orders up to
// max(min, max)). The quantity is then at least the supplier's minimum and rounded up to the orderpoint's
// multiple. scale is the magnitude of the quantities that went through the stock so far: a requirement above a
// whole number of lots by less than 1e-12 of it (and less than half a lot) is the rounding of their sums, and
// orders no extra lot. The supplier's minimum is an input, not a sum: it is never rounded down.
func lotSize(net, closing, floor float64, op *Orderpoint, minQty, scale float64) float64 {
	q := net
	if op != nil {
		if lvl := max(floor, op.Min); closing < lvl {
			q = max(lvl, op.Max) - closing
		}
	}
	if !(q > 0) {
		return 0
	}
	if op == nil || !(op.Multiple > 0) {
		return max(q, minQty)
	}
	mult := op.Multiple
	lots := max(1, math.Ceil((q-min(1e-12*scale, mult/2))/mult))
	if minQty > 0 {
		least := math.Ceil(minQty / mult)
		if least*mult < minQty { // the quotient rounded to a whole number, its product is below: 0.45 / 0.15
			least++
		}
		lots = max(lots, least)
	}
	return lots * mult
}

func (b *netBuilder) row(p *netSKU, mo *netMonth, target float64) {
	in, w, k := p.in, b.w, mo.k
	r := NetRow{
		Row: Row{
			SKU: in.SKU, ProductName: in.ProductName, Month: mo.t,
			Forecast: mo.forecast, Inventory: p.inv, ProductionNeeded: mo.forecast - p.inv, SafetyStock: mo.safety,
			Backlog: in.Backlog, ProjectedOpening: mo.opening, Recommended: mo.net,
		},
		Demand: mo.demand, OpenOrders: w.orders[k], ComponentDemand: b.compDem[p.i*b.horizon+k],
		IncomingProduction: w.prod[k], IncomingPurchase: w.purch[k],
		PlannedQuantity: mo.plan, Action: p.action, LeadTimeDays: p.lead, ReleaseDate: mo.release, Level: b.level[p.i],
	}
	n := len(b.rows)
	if avg, ok := averageDemand(in.Forecast, mo.t, b.cfg.CoverageHorizon); ok {
		b.coverage[n] = max(0, p.inv) / avg
		r.CoverageMonths = &b.coverage[n]
	}
	switch {
	case p.immediate:
		b.stockout[n] = mo.t
		r.StockoutMonth = &b.stockout[n]
	case p.out >= 0:
		b.stockout[n] = b.cur.Add(max(p.out, k)) // ran out before this month and still out in it
		r.StockoutMonth = &b.stockout[n]
	}
	r.Priority, r.Reason = classify(mo.avail, mo.total, mo.plan, mo.net, b.cfg)

	start := len(b.flags)
	if !in.Active {
		b.flags = append(b.flags, FlagArchived)
	}
	if !in.HasInventory {
		b.flags = append(b.flags, FlagNoInventoryRecord)
	} else if p.inv < 0 {
		b.flags = append(b.flags, FlagNegativeInventory)
	}
	if len(in.Forecast) == 0 {
		b.flags = append(b.flags, FlagNoForecast)
	} else if !w.inForecast[k] {
		b.flags = append(b.flags, FlagMonthOutsideForecast)
	}
	if w.noInterval[k] {
		b.flags = append(b.flags, FlagNoInterval)
	}
	if !(mo.plan > 0) && mo.avail > target {
		b.flags = append(b.flags, FlagSurplus)
	}
	if p.lateSupply && k == 0 {
		b.flags = append(b.flags, FlagLateSupply)
	}
	if mo.plan > 0 && mo.release.Before(b.today) {
		b.flags = append(b.flags, FlagLateRelease)
	}
	if end := len(b.flags); end > start {
		r.Flags = b.flags[start:end:end]
	}
	b.rows = append(b.rows, r)
}
