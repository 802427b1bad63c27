-- Manufacturing, purchasing and replenishment records read from Odoo where the mrp or purchase app is installed
-- (docs/database.md). One row per Odoo record, kept with removed_at set once the record is deleted in Odoo.
CREATE TABLE mrp_productions (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    production_id BIGINT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    product_id BIGINT,
    state TEXT NOT NULL,
    product_qty DOUBLE PRECISION NOT NULL DEFAULT 0,
    qty_produced DOUBLE PRECISION NOT NULL DEFAULT 0,
    planned_start TIMESTAMPTZ,
    planned_finish TIMESTAMPTZ,
    date_deadline TIMESTAMPTZ,
    bom_id BIGINT,
    company_id BIGINT,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, production_id)
);
CREATE INDEX mrp_productions_product ON mrp_productions (connection_id, product_id);

CREATE TABLE mrp_boms (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    bom_id BIGINT NOT NULL,
    product_tmpl_id BIGINT NOT NULL,
    product_id BIGINT,
    code TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    product_qty DOUBLE PRECISION NOT NULL DEFAULT 1,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    sequence INTEGER NOT NULL DEFAULT 0,
    produce_delay DOUBLE PRECISION,
    company_id BIGINT,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, bom_id)
);
CREATE INDEX mrp_boms_template ON mrp_boms (connection_id, product_tmpl_id);

CREATE TABLE mrp_bom_lines (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    line_id BIGINT NOT NULL,
    bom_id BIGINT NOT NULL,
    product_id BIGINT,
    product_qty DOUBLE PRECISION NOT NULL DEFAULT 0,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, line_id)
);
CREATE INDEX mrp_bom_lines_bom ON mrp_bom_lines (connection_id, bom_id);

CREATE TABLE purchase_lines (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    line_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    order_name TEXT NOT NULL DEFAULT '',
    order_state TEXT NOT NULL,
    product_id BIGINT,
    product_qty DOUBLE PRECISION NOT NULL DEFAULT 0,
    qty_received DOUBLE PRECISION NOT NULL DEFAULT 0,
    date_planned TIMESTAMPTZ,
    company_id BIGINT,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, line_id)
);
CREATE INDEX purchase_lines_order ON purchase_lines (connection_id, order_id);
CREATE INDEX purchase_lines_product ON purchase_lines (connection_id, product_id);

CREATE TABLE orderpoints (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    orderpoint_id BIGINT NOT NULL,
    product_id BIGINT,
    warehouse_id BIGINT,
    location_id BIGINT,
    product_min_qty DOUBLE PRECISION NOT NULL DEFAULT 0,
    product_max_qty DOUBLE PRECISION NOT NULL DEFAULT 0,
    qty_multiple DOUBLE PRECISION NOT NULL DEFAULT 0,
    trigger TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    company_id BIGINT,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, orderpoint_id)
);
CREATE INDEX orderpoints_product ON orderpoints (connection_id, product_id);

CREATE TABLE supplier_infos (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    supplierinfo_id BIGINT NOT NULL,
    partner_id BIGINT,
    partner_name TEXT NOT NULL DEFAULT '',
    product_tmpl_id BIGINT,
    product_id BIGINT,
    delay INTEGER NOT NULL DEFAULT 0,
    min_qty DOUBLE PRECISION NOT NULL DEFAULT 0,
    price DOUBLE PRECISION NOT NULL DEFAULT 0,
    sequence INTEGER NOT NULL DEFAULT 0,
    company_id BIGINT,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, supplierinfo_id)
);
CREATE INDEX supplier_infos_template ON supplier_infos (connection_id, product_tmpl_id);

CREATE TABLE product_routes (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL,
    product_tmpl_id BIGINT NOT NULL,
    route_ids TEXT NOT NULL DEFAULT '',
    manufacture BOOLEAN NOT NULL DEFAULT FALSE,
    buy BOOLEAN NOT NULL DEFAULT FALSE,
    produce_delay DOUBLE PRECISION,
    write_date TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, product_id)
);
CREATE INDEX product_routes_template ON product_routes (connection_id, product_tmpl_id);
