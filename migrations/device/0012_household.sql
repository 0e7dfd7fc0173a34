-- Kadian device store, schema 12: households (户, entities with a version) and each person's
-- household. The household row keeps the record's JSON; the columns are what the lists look up.
-- A person's household, relation to its head, registration and residence are columns of the
-- person (a household's members are the persons that name it: a list derived, never stored).
CREATE TABLE household (
    id              TEXT PRIMARY KEY,
    community_code  TEXT NOT NULL,
    compound        TEXT NOT NULL,
    sort_key        TEXT NOT NULL,            -- walking order: building, unit, room / group, door
    vacant          INTEGER NOT NULL DEFAULT 0, -- confirmed vacant (空置)
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX household_compound ON household (compound, sort_key);

ALTER TABLE person ADD COLUMN household_id TEXT;
ALTER TABLE person ADD COLUMN relation TEXT;
ALTER TABLE person ADD COLUMN registered_here INTEGER;
ALTER TABLE person ADD COLUMN living_here INTEGER;
ALTER TABLE person ADD COLUMN away_place_code TEXT;
CREATE INDEX person_household ON person (household_id) WHERE household_id IS NOT NULL;
