-- Kadian device store, schema 21: shift events (签到 and 交班 at a checkpoint's tablet, events).
-- Shifts are their fold (kadian_domain::duty::shifts), never stored.
CREATE TABLE shift_event (
    id              TEXT PRIMARY KEY,
    checkpoint_id   TEXT NOT NULL,
    at_utc          TEXT NOT NULL,            -- UTC, RFC 3339
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX shift_event_at ON shift_event (at_utc);
