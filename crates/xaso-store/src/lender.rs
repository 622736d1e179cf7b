//! Connections for the public look-ups, kept between uses instead of going back to sqlx's pool
//! (PostgreSQL, and a SQLite store without reads outside sqlx: see `direct`).
//!
//! sqlx gives a connection back to its pool through a spawned task that pings it first: a
//! hand-over to the SQLite connection's thread, or a round trip to PostgreSQL. For the public
//! look-up, one statement, that was a second hand-over per request (keeping the connection cut the
//! server's CPU per look-up by 12–15 % and its thread switches by a quarter to a third). A
//! connection whose statement finished is kept here and lent again at once; one dropped before (an
//! error, a cancelled request) goes back to the pool, which tests it as before, and a kept one
//! found broken makes the look-up give every kept connection back (see `dossier::public`).
//!
//! The lender holds at most half of the pool's connections, lent and kept together: citizens'
//! look-ups, however many, always leave the other half to the officers' work, and nothing else
//! waits on the pool for a connection kept here.

use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::StoreError;

pub(crate) struct Lender<DB: Database> {
    pool: Pool<DB>,
    kept: Arc<Mutex<Vec<PoolConnection<DB>>>>,
    permits: Arc<Semaphore>,
    /// Keep finished connections (not when the pool has one connection, which writes too).
    keep: bool,
}

impl<DB: Database> Clone for Lender<DB> {
    fn clone(&self) -> Self {
        Lender {
            pool: self.pool.clone(),
            kept: self.kept.clone(),
            permits: self.permits.clone(),
            keep: self.keep,
        }
    }
}

impl<DB: Database> Lender<DB> {
    pub(crate) fn new(pool: Pool<DB>) -> Lender<DB> {
        let max = pool.options().get_max_connections();
        Lender {
            pool,
            kept: Arc::default(),
            permits: Arc::new(Semaphore::new(usize::try_from(max / 2).unwrap_or(1).max(1))),
            keep: max > 1,
        }
    }

    /// A kept connection, or one from the pool.
    pub(crate) async fn lend(&self) -> Result<Lent<DB>, StoreError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("cơ sở dữ liệu đang đóng".into()))?;
        let kept = self.kept.lock().expect("kept connections").pop();
        let conn = match kept {
            Some(conn) => conn,
            None => self.pool.acquire().await?,
        };
        Ok(Lent {
            conn: Some(conn),
            home: self.keep.then(|| self.kept.clone()),
            _permit: Some(permit),
        })
    }

    /// A connection straight from the pool, outside the lender's half and given back to the pool
    /// (for officers' one-statement reads, which citizens' look-ups must not make wait).
    pub(crate) async fn lend_unkept(&self) -> Result<Lent<DB>, StoreError> {
        Ok(Lent {
            conn: Some(self.pool.acquire().await?),
            home: None,
            _permit: None,
        })
    }

    /// Gives every kept connection back to the pool (before closing it, which waits for them).
    pub(crate) fn release_kept(&self) {
        self.kept.lock().expect("kept connections").clear();
    }
}

/// A lent connection: back to the lender after [`Lent::finished`], to the pool otherwise.
pub(crate) struct Lent<DB: Database> {
    conn: Option<PoolConnection<DB>>,
    home: Option<Arc<Mutex<Vec<PoolConnection<DB>>>>>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl<DB: Database> Lent<DB> {
    pub(crate) fn conn(&mut self) -> &mut PoolConnection<DB> {
        self.conn
            .as_mut()
            .expect("a lent connection is held until it is given back")
    }

    /// The statement ran to its end: the connection is ready for the next one as it is.
    pub(crate) fn finished(mut self) {
        if let (Some(conn), Some(home)) = (self.conn.take(), &self.home) {
            home.lock().expect("kept connections").push(conn);
        }
    }
}
