//! `xaso calendar`, `xaso deadline` and `xaso import calendar`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use xaso_domain::calendar::notice::parse_notice;
use xaso_domain::calendar::worktime::DayKind;
use xaso_domain::calendar::{describe_date, parse_date, CalendarSet};
use xaso_store::audit::Actor;
use xaso_store::dossier::DossierRules;
use xaso_store::Store;
use xaso_web::calendar::{
    deadline_view, lunar_view, solar_view, year_view, DeadlineParams, LunarView,
};

use crate::config::Config;
use crate::{embedded, open_store};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CalendarArgs {
    #[command(subcommand)]
    command: Option<CalendarCommand>,
    /// The year whose days off and worked Saturdays to list
    year: Option<i32>,
    /// Agency code (mã định danh) whose own days off and hours apply
    #[arg(long)]
    agency: Option<String>,
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// The Vietnamese lunar date of a solar date (YYYY-MM-DD)
    Lunar {
        date: String,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// The solar date of a Vietnamese lunar date
    Solar {
        /// The lunar date, YYYY-MM-DD
        #[arg(long)]
        lunar: String,
        /// The day is in the leap month of that number
        #[arg(long)]
        leap: bool,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("length").required(true).args(["days", "hours", "immediate"])))]
pub struct DeadlineArgs {
    /// When the complete dossier was received, Vietnam time: YYYY-MM-DDTHH:MM
    #[arg(long)]
    from: String,
    /// Working days
    #[arg(long)]
    days: Option<String>,
    /// Working hours
    #[arg(long)]
    hours: Option<String>,
    /// By the end of the working day
    #[arg(long)]
    immediate: bool,
    /// After this time the count starts on the next working day: HH:MM (default 15:00) or none
    #[arg(long)]
    cutoff: Option<String>,
    /// Agency code whose calendar applies
    #[arg(long)]
    agency: Option<String>,
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

/// The shipped calendar files, then the imported ones (which replace shipped files of the same name).
async fn calendar_files(store: &Store) -> anyhow::Result<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> = embedded::CALENDAR
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    let mut tx = store.read().await?;
    files.extend(xaso_store::calendar::notice_files(&mut tx).await?);
    tx.commit().await?;
    Ok(files)
}

pub async fn load(store: &Store) -> anyhow::Result<Arc<CalendarSet>> {
    let set = CalendarSet::from_files(&calendar_files(store).await?)
        .map_err(|e| anyhow::anyhow!("dữ liệu lịch có lỗi:\n{e}"))?;
    Ok(Arc::new(set))
}

/// The workflows built into the binary, and the calendars: everything dossiers are handled under.
pub async fn load_rules(
    store: &Store,
    config: &crate::config::Config,
) -> anyhow::Result<Arc<DossierRules>> {
    let mut workflows = std::collections::HashMap::new();
    for (name, text) in embedded::WORKFLOWS {
        let workflow = xaso_domain::dossier::parse_workflow(name, text)?;
        workflows.insert(workflow.key.clone(), workflow);
    }
    let citizen_files: Vec<(String, String)> = embedded::CITIZEN
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    let citizen = xaso_domain::citizen::CitizenRules::from_files(&citizen_files)
        .map_err(|e| anyhow::anyhow!("dữ liệu kho công dân có lỗi:\n{e}"))?;
    let mut exemptions = Vec::new();
    for (name, text) in embedded::FEES {
        exemptions.extend(xaso_domain::payment::fees::parse_exemptions(name, text)?);
    }
    // data/feedback holds two files, each read by its own parser.
    let feedback_file = |wanted: &str| {
        embedded::FEEDBACK
            .iter()
            .find(|(name, _)| name.ends_with(wanted))
            .ok_or_else(|| anyhow::anyhow!("thiếu tệp dữ liệu data/feedback/{wanted}"))
    };
    let (name, text) = feedback_file("thoi-han.toml")?;
    let feedback = xaso_domain::feedback::parse_rules(name, text)?;
    let (name, text) = feedback_file("chi-so-tt01.toml")?;
    let indicators = xaso_domain::report::parse_indicator_rules(name, text)?;
    Ok(Arc::new(DossierRules {
        workflows,
        calendars: load(store).await?,
        citizen: Arc::new(citizen),
        exemptions: Arc::new(exemptions),
        feedback,
        notices: Arc::new(config.notify.notices(config.listen.value)?),
        indicators,
    }))
}

async fn require_agency(store: &Store, agency: Option<&str>) -> anyhow::Result<()> {
    if let Some(code) = agency {
        let mut tx = store.read().await?;
        if xaso_store::agency::by_code(&mut tx, code).await?.is_none() {
            bail!("không có đơn vị mã {code} (xem GET /api/v1/agencies)");
        }
    }
    Ok(())
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn print_lunar(view: &LunarView, format: &str) -> anyhow::Result<()> {
    if format == "json" {
        return print_json(view);
    }
    let solar = parse_date(&view.solar)?;
    println!("{} — ngày {}", describe_date(solar), view.lunar);
    Ok(())
}

pub async fn calendar(config: &Config, args: CalendarArgs) -> anyhow::Result<()> {
    match args.command {
        Some(CalendarCommand::Lunar { date, format }) => {
            print_lunar(&lunar_view(parse_date(&date)?)?, &format)
        }
        Some(CalendarCommand::Solar {
            lunar,
            leap,
            format,
        }) => print_lunar(&solar_view(&lunar, leap)?, &format),
        None => {
            let Some(year) = args.year else {
                bail!("cần năm, ví dụ: xaso calendar 2026 (hoặc xaso calendar lunar 2026-02-17)");
            };
            let (store, _) = open_store(config).await?;
            require_agency(&store, args.agency.as_deref()).await?;
            let calendars = load(&store).await?;
            store.close().await;
            let calendar = calendars.for_agency(args.agency.as_deref())?;
            let view = year_view(&calendar, year, args.agency.as_deref())?;
            if args.format == "json" {
                return print_json(&view);
            }
            println!(
                "Lịch làm việc năm {year}{} — giờ làm việc {}",
                args.agency
                    .as_deref()
                    .map(|a| format!(" của đơn vị {a}"))
                    .unwrap_or_else(|| " (toàn quốc)".into()),
                view.working_hours
            );
            for day in &view.days {
                let kind = match day.kind {
                    DayKind::Holiday { .. } => "nghỉ lễ",
                    DayKind::Substitute { .. } => "nghỉ bù",
                    DayKind::DayOff => "nghỉ",
                    DayKind::WorkingWeekend => "làm việc",
                    DayKind::Working | DayKind::WeeklyRest => continue,
                };
                println!(
                    "  {:<22} {:<9} {}  [{}]",
                    describe_date(day.date),
                    kind,
                    day.reason,
                    day.source
                );
            }
            Ok(())
        }
    }
}

pub async fn deadline(config: &Config, args: DeadlineArgs) -> anyhow::Result<()> {
    let params = DeadlineParams {
        from: Some(args.from),
        days: args.days,
        hours: args.hours,
        immediate: args.immediate.then(|| "true".to_string()),
        cutoff: args.cutoff,
        agency: args.agency.clone(),
    };
    let request = params.to_request()?;
    let (store, _) = open_store(config).await?;
    require_agency(&store, args.agency.as_deref()).await?;
    let calendars = load(&store).await?;
    store.close().await;
    let calendar = calendars.for_agency(args.agency.as_deref())?;
    let view = deadline_view(&calendar, &request, args.agency.as_deref())?;
    if args.format == "json" {
        return print_json(&view);
    }
    println!("Hạn trả kết quả: {}", view.due);
    for line in &view.explanation {
        println!("  {line}");
    }
    Ok(())
}

/// Validates a notice alone and together with everything already loaded, then stores it.
pub async fn import(config: &Config, file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .context("tên tệp không hợp lệ")?;
    if name == xaso_domain::calendar::set::HOURS_FILE {
        bail!("giờ làm việc được cấu hình trong data/calendar/{name}; lệnh này nhập thông báo ngày nghỉ");
    }
    let shown = file.display().to_string();
    let notice = parse_notice(&shown, &text).map_err(|e| {
        anyhow::anyhow!(
            "tệp {shown} có {} lỗi, chưa nhập gì:\n{e}",
            e.problems.len()
        )
    })?;
    let (store, _) = open_store(config).await?;
    require_agency(&store, notice.agency.as_deref()).await?;
    // Check it against the rest before storing: a clash with another file is refused too.
    let mut files = calendar_files(&store).await?;
    files.push((shown.clone(), text.clone()));
    CalendarSet::from_files(&files).map_err(|e| {
        anyhow::anyhow!("tệp {shown} mâu thuẫn với dữ liệu lịch hiện có, chưa nhập gì:\n{e}")
    })?;
    let mut tx = store.begin().await?;
    xaso_store::calendar::save_notice(
        &mut tx,
        &name,
        &notice,
        &text,
        chrono::Utc::now(),
        &Actor::system("dòng lệnh"),
    )
    .await?;
    tx.commit().await?;
    // Days off move deadlines and timings: the report facts follow.
    let rules = load_rules(&store, config).await?;
    let mut tx = store.begin().await?;
    xaso_store::report::rebuild(&mut tx, &rules).await?;
    tx.commit().await?;
    store.close().await;
    println!(
        "Đã nhập {name}: năm {}, {} ngày{}. Máy chủ đang chạy cần khởi động lại để áp dụng.",
        notice.year,
        notice.days.len(),
        notice
            .agency
            .as_deref()
            .map(|a| format!(", đơn vị {a}"))
            .unwrap_or_default()
    );
    Ok(())
}
