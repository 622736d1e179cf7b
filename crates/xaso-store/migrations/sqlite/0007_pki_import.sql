-- Certificates imported from a provider's .p12 file carry the provider's CA chain (DER
-- certificates one after another), sent with every signature and trusted by the verifier.
-- Kept in step with ../postgres/0007_pki_import.sql.
ALTER TABLE pki_certificates ADD COLUMN chain BLOB;
