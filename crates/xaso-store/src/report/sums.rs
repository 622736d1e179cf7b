//! The report facts summed by commune, field and day (`report_daily`) and again by month
//! (`report_monthly`, migration 0026), kept change by change: a period reads its whole months
//! from the monthly sums and only the days at its ends from the daily ones.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use uuid::Uuid;
use xaso_domain::report::{
    daily_contributions, month_of, split_into_months, Counts, Period, COUNT_FIELDS,
};

use super::Keyed;
use crate::{db, StoreError, Tx};

pub(crate) const DAILY_COLUMNS: [&str; COUNT_FIELDS] = [
    "received",
    "received_online",
    "received_digitised",
    "received_reused",
    "received_fee_requested",
    "received_paid_online",
    "received_full_online",
    "received_full_online_online",
    "resolved",
    "resolved_in_time",
    "resolved_e_result",
    "resolved_result_stored",
    "resolved_well",
    "points_time",
    "points_contacts",
    "points_online",
    "rated",
    "rated_satisfied",
    "resolved_early",
    "closed",
    "rated_bodies",
    "points_bodies",
    "rated_attitude",
    "points_attitude",
    "resolved_with_feedback",
    "points_feedback",
];

/// The two tables of sums: the same columns, keyed by a day or by a month.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sums {
    Daily,
    Monthly,
}

impl Sums {
    pub(crate) const BOTH: [Sums; 2] = [Sums::Daily, Sums::Monthly];

    pub(crate) fn table(self) -> &'static str {
        match self {
            Sums::Daily => "report_daily",
            Sums::Monthly => "report_monthly",
        }
    }

    pub(crate) fn key_column(self) -> &'static str {
        match self {
            Sums::Daily => "day",
            Sums::Monthly => "month",
        }
    }

    /// The key of the row that `day` adds to: `YYYY-MM-DD` or `YYYY-MM`.
    pub(crate) fn key(self, day: NaiveDate) -> String {
        match self {
            Sums::Daily => day.format("%Y-%m-%d").to_string(),
            Sums::Monthly => day.format("%Y-%m").to_string(),
        }
    }

    /// The `ON CONFLICT` clause that adds a row's counts to the kept ones.
    pub(crate) fn adding(self) -> String {
        let table = self.table();
        let updates: Vec<String> = DAILY_COLUMNS
            .iter()
            .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
            .collect();
        format!(
            " ON CONFLICT (handling_commune_id, field, {}) DO UPDATE SET {}",
            self.key_column(),
            updates.join(", ")
        )
    }
}

/// Moves what a dossier contributes to its commune's days and months from its kept fact (`old`)
/// to its new one. The two are netted per commune, field and day (or month) first: a step that
/// changes no count writes no sum, and each table gets at most one statement — each statement
/// is a round trip inside the write lock.
pub(super) async fn move_contribution(
    tx: &mut Tx,
    old: Option<&Keyed>,
    new: &Keyed,
) -> Result<(), StoreError> {
    for sums in Sums::BOTH {
        let net = net_contributions(sums, old, new);
        if net.is_empty() {
            continue;
        }
        let width = 3 + DAILY_COLUMNS.len();
        let rows: Vec<String> = (0..net.len())
            .map(|row| {
                let places: Vec<String> = (1..=width)
                    .map(|i| format!("${}", row * width + i))
                    .collect();
                format!("({})", places.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} (handling_commune_id, field, {}, {}) VALUES {}{}",
            sums.table(),
            sums.key_column(),
            DAILY_COLUMNS.join(", "),
            rows.join(", "),
            sums.adding()
        );
        db!(tx.conn(), |c| {
            let mut query = sqlx::query(&sql);
            for ((commune, field, key), values) in &net {
                query = query.bind(*commune).bind(field).bind(key);
                for value in values {
                    query = query.bind(*value);
                }
            }
            query.execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Row key of a sums table: commune, field, day or month.
type SumsKey = (Uuid, String, String);

/// `new`'s contributions minus `old`'s, by row of `sums`; rows that net to nothing left out.
fn net_contributions(
    sums: Sums,
    old: Option<&Keyed>,
    new: &Keyed,
) -> BTreeMap<SumsKey, [i64; COUNT_FIELDS]> {
    let mut net: BTreeMap<SumsKey, [i64; COUNT_FIELDS]> = BTreeMap::new();
    for (keyed, sign) in old.map(|o| (o, -1)).into_iter().chain([(new, 1)]) {
        for (day, counts) in daily_contributions(&keyed.fact) {
            let key = (
                keyed.handling_commune_id,
                keyed.fact.field.clone(),
                sums.key(day),
            );
            let row = net.entry(key).or_insert([0; COUNT_FIELDS]);
            for (total, value) in row.iter_mut().zip(counts.to_signed(sign)) {
                *total += value;
            }
        }
    }
    net.retain(|_, values| values.iter().any(|v| *v != 0));
    net
}

#[derive(sqlx::FromRow)]
pub(super) struct CountsRow {
    pub(super) commune: Option<Uuid>,
    pub(super) field: Option<String>,
    received: i64,
    received_online: i64,
    received_digitised: i64,
    received_reused: i64,
    received_fee_requested: i64,
    received_paid_online: i64,
    received_full_online: i64,
    received_full_online_online: i64,
    resolved: i64,
    resolved_in_time: i64,
    resolved_e_result: i64,
    resolved_result_stored: i64,
    resolved_well: i64,
    points_time: i64,
    points_contacts: i64,
    points_online: i64,
    rated: i64,
    rated_satisfied: i64,
    resolved_early: i64,
    closed: i64,
    rated_bodies: i64,
    points_bodies: i64,
    rated_attitude: i64,
    points_attitude: i64,
    resolved_with_feedback: i64,
    points_feedback: i64,
}

pub(super) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl CountsRow {
    pub(super) fn counts(&self) -> Counts {
        Counts {
            received: count(self.received),
            received_online: count(self.received_online),
            received_digitised: count(self.received_digitised),
            received_reused: count(self.received_reused),
            received_fee_requested: count(self.received_fee_requested),
            received_paid_online: count(self.received_paid_online),
            received_full_online: count(self.received_full_online),
            received_full_online_online: count(self.received_full_online_online),
            resolved: count(self.resolved),
            resolved_in_time: count(self.resolved_in_time),
            resolved_e_result: count(self.resolved_e_result),
            resolved_result_stored: count(self.resolved_result_stored),
            resolved_well: count(self.resolved_well),
            points_time: count(self.points_time),
            points_contacts: count(self.points_contacts),
            points_online: count(self.points_online),
            rated: count(self.rated),
            rated_satisfied: count(self.rated_satisfied),
            resolved_early: count(self.resolved_early),
            closed: count(self.closed),
            rated_bodies: count(self.rated_bodies),
            points_bodies: count(self.points_bodies),
            rated_attitude: count(self.rated_attitude),
            points_attitude: count(self.points_attitude),
            resolved_with_feedback: count(self.resolved_with_feedback),
            points_feedback: count(self.points_feedback),
        }
    }
}

/// How daily sums are grouped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    Nothing,
    Commune,
    Field,
}

impl Group {
    /// (the key columns, the GROUP BY clause)
    pub(super) fn sql(self) -> (&'static str, &'static str) {
        match self {
            Group::Nothing => ("NULL AS commune, NULL AS field", ""),
            Group::Commune => (
                "handling_commune_id AS commune, NULL AS field",
                " GROUP BY handling_commune_id",
            ),
            Group::Field => ("NULL AS commune, field", " GROUP BY field"),
        }
    }
}

/// The runs of rows to sum for `period` (or for every day before it when `before`): whole months
/// from the monthly sums, the days at the ends from the daily ones; each run a table and the
/// first and last key, both included.
pub(super) fn runs(period: &Period, before: bool) -> Vec<(Sums, String, String)> {
    let (days, months) = if before {
        // The months before the period's month, then that month's days before the period.
        let first = month_of(period.from);
        let days = period
            .from
            .pred_opt()
            .filter(|d| *d >= first)
            .map(|d| (first, d));
        let months = first.pred_opt().map(|last| (None, last));
        (days.into_iter().collect(), months)
    } else {
        let split = split_into_months(period.from, period.to);
        (split.days, split.months.map(|(a, b)| (Some(a), b)))
    };
    let mut runs: Vec<(Sums, String, String)> = days
        .into_iter()
        .map(|(a, b)| (Sums::Daily, Sums::Daily.key(a), Sums::Daily.key(b)))
        .collect();
    if let Some((first, last)) = months {
        // No first month: from the beginning ("" sorts before every key).
        let first = first.map(|m| Sums::Monthly.key(m)).unwrap_or_default();
        runs.push((Sums::Monthly, first, Sums::Monthly.key(last)));
    }
    runs
}

/// The rows of `runs` as one `UNION ALL`: `columns` of each run's table (`table` names the daily
/// or the monthly one) for the commune `$1` (all when NULL), between the run's first and last key,
/// bound as the next two parameters in the order of `runs`.
pub(super) fn union_of_runs(
    runs: &[(Sums, String, String)],
    columns: &str,
    table: impl Fn(Sums) -> &'static str,
) -> String {
    let parts: Vec<String> = runs
        .iter()
        .enumerate()
        .map(|(i, (sums, _, _))| {
            let key = sums.key_column();
            format!(
                "SELECT {columns} FROM {}
                 WHERE ($1 IS NULL OR handling_commune_id = $1) AND {key} >= ${} AND {key} <= ${}",
                table(*sums),
                2 + 2 * i,
                3 + 2 * i
            )
        })
        .collect();
    parts.join(" UNION ALL ")
}

/// Sums of the counts of one commune or all (`$1`): the days of `period`, or every day before it
/// when `before`.
pub(super) async fn counts_rows(
    tx: &mut Tx,
    commune: Option<Uuid>,
    period: &Period,
    group: Group,
    before: bool,
) -> Result<Vec<CountsRow>, StoreError> {
    let runs = runs(period, before);
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let (keys, group_by) = group.sql();
    let sums: Vec<String> = DAILY_COLUMNS
        .iter()
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .collect();
    let rows = union_of_runs(
        &runs,
        &format!("handling_commune_id, field, {}", DAILY_COLUMNS.join(", ")),
        Sums::table,
    );
    let sql = format!(
        "SELECT {keys}, {} FROM ({rows}) AS runs{group_by}",
        sums.join(", ")
    );
    Ok(db!(tx.conn(), |c| {
        let mut query = sqlx::query_as(&sql).bind(commune);
        for (_, first, last) in &runs {
            query = query.bind(first).bind(last);
        }
        query.fetch_all(&mut *c).await
    })?)
}
