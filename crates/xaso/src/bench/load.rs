//! Closed-loop load: each client sends its next request when the previous one answered, until the
//! scenario's time is up; every request's latency is kept for the percentiles.

use std::future::Future;
use std::time::{Duration, Instant};

/// What one client saw.
#[derive(Default)]
pub struct Recorder {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

impl Recorder {
    /// Times one request; a failure is counted (and the first one kept) instead of timed.
    pub async fn time<T, E: std::fmt::Display>(
        &mut self,
        request: impl Future<Output = Result<T, E>>,
    ) -> Option<T> {
        let started = Instant::now();
        let outcome = request.await;
        self.record(started, outcome.as_ref()).then_some(())?;
        outcome.ok()
    }

    /// Keeps the outcome of a request sent at `started`; whether it succeeded.
    pub fn record<T, E: std::fmt::Display>(
        &mut self,
        started: Instant,
        outcome: Result<&T, &E>,
    ) -> bool {
        match outcome {
            Ok(_) => {
                self.latencies.push(started.elapsed());
                true
            }
            Err(error) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| error.to_string());
                false
            }
        }
    }

    fn merge(&mut self, other: Recorder) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// A scenario's requests: how many answered, in how long, their latencies, and the failures.
pub struct Measured {
    pub elapsed: Duration,
    /// Sorted, shortest first.
    pub latencies: Vec<Duration>,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Measured {
    pub fn from_latencies(mut latencies: Vec<Duration>, elapsed: Duration) -> Measured {
        latencies.sort_unstable();
        Measured {
            elapsed,
            latencies,
            errors: 0,
            first_error: None,
        }
    }

    /// Answered requests per second.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency under which `fraction` of the requests answered (nearest rank).
    pub fn percentile(&self, fraction: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = (fraction * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

/// Runs `clients` clients for `duration`; `client(i, deadline)` loops until the deadline and
/// returns what it recorded.
pub async fn run<F, Fut>(clients: usize, duration: Duration, client: F) -> Measured
where
    F: Fn(usize, Instant) -> Fut,
    Fut: Future<Output = Recorder> + Send + 'static,
{
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|i| tokio::spawn(client(i, deadline)))
        .collect();
    let mut all = Recorder::default();
    for task in tasks {
        match task.await {
            Ok(recorded) => all.merge(recorded),
            Err(e) => {
                all.errors += 1;
                all.first_error.get_or_insert(e.to_string());
            }
        }
    }
    let mut measured = Measured::from_latencies(all.latencies, started.elapsed());
    measured.errors = all.errors;
    measured.first_error = all.first_error;
    measured
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let latencies = (1..=100).map(Duration::from_millis).collect();
        let measured = Measured::from_latencies(latencies, Duration::from_secs(2));
        assert_eq!(measured.percentile(0.5), Duration::from_millis(50));
        assert_eq!(measured.percentile(0.99), Duration::from_millis(99));
        assert_eq!(measured.percentile(1.0), Duration::from_millis(100));
        assert!((measured.throughput() - 50.0).abs() < 1e-9);
        let empty = Measured::from_latencies(Vec::new(), Duration::from_secs(1));
        assert_eq!(empty.percentile(0.99), Duration::ZERO);
    }

    #[tokio::test]
    async fn failures_are_counted_not_timed() {
        let measured = run(
            2,
            Duration::from_millis(30),
            |client, deadline| async move {
                let mut recorder = Recorder::default();
                while Instant::now() < deadline {
                    let outcome = if client == 0 {
                        Ok(())
                    } else {
                        Err("503".to_string())
                    };
                    recorder.time(async { outcome }).await;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                recorder
            },
        )
        .await;
        assert!(!measured.latencies.is_empty());
        assert!(measured.errors > 0);
        assert_eq!(measured.first_error.as_deref(), Some("503"));
    }
}
