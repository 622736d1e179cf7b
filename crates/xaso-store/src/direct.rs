//! SQLite reads for the public look-up, on connections of their own outside sqlx.
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is a message to that
//! thread, and each row comes back as a message, every one of them a thread to wake on a core
//! that the other requests also want. For the public look-up — one statement reading a few
//! indexed pages, the page every citizen with a receipt opens — those hand-overs cost more than
//! the statement (BENCHMARKS.md). Here the statement runs on a read-only connection opened through
//! rusqlite (the same SQLite library sqlx links), in one of two places:
//!
//! - on the request's own async thread, while the database's pages are in the system's page
//!   cache: no hand-over at all (a look-up costs the server 76–78 µs of CPU there against
//!   130–139 µs on the blocking pool, 500 000 dossiers);
//! - on a thread of tokio's blocking pool, one hand-over for the whole statement, while reads on
//!   the async threads have waited for the disk more than [`DISK_WAIT_PER_SECOND`]. A province's
//!   database is larger than the page cache, and a server has one async thread per core: two
//!   look-ups waiting for the disk there stopped every other request of the server (measured on
//!   a 3 GB database whose pages the host had dropped: the static file's p99 went from 3–7 ms to
//!   about a second, officers' pages waiting behind the citizens'). On the blocking pool a cold
//!   look-up waits alone, and [`READERS`] of them keep the disk busy at once.
//!
//! Whether a read waited for the disk is the kernel's count of blocks this thread read
//! (`getrusage`), before and after: a page found in the page cache is not counted.
//!
//! Connections are opened when first needed, kept for the next read, and dropped after an error
//! (the next read opens a fresh one).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// Reads running at once on the blocking pool, each with a connection of its own: enough to
/// keep a disk busy when the pages are cold, few enough that their threads' memory stays small
/// (each connection keeps its own page cache, each thread its own allocator arena). Also the
/// connections kept for the next reads.
const READERS: usize = 8;

/// How long, per second, the async threads may wait for the disk in reads made there (at most one
/// second's worth at once). Beyond it reads go to the blocking pool until the excess is paid back
/// at that rate, so that waits for the disk hold the async threads at most a quarter of one
/// thread's time. 50 ms sent the look-ups of a mostly cached database to the pool most of the
/// time, at 137 µs of CPU each instead of 76–106. A fixed cold spell after each read from the disk
/// was tried and not kept: with the 3 GB database mostly in the page cache but one look-up in
/// twenty or so reading a page from the disk, the spells sent most look-ups to the blocking pool,
/// about 40 % fewer look-ups per second than reading them all on the async threads.
const DISK_WAIT_PER_SECOND: Duration = Duration::from_millis(250);

/// How long a read waits on a lock: only a WAL reader opening while the file is recovered after
/// a crash waits at all.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) struct DirectReads {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
    /// [`READERS`] permits for the blocking pool; closed with the store, so that waiting reads
    /// are refused.
    running: Arc<tokio::sync::Semaphore>,
    /// Reads go to the blocking pool until this time (microseconds after `epoch`).
    cold_until: AtomicU64,
    /// The async threads' waits for the disk not yet paid back, and when that was reckoned.
    disk_waits: Mutex<DiskWaits>,
    epoch: Instant,
    /// [`DISK_WAIT_PER_SECOND`], in microseconds.
    allowance: u64,
}

#[derive(Default)]
struct DiskWaits {
    owed: u64,
    at: u64,
}

impl DirectReads {
    pub(crate) fn new(file: PathBuf) -> DirectReads {
        DirectReads {
            file,
            idle: Mutex::default(),
            closed: AtomicBool::new(false),
            running: Arc::new(tokio::sync::Semaphore::new(READERS)),
            cold_until: AtomicU64::new(0),
            disk_waits: Mutex::default(),
            epoch: Instant::now(),
            allowance: micros(DISK_WAIT_PER_SECOND),
        }
    }

    /// Runs `read` on a kept connection or a new one: on this thread, or on the blocking pool
    /// while the async threads have waited for the disk more than they may (see the module's
    /// comment), where it waits (without a thread) while [`READERS`] reads are running.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        if !self.is_cold() {
            if let Some(before) = blocks_read_by_this_thread() {
                let started = self.now();
                let result = self.read_here(read);
                if blocks_read_by_this_thread() != Some(before) {
                    self.waited_for_the_disk(started, self.now());
                }
                return result;
            }
        }
        // The permit goes with the read: a request given up while its read runs still counts
        // until the read ends.
        let permit = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| closed())?;
        let reads = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let result = reads.read_here(read);
            drop(permit);
            result
        })
        .await
        .map_err(|e| StoreError::DirectRead(format!("{}: {e}", self.file.display())))?
    }

    fn read_here<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        let kept = self.idle.lock().expect("direct readers").pop();
        let conn = match kept {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = read(&conn).map_err(|e| self.describe(e))?;
        let mut idle = self.idle.lock().expect("direct readers");
        if idle.len() < READERS && !self.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
        Ok(result)
    }

    /// Microseconds since the reads were set up.
    fn now(&self) -> u64 {
        micros(self.epoch.elapsed())
    }

    fn is_cold(&self) -> bool {
        self.now() < self.cold_until.load(Ordering::Relaxed)
    }

    /// A read on an async thread, from `started` to `now`, had to wait for the disk: what the
    /// async threads owe grows by its time, less what the allowance has paid back since the last
    /// one; past one second's allowance, the reads go to the blocking pool until the excess is
    /// repaid. (The clock is read by the caller so that the arithmetic can be tested exactly.)
    fn waited_for_the_disk(&self, started: u64, now: u64) {
        let mut waits = self.disk_waits.lock().expect("disk waits");
        let repaid = now.saturating_sub(waits.at).saturating_mul(self.allowance) / 1_000_000;
        waits.owed = waits.owed.saturating_sub(repaid) + now.saturating_sub(started);
        waits.at = now;
        if waits.owed > self.allowance {
            let excess = waits.owed - self.allowance;
            let spell = excess
                .saturating_mul(1_000_000)
                .checked_div(self.allowance)
                .unwrap_or(u64::MAX);
            self.cold_until
                .store(now.saturating_add(spell), Ordering::Relaxed);
        }
    }

    /// Closes the kept connections; later reads are refused.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.running.close();
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

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// What a read of a closed store gets.
fn closed() -> StoreError {
    StoreError::Unavailable("cơ sở dữ liệu đang đóng".into())
}

/// Blocks this thread has read from a disk so far (Linux's `getrusage`); `None` where the
/// system does not say, and reads then always go to the blocking pool.
fn blocks_read_by_this_thread() -> Option<i64> {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::resource::{getrusage, UsageWho};
        getrusage(UsageWho::RUSAGE_THREAD)
            .ok()
            .map(|usage| usage.block_reads())
    }
    #[cfg(not(target_os = "linux"))]
    None
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
    use super::{time, DirectReads, READERS};
    use chrono::{TimeZone, Utc};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A database file of one table with one row, in WAL mode as the store's, on the disk that
    /// holds the test program (not a temporary folder, which may live in memory); the writing
    /// connection stays open, as the server's does.
    fn database() -> (PathBuf, rusqlite::Connection) {
        let exe = std::env::current_exe().expect("test program");
        let dir = exe
            .ancestors()
            .nth(2)
            .expect("target folder")
            .join("xaso-tests");
        std::fs::create_dir_all(&dir).expect("folder beside the test program is writable");
        let file = dir.join(format!("{}.db", crate::new_id()));
        let conn = rusqlite::Connection::open(&file).expect("create");
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .expect("fill");
        (file, conn)
    }

    /// Written to the disk and dropped from the system's page cache: the next read waits for
    /// the disk.
    fn evict(file: &Path) {
        use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};
        let f = std::fs::File::open(file).expect("open");
        f.sync_all().expect("sync");
        posix_fadvise(&f, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED).expect("posix_fadvise");
    }

    fn one(c: &rusqlite::Connection) -> rusqlite::Result<(i64, std::thread::ThreadId)> {
        let x = c.query_row("SELECT x FROM t", [], |r| r.get(0))?;
        Ok((x, std::thread::current().id()))
    }

    /// Reads over a database just dropped from the page cache, allowed `allowance` µs of waits
    /// for the disk a second, after a first read (from the disk) on this thread; the writer is
    /// kept open with them.
    async fn after_a_first_read_from_the_disk(
        allowance: u64,
    ) -> (Arc<DirectReads>, rusqlite::Connection) {
        let (file, writer) = database();
        evict(&file);
        let mut reads = DirectReads::new(file);
        reads.allowance = allowance;
        let reads = Arc::new(reads);
        let (x, thread) = reads.read(one).await.expect("read");
        assert_eq!((x, thread), (1, std::thread::current().id()));
        (reads, writer)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_read_from_the_page_cache_stays_on_the_async_thread() {
        let (file, _writer) = database();
        let reads = Arc::new(DirectReads::new(file));
        for _ in 0..3 {
            let (x, thread) = reads.read(one).await.expect("read");
            assert_eq!(x, 1);
            assert_eq!(thread, std::thread::current().id());
            assert!(!reads.is_cold());
        }
    }

    /// A read that waited for the disk sends the next ones to the blocking pool, where a slow
    /// one leaves the async thread to other requests: on a runtime of one thread, the read below
    /// waits until another task has run three times. (No wait is allowed here: how fast this
    /// machine's disk answers is not the test's business.)
    #[tokio::test(flavor = "current_thread")]
    async fn after_a_wait_for_the_disk_reads_leave_the_async_thread() {
        let (reads, _writer) = after_a_first_read_from_the_disk(0).await;
        assert!(reads.is_cold(), "the first read found no page in the cache");
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let ticks = Arc::clone(&ticks);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let (seen, thread) = {
            let ticks = Arc::clone(&ticks);
            reads
                .read(move |c| {
                    let start = Instant::now();
                    while ticks.load(Ordering::SeqCst) < 3
                        && start.elapsed() < Duration::from_secs(5)
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    one(c)?;
                    Ok((ticks.load(Ordering::SeqCst), std::thread::current().id()))
                })
                .await
                .expect("read")
        };
        ticker.abort();
        assert_ne!(thread, std::thread::current().id());
        assert!(seen >= 3, "the other task ran {seen} times during the read");
    }

    /// A read from the disk within the allowance leaves the next ones where they are.
    #[tokio::test(flavor = "current_thread")]
    async fn a_quick_read_from_the_disk_keeps_reads_on_the_async_thread() {
        let (reads, _writer) = after_a_first_read_from_the_disk(3_600_000_000).await;
        assert!(!reads.is_cold());
    }

    /// Allowed 50 ms a second, the async threads' waits past that send reads away for as long as
    /// the excess takes to repay at that rate.
    #[test]
    fn waits_past_the_allowance_send_reads_away_while_the_excess_is_repaid() {
        let mut reads = DirectReads::new(PathBuf::from("unused.db"));
        reads.allowance = 50_000;
        let start = 10_000_000;
        reads.waited_for_the_disk(start - 30_000, start);
        assert_eq!(reads.cold_until.load(Ordering::Relaxed), 0, "30 ms owed");
        // 100 ms later another 30 ms wait: 30 - 5 (repaid at 50 ms a second) + 30 = 55 ms owed,
        // 5 ms over the allowance, repaid in 100 ms.
        let later = start + 100_000;
        reads.waited_for_the_disk(later - 30_000, later);
        assert_eq!(reads.cold_until.load(Ordering::Relaxed), later + 100_000);
        // Once that spell has passed, what was owed has been repaid down to the allowance: a
        // wait of 1 ms goes over by 1 ms, 20 ms of blocking-pool reads.
        let after = later + 100_000;
        reads.waited_for_the_disk(after - 1_000, after);
        assert_eq!(reads.cold_until.load(Ordering::Relaxed), after + 20_000);
    }

    /// On the blocking pool reads run side by side, never more than [`READERS`] at once, and
    /// every one answers; once closed, reads are refused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_reads_run_side_by_side_up_to_the_limit() {
        let (file, _writer) = database();
        let reads = DirectReads::new(file);
        reads.cold_until.store(u64::MAX, Ordering::Relaxed);
        let reads = Arc::new(reads);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..3 * READERS {
            let (reads, running, most) =
                (Arc::clone(&reads), Arc::clone(&running), Arc::clone(&most));
            tasks.push(tokio::spawn(async move {
                reads
                    .read(move |c| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                        one(c)
                    })
                    .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("task").expect("read").0, 1);
        }
        let most = most.load(Ordering::SeqCst);
        assert!((2..=READERS).contains(&most), "{most} reads at once");
        reads.close();
        let closed = reads.read(one).await;
        assert!(closed.is_err_and(|e| e.is_unavailable()));
    }

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
