-- The signed electronic copy a certification produced (content address in the file store).
-- Kept in step with ../postgres/0008_certified_copies.sql.
ALTER TABLE certifications ADD COLUMN copy_sha256 TEXT;
ALTER TABLE certifications ADD COLUMN copy_size INTEGER;
