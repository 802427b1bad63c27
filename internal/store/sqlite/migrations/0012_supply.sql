-- Manufacturing, purchasing and replenishment records read from Odoo where the mrp or purchase app is installed
-- (docs/database.md). One row per Odoo record, kept with removed_at set once the record is deleted in Odoo.
-- SQLite: timestamps are UTC text, booleans 0/1.
CREATE TABLE mrp_productions (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    production_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    product_id INTEGER,
    state TEXT NOT NULL,
    product_qty REAL NOT NULL DEFAULT 0,
    qty_produced REAL NOT NULL DEFAULT 0,
    planned_start TEXT,
    planned_finish TEXT,
    date_deadline TEXT,
    bom_id INTEGER,
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, production_id)
);
CREATE INDEX mrp_productions_product ON mrp_productions (connection_id, product_id);

CREATE TABLE mrp_boms (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    bom_id INTEGER NOT NULL,
    product_tmpl_id INTEGER NOT NULL,
    product_id INTEGER,
    code TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    product_qty REAL NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1,
    sequence INTEGER NOT NULL DEFAULT 0,
    produce_delay REAL,
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, bom_id)
);
CREATE INDEX mrp_boms_template ON mrp_boms (connection_id, product_tmpl_id);

CREATE TABLE mrp_bom_lines (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    line_id INTEGER NOT NULL,
    bom_id INTEGER NOT NULL,
    product_id INTEGER,
    product_qty REAL NOT NULL DEFAULT 0,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, line_id)
);
CREATE INDEX mrp_bom_lines_bom ON mrp_bom_lines (connection_id, bom_id);

CREATE TABLE purchase_lines (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    line_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL,
    order_name TEXT NOT NULL DEFAULT '',
    order_state TEXT NOT NULL,
    product_id INTEGER,
    product_qty REAL NOT NULL DEFAULT 0,
    qty_received REAL NOT NULL DEFAULT 0,
    date_planned TEXT,
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, line_id)
);
CREATE INDEX purchase_lines_order ON purchase_lines (connection_id, order_id);
CREATE INDEX purchase_lines_product ON purchase_lines (connection_id, product_id);

CREATE TABLE orderpoints (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    orderpoint_id INTEGER NOT NULL,
    product_id INTEGER,
    warehouse_id INTEGER,
    location_id INTEGER,
    product_min_qty REAL NOT NULL DEFAULT 0,
    product_max_qty REAL NOT NULL DEFAULT 0,
    qty_multiple REAL NOT NULL DEFAULT 0,
    trigger TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, orderpoint_id)
);
CREATE INDEX orderpoints_product ON orderpoints (connection_id, product_id);

CREATE TABLE supplier_infos (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    supplierinfo_id INTEGER NOT NULL,
    partner_id INTEGER,
    partner_name TEXT NOT NULL DEFAULT '',
    product_tmpl_id INTEGER,
    product_id INTEGER,
    delay INTEGER NOT NULL DEFAULT 0,
    min_qty REAL NOT NULL DEFAULT 0,
    price REAL NOT NULL DEFAULT 0,
    sequence INTEGER NOT NULL DEFAULT 0,
    company_id INTEGER,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, supplierinfo_id)
);
CREATE INDEX supplier_infos_template ON supplier_infos (connection_id, product_tmpl_id);

CREATE TABLE product_routes (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL,
    product_tmpl_id INTEGER NOT NULL,
    route_ids TEXT NOT NULL DEFAULT '',
    manufacture INTEGER NOT NULL DEFAULT 0,
    buy INTEGER NOT NULL DEFAULT 0,
    produce_delay REAL,
    write_date TEXT NOT NULL,
    removed_at TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, product_id)
);
CREATE INDEX product_routes_template ON product_routes (connection_id, product_tmpl_id);
