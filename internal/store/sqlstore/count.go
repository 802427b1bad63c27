package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/salesengine/salesengine/internal/store"
)

func (e *Exec) ConnectionDataCount(ctx context.Context, id int64) (store.DataCount, error) {
	var c store.DataCount
	type count struct {
		expr string // counted over the connection's rows of the table
		dst  *int64
	}
	counts := []count{
		{"COUNT(*) FROM sales_orders", &c.Orders}, {"COUNT(*) FROM sales_items", &c.Items},
		{"COUNT(DISTINCT sku) FROM sales_items", &c.SKUs}, {"COUNT(*) FROM stock_moves", &c.StockMoves},
		{"COUNT(*) FROM products", &c.Products}, {"COUNT(*) FROM inventory", &c.Inventory},
		{"COUNT(*) FROM forecast_runs", &c.ForecastRuns},
		{"COUNT(*) FROM forecast", &c.Forecast}, {"COUNT(*) FROM production_forecast", &c.Plan},
		{"COUNT(*) FROM forecast_overrides", &c.Overrides},
		{"COUNT(*) FROM webhook_deliveries", &c.Deliveries}, {"COUNT(*) FROM sync_logs", &c.SyncLogs},
	}
	supply := make([]int64, len(store.SupplyTables))
	for i, t := range store.SupplyTables {
		counts = append(counts, count{"COUNT(*) FROM " + string(t), &supply[i]})
	}
	sel := make([]string, len(counts))
	dst := make([]any, len(counts))
	args := make([]any, len(counts))
	for i, n := range counts {
		sel[i] = "(SELECT " + n.expr + " WHERE connection_id = ?)"
		dst[i], args[i] = n.dst, id
	}
	if err := e.queryRow(ctx, "SELECT "+strings.Join(sel, ", "), args...).Scan(dst...); err != nil {
		return store.DataCount{}, fmt.Errorf("count connection %d's data: %w", id, err)
	}
	for _, n := range supply {
		c.Supply += n
	}
	return c, nil
}
