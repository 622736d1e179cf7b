//! `xaso payments`: reconciliation of online payments with the gateway's list.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use xaso_domain::payment::reconcile::{parse_gateway_csv, reconcile};

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum PaymentsCommand {
    /// Compare a day's online payments with the gateway's transaction list (its CSV export:
    /// vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_TransactionStatus,vnp_PayDate)
    Reconcile {
        /// The day, YYYY-MM-DD (Vietnam time)
        #[arg(long)]
        date: String,
        /// The gateway's list for that day
        #[arg(long, value_name = "FILE.csv")]
        file: PathBuf,
    },
}

pub async fn run(config: &Config, command: PaymentsCommand) -> anyhow::Result<()> {
    let PaymentsCommand::Reconcile { date, file } = command;
    let day = xaso_domain::calendar::parse_date(&date).map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("không đọc được {}", file.display()))?;
    let gateway = parse_gateway_csv(&file.display().to_string(), &text)
        .map_err(|e| anyhow::anyhow!("danh sách giao dịch có lỗi:\n{e}"))?;
    let (store, _) = open_store(config).await?;
    let mut tx = store.read().await?;
    let ours = xaso_store::payment::online_on(&mut tx, day).await;
    tx.commit().await?;
    store.close().await;
    let ours = ours?;
    let found = reconcile(&gateway, &ours);
    println!(
        "Đối soát ngày {}: cổng có {} giao dịch ({} thành công), hệ thống có {} lần thanh toán trực tuyến.",
        day.format("%d/%m/%Y"),
        gateway.len(),
        gateway.iter().filter(|l| l.status == "00").count(),
        ours.len()
    );
    if found.is_empty() {
        println!("Khớp: không có chênh lệch.");
        return Ok(());
    }
    println!("{} chênh lệch cần xử lý:", found.len());
    for mismatch in &found {
        println!("- {}", mismatch.describe());
    }
    anyhow::bail!("đối soát có {} chênh lệch", found.len())
}
