//! `xaso notifications`: deliver the outbox (a worker of its own, beside or instead of the one in
//! `serve`), its delivery states, and the templates a commune edits.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use xaso_store::notification::Worker;

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum NotificationsCommand {
    /// Deliver messages until stopped (SIGTERM, Ctrl-C); safe beside `serve` and other workers
    Deliver {
        /// Deliver what is due now, then stop
        #[arg(long)]
        once: bool,
        /// How long a claimed message stays this worker's before another may take it again
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        lease_seconds: u32,
    },
    /// How many messages are waiting, sent, failed, per channel
    Status,
    /// Print the built-in message templates (to start a commune's own file), or check a file
    Templates {
        /// Check this templates file and say what is wrong, with line numbers
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
}

pub async fn run(config: &Config, command: NotificationsCommand) -> anyhow::Result<()> {
    match command {
        NotificationsCommand::Deliver {
            once,
            lease_seconds,
        } => {
            let (store, _) = open_store(config).await?;
            let channels = config.notify.channels()?;
            let mut worker = Worker::new(store.clone(), channels);
            worker.lease = chrono::Duration::seconds(i64::from(lease_seconds.max(1)));
            let clock = chrono::Utc::now;
            if once {
                let total = xaso_store::notification::drain(|| worker.deliver_due(&clock)).await?;
                println!(
                    "Đã gửi {}, sẽ gửi lại {}, không gửi được {}, bỏ qua (chưa cấu hình kênh) {}.",
                    total.sent, total.retrying, total.failed, total.skipped
                );
            } else {
                println!("Đang gửi thông báo (dừng bằng Ctrl-C)…");
                let stop = crate::serve::shutdown_signal()?;
                worker
                    .run(&clock, std::time::Duration::from_secs(2), stop)
                    .await;
            }
            store.close().await;
            Ok(())
        }
        NotificationsCommand::Status => {
            let (store, _) = open_store(config).await?;
            let mut tx = store.read().await?;
            let counts = xaso_store::notification::counts(&mut tx).await?;
            if counts.is_empty() {
                println!("Chưa có thông báo nào.");
            }
            for (channel, status, count) in counts {
                println!("{channel}\t{status}\t{count}");
            }
            Ok(())
        }
        NotificationsCommand::Templates { check: None } => {
            let (_, text) = crate::embedded::NOTIFICATIONS
                .first()
                .context("thiếu tệp dữ liệu data/notifications/mau-thong-bao.toml")?;
            print!("{text}");
            Ok(())
        }
        NotificationsCommand::Templates { check: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("không đọc được {}", path.display()))?;
            xaso_domain::notification::Templates::parse(&path.display().to_string(), &text)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}: mẫu thông báo hợp lệ.", path.display());
            Ok(())
        }
    }
}
