//! Reform plans: the data file as imported, read again by `xaso_domain::plan::parse_plan`.

use chrono::{DateTime, Utc};
use serde::Serialize;
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
    let replaced = db!(tx.conn(), |c| {
        sqlx::query("DELETE FROM plans WHERE id = $1")
            .bind(&header.id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected() > 0)
    })?;
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO plans (id, number, title, agency, year, tasks, targets, file_name, source, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
