-- Foundation: meta, agencies, users and sessions, procedure catalog, audit log.
-- Kept in step with ../sqlite/0001_foundation.sql (a test compares tables and columns).

CREATE TABLE xaso_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE agencies (
    id              UUID PRIMARY KEY,
    parent_id       UUID REFERENCES agencies (id),
    kind            TEXT NOT NULL CHECK (kind IN ('province', 'commune', 'office', 'centre')),
    name            TEXT NOT NULL,
    admin_unit_code TEXT,
    agency_code     TEXT NOT NULL UNIQUE,
    unverified      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_id);

CREATE TABLE users (
    id                   UUID PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    full_name            TEXT NOT NULL,
    agency_id            UUID REFERENCES agencies (id),
    password_hash        TEXT,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE user_roles (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('citizen', 'counter_officer', 'specialist', 'leader',
                                          'reform_coordinator', 'province_viewer', 'administrator')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE procedures (
    id                   UUID PRIMARY KEY,
    code                 TEXT NOT NULL,
    version              BIGINT NOT NULL CHECK (version >= 1),
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
    created_at           TIMESTAMPTZ NOT NULL,
    created_by           UUID REFERENCES users (id),
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX procedures_current_code ON procedures (code) WHERE is_current;
CREATE INDEX procedures_current_field ON procedures (field_key) WHERE is_current;
-- Full-text index over the folded search text of current versions.
CREATE INDEX procedures_fts ON procedures USING GIN (to_tsvector('simple', search_text)) WHERE is_current;

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    UUID,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Marks the database as xaso's, so that a start against another application's database is refused.
INSERT INTO xaso_meta (key, value) VALUES ('app', 'xaso');
