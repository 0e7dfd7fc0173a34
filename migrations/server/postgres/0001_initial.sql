-- Kadian server, schema 1 (PostgreSQL).

CREATE TABLE street (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE community (
    code        TEXT PRIMARY KEY,
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

CREATE TABLE place (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    parent TEXT NOT NULL
);

CREATE TABLE enrol_code (
    code_hash      TEXT PRIMARY KEY,
    role           TEXT NOT NULL,
    street_code    TEXT NOT NULL,
    community_code TEXT,
    compound_id    TEXT,
    checkpoint_id  TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    used_at        TIMESTAMPTZ
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
    token_hash     TEXT NOT NULL UNIQUE,
    enrolled_at    TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    last_seen_at   TIMESTAMPTZ
);

CREATE TABLE record (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    seq            BIGINT NOT NULL UNIQUE,
    version        BIGINT NOT NULL,
    hash           TEXT NOT NULL,
    body           TEXT NOT NULL,
    community_code TEXT,
    compound_id    TEXT,
    event_at       TIMESTAMPTZ,
    device_id      TEXT,
    device_time    TIMESTAMPTZ,
    received_at    TIMESTAMPTZ NOT NULL,
    clock_flagged  BOOLEAN NOT NULL DEFAULT FALSE,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX record_community_seq ON record (community_code, seq);
CREATE INDEX record_compound_seq ON record (compound_id, seq);

CREATE TABLE record_version (
    id      TEXT NOT NULL,
    version BIGINT NOT NULL,
    body    TEXT NOT NULL,
    incoming_hash TEXT NOT NULL,             -- hash of the pushed body that made this version
    PRIMARY KEY (id, version)
);
CREATE INDEX record_version_incoming ON record_version (id, incoming_hash);

CREATE TABLE kadian_meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO kadian_meta (key, value) VALUES ('seq', 0);
