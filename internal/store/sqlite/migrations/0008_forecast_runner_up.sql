-- The method the selection ranked second for each SKU, and its backtest error, for the dashboard's SKU page.
ALTER TABLE forecast_stats ADD COLUMN runner_up_method TEXT;
ALTER TABLE forecast_stats ADD COLUMN runner_up_rmsse REAL;
