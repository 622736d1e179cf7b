//! API tokens for programs: stored only as a hash, scoped (read, write, webhooks), revocable one
//! by one or all at once, with the time each was last used.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::identity::access::Scope;

use super::{require_user, sha256_hex, User, API_TOKEN_PREFIX};
use crate::audit::{self, Actor};
use crate::{db, new_id, StoreError, Tx};

/// A token as its owner sees it (never the token itself).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who a token belongs to and what it may be used for.
#[derive(Debug, Clone)]
pub struct TokenUse {
    pub user: User,
    pub scopes: Vec<Scope>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub(super) fn scopes_of(stored: &str) -> Vec<Scope> {
    // Written by this module only; a word it does not know is dropped, never widened.
    stored
        .split(' ')
        .filter_map(|w| Scope::ALL.into_iter().find(|s| s.as_str() == w))
        .collect()
}

/// Creates a token with read and write scopes (what a personal token always could do).
pub async fn create_api_token(
    tx: &mut Tx,
    username: &str,
    name: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<String, StoreError> {
    let (_, token) =
        create_scoped(tx, username, name, &[Scope::Read, Scope::Write], now, actor).await?;
    Ok(token)
}

/// Creates a token with `scopes`; the token itself is returned once and never stored.
pub async fn create_scoped(
    tx: &mut Tx,
    username: &str,
    name: &str,
    scopes: &[Scope],
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(Uuid, String), StoreError> {
    let user = require_user(tx, username).await?;
    let name = xaso_domain::text::clean(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::Invalid(
            "tên mã truy cập phải có từ 1 đến 100 ký tự".into(),
        ));
    }
    if scopes.is_empty() {
        return Err(StoreError::Invalid(
            "mã truy cập cần ít nhất một phạm vi (read, write, webhooks)".into(),
        ));
    }
    let token = format!("{API_TOKEN_PREFIX}{}", super::random_hex(32));
    let id = new_id();
    let scopes = Scope::join(scopes);
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, scopes) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(user.id)
    .bind(&name)
    .bind(sha256_hex(&token))
    .bind(now)
    .bind(&scopes)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "user.create_token",
        "user",
        username,
        serde_json::json!({ "name": name, "token": id, "scopes": scopes }),
    )
    .await?;
    Ok((id, token))
}

/// The tokens of an account, newest first.
pub async fn tokens_of(tx: &mut Tx, username: &str) -> Result<Vec<ApiToken>, StoreError> {
    let user = require_user(tx, username).await?;
    type Row = (
        Uuid,
        String,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = db!(tx.conn(), |c| sqlx::query_as(
        "SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM api_tokens
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    )
    .bind(user.id)
    .fetch_all(&mut *c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, created_at, last_used_at, revoked_at)| ApiToken {
                id,
                name,
                scopes: scopes_of(&scopes)
                    .into_iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                created_at,
                last_used_at,
                revoked_at,
            },
        )
        .collect())
}

/// Revokes one token of an account; a token of someone else, or none, is not found.
pub async fn revoke_token(
    tx: &mut Tx,
    username: &str,
    id: Uuid,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let user = require_user(tx, username).await?;
    let revoked = db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if revoked == 0 {
        return Err(StoreError::NotFound(format!(
            "không có mã truy cập {id} còn hiệu lực"
        )));
    }
    audit::record(
        tx,
        now,
        actor,
        "user.revoke_token",
        "user",
        username,
        serde_json::json!({ "token": id }),
    )
    .await
}

/// Revokes every API token of a user; returns how many.
pub async fn revoke_api_tokens(
    tx: &mut Tx,
    username: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<u64, StoreError> {
    let user = require_user(tx, username).await?;
    let revoked = db!(tx.conn(), |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        tx,
        now,
        actor,
        "user.revoke_tokens",
        "user",
        username,
        serde_json::json!({ "revoked": revoked }),
    )
    .await?;
    Ok(revoked)
}

/// Records that a token was used (callers do it at most hourly, to keep reads read-only).
pub(super) async fn touch_api_token(
    tx: &mut Tx,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2"
    )
    .bind(now)
    .bind(sha256_hex(token))
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}
