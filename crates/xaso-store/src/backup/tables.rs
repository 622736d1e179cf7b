//! What restore needs to know about the tables, read from the database's own catalog so that a
//! table added by a later migration is restored (and compared) without a list to keep up.

use std::collections::{BTreeMap, BTreeSet};

use crate::{db, Backend, Conn, Pool, Store, StoreError, Tx};

/// The table sqlx keeps its ledger in: written by the migrations of the database itself.
pub(crate) const LEDGER: &str = "_sqlx_migrations";

/// A name as a quoted SQL identifier. Names come from the catalog; quoting keeps them names.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// The tables that hold data, sorted. On SQLite full-text indexes are left out (virtual
    /// tables and their shadow tables): triggers rebuild them from the rows they index.
    pub async fn data_tables(&self) -> Result<Vec<String>, StoreError> {
        let mut tx = self.read().await?;
        data_tables(&mut tx, matches!(self.pool, Pool::Sqlite(_))).await
    }
}

pub(crate) async fn data_tables(tx: &mut Tx, sqlite: bool) -> Result<Vec<String>, StoreError> {
    let names: Vec<String> = db!(tx.conn(), |c| sqlx::query_scalar(if sqlite {
        "SELECT name FROM pragma_table_list
         WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name"
    } else {
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
    })
    .fetch_all(&mut *c)
    .await)?;
    Ok(names)
}

/// The tables, other than the migration ledger and `xaso_meta` (which a fresh migration
/// fills), that have at least one row: a database with any is in use and is not restored over.
pub(crate) async fn tables_with_rows(tx: &mut Tx, sqlite: bool) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for table in data_tables(tx, sqlite).await? {
        if table == LEDGER || table == "xaso_meta" {
            continue;
        }
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&table));
        let any: bool = db!(tx.conn(), |c| sqlx::query_scalar(&sql)
            .fetch_one(&mut *c)
            .await)?;
        if any {
            found.push(table);
        }
    }
    Ok(found)
}

/// PostgreSQL: the tables in an order where each comes after the tables its foreign keys point
/// to, so that every COPY finds the rows it refers to (a table referring to itself is checked at
/// the end of its own COPY). Ties keep name order, so the order is the same on every run.
pub(crate) async fn in_dependency_order(
    tx: &mut Tx,
    tables: &[String],
) -> Result<Vec<String>, StoreError> {
    let Conn::Postgres(c) = tx.conn() else {
        return Ok(tables.to_vec());
    };
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text FROM pg_constraint k
         JOIN pg_class child ON child.oid = k.conrelid
         JOIN pg_class parent ON parent.oid = k.confrelid
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut waits_for: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (child, parent) in &edges {
        if child != parent && waits_for.contains_key(parent.as_str()) {
            if let Some(parents) = waits_for.get_mut(child.as_str()) {
                parents.insert(parent.as_str());
            }
        }
    }
    let mut order: Vec<String> = Vec::with_capacity(tables.len());
    while !waits_for.is_empty() {
        let ready: Vec<&str> = waits_for
            .iter()
            .filter(|(_, parents)| parents.is_empty())
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Invalid(format!(
                "các bảng {} tham chiếu vòng tròn nhau: không xác định được thứ tự nạp",
                waits_for.keys().copied().collect::<Vec<_>>().join(", ")
            )));
        }
        for table in ready {
            waits_for.remove(table);
            for parents in waits_for.values_mut() {
                parents.remove(table);
            }
            order.push(table.to_string());
        }
    }
    Ok(order)
}

/// PostgreSQL: every identity or serial column's sequence set to continue after the largest id
/// loaded (COPY writes ids as given and leaves the sequences where they were).
pub(crate) async fn reset_sequences(tx: &mut Tx) -> Result<(), StoreError> {
    let Conn::Postgres(c) = tx.conn() else {
        return Ok(());
    };
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema()
           AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
         ORDER BY 1, 2",
    )
    .fetch_all(&mut *c)
    .await?;
    for (table, column) in columns {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence($1, $2),
                           COALESCE((SELECT MAX({col}) FROM {tab}), 0) + 1, false)",
            col = quoted(&column),
            tab = quoted(&table),
        ))
        .bind(quoted(&table))
        .bind(&column)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// SQLite: a table's columns and whether its rows must keep their `rowid` too: a rowid table
/// without an `INTEGER PRIMARY KEY` (whose rowid would otherwise be renumbered), as the
/// full-text index of procedures points to its rows by rowid.
pub(crate) async fn sqlite_columns(
    tx: &mut Tx,
    table: &str,
) -> Result<(Vec<String>, bool), StoreError> {
    let Conn::Sqlite(c) = tx.conn() else {
        return Err(StoreError::Config("chỉ dùng cho SQLite".into()));
    };
    let columns: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1, 'main') ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *c)
            .await?;
    let without_rowid: bool =
        sqlx::query_scalar("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = $1")
            .bind(table)
            .fetch_one(&mut *c)
            .await?;
    let keys: Vec<&(String, String, i64)> = columns.iter().filter(|(_, _, pk)| *pk > 0).collect();
    let integer_key = keys.len() == 1 && keys[0].1.eq_ignore_ascii_case("INTEGER");
    Ok((
        columns.into_iter().map(|(name, _, _)| name).collect(),
        !without_rowid && !integer_key,
    ))
}

/// A table's primary-key columns, in key order.
async fn primary_key(tx: &mut Tx, table: &str, sqlite: bool) -> Result<Vec<String>, StoreError> {
    let keys: Vec<String> = db!(tx.conn(), |c| sqlx::query_scalar(if sqlite {
        "SELECT name FROM pragma_table_info($1, 'main') WHERE pk > 0 ORDER BY pk"
    } else {
        "SELECT k.column_name::text FROM information_schema.table_constraints t
         JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name
          AND k.table_schema = t.table_schema AND k.table_name = t.table_name
         WHERE t.table_schema = current_schema() AND t.table_name = $1
           AND t.constraint_type = 'PRIMARY KEY'
         ORDER BY k.ordinal_position"
    })
    .bind(table)
    .fetch_all(&mut *c)
    .await)?;
    Ok(keys)
}

/// Every row of a table as one line of text (each value as an SQL literal on SQLite, the row's
/// text form on PostgreSQL), in primary-key order (whole-row order without one), with the
/// rowid where restore keeps it: what two databases are compared by after a restore.
pub async fn table_rows(store: &Store, table: &str) -> Result<Vec<String>, StoreError> {
    let sqlite = store.backend() == Backend::Sqlite;
    let mut tx = store.read().await?;
    let keys = primary_key(&mut tx, table, sqlite).await?;
    let order = if keys.is_empty() {
        "1".to_string()
    } else {
        keys.iter()
            .map(|k| quoted(k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = if sqlite {
        let (columns, keeps_rowid) = sqlite_columns(&mut tx, table).await?;
        let mut values: Vec<String> = columns
            .iter()
            .map(|col| format!("quote({})", quoted(col)))
            .collect();
        if keeps_rowid {
            values.insert(0, "rowid".into());
        }
        format!(
            "SELECT {} FROM {} ORDER BY {order}",
            values.join(" || '|' || "),
            quoted(table)
        )
    } else {
        format!(
            "SELECT CAST(r AS text) FROM {} AS r ORDER BY {order}",
            quoted(table)
        )
    };
    let rows: Vec<String> = db!(tx.conn(), |c| sqlx::query_scalar(&sql)
        .fetch_all(&mut *c)
        .await)?;
    Ok(rows)
}
