-- Schema 7: grid zones (片区), each under a leader, across communities; a compound is in at most
-- one zone (`kadian-server zone add`). The daily report adds up its community rows per zone.
CREATE TABLE zone (
    id          TEXT PRIMARY KEY,            -- UUIDv7 made by the server
    street_code TEXT NOT NULL REFERENCES street (code),
    name        TEXT NOT NULL UNIQUE,
    leader      TEXT NOT NULL,
    phone       TEXT
);

CREATE TABLE zone_compound (
    compound_id TEXT PRIMARY KEY REFERENCES compound (id),
    zone_id     TEXT NOT NULL REFERENCES zone (id)
);
