-- Handling steps finished late, summed by day, commune, unit and officer: the dashboard's "late
-- steps by unit / by officer" joined a province-year's late history rows with their dossiers
-- (0.9 s on SQLite, 17 s on PostgreSQL at 500 000 dossiers). A step's commune is its dossier's
-- handling commune, which never changes; its day is Vietnam's civil day (UTC+7), as in
-- report_daily. Both tables are kept in step with the other backend's file of the same number.
CREATE TABLE report_late_daily (
    handling_commune_id UUID NOT NULL,
    day                 TEXT NOT NULL,
    agency_code         TEXT NOT NULL,
    actor               TEXT NOT NULL,
    late                BIGINT NOT NULL,
    PRIMARY KEY (handling_commune_id, day, agency_code, actor)
);
CREATE INDEX report_late_daily_day ON report_late_daily (day);

INSERT INTO report_late_daily (handling_commune_id, day, agency_code, actor, late)
SELECT d.handling_commune_id, to_char(h.at AT TIME ZONE 'UTC' + INTERVAL '7 hours', 'YYYY-MM-DD'),
       COALESCE(h.agency_code, ''), h.actor, COUNT(*)
FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
WHERE h.step_result = 'late'
GROUP BY 1, 2, 3, 4;

-- The daily sums again by month ('YYYY-MM'), kept with them change by change: a period reads its
-- whole months here and only the days at its ends from report_daily (a province-year summed
-- 26 columns over ~350 000 daily rows, half a second of the dashboard and of II.06a).
CREATE TABLE report_monthly (
    handling_commune_id UUID NOT NULL,
    field               TEXT NOT NULL,
    month               TEXT NOT NULL,
    received                    BIGINT NOT NULL,
    received_online             BIGINT NOT NULL,
    received_digitised          BIGINT NOT NULL,
    received_reused             BIGINT NOT NULL,
    received_fee_requested      BIGINT NOT NULL,
    received_paid_online        BIGINT NOT NULL,
    received_full_online        BIGINT NOT NULL,
    received_full_online_online BIGINT NOT NULL,
    resolved                    BIGINT NOT NULL,
    resolved_in_time            BIGINT NOT NULL,
    resolved_e_result           BIGINT NOT NULL,
    resolved_result_stored      BIGINT NOT NULL,
    resolved_well               BIGINT NOT NULL,
    points_time                 BIGINT NOT NULL,
    points_contacts             BIGINT NOT NULL,
    points_online               BIGINT NOT NULL,
    rated                       BIGINT NOT NULL,
    rated_satisfied             BIGINT NOT NULL,
    resolved_early              BIGINT NOT NULL,
    closed                      BIGINT NOT NULL,
    rated_bodies                BIGINT NOT NULL,
    points_bodies               BIGINT NOT NULL,
    rated_attitude              BIGINT NOT NULL,
    points_attitude             BIGINT NOT NULL,
    resolved_with_feedback      BIGINT NOT NULL,
    points_feedback             BIGINT NOT NULL,
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
