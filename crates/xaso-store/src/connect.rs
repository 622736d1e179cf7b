//! Opening a store from a URL, recognising databases that are not ours, and migrating.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{db, Pool, SqlitePools, Store, StoreError};

pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The URL with its password, if any, replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

impl Store {
    /// Opens the database named by `url` (`sqlite://FILE` or `postgres://…`). Creates a missing
    /// SQLite file but never its folder; refuses a database that belongs to another application.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, 10).await
    }

    /// The same with at most `max_connections` connections (on SQLite, one writer and at most
    /// that many readers, and no more readers than two per core).
    pub async fn open_with(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let location = redact_url(url);
        let pool = match crate::Backend::of_url(url) {
            Some(crate::Backend::Sqlite) => Pool::Sqlite(open_sqlite(url, max_connections).await?),
            Some(crate::Backend::Postgres) => {
                Pool::Postgres(open_postgres(url, &location, max_connections).await?)
            }
            None => return Err(StoreError::Config(format!(
                "không nhận ra loại cơ sở dữ liệu trong `{location}`: dùng sqlite://ĐƯỜNG-DẪN hoặc postgres://NGƯỜI-DÙNG@MÁY:CỔNG/TÊN"
            ))),
        };
        let store = Store::with_pool(pool, location);
        store.refuse_foreign().await?;
        Ok(store)
    }

    /// Brings the schema up to date; returns how many migrations were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await?.len();
        let result = match &self.pool {
            Pool::Sqlite(pools) => {
                let _lock = self.writer_returned().await;
                SQLITE_MIGRATIONS.run(&pools.writer).await
            }
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        self.describe_migrate_error(result)?;
        // Audit rows written before the chain existed get their hashes now, once: SQL could not.
        let mut tx = self.begin().await?;
        crate::audit::seal_unchained(&mut tx).await?;
        tx.commit().await?;
        Ok(self.applied_migrations().await?.len() - before)
    }

    /// This backend's migrations, in order: (version, checksum).
    pub fn migrations(&self) -> Vec<(i64, Vec<u8>)> {
        self.migrator()
            .iter()
            .map(|m| (m.version, m.checksum.to_vec()))
            .collect()
    }

    fn migrator(&self) -> &'static Migrator {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies only the migrations among `versions` (none of them may be unknown): the schema a
    /// backup was made with, to load it before the newer steps run (restore), or an older
    /// database (tests). The audit chain is not sealed here; `migrate` does that.
    pub async fn migrate_only(
        &self,
        versions: &std::collections::BTreeSet<i64>,
    ) -> Result<(), StoreError> {
        let all = self.migrator();
        // `migrate!` builds a `Migrator` from its fields the same way; sqlx is pinned.
        let some = Migrator {
            migrations: std::borrow::Cow::Owned(
                all.iter()
                    .filter(|m| versions.contains(&m.version))
                    .cloned()
                    .collect(),
            ),
            ..Migrator::DEFAULT
        };
        let result = match &self.pool {
            Pool::Sqlite(pools) => {
                let _lock = self.writer_returned().await;
                some.run(&pools.writer).await
            }
            Pool::Postgres(pool) => some.run(pool).await,
        };
        self.describe_migrate_error(result)
    }

    /// The versions of the migrations applied to this database (none when it is new).
    pub async fn applied_migrations(&self) -> Result<std::collections::BTreeSet<i64>, StoreError> {
        if !self
            .table_names()
            .await?
            .iter()
            .any(|t| t == "_sqlx_migrations")
        {
            return Ok(Default::default());
        }
        let mut tx = self.read().await?;
        let versions: Vec<i64> = db!(tx.conn(), |c| sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success"
        )
        .fetch_all(&mut *c)
        .await)?;
        Ok(versions.into_iter().collect())
    }

    fn describe_migrate_error(&self, result: Result<(), MigrateError>) -> Result<(), StoreError> {
        result.map_err(|e| match e {
            MigrateError::VersionMissing(v) => StoreError::Migration(format!(
                "cơ sở dữ liệu {} đã được cập nhật bởi một phiên bản xaso mới hơn (bước {v}); hãy dùng phiên bản xaso mới hơn",
                self.location
            )),
            MigrateError::VersionMismatch(v) => StoreError::Migration(format!(
                "bước cập nhật {v} đã áp dụng cho {} khác với bản trong chương trình này",
                self.location
            )),
            other => StoreError::Migration(other.to_string()),
        })
    }

    /// A database that already has tables but not ours is another application's: refuse it
    /// rather than mix our tables into it.
    async fn refuse_foreign(&self) -> Result<(), StoreError> {
        let tables = self
            .table_names()
            .await
            .map_err(|e| self.describe_open_error(e))?;
        if !tables.is_empty() && !tables.iter().any(|t| t == "xaso_meta") {
            return Err(StoreError::Foreign(format!(
                "cơ sở dữ liệu {} đã chứa dữ liệu của ứng dụng khác ({} bảng, không có bảng xaso_meta); hãy chỉ định một cơ sở dữ liệu trống hoặc của xaso",
                self.location,
                tables.len()
            )));
        }
        Ok(())
    }

    /// Names of the tables of this database (the current schema on PostgreSQL).
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let mut tx = self.read().await?;
        let names: Vec<String> = db!(tx.conn(), |c| {
            sqlx::query_scalar(
            if matches!(self.pool, Pool::Sqlite(_)) {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            } else {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
            }
        )
        .fetch_all(&mut *c)
        .await
        })?;
        Ok(names)
    }

    /// Every (table, column) of the schema's ordinary tables, sorted: what must agree between
    /// the two migration folders. Full-text tables and the migration ledger are left out.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut tx = self.read().await?;
        let mut columns: Vec<(String, String)> = db!(tx.conn(), |c| {
            sqlx::query_as(
            if matches!(self.pool, Pool::Sqlite(_)) {
                "SELECT t.name, c.name FROM pragma_table_list AS t, pragma_table_info(t.name) AS c
                 WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            } else {
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema()"
            }
        )
        .fetch_all(&mut *c)
        .await
        })?;
        columns.retain(|(table, _)| table != "_sqlx_migrations");
        columns.sort();
        Ok(columns)
    }

    fn describe_open_error(&self, error: StoreError) -> StoreError {
        if let StoreError::Database(sqlx::Error::Database(e)) = &error {
            // SQLITE_NOTADB (26) and SQLITE_CORRUPT (11), also as extended codes.
            let code = e
                .code()
                .and_then(|c| c.parse::<i64>().ok())
                .map(|c| c & 0xff);
            if matches!(code, Some(26) | Some(11)) {
                return StoreError::Foreign(format!(
                    "tệp {} không phải cơ sở dữ liệu SQLite hoặc đã bị hỏng ({}); hãy khôi phục từ bản sao lưu hoặc chỉ định tệp khác",
                    self.location,
                    e.message()
                ));
            }
        }
        error
    }
}

async fn open_sqlite(url: &str, max_connections: u32) -> Result<SqlitePools, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("địa chỉ SQLite `{url}` không hợp lệ: {e}")))?;
    let file = options.get_filename().to_path_buf();
    let in_memory = file.as_os_str() == ":memory:" || url.contains("mode=memory");
    if !in_memory {
        let parent = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(StoreError::Config(format!(
                "thư mục {} chứa cơ sở dữ liệu không tồn tại; hãy tạo nó hoặc chọn --data-dir khác",
                parent.display()
            )));
        }
        if file.is_dir() {
            return Err(StoreError::Config(format!(
                "{} là một thư mục, không phải tệp cơ sở dữ liệu",
                file.display()
            )));
        }
    }
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a transaction the citizen was told about survives a power cut, not only a crash.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    // The writer first: it creates a missing file and switches it to WAL before readers open it.
    let writer = sqlite_pool(options.clone(), 1, &file).await?;
    // A store of one connection (a backup's scratch copy, whose journal mode changes at the end)
    // reads through its writer.
    let shared = max_connections <= 1;
    let readers = if shared {
        writer.clone()
    } else {
        sqlite_pool(options, max_connections.min(sqlite_readers()), &file).await?
    };
    let direct =
        (!shared && !in_memory).then(|| std::sync::Arc::new(crate::direct::DirectReads::new(file)));
    Ok(SqlitePools {
        readers,
        writer,
        shared,
        direct,
    })
}

/// How many SQLite connections read at once: two per core. A read runs on its connection's own
/// thread and, with the file's pages in the system's cache, uses only the CPU; more readers added
/// threads, each with its own page cache and allocator arena, and no throughput (a province's
/// 5 000 000 dossiers on 2 cores: ten readers left the server at 155.6 MiB after the bench, four at
/// 102.2 MiB, with the same requests per second — BENCHMARKS.md).
fn sqlite_readers() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(2)).unwrap_or(u32::MAX)
}

async fn sqlite_pool(
    options: SqliteConnectOptions,
    max_connections: u32,
    file: &Path,
) -> Result<sqlx::SqlitePool, StoreError> {
    SqlitePoolOptions::new()
        .max_connections(max_connections.max(1))
        // A SQLite connection is a file handle on a worker thread: it cannot go stale while idle
        // (PostgreSQL's can, when the server restarts), and sqlx already tests each one when it
        // is returned. Testing again on every acquire was one more thread round trip per request.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(15))
        .connect_with(options)
        .await
        .map_err(|e| {
            let text = e.to_string();
            if text.contains("not a database") || text.contains("malformed") {
                StoreError::Foreign(format!(
                    "tệp {} không phải cơ sở dữ liệu SQLite hoặc đã bị hỏng ({text}); hãy khôi phục từ bản sao lưu hoặc chỉ định tệp khác",
                    file.display()
                ))
            } else {
                StoreError::Unavailable(format!("không mở được {}: {text}", file.display()))
            }
        })
}

async fn open_postgres(
    url: &str,
    location: &str,
    max_connections: u32,
) -> Result<sqlx::PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| {
        StoreError::Config(format!("địa chỉ PostgreSQL `{location}` không hợp lệ: {e}"))
    })?;
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| {
            StoreError::Unavailable(format!("không kết nối được PostgreSQL tại {location}: {e}"))
        })
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact_url("postgres://xaso:s3cret@db:5432/xaso"),
            "postgres://xaso:***@db:5432/xaso"
        );
        assert_eq!(
            redact_url("postgres://xaso@db/xaso"),
            "postgres://xaso@db/xaso"
        );
        assert_eq!(
            redact_url("sqlite://./xaso-data/xaso.db"),
            "sqlite://./xaso-data/xaso.db"
        );
    }
}
