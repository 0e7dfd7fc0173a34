-- Schema 8: signed daily reports (日报签发). A signed report is frozen: its JSON as signed (every
-- figure and the data-as-of), a SHA-256 of it, who signed and when. Records that arrive later
-- are late additions (补报) in the next day's report; a signed one is never rewritten.
CREATE TABLE signed_report (
    date      TEXT PRIMARY KEY,              -- the China day, YYYY-MM-DD
    signer    TEXT NOT NULL,                 -- 签发人
    signed_at TEXT NOT NULL,                 -- RFC 3339 UTC
    hash      TEXT NOT NULL,                 -- SHA-256 of body, hex
    body      TEXT NOT NULL                  -- the report's JSON as signed
);
