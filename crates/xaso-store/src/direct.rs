//! SQLite reads run on the request's own thread, for the public look-up.
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is a message to that
//! thread, and each row comes back as a message, every one of them a thread to wake on a core
//! that the other requests also want. For the public look-up — one statement reading a few
//! indexed pages, the page every citizen with a receipt opens — those hand-overs cost more than
//! the statement (BENCHMARKS.md). Here the statement runs where the request runs, on a read-only
//! connection of its own opened through rusqlite (the same SQLite library sqlx links).
//!
//! Why on an async thread: the look-up's pages are read from the system's page cache in tens of
//! microseconds, and a reader of a WAL database never waits for the writer. A page not yet in
//! that cache (the first look-ups after a start, on a large province) is a disk read made on the
//! request's thread; the other threads go on serving.
//!
//! Connections are opened when first needed, kept for the next read, and dropped after an error
//! (the next read opens a fresh one).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// Idle connections kept for the next reads: one per thread that reads at the same moment.
const KEPT: usize = 16;

/// How long a read waits on a lock: only a WAL reader opening while the file is recovered after
/// a crash waits at all, and it waits on the request's thread.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) struct DirectReads {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

impl DirectReads {
    pub(crate) fn new(file: PathBuf) -> DirectReads {
        DirectReads {
            file,
            idle: Mutex::default(),
            closed: AtomicBool::new(false),
        }
    }

    /// Runs `read` on a kept connection, or a new one.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable("cơ sở dữ liệu đang đóng".into()));
        }
        let kept = self.idle.lock().expect("direct readers").pop();
        let conn = match kept {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = read(&conn).map_err(|e| self.describe(e))?;
        let mut idle = self.idle.lock().expect("direct readers");
        if idle.len() < KEPT && !self.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
        Ok(result)
    }

    /// Closes the kept connections; later reads are refused.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.idle.lock().expect("direct readers").clear();
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| self.describe(e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.describe(e))?;
        Ok(conn)
    }

    /// Locks, I/O and a file that cannot be opened may pass (503); anything else is a fault.
    fn describe(&self, error: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode::*;
        let passing = matches!(
            error.sqlite_error_code(),
            Some(DatabaseBusy | DatabaseLocked | SystemIoFailure | CannotOpen | OutOfMemory)
        );
        let text = format!("{}: {error}", self.file.display());
        if passing {
            StoreError::Unavailable(text)
        } else {
            StoreError::DirectRead(text)
        }
    }
}

/// A column holding a time, read as sqlx reads it (see [`time`]).
pub(crate) struct Time(pub DateTime<Utc>);

impl FromSql for Time {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Time> {
        let text = value.as_str()?;
        time(text)
            .map(Time)
            .ok_or_else(|| FromSqlError::Other(format!("`{text}` không phải một thời điểm").into()))
    }
}

/// A time as sqlx writes it to SQLite (RFC 3339, `2025-03-04T05:06:07.123+00:00`) or as SQLite's
/// own functions do (`2025-03-04 05:06:07`, UTC): the forms sqlx reads back.
pub(crate) fn time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::time;
    use chrono::{TimeZone, Utc};

    #[test]
    fn times_are_read_in_the_forms_sqlx_and_sqlite_write() {
        let at = Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(time("2025-03-04T05:06:07+00:00"), Some(at));
        assert_eq!(time("2025-03-04T12:06:07+07:00"), Some(at));
        assert_eq!(time("2025-03-04 05:06:07"), Some(at));
        assert_eq!(time("2025-03-04 05:06:07+00:00"), Some(at));
        let fraction = at + chrono::Duration::microseconds(123_456);
        assert_eq!(time("2025-03-04T05:06:07.123456Z"), Some(fraction));
        assert_eq!(time("2025-03-04 05:06:07.123456"), Some(fraction));
        assert_eq!(time("04/03/2025"), None);
    }
}
