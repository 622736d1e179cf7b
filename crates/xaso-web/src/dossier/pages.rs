//! Dossier pages: the staff workspace (inbox, dossier with its action forms, counter reception)
//! and the citizen's side (online submission, receipt, my dossiers, rating).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::catalog::{ComponentForm, Procedure};
use xaso_domain::dossier::workflow::{Place, StepAction};
use xaso_domain::dossier::{Action, Channel, Urgency};
use xaso_domain::identity::Role;
use xaso_store::dossier::{
    self, Applicant, Decision, DossierSummary, DossierView, NewDossier, ProvidedComponent, Rating,
    StoredFile,
};
use xaso_store::identity::User;
use xaso_store::{catalog, StoreError};

use crate::error::{ApiError, PageError};
use crate::pages::{render, render_status, see_other, Nav, PageContext};
use crate::AppState;

fn local(instant: Option<DateTime<Utc>>) -> String {
    instant
        .map(|i| to_local(i).format("%H:%M %d/%m/%Y").to_string())
        .unwrap_or_default()
}

pub(crate) fn page_error(error: StoreError) -> PageError {
    PageError(error.into())
}

/// An error the user can act on, to show on the form; a server error becomes an error page.
pub(crate) fn shown(error: StoreError) -> Result<(StatusCode, String), PageError> {
    let api: ApiError = error.into();
    if api.status.is_server_error() {
        Err(PageError(api))
    } else {
        Ok((api.status, api.message))
    }
}

fn urgency_key(urgency: Option<Urgency>) -> &'static str {
    match urgency {
        Some(Urgency::OnTrack) => "on_track",
        Some(Urgency::DueSoon) => "due_soon",
        Some(Urgency::Overdue) => "overdue",
        None => "",
    }
}

struct InboxLine {
    code: String,
    procedure: String,
    applicant: String,
    channel: &'static str,
    status: &'static str,
    step: String,
    due: String,
    urgency: &'static str,
    urgency_label: &'static str,
}

#[derive(Template)]
#[template(path = "staff_inbox.html")]
struct InboxPage {
    nav: Nav,
    lines: Vec<InboxLine>,
    filter_status: String,
    filter_channel: String,
    filter_procedure: String,
    procedures: Vec<(String, String)>,
    counter: bool,
}

#[derive(Debug, Deserialize)]
pub struct InboxFilter {
    #[serde(rename = "trang-thai")]
    status: Option<String>,
    #[serde(rename = "kenh")]
    channel: Option<String>,
    #[serde(rename = "thu-tuc")]
    procedure: Option<String>,
}

pub(crate) fn staff(ctx: &PageContext, back_to: &str) -> Result<User, Box<Response>> {
    let user = ctx.require(back_to)?;
    if user.roles.iter().all(|r| *r == Role::Citizen) {
        return Err(Box::new(axum::response::IntoResponse::into_response(
            PageError(ApiError {
                status: StatusCode::FORBIDDEN,
                code: "forbidden",
                message: "Trang này dành cho cán bộ.".into(),
            }),
        )));
    }
    Ok(user.clone())
}

/// `GET /can-bo`: the staff inbox, most urgent first, with colour and words.
pub async fn inbox_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(filter): Query<InboxFilter>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let items: Vec<DossierSummary> = dossier::inbox(&mut tx, &state.rules, &user, state.now())
        .await
        .map_err(page_error)?;
    let status = filter.status.unwrap_or_default();
    let channel = filter.channel.unwrap_or_default();
    let procedure = filter.procedure.unwrap_or_default();
    // The procedures present in the inbox, to filter by.
    let mut procedures: Vec<(String, String)> = items
        .iter()
        .map(|d| (d.procedure_code.clone(), d.procedure_name.clone()))
        .collect();
    procedures.sort();
    procedures.dedup();
    let lines = items
        .into_iter()
        .filter(|d| status.is_empty() || d.status.code.to_string() == status)
        .filter(|d| channel.is_empty() || format!("{:?}", d.channel).eq_ignore_ascii_case(&channel))
        .filter(|d| procedure.is_empty() || d.procedure_code == procedure)
        .map(|d| InboxLine {
            urgency: urgency_key(d.urgency),
            urgency_label: d.urgency.map(|u| u.label()).unwrap_or(""),
            code: d.code,
            procedure: d.procedure_name,
            applicant: d.applicant_name,
            channel: d.channel.label(),
            status: d.status.name,
            step: d.step,
            due: local(d.due_at),
        })
        .collect();
    let page = InboxPage {
        nav: ctx.nav(),
        lines,
        filter_status: status,
        filter_channel: channel,
        filter_procedure: procedure,
        procedures,
        counter: user.has_role(Role::CounterOfficer),
    };
    Ok(ctx.finish(render(&page)))
}

/// One action form on the dossier page.
struct ActionForm {
    key: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "staff_dossier.html")]
struct DossierPage {
    nav: Nav,
    d: DossierView,
    submitted: String,
    received: String,
    due: String,
    resolved: String,
    history: Vec<(String, String, String, String)>,
    forms: Vec<ActionForm>,
    message: Option<String>,
    error: Option<String>,
}

fn offered_actions(
    state: &AppState,
    view: &DossierView,
    scope: &xaso_domain::dossier::ActorScope,
) -> Vec<ActionForm> {
    let mut forms = Vec::new();
    if view.status.code >= 7 && view.status.code != 9 || view.status.code == 3 {
        return forms;
    }
    let Some(workflow) = state.rules.workflows.get(&view.workflow) else {
        return forms;
    };
    let Some(step) = workflow.steps.iter().find(|s| s.key == view.step) else {
        return forms;
    };
    let here = scope.roles.contains(&step.role)
        && match step.at {
            Place::Receiving => scope.at_receiving,
            Place::Competent => scope.at_competent,
        };
    let waiting = view.status.code == 5;
    if here && !waiting {
        for action in &step.actions {
            let (key, label) = match action {
                StepAction::Accept if view.received_at.is_none() => ("accept", "Tiếp nhận hồ sơ"),
                StepAction::Forward if view.received_at.is_some() => {
                    ("forward", "Chuyển bước tiếp theo")
                }
                StepAction::ReturnBack => ("return_back", "Trả lại bước trước"),
                StepAction::Consult => ("consult", "Xin ý kiến cơ quan khác"),
                StepAction::RequestSupplement => ("request_supplement", "Yêu cầu bổ sung hồ sơ"),
                StepAction::Refuse => ("refuse", "Từ chối"),
                StepAction::Stop => ("stop", "Dừng xử lý"),
                StepAction::Approve => ("approve", "Phê duyệt kết quả"),
                StepAction::ReturnResult if view.status.code == 9 => {
                    ("return_result", "Trả kết quả")
                }
                _ => continue,
            };
            forms.push(ActionForm { key, label });
        }
    }
    let counter = scope.at_receiving && scope.roles.contains(&Role::CounterOfficer);
    if waiting && counter {
        forms.push(ActionForm {
            key: "supplemented",
            label: "Đã nhận đủ giấy tờ bổ sung",
        });
    }
    let handler = (scope.at_competent
        && (scope.roles.contains(&Role::Specialist) || scope.roles.contains(&Role::Leader)))
        || counter;
    if handler && matches!(view.status.code, 2 | 4) && !view.rescheduled {
        forms.push(ActionForm {
            key: "apologize",
            label: "Phiếu xin lỗi và hẹn lại ngày trả",
        });
    }
    if counter && view.status.code != 9 {
        forms.push(ActionForm {
            key: "withdraw",
            label: "Rút hồ sơ theo đề nghị của người nộp",
        });
    }
    forms
}

async fn dossier_page_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    code: &str,
    message: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut tx = state.store.read().await.map_err(page_error)?;
    let view = dossier::view_for(&mut tx, &state.rules, code, user, state.now())
        .await
        .map_err(page_error)?;
    let scope = dossier::scope_for(&mut tx, code, user)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let forms = scope
        .map(|s| offered_actions(state, &view, &s))
        .unwrap_or_default();
    let history = view
        .history
        .iter()
        .map(|h| {
            let result = match h.step_result.as_deref() {
                Some("early") => "Trước hạn",
                Some("on_time") => "Đúng hạn",
                Some("late") => "Quá hạn",
                _ => "",
            };
            (
                local(Some(h.at)),
                h.actor.clone(),
                h.content.clone(),
                result.to_string(),
            )
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let page = DossierPage {
        nav: ctx.nav(),
        submitted: local(Some(view.submitted_at)),
        received: local(view.received_at),
        due: local(view.due_at),
        resolved: local(view.resolved_at),
        history,
        forms,
        message,
        error: error.map(|(_, m)| m),
        d: view,
    };
    Ok(ctx.finish(render_status(status, &page)))
}

#[derive(Debug, Deserialize)]
pub struct MessageParam {
    #[serde(rename = "thong-bao")]
    message: Option<String>,
}

/// `GET /can-bo/ho-so/{code}`: the dossier, its slip, its documents and the forms for what the
/// officer may do now.
pub async fn dossier_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    Query(params): Query<MessageParam>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ho-so/{code}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let message = params.message.map(|m| m.chars().take(200).collect());
    dossier_page_response(&state, &ctx, &user, &code, message, None).await
}

#[derive(Debug, Deserialize)]
pub struct ActionFormData {
    csrf: String,
    version: i64,
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    result_number: String,
    #[serde(default)]
    new_date: String,
}

fn optional_note(note: &str) -> Option<String> {
    Some(note.trim().to_string()).filter(|n| !n.is_empty())
}

fn action_of(form: &ActionFormData) -> Result<Action, String> {
    Ok(match form.action.as_str() {
        "accept" => Action::Accept {
            note: optional_note(&form.note),
        },
        "forward" => Action::Forward {
            note: optional_note(&form.note),
        },
        "return_back" => Action::ReturnBack {
            note: form.note.clone(),
        },
        "consult" => Action::Consult {
            body: form.body.clone(),
            subject: form.subject.clone(),
            answer_within_days: form
                .days
                .trim()
                .parse()
                .map_err(|_| "Thời hạn trả lời phải là số ngày làm việc".to_string())?,
        },
        "request_supplement" => Action::RequestSupplement {
            items: form.items.lines().map(str::to_string).collect(),
            reason: form.reason.clone(),
        },
        "supplemented" => Action::Supplemented {
            note: optional_note(&form.note),
        },
        "refuse" => Action::Refuse {
            reasons: form.reason.clone(),
        },
        "stop" => Action::Stop {
            reason: form.reason.clone(),
        },
        "withdraw" => Action::Withdraw {
            reason: form.reason.clone(),
        },
        "apologize" => Action::Apologize {
            reason: form.reason.clone(),
            new_date: xaso_domain::calendar::parse_date(&form.new_date)
                .map_err(|e| e.to_string())?,
        },
        "approve" => Action::Approve {
            result_number: form.result_number.clone(),
            note: optional_note(&form.note),
        },
        "return_result" => Action::ReturnResult {
            note: optional_note(&form.note),
        },
        other => return Err(format!("Thao tác “{other}” không tồn tại")),
    })
}

/// `POST /can-bo/ho-so/{code}`: one action; back to the page with a message or the error.
pub async fn dossier_action(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    Form(form): Form<ActionFormData>,
) -> Result<Response, PageError> {
    ctx.check(&form.csrf)?;
    let user = match staff(&ctx, &format!("/can-bo/ho-so/{code}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let action = match action_of(&form) {
        Ok(action) => action,
        Err(message) => {
            return dossier_page_response(
                &state,
                &ctx,
                &user,
                &code,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
            )
            .await;
        }
    };
    let outcome = async {
        let mut tx = state.store.begin().await?;
        let view = dossier::act(
            &mut tx,
            &state.rules,
            &code,
            form.version,
            &action,
            &user,
            state.now(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(view)
    }
    .await;
    match outcome {
        Ok(view) => {
            if matches!(action, Action::Approve { .. }) {
                super::result::after_approval(&state, &code, &user, &public_base(&headers)).await;
            }
            Ok(see_other(&format!(
                "/can-bo/ho-so/{code}?thong-bao={}",
                crate::catalog::percent_encode(&format!(
                    "Đã thực hiện. Trạng thái: {}",
                    view.status.name
                ))
            )))
        }
        Err(error) => {
            dossier_page_response(&state, &ctx, &user, &code, None, Some(shown(error)?)).await
        }
    }
}

struct ComponentLine {
    index: usize,
    name: String,
    required_form: &'static str,
    mandatory: bool,
    /// Documents of the applicant's store that may stand for it: (id, label).
    reusable: Vec<(String, String)>,
}

fn component_lines(procedure: &Procedure) -> Vec<ComponentLine> {
    procedure
        .components
        .iter()
        .enumerate()
        .map(|(index, c)| ComponentLine {
            index,
            name: c.name.clone(),
            required_form: c.form.label(),
            mandatory: c.mandatory,
            reusable: Vec::new(),
        })
        .collect()
}

/// The component lines with the stored documents that may stand for each.
fn lines_with_choices(
    procedure: &Procedure,
    choices: Vec<Vec<(String, String)>>,
) -> Vec<ComponentLine> {
    let mut lines = component_lines(procedure);
    for (line, reusable) in lines.iter_mut().zip(choices) {
        line.reusable = reusable;
    }
    lines
}

#[derive(Template)]
#[template(path = "staff_reception.html")]
struct ReceptionPage {
    nav: Nav,
    procedures: Vec<(String, String)>,
    chosen: Option<Procedure>,
    components: Vec<ComponentLine>,
    communes: Vec<(String, String)>,
    /// The citizen looked up by number: their profile fills the applicant's details.
    number: String,
    applicant: Option<xaso_store::citizen::Profile>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ProcedureParam {
    #[serde(rename = "thu-tuc")]
    procedure: Option<String>,
    /// The applicant's number, to look them up in the citizen data store.
    #[serde(default)]
    so: Option<String>,
}

async fn reception_page_response(
    state: &AppState,
    ctx: &PageContext,
    procedure: Option<&str>,
    lookup: Option<(&User, &str)>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut error = error;
    // Looking the applicant up is a read of their data: logged for them to see.
    let mut found = None;
    if let Some((user, number)) = lookup.filter(|(_, n)| !n.trim().is_empty()) {
        let reader = xaso_store::citizen::Reader {
            user,
            channel: xaso_store::citizen::Channel::Page,
            dossier_code: None,
        };
        let looked = async {
            let number = xaso_store::citizen::check_number(&state.rules.citizen, number)?;
            let mut tx = state.store.begin().await?;
            let read =
                xaso_store::citizen::read_profile(&mut tx, &number, &reader, state.now()).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(read.map(|(profile, _)| profile))
        }
        .await;
        match looked {
            Ok(profile) => found = profile,
            Err(problem) => error = error.or(Some(shown(problem)?)),
        }
    }
    let mut tx = state.store.read().await.map_err(page_error)?;
    let all = catalog::search(
        &mut tx,
        &xaso_store::catalog::SearchQuery {
            page: 1,
            per_page: 100,
            ..Default::default()
        },
    )
    .await
    .map_err(page_error)?;
    let chosen = match procedure {
        Some(code) => catalog::current(&mut tx, code)
            .await
            .map_err(page_error)?
            .map(|r| r.procedure),
        None => None,
    };
    let communes = dossier::communes(&mut tx)
        .await
        .map_err(page_error)?
        .into_iter()
        .map(|a| (a.agency_code, a.name))
        .collect();
    let components = match (&chosen, &found) {
        (Some(procedure), Some(profile)) => {
            let choices =
                crate::citizen::reuse_choices(&mut tx, state, procedure, &profile.id_number)
                    .await
                    .map_err(page_error)?;
            lines_with_choices(procedure, choices)
        }
        (Some(procedure), None) => component_lines(procedure),
        (None, _) => Vec::new(),
    };
    let page = ReceptionPage {
        nav: ctx.nav(),
        procedures: all.items.into_iter().map(|p| (p.code, p.name)).collect(),
        components,
        chosen,
        communes,
        number: lookup.map_or(String::new(), |(_, n)| n.trim().to_string()),
        applicant: found,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/tiep-nhan[?thu-tuc=CODE]`: the counter reception form.
pub async fn reception_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(params): Query<ProcedureParam>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/tiep-nhan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    reception_page_response(
        &state,
        &ctx,
        params.procedure.as_deref().filter(|p| !p.is_empty()),
        params.so.as_deref().map(|so| (&user, so)),
        None,
    )
    .await
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(crate) fn optional_field(fields: &[(String, String)], name: &str) -> Option<String> {
    Some(field(fields, name).trim().to_string()).filter(|v| !v.is_empty())
}

fn provided_form(value: &str) -> Option<ComponentForm> {
    match value {
        "original" => Some(ComponentForm::Original),
        "certified_copy" => Some(ComponentForm::CertifiedCopy),
        "copy" => Some(ComponentForm::Copy),
        "present" => Some(ComponentForm::Present),
        _ => None,
    }
}

/// `POST /can-bo/tiep-nhan`: receives a walk-in or postal dossier.
pub async fn reception_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/tiep-nhan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return reception_page_response(&state, &ctx, None, None, Some(problem)).await
        }
    };
    ctx.check(field(&fields, "csrf"))?;
    let procedure_code = field(&fields, "procedure_code").to_string();
    let lookup = Some((&user, field(&fields, "id_number")));
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::current(&mut tx, &procedure_code)
        .await
        .map_err(page_error)?
        .ok_or_else(|| {
            PageError(ApiError::not_found(format!(
                "không có thủ tục mã {procedure_code}"
            )))
        })?
        .procedure;
    tx.commit().await.map_err(page_error)?;
    let uploaded: Vec<usize> = uploads.iter().map(|u| u.index).collect();
    let reuses = match crate::citizen::chosen_reuses(&fields, &procedure, &uploaded) {
        Ok(reuses) => reuses,
        Err(problem) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
            return reception_page_response(&state, &ctx, Some(&procedure_code), lookup, problem)
                .await;
        }
    };
    let components = procedure
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| ProvidedComponent {
            name: c.name.clone(),
            // A document taken from the store counts as a copy when nothing else was ticked.
            provided: provided_form(field(&fields, &format!("comp_{i}"))).or_else(|| {
                reuses
                    .iter()
                    .any(|(name, _)| name == &c.name)
                    .then_some(ComponentForm::Copy)
            }),
        })
        .collect();
    let decision = match field(&fields, "decision") {
        "accept" => Decision::Accept,
        "supplement" => Decision::Supplement {
            items: field(&fields, "items")
                .lines()
                .map(str::to_string)
                .collect(),
            reason: field(&fields, "reason").to_string(),
        },
        _ => Decision::Refuse {
            reasons: field(&fields, "reasons").to_string(),
        },
    };
    let new = NewDossier {
        procedure_code: procedure_code.clone(),
        channel: if field(&fields, "channel") == "postal" {
            Channel::Postal
        } else {
            Channel::Counter
        },
        receiving_agency: user.agency_code.clone().unwrap_or_default(),
        handling_commune: optional_field(&fields, "handling_commune"),
        applicant: applicant_of(&fields),
        owner_name: optional_field(&fields, "owner_name"),
        proxy_name: optional_field(&fields, "proxy_name"),
        components,
        decision: Some(decision),
    };
    let reused = (reuses.as_slice(), xaso_store::citizen::Consent::Counter);
    match receive_with_files(&state, &new, &procedure, uploads, reused, &user).await {
        Ok(view) => Ok(see_other(&format!("/ho-so/{}/bien-nhan", view.code))),
        Err(error) => {
            let problem = Some(shown(error)?);
            reception_page_response(&state, &ctx, Some(&procedure_code), lookup, problem).await
        }
    }
}

/// A file from a form, checked: a PDF, JPEG or PNG of at most 10 MiB, for component `index`.
pub(crate) struct Upload {
    pub index: usize,
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// What reading a form gave: its fields and files, or a problem to show on the form.
pub(crate) type FormRead = Result<(Vec<(String, String)>, Vec<Upload>), (StatusCode, String)>;

/// Reads a multipart form: its text fields, and its `file_N` parts (empty ones skipped). A file
/// that is too large or not a PDF, JPEG or PNG is a problem to show on the form.
pub(crate) async fn read_form(mut multipart: Multipart) -> Result<FormRead, PageError> {
    let bad = |message: String| PageError(ApiError::bad_request(message));
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("biểu mẫu không đọc được: {e}")))?
    {
        let name = part.name().unwrap_or_default().to_string();
        let Some(index) = name
            .strip_prefix("file_")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            let value = part
                .text()
                .await
                .map_err(|e| bad(format!("biểu mẫu không đọc được: {e}")))?;
            fields.push((name, value));
            continue;
        };
        let file_name = xaso_store::files::clean_name(part.file_name().unwrap_or_default());
        let bytes = part
            .bytes()
            .await
            .map_err(|e| bad(format!("tệp không đọc được: {e}")))?;
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > xaso_store::files::MAX_FILE_BYTES {
            return Ok(Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Tệp “{file_name}” quá lớn: tối đa 10 MiB."),
            )));
        }
        let Some(content_type) = xaso_store::files::sniff(&bytes) else {
            return Ok(Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Tệp “{file_name}” không phải PDF, JPEG hoặc PNG."),
            )));
        };
        uploads.push(Upload {
            index,
            name: file_name,
            bytes: bytes.to_vec(),
            content_type,
        });
    }
    Ok(Ok((fields, uploads)))
}

/// A file already in the file store, for component `component` of the procedure.
struct Blob {
    component: Option<String>,
    name: String,
    stored: StoredFile,
}

/// Puts the uploads in the file store (content-addressed: storing twice keeps one copy).
async fn store_uploads(
    state: &AppState,
    procedure: &Procedure,
    uploads: Vec<Upload>,
) -> Result<Vec<Blob>, StoreError> {
    let mut blobs = Vec::new();
    for upload in uploads {
        let size = upload.bytes.len();
        let sha256 = state.files.put(upload.bytes).await?;
        blobs.push(Blob {
            component: procedure
                .components
                .get(upload.index)
                .map(|c| c.name.clone()),
            name: upload.name,
            stored: StoredFile {
                sha256,
                size,
                content_type: upload.content_type,
            },
        });
    }
    Ok(blobs)
}

/// Documents of the applicant's store taken instead of uploads, and how the citizen consented.
type Reused<'a> = (&'a [(String, uuid::Uuid)], xaso_store::citizen::Consent);

/// Receives a dossier, attaches its stored files and the reused documents, in one transaction.
async fn receive_with_blobs(
    state: &AppState,
    new: &NewDossier,
    blobs: &[Blob],
    (reuses, consent): Reused<'_>,
    user: &User,
) -> Result<DossierView, StoreError> {
    let mut tx = state.store.begin().await?;
    let view = dossier::receive(&mut tx, &state.rules, new, user, state.now()).await?;
    for blob in blobs {
        dossier::attach(
            &mut tx,
            &state.rules,
            &view.code,
            blob.component.as_deref(),
            &blob.name,
            &blob.stored,
            user,
            state.now(),
        )
        .await?;
    }
    crate::citizen::apply_reuses(&mut tx, state, &view.code, reuses, consent, user).await?;
    tx.commit().await?;
    Ok(view)
}

async fn receive_with_files(
    state: &AppState,
    new: &NewDossier,
    procedure: &Procedure,
    uploads: Vec<Upload>,
    reused: Reused<'_>,
    user: &User,
) -> Result<DossierView, StoreError> {
    let blobs = store_uploads(state, procedure, uploads).await?;
    receive_with_blobs(state, new, &blobs, reused, user).await
}

fn applicant_of(fields: &[(String, String)]) -> Applicant {
    Applicant {
        name: field(fields, "applicant_name").to_string(),
        id_number: optional_field(fields, "id_number"),
        phone: optional_field(fields, "phone"),
        email: optional_field(fields, "email"),
        address: optional_field(fields, "address"),
    }
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    nav: Nav,
    communes: Vec<(String, String)>,
    p: Procedure,
    components: Vec<ComponentLine>,
    name: String,
    /// The profile linked to the account: its details fill the form, its documents are offered.
    profile: Option<xaso_store::citizen::Profile>,
    error: Option<String>,
}

impl SubmitPage {
    fn offers_reuse(&self) -> bool {
        self.components.iter().any(|c| !c.reusable.is_empty())
    }
}

/// `GET /thu-tuc/{code}/nop`: the online submission form (citizens, signed in).
pub async fn submit_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = match ctx.require(&format!("/thu-tuc/{code}/nop")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    submit_page_response(&state, &ctx, &user, &code, None).await
}

async fn submit_page_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    code: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::current(&mut tx, code)
        .await
        .map_err(page_error)?
        .ok_or_else(|| PageError(ApiError::not_found(format!("không có thủ tục mã {code}"))))?
        .procedure;
    if procedure.online == xaso_domain::catalog::OnlineLevel::None {
        return Err(PageError(ApiError::bad_request(
            "Thủ tục này chưa nhận hồ sơ trực tuyến; hãy nộp tại Bộ phận một cửa.",
        )));
    }
    let communes = dossier::communes(&mut tx)
        .await
        .map_err(page_error)?
        .into_iter()
        .map(|a| (a.agency_code, a.name))
        .collect();
    let profile = xaso_store::citizen::own_profile(&mut tx, user)
        .await
        .map_err(page_error)?;
    let components = match &profile {
        Some(profile) => {
            let choices =
                crate::citizen::reuse_choices(&mut tx, state, &procedure, &profile.id_number)
                    .await
                    .map_err(page_error)?;
            lines_with_choices(&procedure, choices)
        }
        None => component_lines(&procedure),
    };
    let page = SubmitPage {
        nav: ctx.nav(),
        communes,
        components,
        p: procedure,
        name: profile
            .as_ref()
            .map_or(user.full_name.clone(), |p| p.full_name.clone()),
        profile,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `POST /thu-tuc/{code}/nop` (multipart): the dossier with its scanned papers, all or nothing.
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let user = match ctx.require(&format!("/thu-tuc/{code}/nop")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return submit_page_response(&state, &ctx, &user, &code, Some(problem)).await
        }
    };
    ctx.check(field(&fields, "csrf"))?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::current(&mut tx, &code)
        .await
        .map_err(page_error)?
        .ok_or_else(|| PageError(ApiError::not_found(format!("không có thủ tục mã {code}"))))?
        .procedure;
    let communes = dossier::communes(&mut tx).await.map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let receiving = optional_field(&fields, "commune")
        .or_else(|| communes.first().map(|c| c.agency_code.clone()))
        .unwrap_or_default();
    let uploaded: Vec<usize> = if field(&fields, "step") == "confirm" {
        blob_indexes(&fields)
    } else {
        uploads.iter().map(|u| u.index).collect()
    };
    let reuses = match crate::citizen::chosen_reuses(&fields, &procedure, &uploaded) {
        Ok(reuses) => reuses,
        Err(problem) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
            return submit_page_response(&state, &ctx, &user, &code, problem).await;
        }
    };
    if field(&fields, "step") != "confirm" {
        // First the review: the files are kept, the details shown back, nothing is submitted yet.
        if let Err(error) = dossier::check_applicant(&applicant_of(&fields)) {
            return submit_page_response(&state, &ctx, &user, &code, Some(shown(error)?)).await;
        }
        let blobs = store_uploads(&state, &procedure, uploads)
            .await
            .map_err(page_error)?;
        let commune = communes
            .iter()
            .find(|c| c.agency_code == receiving)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let page = ReviewPage {
            nav: ctx.nav(),
            procedure_name: procedure.name.clone(),
            procedure_code: code.clone(),
            commune,
            fields: fields
                .into_iter()
                .filter(|(k, _)| k != "csrf" && k != "step" && !k.starts_with("blob_"))
                .collect(),
            reused: reuses.iter().map(|(name, _)| name.clone()).collect(),
            files: blobs
                .iter()
                .enumerate()
                .map(|(i, b)| ReviewFile {
                    key: format!("blob_{i}"),
                    value: format!(
                        "{}|{}|{}|{}|{}",
                        b.component
                            .as_ref()
                            .and_then(|c| procedure.components.iter().position(|p| &p.name == c))
                            .map_or(String::new(), |n| n.to_string()),
                        b.stored.sha256,
                        b.stored.content_type,
                        b.stored.size,
                        b.name
                    ),
                    name: b.name.clone(),
                    component: b.component.clone().unwrap_or_default(),
                })
                .collect(),
        };
        return Ok(ctx.finish(render(&page)));
    }
    // The confirmation names files already stored at review, by their hash.
    let mut blobs = Vec::new();
    for (key, value) in fields.iter().filter(|(k, _)| k.starts_with("blob_")) {
        let parts: Vec<&str> = value.splitn(5, '|').collect();
        let (Some(index), Some(sha256), Some(content_type), Some(size), Some(name)) = (
            parts.first(),
            parts.get(1),
            parts.get(2),
            parts.get(3),
            parts.get(4),
        ) else {
            return Err(PageError(ApiError::bad_request(format!(
                "trường {key} không hợp lệ"
            ))));
        };
        let stored = state.files.exists(sha256).await.map_err(page_error)?;
        let (Some(content_type), Ok(size), true) = (
            xaso_store::files::known_type(content_type),
            size.parse::<usize>(),
            stored,
        ) else {
            return Err(PageError(ApiError::bad_request(
                "Tệp đính kèm không còn; hãy nộp lại.",
            )));
        };
        blobs.push(Blob {
            component: index
                .parse::<usize>()
                .ok()
                .and_then(|i| procedure.components.get(i))
                .map(|c| c.name.clone()),
            name: name.to_string(),
            stored: StoredFile {
                sha256: sha256.to_string(),
                size,
                content_type,
            },
        });
    }
    let new = NewDossier {
        procedure_code: code.clone(),
        channel: Channel::Online,
        receiving_agency: receiving,
        handling_commune: None,
        applicant: applicant_of(&fields),
        owner_name: None,
        proxy_name: None,
        // What was scanned and sent, or taken from the store, counts as provided, as a copy.
        components: blobs
            .iter()
            .filter_map(|b| b.component.clone())
            .chain(reuses.iter().map(|(name, _)| name.clone()))
            .map(|name| ProvidedComponent {
                name,
                provided: Some(ComponentForm::Copy),
            })
            .collect(),
        decision: None,
    };
    let reused = (reuses.as_slice(), xaso_store::citizen::Consent::Online);
    match receive_with_blobs(&state, &new, &blobs, reused, &user).await {
        Ok(view) => Ok(see_other(&format!("/ho-so/{}/bien-nhan", view.code))),
        Err(error) => submit_page_response(&state, &ctx, &user, &code, Some(shown(error)?)).await,
    }
}

struct ReviewFile {
    key: String,
    value: String,
    name: String,
    component: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    nav: Nav,
    procedure_name: String,
    procedure_code: String,
    commune: String,
    fields: Vec<(String, String)>,
    files: Vec<ReviewFile>,
    /// Components for which a document of the citizen's store is used.
    reused: Vec<String>,
}

/// The component indexes of files already stored at review (`blob_N` = "index|hash|…").
fn blob_indexes(fields: &[(String, String)]) -> Vec<usize> {
    fields
        .iter()
        .filter(|(k, _)| k.starts_with("blob_"))
        .filter_map(|(_, v)| v.split('|').next()?.parse().ok())
        .collect()
}

impl ReviewPage {
    fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    nav: Nav,
    d: DossierView,
    submitted: String,
    due: String,
    qr_svg: String,
    tracking_url: String,
}

/// A QR code of a text as inline SVG (drawn on the server: no script, no outside service).
fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// `GET /ho-so/{code}/bien-nhan`: the receipt and appointment (form 01 data), printable.
pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let view =
        match signed_in_view(&state, &ctx, &code, &format!("/ho-so/{code}/bien-nhan")).await? {
            Ok(found) => found,
            Err(response) => return Ok(*response),
        };
    let tracking_url = tracking_url(&headers, &view.code);
    let page = ReceiptPage {
        nav: ctx.nav(),
        submitted: local(Some(view.submitted_at)),
        due: local(view.due_at),
        qr_svg: qr_svg(&tracking_url),
        tracking_url,
        d: view,
    };
    Ok(ctx.finish(render(&page)))
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
struct MyDossiersPage {
    nav: Nav,
    lines: Vec<(String, String, String, String)>,
}

/// `GET /ho-so-cua-toi`: the citizen's dossiers.
pub async fn my_dossiers_page(
    State(state): State<AppState>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let user = match ctx.require("/ho-so-cua-toi") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let items = dossier::of_applicant(&mut tx, &state.rules, &user, state.now())
        .await
        .map_err(page_error)?;
    let lines = items
        .into_iter()
        .map(|d| {
            (
                d.code,
                d.procedure_name,
                d.status.name.to_string(),
                local(d.due_at),
            )
        })
        .collect();
    Ok(ctx.finish(render(&MyDossiersPage {
        nav: ctx.nav(),
        lines,
    })))
}

#[derive(Template)]
#[template(path = "my_dossier.html")]
struct MyDossierPage {
    nav: Nav,
    d: DossierView,
    due: String,
    resolved: String,
    steps: Vec<(String, String)>,
    rating: Option<(String, Option<String>)>,
    can_rate: bool,
    error: Option<String>,
}

async fn my_dossier_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    code: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut tx = state.store.read().await.map_err(page_error)?;
    let view = dossier::view_for(&mut tx, &state.rules, code, user, state.now())
        .await
        .map_err(page_error)?;
    let rating = dossier::rating_of(&mut tx, code)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let steps = view
        .history
        .iter()
        .map(|h| (local(Some(h.at)), h.content.clone()))
        .collect();
    let page = MyDossierPage {
        nav: ctx.nav(),
        due: local(view.due_at),
        resolved: local(view.resolved_at),
        steps,
        can_rate: rating.is_none() && view.status.code == 10,
        rating: rating.map(|(r, reason)| (r.label().to_string(), reason)),
        error: error.as_ref().map(|(_, m)| m.clone()),
        d: view,
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /ho-so/{code}`: a citizen's own dossier, with the rating form once the result is returned.
pub async fn my_dossier_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = match ctx.require(&format!("/ho-so/{code}")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    my_dossier_response(&state, &ctx, &user, &code, None).await
}

#[derive(Debug, Deserialize)]
pub struct RatingForm {
    csrf: String,
    rating: String,
    #[serde(default)]
    reason: String,
}

/// `POST /ho-so/{code}/danh-gia`
pub async fn rate(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    Form(form): Form<RatingForm>,
) -> Result<Response, PageError> {
    ctx.check(&form.csrf)?;
    let user = match ctx.require(&format!("/ho-so/{code}")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let Some(rating) = Rating::parse(&form.rating) else {
        return my_dossier_response(
            &state,
            &ctx,
            &user,
            &code,
            Some((
                StatusCode::UNPROCESSABLE_ENTITY,
                "Hãy chọn một mức đánh giá.".into(),
            )),
        )
        .await;
    };
    let outcome = async {
        let mut tx = state.store.begin().await?;
        dossier::rate(
            &mut tx,
            &code,
            rating,
            Some(&form.reason),
            &user,
            state.now(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/ho-so/{code}"))),
        Err(error) => my_dossier_response(&state, &ctx, &user, &code, Some(shown(error)?)).await,
    }
}

/// "09 giờ 15 phút, ngày 02/03/2026"
pub(crate) fn spoken(instant: Option<DateTime<Utc>>) -> String {
    spoken_time(instant)
}

fn spoken_time(instant: Option<DateTime<Utc>>) -> String {
    instant
        .map(|i| {
            to_local(i)
                .format("%H giờ %M phút, ngày %d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default()
}

/// "ngày 02 tháng 3 năm 2026"
pub(crate) fn date_words(instant: DateTime<Utc>) -> String {
    date_line(instant)
}

fn date_line(instant: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = to_local(instant);
    format!(
        "ngày {:02} tháng {} năm {}",
        local.day(),
        local.month(),
        local.year()
    )
}

/// The agency block of a form: the receiving commune and centre, by name.
async fn issuer_of(
    state: &AppState,
    view: &DossierView,
) -> Result<xaso_docs::forms::Issuer, StoreError> {
    let mut tx = state.store.read().await?;
    let name_of =
        |agency: Option<xaso_store::agency::Agency>| agency.map(|a| a.name).unwrap_or_default();
    let commune = name_of(xaso_store::agency::by_code(&mut tx, &view.receiving_commune).await?);
    let agency = name_of(xaso_store::agency::by_code(&mut tx, &view.receiving_agency).await?);
    tx.commit().await?;
    Ok(xaso_docs::forms::Issuer {
        place: place_of(&commune),
        parent: commune,
        agency,
    })
}

/// "UBND xã Minh Đức" → "Minh Đức", for the place-and-date line.
pub(crate) fn place_of(commune: &str) -> String {
    commune
        .trim_start_matches("UBND ")
        .trim_start_matches("xã ")
        .trim_start_matches("phường ")
        .to_string()
}

pub(crate) fn pdf_response(bytes: Vec<u8>, file_name: &str) -> Response {
    axum::response::IntoResponse::into_response((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    ))
}

/// `GET /ho-so/{code}/bien-nhan.pdf`: form 01 as PDF, for whoever may see the dossier.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let view =
        match signed_in_view(&state, &ctx, &code, &format!("/ho-so/{code}/bien-nhan")).await? {
            Ok(found) => found,
            Err(response) => return Ok(*response),
        };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::version(&mut tx, &view.procedure_code, view.procedure_version)
        .await
        .map_err(page_error)?
        .map(|r| r.procedure);
    tx.commit().await.map_err(page_error)?;
    let issuer = issuer_of(&state, &view).await.map_err(page_error)?;
    let officer = view
        .history
        .iter()
        .rev()
        .find(|h| h.action == "accept" || h.action == "submit")
        .map(|h| h.actor.clone())
        .unwrap_or_default();
    let components = view
        .components
        .iter()
        .filter_map(|c| {
            let count = procedure
                .as_ref()
                .and_then(|p| p.components.iter().find(|pc| pc.name == c.name))
                .map_or(1, |pc| pc.count);
            c.provided
                .map(|form| (c.name.clone(), form.label().to_string(), count))
        })
        .collect();
    let data = xaso_docs::forms::Receipt {
        collect_at: format!("Bộ phận một cửa, {}", issuer.agency),
        issuer,
        code: view.code.clone(),
        tracking_url: tracking_url(&headers, &view.code),
        applicant: view.applicant.name.clone(),
        address: view.applicant.address.clone().unwrap_or_default(),
        phone: view.applicant.phone.clone().unwrap_or_default(),
        email: view.applicant.email.clone().unwrap_or_default(),
        id_number: view.applicant.id_number.clone().unwrap_or_default(),
        procedure: view.procedure_name.clone(),
        components,
        processing_time: procedure.map(|p| p.time.describe()).unwrap_or_default(),
        received: spoken_time(view.received_at.or(Some(view.submitted_at))),
        appointment: if view.due_at.is_some() {
            spoken_time(view.due_at)
        } else {
            "sau khi hồ sơ được kiểm tra, tiếp nhận".into()
        },
        officer,
        date_line: date_line(view.received_at.unwrap_or(view.submitted_at)),
    };
    Ok(pdf_response(
        xaso_docs::forms::receipt(&data),
        &format!("giay-tiep-nhan-{}.pdf", view.code),
    ))
}

/// `GET /can-bo/ho-so/{code}/phieu-kiem-soat.pdf`: form 05, the process-control slip.
pub async fn control_slip_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ho-so/{code}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let view = dossier::view_for(&mut tx, &state.rules, &code, &user, state.now())
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let issuer = issuer_of(&state, &view).await.map_err(page_error)?;
    let lines = view
        .history
        .iter()
        .map(|h| xaso_docs::forms::SlipLine {
            unit: match &h.agency_code {
                Some(agency) => format!("{} ({agency})", h.actor),
                None => h.actor.clone(),
            },
            handed: local(Some(h.at)),
            result: match h.step_result.as_deref() {
                Some("early") => "Trước hạn".into(),
                Some("on_time") => "Đúng hạn".into(),
                Some("late") => "Quá hạn".into(),
                _ => String::new(),
            },
            note: h.content.clone(),
        })
        .collect();
    let data = xaso_docs::forms::Slip {
        issuer,
        code: view.code.clone(),
        applicant: view.applicant.name.clone(),
        procedure: view.procedure_name.clone(),
        received: local(view.received_at),
        appointment: local(view.due_at),
        lines,
        date_line: date_line(state.now()),
    };
    Ok(pdf_response(
        xaso_docs::forms::control_slip(&data),
        &format!("phieu-kiem-soat-{}.pdf", view.code),
    ))
}

/// The public tracking address of a dossier, on the host the user reached us by.
fn tracking_url(headers: &axum::http::HeaderMap, code: &str) -> String {
    format!("{}/tra-cuu?ma={code}", public_base(headers))
}

/// `http://HOST` as the user reached us (the header is filtered to host characters).
pub fn public_base(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// `GET /ho-so/{code}/phieu/{form}.pdf`: form 02 (supplement request), 03 (refusal) or 04
/// (apology and new appointment), when the dossier has one.
pub async fn notice_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((code, form)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let view = match signed_in_view(&state, &ctx, &code, &format!("/ho-so/{code}")).await? {
        Ok(found) => found,
        Err(response) => return Ok(*response),
    };
    let issuer = issuer_of(&state, &view).await.map_err(page_error)?;
    let none = || PageError(ApiError::not_found("Hồ sơ này không có phiếu đó."));
    let received = spoken_time(view.received_at.or(Some(view.submitted_at)));
    let addressee = format!("Ông/Bà {}", view.applicant.name);
    let (notice, number) = match form.trim_end_matches(".pdf") {
        "02" => {
            let request = view.supplement.clone().ok_or_else(none)?;
            (
                xaso_docs::forms::Notice {
                    title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ".into(),
                    intro: format!(
                        "Lúc {received}, {} đã tiếp nhận hồ sơ đề nghị giải quyết thủ tục “{}” của Ông/Bà. Sau khi xem xét, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau (lý do: {}):",
                        issuer.agency, view.procedure_name, request.reason
                    ),
                    items: request.items,
                    closing: format!("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với {} để được hướng dẫn. Xin trân trọng cảm ơn!", request.by),
                    signer_title: "NGƯỜI HƯỚNG DẪN".into(),
                    signer: request.by,
                    date_line: date_line(request.at),
                    ..Default::default()
                },
                "02",
            )
        }
        "03" => {
            let refusal = view.refusal.clone().ok_or_else(none)?;
            let what = if refusal.at_reception {
                "tiếp nhận"
            } else {
                "giải quyết"
            };
            (
                xaso_docs::forms::Notice {
                    title: "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ".into(),
                    intro: format!(
                        "{} nhận được hồ sơ đề nghị giải quyết thủ tục “{}” của Ông/Bà lúc {received}. Qua xem xét, {} thông báo từ chối {what} hồ sơ với lý do sau:",
                        issuer.agency, view.procedure_name, issuer.agency
                    ),
                    items: vec![refusal.reasons],
                    closing: "Xin thông báo để Ông/Bà được biết và thực hiện.".into(),
                    signer_title: "NGƯỜI TIẾP NHẬN HỒ SƠ".into(),
                    signer: refusal.by,
                    date_line: date_line(refusal.at),
                    ..Default::default()
                },
                "03",
            )
        }
        "04" => {
            let apology = view.apology.clone().ok_or_else(none)?;
            (
                xaso_docs::forms::Notice {
                    title: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ".into(),
                    intro: format!(
                        "Lúc {received}, {} tiếp nhận hồ sơ đề nghị giải quyết thủ tục “{}” của Ông/Bà, hẹn trả kết quả lúc {}. Tuy nhiên đến nay, chúng tôi chưa trả kết quả giải quyết hồ sơ cho Ông/Bà đúng hạn, lý do:",
                        issuer.agency, view.procedure_name, spoken_time(Some(apology.old_due))
                    ),
                    items: vec![apology.reason],
                    closing: format!(
                        "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi thành thật xin lỗi và hẹn lại thời gian trả kết quả lúc {}. Xin trân trọng cảm ơn!",
                        spoken_time(Some(apology.new_due))
                    ),
                    signer_title: "CÁN BỘ GIẢI QUYẾT HỒ SƠ".into(),
                    signer: apology.by,
                    date_line: date_line(apology.at),
                    ..Default::default()
                },
                "04",
            )
        }
        _ => return Err(none()),
    };
    let notice = xaso_docs::forms::Notice {
        issuer,
        code: view.code.clone(),
        addressee,
        ..notice
    };
    Ok(pdf_response(
        xaso_docs::forms::notice(&notice),
        &format!("phieu-{number}-{}.pdf", view.code),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PeriodParams {
    tu: Option<String>,
    den: Option<String>,
}

/// `GET /can-bo/so-theo-doi.pdf[?tu=YYYY-MM-DD&den=YYYY-MM-DD]`: the register (form 06) of the
/// dossiers received at the officer's commune, this month by default.
pub async fn register_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(params): Query<PeriodParams>,
) -> Result<Response, PageError> {
    use chrono::Datelike;
    let user = match staff(&ctx, "/can-bo") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let today = to_local(state.now()).date();
    let parse = |value: Option<&str>,
                 default: chrono::NaiveDate|
     -> Result<chrono::NaiveDate, PageError> {
        match value.filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(text) => xaso_domain::calendar::parse_date(text).map_err(|e| PageError(e.into())),
        }
    };
    let first = today.with_day(1).unwrap_or(today);
    let from = parse(params.tu.as_deref(), first)?;
    let to = parse(params.den.as_deref(), today)?;
    if to < from || (to - from).num_days() > 366 {
        return Err(PageError(ApiError::bad_request(
            "Khoảng thời gian không hợp lệ (tối đa một năm).",
        )));
    }
    let start = xaso_domain::calendar::deadline::from_local(from.and_time(chrono::NaiveTime::MIN));
    let end = xaso_domain::calendar::deadline::from_local(
        (to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN),
    );
    let mut tx = state.store.read().await.map_err(page_error)?;
    let views = dossier::register(&mut tx, &state.rules, &user, start, end, state.now())
        .await
        .map_err(page_error)?;
    let handlers: Vec<String> = {
        let mut names = Vec::new();
        for view in &views {
            let agency = xaso_store::agency::by_code(&mut tx, &view.handling_commune)
                .await
                .map_err(page_error)?;
            names.push(
                agency
                    .map(|a| a.name)
                    .unwrap_or_else(|| view.handling_commune.clone()),
            );
        }
        names
    };
    tx.commit().await.map_err(page_error)?;
    let issuer = match views.first() {
        Some(view) => issuer_of(&state, view).await.map_err(page_error)?,
        None => xaso_docs::forms::Issuer::default(),
    };
    let rows = views
        .iter()
        .zip(handlers)
        .map(|(view, handler)| {
            let contact = [view.applicant.address.clone(), view.applicant.phone.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ");
            let returned = view
                .history
                .iter()
                .find(|h| h.action == "return_result")
                .map(|h| local(Some(h.at)))
                .unwrap_or_default();
            xaso_docs::forms::RegisterRow {
                code: view.code.clone(),
                procedure: view.procedure_name.clone(),
                applicant: view.applicant.name.clone(),
                contact,
                handler,
                received: local(view.received_at),
                appointment: local(view.due_at),
                returned,
                note: view.status.name.to_string(),
            }
        })
        .collect();
    let data = xaso_docs::forms::Register {
        issuer,
        period: format!(
            "từ {} đến {}",
            from.format("%d/%m/%Y"),
            to.format("%d/%m/%Y")
        ),
        rows,
        date_line: date_line(state.now()),
    };
    Ok(pdf_response(
        xaso_docs::forms::register(&data),
        &format!("so-theo-doi-{from}-{to}.pdf"),
    ))
}

/// The dossier as the signed-in user may see it, or the way to the login page.
async fn signed_in_view(
    state: &AppState,
    ctx: &PageContext,
    code: &str,
    back_to: &str,
) -> Result<Result<DossierView, Box<Response>>, PageError> {
    let user = match ctx.require(back_to) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(Err(response)),
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let view = dossier::view_for(&mut tx, &state.rules, code, &user, state.now())
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    Ok(Ok(view))
}
