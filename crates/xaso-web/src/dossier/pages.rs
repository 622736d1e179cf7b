//! Dossier pages: the staff workspace (inbox, dossier with its action forms) and the citizen's
//! side (receipt, my dossiers, rating). Reception and online submission are in `intake`, the
//! PDF printouts in `printouts`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::dossier::workflow::{Place, StepAction};
use xaso_domain::dossier::{Action, Urgency};
use xaso_domain::identity::Role;
use xaso_store::dossier::{self, DossierSummary, DossierView, Rating};
use xaso_store::identity::User;
use xaso_store::StoreError;

pub(crate) use super::intake::{field, optional_field, read_form, MultipartForm, Upload};
use super::printouts::tracking_url;
pub use super::printouts::{control_slip_pdf, notice_pdf, receipt_pdf, register_pdf};
pub(crate) use super::printouts::{date_words, pdf_response, place_of, public_base, spoken};
use crate::error::{ApiError, PageError};
use crate::pages::{render, render_status, see_other, Nav, PageContext};
use crate::AppState;

/// An instant as pages show it, in Vietnam time: "09:15 02/03/2026"; empty for none.
pub(crate) fn local(instant: Option<DateTime<Utc>>) -> String {
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

/// The signed-in official: the routes that call this let only officials through their policy.
pub(crate) fn staff(ctx: &PageContext, back_to: &str) -> Result<User, Box<Response>> {
    ctx.require(back_to).cloned()
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
    /// Fee exemption groups: (code, name).
    exemptions: Vec<(String, String)>,
    message: Option<String>,
    error: Option<String>,
    /// The messages sent to the applicant and how each was delivered.
    sent: Vec<crate::notification::SentRow>,
}

impl DossierPage {
    fn amount_due(&self) -> String {
        xaso_domain::money::format_vnd(self.d.payment.as_ref().map_or(0, |p| p.amount))
    }
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
    // Waiting for the applicant (a supplement, a payment): the step's work waits too.
    let waiting = matches!(view.status.code, 5 | 6);
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
                StepAction::RequestPayment
                    if view.payment.as_ref().is_none_or(|p| p.paid_at.is_none()) =>
                {
                    ("request_payment", "Yêu cầu nộp phí, lệ phí")
                }
                _ => continue,
            };
            forms.push(ActionForm { key, label });
        }
    }
    let counter = scope.at_receiving && scope.roles.contains(&Role::CounterOfficer);
    if view.status.code == 5 && counter {
        forms.push(ActionForm {
            key: "supplemented",
            label: "Đã nhận đủ giấy tờ bổ sung",
        });
    }
    if view.status.code == 6 && counter {
        forms.push(ActionForm {
            key: "record_payment",
            label: "Ghi nhận đã thu phí, lệ phí tại quầy",
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
    xaso_store::audit::record_staff_read(
        &state.store,
        state.now(),
        user,
        "dossier",
        &view.id.to_string(),
        "page",
    )
    .await
    .map_err(page_error)?;
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
        sent: crate::notification::sent_rows(&view.messages),
        submitted: local(Some(view.submitted_at)),
        received: local(view.received_at),
        due: local(view.due_at),
        resolved: local(view.resolved_at),
        history,
        forms,
        exemptions: state
            .rules
            .exemptions
            .iter()
            .map(|e| (e.code.clone(), e.name.clone()))
            .collect(),
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
    #[serde(default)]
    pages: String,
    #[serde(default)]
    copies: String,
    #[serde(default)]
    late: String,
    #[serde(default)]
    exemption: String,
    #[serde(default)]
    method: String,
}

/// A count typed on a form: empty is `default`, anything else must be a whole number.
fn count(text: &str, default: u32, what: &str) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(default);
    }
    text.parse()
        .map_err(|_| format!("{what} phải là số nguyên không âm"))
}

/// The fee forms: asked from the catalog's schedule, or money taken at the counter.
async fn fee_action(
    state: &AppState,
    code: &str,
    form: &ActionFormData,
    user: &User,
) -> Result<Result<String, String>, StoreError> {
    let mut tx = state.store.begin().await?;
    let message = if form.action == "request_payment" {
        let case = xaso_domain::payment::fees::FeeCase {
            pages: match count(&form.pages, 0, "Số trang") {
                Ok(n) => n,
                Err(problem) => return Ok(Err(problem)),
            },
            copies: match count(&form.copies, 1, "Số bản, số trường hợp") {
                Ok(n) => n,
                Err(problem) => return Ok(Err(problem)),
            },
            late: form.late == "yes",
        };
        let exemption = Some(form.exemption.as_str()).filter(|e| !e.is_empty());
        let view = xaso_store::payment::request(
            &mut tx,
            &state.rules,
            code,
            form.version,
            &case,
            exemption,
            user,
            state.now(),
        )
        .await?;
        format!(
            "Đã yêu cầu nộp {}. Trạng thái: {}",
            xaso_domain::money::format_vnd(view.payment.as_ref().map_or(0, |p| p.amount)),
            view.status.name
        )
    } else {
        let method = if form.method == "transfer" {
            xaso_store::payment::CounterMethod::Transfer
        } else {
            xaso_store::payment::CounterMethod::Cash
        };
        let paid = xaso_store::payment::record_counter(
            &mut tx,
            &state.rules,
            code,
            method,
            user,
            state.now(),
        )
        .await?;
        format!(
            "Đã thu {}, biên lai số {}",
            xaso_domain::money::format_vnd(u64::try_from(paid.amount).unwrap_or(0)),
            paid.receipt_number.unwrap_or_default()
        )
    };
    tx.commit().await?;
    Ok(Ok(message))
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
    if matches!(form.action.as_str(), "request_payment" | "record_payment") {
        let problem = match fee_action(&state, &code, &form, &user).await {
            Ok(Ok(message)) => {
                return Ok(see_other(&format!(
                    "/can-bo/ho-so/{code}?thong-bao={}",
                    crate::catalog::percent_encode(&message)
                )))
            }
            Ok(Err(problem)) => (StatusCode::UNPROCESSABLE_ENTITY, problem),
            Err(error) => shown(error)?,
        };
        return dossier_page_response(&state, &ctx, &user, &code, None, Some(problem)).await;
    }
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
pub(crate) fn qr_svg(text: &str) -> String {
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
    /// TT 01/2018 indicator 7's choices: (code, label).
    attitudes: Vec<(String, String)>,
    /// A payment gateway is configured.
    can_pay_online: bool,
    error: Option<String>,
    sent: Vec<crate::notification::SentRow>,
}

impl MyDossierPage {
    fn amount_due(&self) -> String {
        xaso_domain::money::format_vnd(self.d.payment.as_ref().map_or(0, |p| p.amount))
    }
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
        sent: crate::notification::sent_rows(&view.messages),
        due: local(view.due_at),
        resolved: local(view.resolved_at),
        steps,
        can_rate: rating.is_none() && view.status.code == 10,
        attitudes: state
            .rules
            .indicators
            .attitudes
            .iter()
            .map(|a| (a.code.clone(), a.label.clone()))
            .collect(),
        can_pay_online: state.gateway.is_some(),
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
    /// TT 01/2018 indicator 4, optional: empty when not answered.
    #[serde(default)]
    bodies_contacted: String,
    /// TT 01/2018 indicator 7, optional.
    #[serde(default)]
    attitude: String,
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
    let bodies_contacted = match form.bodies_contacted.trim() {
        "" => None,
        number => match number.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let problem = format!("Số cơ quan phải liên hệ “{number}” không phải là số.");
                let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
                return my_dossier_response(&state, &ctx, &user, &code, problem).await;
            }
        },
    };
    let answers = dossier::NewRating {
        rating,
        reason: Some(form.reason.clone()),
        bodies_contacted,
        attitude: Some(form.attitude.trim().to_string()).filter(|a| !a.is_empty()),
    };
    let outcome = async {
        let mut tx = state.store.begin().await?;
        dossier::rate(&mut tx, &state.rules, &code, &answers, &user, state.now()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/ho-so/{code}"))),
        Err(error) => my_dossier_response(&state, &ctx, &user, &code, Some(shown(error)?)).await,
    }
}

/// The dossier as the signed-in user may see it, or the way to the login page.
pub(crate) async fn signed_in_view(
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
