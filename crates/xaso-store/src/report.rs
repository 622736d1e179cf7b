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
struct FactRow {
    code: String,
    procedure_code: String,
    procedure_version: i64,
    channel: i64,
    handling_commune_id: Uuid,
    state: String,
    digitised: i64,
    e_result: i64,
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

/// One fact per dossier handled by the commune `scope` (every commune when `None`).
pub async fn dossier_facts(
    tx: &mut Tx,
    rules: &DossierRules,
    scope: Option<&str>,
) -> Result<Vec<DossierFact>, StoreError> {
    let scope = scope_id(tx, scope).await?;
    let rows: Vec<FactRow> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT d.code, d.procedure_code, d.procedure_version, d.channel, d.handling_commune_id, d.state,
                 CASE WHEN EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'attachment')
                      THEN 1 ELSE 0 END AS digitised,
                 CASE WHEN EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'result')
                      THEN 1 ELSE 0 END AS e_result,
                 r.rating, r.rated_at
             FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id
             WHERE $1 IS NULL OR d.handling_commune_id = $1
             ORDER BY d.code",
        )
        .bind(scope)
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
        facts.push(DossierFact {
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
            digitised: row.digitised != 0,
            e_result: row.e_result != 0,
            rating: match row.rating.as_deref() {
                Some("very_satisfied") => Some(Rating::VerySatisfied),
                Some("satisfied") => Some(Rating::Satisfied),
                Some("dissatisfied") => Some(Rating::Dissatisfied),
                _ => None,
            },
            rated_at: row.rated_at,
            code: row.code,
        });
    }
    Ok(facts)
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
