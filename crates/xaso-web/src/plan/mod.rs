//! Reform plans for staff: the plan's overview (progress by area, the target board, tasks with
//! their flags and units), each task's page with its reports, evidence and the form to report,
//! the chairman's assignments, the target board, the inspections, and the periodic report.

mod inspection;
mod periodic;
mod targets;
mod workspace;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::plan::progress::{quarter_of, Flag, Status};
use xaso_domain::plan::Plan;
use xaso_domain::report::Measure;
use xaso_store::audit::Actor;
use xaso_store::identity::User;
use xaso_store::{Store, StoreError};

use crate::dossier::pages::{field, page_error, read_form, shown, staff, Upload};
use crate::error::{ApiError, PageError};
use crate::pages::{render_status, see_other, PageContext};
use crate::AppState;

pub use inspection::{inspection_page, inspection_post, inspections_page, inspections_post};
pub use periodic::{periodic_report, report_download, ReportSpan};
pub use targets::{target_page, target_post, targets_page};
pub use workspace::{TargetState, Workspace};

/// The value of each bound target over the plan's year (`None` for targets kept by hand): what
/// `xaso plan show` prints.
pub async fn live_values(store: &Store, plan: &Plan) -> Result<Vec<Option<Measure>>, StoreError> {
    let workspace = Workspace::load(store, &plan.header.id).await?;
    Ok(workspace
        .values_as_of(store, 4)
        .await?
        .into_iter()
        .map(|state| match state {
            TargetState::Measured(m) => Some(m),
            _ => None,
        })
        .collect())
}

async fn load(state: &AppState, id: &str) -> Result<Workspace, PageError> {
    Workspace::load(&state.store, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => PageError(ApiError::not_found("Không có kế hoạch này.")),
            other => page_error(other),
        })
}

fn actor(user: &User) -> Actor {
    Actor {
        user_id: Some(user.id),
        label: user.full_name.clone(),
    }
}

fn forbidden(message: &str) -> PageError {
    PageError(ApiError::forbidden(message))
}

fn flag_text(flag: &Flag) -> String {
    match flag {
        Flag::MissingReport { quarter } => format!("Thiếu báo cáo quý {quarter}"),
        Flag::Overdue { due } => format!("Quá hạn ({})", due.format("%d/%m/%Y")),
    }
}

/// Today in Vietnam and the quarter of the plan's year it falls in (4 once the year is over, 1
/// before it starts).
fn today_and_quarter(state: &AppState, plan: &Plan) -> (chrono::NaiveDate, u8) {
    let today = to_local(state.now()).date();
    let year = chrono::Datelike::year(&today);
    let quarter = match year.cmp(&plan.header.year) {
        std::cmp::Ordering::Equal => quarter_of(today),
        std::cmp::Ordering::Greater => 4,
        std::cmp::Ordering::Less => 1,
    };
    (today, quarter)
}

struct TaskLine {
    key: String,
    number: String,
    area: u32,
    activity: String,
    lead: String,
    units: Vec<String>,
    time: String,
    status: String,
    percent: String,
    flags: Vec<String>,
}

/// Each task with its latest report and its flags on `as_of`, counting reports up to
/// `last_quarter`.
fn task_lines(work: &Workspace, as_of: chrono::NaiveDate, last_quarter: u8) -> Vec<TaskLine> {
    let flags = work.flags_as_of(as_of, last_quarter);
    work.plan
        .tasks
        .iter()
        .zip(&work.keys)
        .zip(flags)
        .enumerate()
        .map(|(index, ((task, key), flags))| {
            let latest = work.latest_report(key, last_quarter);
            TaskLine {
                flags: flags.iter().map(flag_text).collect(),
                number: task.number.clone(),
                area: task.area,
                activity: task.activity.clone(),
                lead: task.lead.clone(),
                units: work.lead_units(index),
                time: task.time.clone(),
                status: latest
                    .and_then(|r| Status::parse(&r.status))
                    .map_or("Chưa báo cáo", Status::label)
                    .to_string(),
                percent: latest.map_or_else(String::new, |r| format!("{}%", r.percent)),
                key: key.clone(),
            }
        })
        .collect()
}

struct AreaLine {
    number: u32,
    name: String,
    tasks: usize,
    done: usize,
    flagged: usize,
}

fn area_lines(plan: &Plan, lines: &[TaskLine]) -> Vec<AreaLine> {
    plan.areas
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
        .collect()
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
    /// A unit's agency code: the tasks it leads.
    #[serde(rename = "don-vi")]
    unit: Option<String>,
}

struct TargetLine {
    key: String,
    text: String,
    required: String,
    live: String,
    /// "good", "bad" or "none".
    state: &'static str,
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
    unit_filter: String,
    units: Vec<(String, String)>,
    my_unit: Option<String>,
    flagged: usize,
    may_assign: bool,
    error: Option<String>,
}

async fn overview_page(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    id: &str,
    filter: &PlanFilter,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let work = load(state, id).await?;
    let (today, quarter) = today_and_quarter(state, &work.plan);
    let lines = task_lines(&work, today, 4);
    let values = work
        .values_as_of(&state.store, quarter)
        .await
        .map_err(page_error)?;
    let targets = targets::lines(&work, &values);
    let flagged = lines.iter().filter(|t| !t.flags.is_empty()).count();
    let filter_key = filter.flag.clone().unwrap_or_default();
    let unit_filter = filter.unit.clone().unwrap_or_default();
    let areas = area_lines(&work.plan, &lines);
    let tasks = lines
        .into_iter()
        .filter(|t| filter.area.is_none_or(|a| t.area == a))
        .filter(|t| unit_filter.is_empty() || t.units.contains(&unit_filter))
        .filter(|t| match filter_key.as_str() {
            "missing" => t.flags.iter().any(|f| f.starts_with("Thiếu")),
            "overdue" => t.flags.iter().any(|f| f.starts_with("Quá hạn")),
            _ => true,
        })
        .collect();
    let h = &work.plan.header;
    let page = PlanPage {
        nav: ctx.nav(),
        id: id.to_string(),
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
        unit_filter,
        my_unit: user
            .agency_code
            .clone()
            .filter(|code| work.units.iter().any(|(c, _)| c == code)),
        may_assign: work.may_assign(user),
        units: work.units.clone(),
        flagged,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/ke-hoach/{id}[?linh-vuc=N][&co=missing|overdue][&don-vi=CODE]`: progress by
/// area, the target board, and the tasks with their flags.
pub async fn overview(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    Query(filter): Query<PlanFilter>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    overview_page(&state, &ctx, &user, &id, &filter, None).await
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    csrf: String,
    title: String,
    #[serde(default)]
    instruction: String,
    unit: String,
    due: String,
    area: u32,
}

/// `POST /can-bo/ke-hoach/{id}/giao-viec`: the chairman assigns a task with a deadline.
pub async fn assign(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let work = load(&state, &id).await?;
    if !work.may_assign(&user) {
        return Err(forbidden(
            "Chỉ lãnh đạo UBND xã giao nhiệm vụ trong kế hoạch.",
        ));
    }
    let outcome = async {
        if !work.units.iter().any(|(c, _)| *c == form.unit) {
            return Err(StoreError::Invalid("chọn một đơn vị của xã".into()));
        }
        let due = chrono::NaiveDate::parse_from_str(form.due.trim(), "%Y-%m-%d")
            .map_err(|_| StoreError::Invalid("hạn hoàn thành không hợp lệ".into()))?;
        let mut tx = state.store.begin().await?;
        let key = xaso_store::plan::work::assign(
            &mut tx,
            &xaso_store::plan::work::NewAssignment {
                plan_id: &id,
                area: form.area,
                title: &form.title,
                instruction: &form.instruction,
                unit_code: &form.unit,
                due,
            },
            state.now(),
            &actor(&user),
        )
        .await?;
        tx.commit().await?;
        Ok(key)
    }
    .await;
    match outcome {
        Ok(key) => Ok(see_other(&format!("/can-bo/ke-hoach/{id}/nhiem-vu/{key}"))),
        Err(error) => {
            let problem = shown(error)?;
            let filter = PlanFilter {
                flag: None,
                area: None,
                unit: None,
            };
            overview_page(&state, &ctx, &user, &id, &filter, Some(problem)).await
        }
    }
}

struct EvidenceLine {
    id: String,
    name: String,
    size: String,
    by: String,
}

fn evidence_lines(work: &Workspace, subject: &str, year: i32, quarter: i32) -> Vec<EvidenceLine> {
    work.evidence_of(subject)
        .into_iter()
        .filter(|e| e.year == year && e.quarter == quarter)
        .map(|e| EvidenceLine {
            id: e.id.to_string(),
            name: e.name.clone(),
            size: format!("{} KB", (e.size + 1023) / 1024),
            by: format!(
                "{}, {}",
                e.uploaded_by,
                to_local(e.uploaded_at).format("%d/%m/%Y")
            ),
        })
        .collect()
}

struct ReportLine {
    period: String,
    status: String,
    percent: i32,
    narrative: String,
    unit: String,
    by: String,
    at: String,
    evidence: Vec<EvidenceLine>,
}

#[derive(Template)]
#[template(path = "staff_plan_task.html")]
struct TaskPage {
    nav: crate::pages::Nav,
    plan_id: String,
    plan_title: String,
    key: String,
    task: xaso_domain::plan::Task,
    lead_units: Vec<String>,
    coordinating_units: Vec<String>,
    flags: Vec<String>,
    reports: Vec<ReportLine>,
    quarter: u8,
    year: i32,
    may_report: bool,
    reporting_for: String,
    error: Option<String>,
}

async fn task_page(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    id: &str,
    key: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let work = load(state, id).await?;
    let index = work
        .task_index(key)
        .ok_or_else(|| PageError(ApiError::not_found("Không có nhiệm vụ này trong kế hoạch.")))?;
    let (today, quarter) = today_and_quarter(state, &work.plan);
    let flags = work.flags_as_of(today, 4).swap_remove(index);
    let task = work.plan.tasks[index].clone();
    let year = work.plan.header.year;
    let unit_names = |codes: Vec<String>| codes.iter().map(|c| work.unit_name(c)).collect();
    let reporting = work.reporting_unit(user, index);
    let page = TaskPage {
        nav: ctx.nav(),
        plan_id: id.to_string(),
        plan_title: work.plan.header.title.clone(),
        key: key.to_string(),
        flags: flags.iter().map(flag_text).collect(),
        reports: work
            .reports
            .iter()
            .filter(|r| r.task_key == key)
            .map(|r| ReportLine {
                period: format!("Quý {}/{}", r.quarter, r.year),
                status: Status::parse(&r.status)
                    .map_or("", Status::label)
                    .to_string(),
                percent: r.percent,
                narrative: r.narrative.clone(),
                unit: if r.unit_code.is_empty() {
                    work.plan.header.agency.clone()
                } else {
                    work.unit_name(&r.unit_code)
                },
                by: r.reported_by.clone(),
                at: to_local(r.reported_at).format("%H:%M %d/%m/%Y").to_string(),
                evidence: evidence_lines(&work, key, r.year, r.quarter),
            })
            .collect(),
        lead_units: unit_names(work.lead_units(index)),
        coordinating_units: unit_names(work.coordinating_units(index)),
        quarter,
        year,
        may_report: work.may_report(user, index),
        reporting_for: if reporting.is_empty() {
            work.plan.header.agency.clone()
        } else {
            work.unit_name(&reporting)
        },
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

/// Stores the uploaded files and links them to `subject` for the quarter, inside `tx`.
async fn attach(
    state: &AppState,
    tx: &mut xaso_store::Tx,
    plan_id: &str,
    subject: &str,
    (year, quarter): (i32, u8),
    uploads: Vec<Upload>,
    actor: &Actor,
) -> Result<usize, StoreError> {
    let count = uploads.len();
    for upload in uploads {
        let size = upload.bytes.len();
        let sha256 = state.files.put(upload.bytes).await?;
        xaso_store::plan::work::add_evidence(
            tx,
            &xaso_store::plan::work::NewEvidence {
                plan_id,
                subject,
                year,
                quarter,
                sha256: &sha256,
                size,
                name: &upload.name,
                content_type: upload.content_type,
            },
            state.now(),
            actor,
        )
        .await?;
    }
    Ok(count)
}

fn number<T: std::str::FromStr>(fields: &[(String, String)], name: &str) -> Result<T, StoreError> {
    field(fields, name)
        .trim()
        .parse()
        .map_err(|_| StoreError::Invalid(format!("“{name}” phải là một số")))
}

/// `POST /can-bo/ke-hoach/{id}/nhiem-vu/{key}` (multipart): the quarter's report on a task,
/// with its evidence files (`file_1`, `file_2`, …).
pub async fn report(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, key)): Path<(String, String)>,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/nhiem-vu/{key}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => return task_page(&state, &ctx, &user, &id, &key, Some(problem)).await,
    };
    ctx.check(field(&fields, "csrf"))?;
    let work = load(&state, &id).await?;
    let index = work
        .task_index(&key)
        .ok_or_else(|| PageError(ApiError::not_found("Không có nhiệm vụ này trong kế hoạch.")))?;
    if !work.may_report(&user, index) {
        return Err(forbidden(
            "Chỉ đơn vị chủ trì nhiệm vụ, lãnh đạo và cán bộ theo dõi cải cách hành chính của xã báo cáo tiến độ.",
        ));
    }
    let outcome = async {
        let status = Status::parse(field(&fields, "status"))
            .ok_or_else(|| StoreError::Invalid("tình trạng không hợp lệ".into()))?;
        let quarter: u8 = number(&fields, "quarter")?;
        let percent: u8 = number(&fields, "percent")?;
        let year = work.plan.header.year;
        let unit = work.reporting_unit(&user, index);
        let actor = actor(&user);
        let mut tx = state.store.begin().await?;
        xaso_store::plan::report(
            &mut tx,
            &xaso_store::plan::NewReport {
                plan_id: &id,
                task_key: &key,
                year,
                quarter,
                status,
                percent,
                narrative: field(&fields, "narrative"),
                unit_code: &unit,
            },
            state.now(),
            &actor,
        )
        .await?;
        attach(&state, &mut tx, &id, &key, (year, quarter), uploads, &actor).await?;
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

/// `GET /can-bo/ke-hoach/{id}/minh-chung/{evidence}`: an evidence file, for staff.
pub async fn evidence(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, evidence)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Err(response) = staff(&ctx, &format!("/can-bo/ke-hoach/{id}")) {
        return Ok(*response);
    }
    let not_found = || PageError(ApiError::not_found("Không có tệp minh chứng này."));
    let evidence_id = evidence.parse().map_err(|_| not_found())?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let meta = xaso_store::plan::work::evidence_by_id(&mut tx, &id, evidence_id)
        .await
        .map_err(page_error)?
        .ok_or_else(not_found)?;
    tx.commit().await.map_err(page_error)?;
    let bytes = state.files.get(&meta.sha256).await.map_err(page_error)?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        crate::catalog::percent_encode(&meta.name)
    );
    Ok(ctx.finish(
        (
            [
                (axum::http::header::CONTENT_TYPE, meta.content_type),
                (axum::http::header::CONTENT_DISPOSITION, disposition),
                (
                    axum::http::header::X_CONTENT_TYPE_OPTIONS,
                    "nosniff".to_string(),
                ),
            ],
            bytes,
        )
            .into_response(),
    ))
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
        let Ok(work) = Workspace::load(&state.store, &summary.id).await else {
            continue;
        };
        let flagged = work
            .flags_as_of(today, 4)
            .iter()
            .filter(|f| !f.is_empty())
            .count();
        out.push((summary.id, summary.title, flagged));
    }
    Ok(out)
}
