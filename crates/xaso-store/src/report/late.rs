//! Handling steps finished after their own deadline, summed by day in `report_late_daily`
//! (commune, unit, officer) and again by month in `report_late_monthly`, so that the dashboard's
//! "late steps" read a few thousand sums for a province-year instead of joining every late history
//! row with its dossier (migrations 0026 and 0028).

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::report::Period;

use super::scope_id;
use super::sums::{runs, union_of_runs, Sums};
use crate::{db, Conn, StoreError, Tx};

/// Steps finished late in a period: by unit, or by officer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct LateSteps {
    pub who: String,
    pub count: i64,
}

/// Handling steps finished after their own deadline in `period`, in the dossiers handled by the
/// commune `scope` (all when `None`), counted by unit (`by_officer` false) or by officer: the
/// period's whole months from `report_late_monthly`, the days at its ends from the daily sums.
pub async fn late_steps(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
    by_officer: bool,
) -> Result<Vec<LateSteps>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let runs = runs(period, false);
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let runs_sql = union_of_runs(&runs, "agency_code, actor, late", late_table);
    let sql = if by_officer {
        format!(
            "SELECT l.actor AS who, CAST(SUM(l.late) AS BIGINT) AS count FROM ({runs_sql}) AS l
             GROUP BY l.actor ORDER BY count DESC, who"
        )
    } else {
        // Summed by unit code first, then named: the ~200 units of a province are joined once
        // each instead of once per row.
        format!(
            "SELECT COALESCE(a.name, s.agency_code) AS who, CAST(SUM(s.late) AS BIGINT) AS count
             FROM (SELECT l.agency_code, SUM(l.late) AS late FROM ({runs_sql}) AS l
                   GROUP BY l.agency_code) s
             LEFT JOIN agencies a ON a.agency_code = s.agency_code
             GROUP BY COALESCE(a.name, s.agency_code) ORDER BY count DESC, who"
        )
    };
    Ok(db!(tx.conn(), |c| {
        let mut query = sqlx::query_as(&sql).bind(commune);
        for (_, first, last) in &runs {
            query = query.bind(first).bind(last);
        }
        query.fetch_all(&mut *c).await
    })?)
}

/// The table of late steps summed like `sums`' counts: by day or by month.
fn late_table(sums: Sums) -> &'static str {
    match sums {
        Sums::Daily => "report_late_daily",
        Sums::Monthly => "report_late_monthly",
    }
}

/// Counts one late step, in the transaction that writes its history row: on its day and its month.
pub(crate) async fn count_late_step(
    tx: &mut Tx,
    handling_commune_id: Uuid,
    at: DateTime<Utc>,
    agency_code: Option<&str>,
    actor: &str,
) -> Result<(), StoreError> {
    let day = to_local(at).date();
    for sums in Sums::BOTH {
        let (table, key) = (late_table(sums), sums.key_column());
        let sql = format!(
            "INSERT INTO {table} (handling_commune_id, {key}, agency_code, actor, late)
             VALUES ($1, $2, $3, $4, 1)
             ON CONFLICT (handling_commune_id, {key}, agency_code, actor)
             DO UPDATE SET late = {table}.late + 1"
        );
        db!(tx.conn(), |c| sqlx::query(&sql)
            .bind(handling_commune_id)
            .bind(sums.key(day))
            .bind(agency_code.unwrap_or_default())
            .bind(actor)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// Sums every late step of the history again (`report::rebuild`, and after a bulk load that
/// wrote history rows directly: `xaso demo generate`).
pub async fn rebuild_late_steps(tx: &mut Tx) -> Result<(), StoreError> {
    // Vietnam's civil day of an instant, as `to_local` gives it (UTC+7, no daylight saving).
    let day = match tx.conn() {
        Conn::Sqlite(_) => "date(h.at, '+7 hours')",
        Conn::Postgres(_) => "to_char(h.at AT TIME ZONE 'UTC' + INTERVAL '7 hours', 'YYYY-MM-DD')",
    };
    let insert = format!(
        "INSERT INTO report_late_daily (handling_commune_id, day, agency_code, actor, late)
         SELECT d.handling_commune_id, {day}, COALESCE(h.agency_code, ''), h.actor, COUNT(*)
         FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
         WHERE h.step_result = 'late'
         GROUP BY d.handling_commune_id, {day}, COALESCE(h.agency_code, ''), h.actor"
    );
    for sql in [
        "DELETE FROM report_late_daily",
        insert.as_str(),
        "DELETE FROM report_late_monthly",
        "INSERT INTO report_late_monthly (handling_commune_id, month, agency_code, actor, late)
         SELECT handling_commune_id, substr(day, 1, 7), agency_code, actor, SUM(late)
         FROM report_late_daily
         GROUP BY handling_commune_id, substr(day, 1, 7), agency_code, actor",
    ] {
        db!(tx.conn(), |c| sqlx::query(sql)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}
