-- Handling steps finished late, summed by day, commune, unit and officer: the dashboard's "late
-- steps by unit / by officer" joined a province-year's late history rows with their dossiers
-- (0.9 s on SQLite, 17 s on PostgreSQL at 500 000 dossiers). A step's commune is its dossier's
-- handling commune, which never changes; its day is Vietnam's civil day (UTC+7), as in
-- report_daily. Both tables are kept in step with the other backend's file of the same number.
CREATE TABLE report_late_daily (
    handling_commune_id BLOB NOT NULL,
    day                 TEXT NOT NULL,
    agency_code         TEXT NOT NULL,
    actor               TEXT NOT NULL,
    late                INTEGER NOT NULL,
    PRIMARY KEY (handling_commune_id, day, agency_code, actor)
);
CREATE INDEX report_late_daily_day ON report_late_daily (day);

INSERT INTO report_late_daily (handling_commune_id, day, agency_code, actor, late)
SELECT d.handling_commune_id, date(h.at, '+7 hours'), COALESCE(h.agency_code, ''), h.actor, COUNT(*)
FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
WHERE h.step_result = 'late'
GROUP BY d.handling_commune_id, date(h.at, '+7 hours'), COALESCE(h.agency_code, ''), h.actor;

-- The daily sums again by month ('YYYY-MM'), kept with them change by change: a period reads its
-- whole months here and only the days at its ends from report_daily (a province-year summed
-- 26 columns over ~350 000 daily rows, half a second of the dashboard and of II.06a).
CREATE TABLE report_monthly (
    handling_commune_id BLOB NOT NULL,
    field               TEXT NOT NULL,
    month               TEXT NOT NULL,
    received                    INTEGER NOT NULL,
    received_online             INTEGER NOT NULL,
    received_digitised          INTEGER NOT NULL,
    received_reused             INTEGER NOT NULL,
    received_fee_requested      INTEGER NOT NULL,
    received_paid_online        INTEGER NOT NULL,
    received_full_online        INTEGER NOT NULL,
    received_full_online_online INTEGER NOT NULL,
    resolved                    INTEGER NOT NULL,
    resolved_in_time            INTEGER NOT NULL,
    resolved_e_result           INTEGER NOT NULL,
    resolved_result_stored      INTEGER NOT NULL,
    resolved_well               INTEGER NOT NULL,
    points_time                 INTEGER NOT NULL,
    points_contacts             INTEGER NOT NULL,
    points_online               INTEGER NOT NULL,
    rated                       INTEGER NOT NULL,
    rated_satisfied             INTEGER NOT NULL,
    resolved_early              INTEGER NOT NULL,
    closed                      INTEGER NOT NULL,
    rated_bodies                INTEGER NOT NULL,
    points_bodies               INTEGER NOT NULL,
    rated_attitude              INTEGER NOT NULL,
    points_attitude             INTEGER NOT NULL,
    resolved_with_feedback      INTEGER NOT NULL,
    points_feedback             INTEGER NOT NULL,
    PRIMARY KEY (handling_commune_id, field, month)
);
CREATE INDEX report_monthly_month ON report_monthly (month);

INSERT INTO report_monthly (handling_commune_id, field, month, received, received_online, received_digitised, received_reused, received_fee_requested, received_paid_online, received_full_online, received_full_online_online, resolved, resolved_in_time, resolved_e_result, resolved_result_stored, resolved_well, points_time, points_contacts, points_online, rated, rated_satisfied, resolved_early, closed, rated_bodies, points_bodies, rated_attitude, points_attitude, resolved_with_feedback, points_feedback)
SELECT handling_commune_id, field, substr(day, 1, 7), SUM(received), SUM(received_online), SUM(received_digitised), SUM(received_reused), SUM(received_fee_requested), SUM(received_paid_online), SUM(received_full_online), SUM(received_full_online_online), SUM(resolved), SUM(resolved_in_time), SUM(resolved_e_result), SUM(resolved_result_stored), SUM(resolved_well), SUM(points_time), SUM(points_contacts), SUM(points_online), SUM(rated), SUM(rated_satisfied), SUM(resolved_early), SUM(closed), SUM(rated_bodies), SUM(points_bodies), SUM(rated_attitude), SUM(points_attitude), SUM(resolved_with_feedback), SUM(points_feedback)
FROM report_daily
GROUP BY handling_commune_id, field, substr(day, 1, 7);

-- The province ranking asks, for every commune, which procedures it had paid online: one probe
-- per procedure and commune.
CREATE INDEX report_facts_paid_online_by_commune
    ON report_facts (procedure_code, handling_commune_id, received_at) WHERE paid_online;
