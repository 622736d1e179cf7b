//! Sign-in with the national e-ID (OpenID Connect): the provider vouches for the citizen's ID
//! number, which finds the citizen account linked to that number in the citizen store — or makes
//! one (role citizen, no password) and links it, creating the profile when missing.

use chrono::{DateTime, Utc};
use xaso_domain::identity::Role;

use super::{user_by_id, Login, NewUser};
use crate::audit::{self, Actor};
use crate::{citizen, db, Store, StoreError};

/// The user name of an account made at its first e-ID sign-in.
pub fn username_for(id_number: &str) -> String {
    format!("vneid-{id_number}")
}

impl Store {
    /// Starts a session for the citizen whose number (already checked) the e-ID vouched for.
    pub async fn login_oidc(
        &self,
        id_number: &str,
        full_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Login, StoreError> {
        let actor = Actor::system("VNeID");
        let mut tx = self.begin().await?;
        let name = xaso_domain::text::clean(full_name);
        let name = if name.is_empty() {
            format!("Công dân {id_number}")
        } else {
            name.chars().take(200).collect()
        };
        db!(tx.conn(), |c| sqlx::query(
            "INSERT INTO citizens (id_number, full_name, created_at, updated_at)
             VALUES ($1, $2, $3, $3) ON CONFLICT (id_number) DO NOTHING"
        )
        .bind(id_number)
        .bind(&name)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let profile = citizen::profile(&mut tx, id_number)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("công dân {id_number}")))?;
        let linked = match profile.user_id {
            Some(id) => user_by_id(&mut tx, id).await?,
            None => None,
        };
        let user = match linked {
            Some(user) => user,
            None => {
                let user = super::create_user(
                    &mut tx,
                    NewUser {
                        username: username_for(id_number),
                        full_name: name.clone(),
                        agency_code: None,
                        roles: vec![Role::Citizen],
                        password_hash: None,
                        must_change_password: false,
                    },
                    now,
                    &actor,
                )
                .await?;
                db!(tx.conn(), |c| sqlx::query(
                    "UPDATE citizens SET user_id = $1, updated_at = $2 WHERE id_number = $3"
                )
                .bind(user.id)
                .bind(now)
                .bind(id_number)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
                audit::record(
                    &mut tx,
                    now,
                    &actor,
                    "citizen.link_account",
                    "citizen",
                    id_number,
                    serde_json::json!({ "username": user.username, "by": "oidc" }),
                )
                .await?;
                user
            }
        };
        if user.disabled || !user.has_role(Role::Citizen) {
            return Err(StoreError::Forbidden(
                "tài khoản liên kết với số định danh này không dùng được để đăng nhập bằng VNeID"
                    .into(),
            ));
        }
        let (session_token, expires_at) = super::open_session(&mut tx, user.id, now).await?;
        audit::record(
            &mut tx,
            now,
            &Actor::user(user.id, &user.username),
            "user.login_oidc",
            "user",
            &user.username,
            serde_json::json!({ "id_number": id_number }),
        )
        .await?;
        tx.commit().await?;
        Ok(Login {
            user,
            session_token,
            expires_at,
        })
    }
}
