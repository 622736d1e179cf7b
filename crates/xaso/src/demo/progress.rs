//! A progress line on stderr: rewritten in place on a terminal, a plain line every few seconds
//! otherwise (a log file, a pipe).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// 1234567 → "1.234.567", as Vietnamese writes numbers.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// "1:05:09" or "4:12".
pub fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

pub struct Progress {
    started: Instant,
    last: Option<Instant>,
    terminal: bool,
    every: Duration,
}

impl Progress {
    pub fn new() -> Progress {
        let terminal = std::io::stderr().is_terminal();
        Progress {
            started: Instant::now(),
            last: None,
            terminal,
            every: if terminal {
                Duration::from_millis(200)
            } else {
                Duration::from_secs(10)
            },
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Shows `done` of `total` unless shown a moment ago (always at the end).
    pub fn update(&mut self, done: u64, total: u64) {
        let now = Instant::now();
        let finished = done >= total;
        if !finished && self.last.is_some_and(|t| now - t < self.every) {
            return;
        }
        self.last = Some(now);
        let elapsed = self.started.elapsed();
        let seconds = elapsed.as_secs_f64().max(0.001);
        let rate = done as f64 / seconds;
        let percent = if total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / total as f64
        };
        let left = if rate > 0.0 {
            clock(Duration::from_secs_f64(
                (total.saturating_sub(done)) as f64 / rate,
            ))
        } else {
            "?".into()
        };
        let line = format!(
            "{} / {} hồ sơ  {} %  {} hồ sơ/giây  đã chạy {}  còn khoảng {}",
            grouped(done),
            grouped(total),
            format!("{percent:.1}").replace('.', ","),
            grouped(rate as u64),
            clock(elapsed),
            left
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r{line:<100}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    /// Ends the line on a terminal.
    pub fn finish(&mut self) {
        if self.terminal {
            let _ = writeln!(std::io::stderr());
        }
    }
}
