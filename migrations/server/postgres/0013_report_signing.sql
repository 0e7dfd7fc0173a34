-- Schema 13: who may sign the daily report from a street laptop (签发人, each with a PIN kept as
-- an argon2 hash), and the street's settings (the report's cut-off, `report_cutoff`, HH:MM China
-- time: today's report is signed from then on).
CREATE TABLE report_signer (
    name     TEXT PRIMARY KEY,               -- 签发人
    pin_hash TEXT NOT NULL,                  -- argon2id, PHC string
    added_at TEXT NOT NULL                   -- RFC 3339 UTC
);
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
