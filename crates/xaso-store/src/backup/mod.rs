//! Online backups: a consistent copy of the database and of every blob its rows refer to, in one
//! folder. SQLite is copied whole (`VACUUM INTO`); PostgreSQL is copied table by table in one
//! repeatable-read snapshot (`COPY … TO STDOUT`, CSV with a header), so that no outside tool is
//! needed. Blobs are copied after the database, checked against their hash: they never change
//! and rows referring to them are never deleted, so every blob of the snapshot is there.
//! [`restore`] loads such a folder into an empty database and file store.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::files::{sha256_hex, Files};
use crate::{Backend, Store, StoreError};

mod restore;
mod tables;

pub use restore::{restore, Restored};
pub use tables::table_rows;

/// The manifest's name in a backup folder.
pub const MANIFEST: &str = "xaso-backup.json";

/// What a backup holds, written to `xaso-backup.json` in its folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub created_at: DateTime<Utc>,
    pub backend: String,
    /// The SQLite file, or the folder of per-table CSV files.
    pub database: String,
    pub tables: Vec<String>,
    pub blobs: usize,
    pub blob_bytes: u64,
    /// Blobs the rows refer to that the file store does not have (a damaged store).
    pub missing_blobs: Vec<String>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Unavailable(format!("không ghi được {}: {e}", path.display()))
}

/// Backs the database and its blobs up into `folder`, which must not exist or be empty.
pub async fn run(
    store: &Store,
    files: &Files,
    folder: &Path,
    now: DateTime<Utc>,
) -> Result<Manifest, StoreError> {
    if folder.exists()
        && std::fs::read_dir(folder)
            .map_err(io(folder))?
            .next()
            .is_some()
    {
        return Err(StoreError::Config(format!(
            "thư mục sao lưu {} đã có dữ liệu: hãy chọn một thư mục mới",
            folder.display()
        )));
    }
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    let tables = store.table_names().await?;
    let database = match store.backend() {
        Backend::Sqlite => {
            let target = folder.join("xaso.db");
            let path = target
                .to_str()
                .ok_or_else(|| StoreError::Config("đường dẫn sao lưu phải là UTF-8".into()))?
                .to_string();
            store.vacuum_into(&path).await?;
            "xaso.db".to_string()
        }
        Backend::Postgres => {
            let target = folder.join("tables");
            std::fs::create_dir_all(&target).map_err(io(&target))?;
            store.copy_tables_out(&tables, &target).await?;
            "tables/".to_string()
        }
    };
    let mut tx = store.read().await?;
    let referenced = crate::blobs::referenced(&mut tx).await?;
    tx.commit().await?;
    let copies = Files::local(folder.join("files"));
    let mut manifest = Manifest {
        created_at: now,
        backend: store.backend().name().to_string(),
        database,
        tables,
        blobs: 0,
        blob_bytes: 0,
        missing_blobs: Vec::new(),
    };
    for hash in referenced {
        let bytes = match files.get(&hash).await {
            Ok(bytes) => bytes,
            Err(StoreError::NotFound(_)) => {
                manifest.missing_blobs.push(hash);
                continue;
            }
            Err(other) => return Err(other),
        };
        if sha256_hex(&bytes) != hash {
            return Err(StoreError::Foreign(format!(
                "tệp {hash} trong kho tệp không khớp mã băm (kho tệp bị hỏng)"
            )));
        }
        manifest.blob_bytes += bytes.len() as u64;
        copies.put(bytes).await?;
        manifest.blobs += 1;
    }
    let written = folder.join(MANIFEST);
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| StoreError::Invalid(format!("không ghi được bản kê: {e}")))?;
    std::fs::write(&written, text).map_err(io(&written))?;
    Ok(manifest)
}

impl Store {
    /// SQLite: a consistent copy of the whole database into a new file.
    async fn vacuum_into(&self, path: &str) -> Result<(), StoreError> {
        let crate::Pool::Sqlite(pools) = &self.pool else {
            return Err(StoreError::Config("VACUUM INTO chỉ dùng cho SQLite".into()));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&pools.readers)
            .await?;
        Ok(())
    }

    /// PostgreSQL: every table as CSV with a header, all read in one snapshot.
    async fn copy_tables_out(&self, tables: &[String], folder: &Path) -> Result<(), StoreError> {
        let crate::Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::Config("COPY chỉ dùng cho PostgreSQL".into()));
        };
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        for table in tables {
            let quoted = tables::quoted(table);
            let target: PathBuf = folder.join(format!("{table}.csv"));
            let mut out = tokio::fs::File::create(&target)
                .await
                .map_err(io(&target))?;
            let mut stream = tx
                .copy_out_raw(&format!(
                    "COPY {quoted} TO STDOUT WITH (FORMAT csv, HEADER true)"
                ))
                .await?;
            while let Some(chunk) = stream.next().await {
                tokio::io::AsyncWriteExt::write_all(&mut out, &chunk?)
                    .await
                    .map_err(io(&target))?;
            }
            drop(stream);
            out.sync_all().await.map_err(io(&target))?;
        }
        tx.commit().await?;
        Ok(())
    }
}
