//! `xaso pki init|ca|revoke`, and the installation's secret that seals signing keys.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;
use xaso_store::audit::Actor;
use xaso_store::pki;

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum PkiCommand {
    /// Create a CA for every commune that has none, and a signing certificate for every leader
    Init,
    /// Write a commune's CA certificate (PEM), for validators to trust
    Ca {
        /// Commune agency code, e.g. 000.00.61.H19
        #[arg(long)]
        agency: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke a user's signing certificates
    Revoke { username: String },
}

/// `XASO_SECRET_KEY` (64 hex digits), or `secret.key` in the data folder, made on first use.
pub fn secret(config: &Config) -> anyhow::Result<[u8; 32]> {
    if let Ok(hex) = std::env::var("XASO_SECRET_KEY") {
        return parse_hex(hex.trim()).context("XASO_SECRET_KEY phải gồm 64 chữ số hex");
    }
    let path = config.data_dir.value.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return parse_hex(text.trim())
            .with_context(|| format!("{} hỏng: cần 64 chữ số hex", path.display()));
    }
    std::fs::create_dir_all(&config.data_dir.value)
        .with_context(|| format!("không tạo được {}", config.data_dir.value.display()))?;
    let hex = xaso_store::identity::random_token();
    let bytes = parse_hex(&hex).context("a fresh secret")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("không tạo được {}", path.display()))?;
    file.write_all(hex.as_bytes())?;
    file.sync_all()?;
    Ok(bytes)
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

pub async fn run(config: &Config, command: PkiCommand) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    match command {
        PkiCommand::Init => {
            let secret = secret(config)?;
            let (cas, signers) =
                xaso_web::dossier::result::issue_certificates(&store, &secret).await?;
            println!("Đã tạo {cas} chứng thư CA và {signers} chứng thư ký số cho lãnh đạo.");
        }
        PkiCommand::Ca { agency, out } => {
            let mut tx = store.read().await?;
            let Some(ca) = pki::ca_of(&mut tx, &agency, chrono::Utc::now()).await? else {
                bail!("đơn vị {agency} chưa có CA: chạy xaso pki init");
            };
            let pem = xaso_docs::pki::Certificate {
                der: ca.cert,
                issuer: ca.issuer,
                serial: ca.serial,
            }
            .pem();
            std::fs::write(&out, pem)
                .with_context(|| format!("không ghi được {}", out.display()))?;
            println!("Đã ghi chứng thư CA của {agency} vào {}.", out.display());
        }
        PkiCommand::Revoke { username } => {
            let mut tx = store.begin().await?;
            let revoked = pki::revoke_user(
                &mut tx,
                &username,
                chrono::Utc::now(),
                &Actor::system("dòng lệnh"),
            )
            .await?;
            tx.commit().await?;
            println!("Đã thu hồi {revoked} chứng thư của {username}.");
        }
    }
    store.close().await;
    Ok(())
}
