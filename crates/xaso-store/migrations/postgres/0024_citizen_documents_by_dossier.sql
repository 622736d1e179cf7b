-- Report facts ask, for every dossier they refresh, whether its result was put in the applicant's
-- data store: without this index that question read every citizen document (a province keeps
-- millions). Kept in step with the other backend's file of the same number.
CREATE INDEX citizen_documents_source_dossier ON citizen_documents (source_dossier_id)
    WHERE source_dossier_id IS NOT NULL;
