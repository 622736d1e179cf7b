-- Sessions end after an hour without a request (issue 12), besides their absolute expiry: the time
-- of the last request, written at most once a minute. Kept in step with ../postgres/0019_session_idle.sql.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
