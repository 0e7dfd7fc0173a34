-- Kadian device store, schema 7: what the server acknowledged is kept, not deleted. A server
-- restored from a backup has lost what it acknowledged after the backup was taken; when the
-- device sees the server's new generation (docs/sync-protocol.md §3.6) it puts these rows back
-- in the outbox, ahead of what waits, and sends them again: the server stores what it lacks and
-- answers `duplicate` for the rest. Rows older than 30 days are dropped (a backup older than that
-- is not restored in an outbreak, and the privacy rules want no more copies than needed).
CREATE TABLE acknowledged (
    seq           INTEGER PRIMARY KEY,         -- acknowledgement order (= push order)
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('create', 'update')),
    base_version  INTEGER,
    body          TEXT NOT NULL,               -- as pushed
    hash          TEXT NOT NULL,               -- SHA-256 of body, hex
    acked_at      TEXT NOT NULL                -- RFC 3339 UTC
) STRICT;
CREATE INDEX acknowledged_at ON acknowledged (acked_at);
