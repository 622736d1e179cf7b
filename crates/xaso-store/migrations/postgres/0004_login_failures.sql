-- Failed logins per user name (known or not), so that guessing is slowed and then locked across
-- every instance. Kept in step with ../sqlite/0004_login_failures.sql.
CREATE TABLE login_failures (
    username     TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
