-- Feedback linked to dossiers, assigned, forwarded inside the system, and measured (issue 11), and
-- the TT 01/2018 per-dossier indicators asked at rating. 0016 is another change's number.
-- Kept in step with ../sqlite/0017_feedback_links.sql.

-- The item's classification, its assignee and its answer and rating, copied out of the JSON state
-- by every action so that reports count them in SQL.
ALTER TABLE feedback ADD COLUMN category TEXT;
ALTER TABLE feedback ADD COLUMN assigned_to UUID REFERENCES users (id);
ALTER TABLE feedback ADD COLUMN answered_at TIMESTAMPTZ;
ALTER TABLE feedback ADD COLUMN answered_in_time BOOLEAN;
ALTER TABLE feedback ADD COLUMN rating TEXT;
ALTER TABLE feedback ADD COLUMN rated_at TIMESTAMPTZ;
CREATE INDEX feedback_dossier ON feedback (dossier_id) WHERE dossier_id IS NOT NULL;
CREATE INDEX feedback_answered ON feedback (answered_at);

-- TT 01/2018 indicator 4 (bodies the applicant had to contact) and 7 (the officers' attitude),
-- both optional answers of the applicant at rating.
ALTER TABLE dossier_ratings ADD COLUMN bodies_contacted BIGINT;
ALTER TABLE dossier_ratings ADD COLUMN attitude TEXT;

-- A complaint about the dossier (QĐ 766 satisfaction) and the points of indicators 4, 7 and 8.
ALTER TABLE report_facts ADD COLUMN complaint BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE report_facts ADD COLUMN points_bodies BIGINT;
ALTER TABLE report_facts ADD COLUMN points_attitude BIGINT;
ALTER TABLE report_facts ADD COLUMN points_feedback BIGINT;
ALTER TABLE report_daily ADD COLUMN rated_bodies BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN points_bodies BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN rated_attitude BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN points_attitude BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN resolved_with_feedback BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN points_feedback BIGINT NOT NULL DEFAULT 0;
