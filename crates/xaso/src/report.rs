//! `xaso report ii06a|targets`: the periodic report and the plan's targets, for a commune or the
//! whole province, as a table, JSON or CSV.

use anyhow::Context;
use clap::{Args, Subcommand};
use xaso_domain::report::{Measure, Period};
use xaso_web::report::{compute, ii06a_csv, Scope};

use crate::config::Config;
use crate::open_store;

#[derive(Args)]
pub struct ReportScope {
    /// A commune's agency code, or `tinh` for the whole province
    #[arg(long)]
    agency: String,
    /// First day, YYYY-MM-DD
    #[arg(long)]
    from: String,
    /// Last day (included), YYYY-MM-DD
    #[arg(long)]
    to: String,
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv", "xlsx", "pdf"])]
    format: String,
    /// Where to write an XLSX or PDF report
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Report on the results of handling administrative procedures (form II.06a)
    Ii06a(ReportScope),
    /// The plan's targets and the QĐ 766 index
    Targets(ReportScope),
    /// Recompute the report data of every dossier from scratch, and say whether it agreed
    Rebuild,
}

fn period(scope: &ReportScope) -> anyhow::Result<Period> {
    let date = |text: &str, what: &str| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .with_context(|| format!("{what} “{text}” phải có dạng YYYY-MM-DD"))
    };
    let (from, to) = (date(&scope.from, "--from")?, date(&scope.to, "--to")?);
    Period::new(from, to).context("--to trước --from")
}

pub async fn run(config: &Config, command: ReportCommand) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    let rules = crate::calendar::load_rules(&store, config).await?;
    let (args, is_ii06a) = match &command {
        ReportCommand::Ii06a(args) => (args, true),
        ReportCommand::Targets(args) => (args, false),
        ReportCommand::Rebuild => {
            let mut tx = store.begin().await?;
            let rebuilt = xaso_store::report::rebuild(&mut tx, &rules).await?;
            tx.commit().await?;
            store.close().await;
            println!(
                "Đã dựng lại dữ liệu báo cáo của {} hồ sơ; {} hồ sơ khác với dữ liệu đang giữ.",
                rebuilt.facts, rebuilt.differed
            );
            return Ok(());
        }
    };
    if !is_ii06a && matches!(args.format.as_str(), "csv" | "pdf") {
        anyhow::bail!(
            "CSV và PDF chỉ có cho báo cáo II.06a; chỉ tiêu dùng --format text, json hoặc xlsx"
        );
    }
    let binary = matches!(args.format.as_str(), "xlsx" | "pdf");
    if binary != args.out.is_some() {
        anyhow::bail!("--out FILE đi cùng --format xlsx hoặc pdf (và chỉ với chúng)");
    }
    let period = period(args)?;
    let scope = if args.agency == "tinh" {
        Scope {
            agency_code: None,
            name: "Toàn tỉnh".into(),
        }
    } else {
        let mut tx = store.read().await?;
        let commune = xaso_store::agency::commune_of(&mut tx, &args.agency).await?;
        tx.commit().await?;
        let commune = commune.with_context(|| format!("không có xã mã {}", args.agency))?;
        Scope {
            agency_code: Some(commune.agency_code),
            name: commune.name,
        }
    };
    let mut tx = store.begin().await?;
    if let Some(count) = xaso_store::report::ensure_built(&mut tx, &rules).await? {
        eprintln!("Đã dựng lại dữ liệu báo cáo của {count} hồ sơ.");
    }
    tx.commit().await?;
    let reports = compute(&store, scope, period).await;
    store.close().await;
    let reports = reports?;
    let heading = format!(
        "{} — từ {} đến {}",
        reports.scope.name,
        period.from.format("%d/%m/%Y"),
        period.to.format("%d/%m/%Y")
    );
    if let Some(out) = &args.out {
        let bytes = if args.format == "xlsx" {
            xaso_docs::report::reports_xlsx(&reports.ii06a, &reports.scorecard, &reports.scope.name)
                .map_err(anyhow::Error::msg)?
        } else {
            let issuer = xaso_docs::forms::Issuer {
                parent: String::new(),
                place: reports
                    .scope
                    .name
                    .trim_start_matches("UBND xã ")
                    .to_string(),
                agency: reports.scope.name.clone(),
            };
            let today = xaso_domain::calendar::deadline::to_local(chrono::Utc::now()).date();
            let date_line = format!(
                "ngày {} tháng {} năm {}",
                today.format("%d"),
                today.format("%-m"),
                today.format("%Y")
            );
            xaso_docs::report::ii06a_pdf(&reports.ii06a, &issuer, &date_line)
        };
        std::fs::write(out, bytes).with_context(|| format!("không ghi được {}", out.display()))?;
        println!("Đã ghi báo cáo ({heading}) vào {}.", out.display());
        return Ok(());
    }
    match (is_ii06a, args.format.as_str()) {
        (true, "json") => println!("{}", serde_json::to_string_pretty(&reports.ii06a)?),
        (true, "csv") => print!("{}", ii06a_csv(&reports.ii06a, &reports.scope)),
        (true, _) => {
            println!("Báo cáo kết quả giải quyết TTHC (mẫu II.06a) — {heading}");
            println!(
                "{:<4} {:<28} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
                "STT",
                "Lĩnh vực",
                "(3)",
                "(4)",
                "(5)",
                "(6)",
                "(7)",
                "(8)",
                "(9)",
                "(10)",
                "(11)",
                "(12)",
                "(13)"
            );
            let report = &reports.ii06a;
            for (i, row) in report.rows.iter().chain([&report.total]).enumerate() {
                let number = if i < report.rows.len() {
                    (i + 1).to_string()
                } else {
                    String::new()
                };
                let columns: Vec<String> =
                    row.columns().iter().map(|c| format!("{c:>6}")).collect();
                let field: String = row.field.chars().take(28).collect();
                println!("{number:<4} {field:<28} {}", columns.join(" "));
            }
        }
        (false, "json") => println!("{}", serde_json::to_string_pretty(&reports.scorecard)?),
        (false, _) => {
            let card = &reports.scorecard;
            println!("Chỉ tiêu của {} — {heading}", card.plan);
            for target in &card.targets {
                let (actual, verdict) = match &target.measure {
                    Measure::Rate(rate) => (
                        format!(
                            "{:.1}% ({}/{})",
                            rate.percent(),
                            rate.numerator,
                            rate.denominator
                        ),
                        if target.met == Some(true) {
                            "đạt"
                        } else {
                            "chưa đạt"
                        }
                        .to_string(),
                    ),
                    Measure::NoData { reason } => {
                        ("—".into(), format!("chưa có dữ liệu: {reason}"))
                    }
                };
                println!(
                    "- {}: {actual}, yêu cầu ≥ {}% — {verdict}",
                    target.name, target.threshold
                );
            }
            let points = |p: f64| format!("{p:.2}").replace('.', ",");
            println!(
                "Chỉ số QĐ 766: {} điểm trên {} điểm có dữ liệu (tối đa 100)",
                points(card.index_points),
                card.index_max_with_data
            );
            let satisfaction = &reports.satisfaction;
            println!(
                "Đánh giá theo Thông tư 01/2018 ({} hồ sơ giải quyết xong):",
                satisfaction.dossiers
            );
            for indicator in &satisfaction.indicators {
                match indicator.score {
                    Some(score) => println!(
                        "  {}. {}: {}",
                        indicator.number,
                        indicator.name,
                        format!("{score:.1}").replace('.', ",")
                    ),
                    None => println!(
                        "  {}. {}: chưa có dữ liệu",
                        indicator.number, indicator.name
                    ),
                }
            }
            for group in &card.groups {
                println!(
                    "  {}. {}: {}/{} ({} điểm có dữ liệu)",
                    group.number,
                    group.name,
                    points(group.points),
                    group.max,
                    group.max_with_data
                );
            }
        }
    }
    Ok(())
}
