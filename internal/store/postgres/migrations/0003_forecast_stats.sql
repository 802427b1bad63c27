-- Forecast intervals at a second level, and per-SKU forecasting statistics.
ALTER TABLE forecast ADD COLUMN interval_level DOUBLE PRECISION NOT NULL DEFAULT 80;
ALTER TABLE forecast ADD COLUMN lower_95 DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE forecast ADD COLUMN upper_95 DOUBLE PRECISION NOT NULL DEFAULT 0;

CREATE TABLE forecast_stats (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    method TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    demand_class TEXT NOT NULL,
    backtest_rmsse DOUBLE PRECISION,
    bias DOUBLE PRECISION,
    origins INTEGER NOT NULL DEFAULT 0,
    history_months INTEGER NOT NULL,
    mean_demand DOUBLE PRECISION NOT NULL,
    std_demand DOUBLE PRECISION NOT NULL,
    adi DOUBLE PRECISION,
    cv2 DOUBLE PRECISION,
    last_month DATE NOT NULL,
    generated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, sku)
);
