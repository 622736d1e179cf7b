-- The optional second factor (issue 12): a time-based one-time password. `totp_pending` holds a
-- secret being set up until a first code confirms it; `totp_last_step` makes each code usable once.
-- Kept in step with ../sqlite/0020_totp.sql.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
