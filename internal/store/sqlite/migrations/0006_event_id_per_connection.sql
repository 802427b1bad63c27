-- Event ids derive from the Odoo database, not from the connection (the same change has the same id in every
-- installation), so two connections of one Odoo database record the same ids: each for its own endpoint.
-- SQLite cannot drop a UNIQUE constraint: the table is rebuilt, with webhook_attempts (which references it; with
-- foreign keys on, dropping the parent first would delete the attempts). The AUTOINCREMENT high-water marks are
-- kept, so no delivery id is ever reused (queued jobs name deliveries by id).
CREATE TABLE webhook_deliveries_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    order_id INTEGER NOT NULL,
    order_name TEXT NOT NULL DEFAULT '',
    write_date TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (connection_id, event_id)
);
INSERT INTO webhook_deliveries_new (id, event_id, event_type, connection_id, order_id, order_name, write_date, payload,
    state, attempts, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at, created_at, updated_at)
SELECT id, event_id, event_type, connection_id, order_id, order_name, write_date, payload,
    state, attempts, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at, created_at, updated_at
FROM webhook_deliveries;

CREATE TABLE webhook_attempts_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries_new (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    status INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT ''
);
INSERT INTO webhook_attempts_new (id, delivery_id, attempt, started_at, duration_ms, status, error, response)
SELECT id, delivery_id, attempt, started_at, duration_ms, status, error, response FROM webhook_attempts;

DELETE FROM sqlite_sequence WHERE name IN ('webhook_deliveries_new', 'webhook_attempts_new');
INSERT INTO sqlite_sequence (name, seq)
SELECT name || '_new', seq FROM sqlite_sequence WHERE name IN ('webhook_deliveries', 'webhook_attempts');

DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
ALTER TABLE webhook_attempts_new RENAME TO webhook_attempts;

CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (connection_id, order_id, write_date);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
CREATE INDEX webhook_attempts_started ON webhook_attempts (started_at);
