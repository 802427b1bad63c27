-- The months of history the forecast cleaned as outliers, per SKU: how many, which (YYYY-MM, comma-separated,
-- oldest first) and their recorded and cleaned demand (numbers in the same order).
ALTER TABLE forecast_stats ADD COLUMN outlier_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE forecast_stats ADD COLUMN outlier_months TEXT NOT NULL DEFAULT '';
ALTER TABLE forecast_stats ADD COLUMN outlier_raw TEXT NOT NULL DEFAULT '';
ALTER TABLE forecast_stats ADD COLUMN outlier_cleaned TEXT NOT NULL DEFAULT '';

-- The product category (Odoo's categ_id, of the product's template) and its full name, e.g. "All / Saleable":
-- new products borrow the seasonal shape of their category. Empty until a sync reads the product again.
ALTER TABLE products ADD COLUMN categ_id INTEGER;
ALTER TABLE products ADD COLUMN categ_name TEXT NOT NULL DEFAULT '';
