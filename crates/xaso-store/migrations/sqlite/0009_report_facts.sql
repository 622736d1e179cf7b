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
    online              TEXT,
    channel             INTEGER NOT NULL,
    received_at         TEXT,
    due_at              TEXT,
    resolved_at         TEXT,
    timing              TEXT,
    supplements         INTEGER NOT NULL,
    closed_at           TEXT,
    -- When handling ended, with or without a result: open dossiers are those without one.
    finished_at         TEXT,
    digitised           BOOLEAN NOT NULL,
    e_result            BOOLEAN NOT NULL,
    rating              TEXT,
    rated_at            TEXT
);
CREATE INDEX report_facts_commune ON report_facts (handling_commune_id);
CREATE INDEX report_facts_received ON report_facts (received_at);
CREATE INDEX report_facts_resolved ON report_facts (resolved_at);
CREATE INDEX report_facts_finished ON report_facts (finished_at);

-- The same facts summed per commune, field and day (in Vietnam): what each dossier adds on the day it was
-- received, resolved and rated (xaso-domain report::daily_contributions), kept in the same
-- transaction, so that a period's figures are a sum over days, not over dossiers.
CREATE TABLE report_daily (
    handling_commune_id BLOB NOT NULL,
    field               TEXT NOT NULL,
    day                 TEXT NOT NULL,
    received                    INTEGER NOT NULL,
    received_online             INTEGER NOT NULL,
    received_digitised          INTEGER NOT NULL,
    received_full_online        INTEGER NOT NULL,
    received_full_online_online INTEGER NOT NULL,
    resolved                    INTEGER NOT NULL,
    resolved_in_time            INTEGER NOT NULL,
    resolved_e_result           INTEGER NOT NULL,
    resolved_well               INTEGER NOT NULL,
    points_time                 INTEGER NOT NULL,
    points_contacts             INTEGER NOT NULL,
    points_online               INTEGER NOT NULL,
    rated                       INTEGER NOT NULL,
    rated_satisfied             INTEGER NOT NULL,
    resolved_early              INTEGER NOT NULL,
    closed                      INTEGER NOT NULL,
    PRIMARY KEY (handling_commune_id, field, day)
);
CREATE INDEX report_daily_day ON report_daily (day);

-- Steps finished late, by time: the dashboard's late steps by unit and officer.
CREATE INDEX dossier_history_late ON dossier_history (at) WHERE step_result = 'late';
