//! The target board of a plan: each target with its value — computed by the system, measured
//! from the inspections, or entered by hand with a note and evidence — and whether it is met.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use xaso_domain::plan::Binding;
use xaso_store::identity::User;
use xaso_store::StoreError;

use super::workspace::{decimal, TargetState, Workspace};
use super::{actor, attach, evidence_lines, field, forbidden, load, number, today_and_quarter};
use super::{EvidenceLine, TargetLine};
use crate::dossier::pages::{page_error, read_form, shown, staff};
use crate::error::{ApiError, PageError};
use crate::pages::{render_status, see_other, PageContext};
use crate::AppState;

fn state_class(target: &xaso_domain::plan::Target, state: &TargetState) -> &'static str {
    match state.verdict(target) {
        Some("Đạt") => "good",
        Some(_) => "bad",
        None => "none",
    }
}

/// The board's lines: each target, what it requires, where it stands.
pub(super) fn lines(work: &Workspace, values: &[TargetState]) -> Vec<TargetLine> {
    work.plan
        .targets
        .iter()
        .zip(values)
        .zip(&work.target_keys)
        .map(|((t, state), key)| TargetLine {
            key: key.clone(),
            text: t.text.clone(),
            required: format!("{} {}", decimal(t.value), t.unit),
            live: state.shown(t),
            state: state_class(t, state),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_plan_targets.html")]
struct BoardPage {
    nav: crate::pages::Nav,
    id: String,
    title: String,
    /// (area number and name, its targets)
    areas: Vec<(String, Vec<TargetLine>)>,
    met: usize,
    missed: usize,
    unknown: usize,
}

/// `GET /can-bo/ke-hoach/{id}/chi-tieu`: every target by area with its value and verdict.
pub async fn targets_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Err(response) = staff(&ctx, &format!("/can-bo/ke-hoach/{id}/chi-tieu")) {
        return Ok(*response);
    }
    let work = load(&state, &id).await?;
    let (_, quarter) = today_and_quarter(&state, &work.plan);
    let values = work
        .values_as_of(&state.store, quarter)
        .await
        .map_err(page_error)?;
    let all = lines(&work, &values);
    let count = |class: &str| all.iter().filter(|l| l.state == class).count();
    let (met, missed, unknown) = (count("good"), count("bad"), count("none"));
    let mut areas: Vec<(String, Vec<TargetLine>)> = Vec::new();
    for (line, target) in all.into_iter().zip(&work.plan.targets) {
        let name = work
            .plan
            .areas
            .iter()
            .find(|a| a.number == target.area)
            .map_or_else(String::new, |a| format!("{}. {}", a.number, a.name));
        match areas.iter_mut().find(|(n, _)| *n == name) {
            Some((_, lines)) => lines.push(line),
            None => areas.push((name, vec![line])),
        }
    }
    let page = BoardPage {
        nav: ctx.nav(),
        id: id.clone(),
        title: work.plan.header.title.clone(),
        areas,
        met,
        missed,
        unknown,
    };
    Ok(ctx.finish(render_status(StatusCode::OK, &page)))
}

struct ValueLine {
    period: String,
    value: String,
    note: String,
    by: String,
    evidence: Vec<EvidenceLine>,
}

#[derive(Template)]
#[template(path = "staff_plan_target.html")]
struct TargetPage {
    nav: crate::pages::Nav,
    id: String,
    plan_title: String,
    key: String,
    text: String,
    required: String,
    live: String,
    state: &'static str,
    how: String,
    manual: bool,
    unit: String,
    values: Vec<ValueLine>,
    may_enter: bool,
    quarter: u8,
    year: i32,
    error: Option<String>,
}

async fn target_view(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    id: &str,
    key: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let work = load(state, id).await?;
    let index = work
        .target_keys
        .iter()
        .position(|k| k == key)
        .ok_or_else(|| PageError(ApiError::not_found("Không có chỉ tiêu này trong kế hoạch.")))?;
    let (_, quarter) = today_and_quarter(state, &work.plan);
    let values = work
        .values_as_of(&state.store, quarter)
        .await
        .map_err(page_error)?;
    let target = &work.plan.targets[index];
    let how = match target.binding {
        Binding::Metric(_) => format!(
            "Hệ thống tự tính từ hồ sơ thủ tục hành chính của {} từ đầu năm (phép đo {}).",
            work.plan.header.agency,
            target.binding.key()
        ),
        Binding::Inspection(_) => format!(
            "Hệ thống tự tính từ sổ kiểm tra cải cách hành chính của kế hoạch (phép đo {}).",
            target.binding.key()
        ),
        Binding::Manual => {
            "Đơn vị theo dõi nhập số liệu từng quý, ghi căn cứ và đính kèm minh chứng.".into()
        }
    };
    let year = work.plan.header.year;
    let page = TargetPage {
        nav: ctx.nav(),
        id: id.to_string(),
        plan_title: work.plan.header.title.clone(),
        key: key.to_string(),
        text: target.text.clone(),
        required: format!("{} {}", decimal(target.value), target.unit),
        live: values[index].shown(target),
        state: state_class(target, &values[index]),
        how,
        manual: target.binding == Binding::Manual,
        unit: target.unit.clone(),
        values: work
            .values
            .iter()
            .filter(|v| v.target_key == key)
            .map(|v| ValueLine {
                period: format!("Quý {}/{}", v.quarter, v.year),
                value: format!("{} {}", decimal(v.value), target.unit),
                note: v.note.clone(),
                by: v.entered_by.clone(),
                evidence: evidence_lines(&work, key, v.year, v.quarter),
            })
            .collect(),
        may_enter: target.binding == Binding::Manual && work.may_lead(user),
        quarter,
        year,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/ke-hoach/{id}/chi-tieu/{key}`: a target, its values, the form to enter one.
pub async fn target_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, key)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/chi-tieu/{key}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    target_view(&state, &ctx, &user, &id, &key, None).await
}

/// `POST /can-bo/ke-hoach/{id}/chi-tieu/{key}` (multipart): a quarter's value of a target kept
/// by hand, its note and evidence files.
pub async fn target_post(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, key)): Path<(String, String)>,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ke-hoach/{id}/chi-tieu/{key}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => return target_view(&state, &ctx, &user, &id, &key, Some(problem)).await,
    };
    ctx.check(field(&fields, "csrf"))?;
    let work = load(&state, &id).await?;
    let index = work
        .target_keys
        .iter()
        .position(|k| *k == key)
        .ok_or_else(|| PageError(ApiError::not_found("Không có chỉ tiêu này trong kế hoạch.")))?;
    let target = &work.plan.targets[index];
    if target.binding != Binding::Manual {
        return Err(PageError(ApiError::bad_request(
            "Chỉ tiêu này do hệ thống tự tính, không nhập tay.",
        )));
    }
    if !work.may_lead(&user) {
        return Err(forbidden(
            "Chỉ lãnh đạo và cán bộ theo dõi cải cách hành chính của xã nhập số liệu chỉ tiêu.",
        ));
    }
    let outcome = async {
        let quarter: u8 = number(&fields, "quarter")?;
        let value: f64 = field(&fields, "value")
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| StoreError::Invalid("giá trị phải là một số (ví dụ 92,5)".into()))?;
        if target.unit == "%" && !(0.0..=100.0).contains(&value) {
            return Err(StoreError::Invalid("tỷ lệ phải từ 0 đến 100".into()));
        }
        if uploads.is_empty() {
            return Err(StoreError::Invalid(
                "đính kèm ít nhất một tệp minh chứng (PDF, JPEG hoặc PNG)".into(),
            ));
        }
        let year = work.plan.header.year;
        let actor = actor(&user);
        let mut tx = state.store.begin().await?;
        xaso_store::plan::work::set_target_value(
            &mut tx,
            &xaso_store::plan::work::NewTargetValue {
                plan_id: &id,
                target_key: &key,
                year,
                quarter,
                value,
                note: field(&fields, "note"),
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
        Ok(()) => Ok(see_other(&format!("/can-bo/ke-hoach/{id}/chi-tieu/{key}"))),
        Err(error) => {
            let problem = shown(error)?;
            target_view(&state, &ctx, &user, &id, &key, Some(problem)).await
        }
    }
}
