//! Users, roles, password login, sessions and personal API tokens.
//!
//! Passwords are argon2id; hashing runs on the blocking pool, never on the async threads.
//! Session ids and API tokens are random and only their SHA-256 is stored, so a copy of the
//! database does not let anyone sign in.

use std::collections::HashMap;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use xaso_domain::identity::{check_password, check_username, Role};

use crate::audit::{self, Actor};
use crate::{agency, db, new_id, Store, StoreError, Tx};

mod caller;
pub mod oidc;
pub mod tokens;
pub mod totp;

pub use caller::{user_for_api_token, user_for_session};
pub use tokens::{create_api_token, revoke_api_tokens, ApiToken, TokenUse};

/// How long a login session lasts.
pub const SESSION_LIFETIME_HOURS: i64 = 12;
pub(crate) const API_TOKEN_PREFIX: &str = "xaso_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub agency_code: Option<String>,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub must_change_password: bool,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Works for the administration (any role but citizen).
    pub fn is_official(&self) -> bool {
        xaso_domain::identity::access::is_official(&self.roles)
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    username: String,
    full_name: String,
    agency_code: Option<String>,
    disabled: bool,
    must_change_password: bool,
    password_hash: Option<String>,
}

/// The columns of [`UserRow`], from `users u LEFT JOIN agencies a` (a macro, for `concat!`).
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.full_name, a.agency_code, u.disabled, u.must_change_password,
         u.password_hash"
    };
}
use user_columns;

const USER_SELECT: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users u LEFT JOIN agencies a ON a.id = u.agency_id"
);

impl UserRow {
    fn with_roles(self, roles: Vec<Role>) -> User {
        User {
            roles,
            id: self.id,
            username: self.username,
            full_name: self.full_name,
            agency_code: self.agency_code,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
        }
    }
}

/// What `create_user` needs; the password is hashed by [`hash_password`] beforehand.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub agency_code: Option<String>,
    pub roles: Vec<Role>,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
}

/// A random token for cookies and forms (256 bits, hex).
pub fn random_token() -> String {
    random_hex(32)
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system provides randomness");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random password that is easy to read aloud and type: four groups of lowercase letters and
/// digits without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("the operating system provides randomness");
    let chars: Vec<char> = buf
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// argon2id with the library's defaults (19 MiB, 2 passes), on the blocking pool.
pub async fn hash_password(password: String) -> Result<String, StoreError> {
    check_password(&password).map_err(|e| StoreError::Invalid(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system provides randomness");
        let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Invalid(e.to_string()))
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("băm mật khẩu thất bại: {e}")))?
}

/// Verifies on the blocking pool. With no stored hash it still does the same work against a
/// dummy hash, so that an unknown user name takes as long as a wrong password.
async fn verify_password(stored: Option<String>, password: String) -> bool {
    // At most one verification per core at a time: each takes ~19 MiB and a core for a moment,
    // so a flood of logins queues instead of exhausting memory.
    static GATE: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let gate = GATE.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let Ok(_permit) = gate.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        static DUMMY: OnceLock<String> = OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let salt = SaltString::encode_b64(b"xaso-dummy-salt!").expect("valid salt");
            Argon2::default()
                .hash_password(b"no user has this password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let real = stored.is_some();
        let hash_text = stored.unwrap_or_else(|| dummy.clone());
        let Ok(hash) = PasswordHash::new(&hash_text) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok();
        real && matches
    })
    .await
    .unwrap_or(false)
}

/// The roles of each of `user_ids`, in role order (citizen … administrator).
async fn roles_of(tx: &mut Tx, user_ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Role>>, StoreError> {
    let mut roles: HashMap<Uuid, Vec<Role>> = HashMap::new();
    // A province lists about 200 000 accounts: one statement each was 200 000 statements.
    for chunk in user_ids.chunks(crate::IDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT user_id, role FROM user_roles WHERE user_id IN ({})",
            crate::placeholders(chunk.len())
        );
        let rows: Vec<(Uuid, String)> = db!(tx.conn(), |c| {
            let mut query = sqlx::query_as(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *c).await
        })?;
        for (id, role) in rows {
            if let Some(role) = Role::parse(&role) {
                roles.entry(id).or_default().push(role);
            }
        }
    }
    for own in roles.values_mut() {
        own.sort();
    }
    Ok(roles)
}

async fn into_users(tx: &mut Tx, rows: Vec<UserRow>) -> Result<Vec<User>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut roles = roles_of(tx, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            // Role order (citizen … administrator), the same as `create_user` returns.
            let own = roles.remove(&r.id).unwrap_or_default();
            r.with_roles(own)
        })
        .collect())
}

pub async fn create_user(
    tx: &mut Tx,
    new: NewUser,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<User, StoreError> {
    check_username(&new.username).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let full_name = xaso_domain::text::clean(&new.full_name);
    if full_name.is_empty() {
        return Err(StoreError::Invalid("họ tên không được để trống".into()));
    }
    if new.roles.is_empty() {
        return Err(StoreError::Invalid(
            "người dùng cần ít nhất một vai trò".into(),
        ));
    }
    let agency_id = match &new.agency_code {
        Some(code) => Some(
            agency::by_code(tx, code)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("đơn vị có mã {code}")))?
                .id,
        ),
        None => None,
    };
    let id = new_id();
    let inserted = db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO users (id, username, full_name, agency_id, password_hash, must_change_password,
                            disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7)"
    )
    .bind(id)
    .bind(&new.username)
    .bind(&full_name)
    .bind(agency_id)
    .bind(&new.password_hash)
    .bind(new.must_change_password)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|_| ())
    });
    inserted.map_err(|e| {
        StoreError::from(e)
            .conflict_if_unique(|| format!("tên đăng nhập {} đã tồn tại", new.username))
    })?;
    let mut roles = new.roles.clone();
    roles.sort();
    roles.dedup();
    for role in &roles {
        db!(tx.conn(), |c| sqlx::query(
            "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(role.as_str())
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    }
    audit::record(
        tx,
        now,
        actor,
        "user.create",
        "user",
        &new.username,
        serde_json::json!({
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "agency": new.agency_code,
        }),
    )
    .await?;
    Ok(User {
        id,
        username: new.username,
        full_name,
        agency_code: new.agency_code,
        roles,
        disabled: false,
        must_change_password: new.must_change_password,
    })
}

pub async fn list_users(tx: &mut Tx) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "{USER_SELECT} ORDER BY u.username"
    ))
    .fetch_all(&mut *c)
    .await)?;
    into_users(tx, rows).await
}

/// The enabled users holding `role` — the leaders who sign, a few per commune — without reading
/// every account of a province (about 200 000) as `list_users` does.
pub async fn enabled_users_with_role(tx: &mut Tx, role: Role) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
        "{USER_SELECT} WHERE NOT u.disabled AND u.id IN (SELECT user_id FROM user_roles WHERE role = $1)
         ORDER BY u.username"
    ))
    .bind(role.as_str())
    .fetch_all(&mut *c)
    .await
    })?;
    into_users(tx, rows).await
}

async fn user_row(tx: &mut Tx, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(&format!(
        "{USER_SELECT} WHERE u.username = $1"
    ))
    .bind(username)
    .fetch_optional(&mut *c)
    .await)?)
}

pub async fn user_by_username(tx: &mut Tx, username: &str) -> Result<Option<User>, StoreError> {
    let rows = user_row(tx, username).await?.into_iter().collect();
    Ok(into_users(tx, rows).await?.pop())
}

pub(crate) async fn user_by_id(tx: &mut Tx, id: Uuid) -> Result<Option<User>, StoreError> {
    let rows: Vec<UserRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "{USER_SELECT} WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_all(&mut *c)
    .await)?;
    Ok(into_users(tx, rows).await?.pop())
}

pub(crate) async fn require_user(tx: &mut Tx, username: &str) -> Result<User, StoreError> {
    user_by_username(tx, username)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("người dùng {username}")))
}

/// Sets a new password (already hashed); ends every session of the user.
pub async fn set_password(
    tx: &mut Tx,
    username: &str,
    password_hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let user = require_user(tx, username).await?;
    db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(password_hash)
    .bind(must_change)
    .bind(now)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    end_sessions(tx, user.id).await?;
    // A new password also ends the old tokens: whoever knew the old one may have made them.
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    audit::record(
        tx,
        now,
        actor,
        "user.set_password",
        "user",
        username,
        serde_json::json!({}),
    )
    .await
}

/// Disables (or re-enables) an account; disabling ends its sessions and API tokens stop working.
pub async fn set_disabled(
    tx: &mut Tx,
    username: &str,
    disabled: bool,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let user = require_user(tx, username).await?;
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(disabled)
    .bind(now)
    .bind(user.id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    if disabled {
        end_sessions(tx, user.id).await?;
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(
        tx,
        now,
        actor,
        action,
        "user",
        username,
        serde_json::json!({}),
    )
    .await
}

async fn end_sessions(tx: &mut Tx, user_id: Uuid) -> Result<(), StoreError> {
    db!(tx.conn(), |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn end_session(tx: &mut Tx, session_token: &str) -> Result<(), StoreError> {
    db!(tx.conn(), |c| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(sha256_hex(session_token))
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A successful login: the user and the new session's token (for the cookie).
#[derive(Debug, Clone)]
pub struct Login {
    pub user: User,
    pub session_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Failed logins within `LOGIN_WINDOW_MINUTES` after which a user name is locked for as long.
pub const MAX_LOGIN_FAILURES: i64 = 5;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;

impl Store {
    /// Counts a failed login for a user name (known or not: the answer must not tell them apart);
    /// the fifth within the window locks the name for the window's length.
    async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let name: String = username.chars().take(64).collect();
        let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
        let mut tx = self.begin().await?;
        let current: Option<(i64, DateTime<Utc>)> = db!(tx.conn(), |c| {
            sqlx::query_as("SELECT failures, window_start FROM login_failures WHERE username = $1")
                .bind(&name)
                .fetch_optional(&mut *c)
                .await
        })?;
        let (failures, window_start) = match current {
            Some((failures, start)) if now - start < window => (failures + 1, start),
            _ => (1, now),
        };
        let locked_until = (failures >= MAX_LOGIN_FAILURES).then(|| now + window);
        db!(tx.conn(), |c| {
            sqlx::query(
                "INSERT INTO login_failures (username, failures, window_start, locked_until) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (username) DO UPDATE SET failures = excluded.failures,
                     window_start = excluded.window_start, locked_until = excluded.locked_until",
            )
            .bind(&name)
            .bind(failures)
            .bind(window_start)
            .bind(locked_until)
            .execute(&mut *c)
            .await
            .map(|_| ())
        })?;
        if locked_until.is_some() {
            audit::record(
                &mut tx,
                now,
                &Actor::system("đăng nhập"),
                "user.locked",
                "user",
                &name,
                serde_json::json!({ "failures": failures }),
            )
            .await?;
        }
        tx.commit().await
    }

    /// Checks a user name and password. Unknown users, disabled users and wrong passwords get
    /// the same `None`, after the same amount of work.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Login>, StoreError> {
        self.login_with_code(username, password, None, now).await
    }

    /// `login` with the one-time code of an account that turned the second factor on: without
    /// one, after the right password, a `SecondFactor` error asks for it; a wrong or reused code
    /// counts as a failed login.
    pub async fn login_with_code(
        &self,
        username: &str,
        password: &str,
        code: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Login>, StoreError> {
        let mut tx = self.read().await?;
        let row = user_row(&mut tx, username).await?;
        let locked_until: Option<Option<DateTime<Utc>>> = db!(tx.conn(), |c| {
            sqlx::query_scalar("SELECT locked_until FROM login_failures WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *c)
                .await
        })?;
        tx.commit().await?;
        if let Some(until) = locked_until.flatten().filter(|until| *until > now) {
            return Err(StoreError::Locked(format!(
                "đăng nhập sai quá {MAX_LOGIN_FAILURES} lần; hãy thử lại sau {} phút",
                (until - now).num_minutes().max(1)
            )));
        }
        let usable = row.as_ref().filter(|r| !r.disabled);
        let stored = usable.and_then(|r| r.password_hash.clone());
        if !verify_password(stored, password.to_string()).await {
            self.record_login_failure(username, now).await?;
            return Ok(None);
        }
        let Some(row) = usable else {
            return Ok(None);
        };
        let mut tx = self.read().await?;
        let second = totp::state_of(&mut tx, row.id).await?;
        tx.commit().await?;
        let mut used_step = None;
        if let Some(secret) = &second.secret {
            let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
                return Err(StoreError::SecondFactor(
                    "tài khoản đã bật xác thực hai bước: hãy nhập mã 6 số trên ứng dụng xác thực"
                        .into(),
                ));
            };
            match totp::check(secret, code, second.last_step, now) {
                Some(step) => used_step = Some(step),
                None => {
                    self.record_login_failure(username, now).await?;
                    return Ok(None);
                }
            }
        }
        let mut tx = self.begin().await?;
        let (session_token, expires_at) = open_session(&mut tx, row.id, now).await?;
        if let Some(step) = used_step {
            // Only a later step may sign in again: the code just used is spent.
            let spent = db!(tx.conn(), |c| {
                sqlx::query(
                "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)"
            )
            .bind(step)
            .bind(row.id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?;
            if spent != 1 {
                return Ok(None);
            }
        }
        db!(tx.conn(), |c| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let user = user_by_id(&mut tx, row.id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("người dùng {username}")))?;
        audit::record(
            &mut tx,
            now,
            &Actor::user(user.id, &user.username),
            "user.login",
            "user",
            &user.username,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(Login {
            user,
            session_token,
            expires_at,
        }))
    }
}

/// Starts a session for a user who proved who they are; returns the token (kept only as its
/// hash) and when it ends.
pub(crate) async fn open_session(
    tx: &mut Tx,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), StoreError> {
    let session_token = random_hex(32);
    let expires_at = now + Duration::hours(SESSION_LIFETIME_HOURS);
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256_hex(&session_token))
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    Ok((session_token, expires_at))
}

impl Store {
    /// A user's own password change: the current password must be right; every session ends,
    /// so the user signs in again with the new one. `false` when the current password is wrong.
    pub async fn change_password(
        &self,
        username: &str,
        current: &str,
        new_password: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.read().await?;
        let stored = user_row(&mut tx, username)
            .await?
            .filter(|r| !r.disabled)
            .and_then(|r| r.password_hash);
        tx.commit().await?;
        if !verify_password(stored, current.to_string()).await {
            return Ok(false);
        }
        if current == new_password {
            return Err(StoreError::Invalid(
                "mật khẩu mới phải khác mật khẩu hiện tại".into(),
            ));
        }
        let hash = hash_password(new_password.to_string()).await?;
        let mut tx = self.begin().await?;
        let user = require_user(&mut tx, username).await?;
        set_password(
            &mut tx,
            username,
            &hash,
            false,
            now,
            &Actor::user(user.id, username),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_policy() {
        let password = generate_password();
        assert_eq!(password.len(), 19);
        assert!(check_password(&password).is_ok());
        assert_ne!(password, generate_password());
    }
}
