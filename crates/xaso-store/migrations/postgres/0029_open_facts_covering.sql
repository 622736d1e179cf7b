-- The dossiers open at a period's end (II.06a, the dashboard by field and by commune) are those
-- not finished, or finished after the end, among those received before it. Those not finished were
-- read through migration 0025's partial index and then each one's fact row: at a province's
-- 5 000 000 dossiers a year, some 50 000 table reads per report. The partial index now carries the
-- columns those reports group and count by, so a vacuumed table answers from the index alone
-- (80–110 → 10–12 ms at 5 000 000). The index on finished_at stays for those finished after the
-- end: the single index of SQLite's file of the same number led PostgreSQL's generic plan, after
-- five executions, to read that half by received_at, the whole year (1.4 s).
DROP INDEX report_facts_open;
CREATE INDEX report_facts_open ON report_facts (received_at)
    INCLUDE (handling_commune_id, field, due_at) WHERE finished_at IS NULL;
