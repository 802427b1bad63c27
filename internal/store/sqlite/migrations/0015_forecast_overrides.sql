-- Forecast overrides (docs/forecasting.md, "Overrides"): a planner's correction of one SKU's forecast for one
-- month. Append-only: every set and every clear is a row, never deleted (but with its connection) nor changed (but
-- its sku, when Odoo renames the product), so who changed what, when and why is kept. The override in force for (connection, sku,
-- forecast_date) is its newest row (highest id) when that row's action is 'set'; a 'clear' ends it.
-- SQLite: timestamps are UTC text, dates YYYY-MM-DD text.
CREATE TABLE forecast_overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    forecast_date TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('set', 'clear')),
    quantity REAL CHECK ((action = 'set' AND quantity IS NOT NULL AND quantity >= 0) OR (action = 'clear' AND quantity IS NULL)),
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('cli', 'dashboard')),
    created_at TEXT NOT NULL
);
CREATE INDEX forecast_overrides_key ON forecast_overrides (connection_id, sku, forecast_date, id);

-- The forecast as the plan uses it: every forecast row with the override in force for its SKU and month (if
-- any), and the overrides in force of this month or later for SKU-months without a forecast row. The bounds
-- follow the override: shifted by override - statistical forecast when the override is at least the statistical
-- forecast (the spread kept), multiplied by override / statistical forecast when it is below (the spread shrinks
-- with it, to none at 0). Go: engine.overrideBound.
CREATE VIEW forecast_final AS
WITH current_overrides AS (
    SELECT o.connection_id, o.sku, o.forecast_date, o.quantity, o.note, o.created_by, o.created_at
    FROM forecast_overrides o
    WHERE o.action = 'set' AND o.id = (SELECT MAX(n.id) FROM forecast_overrides n
        WHERE n.connection_id = o.connection_id AND n.sku = o.sku AND n.forecast_date = o.forecast_date)
)
SELECT f.connection_id, f.sku, f.forecast_date, f.year, f.month,
    f.forecasted_quantity AS statistical_quantity,
    o.quantity AS override_quantity,
    COALESCE(o.quantity, f.forecasted_quantity) AS final_quantity,
    CASE WHEN o.quantity IS NULL THEN f.lower_bound WHEN o.quantity < f.forecasted_quantity THEN f.lower_bound * o.quantity / f.forecasted_quantity ELSE f.lower_bound + o.quantity - f.forecasted_quantity END AS lower_bound,
    CASE WHEN o.quantity IS NULL THEN f.upper_bound WHEN o.quantity < f.forecasted_quantity THEN f.upper_bound * o.quantity / f.forecasted_quantity ELSE f.upper_bound + o.quantity - f.forecasted_quantity END AS upper_bound,
    f.interval_level,
    CASE WHEN o.quantity IS NULL THEN f.lower_95 WHEN o.quantity < f.forecasted_quantity THEN f.lower_95 * o.quantity / f.forecasted_quantity ELSE f.lower_95 + o.quantity - f.forecasted_quantity END AS lower_95,
    CASE WHEN o.quantity IS NULL THEN f.upper_95 WHEN o.quantity < f.forecasted_quantity THEN f.upper_95 * o.quantity / f.forecasted_quantity ELSE f.upper_95 + o.quantity - f.forecasted_quantity END AS upper_95,
    f.method, o.note AS override_note, o.created_by AS override_by, o.created_at AS override_at, f.generated_at
FROM forecast f
LEFT JOIN current_overrides o ON o.connection_id = f.connection_id AND o.sku = f.sku AND o.forecast_date = f.forecast_date
UNION ALL
SELECT o.connection_id, o.sku, o.forecast_date,
    CAST(substr(o.forecast_date, 1, 4) AS INTEGER), CAST(substr(o.forecast_date, 6, 2) AS INTEGER),
    NULL, o.quantity, o.quantity, o.quantity, o.quantity, NULL, o.quantity, o.quantity,
    'override', o.note, o.created_by, o.created_at, NULL
FROM current_overrides o
WHERE o.forecast_date >= date('now', 'start of month') AND NOT EXISTS (SELECT 1 FROM forecast f
    WHERE f.connection_id = o.connection_id AND f.sku = o.sku AND f.forecast_date = o.forecast_date);
