-- Kadian device store, schema 14: key areas (重点区域, entities with a version), their changes
-- (events: lifted, reinstated, review moved; the area's standing is their fold) and household
-- visits (入户随访, events). Each member a visit saw is a row of visited_member, so that
-- "accounted for within the window" stays an index range scan.
CREATE TABLE key_area (
    id              TEXT PRIMARY KEY,
    compound        TEXT NOT NULL,
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX key_area_compound ON key_area (compound);

CREATE TABLE key_area_change (
    id              TEXT PRIMARY KEY,
    key_area_id     TEXT NOT NULL,
    effective       TEXT NOT NULL,            -- China date
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX key_area_change_area ON key_area_change (key_area_id);

CREATE TABLE household_visit (
    id              TEXT PRIMARY KEY,
    household_id    TEXT NOT NULL,
    date            TEXT NOT NULL,            -- the China date it counts for
    at_utc          TEXT NOT NULL,
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX household_visit_household ON household_visit (household_id, date);
CREATE INDEX household_visit_date ON household_visit (date);

CREATE TABLE visited_member (
    visit_id        TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    date            TEXT NOT NULL,            -- the visit's China date
    PRIMARY KEY (visit_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX visited_member_date ON visited_member (date, person_id);
