-- Forecast intervals at a second level, and per-SKU forecasting statistics.
ALTER TABLE forecast ADD COLUMN interval_level REAL NOT NULL DEFAULT 80;
ALTER TABLE forecast ADD COLUMN lower_95 REAL NOT NULL DEFAULT 0;
ALTER TABLE forecast ADD COLUMN upper_95 REAL NOT NULL DEFAULT 0;

CREATE TABLE forecast_stats (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    method TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    demand_class TEXT NOT NULL,
    backtest_rmsse REAL,
    bias REAL,
    origins INTEGER NOT NULL DEFAULT 0,
    history_months INTEGER NOT NULL,
    mean_demand REAL NOT NULL,
    std_demand REAL NOT NULL,
    adi REAL,
    cv2 REAL,
    last_month TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, sku)
);
