-- Kadian device store, schema 1: the register, the events of the gate, and the outbox.
-- The store is a partial replica of the server (a tablet holds its compound and 14 days of its
-- events), so events do not reference persons or passages by foreign key: an event pulled from
-- the server may name a person kept elsewhere. Writes made here check their references in code.
-- Instants are RFC 3339 UTC text (`2020-02-03T12:31:00.000Z`) with the device's offset from UTC in
-- minutes beside them; dates are ISO 8601 (`2020-01-28`). Ids are UUIDv7 text.

PRAGMA application_id = 1262767665; -- 'KDN1': marks a Kadian device store

CREATE TABLE device_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Resident register entry, or a visitor (entity: changes carry a version).
CREATE TABLE person (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (length(name) > 0),
    name_initials    TEXT NOT NULL,            -- pinyin initials, lower case: 张三 → zs
    document_type    TEXT NOT NULL,
    document_number  TEXT,
    document_rev     TEXT,                     -- document_number reversed: suffix search by range
    phone            TEXT,
    phone_rev        TEXT,                     -- phone reversed
    sex              TEXT CHECK (sex IN ('male', 'female')),
    birth_date       TEXT,
    community_code   TEXT,
    compound         TEXT,
    building         TEXT,
    unit             TEXT,
    room             TEXT,
    category         TEXT NOT NULL CHECK (category IN ('resident', 'tenant', 'visitor')),
    version          INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import')),
    updated_at       TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX person_name ON person (name);
CREATE INDEX person_initials ON person (name_initials);
CREATE INDEX person_document_rev ON person (document_rev);
CREATE INDEX person_phone_rev ON person (phone_rev);
CREATE UNIQUE INDEX person_document ON person (document_type, document_number)
    WHERE document_number IS NOT NULL;

-- One entry or exit at a checkpoint (event).
CREATE TABLE passage (
    id              TEXT PRIMARY KEY,
    checkpoint_id   TEXT NOT NULL,
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    at_utc          TEXT NOT NULL,
    offset_minutes  INTEGER NOT NULL,
    person_id       TEXT,
    walk_in_name    TEXT,
    plate           TEXT,
    companions      INTEGER NOT NULL DEFAULT 0 CHECK (companions >= 0),
    purpose         TEXT,
    recorded_by     TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import')),
    CHECK (person_id IS NOT NULL OR walk_in_name IS NOT NULL)
) STRICT, WITHOUT ROWID;
CREATE INDEX passage_checkpoint_at ON passage (checkpoint_id, at_utc);
CREATE INDEX passage_person_at ON passage (person_id, at_utc);
CREATE INDEX passage_plate ON passage (plate) WHERE plate IS NOT NULL;

-- One measurement (event); a re-measure points at the first and never overwrites it.
CREATE TABLE temperature_reading (
    id              TEXT PRIMARY KEY,
    passage_id      TEXT,
    person_id       TEXT,
    checkpoint_id   TEXT NOT NULL,
    at_utc          TEXT NOT NULL,
    offset_minutes  INTEGER NOT NULL,
    celsius_tenths  INTEGER NOT NULL CHECK (celsius_tenths BETWEEN 340 AND 430),
    fever           INTEGER NOT NULL CHECK (fever IN (0, 1)),
    remeasure_of    TEXT,
    recorded_by     TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX reading_passage ON temperature_reading (passage_id);
CREATE INDEX reading_person_at ON temperature_reading (person_id, at_utc);

-- Where someone has been (event).
CREATE TABLE travel_declaration (
    id              TEXT PRIMARY KEY,
    person_id       TEXT,
    passage_id      TEXT,
    from_date       TEXT,
    to_date         TEXT,
    transport       TEXT CHECK (transport IN ('train', 'flight', 'car', 'coach', 'ship', 'other')),
    transport_ref   TEXT,
    declared_at_utc TEXT NOT NULL,
    offset_minutes  INTEGER NOT NULL,
    recorded_by     TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX travel_person ON travel_declaration (person_id);
CREATE INDEX travel_to_date ON travel_declaration (to_date);

CREATE TABLE travel_place (
    declaration_id  TEXT NOT NULL REFERENCES travel_declaration (id),
    seq             INTEGER NOT NULL,
    division_code   TEXT CHECK (division_code IS NULL OR length(division_code) IN (2, 4, 6)),
    text            TEXT,
    PRIMARY KEY (declaration_id, seq),
    CHECK (division_code IS NOT NULL OR text IS NOT NULL)
) STRICT, WITHOUT ROWID;

-- A void or amend of an earlier event, with its reason (event).
CREATE TABLE correction (
    id              TEXT PRIMARY KEY,
    target_kind     TEXT NOT NULL CHECK (target_kind IN ('passage', 'temperature_reading', 'travel_declaration')),
    target_id       TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('void', 'amend')),
    replacement_id  TEXT,
    reason          TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    at_utc          TEXT NOT NULL,
    offset_minutes  INTEGER NOT NULL,
    recorded_by     TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX correction_target ON correction (target_id);

-- Events are never edited or deleted in place: a correction is a new event.
CREATE TRIGGER passage_immutable BEFORE UPDATE ON passage
BEGIN SELECT RAISE(ABORT, 'event_immutable: passages are corrected by a new event'); END;
CREATE TRIGGER passage_undeletable BEFORE DELETE ON passage
BEGIN SELECT RAISE(ABORT, 'event_immutable: passages are corrected by a new event'); END;
CREATE TRIGGER reading_immutable BEFORE UPDATE ON temperature_reading
BEGIN SELECT RAISE(ABORT, 'event_immutable: readings are corrected by a new event'); END;
CREATE TRIGGER reading_undeletable BEFORE DELETE ON temperature_reading
BEGIN SELECT RAISE(ABORT, 'event_immutable: readings are corrected by a new event'); END;
CREATE TRIGGER travel_immutable BEFORE UPDATE ON travel_declaration
BEGIN SELECT RAISE(ABORT, 'event_immutable: declarations are corrected by a new event'); END;
CREATE TRIGGER travel_undeletable BEFORE DELETE ON travel_declaration
BEGIN SELECT RAISE(ABORT, 'event_immutable: declarations are corrected by a new event'); END;
CREATE TRIGGER correction_immutable BEFORE UPDATE ON correction
BEGIN SELECT RAISE(ABORT, 'event_immutable: corrections are final'); END;

-- Records written here and not yet acknowledged by the server (待同步队列). A queue, not a log:
-- a row leaves when the server's receipt acknowledges it, so the table stays small and needs no
-- index beyond its sequence (a record with no outbox row is acknowledged, or came from sync).
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('create', 'update')),
    base_version  INTEGER,
    body          TEXT NOT NULL,               -- the record as JSON (kadian-domain's types)
    hash          TEXT NOT NULL,               -- SHA-256 of body, hex
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sent', 'rejected', 'conflict')),
    error_code    TEXT,
    error_message TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

