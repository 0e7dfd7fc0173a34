-- Schema 4: what each device last said of itself when it pulled — records waiting on it for the
-- server, records the server refused that wait for a person, pulled changes it could not apply
-- (quarantined) — so the street office sees a device's backlog, not only when it was last seen.
ALTER TABLE device ADD COLUMN status_pending INTEGER;
ALTER TABLE device ADD COLUMN status_rejected INTEGER;
ALTER TABLE device ADD COLUMN status_quarantined INTEGER;
ALTER TABLE device ADD COLUMN status_at TEXT;
