//! The QĐ 766 feedback metrics of a period (answered on time, satisfaction with the answers),
//! counted in SQL over the register for the agency in scope; `xaso_domain::report::feedback_counts`
//! is the definition and the tests hold the two equal. Also the complaints about dossiers, which
//! the dossiers' report facts count.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::report::{FeedbackCounts, FeedbackFact, Period, Rating};

use crate::{agency, db, StoreError, Tx};

async fn scope_id(tx: &mut Tx, scope: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    match scope {
        None => Ok(None),
        Some(code) => agency::by_code(tx, code)
            .await?
            .map(|a| Some(a.id))
            .ok_or_else(|| StoreError::NotFound(format!("đơn vị {code}"))),
    }
}

/// The four counts of `FeedbackCounts` over the items answered or rated in the period (`$2`, `$3`).
const COUNTS_IN_PERIOD: &str = "
    CAST(COALESCE(SUM(CASE WHEN answered_at >= $2 AND answered_at < $3 THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN answered_at >= $2 AND answered_at < $3 AND answered_in_time
        THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN rating IS NOT NULL AND rated_at >= $2 AND rated_at < $3
        THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN rating IS NOT NULL AND rating <> 'dissatisfied'
        AND rated_at >= $2 AND rated_at < $3 THEN 1 ELSE 0 END), 0) AS BIGINT)
    FROM feedback
    WHERE ($1 IS NULL OR agency_id = $1)
      AND ((answered_at >= $2 AND answered_at < $3) OR (rated_at >= $2 AND rated_at < $3))";

type CountsRow = (Option<Uuid>, i64, i64, i64, i64);

fn counts_of(row: &CountsRow) -> FeedbackCounts {
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    FeedbackCounts {
        answered: count(row.1),
        answered_in_time: count(row.2),
        rated: count(row.3),
        rated_satisfied: count(row.4),
    }
}

async fn counts_rows(
    tx: &mut Tx,
    agency: Option<Uuid>,
    period: &Period,
    by_agency: bool,
) -> Result<Vec<CountsRow>, StoreError> {
    let sql = if by_agency {
        format!("SELECT agency_id, {COUNTS_IN_PERIOD} GROUP BY agency_id")
    } else {
        format!("SELECT NULL, {COUNTS_IN_PERIOD}")
    };
    Ok(db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(agency)
        .bind(period.start())
        .bind(period.end())
        .fetch_all(&mut *c)
        .await)?)
}

/// The feedback counts of `period` for the items now with the agency `scope` (all when `None`).
pub async fn feedback_counts(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
) -> Result<FeedbackCounts, StoreError> {
    let agency = scope_id(tx, scope).await?;
    let rows = counts_rows(tx, agency, period, false).await?;
    Ok(rows.first().map(counts_of).unwrap_or_default())
}

/// The feedback counts of `period` of every agency with items, in one pass (the province
/// ranking).
pub async fn feedback_counts_by_agency(
    tx: &mut Tx,
    period: &Period,
) -> Result<HashMap<Uuid, FeedbackCounts>, StoreError> {
    Ok(counts_rows(tx, None, period, true)
        .await?
        .iter()
        .filter_map(|row| row.0.map(|id| (id, counts_of(row))))
        .collect())
}

type FactRow = (
    Option<DateTime<Utc>>,
    Option<bool>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// The register's items with the agency `scope` (all when `None`) as the domain's facts.
pub async fn feedback_facts(
    tx: &mut Tx,
    scope: Option<&str>,
) -> Result<Vec<FeedbackFact>, StoreError> {
    let agency = scope_id(tx, scope).await?;
    let rows: Vec<FactRow> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT answered_at, answered_in_time, rating, rated_at FROM feedback
             WHERE $1 IS NULL OR agency_id = $1 ORDER BY code",
        )
        .bind(agency)
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(answered_at, answered_in_time, rating, rated_at)| FeedbackFact {
                answered_at,
                answered_in_time,
                rating: rating.as_deref().and_then(Rating::parse),
                rated_at,
            },
        )
        .collect())
}

fn parse_text<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

/// The complaints about the dossiers of one commune, one dossier or all (`feedback::is_complaint`
/// on the copied columns), each with whether it was answered in time (`None`: not yet), by
/// dossier.
pub(crate) async fn complaints_by_dossier(
    tx: &mut Tx,
    commune: Option<Uuid>,
    dossier: Option<Uuid>,
) -> Result<HashMap<Uuid, Vec<Option<bool>>>, StoreError> {
    let filter = crate::report::dossiers_of(commune, dossier);
    let rows: Vec<(Uuid, Option<String>, String, Option<bool>)> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            "SELECT f.dossier_id, f.category, f.status, f.answered_in_time
             FROM feedback f JOIN dossiers d ON d.id = f.dossier_id
             {filter}
             ORDER BY f.code"
        ))
        .bind(commune)
        .bind(dossier)
        .fetch_all(&mut *c)
        .await
    })?;
    let mut out: HashMap<Uuid, Vec<Option<bool>>> = HashMap::new();
    for (dossier_id, category, status, answered_in_time) in rows {
        let category = category.and_then(|c| parse_text(&c));
        let Some(status) = parse_text(&status) else {
            continue;
        };
        if xaso_domain::feedback::is_complaint_of(category, status) {
            out.entry(dossier_id).or_default().push(answered_in_time);
        }
    }
    Ok(out)
}
