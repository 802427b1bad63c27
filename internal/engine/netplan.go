package engine

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// The net plan (plan.ComputeNet) runs for a connection whose sync stored manufacturing or purchasing data (its
// Odoo has the mrp or purchase app); the others keep the plan of plan.Compute. netInputs turns the supply tables
// into ComputeNet's inputs: docs/planning.md says how each column is read.

// maxKitDepth bounds the explosion of kits within kits; deeper is a cycle of kits.
const maxKitDepth = 20

// computePlan plans the months for a connection: the net plan when it has supply data, else the plan of Compute
// (its rows as net rows with no supply, action or release).
func (e *Engine) computePlan(ctx context.Context, s store.Executor, connectionID int64, inputs []plan.SKUInput, months []plan.Month) ([]plan.NetRow, error) {
	now := e.set.now().In(e.set.Location)
	net, err := netInputs(ctx, s, connectionID, inputs, now)
	if err != nil {
		return nil, err
	}
	if net == nil {
		rows, err := plan.Compute(inputs, months, e.set.Plan.Config)
		if err != nil {
			return nil, err
		}
		out := make([]plan.NetRow, len(rows))
		for i, r := range rows {
			out[i] = plan.NetRow{Row: r}
		}
		return out, nil
	}
	horizon := max(e.set.Plan.Horizon, 1)
	for _, m := range months {
		horizon = max(horizon, m.Sub(plan.MonthOf(now))+1)
	}
	return plan.ComputeNet(net, plan.NetParams{Today: now, Horizon: horizon, Months: months}, e.set.Plan.Config)
}

// netInputs builds the net plan's inputs from the stored supply, or returns nil when the connection has none.
//
//   - Supply: manufacturing orders confirmed, in progress or to close bring what they still have to make
//     (product_qty - qty_produced) at their planned finish; lines of confirmed purchase orders (purchase, done)
//     bring what is still to receive at their planned date.
//   - How a product is replenished: produced when one of its routes manufactures or it has a normal BoM, else
//     bought. The manufacturing lead time is its BoM's produce_delay (17+) or its template's (16); the supplier is
//     its first vendor line (by sequence, then id; one for the variant before one for the template); the
//     orderpoint its first active one (by id).
//   - Its BoM is the first active BoM of the product (one for the variant before one for the template, then by
//     sequence and id), each line's quantity divided by the BoM's quantity. A component that is a kit (its BoM
//     is a phantom one) is replaced by the kit's own components, recursively; a kit product itself is planned as
//     produced from its components with no lead time.
//   - Open orders by due month and this month's forecast consumption: see orderDue.
func netInputs(ctx context.Context, s store.Executor, connectionID int64, base []plan.SKUInput, today time.Time) ([]plan.NetInput, error) {
	sup, err := s.SupplyList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	if len(sup.Productions)+len(sup.BoMs)+len(sup.PurchaseLines)+len(sup.Orderpoints)+len(sup.SupplierInfos) == 0 {
		return nil, nil
	}
	products, err := s.ProductList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	sku := make(map[int64]string, len(products))
	for _, p := range products {
		sku[p.ProductID] = p.SKU
	}
	index := make(map[string]int, len(base))
	out := make([]plan.NetInput, len(base))
	for i, in := range base {
		out[i] = plan.NetInput{SKUInput: in}
		index[in.SKU] = i
	}
	if err := orderDue(ctx, s, connectionID, out, index, today); err != nil {
		return nil, err
	}
	input := func(productID int64) *plan.NetInput {
		if i, ok := index[sku[productID]]; ok && sku[productID] != "" {
			return &out[i]
		}
		return nil
	}

	for _, m := range sup.Productions {
		in := input(m.ProductID)
		if in == nil || !(m.State == "confirmed" || m.State == "progress" || m.State == "to_close") {
			continue
		}
		date := m.PlannedFinish
		if date == nil {
			date = m.PlannedStart
		}
		if date == nil {
			continue
		}
		in.Production = append(in.Production, plan.Receipt{Quantity: max(0, m.ProductQty-m.QtyProduced), Date: *date})
	}
	for _, l := range sup.PurchaseLines {
		in := input(l.ProductID)
		if in == nil || !(l.OrderState == "purchase" || l.OrderState == "done") || l.QtyReceived >= l.ProductQty || l.DatePlanned == nil {
			continue
		}
		in.Purchases = append(in.Purchases, plan.Receipt{Quantity: l.ProductQty - l.QtyReceived, Date: *l.DatePlanned})
	}

	routes := map[int64]*store.ProductRoute{}
	for _, r := range sup.ProductRoutes {
		routes[r.ProductID] = r
	}
	boms := newBoMIndex(sup)

	sellers := slices.Clone(sup.SupplierInfos)
	slices.SortFunc(sellers, func(a, b *store.SupplierInfo) int {
		return cmp.Or(cmp.Compare(b.ProductID, a.ProductID), cmp.Compare(a.Sequence, b.Sequence), cmp.Compare(a.SupplierInfoID, b.SupplierInfoID))
	})
	done := map[string]bool{} // a SKU shared by several products takes the first's terms
	for _, p := range products {
		in := input(p.ProductID)
		if in == nil || done[in.SKU] {
			continue
		}
		done[in.SKU] = true
		r := routes[p.ProductID]
		in.Manufacture = r != nil && r.Manufacture
		if r != nil && r.ProduceDelay != nil {
			in.ManufactureDays = days(*r.ProduceDelay)
		}
		if b := boms.of(p.ProductID); b != nil {
			if b.ProduceDelay != nil {
				in.ManufactureDays = days(*b.ProduceDelay)
			}
			if b.Type == "phantom" {
				in.ManufactureDays = 0
			}
			var missing []int64
			err := boms.explode(b, 1, 0, func(productID int64, perUnit float64) {
				if c := input(productID); c != nil {
					in.Components = append(in.Components, plan.Component{SKU: c.SKU, PerUnit: perUnit})
				} else {
					missing = append(missing, productID)
				}
			})
			if err != nil {
				return nil, err
			}
			if len(missing) > 0 {
				return nil, fmt.Errorf("plan: SKU %q: the BoM %d uses products %v that are not stored: run a sync (a product of another company the user cannot read?)",
					in.SKU, b.BoMID, missing)
			}
		}
		for _, x := range sellers {
			if x.ProductID == p.ProductID || x.ProductID == 0 && x.ProductTmplID == boms.template(p.ProductID) {
				in.Supplier = &plan.Supplier{DelayDays: x.Delay, MinQty: x.MinQty}
				break
			}
		}
		for _, o := range sup.Orderpoints {
			if o.Active && o.ProductID == p.ProductID {
				in.Orderpoint = &plan.Orderpoint{Min: o.ProductMinQty, Max: o.ProductMaxQty, Multiple: o.QtyMultiple}
				break
			}
		}
	}
	return out, nil
}

// orderDue feeds the open orders by due month and what of this month's forecast already shipped. A line is due
// on its order's commitment_date, else on its date_order (Odoo's expected date when the products have no
// customer lead time, which is not read), in the calendar month of today's location. The forecast counts a sale
// in the month of its date_order, so what shipped of it this month is the delivered quantity of the orders
// placed this month (whenever they are due): a delivery of an earlier month's order is that month's forecast,
// not this one's. The backlog is the same read's open quantity, so the open orders by month never exceed it even
// when a sync wrote between the plan's reads.
func orderDue(ctx context.Context, s store.Executor, connectionID int64, out []plan.NetInput, index map[string]int, today time.Time) error {
	cur := plan.MonthOf(today)
	loc := today.Location()
	from := time.Date(cur.Year, cur.Month, 1, 0, 0, 0, 0, loc)
	due, err := s.OrderDueList(ctx, connectionID, from, from.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	backlog := map[int]float64{}
	for _, d := range due {
		i, ok := index[d.SKU]
		if !ok {
			continue // sold after the plan's other reads: planned next time
		}
		in := &out[i]
		backlog[i] += d.Open
		if d.Placed {
			in.ShippedThisMonth += d.Delivered
		}
		if d.Due == nil || !(d.Open > 0) {
			continue // undated: promised stock, taken off today's
		}
		m := plan.MonthOf(d.Due.In(loc))
		if n := len(in.OpenOrders); n > 0 && in.OpenOrders[n-1].Month == m {
			in.OpenOrders[n-1].Quantity += d.Open // the rows come by SKU and due date
			continue
		}
		in.OpenOrders = append(in.OpenOrders, plan.MonthQuantity{Month: m, Quantity: d.Open})
	}
	for i, q := range backlog {
		out[i].Backlog = q
	}
	return nil
}

// days rounds a lead time in days (Odoo 16 keeps a float) up to whole days, within ComputeNet's bounds.
func days(d float64) int {
	if !(d > 0) {
		return 0
	}
	return int(min(math.Ceil(d), 3660))
}

// releaseDate is a row's release date as stored (nil when nothing is planned).
func releaseDate(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
