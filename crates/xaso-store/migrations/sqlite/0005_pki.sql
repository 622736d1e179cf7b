-- Certificates of the commune CAs and of the leaders who sign results; private keys sealed with
-- the installation's secret (never stored in clear). Kept in step with ../postgres/0005_pki.sql.
CREATE TABLE pki_certificates (
    id           BLOB PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('ca', 'signer')),
    agency_code  TEXT NOT NULL,
    username     TEXT,
    subject      TEXT NOT NULL,
    cert         BLOB NOT NULL,
    issuer       BLOB NOT NULL,
    serial       BLOB NOT NULL,
    key_sealed   BLOB NOT NULL,
    not_after    TEXT NOT NULL,
    revoked_at   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX pki_certificates_owner ON pki_certificates (kind, agency_code, username);
