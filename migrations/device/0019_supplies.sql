-- Kadian device store, schema 19: stock movements (物资出入库, events). Stock on hand is their
-- sum (kadian_domain::supplies::stock), never stored.
CREATE TABLE stock_movement (
    id              TEXT PRIMARY KEY,
    item            TEXT NOT NULL,
    at_utc          TEXT NOT NULL,            -- UTC, RFC 3339
    body            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('user', 'sync', 'import'))
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_movement_at ON stock_movement (at_utc);
