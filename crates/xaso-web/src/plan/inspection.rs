//! Inspections on administrative reform (kiểm tra CCHC) within a plan: the inspection plan, the
//! units inspected against the ≥ 50 % target, each inspection's conclusion and evidence, its
//! findings and their remedy up to closure against the 100 % target.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;
use xaso_domain::plan::inspection::measure;
use xaso_domain::plan::progress::quarter_of;
use xaso_domain::plan::InspectionMetric;
use xaso_store::identity::User;
use xaso_store::plan::inspection::{self as store, Outcome};
use xaso_store::StoreError;

use super::workspace::{decimal, Workspace};
use super::EvidenceLine;
use super::{actor, attach, evidence_lines, field, forbidden, load, today_and_quarter};
use crate::dossier::pages::{read_form, shown, staff};
use crate::error::{ApiError, PageError};
use crate::pages::{render_status, see_other, PageContext};
use crate::AppState;

fn date(text: &str, what: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("{what} không hợp lệ")))
}

fn shown_date(day: Option<NaiveDate>) -> String {
    day.map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string())
}

struct ShareLine {
    name: &'static str,
    required: &'static str,
    value: String,
}

/// The three shares over the plan's year up to today.
fn shares(work: &Workspace, today: NaiveDate) -> Vec<ShareLine> {
    let year = work.plan.header.year;
    let facts = store::facts(&work.inspections, &work.findings);
    let units: Vec<String> = work.units.iter().map(|(c, _)| c.clone()).collect();
    let (Some(from), Some(end)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Vec::new();
    };
    let to = today.min(end);
    [
        (
            InspectionMetric::UnitsInspected,
            "Đơn vị được kiểm tra",
            "≥ 50%",
        ),
        (
            InspectionMetric::FindingsRemedied,
            "Tồn tại, hạn chế đã khắc phục",
            "100%",
        ),
        (
            InspectionMetric::DigitalInspections,
            "Cuộc kiểm tra qua môi trường số",
            "≥ 50%",
        ),
    ]
    .into_iter()
    .map(|(metric, name, required)| ShareLine {
        name,
        required,
        value: match measure(metric, &units, &facts, from, to) {
            xaso_domain::report::Measure::Rate(r) => format!(
                "{}% ({}/{})",
                decimal(r.percent()),
                r.numerator,
                r.denominator
            ),
            xaso_domain::report::Measure::NoData { reason } => format!("Chưa có dữ liệu: {reason}"),
        },
    })
    .collect()
}

struct InspectionLine {
    id: String,
    unit: String,
    planned: String,
    done: String,
    form: &'static str,
    findings: usize,
    open: usize,
}

#[derive(Template)]
#[template(path = "staff_plan_inspections.html")]
struct InspectionsPage {
    nav: crate::pages::Nav,
    id: String,
    title: String,
    shares: Vec<ShareLine>,
    inspections: Vec<InspectionLine>,
    units: Vec<(String, String)>,
    may_lead: bool,
    error: Option<String>,
}

async fn inspections_view(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    id: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let work = load(state, id).await?;
    let (today, _) = today_and_quarter(state, &work.plan);
    let inspections = work
        .inspections
        .iter()
        .map(|i| {
            let mine: Vec<_> = work
                .findings
                .iter()
                .filter(|f| f.inspection_id == i.id)
                .collect();
            InspectionLine {
                id: i.id.to_string(),
                unit: work.unit_name(&i.unit_code),
                planned: shown_date(i.planned()),
                done: shown_date(i.done()),
                form: if i.digital {
                    "Qua môi trường số"
                } else {
                    "Trực tiếp"
                },
                findings: mine.len(),
                open: mine.iter().filter(|f| f.closed_on.is_none()).count(),
            }
        })
        .collect();
    let page = InspectionsPage {
        nav: ctx.nav(),
        id: id.to_string(),
        title: work.plan.header.title.clone(),
        shares: shares(&work, today),
        inspections,
        units: work.units.clone(),
        may_lead: work.may_lead(user),
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/ke-hoach/{id}/kiem-tra`: the inspection plan and the three shares.
pub async fn inspections_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/kiem-tra")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    inspections_view(&state, &ctx, &user, &id, None).await
}

#[derive(Debug, Deserialize)]
pub struct PlanInspectionForm {
    csrf: String,
    unit: String,
    planned_on: String,
    #[serde(default)]
    digital: Option<String>,
}

/// `POST /can-bo/ke-hoach/{id}/kiem-tra`: plans an inspection of a unit.
pub async fn inspections_post(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    Form(form): Form<PlanInspectionForm>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/kiem-tra")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let work = load(&state, &id).await?;
    if !work.may_lead(&user) {
        return Err(forbidden(
            "Chỉ lãnh đạo và cán bộ theo dõi cải cách hành chính của xã lập kế hoạch kiểm tra.",
        ));
    }
    let outcome = async {
        if !work.units.iter().any(|(c, _)| *c == form.unit) {
            return Err(StoreError::Invalid("chọn một đơn vị của xã".into()));
        }
        let planned = date(&form.planned_on, "ngày kiểm tra dự kiến")?;
        if chrono::Datelike::year(&planned) != work.plan.header.year {
            return Err(StoreError::Invalid(format!(
                "ngày kiểm tra phải trong năm {} của kế hoạch",
                work.plan.header.year
            )));
        }
        let mut tx = state.store.begin().await?;
        let inspection = store::plan(
            &mut tx,
            &id,
            &form.unit,
            planned,
            form.digital.as_deref() == Some("yes"),
            state.now(),
            &actor(&user),
        )
        .await?;
        tx.commit().await?;
        Ok(inspection)
    }
    .await;
    match outcome {
        Ok(inspection) => Ok(see_other(&format!(
            "/can-bo/ke-hoach/{id}/kiem-tra/{inspection}"
        ))),
        Err(error) => {
            let problem = shown(error)?;
            inspections_view(&state, &ctx, &user, &id, Some(problem)).await
        }
    }
}

struct FindingLine {
    id: String,
    text: String,
    due: String,
    closed: String,
    note: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "staff_plan_inspection.html")]
struct InspectionPage {
    nav: crate::pages::Nav,
    id: String,
    inspection: String,
    unit: String,
    planned: String,
    done: String,
    digital: bool,
    conclusion: String,
    evidence: Vec<EvidenceLine>,
    findings: Vec<FindingLine>,
    may_lead: bool,
    today: String,
    error: Option<String>,
}

async fn inspection_view(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    id: &str,
    inspection: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let work = load(state, id).await?;
    let found = find(&work, inspection)?;
    let (today, _) = today_and_quarter(state, &work.plan);
    let subject = found.subject();
    let evidence = work
        .evidence_of(&subject)
        .iter()
        .map(|e| (e.year, e.quarter))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .flat_map(|(year, quarter)| evidence_lines(&work, &subject, year, quarter))
        .collect();
    let page = InspectionPage {
        nav: ctx.nav(),
        id: id.to_string(),
        inspection: found.id.to_string(),
        unit: work.unit_name(&found.unit_code),
        planned: shown_date(found.planned()),
        done: shown_date(found.done()),
        digital: found.digital,
        conclusion: found.conclusion.clone(),
        evidence,
        findings: work
            .findings
            .iter()
            .filter(|f| f.inspection_id == found.id)
            .map(|f| FindingLine {
                id: f.id.to_string(),
                text: f.text.clone(),
                due: shown_date(f.due()),
                closed: shown_date(f.closed()),
                note: f.closing_note.clone(),
                overdue: f.closed_on.is_none() && f.due().is_some_and(|d| d < today),
            })
            .collect(),
        may_lead: work.may_lead(user),
        today: today.to_string(),
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

fn find<'a>(work: &'a Workspace, inspection: &str) -> Result<&'a store::Inspection, PageError> {
    let not_found = || PageError(ApiError::not_found("Không có cuộc kiểm tra này."));
    let wanted: Uuid = inspection.parse().map_err(|_| not_found())?;
    work.inspections
        .iter()
        .find(|i| i.id == wanted)
        .ok_or_else(not_found)
}

/// `GET /can-bo/ke-hoach/{id}/kiem-tra/{inspection}`: an inspection, its findings, the forms.
pub async fn inspection_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, inspection)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = match staff(
        &ctx,
        &format!("/can-bo/ke-hoach/{id}/kiem-tra/{inspection}"),
    ) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    inspection_view(&state, &ctx, &user, &id, &inspection, None).await
}

/// `POST /can-bo/ke-hoach/{id}/kiem-tra/{inspection}` (multipart), by `action`: `record` the
/// result (day, form, conclusion, evidence files), add a `finding`, or `close` one.
pub async fn inspection_post(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, inspection)): Path<(String, String)>,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    let path = format!("/can-bo/ke-hoach/{id}/kiem-tra/{inspection}");
    let user = match staff(&ctx, &path) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return inspection_view(&state, &ctx, &user, &id, &inspection, Some(problem)).await
        }
    };
    ctx.check(field(&fields, "csrf"))?;
    let work = load(&state, &id).await?;
    let found = find(&work, &inspection)?.clone();
    if !work.may_lead(&user) {
        return Err(forbidden(
            "Chỉ lãnh đạo và cán bộ theo dõi cải cách hành chính của xã ghi kết quả kiểm tra.",
        ));
    }
    let actor = actor(&user);
    let now = state.now();
    let outcome = async {
        let mut tx = state.store.begin().await?;
        match field(&fields, "action") {
            "record" => {
                let done_on = date(field(&fields, "done_on"), "ngày kiểm tra")?;
                let outcome = Outcome {
                    done_on,
                    digital: field(&fields, "digital") == "yes",
                    conclusion: field(&fields, "conclusion"),
                };
                store::record(&mut tx, &id, found.id, &outcome, now, &actor).await?;
                let period = (chrono::Datelike::year(&done_on), quarter_of(done_on));
                attach(
                    &state,
                    &mut tx,
                    &id,
                    &found.subject(),
                    period,
                    uploads,
                    &actor,
                )
                .await?;
            }
            "finding" => {
                let due = date(field(&fields, "remedy_due"), "hạn khắc phục")?;
                store::add_finding(
                    &mut tx,
                    &id,
                    &found,
                    field(&fields, "text"),
                    due,
                    now,
                    &actor,
                )
                .await?;
            }
            "close" => {
                let finding_id: Uuid = field(&fields, "finding")
                    .parse()
                    .map_err(|_| StoreError::NotFound("tồn tại này".into()))?;
                let finding = work
                    .findings
                    .iter()
                    .find(|f| f.id == finding_id && f.inspection_id == found.id)
                    .ok_or_else(|| StoreError::NotFound("tồn tại này".into()))?;
                let closed_on = date(field(&fields, "closed_on"), "ngày khắc phục")?;
                store::close_finding(
                    &mut tx,
                    &id,
                    finding,
                    closed_on,
                    field(&fields, "note"),
                    now,
                    &actor,
                )
                .await?;
            }
            _ => return Err(StoreError::Invalid("thao tác không hợp lệ".into())),
        }
        tx.commit().await
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&path)),
        Err(error) => {
            let problem = shown(error)?;
            inspection_view(&state, &ctx, &user, &id, &inspection, Some(problem)).await
        }
    }
}
