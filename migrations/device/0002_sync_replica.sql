-- Kadian device store, schema 2: what sync keeps besides records.

-- Reference data pulled from the server: communities, compounds, checkpoints (body: JSON).
CREATE TABLE reference (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

-- Values that lost a merge: on the server (pulled `conflict` records) or here (a local edit not
-- yet acknowledged when the server's version arrived). Compound staff review them.
CREATE TABLE sync_conflict (
    id           TEXT PRIMARY KEY,
    record_kind  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    field        TEXT NOT NULL,
    kept_value   TEXT,                       -- JSON of the value now stored (the server's)
    lost_value   TEXT,                       -- JSON of the value not applied (this device's)
    origin       TEXT NOT NULL CHECK (origin IN ('server', 'device')),
    at_utc       TEXT NOT NULL,
    resolved     INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
