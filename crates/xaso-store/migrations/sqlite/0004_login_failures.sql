-- Failed logins per user name (known or not), so that guessing is slowed and then locked across
-- every instance. Kept in step with ../postgres/0004_login_failures.sql.
CREATE TABLE login_failures (
    username     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT
);
