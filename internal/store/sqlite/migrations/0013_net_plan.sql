-- The net plan's columns of production_forecast (docs/planning.md): supply on its way, what parents need, what to
-- make or buy and when. Zero, '' and NULL for a connection whose Odoo has no manufacturing or purchasing data.
ALTER TABLE production_forecast ADD COLUMN incoming_production REAL NOT NULL DEFAULT 0;
ALTER TABLE production_forecast ADD COLUMN incoming_purchase REAL NOT NULL DEFAULT 0;
ALTER TABLE production_forecast ADD COLUMN component_demand REAL NOT NULL DEFAULT 0;
ALTER TABLE production_forecast ADD COLUMN planned_quantity REAL NOT NULL DEFAULT 0;
ALTER TABLE production_forecast ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE production_forecast ADD COLUMN release_date TEXT;
