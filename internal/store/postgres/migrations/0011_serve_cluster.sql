-- Several serve processes on one database divide the work (docs/operations.md, "Several serve processes on
-- PostgreSQL"). Each running serve has a row, its heartbeat renewed every refresh (2 s); a process whose
-- heartbeat is older than the lease TTL is dead.
CREATE TABLE serve_processes (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
);

-- A connection is polled only by the process holding its lease (holder; '' when nobody does), renewed by it
-- every refresh until expires_at. Every claim increments epoch: a pass records (holder, epoch) at its start and
-- each of its write transactions checks it, so a process that lost the lease (paused past the TTL) never writes
-- after the next holder started. The row stays when the lease is released, so the epoch only grows.
CREATE TABLE connection_leases (
    connection_id BIGINT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    holder TEXT NOT NULL DEFAULT '',
    epoch BIGINT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    renewed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX connection_leases_holder ON connection_leases (holder);

-- A scheduled run (the forecast) belongs to the one process that inserted its (name, due_at): the others skip
-- it. finished_at stays NULL while it runs; a run whose claimer died unfinished is taken over by another.
CREATE TABLE schedule_runs (
    name TEXT NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (name, due_at)
);
CREATE INDEX schedule_runs_unfinished ON schedule_runs (name) WHERE finished_at IS NULL;
