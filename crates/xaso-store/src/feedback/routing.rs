//! Where an item goes and whom it is about: the dossier it is linked to, the counter officer who
//! records it for a citizen, the specialist it is assigned to, and the commune of the system it
//! is forwarded to. Each change writes a history line and an audit row in its transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::feedback::{self, Actor, FeedbackStatus};
use xaso_domain::identity::Role;

use super::{by_code, history_line, invalid, map_rule_error, register, role_of, status_code};
use super::{Channel, Feedback, NewFeedback};
use crate::agency;
use crate::audit;
use crate::dossier::DossierRules;
use crate::identity::User;
use crate::{db, StoreError, Tx};

/// The dossier `code` as `user` may link feedback to it: a citizen their own dossier, an officer
/// a dossier received or handled by their commune. Unknown and forbidden codes give the same
/// message, so that the form tells nobody which dossiers exist. Returns the dossier's id and the
/// code of the commune handling it.
pub(super) async fn linkable_dossier(
    tx: &mut Tx,
    code: &str,
    user: Option<&User>,
) -> Result<(Uuid, String), StoreError> {
    let citizen = user.is_none_or(|u| !u.is_official());
    let refused = || {
        invalid(if citizen {
            format!("không tìm thấy hồ sơ {code} trong các hồ sơ của bạn")
        } else {
            format!("không tìm thấy hồ sơ {code} của xã")
        })
    };
    let Some(user) = user else {
        return Err(refused());
    };
    let Some(scope) = crate::dossier::scope_for(tx, code, user).await? else {
        return Err(refused());
    };
    let allowed = if citizen {
        scope.is_applicant
    } else {
        scope.at_receiving || scope.at_competent
    };
    if !allowed {
        return Err(refused());
    }
    let found: Option<(Uuid, String)> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT d.id, a.agency_code FROM dossiers d JOIN agencies a ON a.id = d.handling_commune_id
             WHERE d.code = $1",
        )
        .bind(code)
        .fetch_optional(&mut *c)
        .await
    })?;
    found.ok_or_else(refused)
}

async fn officer_of(tx: &mut Tx, item: &Feedback, user: &User) -> Result<(), StoreError> {
    match role_of(tx, item, user).await? {
        Some(Actor::Officer) => Ok(()),
        _ => Err(StoreError::NotFound(format!("phản ánh {}", item.code))),
    }
}

fn check_version(item: &Feedback, expected: i64) -> Result<(), StoreError> {
    if item.version == expected {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "phản ánh {} vừa được cập nhật; hãy tải lại",
            item.code
        )))
    }
}

async fn record(
    tx: &mut Tx,
    user: &User,
    now: DateTime<Utc>,
    action: &str,
    item_id: Uuid,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    audit::record(
        tx,
        now,
        &audit::Actor::user(user.id, &user.username),
        action,
        "feedback",
        &item_id.to_string(),
        details,
    )
    .await
}

/// An officer records at the counter the feedback a citizen brings (channel `counter`): it goes
/// to the officer's commune, with the citizen's name and contact, and may be about one of the
/// commune's dossiers.
pub async fn record_at_counter(
    tx: &mut Tx,
    rules: &DossierRules,
    new: &NewFeedback,
    officer: &User,
    now: DateTime<Utc>,
) -> Result<Feedback, StoreError> {
    let commune = if !officer.is_official() {
        None
    } else {
        agency::commune_of_user(tx, officer).await?
    };
    let Some(commune) = commune else {
        return Err(StoreError::Forbidden(
            "chỉ cán bộ của xã, phường tiếp nhận phản ánh tại quầy".into(),
        ));
    };
    let new = NewFeedback {
        agency_code: Some(commune.agency_code.clone()),
        channel: Channel::Counter,
        ..new.clone()
    };
    let item = register(tx, rules, &new, None, Some(officer), now).await?;
    record(
        tx,
        officer,
        now,
        "feedback.counter",
        item.id,
        serde_json::json!({ "code": item.code, "author": item.author_name, "dossier": item.dossier_code }),
    )
    .await?;
    Ok(item)
}

/// The specialists of a commune, to assign items to: (username, full name), by name.
pub async fn specialists_of(
    tx: &mut Tx,
    commune_code: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    for user in crate::identity::list_users(tx).await? {
        if user.disabled || !user.has_role(Role::Specialist) {
            continue;
        }
        if agency::commune_of_user(tx, &user)
            .await?
            .is_some_and(|c| c.agency_code == commune_code)
        {
            out.push((user.username, user.full_name));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// An officer of the item's commune assigns it to a specialist of the same commune.
pub async fn assign(
    tx: &mut Tx,
    code: &str,
    expected_version: i64,
    specialist: &str,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Feedback, StoreError> {
    let not_found = || StoreError::NotFound(format!("phản ánh {code}"));
    let item = by_code(tx, code).await?.ok_or_else(not_found)?;
    officer_of(tx, &item, user).await?;
    check_version(&item, expected_version)?;
    if matches!(
        item.state.status,
        FeedbackStatus::Refused | FeedbackStatus::Forwarded | FeedbackStatus::Published
    ) {
        return Err(StoreError::Conflict(format!(
            "không giao xử lý phản ánh đang “{}”",
            item.state.status.label()
        )));
    }
    let specialists = specialists_of(tx, &item.agency_code).await?;
    let Some((username, name)) = specialists.into_iter().find(|(u, _)| u == specialist) else {
        return Err(invalid(format!(
            "“{specialist}” không phải chuyên viên của {}",
            item.agency_name
        )));
    };
    let assignee = crate::identity::user_by_username(tx, &username)
        .await?
        .ok_or_else(|| invalid(format!("không có tài khoản {username}")))?;
    db!(tx.conn(), |c| {
        sqlx::query(
            "UPDATE feedback SET assigned_to = $1, version = version + 1, updated_at = $2
             WHERE id = $3 AND version = $4",
        )
        .bind(assignee.id)
        .bind(now)
        .bind(item.id)
        .bind(item.version)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    history_line(
        tx,
        item.id,
        now,
        &user.full_name,
        "assign",
        &format!("Giao chuyên viên {name} xử lý"),
    )
    .await?;
    record(
        tx,
        user,
        now,
        "feedback.assign",
        item.id,
        serde_json::json!({ "code": code, "assignee": username }),
    )
    .await?;
    by_code(tx, code).await?.ok_or_else(not_found)
}

/// Forwards an item to another commune of the system (by its agency code): the item moves
/// there, its officers handle it from now with the clock restarted on their calendar, and the
/// first commune no longer sees it (its register lists the items it holds). Only communes have a
/// feedback register, so other agencies are refused; a body outside the system is named with
/// `FeedbackAction::Forward` instead.
pub async fn forward_to_agency(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    expected_version: i64,
    agency_code: &str,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Feedback, StoreError> {
    let not_found = || StoreError::NotFound(format!("phản ánh {code}"));
    let item = by_code(tx, code).await?.ok_or_else(not_found)?;
    officer_of(tx, &item, user).await?;
    check_version(&item, expected_version)?;
    let agency_code = agency_code.trim();
    let target = agency::by_code(tx, agency_code)
        .await?
        .filter(|a| a.kind == "commune")
        .ok_or_else(|| {
            invalid(format!(
                "không có xã, phường mã “{agency_code}” trong hệ thống"
            ))
        })?;
    if target.agency_code == item.agency_code {
        return Err(invalid(format!("phản ánh đang ở {}", target.name)));
    }
    let from_calendar = rules.calendar(&item.agency_code)?;
    let to_calendar = rules.calendar(&target.agency_code)?;
    let (next, line) = feedback::forward_within_system(
        &item.state,
        Actor::Officer,
        &target.name,
        now,
        &rules.feedback,
        &from_calendar,
        &to_calendar,
    )
    .map_err(map_rule_error)?;
    let state_json = serde_json::to_string(&next).map_err(|e| invalid(e.to_string()))?;
    // The new body classifies and assigns it again.
    db!(tx.conn(), |c| {
        sqlx::query(
            "UPDATE feedback SET agency_id = $1, status = $2, state = $3, category = NULL, assigned_to = NULL,
                 version = version + 1, updated_at = $4
             WHERE id = $5 AND version = $6",
        )
        .bind(target.id)
        .bind(status_code(&next))
        .bind(&state_json)
        .bind(now)
        .bind(item.id)
        .bind(item.version)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    history_line(tx, item.id, now, &user.full_name, "forward", &line).await?;
    record(
        tx,
        user,
        now,
        "feedback.forward",
        item.id,
        serde_json::json!({ "code": code, "from": item.agency_code, "to": target.agency_code }),
    )
    .await?;
    if let Some(dossier_id) = item.dossier_id {
        crate::report::refresh(tx, rules, dossier_id).await?;
    }
    by_code(tx, code).await?.ok_or_else(not_found)
}

/// A feedback item about a dossier, as the dossier's pages list it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct AboutDossier {
    pub code: String,
    pub service_code: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl AboutDossier {
    pub fn status_label(&self) -> String {
        serde_json::from_value::<FeedbackStatus>(serde_json::Value::String(self.status.clone()))
            .map_or(self.status.clone(), |s| s.label().to_string())
    }
}

/// The feedback about a dossier, oldest first.
pub async fn about_dossier(tx: &mut Tx, dossier_id: Uuid) -> Result<Vec<AboutDossier>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT code, service_code, status, created_at FROM feedback WHERE dossier_id = $1
             ORDER BY created_at, code",
        )
        .bind(dossier_id)
        .fetch_all(&mut *c)
        .await
    })?)
}
