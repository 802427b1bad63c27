package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// Stored reads a connection's plan inputs from the store: products and their on-hand quantity (summed over the
// products that share a SKU), backlog, and the stored forecast (or the forecast given, for reports that do not
// touch the tables). It also returns when each SKU's inventory was last read from Odoo.
func Stored(ctx context.Context, s store.Executor, connectionID int64, forecast []*store.ForecastRow) ([]SKUInput, map[string]time.Time, error) {
	products, err := s.ProductList(ctx, connectionID)
	if err != nil {
		return nil, nil, err
	}
	inventory, err := s.InventoryList(ctx, connectionID)
	if err != nil {
		return nil, nil, err
	}
	backlog, err := s.BacklogList(ctx, connectionID)
	if err != nil {
		return nil, nil, err
	}
	if forecast == nil {
		if forecast, err = s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: connectionID}); err != nil {
			return nil, nil, err
		}
	}
	bySKU := map[string]*SKUInput{}
	var order []string
	get := func(sku string) *SKUInput {
		in, ok := bySKU[sku]
		if !ok {
			in = &SKUInput{SKU: sku}
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
		in.Forecast = append(in.Forecast, ForecastPoint{Month: MonthOf(f.Date), Quantity: f.Quantity, Upper95: f.Upper95})
	}
	for sku, q := range backlog {
		in := get(sku)
		in.Backlog = q
		in.HasSales = true
	}
	out := make([]SKUInput, 0, len(order))
	for _, sku := range order {
		out = append(out, *bySKU[sku])
	}
	return out, synced, nil
}

// StoreRows turns plan rows into production_forecast rows.
func StoreRows(connectionID int64, rows []Row, synced map[string]time.Time, generated time.Time) []*store.ProductionRow {
	out := make([]*store.ProductionRow, len(rows))
	for i, r := range rows {
		pr := &store.ProductionRow{ConnectionID: connectionID, SKU: r.SKU, ProductName: r.ProductName, Year: r.Month.Year,
			Month: int(r.Month.Month), ForecastQuantity: r.Forecast, Inventory: r.Inventory, ProductionNeeded: r.ProductionNeeded,
			SafetyStock: r.SafetyStock, Backlog: r.Backlog, Recommended: r.Recommended, CoverageMonths: r.CoverageMonths,
			Priority: r.Priority, Flags: strings.Join(r.Flags, ","), GeneratedAt: generated}
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

// Summary counts a generated plan.
type Summary struct {
	Rows                    int
	Alta, Media, Baja       int
	NeedProduction          int // rows with something to produce (recommended_quantity > 0): the ALTA and MEDIA rows
	NoInventory, NoForecast int
}

// Generate computes a connection's plan for the target months from the stored forecast and inventory and
// replaces those months' production_forecast rows in one transaction.
func Generate(ctx context.Context, s store.Store, connectionID int64, months []Month, cfg Config, now time.Time) ([]Row, Summary, error) {
	inputs, synced, err := Stored(ctx, s, connectionID, nil)
	if err != nil {
		return nil, Summary{}, err
	}
	rows, err := Compute(inputs, months, cfg)
	if err != nil {
		return nil, Summary{}, err
	}
	ym := make([]store.YearMonth, len(months))
	for i, m := range months {
		ym[i] = store.YearMonth{Year: m.Year, Month: int(m.Month)}
	}
	stored := StoreRows(connectionID, rows, synced, now.UTC())
	if err := s.Tx(ctx, func(tx store.Executor) error { return tx.ProductionReplace(ctx, connectionID, ym, stored) }); err != nil {
		return nil, Summary{}, fmt.Errorf("store the plan: %w", err)
	}
	return rows, Summarize(rows), nil
}

// Summarize counts rows by priority and flag.
func Summarize(rows []Row) Summary {
	sum := Summary{Rows: len(rows)}
	for _, r := range rows {
		switch r.Priority {
		case Alta:
			sum.Alta++
		case Media:
			sum.Media++
		default:
			sum.Baja++
		}
		if r.Recommended > 0 {
			sum.NeedProduction++
		}
		for _, f := range r.Flags {
			switch f {
			case FlagNoInventoryRecord:
				sum.NoInventory++
			case FlagNoForecast:
				sum.NoForecast++
			}
		}
	}
	return sum
}
