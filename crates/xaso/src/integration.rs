//! `xaso integrations`: the messages to other systems (the national portal's status sync,
//! webhooks): their states, a delivery worker, webhook subscriptions and replays.

use anyhow::Context;
use clap::Subcommand;
use xaso_domain::integration::Event;
use xaso_store::audit::Actor;
use xaso_store::integration::{self, Worker};

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum IntegrationsCommand {
    /// How many messages wait, were sent, failed, per destination (portal, webhook)
    Status,
    /// Deliver what is due now, then stop (serve delivers all the time)
    Deliver,
    /// Subscribe an address to events; prints the subscription's signing secret once
    Subscribe {
        url: String,
        /// dossier.status_changed, dossier.action (comma-separated)
        #[arg(long, default_value = "dossier.status_changed")]
        events: String,
    },
    /// The webhook subscriptions
    Webhooks,
    /// The delivery log of a subscription, or of the portal when none is given
    Deliveries {
        #[arg(long)]
        subscription: Option<uuid::Uuid>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Send a logged message again
    Replay { message: uuid::Uuid },
}

pub async fn run(config: &Config, command: IntegrationsCommand) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    let now = chrono::Utc::now();
    let actor = Actor::system("dòng lệnh");
    match command {
        IntegrationsCommand::Status => {
            let mut tx = store.read().await?;
            let counts = integration::counts(&mut tx).await?;
            tx.commit().await?;
            println!("nơi nhận\ttrạng thái\tsố tin");
            for (target, status, count) in counts {
                println!("{target}\t{status}\t{count}");
            }
        }
        IntegrationsCommand::Deliver => {
            let worker = Worker::new(store.clone(), config.notify.endpoints()?)?;
            let total = integration::drain(|| worker.deliver_due(&chrono::Utc::now)).await?;
            println!(
                "Đã gửi {}, sẽ gửi lại {}, không gửi được {}, bỏ qua (chưa cấu hình cổng) {}.",
                total.sent, total.retrying, total.failed, total.skipped
            );
        }
        IntegrationsCommand::Subscribe { url, events } => {
            let events = events
                .split(',')
                .map(str::trim)
                .map(|e| {
                    Event::parse(e).with_context(|| {
                        format!(
                            "sự kiện `{e}` không có (có: dossier.status_changed, dossier.action)"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut tx = store.begin().await?;
            let subscription = integration::subscribe(&mut tx, &url, &events, now, &actor).await?;
            tx.commit().await?;
            println!("{}\t{}", subscription.id, subscription.secret);
            eprintln!(
                "Khóa ký (chỉ hiển thị một lần): kiểm tra tiêu đề X-Xaso-Signature bằng khóa này."
            );
        }
        IntegrationsCommand::Webhooks => {
            let mut tx = store.read().await?;
            let list = integration::subscriptions(&mut tx).await?;
            tx.commit().await?;
            println!("mã\tđịa chỉ\tsự kiện\tngừng");
            for s in list {
                let stopped = s.disabled_at.map_or("—".to_string(), |t| t.to_rfc3339());
                println!("{}\t{}\t{}\t{stopped}", s.id, s.url, s.events);
            }
        }
        IntegrationsCommand::Deliveries {
            subscription,
            limit,
        } => {
            let mut tx = store.read().await?;
            let list = integration::deliveries(&mut tx, subscription, limit).await?;
            tx.commit().await?;
            println!("mã\tsự kiện\thồ sơ\tphiên bản\ttrạng thái\tsố lần\tlỗi");
            for d in list {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    d.id,
                    d.event,
                    d.dossier_code,
                    d.dossier_version,
                    d.status,
                    d.attempts,
                    d.last_error.unwrap_or_default()
                );
            }
        }
        IntegrationsCommand::Replay { message } => {
            let mut tx = store.begin().await?;
            let id = integration::replay(&mut tx, message, now, &actor).await?;
            tx.commit().await?;
            println!("Đã xếp gửi lại: {id}");
        }
    }
    store.close().await;
    Ok(())
}
