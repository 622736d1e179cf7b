-- The audit chain (#12): each row carries the hash of the row before it (see xaso_domain::audit).
-- Hashes are written by the program, not here: SQL has no portable SHA-256. Rows written before
-- this step are chained by xaso_store::audit::seal_unchained when xaso next migrates.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
-- Finds rows still to chain without reading the whole log.
CREATE INDEX audit_log_unchained ON audit_log (id) WHERE hash IS NULL;

-- Append-only. The one update allowed is chaining a row: setting its hashes once, while every
-- other column stays as written (a row is inserted first, because its id is part of its hash).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor, NEW.action, NEW.entity, NEW.entity_id, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.actor, OLD.action, OLD.entity, OLD.entity_id, OLD.details)
    THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'nhật ký kiểm toán chỉ được ghi thêm: không được xóa dòng';
    END IF;
    RAISE EXCEPTION 'nhật ký kiểm toán chỉ được ghi thêm: không được sửa dòng đã ghi';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- TRUNCATE skips row triggers.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
