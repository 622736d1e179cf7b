//! SQLite's one writer connection, kept out of the pool between transactions.
//!
//! A pooled connection goes back to its pool through a spawned task that pings it first; with one
//! writer, the next transaction waited for that hand-over and ping every time (raw commits fell
//! by a fifth when writes moved to one connection). The writer is instead kept in the slot that
//! the write lock guards: whoever holds the lock holds the connection, and gives it back as it
//! releases the lock.

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteTransactionManager;
use sqlx::{Sqlite, SqliteConnection, SqlitePool, TransactionManager};
use tokio::sync::OwnedMutexGuard;

use crate::StoreError;

/// The write lock's content: the writer connection between transactions (none before the first,
/// or after one that must not be reused).
pub(crate) type Slot = Option<PoolConnection<Sqlite>>;

/// One SQLite write transaction, holding the write lock and the writer connection.
pub(crate) struct WriterTx {
    conn: Option<PoolConnection<Sqlite>>,
    slot: OwnedMutexGuard<Slot>,
    /// Give the connection back to the slot at the end (not one with a backup attached, and not
    /// when the store's readers share the writer's pool of one connection).
    keep: bool,
    open: bool,
}

impl WriterTx {
    /// `BEGIN IMMEDIATE` on the slot's connection, or on one taken from `pool` when the slot is
    /// empty.
    pub(crate) async fn begin(
        mut slot: OwnedMutexGuard<Slot>,
        pool: &SqlitePool,
        keep: bool,
    ) -> Result<WriterTx, StoreError> {
        let conn = match slot.take() {
            Some(conn) => conn,
            None => pool.acquire().await?,
        };
        WriterTx::begin_on(slot, conn, keep).await
    }

    /// `BEGIN IMMEDIATE` on a given connection of the writer's pool, under the write lock.
    pub(crate) async fn begin_on(
        slot: OwnedMutexGuard<Slot>,
        mut conn: PoolConnection<Sqlite>,
        keep: bool,
    ) -> Result<WriterTx, StoreError> {
        // A write transaction's statements mostly touch one dossier's indexed rows: handing each
        // to the connection's thread and back cost more than running it, so they run on the
        // task's own thread (vendor/README.md). BEGIN, COMMIT and ROLLBACK, which may wait for
        // another process or the disk, still go to the connection's thread.
        conn.execute_inline(true);
        let mut tx = WriterTx {
            conn: Some(conn),
            slot,
            keep,
            open: false,
        };
        if let Err(e) =
            SqliteTransactionManager::begin(tx.conn(), Some("BEGIN IMMEDIATE".into())).await
        {
            // Perhaps a broken connection: back to the pool, which tests it, not to the slot.
            tx.keep = false;
            return Err(e.into());
        }
        tx.open = true;
        Ok(tx)
    }

    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_mut()
            .expect("the writer connection is held until the transaction ends")
    }

    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let result = SqliteTransactionManager::commit(self.conn()).await;
        self.finished(result)
    }

    pub(crate) async fn rollback(mut self) -> Result<(), StoreError> {
        let result = SqliteTransactionManager::rollback(self.conn()).await;
        self.finished(result)
    }

    fn finished(&mut self, result: Result<(), sqlx::Error>) -> Result<(), StoreError> {
        match result {
            Ok(()) => {
                self.open = false;
                Ok(())
            }
            Err(e) => {
                self.keep = false;
                Err(e.into())
            }
        }
    }
}

impl Drop for WriterTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if self.open {
            // Dropped unfinished (an error, a cancelled request): the rollback is queued on the
            // connection's thread ahead of anything the next holder sends.
            SqliteTransactionManager::start_rollback(&mut conn);
        }
        if self.keep {
            *self.slot = Some(conn);
        } else {
            // Back to the pool, whose other users (the readers, in a store of one connection)
            // may run long statements.
            conn.execute_inline(false);
        }
    }
}
