//! `xaso pki init|ca|import|revoke`, and the installation's secret that seals signing keys.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Import a leader's certificate and key from a provider's PKCS#12 file (.p12/.pfx); the
    /// password comes from XASO_P12_PASSWORD or is asked for
    Import {
        file: PathBuf,
        /// The leader's account that will sign with it
        #[arg(long)]
        user: String,
    },
    /// Revoke a user's signing certificates
    Revoke { username: String },
}

/// A .p12 file holds a key and a few certificates: anything larger is not one.
const MAX_P12_BYTES: u64 = 1024 * 1024;

/// The .p12 password: `XASO_P12_PASSWORD`, or one line typed on standard input.
fn p12_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("XASO_P12_PASSWORD") {
        return Ok(password);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!("Mật khẩu của tệp .p12 (sẽ hiện khi gõ): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("không đọc được mật khẩu")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
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

/// `xaso verify FILE.pdf`: checks a signed result against the communes' CAs (and `--trust` files).
pub async fn verify(config: &Config, file: &Path, trust: &[PathBuf]) -> anyhow::Result<()> {
    let pdf = std::fs::read(file).with_context(|| format!("không đọc được {}", file.display()))?;
    let mut trusted = Vec::new();
    for path in trust {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("không đọc được {}", path.display()))?;
        match xaso_docs::pki::certificates_in_pem(&text) {
            Some(found) if !found.is_empty() => trusted.extend(found),
            _ => bail!("{} không chứa chứng thư PEM hợp lệ", path.display()),
        }
    }
    let (store, _) = open_store(config).await?;
    let checked = xaso_web::dossier::verification::check(&store, &pdf, trusted).await;
    store.close().await;
    let checked = checked?.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let (revoked_at, valid, checked) = (checked.revoked_at, checked.valid, checked.signature);
    let yes_no = |ok: bool| if ok { "đạt" } else { "KHÔNG đạt" };
    println!("Người ký: {}", checked.signer);
    println!("Cơ quan cấp chứng thư: {}", checked.issuer);
    let vietnam = chrono::FixedOffset::east_opt(7 * 3600).context("UTC+7")?;
    println!(
        "Thời điểm ký: {}",
        checked.signing_time.map_or("không ghi".to_string(), |t| t
            .with_timezone(&vietnam)
            .format("%H:%M:%S ngày %d/%m/%Y (giờ Việt Nam)")
            .to_string())
    );
    println!("Nội dung nguyên vẹn: {}", yes_no(checked.intact));
    println!(
        "Chữ ký bao trùm toàn bộ tệp: {}",
        yes_no(checked.whole_document)
    );
    println!("Chứng thư được tin cậy: {}", yes_no(checked.trusted));
    if let Some(revoked) = revoked_at {
        println!(
            "Chứng thư của người ký bị thu hồi lúc: {}",
            revoked
                .with_timezone(&vietnam)
                .format("%H:%M:%S ngày %d/%m/%Y")
        );
    }
    if !checked.intact {
        bail!("chữ ký không hợp lệ: tệp đã bị thay đổi sau khi ký");
    }
    if !checked.whole_document {
        bail!("chữ ký không hợp lệ: có nội dung được thêm sau khi ký");
    }
    if !checked.trusted {
        bail!("chữ ký không được tin cậy: chứng thư không do CA của xã nào trong hệ thống cấp");
    }
    if !valid {
        bail!("chữ ký không hợp lệ: ký sau khi chứng thư bị thu hồi");
    }
    println!("Chữ ký số hợp lệ.");
    Ok(())
}

pub async fn run(config: &Config, command: PkiCommand) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    match command {
        PkiCommand::Init => {
            let secret = secret(config)?;
            let (cas, signers) = xaso_web::pki::issue_certificates(&store, &secret).await?;
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
        PkiCommand::Import { file, user } => {
            let size = std::fs::metadata(&file)
                .with_context(|| format!("không đọc được {}", file.display()))?
                .len();
            if size > MAX_P12_BYTES {
                bail!(
                    "{} có {size} byte: tệp .p12 chỉ chứa khóa và vài chứng thư (tối đa 1 MiB)",
                    file.display()
                );
            }
            let bytes = std::fs::read(&file)
                .with_context(|| format!("không đọc được {}", file.display()))?;
            let secret = secret(config)?;
            let password = p12_password()?;
            let imported = xaso_web::pki::import_identity(
                &store,
                &secret,
                &user,
                &bytes,
                &password,
                chrono::Utc::now(),
                &Actor::system("dòng lệnh"),
            )
            .await
            .with_context(|| format!("không nhập được {}", file.display()))?;
            let vietnam = chrono::FixedOffset::east_opt(7 * 3600).context("UTC+7")?;
            println!(
                "Đã nhập chứng thư ký số của {} do {} cấp (kèm {} chứng thư của chuỗi), hiệu lực đến {}, cho tài khoản {user} thuộc {}.",
                imported.subject,
                imported.issuer,
                imported.chain_length,
                imported.not_after.with_timezone(&vietnam).format("%d/%m/%Y"),
                imported.agency_code
            );
            println!("Khóa bí mật được niêm phong bằng khóa của hệ thống; từ nay {user} ký kết quả bằng chứng thư này.");
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
