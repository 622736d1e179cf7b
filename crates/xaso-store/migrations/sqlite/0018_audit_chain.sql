-- The audit chain (#12): each row carries the hash of the row before it (see xaso_domain::audit).
-- Hashes are written by the program, not here: SQL has no portable SHA-256. Rows written before
-- this step are chained by xaso_store::audit::seal_unchained when xaso next migrates.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
-- Finds rows still to chain without reading the whole log.
CREATE INDEX audit_log_unchained ON audit_log (id) WHERE hash IS NULL;

-- Append-only. The one update allowed is chaining a row: setting its hashes once, while every
-- other column stays as written (a row is inserted first, because its id is part of its hash).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL OR NEW.prev_hash IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor_id IS NOT OLD.actor_id
  OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action OR NEW.entity IS NOT OLD.entity
  OR NEW.entity_id IS NOT OLD.entity_id OR NEW.details IS NOT OLD.details
BEGIN
    SELECT RAISE(ABORT, 'nhật ký kiểm toán chỉ được ghi thêm: không được sửa dòng đã ghi');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'nhật ký kiểm toán chỉ được ghi thêm: không được xóa dòng');
END;
