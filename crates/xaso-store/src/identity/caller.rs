//! Who calls: the account behind a session cookie or an API token, asked on every signed-in
//! request.
//!
//! The credential, the account, its agency and its roles come back from **one statement** (one
//! row per role), run outside any transaction: it was a read transaction of three statements,
//! and every statement and BEGIN and COMMIT is a hand-over to SQLite's connection thread or a
//! round trip to PostgreSQL, before the request had even started its work.

use chrono::{DateTime, Duration, Utc};
use xaso_domain::identity::Role;

use super::tokens::{scopes_of, touch_api_token};
use super::{sha256_hex, user_columns, TokenUse, User, UserRow, API_TOKEN_PREFIX};
use crate::{db, Conn, Store, StoreError, Tx};

/// The account's columns, its roles (none: one row with a NULL role) and the credential's
/// columns.
macro_rules! caller_select {
    ($credential_columns:literal) => {
        concat!(
            "SELECT ",
            user_columns!(),
            ", r.role, ",
            $credential_columns,
            " FROM users u LEFT JOIN agencies a ON a.id = u.agency_id
             LEFT JOIN user_roles r ON r.user_id = u.id"
        )
    };
}

const SESSION_CALLER: &str = concat!(
    caller_select!("s.created_at, s.expires_at, s.last_seen_at"),
    " JOIN sessions s ON s.user_id = u.id
     WHERE s.token_hash = $1 AND NOT u.disabled"
);

const TOKEN_CALLER: &str = concat!(
    caller_select!("t.scopes, t.last_used_at"),
    " JOIN api_tokens t ON t.user_id = u.id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled"
);

/// The session's times are the same on each of its rows, and so are a token's scope and last use.
#[derive(sqlx::FromRow)]
struct SessionCallerRow {
    #[sqlx(flatten)]
    user: UserRow,
    role: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    last_seen_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenCallerRow {
    #[sqlx(flatten)]
    user: UserRow,
    role: Option<String>,
    scopes: String,
    last_used_at: Option<DateTime<Utc>>,
}

/// The user of rows that each carry the account and one of its roles.
fn user_of_rows(mut rows: impl Iterator<Item = (UserRow, Option<String>)>) -> Option<User> {
    let (first, role) = rows.next()?;
    let mut roles: Vec<Role> = role.as_deref().and_then(Role::parse).into_iter().collect();
    roles.extend(rows.filter_map(|(_, role)| role.as_deref().and_then(Role::parse)));
    // Role order (citizen … administrator), as everywhere else.
    roles.sort();
    roles.dedup();
    Some(first.with_roles(roles))
}

/// A live session's enabled user (not expired, not idle too long) and when it was last used.
async fn session_caller(
    conn: Conn<'_>,
    session_token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, DateTime<Utc>)>, StoreError> {
    let rows: Vec<SessionCallerRow> = db!(conn, |c| sqlx::query_as(SESSION_CALLER)
        .bind(sha256_hex(session_token))
        .fetch_all(&mut *c)
        .await)?;
    let Some(times) = rows.first() else {
        return Ok(None);
    };
    let last_seen = times.last_seen_at.unwrap_or(times.created_at);
    if !xaso_domain::identity::session_alive(times.expires_at, last_seen, now) {
        return Ok(None);
    }
    Ok(user_of_rows(rows.into_iter().map(|r| (r.user, r.role))).map(|user| (user, last_seen)))
}

/// The enabled user and the scopes of a live token (not revoked).
async fn token_caller(conn: Conn<'_>, token: &str) -> Result<Option<TokenUse>, StoreError> {
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let rows: Vec<TokenCallerRow> = db!(conn, |c| sqlx::query_as(TOKEN_CALLER)
        .bind(sha256_hex(token))
        .fetch_all(&mut *c)
        .await)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let scopes = scopes_of(&first.scopes);
    let last_used_at = first.last_used_at;
    Ok(
        user_of_rows(rows.into_iter().map(|r| (r.user, r.role))).map(|user| TokenUse {
            user,
            scopes,
            last_used_at,
        }),
    )
}

/// The enabled user of a live session, read in `tx`.
pub async fn user_for_session(
    tx: &mut Tx,
    session_token: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    Ok(session_caller(tx.conn(), session_token, now)
        .await?
        .map(|(user, _)| user))
}

/// The account and scopes of a live token (not revoked, account enabled), read in `tx`.
pub async fn user_for_api_token(tx: &mut Tx, token: &str) -> Result<Option<TokenUse>, StoreError> {
    token_caller(tx.conn(), token).await
}

impl Store {
    /// The user of a session cookie; the time of use is written at most once a minute, in a
    /// transaction of its own (it keeps the session from ending idle).
    pub async fn user_for_session_token(
        &self,
        session: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let mut read = self.one_pooled_statement().await?;
        let found = session_caller(read.conn(), session, now).await?;
        read.finished();
        let Some((user, last_seen)) = found else {
            return Ok(None);
        };
        if now - last_seen >= Duration::minutes(1) {
            let mut tx = self.begin().await?;
            db!(tx.conn(), |c| sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2"
            )
            .bind(now)
            .bind(sha256_hex(session))
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
            tx.commit().await?;
        }
        Ok(Some(user))
    }

    /// The account and scopes of a bearer token; the last-use time is written at most once an
    /// hour, in a transaction of its own, so API reads do not queue behind writers.
    pub async fn user_for_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut read = self.one_pooled_statement().await?;
        let found = token_caller(read.conn(), token).await?;
        read.finished();
        let Some(found) = found else {
            return Ok(None);
        };
        if found
            .last_used_at
            .is_none_or(|at| now - at > Duration::hours(1))
        {
            let mut tx = self.begin().await?;
            touch_api_token(&mut tx, token, now).await?;
            tx.commit().await?;
        }
        Ok(Some(found))
    }
}
