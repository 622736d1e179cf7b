-- Work on a reform plan beyond the quarterly reports (issue 8): which unit reported, the evidence
-- files, the chairman's own assignments, values of targets kept by hand, and the inspections with
-- their findings. Dates are ISO days (YYYY-MM-DD, Vietnam). Kept in step with ../sqlite/0012_plan_work.sql.

-- The agency code of the unit a report was made for ('' for reports made before units were kept).
ALTER TABLE plan_progress ADD COLUMN unit_code TEXT NOT NULL DEFAULT '';

-- Tasks the chairman assigns outside the appendix: a unit, a deadline, followed like any task.
CREATE TABLE plan_assignments (
    plan_id     TEXT NOT NULL REFERENCES plans (id),
    key         TEXT NOT NULL,
    area        INTEGER NOT NULL,
    title       TEXT NOT NULL,
    instruction TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    due         TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, key)
);

-- Values of targets the system cannot compute, entered per quarter with a note (one per quarter; a
-- new value replaces it, the audit log keeps both).
CREATE TABLE plan_target_values (
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    target_key TEXT NOT NULL,
    year       INTEGER NOT NULL,
    quarter    INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    value      DOUBLE PRECISION NOT NULL,
    note       TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, target_key, year, quarter)
);

-- Inspections of the commune's units on administrative reform (kiểm tra CCHC).
CREATE TABLE plan_inspections (
    id          UUID PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES plans (id),
    unit_code   TEXT NOT NULL,
    planned_on  TEXT NOT NULL,
    done_on     TEXT,
    digital     BOOLEAN NOT NULL,
    conclusion  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_inspections_plan ON plan_inspections (plan_id, planned_on);

-- What an inspection found, and its remedy up to closure.
CREATE TABLE plan_findings (
    id            UUID PRIMARY KEY,
    inspection_id UUID NOT NULL REFERENCES plan_inspections (id),
    text          TEXT NOT NULL,
    remedy_due    TEXT NOT NULL,
    closed_on     TEXT,
    closing_note  TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_findings_inspection ON plan_findings (inspection_id);

-- Evidence files (content-addressed in the file store) on a report, a target value or an
-- inspection: subject is the task key, the target key, or "KT-" and the inspection id.
CREATE TABLE plan_evidence (
    id           UUID PRIMARY KEY,
    plan_id      TEXT NOT NULL REFERENCES plans (id),
    subject      TEXT NOT NULL,
    year         INTEGER NOT NULL,
    quarter      INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_evidence_subject ON plan_evidence (plan_id, subject);
