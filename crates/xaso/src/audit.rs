//! `xaso audit`: checking the audit log's hash chain.

use clap::Subcommand;

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain; name every edited, deleted or reordered row
    Verify,
}

pub async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify = command;
    let (store, _) = open_store(config).await?;
    let report = async {
        let mut tx = store.read().await?;
        let report = xaso_store::audit::verify(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, xaso_store::StoreError>(report)
    }
    .await;
    store.close().await;
    let report = report?;
    if report.problems.is_empty() {
        match &report.last {
            Some((id, hash)) => println!(
                "Nhật ký kiểm toán toàn vẹn: {} dòng, dòng cuối #{id}, mã băm {hash}",
                report.rows
            ),
            None => println!("Nhật ký kiểm toán toàn vẹn: 0 dòng."),
        }
        return Ok(());
    }
    for problem in &report.problems {
        println!("{problem}");
    }
    anyhow::bail!(
        "nhật ký kiểm toán đã bị can thiệp: {} dòng có vấn đề trên tổng {} dòng",
        report.problems.len(),
        report.rows
    )
}
