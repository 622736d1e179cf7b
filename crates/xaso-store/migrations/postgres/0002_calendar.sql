-- Calendar notices imported by an administrator (official yearly notices, agency days off).
-- They override the files shipped in data/calendar of the same name. Kept in step with
-- ../sqlite/0002_calendar.sql.
CREATE TABLE calendar_files (
    name        TEXT PRIMARY KEY,
    year        BIGINT NOT NULL,
    agency_code TEXT,
    body        TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    imported_by TEXT NOT NULL
);
