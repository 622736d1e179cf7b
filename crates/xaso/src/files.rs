//! `xaso files`: the file store's upkeep.

use anyhow::Context;
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
    let made = async {
        let manifest = xaso_store::backup::run(&store, &files, folder, chrono::Utc::now()).await?;
        Ok::<_, xaso_store::StoreError>((manifest, sealed_keys(&store).await?))
    }
    .await;
    store.close().await;
    let (manifest, sealed) = made?;
    println!(
        "Đã sao lưu cơ sở dữ liệu {} ({} bảng, vào {}) và {} tệp ({} MiB) vào {}.",
        manifest.backend,
        manifest.tables.len(),
        manifest.database,
        manifest.blobs,
        mib(manifest.blob_bytes),
        folder.display()
    );
    if sealed > 0 {
        // The secret stays out of backups: a copy of one alone must not unseal the keys.
        println!(
            "Lưu ý: bản sao lưu không chứa khóa bí mật của cài đặt (tệp secret.key trong thư mục dữ liệu, hoặc biến XASO_SECRET_KEY), thứ niêm phong {sealed} khóa ký số: hãy cất giữ nó riêng, cần khi phục hồi."
        );
    }
    if !manifest.missing_blobs.is_empty() {
        anyhow::bail!(
            "{} tệp được cơ sở dữ liệu nhắc đến nhưng không có trong kho tệp (xem missing_blobs trong {}); bản sao lưu thiếu chúng",
            manifest.missing_blobs.len(),
            folder.join(xaso_store::backup::MANIFEST).display()
        );
    }
    Ok(())
}

/// MiB with Vietnamese's decimal comma.
fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
}

/// `xaso restore --from DIR`: a backup into the configured database, which must hold no data,
/// and its files into the configured file store.
pub async fn restore(config: &Config, folder: &std::path::Path) -> anyhow::Result<()> {
    // What can be told from the manifest is told before a data folder is made for nothing.
    let url = config.effective_database_url();
    if let Some(backend) = xaso_store::Backend::of_url(&url) {
        xaso_store::backup::Manifest::read(folder)?.check(folder, backend)?;
    }
    let files = config.files().await?;
    if config.uses_embedded_database() {
        std::fs::create_dir_all(config.files_dir()).with_context(|| {
            format!(
                "không tạo được thư mục dữ liệu {}",
                config.data_dir.value.display()
            )
        })?;
    }
    // Not migrated here: restore brings the schema to the backup's, then to the current one.
    let store = xaso_store::Store::open(&url).await?;
    let done = async {
        let restored =
            xaso_store::backup::restore(&store, &files, folder, chrono::Utc::now()).await?;
        Ok::<_, xaso_store::StoreError>((restored, sealed_keys(&store).await?))
    }
    .await;
    store.close().await;
    let (restored, sealed) = done?;
    println!(
        "Đã phục hồi bản sao lưu {} (tạo lúc {}) vào {}: {} bảng, {} dòng; {} tệp ({} MiB) vào {}.",
        folder.display(),
        xaso_domain::calendar::deadline::to_local(restored.backup_created_at)
            .format("%H:%M %d/%m/%Y"),
        store.location,
        restored.tables,
        restored.rows,
        restored.blobs,
        mib(restored.blob_bytes),
        files.describe()
    );
    if restored.migrated > 0 {
        println!(
            "Bản sao lưu từ phiên bản cũ hơn: đã cập nhật cấu trúc thêm {} bước.",
            restored.migrated
        );
    }
    let secret = config.data_dir.value.join("secret.key");
    if sealed > 0 && std::env::var_os("XASO_SECRET_KEY").is_none() && !secret.exists() {
        println!(
            "Lưu ý: {sealed} khóa ký số trong cơ sở dữ liệu được niêm phong bằng khóa bí mật của cài đặt cũ, không nằm trong bản sao lưu: hãy chép tệp secret.key của thư mục dữ liệu cũ thành {} (hoặc đặt XASO_SECRET_KEY như cũ) trước khi chạy xaso serve, nếu không sẽ không ký được kết quả.",
            secret.display()
        );
    }
    Ok(())
}

/// Signing keys in the database, sealed with the installation's secret (which no backup holds).
async fn sealed_keys(store: &xaso_store::Store) -> Result<usize, xaso_store::StoreError> {
    let mut tx = store.read().await?;
    let keys = xaso_store::pki::list(&mut tx).await?.len();
    tx.commit().await?;
    Ok(keys)
}
