//! The servers under test: `xaso serve` processes of this very binary on loopback ports, over the
//! database being measured, and their memory as the kernel counts it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use xaso_store::WriteTotals;

use crate::config::Config;

/// Public look-ups per minute the servers allow one address: the bench sends them all from
/// 127.0.0.1, and the limit under test is the server's, not the limiter's.
const UNLIMITED_LOOKUPS: &str = "1000000000";

pub struct Server {
    child: std::process::Child,
    pub base: String,
    pid: u32,
    pub log: PathBuf,
}

impl Server {
    /// Starts `xaso serve` on a free loopback port and waits until `/healthz` answers.
    pub async fn start(
        config: &Config,
        index: usize,
        client: &reqwest::Client,
    ) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("không tìm được cổng trống trên 127.0.0.1")?
            .port();
        let log =
            std::env::temp_dir().join(format!("xaso-bench-{}-{index}.log", std::process::id()));
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("không tạo được {}", log.display()))?;
        let mut command = std::process::Command::new(
            std::env::current_exe().context("không tìm thấy tệp chạy xaso")?,
        );
        command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&config.data_dir.value)
            .arg("--database-url")
            .arg(config.effective_database_url())
            .env("XASO_PUBLIC_LOOKUPS_PER_MINUTE", UNLIMITED_LOOKUPS)
            // Warnings only, unless the caller asked for more (XASO_LOG=sqlx::query=debug times
            // every statement); the log is then kept.
            .env(
                "XASO_LOG",
                std::env::var("XASO_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        let child = command.spawn().context("không chạy được xaso serve")?;
        let pid = child.id();
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            pid,
            log,
        };
        server.wait_ready(client).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, client: &reqwest::Client) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "xaso serve dừng khi khởi động ({status}); xem {}",
                    self.log.display()
                );
            }
            let health = client.get(format!("{}/healthz", self.base)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "xaso serve không sẵn sàng sau 120 giây; xem {}",
            self.log.display()
        )
    }

    /// Resident memory now and its high-water mark, in bytes.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .context("không đọc được /proc/…/status của máy chủ")?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kb| kb.parse::<u64>().ok())
                .map(|kb| kb * 1024)
        };
        Ok(Memory {
            resident: field("VmRSS:").unwrap_or(0),
            peak: field("VmHWM:").unwrap_or(0),
        })
    }

    /// The CPU time the server has used so far, user and system, all its threads (those ended
    /// too), from `/proc/PID/stat`; `None` where that cannot be read.
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // After the command's name in parentheses: the state is field 3, utime and stime 14 and 15.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // In USER_HZ, which Linux fixes at 100 per second for every program's view of /proc.
        Some(Duration::from_millis(ticks * 10))
    }

    /// The bytes the server has had read from a disk so far, all its threads (those ended too),
    /// from `/proc/PID/io`: pages found in the system's page cache are not counted. `None` where
    /// that cannot be read.
    pub fn disk_read(&self) -> Option<u64> {
        let io = std::fs::read_to_string(format!("/proc/{}/io", self.pid)).ok()?;
        io.lines()
            .find_map(|line| line.strip_prefix("read_bytes:"))
            .and_then(|bytes| bytes.trim().parse().ok())
    }

    /// The server's write transactions so far, from its `/metrics`; `None` if it did not answer.
    pub async fn write_totals(&self, client: &reqwest::Client) -> Option<WriteTotals> {
        let text = client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let value = |name: &str| -> Option<f64> {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .and_then(|v| v.trim().parse().ok())
        };
        let seconds = |name: &str| value(name).map(Duration::from_secs_f64);
        Some(WriteTotals {
            transactions: value("xaso_write_transactions_total")? as u64,
            held: seconds("xaso_write_held_seconds_total")?,
            waited: seconds("xaso_write_waited_seconds_total")?,
        })
    }

    /// Starts the high-water mark afresh, so that the next reading is one scenario's peak.
    pub fn reset_peak(&self) {
        // "5" resets the peak resident size (Linux 4.0+); on failure the peak stays cumulative.
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5");
    }

    pub fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        if std::env::var_os("XASO_LOG").is_none() {
            let _ = std::fs::remove_file(&self.log);
        } else {
            println!("nhật ký máy chủ: {}", self.log.display());
        }
        Ok(())
    }
}

impl Drop for Server {
    /// A bench stopped by an error leaves no server behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Clone, Copy)]
pub struct Memory {
    pub resident: u64,
    pub peak: u64,
}

pub fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
