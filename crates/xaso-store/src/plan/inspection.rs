//! Inspections of the commune's units on administrative reform: planned, carried out (on site or
//! through the digital environment), their findings, and each finding's remedy up to closure.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::plan::inspection::InspectionFact;
use xaso_domain::text::clean;

use crate::audit::{self, Actor};
use crate::{db, new_id, StoreError, Tx};

fn day(text: &Option<String>) -> Option<NaiveDate> {
    text.as_deref()
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Inspection {
    pub id: Uuid,
    pub unit_code: String,
    pub planned_on: String,
    pub done_on: Option<String>,
    pub digital: bool,
    pub conclusion: String,
    pub created_by: String,
}

impl Inspection {
    pub fn planned(&self) -> Option<NaiveDate> {
        day(&Some(self.planned_on.clone()))
    }

    pub fn done(&self) -> Option<NaiveDate> {
        day(&self.done_on)
    }

    /// The subject its evidence files are filed under.
    pub fn subject(&self) -> String {
        format!("KT-{}", self.id)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Finding {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub text: String,
    pub remedy_due: String,
    pub closed_on: Option<String>,
    pub closing_note: String,
}

impl Finding {
    pub fn due(&self) -> Option<NaiveDate> {
        day(&Some(self.remedy_due.clone()))
    }

    pub fn closed(&self) -> Option<NaiveDate> {
        day(&self.closed_on)
    }
}

/// The plan's inspections and their findings as the targets measure them.
pub fn facts(inspections: &[Inspection], findings: &[Finding]) -> Vec<InspectionFact> {
    inspections
        .iter()
        .map(|i| InspectionFact {
            unit_code: i.unit_code.clone(),
            done_on: i.done(),
            digital: i.digital,
            findings_closed_on: findings
                .iter()
                .filter(|f| f.inspection_id == i.id)
                .map(Finding::closed)
                .collect(),
        })
        .collect()
}

/// Plans an inspection of a unit, audited.
pub async fn plan(
    tx: &mut Tx,
    plan_id: &str,
    unit_code: &str,
    planned_on: NaiveDate,
    digital: bool,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Uuid, StoreError> {
    if unit_code.trim().is_empty() {
        return Err(StoreError::Invalid("chọn đơn vị được kiểm tra".into()));
    }
    let id = new_id();
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plan_inspections (id, plan_id, unit_code, planned_on, done_on, digital, conclusion,
                 created_by, created_at)
             VALUES ($1, $2, $3, $4, NULL, $5, '', $6, $7)",
        )
        .bind(id)
        .bind(plan_id)
        .bind(unit_code)
        .bind(planned_on.to_string())
        .bind(digital)
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
        "plan.inspection.plan",
        "plan",
        plan_id,
        serde_json::json!({ "inspection": id, "unit": unit_code, "planned_on": planned_on,
            "digital": digital }),
    )
    .await?;
    Ok(id)
}

/// What an inspection found overall, once carried out.
pub struct Outcome<'a> {
    pub done_on: NaiveDate,
    pub digital: bool,
    pub conclusion: &'a str,
}

/// Records that an inspection was carried out, with its conclusion (again: corrects it), audited.
pub async fn record(
    tx: &mut Tx,
    plan_id: &str,
    id: Uuid,
    outcome: &Outcome<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let Outcome {
        done_on, digital, ..
    } = *outcome;
    let conclusion = clean(outcome.conclusion);
    if conclusion.is_empty() {
        return Err(StoreError::Invalid("cần ghi kết luận kiểm tra".into()));
    }
    if conclusion.chars().count() > 4000 {
        return Err(StoreError::Invalid("kết luận dài quá 4000 ký tự".into()));
    }
    if done_on > xaso_domain::calendar::deadline::to_local(now).date() {
        return Err(StoreError::Invalid(
            "ngày kiểm tra chưa tới: ghi kết quả sau khi đã kiểm tra".into(),
        ));
    }
    let changed = db!(tx.conn(), |c| {
        sqlx::query(
            "UPDATE plan_inspections SET done_on = $1, digital = $2, conclusion = $3
             WHERE plan_id = $4 AND id = $5",
        )
        .bind(done_on.to_string())
        .bind(digital)
        .bind(&conclusion)
        .bind(plan_id)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(StoreError::NotFound("cuộc kiểm tra này".into()));
    }
    audit::record(
        tx,
        now,
        actor,
        "plan.inspection.record",
        "plan",
        plan_id,
        serde_json::json!({ "inspection": id, "done_on": done_on, "digital": digital }),
    )
    .await
}

/// Adds a finding of a carried-out inspection, with the date its remedy is due, audited.
pub async fn add_finding(
    tx: &mut Tx,
    plan_id: &str,
    inspection: &Inspection,
    text: &str,
    remedy_due: NaiveDate,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Uuid, StoreError> {
    let text = clean(text);
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(StoreError::Invalid(
            "nội dung tồn tại, hạn chế: từ 1 đến 2000 ký tự".into(),
        ));
    }
    let Some(done) = inspection.done() else {
        return Err(StoreError::Invalid(
            "ghi kết quả kiểm tra trước khi ghi tồn tại, hạn chế".into(),
        ));
    };
    if remedy_due < done {
        return Err(StoreError::Invalid(
            "hạn khắc phục phải sau ngày kiểm tra".into(),
        ));
    }
    let id = new_id();
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plan_findings (id, inspection_id, text, remedy_due, closed_on, closing_note, created_by,
                 created_at)
             VALUES ($1, $2, $3, $4, NULL, '', $5, $6)",
        )
        .bind(id)
        .bind(inspection.id)
        .bind(&text)
        .bind(remedy_due.to_string())
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
        "plan.inspection.finding",
        "plan",
        plan_id,
        serde_json::json!({ "inspection": inspection.id, "finding": id, "remedy_due": remedy_due }),
    )
    .await?;
    Ok(id)
}

/// Closes a finding: remedied, or referred to the competent level; once. Audited.
pub async fn close_finding(
    tx: &mut Tx,
    plan_id: &str,
    finding: &Finding,
    closed_on: NaiveDate,
    note: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let note = clean(note);
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(StoreError::Invalid(
            "ghi kết quả khắc phục (từ 1 đến 2000 ký tự)".into(),
        ));
    }
    if closed_on > xaso_domain::calendar::deadline::to_local(now).date() {
        return Err(StoreError::Invalid("ngày khắc phục chưa tới".into()));
    }
    let changed = db!(tx.conn(), |c| {
        sqlx::query(
            "UPDATE plan_findings SET closed_on = $1, closing_note = $2
             WHERE id = $3 AND closed_on IS NULL",
        )
        .bind(closed_on.to_string())
        .bind(&note)
        .bind(finding.id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(StoreError::Conflict(
            "tồn tại này đã được ghi là khắc phục xong".into(),
        ));
    }
    audit::record(
        tx,
        now,
        actor,
        "plan.inspection.close",
        "plan",
        plan_id,
        serde_json::json!({ "finding": finding.id, "closed_on": closed_on }),
    )
    .await
}

const INSPECTION_COLUMNS: &str =
    "id, unit_code, planned_on, done_on, digital, conclusion, created_by";

/// The plan's inspections, by planned day.
pub async fn list(tx: &mut Tx, plan_id: &str) -> Result<Vec<Inspection>, StoreError> {
    let sql = format!(
        "SELECT {INSPECTION_COLUMNS} FROM plan_inspections WHERE plan_id = $1 ORDER BY planned_on, id"
    );
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&sql).bind(plan_id).fetch_all(&mut *c).await
    })?)
}

pub async fn by_id(tx: &mut Tx, plan_id: &str, id: Uuid) -> Result<Option<Inspection>, StoreError> {
    let sql =
        format!("SELECT {INSPECTION_COLUMNS} FROM plan_inspections WHERE plan_id = $1 AND id = $2");
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&sql)
            .bind(plan_id)
            .bind(id)
            .fetch_optional(&mut *c)
            .await
    })?)
}

/// Every finding of the plan's inspections, oldest first.
pub async fn findings(tx: &mut Tx, plan_id: &str) -> Result<Vec<Finding>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT f.id, f.inspection_id, f.text, f.remedy_due, f.closed_on, f.closing_note
             FROM plan_findings f JOIN plan_inspections i ON i.id = f.inspection_id
             WHERE i.plan_id = $1 ORDER BY f.created_at, f.id",
        )
        .bind(plan_id)
        .fetch_all(&mut *c)
        .await
    })?)
}
