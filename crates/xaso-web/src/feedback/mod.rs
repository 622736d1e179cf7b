//! Citizens' feedback over Open311 GeoReport v2: the kinds of feedback (`services.json`), a new
//! request (`POST requests.json`) and its status (`GET requests/{id}.json`) with the notes, the
//! body responsible and the date the answer is due. Errors are Open311's `[{"code", "description"}]`.
//! The pages `/phan-anh` (a citizen's form and items, the commune's register) and
//! `/phan-anh/{code}` (an item and its actions); counter intake, assignment and forwarding inside
//! the system are in `staff`.

mod staff;

pub use staff::counter_page;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use xaso_domain::feedback::open311::{self, RequestForm};
use xaso_domain::feedback::FeedbackAction;
use xaso_store::feedback::{self, Channel, NewFeedback};
use xaso_store::StoreError;

use crate::dossier::pages::local;
use crate::dossier::{within_public_limit, ClientIp};
use crate::AppState;

pub(crate) fn open311_error(status: StatusCode, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!([{ "code": status.as_u16(), "description": description.into() }])),
    )
        .into_response()
}

fn from_store(error: StoreError) -> Response {
    let api: crate::error::ApiError = error.into();
    open311_error(api.status, api.message)
}

/// ISO 8601 in Vietnam time, as Open311 clients show it.
fn iso(at: DateTime<Utc>) -> String {
    let vietnam =
        FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!("+07:00 is valid"));
    at.with_timezone(&vietnam)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// `GET /open311/v2/services.json`
pub async fn services(State(state): State<AppState>) -> Json<Value> {
    Json(Value::Array(
        state
            .rules
            .feedback
            .services
            .iter()
            .map(|s| {
                json!({
                    "service_code": s.code,
                    "service_name": s.name,
                    "description": s.description,
                    "metadata": false,
                    "type": "realtime",
                    "keywords": "",
                    "group": "Phản ánh, kiến nghị",
                })
            })
            .collect(),
    ))
}

/// `POST /open311/v2/requests.json` (form-encoded): a new feedback item, anonymous or with
/// contacts; rate-limited per address.
pub async fn create(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    form: Result<Form<RequestForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Err(limited) = within_public_limit(&state, client) {
        return open311_error(limited.status, limited.message);
    }
    let Ok(Form(form)) = form else {
        return open311_error(StatusCode::BAD_REQUEST, open311::UNREADABLE);
    };
    let request = match open311::read_request(form) {
        Ok(request) => request,
        Err(problem) => return open311_error(StatusCode::BAD_REQUEST, problem),
    };
    let new = NewFeedback {
        agency_code: request.agency_code,
        channel: Channel::Open311,
        service_code: request.service_code,
        author_name: request.author_name,
        author_contact: request.author_contact,
        description: request.description,
        address: request.address,
        lat: request.lat,
        lon: request.lon,
        dossier_code: None,
    };
    let made = async {
        let mut tx = state.store.begin().await?;
        let item = feedback::submit(&mut tx, &state.rules, &new, None, state.now()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(item)
    }
    .await;
    match made {
        Ok(item) => (
            StatusCode::CREATED,
            Json(json!([{
                "service_request_id": item.code,
                "service_notice": format!(
                    "{} đã tiếp nhận; hạn trả lời {}",
                    item.agency_name,
                    crate::dossier::pages::spoken(Some(item.state.deadlines.answer_by))
                ),
            }])),
        )
            .into_response(),
        Err(error) => from_store(error),
    }
}

/// `GET /open311/v2/requests/{id}.json`
pub async fn request(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let code = id.trim_end_matches(".json").to_string();
    let found = async {
        let mut tx = state.store.read().await?;
        let item = feedback::by_code(&mut tx, &code).await?;
        let history = feedback::history(&mut tx, &code).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(item.map(|i| (i, history)))
    }
    .await;
    let (item, history) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return open311_error(StatusCode::NOT_FOUND, format!("không có phản ánh {code}"))
        }
        Err(error) => return from_store(error),
    };
    let service_name = state
        .rules
        .feedback
        .services
        .iter()
        .find(|s| s.code == item.service_code)
        .map_or(item.service_code.clone(), |s| s.name.clone());
    let notes = history
        .last()
        .map(|(_, _, content)| content.clone())
        .unwrap_or_default();
    let agency = item
        .state
        .forwarded_to
        .clone()
        .unwrap_or(item.agency_name.clone());
    Json(json!([{
        "service_request_id": item.code,
        "status": item.state.status.open311(),
        "status_notes": format!("{}. {notes}", item.state.status.label()),
        "service_name": service_name,
        "service_code": item.service_code,
        "description": item.description,
        "agency_responsible": agency,
        "requested_datetime": iso(item.state.submitted_at),
        "updated_datetime": iso(item.updated_at),
        "expected_datetime": iso(item.state.deadlines.answer_by),
        "address": item.address,
        "lat": item.lat,
        "long": item.lon,
    }]))
    .into_response()
}

/// One item as its page shows it.
struct ItemLine {
    code: String,
    kind: String,
    author: String,
    status: String,
    created: String,
    assigned: String,
}

#[derive(askama::Template)]
#[template(path = "feedback_list.html")]
struct ListPage {
    nav: crate::pages::Nav,
    officer: bool,
    services: Vec<(String, String)>,
    items: Vec<ItemLine>,
    error: Option<String>,
}

fn service_name(state: &AppState, code: &str) -> String {
    state
        .rules
        .feedback
        .services
        .iter()
        .find(|s| s.code == code)
        .map_or(code.to_string(), |s| s.name.clone())
}

pub(super) async fn list_response(
    state: &AppState,
    ctx: &crate::pages::PageContext,
    user: &xaso_store::identity::User,
    error: Option<(StatusCode, String)>,
) -> Result<Response, crate::error::PageError> {
    use crate::dossier::pages::page_error;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let lines = feedback::list_for(&mut tx, user)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let status_label = |code: &str| {
        serde_json::from_value::<xaso_domain::feedback::FeedbackStatus>(json!(code))
            .map_or(code.to_string(), |s| s.label().to_string())
    };
    let page = ListPage {
        nav: ctx.nav(),
        officer: user.is_official(),
        services: state
            .rules
            .feedback
            .services
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        items: lines
            .into_iter()
            .map(|l| ItemLine {
                kind: service_name(state, &l.service_code),
                status: status_label(&l.status),
                created: local(Some(l.created_at)),
                assigned: l.assigned_to.unwrap_or_default(),
                author: l.author_name,
                code: l.code,
            })
            .collect(),
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(crate::pages::render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /phan-anh`: the citizen's form and feedback, or the commune's register for officers.
pub async fn list_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
) -> Result<Response, crate::error::PageError> {
    let user = match ctx.require("/phan-anh") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    list_response(&state, &ctx, &user, None).await
}

#[derive(Deserialize)]
pub struct SubmitForm {
    csrf: String,
    service_code: String,
    description: String,
    #[serde(default)]
    address: String,
    /// One of the citizen's dossiers the feedback is about (optional).
    #[serde(default)]
    dossier_code: String,
}

/// `POST /phan-anh`: a signed-in citizen sends feedback.
pub async fn submit_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    Form(form): Form<SubmitForm>,
) -> Result<Response, crate::error::PageError> {
    let user = match ctx.require("/phan-anh") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let new = NewFeedback {
        agency_code: None,
        channel: Channel::Portal,
        service_code: form.service_code,
        author_name: user.full_name.clone(),
        author_contact: None,
        description: form.description,
        address: Some(form.address),
        lat: None,
        lon: None,
        dossier_code: Some(form.dossier_code),
    };
    let made = async {
        let mut tx = state.store.begin().await?;
        let item = feedback::submit(&mut tx, &state.rules, &new, Some(&user), state.now()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(item)
    }
    .await;
    match made {
        Ok(item) => Ok(crate::pages::see_other(&format!("/phan-anh/{}", item.code))),
        Err(error) => {
            let problem = crate::dossier::pages::shown(error)?;
            list_response(&state, &ctx, &user, Some(problem)).await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "feedback_item.html")]
struct ItemPage {
    nav: crate::pages::Nav,
    code: String,
    version: i64,
    kind: String,
    status: String,
    agency: String,
    author: String,
    description: String,
    address: String,
    received: String,
    answer_by: String,
    answer: Option<String>,
    /// The dossier it is about: (code, the viewer's page of it).
    dossier: Option<(String, String)>,
    assigned_to: Option<String>,
    /// Whom an officer may assign it to: (username, name).
    specialists: Vec<(String, String)>,
    /// Where an officer may forward it in the system: (agency code, name).
    communes: Vec<(String, String)>,
    history: Vec<(String, String, String)>,
    /// The actions the viewer may take now: (key, label).
    actions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

pub(super) async fn item_response(
    state: &AppState,
    ctx: &crate::pages::PageContext,
    user: &xaso_store::identity::User,
    code: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, crate::error::PageError> {
    use crate::dossier::pages::page_error;
    use xaso_domain::feedback::{Actor, FeedbackStatus as S};
    let mut tx = state.store.read().await.map_err(page_error)?;
    let item = feedback::by_code(&mut tx, code).await.map_err(page_error)?;
    let Some(item) = item else {
        return Err(crate::error::PageError(crate::error::ApiError::not_found(
            format!("không có phản ánh {code}"),
        )));
    };
    let Some(role) = feedback::role_of(&mut tx, &item, user)
        .await
        .map_err(page_error)?
    else {
        return Err(crate::error::PageError(crate::error::ApiError::not_found(
            format!("không có phản ánh {code}"),
        )));
    };
    let history = feedback::history(&mut tx, code).await.map_err(page_error)?;
    let (specialists, communes) = if role == Actor::Officer {
        staff::choices(&mut tx, &item).await.map_err(page_error)?
    } else {
        (Vec::new(), Vec::new())
    };
    tx.commit().await.map_err(page_error)?;
    let s = &item.state;
    let actions: Vec<(&'static str, &'static str)> = match (role, s.status) {
        (Actor::Officer, S::Received) => vec![
            ("classify", "Phân loại và xử lý"),
            ("assign", "Giao chuyên viên xử lý"),
            ("request_supplement", "Yêu cầu bổ sung thông tin"),
            ("forward_agency", "Chuyển xã, phường khác trong hệ thống"),
            ("forward", "Chuyển cơ quan có thẩm quyền ngoài hệ thống"),
            ("refuse", "Không tiếp nhận"),
        ],
        (Actor::Officer, S::Handling) => {
            let mut a = vec![("answer", "Trả lời"), ("assign", "Giao chuyên viên xử lý")];
            a.extend([
                ("forward_agency", "Chuyển xã, phường khác trong hệ thống"),
                ("forward", "Chuyển cơ quan có thẩm quyền ngoài hệ thống"),
            ]);
            if !s.supplement_asked {
                a.push(("request_supplement", "Yêu cầu bổ sung thông tin"));
            }
            a
        }
        (Actor::Officer, S::Answered) => vec![("publish", "Công khai kết quả trả lời")],
        (Actor::Author, S::WaitingSupplement) => vec![("supplemented", "Gửi thông tin bổ sung")],
        (Actor::Author, S::Answered | S::Published) if s.rating.is_none() => {
            vec![("rate", "Đánh giá câu trả lời")]
        }
        _ => Vec::new(),
    };
    let page = ItemPage {
        nav: ctx.nav(),
        version: item.version,
        kind: service_name(state, &item.service_code),
        status: s.status.label().to_string(),
        agency: s.forwarded_to.clone().unwrap_or(item.agency_name.clone()),
        author: item.author_name.clone(),
        description: item.description.clone(),
        address: item.address.clone().unwrap_or_default(),
        received: local(Some(s.submitted_at)),
        answer_by: local(Some(s.deadlines.answer_by)),
        answer: s.answer.clone(),
        dossier: item.dossier_code.clone().map(|d| {
            let page = if role == Actor::Officer {
                format!("/can-bo/ho-so/{d}")
            } else {
                format!("/ho-so/{d}")
            };
            (d, page)
        }),
        assigned_to: item.assigned_to.clone(),
        specialists,
        communes,
        history: history
            .into_iter()
            .map(|(at, who, what)| (local(Some(at)), who, what))
            .collect(),
        actions,
        error: error.as_ref().map(|(_, m)| m.clone()),
        code: item.code,
    };
    Ok(ctx.finish(crate::pages::render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /phan-anh/{code}`: an item for its author or the officers of its commune.
pub async fn item_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    Path(code): Path<String>,
) -> Result<Response, crate::error::PageError> {
    let user = match ctx.require(&format!("/phan-anh/{code}")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    item_response(&state, &ctx, &user, &code, None).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
    version: i64,
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    rating: String,
    /// `assign`: the specialist's username.
    #[serde(default)]
    specialist: String,
    /// `forward_agency`: the commune's agency code.
    #[serde(default)]
    agency_code: String,
}

fn action_of(form: &ActionForm) -> Result<FeedbackAction, String> {
    use xaso_domain::feedback::Category;
    Ok(match form.action.as_str() {
        "classify" => FeedbackAction::Classify {
            category: match form.category.as_str() {
                "conduct" => Category::Conduct,
                "outside_authority" => Category::OutsideAuthority,
                _ => Category::WithinAuthority,
            },
        },
        "refuse" => FeedbackAction::Refuse {
            reasons: form.text.clone(),
        },
        "request_supplement" => FeedbackAction::RequestSupplement {
            items: form.text.clone(),
        },
        "supplemented" => FeedbackAction::Supplemented {
            text: form.text.clone(),
        },
        "forward" => FeedbackAction::Forward {
            to: form.text.clone(),
        },
        "answer" => FeedbackAction::Answer {
            text: form.text.clone(),
        },
        "publish" => FeedbackAction::Publish,
        "rate" => FeedbackAction::Rate {
            rating: xaso_domain::report::Rating::parse(&form.rating)
                .ok_or_else(|| "Hãy chọn mức đánh giá".to_string())?,
            reason: Some(form.text.clone()),
        },
        other => return Err(format!("Thao tác “{other}” không tồn tại")),
    })
}

/// `POST /phan-anh/{code}`: one action by an officer of the commune or the author.
pub async fn item_action(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    Path(code): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, crate::error::PageError> {
    let user = match ctx.require(&format!("/phan-anh/{code}")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    if matches!(form.action.as_str(), "assign" | "forward_agency") {
        return staff::route(&state, &ctx, &user, &code, &form).await;
    }
    let action = match action_of(&form) {
        Ok(action) => action,
        Err(problem) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
            return item_response(&state, &ctx, &user, &code, problem).await;
        }
    };
    let done = async {
        let mut tx = state.store.begin().await?;
        feedback::act(
            &mut tx,
            &state.rules,
            &code,
            form.version,
            &action,
            &user,
            state.now(),
        )
        .await?;
        tx.commit().await
    }
    .await;
    match done {
        Ok(()) => Ok(crate::pages::see_other(&format!("/phan-anh/{code}"))),
        Err(error) => {
            let problem = crate::dossier::pages::shown(error)?;
            item_response(&state, &ctx, &user, &code, Some(problem)).await
        }
    }
}
