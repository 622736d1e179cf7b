//! How busy the store's writers are: write transactions counted with the time each held the
//! write (SQLite's write lock and its one writer connection; on PostgreSQL the audit chain's lock,
//! which nearly every write takes first) and the time it waited for it. Writes are serial on
//! both backends, so the share of the wall-clock time they hold it is the headroom left for more
//! (exposed on `/metrics`; `xaso bench` prints it for the lifecycle).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The store's counters since it opened.
#[derive(Default)]
pub(crate) struct WriteLoad {
    transactions: AtomicU64,
    held_nanos: AtomicU64,
    waited_nanos: AtomicU64,
}

/// What the write transactions of a store have taken so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteTotals {
    /// Write transactions ended (committed, rolled back or dropped).
    pub transactions: u64,
    /// Time between holding the write and giving it back, summed.
    pub held: Duration,
    /// Time between asking for the write and holding it, summed.
    pub waited: Duration,
}

impl WriteTotals {
    /// What happened between `earlier` and these totals.
    pub fn since(&self, earlier: &WriteTotals) -> WriteTotals {
        WriteTotals {
            transactions: self.transactions.saturating_sub(earlier.transactions),
            held: self.held.saturating_sub(earlier.held),
            waited: self.waited.saturating_sub(earlier.waited),
        }
    }

    /// These totals and `other`'s together (several servers' counters).
    pub fn plus(&self, other: &WriteTotals) -> WriteTotals {
        WriteTotals {
            transactions: self.transactions + other.transactions,
            held: self.held + other.held,
            waited: self.waited + other.waited,
        }
    }

    /// The average time a transaction held the write.
    pub fn held_each(&self) -> Duration {
        average(self.held, self.transactions)
    }

    /// The average time a transaction waited for the write.
    pub fn waited_each(&self) -> Duration {
        average(self.waited, self.transactions)
    }
}

fn average(total: Duration, count: u64) -> Duration {
    if count == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(u64::try_from(total.as_nanos() / u128::from(count)).unwrap_or(0))
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl WriteLoad {
    pub(crate) fn totals(&self) -> WriteTotals {
        WriteTotals {
            transactions: self.transactions.load(Ordering::Relaxed),
            held: Duration::from_nanos(self.held_nanos.load(Ordering::Relaxed)),
            waited: Duration::from_nanos(self.waited_nanos.load(Ordering::Relaxed)),
        }
    }
}

/// A write transaction's clock: started when it asked for the write, told when it holds it;
/// counted when dropped (with its transaction).
pub(crate) struct WriteClock {
    load: Arc<WriteLoad>,
    asked: Instant,
    holding: Option<Instant>,
}

impl WriteClock {
    pub(crate) fn asked(load: &Arc<WriteLoad>) -> WriteClock {
        WriteClock {
            load: load.clone(),
            asked: Instant::now(),
            holding: None,
        }
    }

    pub(crate) fn holding(mut self) -> WriteClock {
        self.holding = Some(Instant::now());
        self
    }
}

impl Drop for WriteClock {
    fn drop(&mut self) {
        // A transaction that never got the write (an error while asking) is not counted.
        let Some(holding) = self.holding else {
            return;
        };
        let load = &self.load;
        load.transactions.fetch_add(1, Ordering::Relaxed);
        load.held_nanos
            .fetch_add(nanos(holding.elapsed()), Ordering::Relaxed);
        load.waited_nanos
            .fetch_add(nanos(holding - self.asked), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_counts_its_wait_and_its_hold_once_it_ends() {
        let load = Arc::new(WriteLoad::default());
        let clock = WriteClock::asked(&load);
        std::thread::sleep(Duration::from_millis(20));
        let clock = clock.holding();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(load.totals().transactions, 0, "counted only when it ends");
        drop(clock);
        let totals = load.totals();
        assert_eq!(totals.transactions, 1);
        assert!(totals.waited >= Duration::from_millis(20), "{totals:?}");
        assert!(totals.held >= Duration::from_millis(30), "{totals:?}");
        drop(WriteClock::asked(&load));
        assert_eq!(load.totals().transactions, 1, "never held: not counted");
        let later = load.totals();
        assert_eq!(later.since(&totals), WriteTotals::default());
        assert_eq!(totals.plus(&totals).since(&totals), totals);
        assert_eq!(totals.held_each(), totals.held);
        assert_eq!(WriteTotals::default().held_each(), Duration::ZERO);
    }
}
