-- Schema 11: per device, when it last pushed (server clock, RFC 3339 UTC; written at most once a
-- minute) and, from its last pull's report, when the oldest record still waiting on it was made
-- (the device's clock): the daily report names a late device with both.
ALTER TABLE device ADD COLUMN last_push_at TEXT;
ALTER TABLE device ADD COLUMN status_oldest_pending TEXT;
