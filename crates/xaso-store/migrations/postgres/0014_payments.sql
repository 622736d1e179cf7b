-- Fees and payments (issue 10): each attempt to settle a dossier's fee — online through a payment
-- gateway (pending until the gateway reports) or at the counter (paid at once, with a receipt) —
-- and every report a gateway sent, believed or not. Kept in step with ../sqlite/0014_payments.sql.

-- Receipt numbers: a sequence per commune and year.
CREATE TABLE receipt_counters (
    agency_code TEXT NOT NULL,
    year        BIGINT NOT NULL,
    last        BIGINT NOT NULL,
    PRIMARY KEY (agency_code, year)
);

CREATE TABLE payments (
    id                     UUID PRIMARY KEY,
    dossier_id             UUID NOT NULL REFERENCES dossiers (id),
    amount                 BIGINT NOT NULL CHECK (amount > 0),
    method                 TEXT NOT NULL CHECK (method IN ('online', 'cash', 'transfer')),
    -- online: the gateway and our reference sent to it (unique per attempt)
    gateway                TEXT,
    txn_ref                TEXT UNIQUE,
    status                 TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    gateway_transaction_no TEXT,
    response_code          TEXT,
    receipt_number         TEXT UNIQUE,
    created_at             TIMESTAMPTZ NOT NULL,
    created_by             UUID REFERENCES users (id),
    settled_at             TIMESTAMPTZ
);
CREATE INDEX payments_dossier ON payments (dossier_id);
-- A dossier is paid once, whatever the clicks and the callbacks.
CREATE UNIQUE INDEX payments_paid_once ON payments (dossier_id) WHERE status = 'paid';

CREATE TABLE payment_callbacks (
    id         UUID PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    -- return (through the payer's browser) or ipn (server to server)
    channel    TEXT NOT NULL CHECK (channel IN ('return', 'ipn')),
    txn_ref    TEXT,
    params     TEXT NOT NULL,
    -- the gateway's answer code given (00, 01, 02, 04, 97, 99) and why
    verdict    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    payment_id UUID REFERENCES payments (id)
);
CREATE INDEX payment_callbacks_txn ON payment_callbacks (txn_ref);

-- What reports count: dossiers asked to pay a fee, and those paid online (both on the day the
-- dossier was received).
ALTER TABLE report_facts ADD COLUMN fee_requested BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE report_facts ADD COLUMN paid_online BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE report_daily ADD COLUMN received_fee_requested BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_daily ADD COLUMN received_paid_online BIGINT NOT NULL DEFAULT 0;
