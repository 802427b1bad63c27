-- What the planner needs next to each plan row: why it is flagged, and how fresh the inventory was.
ALTER TABLE production_forecast ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE production_forecast ADD COLUMN inventory_synced_at TEXT;
