//! What reports are computed from: one fact per dossier (with its procedure's field, its timing
//! under its commune's calendar, whether it was digitised, got an e-result and a rating), one
//! per current procedure, and the electronic certified copies of a period.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::dossier::{Channel, DossierState, Status};
use xaso_domain::report::{DossierFact, Period, ProcedureFact, Rating};

use crate::dossier::DossierRules;
use crate::{agency, catalog, db, StoreError, Tx};

#[derive(sqlx::FromRow)]
struct DossierRow {
    id: Uuid,
    code: String,
    procedure_code: String,
    procedure_version: i64,
    channel: i64,
    handling_commune_id: Uuid,
    state: String,
    digitised: bool,
    e_result: bool,
    rating: Option<String>,
    rated_at: Option<DateTime<Utc>>,
}

/// The agency's id when `scope` names one; `Ok(None)` for the whole province.
async fn scope_id(tx: &mut Tx, scope: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    match scope {
        None => Ok(None),
        Some(code) => agency::by_code(tx, code)
            .await?
            .map(|a| Some(a.id))
            .ok_or_else(|| StoreError::NotFound(format!("đơn vị {code}"))),
    }
}

fn rating_of(text: Option<&str>) -> Option<Rating> {
    text.and_then(Rating::parse)
}

fn text_of<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}

/// A fact with the keys it is stored under.
struct Keyed {
    dossier_id: Uuid,
    handling_commune_id: Uuid,
    fact: DossierFact,
}

/// Facts computed from the dossiers themselves (their state, files, rating, procedure and the
/// handling commune's calendar): all of them, one commune's, or one dossier's.
async fn compute(
    tx: &mut Tx,
    rules: &DossierRules,
    commune: Option<Uuid>,
    dossier: Option<Uuid>,
) -> Result<Vec<Keyed>, StoreError> {
    let rows: Vec<DossierRow> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT d.id, d.code, d.procedure_code, d.procedure_version, d.channel, d.handling_commune_id, d.state,
                 EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'attachment')
                     AS digitised,
                 EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'result')
                     AS e_result,
                 r.rating, r.rated_at
             FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id
             WHERE ($1 IS NULL OR d.handling_commune_id = $1) AND ($2 IS NULL OR d.id = $2)
             ORDER BY d.code",
        )
        .bind(commune)
        .bind(dossier)
        .fetch_all(&mut *c)
        .await
    })?;
    let mut fields: HashMap<(String, i64), String> = HashMap::new();
    let mut communes: HashMap<Uuid, String> = HashMap::new();
    let mut facts = Vec::with_capacity(rows.len());
    for row in rows {
        let state: DossierState = serde_json::from_str(&row.state).map_err(|e| {
            StoreError::Foreign(format!("trạng thái hồ sơ {} bị hỏng: {e}", row.code))
        })?;
        let key = (row.procedure_code.clone(), row.procedure_version);
        if let Entry::Vacant(slot) = fields.entry(key.clone()) {
            let record = catalog::version(tx, &row.procedure_code, row.procedure_version).await?;
            slot.insert(record.map(|r| r.procedure.field).unwrap_or_default());
        }
        if let Entry::Vacant(slot) = communes.entry(row.handling_commune_id) {
            let code = agency::by_id(tx, row.handling_commune_id)
                .await?
                .map(|a| a.agency_code)
                .unwrap_or_default();
            slot.insert(code);
        }
        let calendar = rules.calendar(&communes[&row.handling_commune_id])?;
        let without_result = matches!(
            state.status,
            Status::Withdrawn | Status::Stopped | Status::Denied
        );
        facts.push(Keyed {
            dossier_id: row.id,
            handling_commune_id: row.handling_commune_id,
            fact: DossierFact {
                procedure_code: row.procedure_code,
                field: fields[&key].clone(),
                channel: Channel::from_code(row.channel).unwrap_or(Channel::Counter),
                received_at: state.received_at,
                due_at: state.due,
                resolved_at: state.resolved_at,
                timing: state.outcome(&calendar),
                closed_at: if state.resolved_at.is_none() && without_result {
                    state.ended_at
                } else {
                    None
                },
                supplements: state.supplement_requests,
                digitised: row.digitised,
                e_result: row.e_result,
                rating: rating_of(row.rating.as_deref()),
                rated_at: row.rated_at,
                code: row.code,
            },
        });
    }
    Ok(facts)
}

async fn upsert(tx: &mut Tx, keyed: &Keyed) -> Result<(), StoreError> {
    let fact = &keyed.fact;
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO report_facts (dossier_id, code, handling_commune_id, procedure_code, field, channel,
                 received_at, due_at, resolved_at, timing, closed_at, digitised, e_result, rating, rated_at, supplements)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             ON CONFLICT (dossier_id) DO UPDATE SET code = excluded.code,
                 handling_commune_id = excluded.handling_commune_id, procedure_code = excluded.procedure_code,
                 field = excluded.field, channel = excluded.channel, received_at = excluded.received_at,
                 due_at = excluded.due_at, resolved_at = excluded.resolved_at, timing = excluded.timing,
                 closed_at = excluded.closed_at, digitised = excluded.digitised, e_result = excluded.e_result,
                 rating = excluded.rating, rated_at = excluded.rated_at, supplements = excluded.supplements",
        )
        .bind(keyed.dossier_id)
        .bind(&fact.code)
        .bind(keyed.handling_commune_id)
        .bind(&fact.procedure_code)
        .bind(&fact.field)
        .bind(fact.channel.code())
        .bind(fact.received_at)
        .bind(fact.due_at)
        .bind(fact.resolved_at)
        .bind(fact.timing.as_ref().and_then(text_of))
        .bind(fact.closed_at)
        .bind(fact.digitised)
        .bind(fact.e_result)
        .bind(fact.rating.map(Rating::key))
        .bind(fact.rated_at)
        .bind(i64::from(fact.supplements))
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Brings the report fact of one dossier up to date; called in the transaction that changed it.
pub async fn refresh(
    tx: &mut Tx,
    rules: &DossierRules,
    dossier_id: Uuid,
) -> Result<(), StoreError> {
    for keyed in compute(tx, rules, None, Some(dossier_id)).await? {
        upsert(tx, &keyed).await?;
    }
    Ok(())
}

/// Keeps the digitised / e-result flag of a dossier's fact when a file is attached.
pub(crate) async fn mark_file(tx: &mut Tx, dossier_id: Uuid, kind: &str) -> Result<(), StoreError> {
    let sql = if kind == "result" {
        "UPDATE report_facts SET e_result = TRUE WHERE dossier_id = $1"
    } else {
        "UPDATE report_facts SET digitised = TRUE WHERE dossier_id = $1"
    };
    db!(tx.conn(), |c| sqlx::query(sql)
        .bind(dossier_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Keeps the rating of a dossier's fact.
pub(crate) async fn mark_rating(
    tx: &mut Tx,
    dossier_id: Uuid,
    rating: Rating,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE report_facts SET rating = $1, rated_at = $2 WHERE dossier_id = $3"
    )
    .bind(rating.key())
    .bind(at)
    .bind(dossier_id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// What a rebuild found: how many facts, and how many of the kept ones differed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub facts: usize,
    pub differed: usize,
}

/// Recomputes every report fact from the dossiers (`xaso report rebuild`, and after a calendar
/// change that moves deadlines), counting the kept facts that disagreed.
pub async fn rebuild(tx: &mut Tx, rules: &DossierRules) -> Result<Rebuilt, StoreError> {
    let mut kept: HashMap<String, DossierFact> = dossier_facts(tx, None)
        .await?
        .into_iter()
        .map(|f| (f.code.clone(), f))
        .collect();
    db!(tx.conn(), |c| sqlx::query("DELETE FROM report_facts")
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    let all = compute(tx, rules, None, None).await?;
    let mut differed = 0;
    for keyed in &all {
        if kept.remove(&keyed.fact.code).as_ref() != Some(&keyed.fact) {
            differed += 1;
        }
        upsert(tx, keyed).await?;
    }
    // Kept facts of dossiers that no longer exist differ too.
    differed += kept.len();
    Ok(Rebuilt {
        facts: all.len(),
        differed,
    })
}

/// Rebuilds the facts when they do not cover every dossier (a database from before they existed).
pub async fn ensure_built(tx: &mut Tx, rules: &DossierRules) -> Result<Option<usize>, StoreError> {
    let (facts, dossiers): (i64, i64) = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM report_facts), (SELECT COUNT(*) FROM dossiers)",
        )
        .fetch_one(&mut *c)
        .await
    })?;
    if facts == dossiers {
        return Ok(None);
    }
    rebuild(tx, rules).await.map(|r| Some(r.facts))
}

/// The facts computed afresh from the dossiers, to compare with the kept ones.
pub async fn recomputed_facts(
    tx: &mut Tx,
    rules: &DossierRules,
    scope: Option<&str>,
) -> Result<Vec<DossierFact>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    Ok(compute(tx, rules, commune, None)
        .await?
        .into_iter()
        .map(|k| k.fact)
        .collect())
}

#[derive(sqlx::FromRow)]
struct FactRow {
    code: String,
    procedure_code: String,
    field: String,
    channel: i64,
    received_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    timing: Option<String>,
    closed_at: Option<DateTime<Utc>>,
    supplements: i64,
    digitised: bool,
    e_result: bool,
    rating: Option<String>,
    rated_at: Option<DateTime<Utc>>,
}

/// The kept facts of the dossiers handled by the commune `scope` (every commune when `None`).
pub async fn dossier_facts(
    tx: &mut Tx,
    scope: Option<&str>,
) -> Result<Vec<DossierFact>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let rows: Vec<FactRow> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT code, procedure_code, field, channel, received_at, due_at, resolved_at, timing, closed_at,
                 supplements, digitised, e_result, rating, rated_at
             FROM report_facts WHERE $1 IS NULL OR handling_commune_id = $1 ORDER BY code",
        )
        .bind(commune)
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| DossierFact {
            code: row.code,
            procedure_code: row.procedure_code,
            field: row.field,
            channel: Channel::from_code(row.channel).unwrap_or(Channel::Counter),
            received_at: row.received_at,
            due_at: row.due_at,
            resolved_at: row.resolved_at,
            timing: row
                .timing
                .and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok()),
            closed_at: row.closed_at,
            supplements: u32::try_from(row.supplements).unwrap_or(u32::MAX),
            digitised: row.digitised,
            e_result: row.e_result,
            rating: rating_of(row.rating.as_deref()),
            rated_at: row.rated_at,
        })
        .collect())
}

/// One fact per current procedure of the catalog.
pub async fn procedure_facts(tx: &mut Tx) -> Result<Vec<ProcedureFact>, StoreError> {
    Ok(catalog::all_current(tx)
        .await?
        .into_iter()
        .map(|r| ProcedureFact {
            code: r.procedure.code.clone(),
            online: r.procedure.online,
            location_independent: r.procedure.location_independent,
            fee_bearing: r.procedure.fee.may_charge(),
        })
        .collect())
}

/// Electronic certified copies the commune `scope` (all when `None`) issued in `period`.
pub async fn certified_e_copies(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
) -> Result<u64, StoreError> {
    let count: i64 = db!(tx.conn(), |c| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM certifications
             WHERE ($1 IS NULL OR commune_code = $1) AND copy_sha256 IS NOT NULL
               AND certified_at >= $2 AND certified_at < $3",
        )
        .bind(scope)
        .bind(period.start())
        .bind(period.end())
        .fetch_one(&mut *c)
        .await
    })?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Steps finished late in a period: by unit, or by officer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct LateSteps {
    pub who: String,
    pub count: i64,
}

/// Handling steps finished after their own deadline in `period`, in the dossiers handled by the
/// commune `scope` (all when `None`), counted by unit (`by_officer` false) or by officer.
pub async fn late_steps(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
    by_officer: bool,
) -> Result<Vec<LateSteps>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let sql = if by_officer {
        "SELECT h.actor AS who, COUNT(*) AS count FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
         WHERE h.step_result = 'late' AND h.at >= $2 AND h.at < $3 AND ($1 IS NULL OR d.handling_commune_id = $1)
         GROUP BY h.actor ORDER BY count DESC, who"
    } else {
        "SELECT COALESCE(a.name, h.agency_code, '') AS who, COUNT(*) AS count
         FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
         LEFT JOIN agencies a ON a.agency_code = h.agency_code
         WHERE h.step_result = 'late' AND h.at >= $2 AND h.at < $3 AND ($1 IS NULL OR d.handling_commune_id = $1)
         GROUP BY COALESCE(a.name, h.agency_code, '') ORDER BY count DESC, who"
    };
    Ok(db!(tx.conn(), |c| sqlx::query_as(sql)
        .bind(commune)
        .bind(period.start())
        .bind(period.end())
        .fetch_all(&mut *c)
        .await)?)
}
