-- The certification registers (NĐ 23/2015): one entry per certification, numbered per commune,
-- register and year from 01. Kept in step with ../sqlite/0006_certifications.sql.
CREATE TABLE certification_counters (
    commune_code TEXT NOT NULL,
    register     TEXT NOT NULL CHECK (register IN ('SCT/BS', 'SCT/CK,ĐC', 'SCT/CKND', 'SCT/HĐ,GD')),
    year         INTEGER NOT NULL,
    last         BIGINT NOT NULL,
    PRIMARY KEY (commune_code, register, year)
);

CREATE TABLE certifications (
    id           UUID PRIMARY KEY,
    commune_code TEXT NOT NULL,
    register     TEXT NOT NULL CHECK (register IN ('SCT/BS', 'SCT/CK,ĐC', 'SCT/CKND', 'SCT/HĐ,GD')),
    year         INTEGER NOT NULL,
    sequence     BIGINT NOT NULL,
    book         INTEGER NOT NULL,
    dossier_code TEXT,
    requester    TEXT NOT NULL,
    document     TEXT NOT NULL,
    copies       INTEGER NOT NULL,
    pages        INTEGER NOT NULL,
    fee          BIGINT NOT NULL,
    certified_by TEXT NOT NULL,
    certified_at TIMESTAMPTZ NOT NULL,
    UNIQUE (commune_code, register, year, sequence)
);
