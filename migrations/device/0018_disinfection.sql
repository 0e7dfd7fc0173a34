-- Kadian device store, schema 18: disinfection sites (消杀点位, entities with a version; their
-- place in community_code/compound) and the disinfections done there (消杀记录, events; whether
-- a slot was kept is derived from them, never stored).
CREATE TABLE disinfection_site (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    community_code  TEXT,
    compound        TEXT,
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;

CREATE TABLE disinfection (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL,
    at_utc          TEXT NOT NULL,            -- UTC, RFC 3339
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX disinfection_at ON disinfection (at_utc);
CREATE INDEX disinfection_site_at ON disinfection (site_id, at_utc);
