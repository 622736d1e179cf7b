//! Restoring a backup into an empty database and file store (`xaso restore --from DIR`).
//!
//! What can be checked without writing is checked first: the manifest, the backend, that the
//! target holds no data, the backup's schema steps against this program's. The blobs are copied
//! next (each checked against its hash, written atomically), before any row that refers to them,
//! as live writes do. Then every table is loaded in one transaction, which also checks that each
//! blob the rows refer to arrived, moves the id counters past the loaded ids and appends
//! `system.restore` to the audit chain. A failure leaves the database as it was; blobs already
//! copied are orphans that garbage collection removes.
//!
//! A backup made by an older version reaches the current schema through the migrations an
//! upgrade runs: SQLite migrates a scratch copy of the backup, then loads it; PostgreSQL builds
//! the backup's own schema in the target, loads, then runs the newer steps.
//!
//! A backup restores only on the backend it was made on: the SQLite file and PostgreSQL's CSV
//! hold times, booleans and ids in each backend's own forms.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::tables::{self, quoted, LEDGER};
use super::{Manifest, MANIFEST};
use crate::audit::{self, Actor};
use crate::files::{sha256_hex, Files};
use crate::writer::WriterTx;
use crate::{db, Backend, Conn, Pool, Store, StoreError, Tx, TxInner};

/// What a restore loaded.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Restored {
    pub backend: String,
    pub backup_created_at: DateTime<Utc>,
    pub tables: usize,
    pub rows: u64,
    pub blobs: usize,
    pub blob_bytes: u64,
    /// Schema steps run after loading, for a backup made by an older version.
    pub migrated: usize,
}

/// Restores the backup in `folder` into `store`, which must hold no data yet (a new SQLite file,
/// a new PostgreSQL database, or one only migrated), and its blobs into `files`.
pub async fn restore(
    store: &Store,
    files: &Files,
    folder: &Path,
    now: DateTime<Utc>,
) -> Result<Restored, StoreError> {
    let manifest = Manifest::read(folder)?;
    let backend = store.backend();
    manifest.check(folder, backend)?;
    let mut tx = store.read().await?;
    refuse_data(&mut tx, store).await?;
    tx.commit().await?;

    let current: BTreeSet<i64> = store.migrations().iter().map(|(v, _)| *v).collect();
    let (scratch, versions) = match backend {
        Backend::Sqlite => {
            // A new file has no schema yet; the backup is loaded at the current one.
            store.migrate().await?;
            let (scratch, versions) = Scratch::migrated_copy(store, folder).await?;
            (Some(scratch), versions)
        }
        Backend::Postgres => (None, schema_of_backup(store, folder).await?),
    };
    let (present, blob_bytes) = copy_blobs(files, folder, &manifest).await?;

    let (mut tx, tables, rows) = match &scratch {
        Some(scratch) => load_sqlite(store, &scratch.path).await?,
        None => load_postgres(store, folder).await?,
    };
    let referenced = crate::blobs::referenced(&mut tx).await?;
    let missing: Vec<&String> = referenced.difference(&present).collect();
    if let Some(first) = missing.first() {
        return Err(StoreError::Foreign(format!(
            "bản sao lưu thiếu {} tệp mà dữ liệu nhắc đến (ví dụ {first}): bản sao lưu không đầy đủ, không phục hồi",
            missing.len()
        )));
    }
    let restored = Restored {
        backend: manifest.backend.clone(),
        backup_created_at: manifest.created_at,
        tables,
        rows,
        blobs: present.len(),
        blob_bytes,
        migrated: current.difference(&versions).count(),
    };
    if backend == Backend::Postgres && versions != current {
        // PostgreSQL loaded at the backup's schema: the newer steps run as an upgrade would,
        // each in its own transaction; the audit row then goes in with the current schema.
        tx.commit().await?;
        store.migrate().await?;
        tx = store.begin().await?;
    }
    audit::record(
        &mut tx,
        now,
        &Actor::system("xaso restore"),
        "system.restore",
        "backup",
        &manifest.created_at.to_rfc3339(),
        serde_json::json!({
            "folder": folder.display().to_string(),
            "tables": restored.tables,
            "rows": restored.rows,
            "blobs": restored.blobs,
            "blob_bytes": restored.blob_bytes,
            "migrated": restored.migrated,
        }),
    )
    .await?;
    tx.commit().await?;
    drop(scratch);
    Ok(restored)
}

impl Manifest {
    /// The manifest of the backup in `folder`, or why the folder is no backup.
    pub fn read(folder: &Path) -> Result<Manifest, StoreError> {
        let path = folder.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Invalid(format!(
                    "{} không phải bản sao lưu của xaso: không có tệp {MANIFEST} (tạo bằng xaso backup --to THƯ-MỤC)",
                    folder.display()
                )))
            }
            Err(e) => {
                return Err(StoreError::Unavailable(format!(
                    "không đọc được {}: {e}",
                    path.display()
                )))
            }
        };
        serde_json::from_str(&text).map_err(|e| {
            StoreError::Invalid(format!(
                "bản kê {} không hợp lệ ({e}): không phải bản sao lưu của xaso hoặc đã bị sửa",
                path.display()
            ))
        })
    }
}

impl Manifest {
    /// Refuses, before anything is opened or written, a backup of the other backend or one that
    /// already lacked files when it was made.
    pub fn check(&self, folder: &Path, target: Backend) -> Result<(), StoreError> {
        if self.backend != target.name() {
            return Err(StoreError::Invalid(format!(
                "bản sao lưu {} được tạo từ cơ sở dữ liệu {}, không phục hồi được vào {}: chỉ phục hồi vào cùng loại cơ sở dữ liệu",
                folder.display(),
                self.backend,
                target.name()
            )));
        }
        if !self.missing_blobs.is_empty() {
            return Err(StoreError::Foreign(format!(
                "bản sao lưu {} thiếu {} tệp ngay từ khi sao lưu (missing_blobs trong {MANIFEST}): phục hồi sẽ thiếu tệp; hãy dùng bản sao lưu khác",
                folder.display(),
                self.missing_blobs.len()
            )));
        }
        Ok(())
    }
}

/// Refuses a target with rows in any table but the migrations' own: restoring over data in use
/// would mix or lose it, so it takes a new, empty database.
async fn refuse_data(tx: &mut Tx, store: &Store) -> Result<(), StoreError> {
    let used = tables::tables_with_rows(tx, store.backend() == Backend::Sqlite).await?;
    if used.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = used.iter().take(4).map(String::as_str).collect();
    Err(StoreError::Conflict(format!(
        "cơ sở dữ liệu {} đã có dữ liệu (bảng {}{}): chỉ phục hồi vào cơ sở dữ liệu trống để không ghi đè dữ liệu đang dùng; hãy chọn thư mục dữ liệu mới (--data-dir) hoặc một cơ sở dữ liệu PostgreSQL mới tạo",
        store.location,
        shown.join(", "),
        if used.len() > shown.len() { ", …" } else { "" }
    )))
}

/// The backup's schema steps, each known to this program with the same content.
fn check_versions(
    backup: &[(i64, Vec<u8>)],
    ours: &[(i64, Vec<u8>)],
) -> Result<BTreeSet<i64>, StoreError> {
    if backup.is_empty() {
        return Err(StoreError::Foreign(
            "bản sao lưu không ghi các bước cập nhật cấu trúc đã áp dụng (bảng _sqlx_migrations): bản sao lưu bị hỏng".into(),
        ));
    }
    for (version, checksum) in backup {
        match ours.iter().find(|(v, _)| v == version) {
            None => return Err(StoreError::Migration(format!(
                "bản sao lưu được tạo bởi một phiên bản xaso mới hơn (bước {version}); hãy phục hồi bằng phiên bản xaso mới hơn"
            ))),
            Some((_, ours)) if ours != checksum => return Err(StoreError::Migration(format!(
                "bước cập nhật {version} của bản sao lưu khác với bản trong chương trình này"
            ))),
            Some(_) => {}
        }
    }
    Ok(backup.iter().map(|(v, _)| *v).collect())
}

/// SQLite: the backup's file copied beside the target and migrated to the current schema; the
/// backup itself is never written. Removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// The copy, and the schema steps the backup was made with.
    async fn migrated_copy(
        target: &Store,
        folder: &Path,
    ) -> Result<(Scratch, BTreeSet<i64>), StoreError> {
        let source = folder.join("xaso.db");
        if !source.is_file() {
            return Err(StoreError::Foreign(format!(
                "bản sao lưu {} thiếu tệp cơ sở dữ liệu xaso.db",
                folder.display()
            )));
        }
        let mut tx = target.read().await?;
        let main: String = db!(tx.conn(), |c| sqlx::query_scalar(
            "SELECT file FROM pragma_database_list WHERE name = 'main'"
        )
        .fetch_one(&mut *c)
        .await)?;
        tx.commit().await?;
        // Beside the target: the same disk, which must hold the data anyway.
        let dir = match Path::new(&main).parent() {
            Some(dir) if !main.is_empty() => dir.to_path_buf(),
            _ => std::env::temp_dir(),
        };
        let scratch = Scratch {
            path: dir.join(format!(".xaso-restore-{}.db", crate::new_id())),
        };
        std::fs::copy(&source, &scratch.path).map_err(|e| {
            StoreError::Unavailable(format!(
                "không chép được {} sang {}: {e}",
                source.display(),
                scratch.path.display()
            ))
        })?;
        let copy = Store::open_with(&format!("sqlite://{}", scratch.path.display()), 1).await?;
        let checked = async {
            let mut tx = copy.read().await?;
            let ledger: Vec<(i64, Vec<u8>)> = db!(tx.conn(), |c| sqlx::query_as(
                "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version"
            )
            .fetch_all(&mut *c)
            .await)
            .unwrap_or_default();
            tx.commit().await?;
            let versions = check_versions(&ledger, &target.migrations())?;
            copy.migrate().await?;
            // Back to a single file, so that attaching it makes no -wal beside it.
            if let Pool::Sqlite(pools) = &copy.pool {
                sqlx::query("PRAGMA journal_mode = DELETE")
                    .execute(&pools.writer)
                    .await?;
            }
            Ok::<_, StoreError>(versions)
        }
        .await;
        copy.close().await;
        Ok((scratch, checked?))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// SQLite: every table of the scratch copy into the target, in one transaction on a connection
/// that has the copy attached (ATTACH cannot run inside a transaction).
async fn load_sqlite(store: &Store, scratch: &Path) -> Result<(Tx, usize, u64), StoreError> {
    let Pool::Sqlite(pools) = &store.pool else {
        return Err(StoreError::Config("chỉ dùng cho SQLite".into()));
    };
    // The kept writer back to its pool, to be taken again here and closed after the restore.
    let slot = store.writer_returned().await;
    let mut conn = pools.writer.acquire().await?;
    // The attachment must not outlive this restore on a connection the pool hands out again.
    conn.close_on_drop();
    let path = scratch
        .to_str()
        .ok_or_else(|| StoreError::Config("đường dẫn phải là UTF-8".into()))?;
    sqlx::query("ATTACH DATABASE $1 AS backup")
        .bind(path)
        .execute(&mut *conn)
        .await?;
    // What `Store::begin` does, on a connection that first had the copy attached; not kept.
    let mut tx = Tx {
        inner: TxInner::SqliteWriter(WriterTx::begin_on(slot, conn, false).await?),
        remembered: Default::default(),
        write_clock: None,
    };
    refuse_data(&mut tx, store).await?;
    let tables: Vec<String> = tables::data_tables(&mut tx, true)
        .await?
        .into_iter()
        .filter(|t| t != LEDGER)
        .collect();
    let Conn::Sqlite(c) = tx.conn() else {
        return Err(StoreError::Config("chỉ dùng cho SQLite".into()));
    };
    // Rows refer to each other in every direction; the keys are checked once, at commit.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *c)
        .await?;
    // The one table a fresh migration fills.
    sqlx::query("DELETE FROM main.xaso_meta")
        .execute(&mut *c)
        .await?;
    let mut rows = 0;
    for table in &tables {
        let (columns, keeps_rowid) = tables::sqlite_columns(&mut tx, table).await?;
        let mut list: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        if keeps_rowid {
            list.insert(0, "rowid".into());
        }
        let list = list.join(", ");
        let Conn::Sqlite(c) = tx.conn() else {
            return Err(StoreError::Config("chỉ dùng cho SQLite".into()));
        };
        rows += sqlx::query(&format!(
            "INSERT INTO main.{t} ({list}) SELECT {list} FROM backup.{t}",
            t = quoted(table)
        ))
        .execute(&mut *c)
        .await?
        .rows_affected();
    }
    Ok((tx, tables.len(), rows))
}

/// PostgreSQL: the backup's schema steps, read from its copy of the migration ledger, checked,
/// and applied to the target, which may not have steps the backup lacks.
async fn schema_of_backup(store: &Store, folder: &Path) -> Result<BTreeSet<i64>, StoreError> {
    let path = folder.join("tables").join(format!("{LEDGER}.csv"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        StoreError::Foreign(format!(
            "bản sao lưu {} thiếu tệp {} ({e})",
            folder.display(),
            path.display()
        ))
    })?;
    let ledger = parse_ledger(&text).ok_or_else(|| {
        StoreError::Foreign(format!(
            "tệp {} không đọc được: bản sao lưu bị hỏng",
            path.display()
        ))
    })?;
    let versions = check_versions(&ledger, &store.migrations())?;
    let applied = store.applied_migrations().await?;
    if let Some(newer) = applied.difference(&versions).next() {
        return Err(StoreError::Conflict(format!(
            "cơ sở dữ liệu {} đã có bước cập nhật cấu trúc {newer} mà bản sao lưu chưa có: hãy phục hồi vào một cơ sở dữ liệu PostgreSQL mới tạo (chưa chạy xaso migrate hay xaso serve)",
            store.location
        )));
    }
    store.migrate_only(&versions).await?;
    Ok(versions)
}

/// The successful steps of a CSV copy of `_sqlx_migrations`: (version, checksum).
fn parse_ledger(text: &str) -> Option<Vec<(i64, Vec<u8>)>> {
    let mut lines = text.lines();
    let header = csv_fields(lines.next()?);
    let at = |name: &str| header.iter().position(|h| h == name);
    let (version, checksum, success) = (at("version")?, at("checksum")?, at("success")?);
    let mut steps = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let fields = csv_fields(line);
        if fields.get(success)? != "t" {
            continue;
        }
        let hex = fields.get(checksum)?.strip_prefix("\\x")?;
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        steps.push((fields.get(version)?.parse().ok()?, bytes));
    }
    Some(steps)
}

/// The fields of one line of PostgreSQL's CSV (quotes around a field, `""` for a quote inside).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                push(&mut fields, '"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (other, _) => push(&mut fields, other),
        }
    }
    fields
}

fn push(fields: &mut [String], ch: char) {
    if let Some(field) = fields.last_mut() {
        field.push(ch);
    }
}

/// PostgreSQL: every table's CSV copied in, parents before children, in one transaction.
async fn load_postgres(store: &Store, folder: &Path) -> Result<(Tx, usize, u64), StoreError> {
    let dir = folder.join("tables");
    let mut tx = store.begin().await?;
    refuse_data(&mut tx, store).await?;
    let tables: Vec<String> = tables::data_tables(&mut tx, false)
        .await?
        .into_iter()
        .filter(|t| t != LEDGER)
        .collect();
    let io = |e: std::io::Error| {
        StoreError::Unavailable(format!("không đọc được {}: {e}", dir.display()))
    };
    let mut in_backup = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).map_err(io)? {
        let name = entry
            .map_err(io)?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(table) = name.strip_suffix(".csv").filter(|t| *t != LEDGER) {
            in_backup.insert(table.to_string());
        }
    }
    let ours: BTreeSet<String> = tables.iter().cloned().collect();
    if let Some(table) = ours.difference(&in_backup).next() {
        return Err(StoreError::Foreign(format!(
            "bản sao lưu thiếu bảng {table} (tệp tables/{table}.csv): bản sao lưu không đầy đủ"
        )));
    }
    if let Some(table) = in_backup.difference(&ours).next() {
        return Err(StoreError::Foreign(format!(
            "bản sao lưu có bảng {table} mà cấu trúc đã ghi trong nó không có: bản sao lưu bị sửa hoặc hỏng"
        )));
    }
    // The one table a fresh migration fills.
    db!(tx.conn(), |c| sqlx::query("DELETE FROM xaso_meta")
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    let mut rows = 0;
    for table in tables::in_dependency_order(&mut tx, &tables).await? {
        let path = dir.join(format!("{table}.csv"));
        let header = {
            let text = std::fs::read_to_string(&path).map_err(io)?;
            text.lines().next().map(csv_fields).unwrap_or_default()
        };
        let columns: Vec<String> = header.iter().map(|c| quoted(c)).collect();
        let file = tokio::fs::File::open(&path).await.map_err(io)?;
        let Conn::Postgres(c) = tx.conn() else {
            return Err(StoreError::Config("chỉ dùng cho PostgreSQL".into()));
        };
        // COPY writes identity columns as given, as restoring needs.
        let mut copy = c
            .copy_in_raw(&format!(
                "COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)",
                quoted(&table),
                columns.join(", ")
            ))
            .await?;
        copy.read_from(file).await?;
        rows += copy.finish().await?;
    }
    tables::reset_sequences(&mut tx).await?;
    Ok((tx, tables.len(), rows))
}

/// Every blob of the backup into `files`, each checked against its name first. Returns the
/// hashes and their total size.
async fn copy_blobs(
    files: &Files,
    folder: &Path,
    manifest: &Manifest,
) -> Result<(BTreeSet<String>, u64), StoreError> {
    let source = Files::local(folder.join("files"));
    let listed = source.list().await?;
    if listed.len() < manifest.blobs {
        return Err(StoreError::Foreign(format!(
            "bản sao lưu thiếu tệp: bản kê ghi {} tệp nhưng thư mục {} chỉ có {}; không phục hồi",
            manifest.blobs,
            folder.join("files").display(),
            listed.len()
        )));
    }
    let mut present = BTreeSet::new();
    let mut bytes = 0;
    for blob in listed {
        let data = source.get(&blob.sha256).await?;
        if sha256_hex(&data) != blob.sha256 {
            return Err(StoreError::Foreign(format!(
                "tệp {} trong bản sao lưu không khớp mã băm: bản sao lưu bị hỏng, không phục hồi",
                blob.sha256
            )));
        }
        bytes += data.len() as u64;
        files.put(data).await?;
        present.insert(blob.sha256);
    }
    Ok((present, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_is_read_from_its_csv() {
        let csv = "version,description,installed_on,success,checksum,execution_time\n\
                   1,\"foundation, \"\"first\"\"\",2026-03-02 02:00:00+00,t,\\x0aff,12\n\
                   2,broken,2026-03-02 02:00:00+00,f,\\x00,1\n";
        assert_eq!(parse_ledger(csv), Some(vec![(1, vec![0x0a, 0xff])]));
        assert_eq!(csv_fields("a,\"b,c\",\"d\"\"e\""), vec!["a", "b,c", "d\"e"]);
        assert_eq!(parse_ledger("version\n1\n"), None);
    }

    #[test]
    fn unknown_or_changed_steps_are_refused() {
        let ours = vec![(1, vec![1]), (2, vec![2])];
        let older = check_versions(&[(1, vec![1])], &ours).expect("older");
        assert_eq!(older, BTreeSet::from([1]));
        assert!(matches!(
            check_versions(&[(1, vec![1]), (3, vec![3])], &ours),
            Err(StoreError::Migration(m)) if m.contains("mới hơn (bước 3)")
        ));
        assert!(matches!(
            check_versions(&[(2, vec![9])], &ours),
            Err(StoreError::Migration(m)) if m.contains("bước cập nhật 2")
        ));
        assert!(check_versions(&[], &ours).is_err());
    }
}
