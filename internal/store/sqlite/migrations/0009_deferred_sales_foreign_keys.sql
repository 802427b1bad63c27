-- A sync stores a first history's lines and orders with multi-row INSERTs. SQLite keeps a statement journal (a
-- copy of every page the statement touches) for a statement that writes several rows and may abort midway, and an
-- immediate foreign key is such a possible abort whatever the statement's conflict clause: deferred to the commit,
-- the check on connection_id no longer makes the new rows' INSERT OR IGNORE (see sqlstore.insertNew) keep one
-- (5-8% of a first sync's CPU on SQLite). The constraint is the same; a missing connection fails the commit
-- instead of the statement. SQLite cannot change a constraint in place: both tables are rebuilt.

CREATE TABLE sales_orders_new (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
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
INSERT INTO sales_orders_new (
    connection_id, order_id, name, state, date_order, write_date, partner_id, partner_name, company_id,
    company_name, currency, amount_untaxed, amount_tax, amount_total, client_order_ref, commitment_date,
    warehouse_id, warehouse_name, removed_at, synced_at)
SELECT
    connection_id, order_id, name, state, date_order, write_date, partner_id, partner_name, company_id,
    company_name, currency, amount_untaxed, amount_tax, amount_total, client_order_ref, commitment_date,
    warehouse_id, warehouse_name, removed_at, synced_at
FROM sales_orders;

CREATE TABLE sales_items_new (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
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
INSERT INTO sales_items_new (
    connection_id, line_id, order_id, order_name, order_state, date_order, sku, product_id, product_name,
    quantity, uom, qty_delivered, qty_invoiced, price_unit, discount, subtotal, total, currency, company_id,
    write_date, removed_at, synced_at, updated_at)
SELECT
    connection_id, line_id, order_id, order_name, order_state, date_order, sku, product_id, product_name,
    quantity, uom, qty_delivered, qty_invoiced, price_unit, discount, subtotal, total, currency, company_id,
    write_date, removed_at, synced_at, updated_at
FROM sales_items;

DROP TABLE sales_items;
DROP TABLE sales_orders;
ALTER TABLE sales_orders_new RENAME TO sales_orders;
ALTER TABLE sales_items_new RENAME TO sales_items;

CREATE INDEX sales_orders_write_date ON sales_orders (connection_id, write_date);
CREATE INDEX sales_items_order ON sales_items (connection_id, order_id);
CREATE INDEX sales_items_sku_date ON sales_items (connection_id, sku, date_order);
