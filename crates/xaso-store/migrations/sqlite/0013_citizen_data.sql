-- The citizen data store (issue 9): profiles keyed by the personal identification number (CCCD),
-- their documents (bytes in the file store under their SHA-256), the consent to reuse a document
-- in a dossier, and every read of a citizen's data by staff or another system, which the citizen
-- can see. Kept in step with ../postgres/0013_citizen_data.sql.
CREATE TABLE citizens (
    id_number  TEXT PRIMARY KEY,
    full_name  TEXT NOT NULL,
    birth_date TEXT,
    phone      TEXT,
    email      TEXT,
    address    TEXT,
    -- The citizen's own account, linked by a counter officer who saw the card (or by the e-ID).
    user_id    BLOB UNIQUE REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE citizen_documents (
    id                      BLOB PRIMARY KEY,
    id_number               TEXT NOT NULL REFERENCES citizens (id_number),
    -- A code of data/citizen/loai-giay-to.toml.
    doc_type                TEXT NOT NULL,
    title                   TEXT NOT NULL,
    issuer                  TEXT,
    number                  TEXT,
    issued_on               TEXT,
    expires_on              TEXT,
    source                  TEXT NOT NULL CHECK (source IN ('uploaded', 'counter', 'result', 'certified_copy')),
    source_dossier_id       BLOB REFERENCES dossiers (id),
    source_certification_id BLOB REFERENCES certifications (id),
    file_name               TEXT NOT NULL,
    content_type            TEXT NOT NULL,
    size                    INTEGER NOT NULL,
    sha256                  TEXT NOT NULL,
    added_by                BLOB REFERENCES users (id),
    added_by_name           TEXT NOT NULL,
    added_at                TEXT NOT NULL,
    removed_at              TEXT
);
-- One copy of the same bytes per citizen (while kept).
CREATE UNIQUE INDEX citizen_documents_once ON citizen_documents (id_number, sha256) WHERE removed_at IS NULL;
CREATE INDEX citizen_documents_sha256 ON citizen_documents (sha256);

-- A dossier's file taken from the applicant's store rather than uploaded.
ALTER TABLE dossier_files ADD COLUMN citizen_document_id BLOB REFERENCES citizen_documents (id);

CREATE TABLE data_consents (
    id               BLOB PRIMARY KEY,
    dossier_id       BLOB NOT NULL REFERENCES dossiers (id),
    id_number        TEXT NOT NULL REFERENCES citizens (id_number),
    document_id      BLOB NOT NULL REFERENCES citizen_documents (id),
    -- online: ticked by the citizen; counter: given to the officer, who records it.
    given_how        TEXT NOT NULL CHECK (given_how IN ('online', 'counter')),
    given_at         TEXT NOT NULL,
    recorded_by      BLOB REFERENCES users (id),
    recorded_by_name TEXT NOT NULL
);
CREATE INDEX data_consents_dossier ON data_consents (dossier_id);

-- "Ai đã dùng dữ liệu của tôi": who read what, from which unit, when, for which dossier.
CREATE TABLE citizen_data_reads (
    id             BLOB PRIMARY KEY,
    id_number      TEXT NOT NULL,
    at             TEXT NOT NULL,
    reader_id      BLOB REFERENCES users (id),
    reader_name    TEXT NOT NULL,
    unit_name      TEXT,
    -- profile, document, or reuse (a document taken into a dossier)
    what           TEXT NOT NULL CHECK (what IN ('profile', 'document', 'reuse')),
    document_id    BLOB,
    document_title TEXT,
    dossier_code   TEXT,
    channel        TEXT NOT NULL CHECK (channel IN ('page', 'api'))
);
CREATE INDEX citizen_data_reads_citizen ON citizen_data_reads (id_number, at);

-- What reports count: dossiers that reused stored data, and results put in the citizen's store.
ALTER TABLE report_facts ADD COLUMN reused BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE report_facts ADD COLUMN result_stored BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE report_daily ADD COLUMN received_reused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN resolved_result_stored INTEGER NOT NULL DEFAULT 0;
