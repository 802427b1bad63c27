-- Event ids derive from the Odoo database, not from the connection (the same change has the same id in every
-- installation), so two connections of one Odoo database record the same ids: each for its own endpoint.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_key;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_connection_event_key UNIQUE (connection_id, event_id);
