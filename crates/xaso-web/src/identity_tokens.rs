//! `/api/v1/me/tokens`: an account's API tokens for the programs it connects — listed, made with
//! scopes, revoked one by one.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use xaso_domain::identity::access::Scope;
use xaso_store::audit::Actor;
use xaso_store::identity::tokens;

use crate::error::ApiError;
use crate::identity::CurrentUser;
use crate::identity_access::Caller;
use crate::AppState;

#[derive(Serialize, schemars::JsonSchema)]
pub struct TokenList {
    items: Vec<xaso_store::identity::ApiToken>,
}

/// `GET /api/v1/me/tokens`: the caller's tokens, without the tokens themselves.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<TokenList>, ApiError> {
    let mut tx = state.store.read().await?;
    let items = tokens::tokens_of(&mut tx, &user.username).await?;
    tx.commit().await?;
    Ok(Json(TokenList { items }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewToken {
    name: String,
    /// `["read"]`, `["read", "write"]`, `["webhooks"]`…
    scopes: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Created {
    id: Uuid,
    /// Shown this once; only its hash is kept.
    token: String,
    scopes: Vec<&'static str>,
}

/// `POST /api/v1/me/tokens` with `{"name", "scopes"}`: a new token, shown once. A token can only
/// make tokens within its own scopes, so a read-only program cannot give itself more.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CurrentUser(user): CurrentUser,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body
        .map_err(|e| ApiError::from_json(e, "cần JSON {\"name\": …, \"scopes\": [\"read\", …]}"))?;
    let scopes = Scope::parse_list(&request.scopes.join(" ")).map_err(ApiError::bad_request)?;
    if let Some(own) = &caller.scopes {
        if let Some(wider) = scopes.iter().find(|s| !own.contains(s)) {
            return Err(ApiError::forbidden(format!(
                "mã truy cập đang dùng không có phạm vi `{}`, nên không tạo được mã có phạm vi đó",
                wider.as_str()
            )));
        }
    }
    let mut tx = state.store.begin().await?;
    let actor = Actor::user(user.id, &user.username);
    let (id, token) = tokens::create_scoped(
        &mut tx,
        &user.username,
        &request.name,
        &scopes,
        state.now(),
        &actor,
    )
    .await?;
    tx.commit().await?;
    let created = Created {
        id,
        token,
        scopes: scopes.iter().map(|s| s.as_str()).collect(),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /api/v1/me/tokens/{id}/revoke`: the token stops working at once.
pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: Uuid = id
        .parse()
        .map_err(|_| ApiError::not_found(format!("không có mã truy cập {id}")))?;
    let mut tx = state.store.begin().await?;
    let actor = Actor::user(user.id, &user.username);
    tokens::revoke_token(&mut tx, &user.username, id, state.now(), &actor).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
