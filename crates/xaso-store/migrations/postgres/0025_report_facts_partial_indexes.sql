-- Reports over a province-year read the daily sums, except two questions that the facts answer:
-- which dossiers were open at the period's end, and which procedures were paid online in it. Both
-- walked every fact of the period (5 million for a province-year); these indexes keep them to the
-- few open dossiers and to one probe per procedure. Kept in step with the other backend's file of
-- the same number.
CREATE INDEX report_facts_open ON report_facts (received_at) WHERE finished_at IS NULL;
CREATE INDEX report_facts_paid_online ON report_facts (procedure_code, received_at) WHERE paid_online;
