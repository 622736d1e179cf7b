-- Progress reported on a plan's tasks, one report per task and quarter (a new report for the same
-- quarter replaces the old one; the audit log keeps both). Kept in step with the other backend.
CREATE TABLE plan_progress (
    plan_id     TEXT NOT NULL REFERENCES plans (id),
    task_key    TEXT NOT NULL,
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    status      TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'blocked')),
    percent     INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    narrative   TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, task_key, year, quarter)
);
