-- The late steps' daily sums again by month ('YYYY-MM'), kept with them step by step: the
-- dashboard's "late steps by unit / by officer" read a province-year's daily rows (40 000 at
-- 500 000 dossiers, 55 ms each on SQLite; several hundred thousand at 5 000 000); a period now
-- reads its whole months here and only the days at its ends from report_late_daily.
CREATE TABLE report_late_monthly (
    handling_commune_id UUID NOT NULL,
    month               TEXT NOT NULL,
    agency_code         TEXT NOT NULL,
    actor               TEXT NOT NULL,
    late                BIGINT NOT NULL,
    PRIMARY KEY (handling_commune_id, month, agency_code, actor)
);
CREATE INDEX report_late_monthly_month ON report_late_monthly (month);

INSERT INTO report_late_monthly (handling_commune_id, month, agency_code, actor, late)
SELECT handling_commune_id, substr(day, 1, 7), agency_code, actor, SUM(late)
FROM report_late_daily
GROUP BY handling_commune_id, substr(day, 1, 7), agency_code, actor;
