-- Kadian device store, schema 15: person links (查重关联, events): staff's word on two person
-- records that may be one person. Never a merge: both person rows stay whole; the latest word
-- on a pair stands (kadian_domain::records::linked folds them).
CREATE TABLE person_link (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL,            -- the record that repeats
    same_as         TEXT NOT NULL,            -- the record kept on the register
    at_utc          TEXT NOT NULL,
    body            TEXT NOT NULL,            -- the record as JSON
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX person_link_person ON person_link (person_id);
CREATE INDEX person_link_same_as ON person_link (same_as);
