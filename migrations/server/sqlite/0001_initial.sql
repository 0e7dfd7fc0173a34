-- Kadian server, schema 1 (SQLite). Instants are RFC 3339 UTC text.

CREATE TABLE street (
    code        TEXT PRIMARY KEY,            -- 9-digit statistical division code
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE community (
    code        TEXT PRIMARY KEY,            -- 12-digit code
    street_code TEXT NOT NULL REFERENCES street (code),
    name        TEXT NOT NULL
);

CREATE TABLE compound (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES community (code),
    name           TEXT NOT NULL,
    UNIQUE (community_code, name)
);

CREATE TABLE checkpoint (
    id          TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL REFERENCES compound (id),
    name        TEXT NOT NULL,
    UNIQUE (compound_id, name)
);

-- GB/T 2260 provinces, cities, districts: the travel-history place list.
CREATE TABLE place (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    parent TEXT NOT NULL
);

CREATE TABLE enrol_code (
    code_hash      TEXT PRIMARY KEY,         -- SHA-256 of the code, hex
    role           TEXT NOT NULL,
    street_code    TEXT NOT NULL,
    community_code TEXT,
    compound_id    TEXT,
    checkpoint_id  TEXT,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT
);

CREATE TABLE device (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    platform       TEXT NOT NULL,
    role           TEXT NOT NULL,
    street_code    TEXT NOT NULL,
    community_code TEXT,
    compound_id    TEXT,
    checkpoint_id  TEXT,
    token_hash     TEXT NOT NULL UNIQUE,     -- SHA-256 of the bearer token; the token is never kept
    enrolled_at    TEXT NOT NULL,
    revoked_at     TEXT,
    last_seen_at   TEXT
);

-- Every record a device pushed, and reference data; `seq` orders changes for pull.
CREATE TABLE record (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    seq            INTEGER NOT NULL UNIQUE,
    version        INTEGER NOT NULL,
    hash           TEXT NOT NULL,            -- SHA-256 of the canonical JSON body
    body           TEXT NOT NULL,
    community_code TEXT,
    compound_id    TEXT,
    event_at       TEXT,                     -- for events: when it happened (UTC)
    device_id      TEXT,
    device_time    TEXT,                     -- the pushing device's clock
    received_at    TEXT NOT NULL,            -- the server's clock
    clock_flagged  INTEGER NOT NULL DEFAULT 0,
    deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX record_community_seq ON record (community_code, seq);
CREATE INDEX record_compound_seq ON record (compound_id, seq);

-- Every version of an entity, so a later edit made on an older version can be merged field by field.
CREATE TABLE record_version (
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    incoming_hash TEXT NOT NULL,             -- hash of the pushed body that made this version
    PRIMARY KEY (id, version)
);
CREATE INDEX record_version_incoming ON record_version (id, incoming_hash);
