-- Several serve processes on one database divide the work (docs/operations.md, "Several serve processes on
-- PostgreSQL"). Each running serve has a row, its heartbeat renewed every refresh (2 s) until expires_at
-- (heartbeat + its lease TTL); past expires_at the process is dead, and so are its leases.
CREATE TABLE serve_processes (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- A connection is polled only by the process holding its lease (holder; '' when nobody does). The lease lives
-- as long as its holder's heartbeat: the rows are written only by claims and releases, never renewed, so a
-- pass's writes (which lock the row FOR SHARE) never hold a renewal up. Every claim increments epoch: a pass
-- records (holder, epoch) at its start and each of its write transactions checks it, so a process that lost
-- the lease (paused past its expiry) never writes after the next holder started. The row stays when the lease
-- is released (freed_at), so the epoch only grows.
CREATE TABLE connection_leases (
    connection_id INTEGER PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    holder TEXT NOT NULL DEFAULT '',
    epoch INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT,
    freed_at TEXT NOT NULL
);
CREATE INDEX connection_leases_holder ON connection_leases (holder);

-- A scheduled run (the forecast) belongs to the one process that inserted its (name, due_at): the others skip
-- it. finished_at stays NULL while it runs; a run whose claimer died unfinished is taken over by another.
CREATE TABLE schedule_runs (
    name TEXT NOT NULL,
    due_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (name, due_at)
);
CREATE INDEX schedule_runs_unfinished ON schedule_runs (name) WHERE finished_at IS NULL;
