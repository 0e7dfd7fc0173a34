-- Schema 10: events of a kind by when they happened, for the daily report (one day's passages
-- and readings out of weeks of them, without reading the rest).
CREATE INDEX record_kind_event ON record (kind, event_at);
