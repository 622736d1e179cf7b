//! Work on a plan besides the quarterly reports: the chairman's own assignments, the values of
//! targets kept by hand, and the evidence files attached to reports, values and inspections.
//! Every change is audited in its transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::text::clean;

use crate::audit::{self, Actor};
use crate::{db, new_id, StoreError, Tx};

fn too_long(text: &str, limit: usize, what: &str) -> Result<(), StoreError> {
    if text.chars().count() > limit {
        return Err(StoreError::Invalid(format!("{what} dài quá {limit} ký tự")));
    }
    Ok(())
}

fn check_quarter(quarter: u8) -> Result<(), StoreError> {
    if (1..=4).contains(&quarter) {
        Ok(())
    } else {
        Err(StoreError::Invalid("quý phải từ 1 đến 4".into()))
    }
}

/// A task the chairman assigned outside the appendix.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Assignment {
    pub key: String,
    pub area: i32,
    pub title: String,
    pub instruction: String,
    pub unit_code: String,
    /// ISO day.
    pub due: String,
    pub assigned_by: String,
    pub assigned_at: DateTime<Utc>,
}

impl Assignment {
    pub fn due_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.due, "%Y-%m-%d").ok()
    }
}

pub struct NewAssignment<'a> {
    pub plan_id: &'a str,
    pub area: u32,
    pub title: &'a str,
    pub instruction: &'a str,
    pub unit_code: &'a str,
    pub due: NaiveDate,
}

/// Records an assignment under the next key of the plan ("CD-1", "CD-2", …), audited.
pub async fn assign(
    tx: &mut Tx,
    new: &NewAssignment<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<String, StoreError> {
    let title = clean(new.title);
    let instruction = clean(new.instruction);
    if title.is_empty() || new.unit_code.trim().is_empty() {
        return Err(StoreError::Invalid(
            "cần nội dung nhiệm vụ và đơn vị thực hiện".into(),
        ));
    }
    too_long(&title, 500, "nội dung nhiệm vụ")?;
    too_long(&instruction, 4000, "yêu cầu")?;
    if !(1..=7).contains(&new.area) {
        return Err(StoreError::Invalid("lĩnh vực phải từ 1 đến 7".into()));
    }
    if new.due < xaso_domain::calendar::deadline::to_local(now).date() {
        return Err(StoreError::Invalid(
            "hạn hoàn thành đã qua: chọn một ngày từ hôm nay".into(),
        ));
    }
    let count: i64 = db!(tx.conn(), |c| {
        sqlx::query_scalar("SELECT COUNT(*) FROM plan_assignments WHERE plan_id = $1")
            .bind(new.plan_id)
            .fetch_one(&mut *c)
            .await
    })?;
    let key = format!("CD-{}", count + 1);
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plan_assignments (plan_id, key, area, title, instruction, unit_code, due, assigned_by,
                 assigned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new.plan_id)
        .bind(&key)
        .bind(new.area as i32)
        .bind(&title)
        .bind(&instruction)
        .bind(new.unit_code)
        .bind(new.due.to_string())
        .bind(&actor.label)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "plan.assign",
        "plan",
        new.plan_id,
        serde_json::json!({ "key": key, "title": title, "unit": new.unit_code, "due": new.due }),
    )
    .await?;
    Ok(key)
}

pub async fn assignments(tx: &mut Tx, plan_id: &str) -> Result<Vec<Assignment>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT key, area, title, instruction, unit_code, due, assigned_by, assigned_at
             FROM plan_assignments WHERE plan_id = $1 ORDER BY assigned_at, key",
        )
        .bind(plan_id)
        .fetch_all(&mut *c)
        .await
    })?)
}

/// A value entered for a target the system cannot compute.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TargetValue {
    pub target_key: String,
    pub year: i32,
    pub quarter: i32,
    pub value: f64,
    pub note: String,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

pub struct NewTargetValue<'a> {
    pub plan_id: &'a str,
    pub target_key: &'a str,
    pub year: i32,
    pub quarter: u8,
    pub value: f64,
    pub note: &'a str,
}

/// Records (or replaces) the value of a target for a quarter, audited.
pub async fn set_target_value(
    tx: &mut Tx,
    new: &NewTargetValue<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    check_quarter(new.quarter)?;
    if !new.value.is_finite() || new.value < 0.0 || new.value > 1e12 {
        return Err(StoreError::Invalid(
            "giá trị phải là một số không âm".into(),
        ));
    }
    let note = clean(new.note);
    if note.is_empty() {
        return Err(StoreError::Invalid(
            "cần ghi căn cứ của số liệu (văn bản, sổ theo dõi…)".into(),
        ));
    }
    too_long(&note, 2000, "căn cứ")?;
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plan_target_values (plan_id, target_key, year, quarter, value, note, entered_by, entered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (plan_id, target_key, year, quarter) DO UPDATE SET value = excluded.value,
                 note = excluded.note, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
        )
        .bind(new.plan_id)
        .bind(new.target_key)
        .bind(new.year)
        .bind(i32::from(new.quarter))
        .bind(new.value)
        .bind(&note)
        .bind(&actor.label)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "plan.target_value",
        "plan",
        new.plan_id,
        serde_json::json!({ "target": new.target_key, "year": new.year, "quarter": new.quarter,
            "value": new.value }),
    )
    .await
}

/// Every value entered on a plan's targets, oldest period first.
pub async fn target_values(tx: &mut Tx, plan_id: &str) -> Result<Vec<TargetValue>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT target_key, year, quarter, value, note, entered_by, entered_at
             FROM plan_target_values WHERE plan_id = $1 ORDER BY year, quarter, target_key",
        )
        .bind(plan_id)
        .fetch_all(&mut *c)
        .await
    })?)
}

/// An evidence file: on a task's report ("L428-1", "CD-2"), a target's value ("T299-1"), or an
/// inspection ("KT-" and its id).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: Uuid,
    pub subject: String,
    pub year: i32,
    pub quarter: i32,
    pub sha256: String,
    pub size: i64,
    pub name: String,
    pub content_type: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

pub struct NewEvidence<'a> {
    pub plan_id: &'a str,
    pub subject: &'a str,
    pub year: i32,
    pub quarter: u8,
    /// Already in the file store.
    pub sha256: &'a str,
    pub size: usize,
    pub name: &'a str,
    pub content_type: &'a str,
}

/// Links a stored file to its subject, audited.
pub async fn add_evidence(
    tx: &mut Tx,
    new: &NewEvidence<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Uuid, StoreError> {
    check_quarter(new.quarter)?;
    let id = new_id();
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plan_evidence (id, plan_id, subject, year, quarter, sha256, size, name, content_type,
                 uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(new.plan_id)
        .bind(new.subject)
        .bind(new.year)
        .bind(i32::from(new.quarter))
        .bind(new.sha256)
        .bind(new.size as i64)
        .bind(new.name)
        .bind(new.content_type)
        .bind(&actor.label)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "plan.evidence",
        "plan",
        new.plan_id,
        serde_json::json!({ "evidence": id, "subject": new.subject, "name": new.name,
            "sha256": new.sha256, "size": new.size }),
    )
    .await?;
    Ok(id)
}

const EVIDENCE_COLUMNS: &str =
    "id, subject, year, quarter, sha256, size, name, content_type, uploaded_by, uploaded_at";

/// Every evidence file of a plan, oldest first.
pub async fn evidence(tx: &mut Tx, plan_id: &str) -> Result<Vec<Evidence>, StoreError> {
    let sql = format!(
        "SELECT {EVIDENCE_COLUMNS} FROM plan_evidence WHERE plan_id = $1 ORDER BY uploaded_at, id"
    );
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&sql).bind(plan_id).fetch_all(&mut *c).await
    })?)
}

/// One evidence file of a plan.
pub async fn evidence_by_id(
    tx: &mut Tx,
    plan_id: &str,
    id: Uuid,
) -> Result<Option<Evidence>, StoreError> {
    let sql =
        format!("SELECT {EVIDENCE_COLUMNS} FROM plan_evidence WHERE plan_id = $1 AND id = $2");
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&sql)
            .bind(plan_id)
            .bind(id)
            .fetch_optional(&mut *c)
            .await
    })?)
}
