-- Kadian device store, schema 4: pulled changes this device could not apply. One bad record
-- never stops a sync: it is kept here with the reason, the rest of its page is applied and the
-- cursor moves on. A later version of the same record that applies clears its entry.
CREATE TABLE sync_quarantine (
    kind        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,             -- the change's body as pulled
    code        TEXT NOT NULL,             -- why it was not applied (invalid_record, document_number_in_use, ...)
    message     TEXT NOT NULL,
    at_utc      TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, version)
);
