-- Kadian device store, schema 11: referrals to the street's emergency response group (转诊,
-- entities with a version). The row keeps the record's JSON; the columns are what the lists
-- look up. Its status (open, taken, disposed) is derived from the record's fields.
CREATE TABLE referral (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL,
    case_id         TEXT,
    compound        TEXT NOT NULL,
    opened_utc      TEXT NOT NULL,
    body            TEXT NOT NULL,            -- the record as JSON
    version         INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX referral_opened ON referral (opened_utc);
CREATE INDEX referral_case ON referral (case_id);
