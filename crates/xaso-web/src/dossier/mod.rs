//! Dossiers over HTTP: staff reception and actions, inboxes, and public tracking by code.

pub mod intake;
pub mod pages;
pub mod printouts;
pub mod result;
pub mod verification;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use askama::Template;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::dossier::{Action, DossierCode};
use xaso_store::dossier::{self, DossierSummary, DossierView, NewDossier, PublicView};

use crate::error::{ApiError, PageError};
use crate::identity::CurrentUser;
use crate::pages::{render, render_status};
use crate::AppState;

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::from_json(e, "nội dung JSON không hợp lệ"))
}

/// `POST /api/v1/dossiers`: a counter officer receives (or a citizen submits) a dossier.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: Result<Json<NewDossier>, JsonRejection>,
) -> Result<Response, ApiError> {
    let new = json_body(body)?;
    let mut tx = state.store.begin().await?;
    let view = dossier::receive(&mut tx, &state.rules, &new, &user, state.now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ActionRequest {
    /// The dossier version the caller saw.
    version: i64,
    #[serde(flatten)]
    action: Action,
}

/// `POST /api/v1/dossiers/{code}/actions` with `{"version": N, "action": "forward", …}`.
pub async fn act(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<Json<ActionRequest>, JsonRejection>,
) -> Result<Json<DossierView>, ApiError> {
    let request = json_body(body)?;
    let mut tx = state.store.begin().await?;
    let mut view = dossier::act(
        &mut tx,
        &state.rules,
        &code,
        request.version,
        &request.action,
        &user,
        state.now(),
    )
    .await?;
    tx.commit().await?;
    // The action is done from here on: nothing after it may turn the answer into an error (a
    // client told "503, nothing was written" would have been misled — found by the crash test
    // when PostgreSQL stopped between the commit and this read).
    if matches!(request.action, Action::Approve { .. }) {
        result::after_approval(&state, &code, &user, &pages::public_base(&headers)).await;
        // With the signed result attached when signing worked; else the view the action gave.
        let fresh = async {
            let mut tx = state.store.read().await?;
            dossier::view(&mut tx, &state.rules, &code, state.now()).await
        }
        .await;
        match fresh {
            Ok(Some(fresh)) => view = fresh,
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "approved dossier {code} not read again"),
        }
    }
    Ok(Json(view))
}

/// `GET /api/v1/dossiers/{code}`: the dossier with its history, for those who may see it.
pub async fn detail(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<DossierView>, ApiError> {
    let mut tx = state.store.read().await?;
    let view = dossier::view_for(&mut tx, &state.rules, &code, &user, state.now()).await?;
    tx.commit().await?;
    xaso_store::audit::record_staff_read(
        &state.store,
        state.now(),
        &user,
        "dossier",
        &view.id.to_string(),
        "api",
    )
    .await?;
    Ok(Json(view))
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Items<T> {
    items: Vec<T>,
}

/// `GET /api/v1/dossiers/inbox`: what waits for the caller, most urgent first.
pub async fn inbox(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Items<DossierSummary>>, ApiError> {
    let mut tx = state.store.read().await?;
    let items = dossier::inbox(&mut tx, &state.rules, &user, state.now()).await?;
    Ok(Json(Items { items }))
}

/// `GET /api/v1/dossiers/mine`: the dossiers a citizen submitted.
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Items<DossierSummary>>, ApiError> {
    let mut tx = state.store.read().await?;
    let items = dossier::of_applicant(&mut tx, &state.rules, &user, state.now()).await?;
    Ok(Json(Items { items }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct UploadParams {
    /// The file name as the user knows it.
    name: Option<String>,
    /// The dossier component it is, when it is one.
    component: Option<String>,
}

/// `POST /api/v1/dossiers/{code}/files?name=…&component=…` with the file as the body: PDF, JPEG
/// or PNG (recognised by content), at most 10 MiB.
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
    params: Result<Query<UploadParams>, QueryRejection>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let bytes = body.map_err(|e| ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "too_large",
        message: format!(
            "tệp quá lớn hoặc không đọc được ({}): tối đa 10 MiB",
            e.body_text()
        ),
    })?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request("tệp rỗng"));
    }
    if bytes.len() > xaso_store::files::MAX_FILE_BYTES {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: "tệp quá lớn: tối đa 10 MiB".into(),
        });
    }
    let Some(content_type) = xaso_store::files::sniff(&bytes) else {
        return Err(ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_file",
            message:
                "chỉ nhận tệp PDF, JPEG hoặc PNG (nhận biết theo nội dung tệp, không theo tên)"
                    .into(),
        });
    };
    // Who may attach is checked before a byte is written to the file store.
    let mut check = state.store.read().await?;
    dossier::authorize_attach(&mut check, &code, params.component.as_deref(), &user).await?;
    check.commit().await?;
    let size = bytes.len();
    let sha256 = state.files.put(bytes.to_vec()).await?;
    let stored = dossier::StoredFile {
        sha256,
        size,
        content_type,
    };
    let mut tx = state.store.begin().await?;
    let meta = dossier::attach(
        &mut tx,
        &state.rules,
        &code,
        params.component.as_deref(),
        params.name.as_deref().unwrap_or(""),
        &stored,
        &user,
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(meta)).into_response())
}

/// `GET /api/v1/dossiers/{code}/files/{id}`: an attachment, for those who may see the dossier.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = id
        .parse()
        .map_err(|_| ApiError::not_found("không có tệp này"))?;
    let mut tx = state.store.read().await?;
    let meta = dossier::file_for(&mut tx, &code, id, &user).await?;
    tx.commit().await?;
    let bytes = state.files.get(&meta.sha256).await?;
    Ok(file_response(&meta.name, &meta.content_type, bytes))
}

/// A stored file sent back for download under its (cleaned) name, never sniffed by the browser.
pub(crate) fn file_response(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        crate::catalog::percent_encode(name)
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A fixed-window limit per client address on public look-ups, against code enumeration.
pub struct RateLimiter {
    per_window: u32,
    window_seconds: u64,
    seen: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_window: u32, window_seconds: u64) -> RateLimiter {
        RateLimiter {
            per_window,
            window_seconds,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn allow(&self, client: Option<IpAddr>) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if seen.len() > 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start).as_secs() < self.window_seconds);
        }
        let entry = seen.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0).as_secs() >= self.window_seconds {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_window
    }
}

/// The caller's address when the server knows it.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

const NOT_FOUND: &str =
    "Không tìm thấy hồ sơ với mã đã nhập. Hãy kiểm tra lại mã trên giấy tiếp nhận.";

/// Public look-ups by code are limited per client: codes are sequential.
pub(crate) fn within_public_limit(
    state: &AppState,
    client: Option<IpAddr>,
) -> Result<(), ApiError> {
    if state.public_limiter.allow(client) {
        return Ok(());
    }
    Err(ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "rate_limited",
        message: "Bạn tra cứu quá nhiều lần trong thời gian ngắn; vui lòng thử lại sau một phút."
            .into(),
    })
}

async fn lookup(
    state: &AppState,
    client: Option<IpAddr>,
    code: &str,
) -> Result<PublicView, ApiError> {
    within_public_limit(state, client)?;
    // Malformed and unknown codes get the same answer: nothing to learn by probing.
    if code.parse::<DossierCode>().is_err() {
        return Err(ApiError::not_found(NOT_FOUND));
    }
    dossier::public_view(&state.store, &state.rules, code.trim())
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))
}

/// `GET /api/v1/public/dossiers/{code}`: status and steps, the applicant's name masked.
pub async fn public(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(code): Path<String>,
) -> Result<Json<PublicView>, ApiError> {
    Ok(Json(lookup(&state, client, &code).await?))
}

fn timing_label(result: &str) -> &'static str {
    match result {
        "early" => "trước hạn",
        "on_time" => "đúng hạn",
        _ => "quá hạn",
    }
}

fn local(instant: Option<DateTime<Utc>>) -> String {
    instant
        .map(|i| to_local(i).format("%H:%M %d/%m/%Y").to_string())
        .unwrap_or_default()
}

struct StepLine {
    at: String,
    step: String,
    status: String,
    result: String,
}

#[derive(Template)]
#[template(path = "tracking.html")]
struct TrackingPage {
    nav: crate::pages::Nav,
    code: String,
    error: Option<String>,
    found: Option<PublicView>,
    received: String,
    due: String,
    resolved: String,
    outcome: String,
    steps: Vec<StepLine>,
}

#[derive(Debug, Deserialize)]
pub struct TrackingParams {
    ma: Option<String>,
}

/// `GET /tra-cuu?ma=CODE`: the public tracking page.
pub async fn tracking_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    ClientIp(client): ClientIp,
    params: Result<Query<TrackingParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(params) = params.map_err(|e| PageError(ApiError::bad_request(e.body_text())))?;
    let code = params.ma.unwrap_or_default().trim().to_string();
    let mut page = TrackingPage {
        nav: ctx.nav(),
        code: code.clone(),
        error: None,
        found: None,
        received: String::new(),
        due: String::new(),
        resolved: String::new(),
        outcome: String::new(),
        steps: Vec::new(),
    };
    if code.is_empty() {
        return Ok(ctx.finish(render(&page)));
    }
    match lookup(&state, client, &code).await {
        Ok(found) => {
            page.received = local(found.received_at);
            page.due = local(found.due_at);
            page.resolved = local(found.resolved_at);
            page.outcome = found
                .outcome
                .map(|o| o.label().to_string())
                .unwrap_or_default();
            page.steps = found
                .steps
                .iter()
                .map(|s| StepLine {
                    at: local(Some(s.at)),
                    step: s.step.clone(),
                    status: s.status.name.to_string(),
                    result: match (&s.completed, s.result.as_deref()) {
                        (Some(step), Some(result)) => format!("{step}: {}", timing_label(result)),
                        _ => String::new(),
                    },
                })
                .collect();
            page.found = Some(found);
            Ok(ctx.finish(render(&page)))
        }
        Err(error) => {
            let status = error.status;
            page.error = Some(error.message);
            Ok(ctx.finish(render_status(status, &page)))
        }
    }
}
