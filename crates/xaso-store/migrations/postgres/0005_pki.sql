-- Certificates of the commune CAs and of the leaders who sign results; private keys sealed with
-- the installation's secret (never stored in clear). Kept in step with ../sqlite/0005_pki.sql.
CREATE TABLE pki_certificates (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('ca', 'signer')),
    agency_code  TEXT NOT NULL,
    username     TEXT,
    subject      TEXT NOT NULL,
    cert         BYTEA NOT NULL,
    issuer       BYTEA NOT NULL,
    serial       BYTEA NOT NULL,
    key_sealed   BYTEA NOT NULL,
    not_after    TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX pki_certificates_owner ON pki_certificates (kind, agency_code, username);
