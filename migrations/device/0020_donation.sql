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

-- A checkpoint tablet now keeps its own checkpoint's stock movements, its compound's checkpoint
-- sites and their disinfections, which the server used to hold back from it (its pull cursor
-- went past them): it reads its scope again from the start, once, so the deliveries already
-- sent to its gate and its gate's disinfection schedule arrive. What it holds is applied once
-- (events by id, entities by version); nothing of its own is lost.
UPDATE device_meta SET value = '0'
 WHERE key = 'pull_cursor'
   AND EXISTS (SELECT 1 FROM device_meta
                WHERE key = 'enrolment' AND json_extract(value, '$.role') = 'volunteer');
