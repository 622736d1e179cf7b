-- Messages to other systems (issue 13): the national portal's status sync and integrators'
-- webhooks, through one transactional outbox. A row is written in the transaction of the change it
-- tells about; a dossier's messages to one destination go out in the order of its versions (a
-- message waits while an earlier one of the same chain is pending). The row id is the message's
-- idempotency key. Kept in step with ../postgres/0022_integration.sql.
CREATE TABLE webhook_subscriptions (
    id          BLOB PRIMARY KEY,
    url         TEXT NOT NULL,
    -- event types separated by spaces (dossier.status_changed, dossier.action)
    events      TEXT NOT NULL,
    -- the HMAC key the receiver checks signatures with
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE outbound_messages (
    id              BLOB PRIMARY KEY,
    target          TEXT NOT NULL CHECK (target IN ('portal', 'webhook')),
    subscription_id BLOB REFERENCES webhook_subscriptions (id),
    event           TEXT NOT NULL,
    dossier_id      BLOB NOT NULL REFERENCES dossiers (id),
    dossier_code    TEXT NOT NULL,
    dossier_version INTEGER NOT NULL,
    payload         TEXT NOT NULL,
    -- the message this one sends again (a replay from the delivery log)
    replay_of       BLOB REFERENCES outbound_messages (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbound_due ON outbound_messages (status, next_attempt_at);
CREATE INDEX outbound_chain ON outbound_messages (dossier_id, target, dossier_version);
CREATE INDEX outbound_subscription ON outbound_messages (subscription_id, created_at);

-- The delivery log: every try of every message, with the answer.
CREATE TABLE outbound_attempts (
    message_id  BLOB NOT NULL REFERENCES outbound_messages (id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    http_status INTEGER,
    error       TEXT,
    PRIMARY KEY (message_id, attempt)
);
