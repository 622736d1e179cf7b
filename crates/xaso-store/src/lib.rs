//! xaso storage: one [`Store`] over embedded SQLite (a commune) or PostgreSQL (a province).
//!
//! Every query is written once, with `$1` placeholders that both backends accept, and run on
//! whichever pool the store holds through the [`db!`] macro. Each business area has its module.

pub mod agency;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod blobs;
pub mod calendar;
pub mod catalog;
pub mod certification;
pub mod citizen;
mod connect;
pub mod demo;
mod direct;
pub mod dossier;
pub mod feedback;
pub mod files;
pub mod identity;
pub mod integration;
mod lender;
pub mod meta;
pub mod notification;
pub mod payment;
pub mod pki;
pub mod plan;
pub mod report;
pub mod testing;
mod write_load;
mod writer;

use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

pub use connect::{redact_url, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
pub use write_load::WriteTotals;

/// Runs one expression, written once, against whichever backend a connection holds.
/// `db!(conn, |c| sqlx::query("…").bind(x).execute(&mut *c).await)`
#[macro_export]
macro_rules! db {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::Conn::Sqlite($c) => $body,
            $crate::Conn::Postgres($c) => $body,
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if any.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePools),
    Postgres(PgPool),
}

/// SQLite's connections: readers, and the one connection every write goes through. SQLite
/// empties a connection's page cache whenever another connection has written since its last
/// transaction, and each connection prepares its own statements: with writes spread over the
/// pool, a write transaction began with a cold cache, often re-preparing its statements, all
/// inside the write lock. Only the writer writes now, so its cache and statements stay warm
/// (lifecycle steps +20 % at 500 000 dossiers).
#[derive(Clone)]
struct SqlitePools {
    readers: SqlitePool,
    writer: SqlitePool,
    /// The readers use the writer's pool of one connection (a store of one connection): the
    /// writer then goes back to the pool after each transaction, or reads would wait for it.
    shared: bool,
    /// Reads outside sqlx, for the public look-up (a file's store of several connections only;
    /// see `direct`).
    direct: Option<std::sync::Arc<direct::DirectReads>>,
}

/// The database, shared by every request of every instance.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The URL with any password replaced, for messages and `xaso config`.
    pub location: String,
    /// SQLite has one writer at a time: writers of this process queue here, first come first
    /// served, instead of spinning on the file lock (which can starve one of them). The lock
    /// holds the writer connection between transactions (see `writer`).
    sqlite_writer: std::sync::Arc<tokio::sync::Mutex<writer::Slot>>,
    /// The public look-ups' connections where they are not read outside sqlx, and
    /// the officers' one-statement reads (see `lender`, `direct`).
    lookups: Lookups,
    /// Agencies read by committed transactions, for every later one (see `agency`).
    known_agencies: std::sync::Arc<agency::KnownAgencies>,
    /// The audit chain's end as the last committed append left it (see `audit`).
    known_chain_end: std::sync::Arc<audit::KnownChainEnd>,
    /// Procedure bodies read by committed transactions (see `catalog::procedure`).
    known_procedures: std::sync::Arc<catalog::KnownProcedures>,
    /// Write transactions counted and timed (see `write_load`).
    write_load: std::sync::Arc<write_load::WriteLoad>,
}

#[derive(Clone)]
enum Lookups {
    Sqlite(lender::Lender<Sqlite>),
    Postgres(lender::Lender<Postgres>),
}

/// A connection borrowed from a transaction or the pool.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    SqliteWriter(writer::WriterTx),
    Postgres(Transaction<'static, Postgres>),
}

/// A connection outside any transaction, for a read that is **one statement**: a statement sees
/// one snapshot by itself on both backends, and skipping BEGIN and ROLLBACK saves two of the
/// round trips of the public look-up, the page every citizen with a receipt opens. Lent by the
/// look-ups' lender (see `lender`): [`OneStatement::finished`] once the statement has run.
pub struct OneStatement {
    inner: LentInner,
}

enum LentInner {
    Sqlite(lender::Lent<Sqlite>),
    Postgres(lender::Lent<Postgres>),
}

impl OneStatement {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            LentInner::Sqlite(c) => Conn::Sqlite(c.conn()),
            LentInner::Postgres(c) => Conn::Postgres(c.conn()),
        }
    }

    /// The statement ran to its end: the connection is kept for the next look-up. Dropped
    /// without this, it goes back to the pool, which tests it first.
    pub fn finished(self) {
        match self.inner {
            LentInner::Sqlite(c) => c.finished(),
            LentInner::Postgres(c) => c.finished(),
        }
    }
}

/// A transaction: everything done through it, audit rows included, commits or rolls back together.
pub struct Tx {
    inner: TxInner,
    remembered: Remembered,
    /// A write transaction's time holding the write, counted when it ends (after `inner`, which
    /// gives the write back when dropped).
    write_clock: Option<write_load::WriteClock>,
}

/// Rows a transaction read and is likely to read again: one dossier step read the same agencies
/// up to eight times and its procedure version four times, each a round trip inside the write
/// lock. Kept for the transaction only, so nothing outlives what the transaction may see; a
/// write through the transaction to those rows forgets them. Agencies, only ever inserted, are
/// also known to the whole store once a transaction that read them commits (see `agency`).
#[derive(Default)]
struct Remembered {
    agencies: std::collections::HashMap<uuid::Uuid, agency::Agency>,
    /// The store's agencies known from committed transactions.
    known_agencies: std::sync::Arc<agency::KnownAgencies>,
    procedures: std::collections::HashMap<(String, i64), catalog::ProcedureRecord>,
    /// The store's procedure bodies known from committed transactions.
    known_procedures: std::sync::Arc<catalog::KnownProcedures>,
    /// The audit row this transaction appended last (see `audit::record`).
    audit_head: Option<audit::Link>,
    /// The audit chain's end the store knows from committed transactions.
    known_chain_end: std::sync::Arc<audit::KnownChainEnd>,
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Conn::Sqlite(tx),
            TxInner::SqliteWriter(tx) => Conn::Sqlite(tx.conn()),
            TxInner::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        let write_clock = self.write_clock;
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::SqliteWriter(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        drop(write_clock);
        // Committed: the agencies it read exist for good (not one it inserted and rolled back).
        let remembered = self.remembered;
        remembered
            .known_agencies
            .learn(remembered.agencies.into_values());
        remembered
            .known_procedures
            .learn(remembered.procedures.into_iter());
        if let Some(appended) = remembered.audit_head {
            remembered.known_chain_end.learn(appended);
        }
        Ok(())
    }

    /// Undoes everything done through the transaction (dropping it does the same, later).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::SqliteWriter(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

impl Store {
    /// What a new transaction starts out remembering: the agencies the store knows.
    fn remembered(&self) -> Remembered {
        Remembered {
            known_agencies: self.known_agencies.clone(),
            known_chain_end: self.known_chain_end.clone(),
            known_procedures: self.known_procedures.clone(),
            ..Remembered::default()
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A unit of work that may write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so concurrent writers queue behind the busy timeout instead of failing when a
    /// read lock cannot be upgraded. On PostgreSQL it takes the audit chain's lock first: nearly
    /// every write appends to the chain, and a transaction that locked rows (a day's code counter,
    /// a report day) before waiting for the chain deadlocked with one that held the chain and
    /// wanted those rows (found by `xaso bench` with two servers).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let clock = write_load::WriteClock::asked(&self.write_load);
        let inner = match &self.pool {
            Pool::Sqlite(pools) => {
                let slot = self.sqlite_writer.clone().lock_owned().await;
                TxInner::SqliteWriter(
                    writer::WriterTx::begin(slot, &pools.writer, !pools.shared).await?,
                )
            }
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(audit::CHAIN_LOCK)
                    .execute(&mut *tx)
                    .await?;
                TxInner::Postgres(tx)
            }
        };
        Ok(Tx {
            inner,
            remembered: self.remembered(),
            write_clock: Some(clock.holding()),
        })
    }

    /// The write transactions so far and their time holding and waiting for the write.
    pub fn write_totals(&self) -> WriteTotals {
        self.write_load.totals()
    }

    /// A read-only unit of work. Reads run in a transaction too, so that a page sees one snapshot.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite(pools) => TxInner::Sqlite(pools.readers.begin().await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            remembered: self.remembered(),
            write_clock: None,
        })
    }

    /// A connection for a read that is one statement (see [`OneStatement`]).
    pub async fn one_statement(&self) -> Result<OneStatement, StoreError> {
        let inner = match &self.lookups {
            Lookups::Sqlite(lender) => LentInner::Sqlite(lender.lend().await?),
            Lookups::Postgres(lender) => LentInner::Postgres(lender.lend().await?),
        };
        Ok(OneStatement { inner })
    }

    /// A pool connection for a read that is one statement, never kept and outside the look-ups'
    /// half of the pool: finding who calls (a session or an API token), on every officer's
    /// request, without the two extra hand-overs of BEGIN and COMMIT.
    pub async fn one_pooled_statement(&self) -> Result<OneStatement, StoreError> {
        let inner = match &self.lookups {
            Lookups::Sqlite(lender) => LentInner::Sqlite(lender.lend_unkept().await?),
            Lookups::Postgres(lender) => LentInner::Postgres(lender.lend_unkept().await?),
        };
        Ok(OneStatement { inner })
    }

    /// Reads made outside sqlx, where the store has them (SQLite; see `direct`).
    pub(crate) fn direct_reads(&self) -> Option<&std::sync::Arc<direct::DirectReads>> {
        match &self.pool {
            Pool::Sqlite(pools) => pools.direct.as_ref(),
            Pool::Postgres(_) => None,
        }
    }

    /// Gives the look-ups' kept connections back to the pool, which tests them before lending
    /// them again (before closing it; after one of them turned out broken).
    pub(crate) fn let_go_kept_look_up_connections(&self) {
        match &self.lookups {
            Lookups::Sqlite(lender) => lender.release_kept(),
            Lookups::Postgres(lender) => lender.release_kept(),
        }
    }

    fn with_pool(pool: Pool, location: String) -> Store {
        let lookups = match &pool {
            Pool::Sqlite(pools) => Lookups::Sqlite(lender::Lender::new(pools.readers.clone())),
            Pool::Postgres(pool) => Lookups::Postgres(lender::Lender::new(pool.clone())),
        };
        Store {
            pool,
            location,
            sqlite_writer: std::sync::Arc::new(tokio::sync::Mutex::new(None)),
            lookups,
            known_agencies: Default::default(),
            known_chain_end: Default::default(),
            known_procedures: Default::default(),
            write_load: Default::default(),
        }
    }

    /// The write lock, with the writer kept between transactions given back to its pool: for
    /// work that takes its connection from the pool itself (migrations, closing, a restore).
    async fn writer_returned(&self) -> tokio::sync::OwnedMutexGuard<writer::Slot> {
        let mut slot = self.sqlite_writer.clone().lock_owned().await;
        slot.take();
        slot
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.let_go_kept_look_up_connections();
        match &self.pool {
            Pool::Sqlite(pools) => {
                // The writer kept between transactions goes back first, or closing would wait.
                drop(self.writer_returned().await);
                if let Some(direct) = &pools.direct {
                    direct.close();
                }
                pools.readers.close().await;
                pools.writer.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut tx = self.read().await?;
        let one: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT)"
        )
        .fetch_one(&mut *c)
        .await)?;
        debug_assert_eq!(one, 1);
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The configuration names something that cannot work (bad URL, missing folder).
    #[error("{0}")]
    Config(String),
    /// The database server or file cannot be reached or opened.
    #[error("{0}")]
    Unavailable(String),
    /// The file or database exists but is not an xaso database, or is damaged.
    #[error("{0}")]
    Foreign(String),
    #[error("lỗi cập nhật cấu trúc cơ sở dữ liệu: {0}")]
    Migration(String),
    #[error("không tìm thấy {0}")]
    NotFound(String),
    /// A uniqueness rule or a concurrent change stopped the operation.
    #[error("{0}")]
    Conflict(String),
    /// The input breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The password was right; the account's one-time code is needed too.
    #[error("{0}")]
    SecondFactor(String),
    /// Too many attempts: try again later.
    #[error("{0}")]
    Locked(String),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Database(#[from] sqlx::Error),
    /// A read outside sqlx failed (see `direct`).
    #[error("lỗi đọc cơ sở dữ liệu: {0}")]
    DirectRead(String),
}

impl StoreError {
    /// Whether a database error is a unique-constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// A unique-constraint violation becomes `Conflict` with the given explanation.
    pub fn conflict_if_unique(self, explain: impl FnOnce() -> String) -> StoreError {
        if self.is_unique_violation() {
            StoreError::Conflict(explain())
        } else {
            self
        }
    }

    /// Whether the database could not be reached (the request may succeed later): no pool
    /// connection in time, a broken connection, or PostgreSQL refusing work while it shuts down,
    /// starts or loses a session (SQLSTATE class 08 "connection exception" and 57P01–57P05:
    /// operator intervention, server shutting down, starting up or crashed).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            StoreError::Database(sqlx::Error::Database(e)) => e
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        }
    }
}

/// Ids bound to one `IN (…)` list: both backends take this many parameters in one statement, and
/// the rows read for them stay a few hundred at a time whatever the province's size.
pub(crate) const IDS_PER_STATEMENT: usize = 500;

/// `$1, $2, …, $count`: the placeholders of an `IN (…)` list of `count` bound values.
pub(crate) fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fresh UUIDv7: time-ordered, so new rows land at the end of indexes.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
