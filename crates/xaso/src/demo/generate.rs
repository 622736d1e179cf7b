//! `xaso demo generate`: a realistic province-year in the configured database, through the real
//! rules, written in bulk (`xaso_store::demo`), with a progress line and a summary.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use xaso_domain::dossier::Status;
use xaso_store::demo::{DemoFile, Options, Summary};

use super::progress::{clock, grouped, Progress};
use crate::config::Config;
use crate::open_store_with;

/// The password of every account the generator creates (officers `motcua.x064`,
/// `chuyenvien.x064`, `lanhdao.x064`…, citizens `congdan.x064.00001`…): demo data only.
pub const DEMO_PASSWORD: &str = "xaso-du-lieu-mau";

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Fill the database with a realistic province-year of dossiers
    #[command(long_about = GENERATE_HELP)]
    Generate(GenerateArgs),
}

const GENERATE_HELP: &str = "\
Fill the configured database (the same --data-dir / --database-url as the other commands) with \
a realistic province-year: communes of the demo province (tỉnh Đồng Nai) up to --communes, each \
with its one-stop centre, a counter officer, a specialist and a leader (motcua.x064, \
chuyenvien.x064, lanhdao.x064…) and citizen accounts for online submissions (congdan.x064.00001…), \
all with the password `xaso-du-lieu-mau`; then --dossiers dossiers over --year, each taken \
through the real rules (reception, workflow, deadlines in working time, supplements, fees and \
payments, withdrawals, refusals, ratings) at simulated instants. The first demo data is loaded \
first if the database has none. Running it again reuses the communes and adds dossiers.

Written in bulk: no audit row per step (the whole run is one audit row, `demo.generate`, so \
`xaso audit verify` still verifies), no messages to citizens or to the national portal. If it is \
interrupted, the dossiers written so far are kept; run `xaso report rebuild` to bring the report \
sums up to date.";

#[derive(Args)]
pub struct GenerateArgs {
    /// Communes in all (those already in the database count), at most 99
    #[arg(long, default_value_t = 95)]
    communes: usize,
    /// Dossiers to add
    #[arg(long, default_value_t = 5_000_000)]
    dossiers: u64,
    /// The year (needs its calendar notice, data/calendar/YEAR.toml)
    #[arg(long)]
    year: i32,
    /// The same seed gives the same dossiers
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Dossiers written per transaction
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
}

/// A one-page PDF every generated attachment and result points to (stored once).
fn sample_pdf() -> Vec<u8> {
    use xaso_docs::pdf::{Document, Style, A4, MM};
    let mut document = Document::new("Tệp mẫu của dữ liệu thử nghiệm");
    let page = document.add_page(A4);
    let top = A4.1 - 30.0 * MM;
    document.text(
        page,
        25.0 * MM,
        top,
        14.0,
        Style::Bold,
        "TỆP MẪU — DỮ LIỆU THỬ NGHIỆM",
    );
    document.text(
        page,
        25.0 * MM,
        top - 10.0 * MM,
        12.0,
        Style::Regular,
        "Tệp này do lệnh xaso demo generate tạo, thay cho giấy tờ và kết quả của hồ sơ mẫu.",
    );
    document.finish()
}

pub async fn run(config: &Config, command: DemoCommand) -> anyhow::Result<()> {
    let DemoCommand::Generate(args) = command;
    // What can be told without the database, before a data folder is made.
    if args.communes == 0 {
        bail!("--communes phải từ 1 trở lên (số xã, phường của tỉnh)");
    }
    if args.dossiers == 0 {
        bail!("--dossiers phải từ 1 trở lên");
    }
    // One connection: the writes are one after the other anyway, and SQLite drops a
    // connection's page cache whenever another connection wrote, so a pool that hands out its
    // connections in turn would start every batch with a cold cache.
    let (store, _) = open_store_with(config, 1).await?;
    let result = generate(config, &store, &args).await;
    store.close().await;
    let summary = result?;
    print_summary(&args, &summary.0, summary.1);
    Ok(())
}

async fn generate(
    config: &Config,
    store: &xaso_store::Store,
    args: &GenerateArgs,
) -> anyhow::Result<(Summary, std::time::Duration)> {
    let rules = crate::calendar::load_rules(store, config).await?;
    let now = chrono::Utc::now();
    let options = Options {
        communes: args.communes,
        dossiers: args.dossiers,
        year: args.year,
        seed: args.seed,
        now,
        batch: args.batch,
    };
    xaso_store::demo::check(&options, &rules)?;
    if let Some(first) = crate::seed::load_once(store, &rules, true, now).await? {
        println!(
            "Cơ sở dữ liệu mới: đã nạp {} thủ tục hành chính và dữ liệu mẫu.",
            first.procedures
        );
        println!(
            "Tài khoản quản trị: admin — mật khẩu dùng một lần: {}",
            first.admin_password
        );
        if let Some(password) = &first.demo_password {
            println!(
                "Tài khoản mẫu: {} — mật khẩu chung: {password}",
                first.demo_users.join(", ")
            );
        }
    }
    let files = config.files().await?;
    let pdf = sample_pdf();
    let size = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    let sha256 = files.put(pdf).await.context("không lưu được tệp mẫu")?;
    let file = DemoFile {
        sha256,
        size,
        content_type: "application/pdf".into(),
    };
    // Hashed once: argon2id takes a good fraction of a second, and hundreds of accounts share it.
    let hash = xaso_store::identity::hash_password(DEMO_PASSWORD.into()).await?;
    let mut progress = Progress::new();
    let result =
        xaso_store::demo::generate(store, rules, &options, &hash, &file, &mut |done, total| {
            progress.update(done, total)
        })
        .await;
    progress.finish();
    let summary = result.context(
        "tạo dữ liệu mẫu dừng giữa chừng (các lô đã ghi được giữ lại; chạy `xaso report rebuild` để cập nhật số liệu báo cáo)",
    )?;
    Ok((summary, progress.elapsed()))
}

fn print_summary(args: &GenerateArgs, summary: &Summary, elapsed: std::time::Duration) {
    let seconds = elapsed.as_secs_f64().max(0.001);
    println!(
        "Đã tạo dữ liệu mẫu năm {} (hạt giống {}): {} xã, phường ({} xã mới, {} tài khoản mới; mật khẩu chung {DEMO_PASSWORD}).",
        args.year,
        args.seed,
        summary.communes,
        summary.communes_created,
        grouped(summary.accounts_created as u64 + summary.officers_created as u64),
    );
    println!(
        "Hồ sơ: {} — được tiếp nhận: {}; dòng quá trình xử lý: {}; tệp: {}; đánh giá: {}; thanh toán: {}.",
        grouped(summary.dossiers),
        grouped(summary.received),
        grouped(summary.history),
        grouped(summary.files),
        grouped(summary.ratings),
        grouped(summary.payments),
    );
    println!(
        "Đã giải quyết: trước hạn {}, đúng hạn {}, quá hạn {}.",
        grouped(summary.early),
        grouped(summary.on_time),
        grouped(summary.late),
    );
    println!("Theo trạng thái:");
    for (status, count) in Status::ALL.iter().zip(summary.by_status) {
        println!(
            "  {:>2} {}: {}",
            status.code(),
            status.label(),
            grouped(count)
        );
    }
    println!(
        "Thời gian: {} ({} hồ sơ/giây).",
        clock(elapsed),
        grouped((summary.dossiers as f64 / seconds) as u64)
    );
}
