//! Reform plans for staff: the plan's overview (progress by area, the target board with live
//! values, tasks with their flags) and each task's page with its reports and the form to report.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::identity::Role;
use xaso_domain::plan::progress::{flags, quarter_of, task_keys, Flag, Report, Status};
use xaso_domain::plan::{parse_plan, Binding, Plan};
use xaso_domain::report::{measure, Measure, Period};
use xaso_store::audit::Actor;
use xaso_store::{Store, StoreError};

use crate::dossier::pages::{page_error, shown, staff};
use crate::error::{ApiError, PageError};
use crate::pages::{render_status, see_other, PageContext};
use crate::AppState;

/// The value of each bound target over the plan's year, for the commune that issued the plan;
/// `None` for targets kept by hand.
pub async fn live_values(store: &Store, plan: &Plan) -> Result<Vec<Option<Measure>>, StoreError> {
    let year = plan.header.year;
    let period = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .zip(chrono::NaiveDate::from_ymd_opt(year, 12, 31))
        .and_then(|(from, to)| Period::new(from, to));
    live_values_over(store, plan, period).await
}

/// The same over `period` (`None`: no value can be computed).
pub async fn live_values_over(
    store: &Store,
    plan: &Plan,
    period: Option<Period>,
) -> Result<Vec<Option<Measure>>, StoreError> {
    let mut tx = store.read().await?;
    let agencies = xaso_store::agency::list(&mut tx).await?;
    tx.commit().await?;
    let commune = agencies
        .iter()
        .find(|a| a.kind == "commune" && a.name == plan.header.agency);
    let (Some(commune), Some(period)) = (commune, period) else {
        let missing = Measure::NoData {
            reason: format!("{} chưa có trong danh sách đơn vị", plan.header.agency),
        };
        return Ok(plan
            .targets
            .iter()
            .map(|t| matches!(t.binding, Binding::Metric(_)).then(|| missing.clone()))
            .collect());
    };
    let scope = crate::report::Scope {
        agency_code: Some(commune.agency_code.clone()),
        name: commune.name.clone(),
    };
    let reports = crate::report::compute(store, scope, period).await?;
    let summary = reports.summary();
    Ok(plan
        .targets
        .iter()
        .map(|t| match t.binding {
            Binding::Metric(metric) => Some(measure(metric, &summary)),
            Binding::Inspection(_) | Binding::Manual => None,
        })
        .collect())
}

async fn load(state: &AppState, id: &str) -> Result<Plan, ApiError> {
    let mut tx = state.store.read().await?;
    let source = xaso_store::plan::source(&mut tx, id).await?;
    tx.commit().await?;
    let (name, text) = source.ok_or_else(|| ApiError::not_found("Không có kế hoạch này."))?;
    parse_plan(&name, &text).map_err(|e| {
        ApiError::from(StoreError::Foreign(format!(
            "kế hoạch {id} đã lưu bị hỏng: {e}"
        )))
    })
}

fn flag_text(flag: &Flag) -> String {
    match flag {
        Flag::MissingReport { quarter } => format!("Thiếu báo cáo quý {quarter}"),
        Flag::Overdue { due } => format!("Quá hạn ({})", due.format("%d/%m/%Y")),
    }
}

struct TaskLine {
    key: String,
    number: String,
    area: u32,
    activity: String,
    lead: String,
    time: String,
    status: String,
    percent: String,
    flags: Vec<String>,
}

struct AreaLine {
    number: u32,
    name: String,
    tasks: usize,
    done: usize,
    flagged: usize,
}

struct TargetLine {
    text: String,
    required: String,
    live: String,
}

#[derive(Template)]
#[template(path = "staff_plan.html")]
struct PlanPage {
    nav: crate::pages::Nav,
    id: String,
    title: String,
    subtitle: String,
    areas: Vec<AreaLine>,
    targets: Vec<TargetLine>,
    tasks: Vec<TaskLine>,
    filter: String,
    area_filter: u32,
    flagged: usize,
}

#[derive(Template)]
#[template(path = "staff_plans.html")]
struct PlansPage {
    nav: crate::pages::Nav,
    plans: Vec<xaso_store::plan::PlanSummary>,
}

/// `GET /can-bo/ke-hoach`: the plans.
pub async fn list(State(state): State<AppState>, ctx: PageContext) -> Result<Response, PageError> {
    if let Err(response) = staff(&ctx, "/can-bo/ke-hoach") {
        return Ok(*response);
    }
    let mut tx = state.store.read().await.map_err(page_error)?;
    let plans = xaso_store::plan::list(&mut tx).await.map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let page = PlansPage {
        nav: ctx.nav(),
        plans,
    };
    Ok(ctx.finish(render_status(StatusCode::OK, &page)))
}

#[derive(Debug, Deserialize)]
pub struct PlanFilter {
    /// "missing" or "overdue": only the flagged tasks.
    #[serde(rename = "co")]
    flag: Option<String>,
    #[serde(rename = "linh-vuc")]
    area: Option<u32>,
}

/// Each task's latest report and its flags today.
fn task_lines(
    plan: &Plan,
    stored: &[xaso_store::plan::StoredReport],
    today: chrono::NaiveDate,
) -> Vec<TaskLine> {
    let reports: Vec<Report> = stored.iter().filter_map(|r| r.report()).collect();
    let keys = task_keys(plan);
    plan.tasks
        .iter()
        .zip(keys)
        .map(|(task, key)| {
            let latest = stored.iter().rfind(|r| r.task_key == key);
            TaskLine {
                flags: flags(task, &key, plan.header.year, &reports, today)
                    .iter()
                    .map(flag_text)
                    .collect(),
                number: task.number.clone(),
                area: task.area,
                activity: task.activity.clone(),
                lead: task.lead.clone(),
                time: task.time.clone(),
                status: latest
                    .and_then(|r| Status::parse(&r.status))
                    .map_or("Chưa báo cáo", Status::label)
                    .to_string(),
                percent: latest.map_or_else(String::new, |r| format!("{}%", r.percent)),
                key,
            }
        })
        .collect()
}

/// `GET /can-bo/ke-hoach/{id}[?linh-vuc=N][&co=missing|overdue]`: progress by area, the target
/// board, and the tasks with their flags.
pub async fn overview(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    Query(filter): Query<PlanFilter>,
) -> Result<Response, PageError> {
    if let Err(response) = staff(&ctx, &format!("/can-bo/ke-hoach/{id}")) {
        return Ok(*response);
    }
    let plan = load(&state, &id).await.map_err(PageError)?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let stored = xaso_store::plan::reports(&mut tx, &id)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let today = to_local(state.now()).date();
    let lines = task_lines(&plan, &stored, today);
    let live = live_values(&state.store, &plan).await.map_err(page_error)?;
    let areas = plan
        .areas
        .iter()
        .map(|a| {
            let mine: Vec<&TaskLine> = lines.iter().filter(|t| t.area == a.number).collect();
            AreaLine {
                number: a.number,
                name: a.name.clone(),
                tasks: mine.len(),
                done: mine
                    .iter()
                    .filter(|t| t.status == Status::Done.label())
                    .count(),
                flagged: mine.iter().filter(|t| !t.flags.is_empty()).count(),
            }
        })
        .collect();
    let targets = plan
        .targets
        .iter()
        .zip(live)
        .map(|(t, live)| TargetLine {
            text: t.text.clone(),
            required: format!("{} {}", t.value, t.unit),
            live: match live {
                Some(Measure::Rate(rate)) => format!(
                    "{}% ({}/{})",
                    format!("{:.1}", rate.percent()).replace('.', ","),
                    rate.numerator,
                    rate.denominator
                ),
                Some(Measure::NoData { reason }) => format!("Chưa có dữ liệu: {reason}"),
                None => "Nhập tay, kèm minh chứng".into(),
            },
        })
        .collect();
    let flagged = lines.iter().filter(|t| !t.flags.is_empty()).count();
    let filter_key = filter.flag.clone().unwrap_or_default();
    let tasks = lines
        .into_iter()
        .filter(|t| filter.area.is_none_or(|a| t.area == a))
        .filter(|t| match filter_key.as_str() {
            "missing" => t.flags.iter().any(|f| f.starts_with("Thiếu")),
            "overdue" => t.flags.iter().any(|f| f.starts_with("Quá hạn")),
            _ => true,
        })
        .collect();
    let h = &plan.header;
    let page = PlanPage {
        nav: ctx.nav(),
        id: id.clone(),
        title: h.title.clone(),
        subtitle: format!(
            "Số {} ngày {} — {}",
            h.number,
            h.date.format("%d/%m/%Y"),
            h.agency
        ),
        areas,
        targets,
        tasks,
        filter: filter_key,
        area_filter: filter.area.unwrap_or(0),
        flagged,
    };
    Ok(ctx.finish(render_status(StatusCode::OK, &page)))
}

struct ReportLine {
    period: String,
    status: String,
    percent: i32,
    narrative: String,
    by: String,
    at: String,
}

#[derive(Template)]
#[template(path = "staff_plan_task.html")]
struct TaskPage {
    nav: crate::pages::Nav,
    plan_id: String,
    plan_title: String,
    key: String,
    task: xaso_domain::plan::Task,
    flags: Vec<String>,
    reports: Vec<ReportLine>,
    quarter: u8,
    year: i32,
    may_report: bool,
    error: Option<String>,
}

fn may_report(user: &xaso_store::identity::User) -> bool {
    [Role::Leader, Role::ReformCoordinator, Role::Administrator]
        .into_iter()
        .any(|r| user.has_role(r))
}

async fn task_page(
    state: &AppState,
    ctx: &PageContext,
    user: &xaso_store::identity::User,
    id: &str,
    key: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let plan = load(state, id).await.map_err(PageError)?;
    let keys = task_keys(&plan);
    let index = keys
        .iter()
        .position(|k| k == key)
        .ok_or_else(|| PageError(ApiError::not_found("Không có nhiệm vụ này trong kế hoạch.")))?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let stored = xaso_store::plan::reports(&mut tx, id)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let today = to_local(state.now()).date();
    let reports: Vec<Report> = stored.iter().filter_map(|r| r.report()).collect();
    let task = plan.tasks[index].clone();
    let year = plan.header.year;
    let page = TaskPage {
        nav: ctx.nav(),
        plan_id: id.to_string(),
        plan_title: plan.header.title.clone(),
        key: key.to_string(),
        flags: flags(&task, key, year, &reports, today)
            .iter()
            .map(flag_text)
            .collect(),
        reports: stored
            .iter()
            .filter(|r| r.task_key == key)
            .map(|r| ReportLine {
                period: format!("Quý {}/{}", r.quarter, r.year),
                status: Status::parse(&r.status)
                    .map_or("", Status::label)
                    .to_string(),
                percent: r.percent,
                narrative: r.narrative.clone(),
                by: r.reported_by.clone(),
                at: to_local(r.reported_at).format("%H:%M %d/%m/%Y").to_string(),
            })
            .collect(),
        quarter: if chrono::Datelike::year(&today) == year {
            quarter_of(today)
        } else {
            4
        },
        year,
        may_report: may_report(user),
        error: error.as_ref().map(|(_, m)| m.clone()),
        task,
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/ke-hoach/{id}/nhiem-vu/{key}`: a task, its reports, the form to report.
pub async fn task(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, key)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/nhiem-vu/{key}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    task_page(&state, &ctx, &user, &id, &key, None).await
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    csrf: String,
    quarter: u8,
    status: String,
    percent: u8,
    #[serde(default)]
    narrative: String,
}

/// `POST /can-bo/ke-hoach/{id}/nhiem-vu/{key}`: the quarter's report on a task.
pub async fn report(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, key)): Path<(String, String)>,
    Form(form): Form<ReportForm>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/nhiem-vu/{key}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    if !may_report(&user) {
        return Err(PageError(ApiError::forbidden(
            "Chỉ lãnh đạo và cán bộ theo dõi cải cách hành chính báo cáo tiến độ.",
        )));
    }
    let plan = load(&state, &id).await.map_err(PageError)?;
    if !task_keys(&plan).contains(&key) {
        return Err(PageError(ApiError::not_found(
            "Không có nhiệm vụ này trong kế hoạch.",
        )));
    }
    let outcome = async {
        let status = Status::parse(&form.status)
            .ok_or_else(|| StoreError::Invalid("tình trạng không hợp lệ".into()))?;
        let mut tx = state.store.begin().await?;
        xaso_store::plan::report(
            &mut tx,
            &xaso_store::plan::NewReport {
                plan_id: &id,
                task_key: &key,
                year: plan.header.year,
                quarter: form.quarter,
                status,
                percent: form.percent,
                narrative: &form.narrative,
            },
            state.now(),
            &Actor {
                user_id: Some(user.id),
                label: user.full_name.clone(),
            },
        )
        .await?;
        tx.commit().await
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/can-bo/ke-hoach/{id}/nhiem-vu/{key}"))),
        Err(error) => {
            let problem = shown(error)?;
            task_page(&state, &ctx, &user, &id, &key, Some(problem)).await
        }
    }
}

/// The plans of `agency` with how many of their tasks are flagged today (the leader's dashboard).
pub(crate) async fn flagged_by_plan(
    state: &AppState,
    agency: &str,
) -> Result<Vec<(String, String, usize)>, StoreError> {
    let mut tx = state.store.read().await?;
    let plans = xaso_store::plan::list(&mut tx).await?;
    tx.commit().await?;
    let today = to_local(state.now()).date();
    let mut out = Vec::new();
    for summary in plans.into_iter().filter(|p| p.agency == agency) {
        let mut tx = state.store.read().await?;
        let source = xaso_store::plan::source(&mut tx, &summary.id).await?;
        let stored = xaso_store::plan::reports(&mut tx, &summary.id).await?;
        tx.commit().await?;
        let Some(plan) = source.and_then(|(name, text)| parse_plan(&name, &text).ok()) else {
            continue;
        };
        let flagged = task_lines(&plan, &stored, today)
            .iter()
            .filter(|t| !t.flags.is_empty())
            .count();
        out.push((summary.id, summary.title, flagged));
    }
    Ok(out)
}

/// The span of a periodic report: a quarter (1–4), the first six months, or the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSpan {
    Quarter(u8),
    FirstHalf,
    Year,
}

impl ReportSpan {
    pub fn parse(text: &str) -> Option<ReportSpan> {
        match text.trim().to_ascii_lowercase().as_str() {
            "q1" => Some(ReportSpan::Quarter(1)),
            "q2" => Some(ReportSpan::Quarter(2)),
            "q3" => Some(ReportSpan::Quarter(3)),
            "q4" => Some(ReportSpan::Quarter(4)),
            "h1" | "6-thang" => Some(ReportSpan::FirstHalf),
            "year" | "nam" => Some(ReportSpan::Year),
            _ => None,
        }
    }

    fn last_quarter(self) -> u8 {
        match self {
            ReportSpan::Quarter(q) => q,
            ReportSpan::FirstHalf => 2,
            ReportSpan::Year => 4,
        }
    }

    fn label(self, year: i32) -> String {
        let roman = ["I", "II", "III", "IV"];
        match self {
            ReportSpan::Quarter(q) => {
                format!("quý {} năm {year}", roman[usize::from(q.clamp(1, 4) - 1)])
            }
            ReportSpan::FirstHalf => format!("6 tháng đầu năm {year}"),
            ReportSpan::Year => format!("năm {year}"),
        }
    }
}

/// The periodic report of a plan, drafted from the system's figures as of the span's end:
/// targets year to date, task progress by area from the reports up to the span, the tasks
/// flagged at its end.
pub async fn periodic_report(
    store: &Store,
    id: &str,
    span: ReportSpan,
    today: chrono::NaiveDate,
) -> Result<xaso_docs::plan::PlanReport, StoreError> {
    let mut tx = store.read().await?;
    let source = xaso_store::plan::source(&mut tx, id).await?;
    let stored = xaso_store::plan::reports(&mut tx, id).await?;
    tx.commit().await?;
    let (name, text) = source.ok_or_else(|| StoreError::NotFound(format!("kế hoạch {id}")))?;
    let plan = parse_plan(&name, &text)
        .map_err(|e| StoreError::Foreign(format!("kế hoạch {id} đã lưu bị hỏng: {e}")))?;
    let year = plan.header.year;
    let last = span.last_quarter();
    let end = xaso_domain::plan::progress::quarter_end(year, last)
        .ok_or_else(|| StoreError::Invalid(format!("năm {year} không hợp lệ")))?;
    // Reports of later quarters are not this report's; flags are as of the day after the span.
    let within: Vec<xaso_store::plan::StoredReport> = stored
        .into_iter()
        .filter(|r| r.year < year || (r.year == year && r.quarter <= i32::from(last)))
        .collect();
    let as_of = end.succ_opt().unwrap_or(end);
    let lines = task_lines(&plan, &within, as_of);
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1);
    let live = live_values_over(store, &plan, from.and_then(|f| Period::new(f, end))).await?;
    let targets = plan
        .targets
        .iter()
        .zip(live)
        .map(|(t, live)| {
            let (actual, verdict) = match live {
                Some(Measure::Rate(rate)) => {
                    let percent = rate.percent();
                    let met = match t.direction {
                        xaso_domain::plan::Direction::AtMost => percent <= t.value,
                        _ => percent >= t.value,
                    };
                    (
                        format!("{}%", format!("{percent:.1}").replace('.', ",")),
                        if met { "Đạt" } else { "Chưa đạt" }.to_string(),
                    )
                }
                Some(Measure::NoData { reason }) => ("Chưa có dữ liệu".into(), reason),
                None => ("[Đơn vị nhập]".into(), "Chỉ tiêu theo dõi thủ công".into()),
            };
            [
                t.text.clone(),
                format!("{} {}", t.value, t.unit),
                actual,
                verdict,
            ]
        })
        .collect();
    let areas = plan
        .areas
        .iter()
        .map(|a| {
            let mine: Vec<&TaskLine> = lines.iter().filter(|t| t.area == a.number).collect();
            let count = |label: &str| {
                mine.iter()
                    .filter(|t| t.status == label)
                    .count()
                    .to_string()
            };
            [
                format!("{}. {}", a.number, a.name),
                mine.len().to_string(),
                count(Status::Done.label()),
                count(Status::InProgress.label()),
                count("Chưa báo cáo"),
                mine.iter()
                    .filter(|t| !t.flags.is_empty())
                    .count()
                    .to_string(),
            ]
        })
        .collect();
    let late = lines
        .iter()
        .filter(|t| !t.flags.is_empty())
        .map(|t| {
            [
                t.number.clone(),
                t.activity.clone(),
                t.lead.clone(),
                t.flags.join("; "),
            ]
        })
        .collect();
    let h = &plan.header;
    Ok(xaso_docs::plan::PlanReport {
        agency: h.agency.clone(),
        place: crate::dossier::pages::place_of(&h.agency),
        date_line: crate::dossier::pages::date_words(xaso_domain::calendar::deadline::from_local(
            today.and_time(chrono::NaiveTime::MIN),
        )),
        period: span.label(year),
        plan: format!(
            "Kế hoạch số {} ngày {}",
            h.number,
            h.date.format("%d/%m/%Y")
        ),
        targets,
        areas,
        late,
        inspections: "Hệ thống chưa ghi nhận kết quả kiểm tra cải cách hành chính trong kỳ.".into(),
        inspection_rows: Vec::new(),
    })
}
