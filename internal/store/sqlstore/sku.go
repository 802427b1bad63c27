package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func (e *Exec) ProductSKUs(ctx context.Context, connectionID int64) (map[int64]string, error) {
	rows, err := e.query(ctx, `SELECT product_id, sku FROM products WHERE connection_id = ?`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("read product skus: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var sku string
		if err := rows.Scan(&id, &sku); err != nil {
			return nil, err
		}
		out[id] = sku
	}
	return out, rows.Err()
}

// skuDerivedTables are the tables keyed by (connection_id, sku) that a forecast run writes.
var skuDerivedTables = []string{"forecast", "forecast_stats", "production_forecast"}

// SKURename: the product's own rows (lines, products, inventory) are found by product id, so every one of them
// ends under the new SKU whatever it was stored under (an older code, or the ID:<product id> fallback); their
// primary keys do not include the SKU, so nothing can collide. The derived rows are keyed by SKU: they move
// only when they can be this product's alone and the new SKU has none in that table; otherwise they are
// deleted rather than failing on the unique keys or mixing two products' figures (store.SKURenameResult).
// With two products swapping codes, for instance, both forecasts are dropped until the next forecast run.
func (e *Exec) SKURename(ctx context.Context, connectionID, productID int64, oldSKU, newSKU string, at time.Time) (store.SKURenameResult, error) {
	var res store.SKURenameResult
	if oldSKU == newSKU {
		return res, nil
	}
	err := e.atomically(ctx, func(e *Exec) error {
		update := func(dst *int64, what, q string, args ...any) error {
			r, err := e.exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("rename sku %q to %q in %s: %w", oldSKU, newSKU, what, err)
			}
			n, err := r.RowsAffected()
			*dst += n
			return err
		}
		if err := update(&res.Items, "sales_items", `UPDATE sales_items SET sku = ?, updated_at = ?
			WHERE connection_id = ? AND product_id = ? AND sku <> ?`, newSKU, e.d.Time(at), connectionID, productID, newSKU); err != nil {
			return err
		}
		if err := update(&res.Products, "products", `UPDATE products SET sku = ? WHERE connection_id = ? AND product_id = ? AND sku <> ?`,
			newSKU, connectionID, productID, newSKU); err != nil {
			return err
		}
		if err := update(&res.Inventory, "inventory", `UPDATE inventory SET sku = ? WHERE connection_id = ? AND product_id = ? AND sku <> ?`,
			newSKU, connectionID, productID, newSKU); err != nil {
			return err
		}
		var shared int
		if err := e.queryRow(ctx, `SELECT COUNT(*) FROM products WHERE connection_id = ? AND sku = ? AND product_id <> ?`,
			connectionID, oldSKU, productID).Scan(&shared); err != nil {
			return fmt.Errorf("rename sku %q: look for other products under it: %w", oldSKU, err)
		}
		moved := []*int64{&res.Forecast, &res.ForecastStats, &res.Production}
		for i, t := range skuDerivedTables {
			taken := 0
			if shared == 0 {
				if err := e.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+t+` WHERE connection_id = ? AND sku = ? LIMIT 1) x`,
					connectionID, newSKU).Scan(&taken); err != nil {
					return fmt.Errorf("rename sku %q to %q: look for %s rows under the new sku: %w", oldSKU, newSKU, t, err)
				}
			}
			if shared > 0 || taken > 0 {
				if err := update(&res.Dropped, t, `DELETE FROM `+t+` WHERE connection_id = ? AND sku = ?`, connectionID, oldSKU); err != nil {
					return err
				}
				continue
			}
			if err := update(moved[i], t, `UPDATE `+t+` SET sku = ? WHERE connection_id = ? AND sku = ?`, newSKU, connectionID, oldSKU); err != nil {
				return err
			}
		}
		// The planner's overrides are a history, never dropped: they follow the product when it is alone under
		// the old SKU and the new one has none, else they stay where they are.
		if shared > 0 {
			return nil
		}
		taken := 0
		if err := e.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM forecast_overrides WHERE connection_id = ? AND sku = ? LIMIT 1) x`,
			connectionID, newSKU).Scan(&taken); err != nil {
			return fmt.Errorf("rename sku %q to %q: look for overrides under the new sku: %w", oldSKU, newSKU, err)
		}
		if taken > 0 {
			return nil
		}
		return update(&res.Overrides, "forecast_overrides", `UPDATE forecast_overrides SET sku = ? WHERE connection_id = ? AND sku = ?`,
			newSKU, connectionID, oldSKU)
	})
	if err != nil {
		return store.SKURenameResult{}, err
	}
	return res, nil
}

func (e *Exec) SKUConnectionList(ctx context.Context, sku string) ([]string, error) {
	// Each EXISTS is one probe of a (connection_id, sku, ...) index.
	rows, err := e.query(ctx, `SELECT c.name FROM connections c WHERE
		EXISTS (SELECT 1 FROM products p WHERE p.connection_id = c.id AND p.sku = ?)
		OR EXISTS (SELECT 1 FROM sales_items i WHERE i.connection_id = c.id AND i.sku = ?)
		OR EXISTS (SELECT 1 FROM forecast_stats f WHERE f.connection_id = c.id AND f.sku = ?)
		OR EXISTS (SELECT 1 FROM production_forecast p WHERE p.connection_id = c.id AND p.sku = ?)
		ORDER BY c.name`, sku, sku, sku, sku)
	if err != nil {
		return nil, fmt.Errorf("connections of sku %q: %w", sku, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("connections of sku %q: %w", sku, err)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}
