-- Done stock moves of storable products, read from Odoo where the stock app is installed, to tell from the stock
-- history the months a product could not be sold (docs/database.md, docs/forecasting.md#stock-outs). One row per
-- Odoo stock.move, kept with removed_at set once the move is gone from Odoo (or no longer done).
-- SQLite: timestamps are UTC text.
CREATE TABLE stock_moves (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    move_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity REAL NOT NULL DEFAULT 0,
    date TEXT NOT NULL,
    location_id INTEGER,
    location_dest_id INTEGER,
    location_usage TEXT NOT NULL DEFAULT '',
    location_dest_usage TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, move_id)
);
CREATE INDEX stock_moves_product ON stock_moves (connection_id, product_id, date);

-- The months of each SKU's history whose stock history says it could not be sold, and those of them whose demand
-- was treated as missing and imputed (comma-separated YYYY-MM, '' when none).
ALTER TABLE forecast_stats ADD COLUMN stockout_months TEXT NOT NULL DEFAULT '';
ALTER TABLE forecast_stats ADD COLUMN censored_months TEXT NOT NULL DEFAULT '';
