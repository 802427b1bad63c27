-- The Odoo database a connection's stored data came from, recorded by its first sync: the URL and database
-- name it was reached at, and Odoo's database uuid when the API user may read it. A sync refuses to mix in
-- another database's data (see docs/connections.md).
ALTER TABLE connections ADD COLUMN identity_url TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN identity_database TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN identity_uuid TEXT NOT NULL DEFAULT '';
