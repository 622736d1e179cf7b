-- Reform plans (data/plans/*.toml or imported): the file as written is kept and read again with
-- xaso-domain plan::parse_plan; the columns are what lists show. Kept in step with the other backend.
CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    title       TEXT NOT NULL,
    agency      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    tasks       INTEGER NOT NULL,
    targets     INTEGER NOT NULL,
    file_name   TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
