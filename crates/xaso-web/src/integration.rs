//! `/api/v1/webhooks`: integrators subscribe an address to dossier events, read each
//! subscription's delivery log and replay a delivery. Administrators only, with a token of the
//! `webhooks` scope (the route policy says so).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use xaso_domain::integration::Event;
use xaso_store::audit::Actor;
use xaso_store::integration::{self, Delivery, Subscription};

use crate::error::ApiError;
use crate::identity::CurrentUser;
use crate::AppState;

#[derive(Serialize, schemars::JsonSchema)]
pub struct Items<T> {
    items: Vec<T>,
}

fn id_of(text: &str, what: &str) -> Result<Uuid, ApiError> {
    text.parse()
        .map_err(|_| ApiError::not_found(format!("không có {what} {text}")))
}

/// `GET /api/v1/webhooks`: the subscriptions (without their secrets).
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(_): CurrentUser,
) -> Result<Json<Items<Subscription>>, ApiError> {
    let mut tx = state.store.read().await?;
    let items = integration::subscriptions(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(Items { items }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewSubscription {
    url: String,
    /// `["dossier.status_changed"]`, `["dossier.action"]`, or both.
    events: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Subscribed {
    #[serde(flatten)]
    subscription: Subscription,
    /// The key to check `X-Xaso-Signature` with; shown this once.
    secret: String,
}

/// `POST /api/v1/webhooks` with `{"url", "events"}`.
pub async fn subscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: Result<Json<NewSubscription>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| {
        ApiError::from_json(
            e,
            "cần JSON {\"url\": …, \"events\": [\"dossier.status_changed\"]}",
        )
    })?;
    let events = request
        .events
        .iter()
        .map(|e| {
            Event::parse(e).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "sự kiện `{e}` không có (có: dossier.status_changed, dossier.action)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = state.store.begin().await?;
    let actor = Actor::user(user.id, &user.username);
    let subscription =
        integration::subscribe(&mut tx, &request.url, &events, state.now(), &actor).await?;
    tx.commit().await?;
    let secret = subscription.secret.clone();
    let created = Subscribed {
        subscription,
        secret,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /api/v1/webhooks/{id}/disable`: nothing more is queued for it.
pub async fn disable(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id, "đăng ký webhook")?;
    let mut tx = state.store.begin().await?;
    let actor = Actor::user(user.id, &user.username);
    integration::disable(&mut tx, id, state.now(), &actor).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct LoggedDelivery {
    #[serde(flatten)]
    delivery: Delivery,
    tries: Vec<Try>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Try {
    attempt: i64,
    at: chrono::DateTime<chrono::Utc>,
    http_status: Option<i64>,
    error: Option<String>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first, every try of each.
pub async fn deliveries(
    State(state): State<AppState>,
    CurrentUser(_): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Items<LoggedDelivery>>, ApiError> {
    let id = id_of(&id, "đăng ký webhook")?;
    let mut tx = state.store.read().await?;
    if !integration::subscriptions(&mut tx)
        .await?
        .iter()
        .any(|s| s.id == id)
    {
        return Err(ApiError::not_found(format!(
            "không có đăng ký webhook {id}"
        )));
    }
    let mut items = Vec::new();
    for delivery in integration::deliveries(&mut tx, Some(id), 200).await? {
        let tries = integration::attempts(&mut tx, delivery.id)
            .await?
            .into_iter()
            .map(|(attempt, at, http_status, error)| Try {
                attempt,
                at,
                http_status,
                error,
            })
            .collect();
        items.push(LoggedDelivery { delivery, tries });
    }
    tx.commit().await?;
    Ok(Json(Items { items }))
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Replayed {
    id: Uuid,
    replay_of: Uuid,
}

/// `POST /api/v1/webhooks/deliveries/{id}/replay`: the same payload, sent again as a new delivery.
pub async fn replay(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let message = id_of(&id, "lần gửi")?;
    let mut tx = state.store.begin().await?;
    let actor = Actor::user(user.id, &user.username);
    let id = integration::replay(&mut tx, message, state.now(), &actor).await?;
    tx.commit().await?;
    let body = Replayed {
        id,
        replay_of: message,
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}
