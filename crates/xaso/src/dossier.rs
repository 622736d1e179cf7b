//! `xaso dossier list|show`.

use anyhow::{bail, Context};
use clap::Subcommand;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::dossier::Status;
use xaso_store::dossier;

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum DossierCommand {
    /// List dossiers, newest first
    List {
        /// National status code 1–10 (e.g. 4 = Đang xử lý)
        #[arg(long)]
        status: Option<i64>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Mark dossiers due within one working day and overdue now (the server does it every 5 minutes)
    Sweep,
    /// Show one dossier with its history (the process-control slip)
    Show {
        code: String,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Write a dossier's signed e-result (PDF) to a file
    Result {
        code: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// "early" → "Trước hạn", as on the process-control slip.
fn step_result_label(result: &str) -> &str {
    serde_json::from_value::<xaso_domain::calendar::Timing>(serde_json::Value::String(
        result.to_string(),
    ))
    .map(|t| t.label())
    .unwrap_or(result)
}

fn local(instant: Option<chrono::DateTime<chrono::Utc>>) -> String {
    instant
        .map(|i| to_local(i).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

pub async fn run(config: &Config, command: DossierCommand) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    let rules = crate::calendar::load_rules(&store, config).await?;
    let now = chrono::Utc::now();
    if let DossierCommand::Sweep = command {
        let mut tx = store.begin().await?;
        let report = dossier::sweep(&mut tx, &rules, now).await?;
        tx.commit().await?;
        store.close().await;
        println!(
            "{} hồ sơ đang xử lý: {} sắp đến hạn, {} quá hạn ({} thay đổi).",
            report.open, report.due_soon, report.overdue, report.changed
        );
        return Ok(());
    }
    let mut tx = store.read().await?;
    match command {
        DossierCommand::Sweep => {}
        DossierCommand::Result { code, out } => {
            let Some(view) = dossier::view(&mut tx, &rules, code.trim(), now).await? else {
                bail!("không có hồ sơ mã {}", code.trim());
            };
            let Some(result) = view.e_result() else {
                bail!("hồ sơ {} chưa có kết quả điện tử", view.code);
            };
            let files = config.files().await?;
            let pdf = files.get(&result.sha256).await?;
            std::fs::write(&out, &pdf)
                .with_context(|| format!("không ghi được {}", out.display()))?;
            println!(
                "Đã ghi kết quả điện tử của hồ sơ {} ({} byte) vào {}.",
                view.code,
                pdf.len(),
                out.display()
            );
        }
        DossierCommand::List { status, format } => {
            let status = match status {
                None => None,
                Some(code) => match Status::from_code(code) {
                    Some(s) => Some(s),
                    None => bail!("trạng thái {code} không tồn tại: dùng mã 1–10 của Cổng DVCQG"),
                },
            };
            let items = dossier::list(&mut tx, &rules, status, now).await?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else {
                println!(
                    "{:<28} {:<24} {:<17} {:<22} thủ tục",
                    "mã hồ sơ", "trạng thái", "hẹn trả", "người nộp"
                );
                for d in &items {
                    let timing = d
                        .urgency
                        .map(|u| u.label())
                        .or(d.outcome.map(|o| o.label()))
                        .unwrap_or("");
                    println!(
                        "{:<28} {:<24} {:<17} {:<22} {} {}",
                        d.code,
                        d.status.name,
                        local(d.due_at),
                        d.applicant_name,
                        d.procedure_name,
                        if timing.is_empty() {
                            String::new()
                        } else {
                            format!("[{timing}]")
                        }
                    );
                }
                println!("{} hồ sơ.", items.len());
            }
        }
        DossierCommand::Show { code, format } => {
            let Some(view) = dossier::view(&mut tx, &rules, code.trim(), now).await? else {
                bail!("không có hồ sơ mã {}", code.trim());
            };
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                println!(
                    "Hồ sơ {} — {} ({})",
                    view.code, view.procedure_name, view.procedure_code
                );
                println!(
                    "  Trạng thái: {} (mã {}), bước: {}",
                    view.status.name, view.status.code, view.step_name
                );
                println!(
                    "  Người nộp: {}; kênh: {}",
                    view.applicant.name,
                    view.channel.label()
                );
                println!(
                    "  Nộp: {}; tiếp nhận: {}; hẹn trả: {}",
                    local(Some(view.submitted_at)),
                    local(view.received_at),
                    local(view.due_at)
                );
                if let Some(outcome) = view.outcome {
                    println!(
                        "  Giải quyết xong: {} ({})",
                        local(view.resolved_at),
                        outcome.label()
                    );
                }
                println!("  Quá trình xử lý:");
                for h in &view.history {
                    println!(
                        "    {}  {:<22} {}{}",
                        local(Some(h.at)),
                        h.actor,
                        h.content,
                        h.step_result
                            .as_deref()
                            .map(|r| format!(" [{}]", step_result_label(r)))
                            .unwrap_or_default()
                    );
                }
            }
        }
    }
    tx.commit().await?;
    store.close().await;
    Ok(())
}
