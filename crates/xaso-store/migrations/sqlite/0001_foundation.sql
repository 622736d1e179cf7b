-- Foundation: meta, agencies, users and sessions, procedure catalog, audit log.
-- Kept in step with ../postgres/0001_foundation.sql (a test compares tables and columns).
-- Types: ids are UUID blobs, instants RFC 3339 text in UTC, booleans 0/1.

CREATE TABLE xaso_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE agencies (
    id              BLOB PRIMARY KEY,
    parent_id       BLOB REFERENCES agencies (id),
    kind            TEXT NOT NULL CHECK (kind IN ('province', 'commune', 'office', 'centre')),
    name            TEXT NOT NULL,
    admin_unit_code TEXT,
    agency_code     TEXT NOT NULL UNIQUE,
    unverified      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_id);

CREATE TABLE users (
    id                   BLOB PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    full_name            TEXT NOT NULL,
    agency_id            BLOB REFERENCES agencies (id),
    password_hash        TEXT,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE user_roles (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('citizen', 'counter_officer', 'specialist', 'leader',
                                          'reform_coordinator', 'province_viewer', 'administrator')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One row per version of a procedure; `body` is the whole version as JSON, the other columns are
-- what lists, filters and search need.
CREATE TABLE procedures (
    id                   BLOB PRIMARY KEY,
    code                 TEXT NOT NULL,
    version              INTEGER NOT NULL CHECK (version >= 1),
    is_current           BOOLEAN NOT NULL,
    name                 TEXT NOT NULL,
    field                TEXT NOT NULL,
    field_key            TEXT NOT NULL,
    level                TEXT NOT NULL,
    online               TEXT NOT NULL,
    location_independent BOOLEAN NOT NULL,
    verified             BOOLEAN NOT NULL,
    body                 TEXT NOT NULL,
    search_text          TEXT NOT NULL,
    source               TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    created_by           BLOB REFERENCES users (id),
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX procedures_current_code ON procedures (code) WHERE is_current;
CREATE INDEX procedures_current_field ON procedures (field_key) WHERE is_current;

-- Full-text index over the folded search text of current versions, kept by triggers.
CREATE VIRTUAL TABLE procedures_fts USING fts5 (search_text, content = '', contentless_delete = 1);
CREATE TRIGGER procedures_fts_insert AFTER INSERT ON procedures WHEN NEW.is_current BEGIN
    INSERT INTO procedures_fts (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;
CREATE TRIGGER procedures_fts_retire AFTER UPDATE OF is_current ON procedures
    WHEN OLD.is_current AND NOT NEW.is_current BEGIN
    DELETE FROM procedures_fts WHERE rowid = OLD.rowid;
END;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    BLOB,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Marks the database as xaso's, so that a start against another application's database is refused.
INSERT INTO xaso_meta (key, value) VALUES ('app', 'xaso');
