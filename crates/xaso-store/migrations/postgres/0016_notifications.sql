-- Messages to citizens (issue 11): a transactional outbox. A row is written in the same transaction
-- as the event it tells about; workers of any instance claim due rows with a lease, deliver them and
-- record the outcome. The row id is the message's idempotency key (the e-mail's Message-ID, the SMS
-- gateway's Idempotency-Key). Kept in step with ../sqlite/0016_notifications.sql.
CREATE TABLE notifications (
    id              UUID PRIMARY KEY,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'in_app')),
    -- the address, the phone number, or the account's user name
    recipient       TEXT NOT NULL,
    user_id         UUID REFERENCES users (id),
    dossier_id      UUID REFERENCES dossiers (id),
    feedback_id     UUID REFERENCES feedback (id),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    read_at         TIMESTAMPTZ
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_dossier ON notifications (dossier_id);
CREATE INDEX notifications_feedback ON notifications (feedback_id);
