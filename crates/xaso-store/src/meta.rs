//! Small facts about the installation itself (`xaso_meta`): which one-time steps have run.

use crate::{db, StoreError, Tx};

pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<String>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT value FROM xaso_meta WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(&mut *c)
    .await)?)
}

pub async fn set(tx: &mut Tx, key: &str, value: &str) -> Result<(), StoreError> {
    db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO xaso_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    .bind(key)
    .bind(value)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Claims a one-time step: true for exactly one caller, even with several instances racing.
pub async fn claim(tx: &mut Tx, key: &str, value: &str) -> Result<bool, StoreError> {
    let inserted = db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO xaso_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
    )
    .bind(key)
    .bind(value)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(inserted == 1)
}

/// The instant as kept in `xaso_meta`: fixed width, so that text order is time order.
fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Claims this period's run of a periodic job: true for exactly one caller per `period`, however
/// many instances tick at once (PostgreSQL makes the second wait for the first's row lock, then
/// finds the run taken). In the caller's transaction: a run that fails leaves the period unclaimed.
pub async fn claim_run(
    tx: &mut Tx,
    job: &str,
    now: chrono::DateTime<chrono::Utc>,
    period: chrono::Duration,
) -> Result<bool, StoreError> {
    let claimed = db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO xaso_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE xaso_meta.value <= $3"
    )
    .bind(format!("job:{job}"))
    .bind(stamp(now))
    .bind(stamp(now - period))
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(claimed == 1)
}
