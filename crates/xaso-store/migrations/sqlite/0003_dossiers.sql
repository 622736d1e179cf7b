-- Dossiers, their history (the process-control slip) and the per-agency daily code counters.
-- Kept in step with ../postgres/0003_dossiers.sql.
CREATE TABLE dossier_counters (
    agency_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE dossiers (
    id                  BLOB PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
    procedure_code      TEXT NOT NULL,
    procedure_version   INTEGER NOT NULL,
    workflow            TEXT NOT NULL,
    channel             INTEGER NOT NULL CHECK (channel BETWEEN 1 AND 3),
    status              INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
    step                TEXT NOT NULL,
    receiving_agency_id BLOB NOT NULL REFERENCES agencies (id),
    receiving_commune_id BLOB NOT NULL REFERENCES agencies (id),
    handling_commune_id BLOB NOT NULL REFERENCES agencies (id),
    applicant_name      TEXT NOT NULL,
    applicant_id_number TEXT,
    applicant_phone     TEXT,
    applicant_email     TEXT,
    applicant_address   TEXT,
    owner_name          TEXT,
    proxy_name          TEXT,
    submitted_by        BLOB REFERENCES users (id),
    components          TEXT NOT NULL,
    fee_due             INTEGER NOT NULL,
    state               TEXT NOT NULL,
    submitted_at        TEXT NOT NULL,
    received_at         TEXT,
    due_at              TEXT,
    resolved_at         TEXT,
    ended_at            TEXT,
    -- on_track / due_soon / overdue, kept by the sweeper for lists and alerts.
    alert               TEXT,
    version             INTEGER NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX dossiers_status ON dossiers (status);
CREATE INDEX dossiers_handling ON dossiers (handling_commune_id, status);
CREATE INDEX dossiers_receiving ON dossiers (receiving_commune_id, status);
CREATE INDEX dossiers_submitted_by ON dossiers (submitted_by);
CREATE INDEX dossiers_due ON dossiers (due_at);

CREATE TABLE dossier_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id  BLOB NOT NULL REFERENCES dossiers (id),
    at          TEXT NOT NULL,
    actor_id    BLOB,
    actor       TEXT NOT NULL,
    agency_code TEXT,
    action      TEXT NOT NULL,
    status_from INTEGER NOT NULL,
    status_to   INTEGER NOT NULL,
    step_from   TEXT NOT NULL,
    step_to     TEXT NOT NULL,
    content     TEXT NOT NULL,
    step_due_at TEXT,
    step_result TEXT
);
CREATE INDEX dossier_history_dossier ON dossier_history (dossier_id, id);

-- Attachments: the bytes live in the file store under their SHA-256; this is what they are.
CREATE TABLE dossier_files (
    id           BLOB PRIMARY KEY,
    dossier_id   BLOB NOT NULL REFERENCES dossiers (id),
    -- attachment (from the applicant or the counter) or result (the signed e-result)
    kind         TEXT NOT NULL DEFAULT 'attachment' CHECK (kind IN ('attachment', 'result')),
    component    TEXT,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    uploaded_by  BLOB REFERENCES users (id)
);
CREATE INDEX dossier_files_dossier ON dossier_files (dossier_id);

-- The applicant's satisfaction rating, once per dossier, after the result.
CREATE TABLE dossier_ratings (
    dossier_id BLOB PRIMARY KEY REFERENCES dossiers (id),
    rating     TEXT NOT NULL CHECK (rating IN ('very_satisfied', 'satisfied', 'dissatisfied')),
    reason     TEXT,
    rated_at   TEXT NOT NULL,
    rated_by   BLOB NOT NULL REFERENCES users (id)
);
