//! Calendar notices imported by administrators; the shipped ones live in `data/calendar`.

use chrono::{DateTime, Utc};
use xaso_domain::calendar::notice::Notice;

use crate::audit::{self, Actor};
use crate::{db, StoreError, Tx};

/// Stores a validated notice under its file name (replacing an earlier import of that name).
pub async fn save_notice(
    tx: &mut Tx,
    name: &str,
    notice: &Notice,
    body: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO calendar_files (name, year, agency_code, body, imported_at, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET year = excluded.year, agency_code = excluded.agency_code,
             body = excluded.body, imported_at = excluded.imported_at, imported_by = excluded.imported_by"
    )
    .bind(name)
    .bind(i64::from(notice.year))
    .bind(&notice.agency)
    .bind(body)
    .bind(now)
    .bind(&actor.label)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "calendar.import",
        "calendar",
        name,
        serde_json::json!({ "year": notice.year, "agency": notice.agency, "days": notice.days.len() }),
    )
    .await
}

/// Every imported notice file: (name, text), by name.
pub async fn notice_files(tx: &mut Tx) -> Result<Vec<(String, String)>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT name, body FROM calendar_files ORDER BY name"
    )
    .fetch_all(&mut *c)
    .await)?)
}
