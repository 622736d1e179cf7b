//! Reform plans: the data file as imported, read again by `xaso_domain::plan::parse_plan`; the
//! quarterly reports on its tasks; and (submodules) the rest of the work on a plan.

pub mod inspection;
pub mod work;

use chrono::{DateTime, Utc};
use serde::Serialize;
use xaso_domain::plan::progress::{Report, Status};
use xaso_domain::plan::Plan;

use crate::audit::{self, Actor};
use crate::{db, StoreError, Tx};

/// A plan as lists show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PlanSummary {
    pub id: String,
    pub number: String,
    pub title: String,
    pub agency: String,
    pub year: i32,
    pub tasks: i64,
    pub targets: i64,
}

/// Stores a checked plan under its id (a new import of the same id replaces it), audited.
pub async fn import(
    tx: &mut Tx,
    plan: &Plan,
    file_name: &str,
    source: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<bool, StoreError> {
    let header = &plan.header;
    let replaced = self::source(tx, &header.id).await?.is_some();
    // Reports on its tasks stay: a new import of the same plan updates it in place.
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plans (id, number, title, agency, year, tasks, targets, file_name, source, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO UPDATE SET number = excluded.number, title = excluded.title,
                 agency = excluded.agency, year = excluded.year, tasks = excluded.tasks,
                 targets = excluded.targets, file_name = excluded.file_name, source = excluded.source,
                 imported_at = excluded.imported_at",
        )
        .bind(&header.id)
        .bind(&header.number)
        .bind(&header.title)
        .bind(&header.agency)
        .bind(header.year)
        .bind(plan.tasks.len() as i64)
        .bind(plan.targets.len() as i64)
        .bind(file_name)
        .bind(source)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        if replaced { "plan.replace" } else { "plan.import" },
        "plan",
        &header.id,
        serde_json::json!({ "file": file_name, "tasks": plan.tasks.len(), "targets": plan.targets.len() }),
    )
    .await?;
    Ok(replaced)
}

pub async fn list(tx: &mut Tx) -> Result<Vec<PlanSummary>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT id, number, title, agency, year, tasks, targets FROM plans ORDER BY year DESC, id",
        )
        .fetch_all(&mut *c)
        .await
    })?)
}

/// The file of a plan: (file name, text).
pub async fn source(tx: &mut Tx, id: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as("SELECT file_name, source FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await
    })?)
}

/// A progress report as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredReport {
    pub task_key: String,
    pub year: i32,
    pub quarter: i32,
    pub status: String,
    pub percent: i32,
    pub narrative: String,
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
    /// The unit the report was made for ("" when made for the whole commune).
    pub unit_code: String,
}

impl StoredReport {
    pub fn report(&self) -> Option<Report> {
        Some(Report {
            task_key: self.task_key.clone(),
            year: self.year,
            quarter: u8::try_from(self.quarter).ok()?,
            status: Status::parse(&self.status)?,
            percent: u8::try_from(self.percent).ok()?,
        })
    }
}

/// What a unit reports on a task for a quarter.
pub struct NewReport<'a> {
    pub plan_id: &'a str,
    pub task_key: &'a str,
    pub year: i32,
    pub quarter: u8,
    pub status: Status,
    pub percent: u8,
    pub narrative: &'a str,
    /// The unit reporting ("" for the commune's leaders reporting for the whole commune).
    pub unit_code: &'a str,
}

/// Records (or replaces) the report of a task for a quarter, audited.
pub async fn report(
    tx: &mut Tx,
    new: &NewReport<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    if !(1..=4).contains(&new.quarter) || new.percent > 100 {
        return Err(StoreError::Invalid(
            "quý từ 1 đến 4, tỷ lệ từ 0 đến 100%".into(),
        ));
    }
    let narrative = xaso_domain::text::clean(new.narrative);
    if narrative.chars().count() > 4000 {
        return Err(StoreError::Invalid(
            "nội dung báo cáo dài quá 4000 ký tự".into(),
        ));
    }
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plan_progress (plan_id, task_key, year, quarter, status, percent, narrative, reported_by,
                 reported_at, unit_code)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (plan_id, task_key, year, quarter) DO UPDATE SET status = excluded.status,
                 percent = excluded.percent, narrative = excluded.narrative, reported_by = excluded.reported_by,
                 reported_at = excluded.reported_at, unit_code = excluded.unit_code",
        )
        .bind(new.plan_id)
        .bind(new.task_key)
        .bind(new.year)
        .bind(i32::from(new.quarter))
        .bind(new.status.key())
        .bind(i32::from(new.percent))
        .bind(&narrative)
        .bind(&actor.label)
        .bind(now)
        .bind(new.unit_code)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "plan.progress",
        "plan",
        new.plan_id,
        serde_json::json!({ "task": new.task_key, "year": new.year, "quarter": new.quarter,
            "status": new.status.key(), "percent": new.percent, "unit": new.unit_code }),
    )
    .await
}

/// Every report on a plan's tasks, oldest first.
pub async fn reports(tx: &mut Tx, plan_id: &str) -> Result<Vec<StoredReport>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT task_key, year, quarter, status, percent, narrative, reported_by, reported_at, unit_code
             FROM plan_progress WHERE plan_id = $1 ORDER BY year, quarter, task_key",
        )
        .bind(plan_id)
        .fetch_all(&mut *c)
        .await
    })?)
}
