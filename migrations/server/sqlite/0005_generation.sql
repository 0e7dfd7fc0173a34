-- Schema 5: the server's generation. A restore from a backup takes the data back in time; the
-- change sequence then hands out again numbers that devices have already read past, and records
-- acknowledged after the backup are gone. `kadian-server restore` starts a new generation (a new
-- random id); a device that sees a new generation pulls again from the start and sends again
-- every record it holds (docs/sync-protocol.md §3.6). The newest row is the current generation.
CREATE TABLE generation (
    number     INTEGER PRIMARY KEY,          -- 1, 2, …: one more per restore
    id         TEXT NOT NULL UNIQUE,         -- random, 32 hex digits: what devices compare
    started_at TEXT NOT NULL,                -- RFC 3339 UTC
    note       TEXT NOT NULL                 -- why: `created`, `restored from FILE`, …
);
INSERT INTO generation (number, id, started_at, note)
VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'created');
