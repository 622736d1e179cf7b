//! The optional second factor: an account turns on a time-based one-time password (set up with
//! an authenticator app, confirmed by a first code), after which signing in needs the current
//! code too; each code is taken once. Turning it on and off is audited.

use chrono::{DateTime, Utc};
use xaso_domain::identity::totp;

use super::User;
use crate::audit::{self, Actor};
use crate::{db, StoreError, Tx};

#[derive(sqlx::FromRow)]
pub(super) struct TotpState {
    pub secret: Option<String>,
    pub pending: Option<String>,
    pub last_step: Option<i64>,
}

pub(super) async fn state_of(tx: &mut Tx, user_id: uuid::Uuid) -> Result<TotpState, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT totp_secret AS secret, totp_pending AS pending, totp_last_step AS last_step FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_one(&mut *c)
    .await
    })?)
}

/// Whether signing in as `user` needs a code.
pub async fn enabled(tx: &mut Tx, user: &User) -> Result<bool, StoreError> {
    Ok(state_of(tx, user.id).await?.secret.is_some())
}

/// Checks `code` against a base32 `secret`; the matched step, when right and not used before.
pub(super) fn check(
    secret: &str,
    code: &str,
    last_step: Option<i64>,
    now: DateTime<Utc>,
) -> Option<i64> {
    let bytes = totp::base32_decode(secret)?;
    totp::verify(&bytes, code, now.timestamp(), last_step)
}

/// Starts setting up: a new secret (replacing any unconfirmed one), to show as a QR code and text.
/// The second factor is not on until `confirm`.
pub async fn start(tx: &mut Tx, user: &User) -> Result<String, StoreError> {
    if enabled(tx, user).await? {
        return Err(StoreError::Conflict(
            "xác thực hai bước đã bật; hãy tắt trước khi cài lại".into(),
        ));
    }
    let mut bytes = [0u8; totp::SECRET_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let secret = totp::base32_encode(&bytes);
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE users SET totp_pending = $1 WHERE id = $2"
    )
    .bind(&secret)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(secret)
}

async fn record(
    tx: &mut Tx,
    user: &User,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    audit::record(
        tx,
        now,
        &Actor::user(user.id, &user.username),
        action,
        "user",
        &user.username,
        serde_json::json!({}),
    )
    .await
}

/// Turns the second factor on with the first code the app shows for the pending secret.
pub async fn confirm(
    tx: &mut Tx,
    user: &User,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let state = state_of(tx, user.id).await?;
    let pending = state
        .pending
        .ok_or_else(|| StoreError::Invalid("chưa bắt đầu cài xác thực hai bước".into()))?;
    let step = check(&pending, code, None, now).ok_or_else(|| {
        StoreError::Invalid(
            "mã xác thực không đúng; hãy nhập mã 6 số đang hiện trên ứng dụng".into(),
        )
    })?;
    db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 WHERE id = $2"
    )
    .bind(step)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    record(tx, user, "user.totp_on", now).await
}

/// Forgets an account's second factor, set up or pending.
async fn clear(tx: &mut Tx, user_id: uuid::Uuid) -> Result<(), StoreError> {
    db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = $1"
    )
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// Turns the second factor off, with a current code (a stolen session alone cannot do it).
pub async fn disable(
    tx: &mut Tx,
    user: &User,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let state = state_of(tx, user.id).await?;
    let secret = state
        .secret
        .ok_or_else(|| StoreError::Invalid("xác thực hai bước chưa bật".into()))?;
    check(&secret, code, state.last_step, now)
        .ok_or_else(|| StoreError::Invalid("mã xác thực không đúng".into()))?;
    clear(tx, user.id).await?;
    record(tx, user, "user.totp_off", now).await
}

/// An administrator turns someone's second factor off (a lost phone); audited under the
/// administrator's name.
pub async fn reset(
    tx: &mut Tx,
    username: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let user = super::require_user(tx, username).await?;
    clear(tx, user.id).await?;
    audit::record(
        tx,
        now,
        actor,
        "user.totp_reset",
        "user",
        username,
        serde_json::json!({}),
    )
    .await
}
