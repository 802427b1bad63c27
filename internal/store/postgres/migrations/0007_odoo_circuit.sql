-- The circuit breaker of each connection's Odoo: after SALESENGINE_CIRCUIT_FAILURES consecutive passes failed
-- because Odoo was unavailable it opens, and passes are skipped until odoo_circuit_until; then one trial pass
-- (half_open) closes it or opens it again. Kept here so that every process sees it.
ALTER TABLE connections ADD COLUMN odoo_circuit_state TEXT NOT NULL DEFAULT 'closed';
ALTER TABLE connections ADD COLUMN odoo_circuit_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN odoo_circuit_until TIMESTAMPTZ;
