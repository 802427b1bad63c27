package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// Plan computes a connection's production plan for the target months from the stored forecast and inventory,
// and replaces those months' production_forecast rows in one transaction. Connections may be planned at the
// same time.
//
// A connection whose Odoo has the mrp or purchase app (its supply tables hold rows) gets the net plan
// (plan.ComputeNet: supply on its way, BoMs, lead times, lot sizes); the others the plan of plan.Compute, whose
// rows carry no supply, action or release date.
func (e *Engine) Plan(ctx context.Context, c *store.Connection, months []plan.Month) ([]plan.NetRow, plan.Summary, error) {
	if e.set.Plan == nil {
		return nil, plan.Summary{}, notLoaded("plan")
	}
	inputs, synced, overridden, err := planInputs(ctx, e.store, c.ID, nil, e.set.CurrentMonth())
	if err != nil {
		return nil, plan.Summary{}, err
	}
	rows, err := e.computePlan(ctx, e.store, c.ID, inputs, months)
	if err != nil {
		return nil, plan.Summary{}, err
	}
	flagOverrides(rows, overridden)
	ym := make([]store.YearMonth, len(months))
	for i, m := range months {
		ym[i] = store.YearMonth{Year: m.Year, Month: int(m.Month)}
	}
	stored := productionRows(c.ID, rows, synced, e.set.now().UTC())
	if err := e.store.Tx(ctx, func(tx store.Executor) error { return tx.ProductionReplace(ctx, c.ID, ym, stored) }); err != nil {
		return nil, plan.Summary{}, fmt.Errorf("store the plan: %w", err)
	}
	return rows, plan.Summarize(rows), nil
}

// overriddenMonths are the SKU-months whose forecast the plan took from an override.
type overriddenMonths map[string]map[plan.Month]bool

// planInputs reads a connection's plan inputs from the store: products and their on-hand quantity (summed over
// the products that share a SKU), backlog, and the stored forecast (or the forecast given, for reports that do
// not touch the tables) with the overrides in force from the month cur on applied (withOverrides). It also
// returns when each SKU's inventory was last read from Odoo, and which SKU-months were overridden.
func planInputs(ctx context.Context, s store.Executor, connectionID int64, forecast []*store.ForecastRow, cur plan.Month) ([]plan.SKUInput, map[string]time.Time, overriddenMonths, error) {
	products, err := s.ProductList(ctx, connectionID)
	if err != nil {
		return nil, nil, nil, err
	}
	inventory, err := s.InventoryList(ctx, connectionID)
	if err != nil {
		return nil, nil, nil, err
	}
	backlog, err := s.BacklogList(ctx, connectionID)
	if err != nil {
		return nil, nil, nil, err
	}
	if forecast == nil {
		if forecast, err = s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: connectionID}); err != nil {
			return nil, nil, nil, err
		}
	}
	overrides, err := s.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: connectionID, From: cur.First()})
	if err != nil {
		return nil, nil, nil, err
	}
	forecast = withOverrides(forecast, overrides, cur.First())
	overridden := overriddenMonths{}
	for _, o := range overrides {
		if overridden[o.SKU] == nil {
			overridden[o.SKU] = map[plan.Month]bool{}
		}
		overridden[o.SKU][plan.MonthOf(o.Date)] = true
	}
	bySKU := map[string]*plan.SKUInput{}
	var order []string
	get := func(sku string) *plan.SKUInput {
		in, ok := bySKU[sku]
		if !ok {
			in = &plan.SKUInput{SKU: sku}
			bySKU[sku] = in
			order = append(order, sku)
		}
		return in
	}
	for _, p := range products {
		in := get(p.SKU)
		if in.ProductName == "" {
			in.ProductName = p.Name
		}
		if in.ProductType == "" || p.Active {
			in.ProductType = p.Type
		}
		in.Active = in.Active || p.Active
	}
	synced := map[string]time.Time{}
	for _, v := range inventory {
		in := get(v.SKU)
		in.HasInventory = true
		in.OnHand += v.QtyAvailable
		if v.SyncedAt.After(synced[v.SKU]) {
			synced[v.SKU] = v.SyncedAt
		}
	}
	// A product record without an inventory row cannot happen in a completed sync (both come from the same
	// read), but a SKU sold under a product that is gone from Odoo has neither.
	for _, f := range forecast {
		in := get(f.SKU)
		in.HasSales = true
		in.Forecast = append(in.Forecast, plan.ForecastPoint{Month: plan.MonthOf(f.Date), Quantity: f.Quantity, Upper95: f.Upper95})
	}
	for sku, q := range backlog {
		in := get(sku)
		in.Backlog = q
		in.HasSales = true
	}
	out := make([]plan.SKUInput, 0, len(order))
	for _, sku := range order {
		out = append(out, *bySKU[sku])
	}
	return out, synced, overridden, nil
}

// flagOverrides flags the plan rows whose month's forecast was an override.
func flagOverrides(rows []plan.NetRow, overridden overriddenMonths) {
	for i := range rows {
		if overridden[rows[i].SKU][rows[i].Month] {
			rows[i].Flags = append(rows[i].Flags, plan.FlagOverride)
		}
	}
}

// productionRows turns plan rows into production_forecast rows.
func productionRows(connectionID int64, rows []plan.NetRow, synced map[string]time.Time, generated time.Time) []*store.ProductionRow {
	out := make([]*store.ProductionRow, len(rows))
	for i, r := range rows {
		pr := &store.ProductionRow{ConnectionID: connectionID, SKU: r.SKU, ProductName: r.ProductName, Year: r.Month.Year,
			Month: int(r.Month.Month), ForecastQuantity: r.Forecast, Inventory: r.Inventory, ProductionNeeded: r.ProductionNeeded,
			SafetyStock: r.SafetyStock, Backlog: r.Backlog, Recommended: r.Recommended, CoverageMonths: r.CoverageMonths,
			Priority: r.Priority, Flags: strings.Join(r.Flags, ","), GeneratedAt: generated,
			IncomingProduction: r.IncomingProduction, IncomingPurchase: r.IncomingPurchase, ComponentDemand: r.ComponentDemand,
			PlannedQuantity: r.PlannedQuantity, Action: r.Action, ReleaseDate: releaseDate(r.ReleaseDate)}
		if r.StockoutMonth != nil {
			pr.StockoutMonth = r.StockoutMonth.String()
		}
		if t, ok := synced[r.SKU]; ok {
			pr.InventorySyncedAt = &t
		}
		out[i] = pr
	}
	return out
}
