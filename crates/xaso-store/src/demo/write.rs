//! Writing what the generator made: a batch per transaction with the dossier and receipt
//! counters it moved (kept at the highest of the database's and ours, so that a live reception
//! afterwards continues past them), and at the end the daily report sums, added to those
//! already there.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use xaso_domain::report::Counts;

use super::build::Batch;
use super::communes::Commune;
use super::table::{insert_values, Spec, Value};
use crate::report::{Sums, DAILY_COLUMNS};
use crate::{db, Conn, Store, StoreError, Tx};

/// Where the numbering of the year stands before the run.
pub(crate) struct Books {
    /// Last dossier number per (commune index, day).
    pub codes: HashMap<(usize, NaiveDate), u32>,
    /// Last receipt number per commune index.
    pub receipts: HashMap<usize, u32>,
    /// Results decided per commune index.
    pub results: HashMap<usize, u32>,
    /// Dossiers in the database (salts the ids of a new run).
    pub dossiers: u64,
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

pub(crate) async fn books(
    tx: &mut Tx,
    communes: &[Commune],
    year: i32,
) -> Result<Books, StoreError> {
    let by_centre: HashMap<&str, usize> = communes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.centre_code.as_str(), i))
        .collect();
    let by_id: HashMap<Uuid, usize> = communes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let rows: Vec<(String, String, i64)> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT agency_code, day, last FROM dossier_counters WHERE day >= $1 AND day <= $2",
        )
        .bind(format!("{year}-01-01"))
        .bind(format!("{year}-12-31"))
        .fetch_all(&mut *c)
        .await
    })?;
    let mut codes = HashMap::new();
    for (agency, day, last) in rows {
        let (Some(commune), Ok(day)) = (
            by_centre.get(agency.as_str()),
            NaiveDate::parse_from_str(&day, "%Y-%m-%d"),
        ) else {
            continue;
        };
        codes.insert((*commune, day), count(last));
    }
    let rows: Vec<(String, i64)> = db!(tx.conn(), |c| {
        sqlx::query_as("SELECT agency_code, last FROM receipt_counters WHERE year = $1")
            .bind(i64::from(year))
            .fetch_all(&mut *c)
            .await
    })?;
    let receipts = rows
        .into_iter()
        .filter_map(|(agency, last)| by_centre.get(agency.as_str()).map(|i| (*i, count(last))))
        .collect();
    let (from, to): (DateTime<Utc>, DateTime<Utc>) =
        (super::year_start(year)?, super::year_start(year + 1)?);
    let rows: Vec<(Uuid, i64)> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT handling_commune_id, COUNT(*) FROM dossiers
             WHERE resolved_at >= $1 AND resolved_at < $2 GROUP BY handling_commune_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *c)
        .await
    })?;
    let results = rows
        .into_iter()
        .filter_map(|(id, n)| by_id.get(&id).map(|i| (*i, count(n))))
        .collect();
    let dossiers: i64 = db!(tx.conn(), |c| {
        sqlx::query_scalar("SELECT COUNT(*) FROM dossiers")
            .fetch_one(&mut *c)
            .await
    })?;
    Ok(Books {
        codes,
        receipts,
        results,
        dossiers: u64::try_from(dossiers).unwrap_or(0),
    })
}

static DOSSIER_COUNTERS: Spec = Spec {
    name: "dossier_counters",
    columns: &["agency_code", "day", "last"],
};

static RECEIPT_COUNTERS: Spec = Spec {
    name: "receipt_counters",
    columns: &["agency_code", "year", "last"],
};

/// `GREATEST` is PostgreSQL's name for SQLite's two-argument `MAX`.
fn greatest(tx: &mut Tx) -> &'static str {
    match tx.conn() {
        Conn::Sqlite(_) => "MAX",
        Conn::Postgres(_) => "GREATEST",
    }
}

/// Writes one batch in its own transaction.
pub(crate) async fn batch(store: &Store, batch: Batch) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    if let Conn::Sqlite(c) = tx.conn() {
        // Room for the indexes' pages: a province-year's indexes do not fit the default 2 MiB.
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *c)
            .await?;
    }
    for rows in batch.tables {
        rows.write(&mut tx).await?;
    }
    let max = greatest(&mut tx);
    let codes: Vec<Value> = batch
        .codes
        .iter()
        .flat_map(|(agency, day, last)| {
            [
                Value::from(agency.as_str()),
                Value::from(day.as_str()),
                Value::from(*last),
            ]
        })
        .collect();
    insert_values(
        tx.conn(),
        &DOSSIER_COUNTERS,
        &codes,
        &format!(
            " ON CONFLICT (agency_code, day) DO UPDATE SET last = {max}(dossier_counters.last, excluded.last)"
        ),
    )
    .await?;
    let receipts: Vec<Value> = batch
        .receipts
        .iter()
        .flat_map(|(agency, year, last)| {
            [
                Value::from(agency.as_str()),
                Value::from(*year),
                Value::from(*last),
            ]
        })
        .collect();
    insert_values(
        tx.conn(),
        &RECEIPT_COUNTERS,
        &receipts,
        &format!(
            " ON CONFLICT (agency_code, year) DO UPDATE SET last = {max}(receipt_counters.last, excluded.last)"
        ),
    )
    .await?;
    tx.commit().await
}

/// The columns of each table of sums (a `Spec` names static columns).
static COLUMN_LISTS: [std::sync::OnceLock<Vec<&'static str>>; 2] =
    [std::sync::OnceLock::new(), std::sync::OnceLock::new()];

/// Adds the run's daily sums to `report_daily`, and the same by month to `report_monthly` (what
/// `report`'s sums add dossier by dossier on the live path).
pub(crate) async fn daily(
    tx: &mut Tx,
    communes: &[Commune],
    fields: &[String],
    sums: &HashMap<(usize, usize, NaiveDate), Counts>,
) -> Result<(), StoreError> {
    for (table, list) in Sums::BOTH.into_iter().zip(&COLUMN_LISTS) {
        let columns = list.get_or_init(|| {
            ["handling_commune_id", "field", table.key_column()]
                .into_iter()
                .chain(DAILY_COLUMNS)
                .collect()
        });
        let spec = Spec {
            name: table.table(),
            columns: columns.as_slice(),
        };
        // The days of a month fall on one row of the monthly sums.
        let mut rows: BTreeMap<(usize, usize, String), Counts> = BTreeMap::new();
        for (&(commune, field, day), counts) in sums {
            rows.entry((commune, field, table.key(day)))
                .or_default()
                .add(counts);
        }
        let mut values = Vec::with_capacity(rows.len() * columns.len());
        for ((commune, field, key), counts) in rows {
            let (Some(commune), Some(field)) = (communes.get(commune), fields.get(field)) else {
                continue;
            };
            values.push(Value::from(commune.id));
            values.push(Value::from(field.as_str()));
            values.push(Value::from(key));
            values.extend(counts.to_signed(1).into_iter().map(Value::from));
        }
        insert_values(tx.conn(), &spec, &values, &table.adding()).await?;
    }
    Ok(())
}
