-- Citizens' feedback (phản ánh, kiến nghị — issue 11): the register, each item's state (JSON, as the
-- domain's FeedbackState) and its history. Kept in step with ../postgres/0015_feedback.sql.
CREATE TABLE feedback_counters (
    agency_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (agency_code, year)
);

CREATE TABLE feedback (
    id             BLOB PRIMARY KEY,
    -- PAKN-2026-000.00.61.H19-000001: the register number, also the Open311 service_request_id
    code           TEXT NOT NULL UNIQUE,
    agency_id      BLOB NOT NULL REFERENCES agencies (id),
    channel        TEXT NOT NULL CHECK (channel IN ('portal', 'counter', 'open311')),
    service_code   TEXT NOT NULL,
    author_id      BLOB REFERENCES users (id),
    author_name    TEXT NOT NULL,
    author_contact TEXT,
    description    TEXT NOT NULL,
    address        TEXT,
    lat            DOUBLE PRECISION,
    lon            DOUBLE PRECISION,
    dossier_id     BLOB REFERENCES dossiers (id),
    status         TEXT NOT NULL,
    state          TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX feedback_agency ON feedback (agency_id, status);

CREATE TABLE feedback_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    feedback_id BLOB NOT NULL REFERENCES feedback (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    content     TEXT NOT NULL
);
CREATE INDEX feedback_history_item ON feedback_history (feedback_id, id);
