-- One row per dossier with what reports count (field, channel, dates, timing, digitised, e-result,
-- rating), kept in the same transaction as every change of the dossier so that reports over a
-- province-year read one narrow table; `xaso report rebuild` recomputes it from the dossiers.
-- Kept in step with ../sqlite/0009_report_facts.sql.
CREATE TABLE report_facts (
    dossier_id          UUID PRIMARY KEY REFERENCES dossiers (id),
    code                TEXT NOT NULL,
    handling_commune_id UUID NOT NULL,
    procedure_code      TEXT NOT NULL,
    field               TEXT NOT NULL,
    online              TEXT,
    channel             BIGINT NOT NULL,
    received_at         TIMESTAMPTZ,
    due_at              TIMESTAMPTZ,
    resolved_at         TIMESTAMPTZ,
    timing              TEXT,
    supplements         BIGINT NOT NULL,
    closed_at           TIMESTAMPTZ,
    -- When handling ended, with or without a result: open dossiers are those without one.
    finished_at         TIMESTAMPTZ,
    digitised           BOOLEAN NOT NULL,
    e_result            BOOLEAN NOT NULL,
    rating              TEXT,
    rated_at            TIMESTAMPTZ
);
CREATE INDEX report_facts_commune ON report_facts (handling_commune_id);
CREATE INDEX report_facts_received ON report_facts (received_at);
CREATE INDEX report_facts_resolved ON report_facts (resolved_at);
CREATE INDEX report_facts_finished ON report_facts (finished_at);

-- The same facts summed per commune, field and day (in Vietnam): what each dossier adds on the day it was
-- received, resolved and rated (xaso-domain report::daily_contributions), kept in the same
-- transaction, so that a period's figures are a sum over days, not over dossiers.
CREATE TABLE report_daily (
    handling_commune_id UUID NOT NULL,
    field               TEXT NOT NULL,
    day                 TEXT NOT NULL,
    received                    BIGINT NOT NULL,
    received_online             BIGINT NOT NULL,
    received_digitised          BIGINT NOT NULL,
    received_full_online        BIGINT NOT NULL,
    received_full_online_online BIGINT NOT NULL,
    resolved                    BIGINT NOT NULL,
    resolved_in_time            BIGINT NOT NULL,
    resolved_e_result           BIGINT NOT NULL,
    resolved_well               BIGINT NOT NULL,
    points_time                 BIGINT NOT NULL,
    points_contacts             BIGINT NOT NULL,
    points_online               BIGINT NOT NULL,
    rated                       BIGINT NOT NULL,
    rated_satisfied             BIGINT NOT NULL,
    resolved_early              BIGINT NOT NULL,
    closed                      BIGINT NOT NULL,
    PRIMARY KEY (handling_commune_id, field, day)
);
CREATE INDEX report_daily_day ON report_daily (day);

-- Steps finished late, by time: the dashboard's late steps by unit and officer.
CREATE INDEX dossier_history_late ON dossier_history (at) WHERE step_result = 'late';
