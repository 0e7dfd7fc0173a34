-- Kadian device store, schema 20: donations (捐赠, entities with a version; the street's). What
-- a donation brings to stock is its received stock movements, stored with it.
CREATE TABLE donation (
    id              TEXT PRIMARY KEY,
    donated_on      TEXT NOT NULL,            -- China date, YYYY-MM-DD
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX donation_on ON donation (donated_on);
