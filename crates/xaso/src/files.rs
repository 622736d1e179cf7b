//! `xaso files`: the file store's upkeep.

use clap::Subcommand;

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum FilesCommand {
    /// Remove stored files no dossier, citizen document, certified copy or plan evidence refers to
    Gc {
        /// Only count what would be removed
        #[arg(long)]
        dry_run: bool,
        /// Leave files written in the last N hours (a request may still be storing them)
        #[arg(long, default_value_t = 24, value_name = "N")]
        grace_hours: u32,
    },
}

pub async fn run(config: &Config, command: FilesCommand) -> anyhow::Result<()> {
    let FilesCommand::Gc {
        dry_run,
        grace_hours,
    } = command;
    let (store, _) = open_store(config).await?;
    let files = config.files().await?;
    let before = chrono::Utc::now() - chrono::Duration::hours(i64::from(grace_hours));
    let collected = xaso_store::blobs::collect(&store, &files, before, dry_run).await;
    store.close().await;
    let collected = collected?;
    println!(
        "Kho tệp ({}): {} tệp, {} đang được dùng, {} chưa dùng nhưng mới ghi trong {grace_hours} giờ qua (giữ lại), {} tệp không còn dùng {}.",
        files.describe(),
        collected.stored,
        collected.referenced,
        collected.recent,
        collected.removed,
        if dry_run { "sẽ bị xóa (chạy thử, chưa xóa)" } else { "đã xóa" }
    );
    if !collected.missing.is_empty() {
        println!(
            "CẢNH BÁO: {} tệp được cơ sở dữ liệu nhắc đến nhưng không có trong kho (khôi phục từ bản sao lưu):",
            collected.missing.len()
        );
        for hash in &collected.missing {
            println!("  {hash}");
        }
    }
    Ok(())
}

/// `xaso backup --to DIR`: the database and its files, consistent, while the server runs.
pub async fn backup(config: &Config, folder: &std::path::Path) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    let files = config.files().await?;
    let made = xaso_store::backup::run(&store, &files, folder, chrono::Utc::now()).await;
    store.close().await;
    let manifest = made?;
    println!(
        "Đã sao lưu cơ sở dữ liệu {} ({} bảng, vào {}) và {} tệp ({} MiB) vào {}.",
        manifest.backend,
        manifest.tables.len(),
        manifest.database,
        manifest.blobs,
        // Vietnamese writes a decimal comma.
        format!("{:.1}", manifest.blob_bytes as f64 / (1024.0 * 1024.0)).replace('.', ","),
        folder.display()
    );
    if !manifest.missing_blobs.is_empty() {
        anyhow::bail!(
            "{} tệp được cơ sở dữ liệu nhắc đến nhưng không có trong kho tệp (xem missing_blobs trong {}); bản sao lưu thiếu chúng",
            manifest.missing_blobs.len(),
            folder.join("xaso-backup.json").display()
        );
    }
    Ok(())
}
