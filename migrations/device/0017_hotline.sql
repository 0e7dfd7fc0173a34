-- Kadian device store, schema 17: hotline reports (热线举报, entities with a version; where they
-- are assigned is in their body and in community_code/compound), their actions (处置记录,
-- events; a report's status is their fold) and this device's own report numbers per China day
-- (a counter no other device shares: numbers carry the device's tag).
CREATE TABLE hotline_report (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL,
    received_at     TEXT NOT NULL,            -- UTC, RFC 3339
    batch           INTEGER,                  -- the district's batch (第 N 批), for a list's row
    community_code  TEXT,
    compound        TEXT,
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX hotline_report_received ON hotline_report (received_at);
CREATE INDEX hotline_report_batch ON hotline_report (batch) WHERE batch IS NOT NULL;

CREATE TABLE report_action (
    id              TEXT PRIMARY KEY,
    report_id       TEXT NOT NULL,
    at_utc          TEXT NOT NULL,
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX report_action_report ON report_action (report_id, at_utc);

CREATE TABLE hotline_number (
    day             TEXT PRIMARY KEY,         -- China date
    last            INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
