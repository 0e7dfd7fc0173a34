-- Kadian device store, schema 13: screenings of households (排查, events). The row keeps the
-- record's JSON; each member it names is a row of screened_member, so that "accounted for within
-- the window" is an index range scan, as passages are.
CREATE TABLE screening (
    id              TEXT PRIMARY KEY,
    household_id    TEXT NOT NULL,
    at_utc          TEXT NOT NULL,
    body            TEXT NOT NULL,            -- the record as JSON
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX screening_household ON screening (household_id, at_utc);

CREATE TABLE screened_member (
    screening_id    TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    status          TEXT NOT NULL,            -- present, away, moved_out, deceased
    at_utc          TEXT NOT NULL,
    PRIMARY KEY (screening_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX screened_member_at ON screened_member (at_utc, person_id);
