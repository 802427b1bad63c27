-- forecast_final's "this month", from which it lists the overrides of SKU-months without a forecast row: the first
-- month of the connection's newest forecast run (the month that forecast starts, in SALESENGINE_TIMEZONE) rather
-- than the database clock's month, which runs in UTC (or the server's zone) and can be the next month for hours
-- at a month's end; the database clock's month only for a connection without a kept run. The view is otherwise
-- unchanged (0015).
DROP VIEW forecast_final;
CREATE VIEW forecast_final AS
WITH current_overrides AS (
    SELECT DISTINCT ON (o.connection_id, o.sku, o.forecast_date)
        o.connection_id, o.sku, o.forecast_date, o.action, o.quantity, o.note, o.created_by, o.created_at
    FROM forecast_overrides o
    ORDER BY o.connection_id, o.sku, o.forecast_date, o.id DESC
), in_force AS (
    SELECT * FROM current_overrides WHERE action = 'set'
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
LEFT JOIN in_force o ON o.connection_id = f.connection_id AND o.sku = f.sku AND o.forecast_date = f.forecast_date
UNION ALL
SELECT o.connection_id, o.sku, o.forecast_date,
    CAST(EXTRACT(YEAR FROM o.forecast_date) AS INTEGER), CAST(EXTRACT(MONTH FROM o.forecast_date) AS INTEGER),
    NULL, o.quantity, o.quantity, o.quantity, o.quantity, NULL, o.quantity, o.quantity,
    'override', o.note, o.created_by, o.created_at, NULL
FROM in_force o
WHERE o.forecast_date >= COALESCE((SELECT r.first_month FROM forecast_runs r WHERE r.connection_id = o.connection_id
        ORDER BY r.generated_at DESC, r.id DESC LIMIT 1), date_trunc('month', CURRENT_DATE)::date)
    AND NOT EXISTS (SELECT 1 FROM forecast f
    WHERE f.connection_id = o.connection_id AND f.sku = o.sku AND f.forecast_date = o.forecast_date);
