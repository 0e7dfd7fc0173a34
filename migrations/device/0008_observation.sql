-- Kadian device store, schema 8: home observation (居家观察). A case (entity, with its version)
-- and its visits and status changes (events); each row keeps the record's JSON as written, the
-- columns are what the day lists look up. A case's status is the fold of its transitions.
CREATE TABLE observation_case (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL,
    community_code  TEXT NOT NULL,
    compound        TEXT NOT NULL,
    start_date      TEXT NOT NULL,            -- day 0, China date
    responsible     TEXT,
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX observation_case_person ON observation_case (person_id);
CREATE INDEX observation_case_compound ON observation_case (compound, start_date);

CREATE TABLE follow_up_visit (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL,
    date            TEXT NOT NULL,            -- the China date it counts for
    outcome         TEXT NOT NULL,
    celsius_tenths  INTEGER,
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX follow_up_visit_case ON follow_up_visit (case_id, date);

CREATE TABLE case_transition (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    effective       TEXT NOT NULL,            -- China date
    at_utc          TEXT NOT NULL,
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX case_transition_case ON case_transition (case_id);
