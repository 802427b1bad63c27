-- Initial schema (SQLite: timestamps are UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", dates "YYYY-MM-DD", booleans 0/1). Table and column names are part of Sales Engine's interface: users query them directly.
CREATE TABLE connections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    database TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    api_key_encrypted TEXT NOT NULL DEFAULT '',
    protocol TEXT NOT NULL DEFAULT 'auto',
    webhook_url TEXT NOT NULL DEFAULT '',
    webhook_secret_encrypted TEXT NOT NULL DEFAULT '',
    webhook_secret_previous_encrypted TEXT NOT NULL DEFAULT '',
    poll_interval_seconds INTEGER NOT NULL DEFAULT 60,
    active INTEGER NOT NULL DEFAULT 1,
    webhook_enabled INTEGER NOT NULL DEFAULT 1,
    server_version TEXT NOT NULL DEFAULT '',
    circuit_state TEXT NOT NULL DEFAULT 'closed',
    circuit_failures INTEGER NOT NULL DEFAULT 0,
    circuit_opened_at TEXT,
    circuit_next_probe_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sales_orders (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    order_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    date_order TEXT,
    write_date TEXT NOT NULL,
    partner_id INTEGER,
    partner_name TEXT NOT NULL DEFAULT '',
    company_id INTEGER,
    company_name TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT '',
    amount_untaxed REAL NOT NULL DEFAULT 0,
    amount_tax REAL NOT NULL DEFAULT 0,
    amount_total REAL NOT NULL DEFAULT 0,
    client_order_ref TEXT NOT NULL DEFAULT '',
    commitment_date TEXT,
    warehouse_id INTEGER,
    warehouse_name TEXT NOT NULL DEFAULT '',
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, order_id)
);
CREATE INDEX sales_orders_write_date ON sales_orders (connection_id, write_date);

CREATE TABLE sales_items (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    line_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL,
    order_name TEXT NOT NULL DEFAULT '',
    order_state TEXT NOT NULL DEFAULT '',
    date_order TEXT,
    sku TEXT NOT NULL DEFAULT '',
    product_id INTEGER,
    product_name TEXT NOT NULL DEFAULT '',
    quantity REAL NOT NULL DEFAULT 0,
    uom TEXT NOT NULL DEFAULT '',
    qty_delivered REAL NOT NULL DEFAULT 0,
    qty_invoiced REAL NOT NULL DEFAULT 0,
    price_unit REAL NOT NULL DEFAULT 0,
    discount REAL NOT NULL DEFAULT 0,
    subtotal REAL NOT NULL DEFAULT 0,
    total REAL NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT '',
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, line_id)
);
CREATE INDEX sales_items_order ON sales_items (connection_id, order_id);
CREATE INDEX sales_items_sku_date ON sales_items (connection_id, sku, date_order);

CREATE TABLE products (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    uom TEXT NOT NULL DEFAULT '',
    company_id INTEGER,
    write_date TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, product_id)
);
CREATE INDEX products_sku ON products (connection_id, sku);

CREATE TABLE inventory (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    qty_available REAL NOT NULL DEFAULT 0,
    virtual_available REAL NOT NULL DEFAULT 0,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, product_id)
);
CREATE INDEX inventory_sku ON inventory (connection_id, sku);

CREATE TABLE sync_state (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    cursor_write_date TEXT,
    cursor_id INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, model)
);

CREATE TABLE sync_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'incremental',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    records_fetched INTEGER NOT NULL DEFAULT 0,
    records_inserted INTEGER NOT NULL DEFAULT 0,
    records_updated INTEGER NOT NULL DEFAULT 0,
    records_removed INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sync_logs_connection ON sync_logs (connection_id, started_at);

CREATE TABLE forecast (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    forecast_date TEXT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    forecasted_quantity REAL NOT NULL,
    lower_bound REAL NOT NULL,
    upper_bound REAL NOT NULL,
    method TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    UNIQUE (connection_id, sku, forecast_date)
);
CREATE INDEX forecast_year_month ON forecast (year, month);

CREATE TABLE production_forecast (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    product_name TEXT NOT NULL DEFAULT '',
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    forecast_quantity REAL NOT NULL,
    inventory REAL NOT NULL,
    production_needed REAL NOT NULL,
    safety_stock REAL NOT NULL DEFAULT 0,
    backlog REAL NOT NULL DEFAULT 0,
    recommended_quantity REAL NOT NULL DEFAULT 0,
    coverage_months REAL,
    stockout_month TEXT,
    priority TEXT NOT NULL CHECK (priority IN ('ALTA', 'MEDIA', 'BAJA')),
    generated_at TEXT NOT NULL,
    UNIQUE (connection_id, sku, year, month)
);
CREATE INDEX production_forecast_year_month ON production_forecast (year, month);
