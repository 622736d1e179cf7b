//! `xaso plan list|show` and `xaso import plan FILE`: reform plans as data, their targets with
//! the live value of the metric each is bound to, their tasks with schedules.

use std::path::Path;

use anyhow::{bail, Context};
use clap::Subcommand;
use serde::Serialize;
use xaso_domain::plan::{parse_plan, Plan, Target};
use xaso_domain::report::Measure;
use xaso_store::audit::Actor;
use xaso_store::Store;

use crate::config::Config;
use crate::{embedded, open_store};

#[derive(Subcommand)]
pub enum PlanCommand {
    /// The plans in the database
    List,
    /// One plan: its targets (with live values where bound to a metric) and its tasks
    Show {
        id: String,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Draft the periodic report on a plan for q1–q4, h1 (six months) or year, as Word or PDF
    Report {
        id: String,
        #[arg(long)]
        period: String,
        /// The file to write: .docx (a draft to finish in Word) or .pdf (A4, as it stands)
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Write a plan's appendix and targets as a workbook (the columns of the document)
    Export {
        id: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// Reads and checks a plan file; every problem on its line.
fn read_plan(name: &str, text: &str) -> anyhow::Result<Plan> {
    parse_plan(name, text)
        .map_err(|e| anyhow::anyhow!("tệp {name} có {} lỗi, chưa nhập gì:\n{e}", e.problems.len()))
}

/// Imports the plans built into the binary when the database has none (first start, or a
/// database from before plans existed); returns how many.
pub async fn load_built_in(store: &Store) -> anyhow::Result<usize> {
    let mut tx = store.read().await?;
    let existing = xaso_store::plan::list(&mut tx).await?;
    tx.commit().await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let mut tx = store.begin().await?;
    for (name, text) in embedded::PLANS {
        let plan = read_plan(name, text)?;
        xaso_store::plan::import(
            &mut tx,
            &plan,
            name,
            text,
            chrono::Utc::now(),
            &Actor::system("khởi động"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(embedded::PLANS.len())
}

#[derive(clap::Args)]
pub struct ImportArgs {
    file: std::path::PathBuf,
    /// For a workbook: the plan's id (letters, digits, -), e.g. ke-hoach-tan-khai-2026
    #[arg(long)]
    id: Option<String>,
    /// For a workbook: the plan's number, e.g. 05/KH-UBND
    #[arg(long)]
    number: Option<String>,
    /// For a workbook: the plan's date, YYYY-MM-DD (its year is the plan's year)
    #[arg(long)]
    date: Option<String>,
    /// For a workbook: the issuing agency, e.g. "UBND xã Tân Khai"
    #[arg(long)]
    agency: Option<String>,
    /// For a workbook: the plan's title
    #[arg(long)]
    title: Option<String>,
}

/// A workbook's appendix with the header given on the command line, as a plan file's text.
fn plan_from_workbook(args: &ImportArgs, name: &str) -> anyhow::Result<(Plan, String)> {
    let need = |value: &Option<String>, option: &str| {
        value
            .clone()
            .filter(|v| !v.trim().is_empty())
            .with_context(|| format!("nhập kế hoạch từ tệp XLSX cần --{option}"))
    };
    let date = need(&args.date, "date")?;
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .with_context(|| format!("--date “{date}” phải có dạng YYYY-MM-DD"))?;
    let id = need(&args.id, "id")?;
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        bail!("--id “{id}” chỉ gồm chữ thường không dấu, chữ số và -");
    }
    let header = xaso_domain::plan::Header {
        id,
        number: need(&args.number, "number")?,
        date,
        agency: need(&args.agency, "agency")?,
        title: need(&args.title, "title")?,
        year: chrono::Datelike::year(&date),
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("không đọc được tệp {name}"))?;
    let read =
        xaso_docs::report::read_appendix(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let plan = xaso_domain::plan::appendix::from_appendix(name, header, &read.tasks, &read.targets)
        .map_err(|e| {
            anyhow::anyhow!("tệp {name} có {} lỗi, chưa nhập gì:\n{e}", e.problems.len())
        })?;
    let text = xaso_domain::plan::appendix::to_toml(&plan);
    Ok((plan, text))
}

/// With demo data: some third-quarter progress on the built-in plan's administrative-procedure
/// tasks (area 2), reported by their lead units; two inspections carried out with findings, one
/// remedied; a value for a target kept by hand — so that its pages and its quarterly report show
/// figures; once.
pub async fn seed_demo_progress(store: &Store) -> anyhow::Result<usize> {
    use xaso_domain::plan::progress::Status;
    use xaso_store::plan::inspection::{self, Outcome};
    let id = "ke-hoach-09-2025";
    let mut tx = store.read().await?;
    let source = xaso_store::plan::source(&mut tx, id).await?;
    let existing = xaso_store::plan::reports(&mut tx, id).await?;
    tx.commit().await?;
    if source.is_none() || !existing.is_empty() {
        return Ok(0);
    }
    let work = xaso_web::plan::Workspace::load(store, id).await?;
    let year = work.plan.header.year;
    let day = |m, d| {
        chrono::NaiveDate::from_ymd_opt(year, m, d)
            .ok_or_else(|| anyhow::anyhow!("ngày {d}/{m}/{year} không có"))
    };
    // The demo's events happen on their own days of the plan's year, as an officer would have
    // recorded them then.
    let at = |m, d| -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        Ok(xaso_domain::calendar::deadline::from_local(
            day(m, d)?.and_hms_opt(10, 0, 0).unwrap_or_default(),
        ))
    };
    let area_two: Vec<usize> = (0..work.plan.tasks.len())
        .filter(|i| work.plan.tasks[*i].area == 2)
        .collect();
    let mut tx = store.begin().await?;
    let actor = Actor::system("dữ liệu mẫu");
    let mut count = 0;
    for (n, index) in area_two.iter().take(10).enumerate() {
        let (status, percent, narrative) = if n < 5 {
            (Status::Done, 100, "Đã hoàn thành trong quý III.")
        } else {
            (
                Status::InProgress,
                60,
                "Đang triển khai, dự kiến xong trong quý IV.",
            )
        };
        let unit = work
            .lead_units(*index)
            .into_iter()
            .next()
            .unwrap_or_default();
        xaso_store::plan::report(
            &mut tx,
            &xaso_store::plan::NewReport {
                plan_id: id,
                task_key: &work.keys[*index],
                year,
                quarter: 3,
                status,
                percent,
                narrative,
                unit_code: &unit,
            },
            at(9, 25)?,
            &actor,
        )
        .await?;
        count += 1;
    }
    // Two of the commune's units inspected in the third quarter, one through the digital
    // environment; three findings, one remedied.
    let mut inspected = Vec::new();
    for (unit, planned, digital) in work
        .units
        .iter()
        .take(2)
        .zip([(8, true), (9, false)])
        .map(|((code, _), (month, digital))| (code.clone(), month, digital))
    {
        let planned_on = day(planned, 15)?;
        let inspection_id =
            inspection::plan(&mut tx, id, &unit, planned_on, digital, at(7, 30)?, &actor).await?;
        let outcome = Outcome {
            done_on: planned_on,
            digital,
            conclusion: "Đơn vị cơ bản thực hiện đúng quy định về cải cách hành chính; còn một số tồn tại cần khắc phục.",
        };
        inspection::record(
            &mut tx,
            id,
            inspection_id,
            &outcome,
            at(planned, 15)?,
            &actor,
        )
        .await?;
        inspected.push(inspection_id);
    }
    let findings = [
        (
            "Niêm yết thủ tục hành chính tại bộ phận một cửa chưa cập nhật đủ.",
            0,
            Some((9, 10)),
        ),
        ("Sổ theo dõi hồ sơ chưa ghi đủ ngày trả kết quả.", 1, None),
        (
            "Tỷ lệ số hóa kết quả giải quyết thủ tục hành chính còn thấp.",
            1,
            None,
        ),
    ];
    for (text, of, closed) in findings {
        let Some(inspection_id) = inspected.get(of) else {
            continue;
        };
        let Some(found) = inspection::by_id(&mut tx, id, *inspection_id).await? else {
            continue;
        };
        let done = found.done().unwrap_or(day(9, 15)?);
        let finding = inspection::add_finding(
            &mut tx,
            id,
            &found,
            text,
            done + chrono::Days::new(30),
            at(9, 16)?,
            &actor,
        )
        .await?;
        if let Some((m, d)) = closed {
            let all = inspection::findings(&mut tx, id).await?;
            if let Some(f) = all.iter().find(|f| f.id == finding) {
                inspection::close_finding(
                    &mut tx,
                    id,
                    f,
                    day(m, d)?,
                    "Đã niêm yết bổ sung đầy đủ.",
                    at(m, d)?,
                    &actor,
                )
                .await?;
            }
        }
    }
    // The share of work files handled on the network, from the commune's document system.
    if let Some(key) = work
        .plan
        .targets
        .iter()
        .zip(&work.target_keys)
        .find(|(t, _)| t.source_line == 233)
        .map(|(_, k)| k.clone())
    {
        xaso_store::plan::work::set_target_value(
            &mut tx,
            &xaso_store::plan::work::NewTargetValue {
                plan_id: id,
                target_key: &key,
                year,
                quarter: 3,
                value: 86.0,
                note: "Thống kê hệ thống quản lý văn bản và điều hành quý III",
            },
            at(9, 30)?,
            &actor,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// `xaso import plan FILE` (a plan file, or a workbook with the header as options).
pub async fn import(config: &Config, args: &ImportArgs) -> anyhow::Result<()> {
    let file = &args.file;
    let name = file.display().to_string();
    let is_workbook = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let (plan, text) = if is_workbook {
        plan_from_workbook(args, &name)?
    } else {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("không đọc được tệp {}", file.display()))?;
        (read_plan(&name, &text)?, text)
    };
    let (store, _) = open_store(config).await?;
    let mut tx = store.begin().await?;
    let replaced = xaso_store::plan::import(
        &mut tx,
        &plan,
        &name,
        &text,
        chrono::Utc::now(),
        &Actor::system("dòng lệnh"),
    )
    .await?;
    tx.commit().await?;
    store.close().await;
    println!(
        "Đã {} kế hoạch {} ({}): {} lĩnh vực, {} chỉ tiêu, {} nhiệm vụ.",
        if replaced { "cập nhật" } else { "nhập" },
        plan.header.id,
        plan.header.number,
        plan.areas.len(),
        plan.targets.len(),
        plan.tasks.len()
    );
    Ok(())
}

#[derive(Serialize)]
struct LiveTarget<'a> {
    #[serde(flatten)]
    target: &'a Target,
    /// The bound metric's value over the plan's year so far; `None` for manual targets.
    live: Option<Measure>,
}

pub async fn run(config: &Config, command: PlanCommand) -> anyhow::Result<()> {
    let (store, _) = open_store(config).await?;
    load_built_in(&store).await?;
    let result = match command {
        PlanCommand::List => {
            let mut tx = store.read().await?;
            let plans = xaso_store::plan::list(&mut tx).await?;
            tx.commit().await?;
            for p in &plans {
                println!(
                    "{}  {} — {} ({}, năm {}): {} chỉ tiêu, {} nhiệm vụ",
                    p.id, p.number, p.title, p.agency, p.year, p.targets, p.tasks
                );
            }
            if plans.is_empty() {
                println!("Chưa có kế hoạch nào: xaso import plan TỆP.toml");
            }
            Ok(())
        }
        PlanCommand::Show { id, format } => show(&store, &id, &format).await,
        PlanCommand::Export { id, out } => export(&store, &id, &out).await,
        PlanCommand::Report { id, period, out } => report(&store, &id, &period, &out).await,
    };
    store.close().await;
    result
}

async fn stored_plan(store: &Store, id: &str) -> anyhow::Result<Plan> {
    let mut tx = store.read().await?;
    let source = xaso_store::plan::source(&mut tx, id).await?;
    tx.commit().await?;
    let Some((name, text)) = source else {
        bail!("không có kế hoạch {id} (xaso plan list)");
    };
    read_plan(&name, &text)
}

async fn report(store: &Store, id: &str, period: &str, out: &Path) -> anyhow::Result<()> {
    let span = xaso_web::plan::ReportSpan::parse(period)
        .with_context(|| format!("--period “{period}”: dùng q1, q2, q3, q4, h1 hoặc year"))?;
    // The file's extension says which draft is wanted; anything else would be a file no
    // program opens as the name promises.
    let extension = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let pdf = match extension.as_deref() {
        Some("pdf") => true,
        Some("docx") => false,
        _ => bail!("--out phải là tệp .docx hoặc .pdf"),
    };
    let today = xaso_domain::calendar::deadline::to_local(chrono::Utc::now()).date();
    let data = xaso_web::plan::periodic_report(store, id, span, today).await?;
    let bytes = if pdf {
        xaso_docs::plan::plan_report_pdf(&data)
    } else {
        xaso_docs::plan::plan_report_docx(&data).map_err(anyhow::Error::msg)?
    };
    std::fs::write(out, bytes).with_context(|| format!("không ghi được {}", out.display()))?;
    println!(
        "Đã ghi báo cáo {} ({} chỉ tiêu, {} nhiệm vụ cần chú ý) vào {}.",
        data.period,
        data.targets.len(),
        data.late.len(),
        out.display()
    );
    Ok(())
}

async fn export(store: &Store, id: &str, out: &Path) -> anyhow::Result<()> {
    let plan = stored_plan(store, id).await?;
    let bytes = xaso_docs::report::plan_xlsx(&plan).map_err(anyhow::Error::msg)?;
    std::fs::write(out, bytes).with_context(|| format!("không ghi được {}", out.display()))?;
    println!(
        "Đã ghi {} nhiệm vụ và {} chỉ tiêu của kế hoạch {id} vào {}.",
        plan.tasks.len(),
        plan.targets.len(),
        out.display()
    );
    Ok(())
}

async fn show(store: &Store, id: &str, format: &str) -> anyhow::Result<()> {
    let plan = stored_plan(store, id).await?;
    let live = xaso_web::plan::live_values(store, &plan).await?;
    if format == "json" {
        let targets: Vec<LiveTarget<'_>> = plan
            .targets
            .iter()
            .zip(live)
            .map(|(target, live)| LiveTarget { target, live })
            .collect();
        let json = serde_json::json!({
            "header": plan.header,
            "areas": plan.areas,
            "targets": targets,
            "tasks": plan.tasks,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let h = &plan.header;
    println!(
        "{} — Số {} ngày {} — {}",
        h.title,
        h.number,
        h.date.format("%d/%m/%Y"),
        h.agency
    );
    for area in &plan.areas {
        let tasks: Vec<_> = plan
            .tasks
            .iter()
            .filter(|t| t.area == area.number)
            .collect();
        println!(
            "\n{}. {} ({} nhiệm vụ)",
            area.number,
            area.name,
            tasks.len()
        );
        for (target, live) in plan
            .targets
            .iter()
            .zip(&live)
            .filter(|(t, _)| t.area == area.number)
        {
            let value = match live {
                Some(Measure::Rate(rate)) => format!(
                    "hiện {}% ({}/{})",
                    format!("{:.1}", rate.percent()).replace('.', ","),
                    rate.numerator,
                    rate.denominator
                ),
                Some(Measure::NoData { reason }) => format!("chưa có dữ liệu: {reason}"),
                None => "nhập tay".into(),
            };
            println!("  ◦ {} — {value}", target.text);
        }
        for task in tasks {
            println!(
                "  - [{}] {} — {} — {}",
                task.number, task.activity, task.lead, task.time
            );
        }
    }
    Ok(())
}
