package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/demand"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// SKULines is how many of a SKU's newest order lines SKUView reads.
const SKULines = 20

// DemandMonth is one month of a SKU's demand history.
type DemandMonth struct {
	Month    plan.Month
	Quantity float64
}

// SKUView is everything the dashboard shows of one SKU of one connection.
type SKUView struct {
	SKU string
	// Connections holds the SKU, by name. When it is more than one and none was asked for, Connection is ""
	// and nothing else is read: the page asks which.
	Connections []string
	Connection  string
	ProductName string
	// History is the SKU's monthly demand as the forecaster builds it (zero-filled from the first sale, the
	// current month per SALESENGINE_FORECAST_PARTIAL_MONTH), over all of the stored history.
	History  []DemandMonth
	Forecast []*store.ForecastRow   // by month
	Stats    *store.ForecastStat    // nil: the SKU was not forecast
	Plan     []*store.ProductionRow // the stored plan rows of the SKU, by month
	// OnHand is the stored on-hand quantity, summed over the products under the SKU (as the plan sums it);
	// HasInventory is false when no product of the SKU has an inventory row.
	OnHand            float64
	HasInventory      bool
	InventorySyncedAt *time.Time
	Backlog           float64       // confirmed and not delivered
	Lines             []*store.Item // the newest SKULines order lines (not removed), newest first
	Accuracy          *SKUAccuracy  // how its past forecasts did
	// BoM is what the SKU is made of and what is made of it; nil when no stored BoM links it (always, for a
	// connection whose Odoo has no Manufacturing app).
	BoM *SKUBoM
}

// SKUView reads one SKU of a connection (by name; "" when the SKU is in one connection only). It returns an
// error wrapping store.ErrNotFound when no connection holds the SKU, or the named one does not; in that case
// the view says which connections do hold it (Connections), and nothing else.
func (e *Engine) SKUView(ctx context.Context, sku, connection string) (*SKUView, error) {
	names, err := e.store.SKUConnectionList(ctx, sku)
	if err != nil {
		return nil, err
	}
	v := &SKUView{SKU: sku, Connections: names}
	switch {
	case len(names) == 0:
		return nil, fmt.Errorf("sku %q: %w", sku, store.ErrNotFound)
	case connection == "" && len(names) > 1:
		return v, nil
	case connection == "":
		connection = names[0]
	case !slices.Contains(names, connection):
		return v, fmt.Errorf("sku %q in connection %q: %w", sku, connection, store.ErrNotFound)
	}
	c, err := e.store.ConnectionGetByName(ctx, connection)
	if err != nil {
		return nil, err
	}
	v.Connection = c.Name
	o, err := e.demandOptions()
	if err != nil {
		return nil, err
	}
	ser, err := demand.SKUSeries(ctx, e.store, c.ID, sku, o)
	if err != nil {
		return nil, err
	}
	for i, q := range ser.Values {
		v.History = append(v.History, DemandMonth{Month: plan.MonthOf(ser.Start.Add(i).Time()), Quantity: q})
	}
	if v.Forecast, err = e.store.ForecastList(ctx, &store.ForecastListParams{ConnectionID: c.ID, SKU: sku}); err != nil {
		return nil, err
	}
	if v.Stats, err = e.store.ForecastStatGet(ctx, c.ID, sku); errors.Is(err, store.ErrNotFound) {
		v.Stats = nil
	} else if err != nil {
		return nil, err
	}
	if v.Plan, err = e.store.ProductionList(ctx, &store.ProductionListParams{ConnectionID: c.ID, SKU: sku}); err != nil {
		return nil, err
	}
	inv, err := e.store.InventoryListBySKU(ctx, c.ID, sku)
	if err != nil {
		return nil, err
	}
	for _, r := range inv {
		v.OnHand += r.QtyAvailable
		v.HasInventory = true
		if v.InventorySyncedAt == nil || r.SyncedAt.After(*v.InventorySyncedAt) {
			v.InventorySyncedAt = &r.SyncedAt
		}
		if v.ProductName == "" {
			v.ProductName = r.Name
		}
	}
	if v.Backlog, err = e.store.BacklogGet(ctx, c.ID, sku); err != nil {
		return nil, err
	}
	if v.Lines, err = e.store.ItemListBySKU(ctx, c.ID, sku, SKULines); err != nil {
		return nil, err
	}
	if v.Accuracy, err = e.SKUAccuracy(ctx, c, sku); err != nil {
		return nil, err
	}
	if v.BoM, err = skuBoM(ctx, e.store, c.ID, sku); err != nil {
		return nil, err
	}
	for _, name := range []string{firstPlanName(v.Plan), firstLineName(v.Lines)} {
		if v.ProductName == "" {
			v.ProductName = name
		}
	}
	return v, nil
}

func firstPlanName(rows []*store.ProductionRow) string {
	for _, r := range rows {
		if r.ProductName != "" {
			return r.ProductName
		}
	}
	return ""
}

func firstLineName(lines []*store.Item) string {
	for _, l := range lines {
		if l.ProductName != "" {
			return l.ProductName
		}
	}
	return ""
}
