-- Every pass first marks the connection's passes still 'running' (their process stopped) as interrupted. The
-- (connection_id, started_at) index made that read every row the connection ever logged: a service polling every
-- 10 s logs 8,640 a day per connection, so each pass got slower by the day. Only running rows are indexed here.
CREATE INDEX sync_logs_running ON sync_logs (connection_id) WHERE status = 'running';
