-- One row per dossier with what reports count (field, channel, dates, timing, digitised, e-result,
-- rating), kept in the same transaction as every change of the dossier so that reports over a
-- province-year read one narrow table; `xaso report rebuild` recomputes it from the dossiers.
-- Kept in step with ../postgres/0009_report_facts.sql.
CREATE TABLE report_facts (
    dossier_id          BLOB PRIMARY KEY REFERENCES dossiers (id),
    code                TEXT NOT NULL,
    handling_commune_id BLOB NOT NULL,
    procedure_code      TEXT NOT NULL,
    field               TEXT NOT NULL,
    channel             INTEGER NOT NULL,
    received_at         TEXT,
    due_at              TEXT,
    resolved_at         TEXT,
    timing              TEXT,
    supplements         INTEGER NOT NULL,
    closed_at           TEXT,
    digitised           BOOLEAN NOT NULL,
    e_result            BOOLEAN NOT NULL,
    rating              TEXT,
    rated_at            TEXT
);
CREATE INDEX report_facts_commune ON report_facts (handling_commune_id);
CREATE INDEX report_facts_received ON report_facts (received_at);
CREATE INDEX report_facts_resolved ON report_facts (resolved_at);
