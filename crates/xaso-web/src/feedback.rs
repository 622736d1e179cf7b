//! Citizens' feedback over Open311 GeoReport v2: the kinds of feedback (`services.json`), a new
//! request (`POST requests.json`) and its status (`GET requests/{id}.json`) with the notes, the
//! body responsible and the date the answer is due. Errors are Open311's `[{"code", "description"}]`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use xaso_store::feedback::{self, Channel, NewFeedback};
use xaso_store::StoreError;

use crate::dossier::{within_public_limit, ClientIp};
use crate::AppState;

fn open311_error(status: StatusCode, description: impl Into<String>) -> Response {
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

#[derive(Deserialize)]
pub struct RequestForm {
    service_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    lat: Option<String>,
    #[serde(default)]
    long: Option<String>,
    #[serde(default)]
    address_string: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    /// The commune's agency code.
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// A coordinate of the form, or the message saying why it is not one.
fn coordinate(value: &Option<String>, what: &str) -> Result<Option<f64>, String> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("{what} “{text}” không phải là số")),
    }
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
        return open311_error(StatusCode::BAD_REQUEST, "cần service_code và description");
    };
    let (lat, lon) = match (coordinate(&form.lat, "lat"), coordinate(&form.long, "long")) {
        (Ok(lat), Ok(lon)) => (lat, lon),
        (Err(problem), _) | (_, Err(problem)) => {
            return open311_error(StatusCode::BAD_REQUEST, problem)
        }
    };
    let name = [form.first_name.as_deref(), form.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let contact = [form.phone.as_deref(), form.email.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let new = NewFeedback {
        agency_code: form.jurisdiction_id.filter(|j| !j.trim().is_empty()),
        channel: Channel::Open311,
        service_code: form.service_code,
        author_name: if name.is_empty() {
            "Người dân (không nêu tên)".into()
        } else {
            name
        },
        author_contact: Some(contact).filter(|c| !c.is_empty()),
        description: form.description,
        address: form.address_string,
        lat,
        lon,
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
