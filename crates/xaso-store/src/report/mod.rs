//! What reports are computed from: one fact per dossier (with its procedure's field, its timing
//! under its commune's calendar, whether it was digitised, reused a document of the applicant's
//! store, was asked a fee and paid it online, got an e-result, had it put in that store, and a
//! rating with the TT 01/2018 answers, complaints from the feedback about it), one per current procedure, the electronic certified copies of a period, and the
//! procedures paid online in it.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::calendar::WorkCalendar;
use xaso_domain::catalog::OnlineLevel;
use xaso_domain::dossier::{Channel, DossierState, Status};
use xaso_domain::report::{
    Counts, DossierFact, Ii06aParts, Ii06aRow, IndicatorRules, OpenAtEnd, Period, ProcedureFact,
    Rating,
};

use crate::dossier::DossierRules;

mod late;
mod sums;
use crate::{agency, catalog, db, StoreError, Tx};
pub(crate) use late::count_late_step;
pub use late::{late_steps, rebuild_late_steps, LateSteps};
use sums::{count, counts_rows, CountsRow, Group};
pub(crate) use sums::{Sums, DAILY_COLUMNS};

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
    reused: bool,
    result_stored: bool,
    paid_online: bool,
    rating: Option<String>,
    rated_at: Option<DateTime<Utc>>,
    bodies_contacted: Option<i64>,
    attitude: Option<String>,
}

/// The agency's id when `scope` names one; `Ok(None)` for the whole province.
pub(super) async fn scope_id(tx: &mut Tx, scope: Option<&str>) -> Result<Option<Uuid>, StoreError> {
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

pub(crate) fn text_of<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}

/// A fact with the keys it is stored under.
#[derive(PartialEq)]
struct Keyed {
    dossier_id: Uuid,
    handling_commune_id: Uuid,
    fact: DossierFact,
}

/// The WHERE clause choosing the dossiers `d` of a report: all, one commune's (`$1`) or one
/// dossier (`$2`). One condition per case, never `($2 IS NULL OR d.id = $2)`: with that, the
/// refresh of one dossier after each step read every dossier (280 ms a step for half a million)
/// and every feedback item (18–21 ms with 50 000), inside the write lock.
pub(crate) fn dossiers_of(commune: Option<Uuid>, dossier: Option<Uuid>) -> &'static str {
    match (dossier, commune) {
        (Some(_), _) => "WHERE d.id = $2 AND ($1 IS NULL OR d.handling_commune_id = $1)",
        (None, Some(_)) => "WHERE d.handling_commune_id = $1 AND $2 IS NULL",
        (None, None) => "WHERE $1 IS NULL AND $2 IS NULL",
    }
}

/// Facts computed from the dossiers themselves (their state, files, rating, procedure and the
/// handling commune's calendar): all of them, one commune's, or one dossier's.
async fn compute(
    tx: &mut Tx,
    rules: &DossierRules,
    commune: Option<Uuid>,
    dossier: Option<Uuid>,
) -> Result<Vec<Keyed>, StoreError> {
    let filter = dossiers_of(commune, dossier);
    let rows: Vec<DossierRow> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            "SELECT d.id, d.code, d.procedure_code, d.procedure_version, d.channel, d.handling_commune_id, d.state,
                 EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'attachment')
                     AS digitised,
                 EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'result')
                     AS e_result,
                 EXISTS (SELECT 1 FROM dossier_files f
                         WHERE f.dossier_id = d.id AND f.citizen_document_id IS NOT NULL)
                     AS reused,
                 EXISTS (SELECT 1 FROM citizen_documents c
                         WHERE c.source_dossier_id = d.id AND c.source = 'result' AND c.removed_at IS NULL)
                     AS result_stored,
                 EXISTS (SELECT 1 FROM payments p
                         WHERE p.dossier_id = d.id AND p.method = 'online' AND p.status = 'paid')
                     AS paid_online,
                 r.rating, r.rated_at, r.bodies_contacted, r.attitude
             FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id
             {filter}
             ORDER BY d.code",
        ))
        .bind(commune)
        .bind(dossier)
        .fetch_all(&mut *c)
        .await
    })?;
    let complaints = crate::feedback::complaints_by_dossier(tx, commune, dossier).await?;
    let mut fields: HashMap<(String, i64), (String, OnlineLevel)> = HashMap::new();
    let mut communes: HashMap<Uuid, String> = HashMap::new();
    let mut facts = Vec::with_capacity(rows.len());
    for row in rows {
        let answered: &[Option<bool>] = complaints.get(&row.id).map_or(&[], Vec::as_slice);
        let state: DossierState = serde_json::from_str(&row.state).map_err(|e| {
            StoreError::Foreign(format!("trạng thái hồ sơ {} bị hỏng: {e}", row.code))
        })?;
        let key = (row.procedure_code.clone(), row.procedure_version);
        if let Entry::Vacant(slot) = fields.entry(key.clone()) {
            let procedure =
                catalog::procedure(tx, &row.procedure_code, row.procedure_version).await?;
            slot.insert(procedure.map_or((String::new(), OnlineLevel::None), |p| {
                (p.field.clone(), p.online)
            }));
        }
        if let Entry::Vacant(slot) = communes.entry(row.handling_commune_id) {
            let code = agency::by_id(tx, row.handling_commune_id)
                .await?
                .map(|a| a.agency_code)
                .unwrap_or_default();
            slot.insert(code);
        }
        let calendar = rules.calendar(&communes[&row.handling_commune_id])?;
        let (field, online) = fields[&key].clone();
        let fact = fact_of(
            &rules.indicators,
            FactSource {
                code: row.code,
                procedure_code: row.procedure_code,
                field,
                online,
                channel: Channel::from_code(row.channel).unwrap_or(Channel::Counter),
                state: &state,
                calendar: &calendar,
                digitised: row.digitised,
                e_result: row.e_result,
                reused: row.reused,
                result_stored: row.result_stored,
                paid_online: row.paid_online,
                rating: rating_of(row.rating.as_deref()),
                rated_at: row.rated_at,
                bodies_contacted: row.bodies_contacted.and_then(|n| u32::try_from(n).ok()),
                attitude: row.attitude.as_deref(),
                complaints: answered,
            },
        );
        facts.push(Keyed {
            dossier_id: row.id,
            handling_commune_id: row.handling_commune_id,
            fact,
        });
    }
    Ok(facts)
}

/// What a dossier's report fact is made of besides its state: its procedure, where its files,
/// payment and rating stand, and the complaints about it (`answered in time` of each).
pub(crate) struct FactSource<'a> {
    pub code: String,
    pub procedure_code: String,
    pub field: String,
    pub online: OnlineLevel,
    pub channel: Channel,
    pub state: &'a DossierState,
    /// The handling commune's calendar.
    pub calendar: &'a WorkCalendar,
    pub digitised: bool,
    pub e_result: bool,
    pub reused: bool,
    pub result_stored: bool,
    pub paid_online: bool,
    pub rating: Option<Rating>,
    pub rated_at: Option<DateTime<Utc>>,
    pub bodies_contacted: Option<u32>,
    pub attitude: Option<&'a str>,
    pub complaints: &'a [Option<bool>],
}

/// The report fact of one dossier: the one definition both the facts computed from the rows
/// (`compute`, hence `refresh` and `rebuild`) and the demo generator's bulk facts use.
pub(crate) fn fact_of(indicators: &IndicatorRules, source: FactSource<'_>) -> DossierFact {
    let state = source.state;
    let without_result = matches!(
        state.status,
        Status::Withdrawn | Status::Stopped | Status::Denied
    );
    DossierFact {
        code: source.code,
        procedure_code: source.procedure_code,
        field: source.field,
        online: Some(source.online),
        channel: source.channel,
        received_at: state.received_at,
        due_at: state.due,
        resolved_at: state.resolved_at,
        timing: state.outcome(source.calendar),
        closed_at: if state.resolved_at.is_none() && without_result {
            state.ended_at
        } else {
            None
        },
        supplements: state.supplement_requests,
        digitised: source.digitised,
        e_result: source.e_result,
        reused: source.reused,
        result_stored: source.result_stored,
        // Asked through `RequestPayment`, which goes through `dossier::apply_action` and so
        // `refresh`; the payment due stays in the state once paid.
        fee_requested: state.payment.is_some(),
        // The payment row is written paid before the Paid action settles the dossier (through
        // `apply_action`, hence `refresh`), so this follows it.
        paid_online: source.paid_online,
        rating: source.rating,
        rated_at: source.rated_at,
        complaint: !source.complaints.is_empty(),
        points_bodies: source
            .bodies_contacted
            .and_then(|n| indicators.bodies_points(n)),
        points_attitude: source
            .attitude
            .and_then(|a| indicators.attitude(a))
            .map(|a| a.points),
        points_feedback: indicators.dossier_feedback_points(source.complaints.iter().copied()),
    }
    .at_stored_precision()
}

async fn upsert(tx: &mut Tx, keyed: &Keyed) -> Result<(), StoreError> {
    let fact = &keyed.fact;
    db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO report_facts (dossier_id, code, handling_commune_id, procedure_code, field, channel,
                 received_at, due_at, resolved_at, timing, closed_at, digitised, e_result, rating, rated_at, supplements, online, finished_at,
                 reused, result_stored, fee_requested, paid_online, complaint, points_bodies, points_attitude,
                 points_feedback)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                 $21, $22, $23, $24, $25, $26)
             ON CONFLICT (dossier_id) DO UPDATE SET code = excluded.code,
                 handling_commune_id = excluded.handling_commune_id, procedure_code = excluded.procedure_code,
                 field = excluded.field, channel = excluded.channel, received_at = excluded.received_at,
                 due_at = excluded.due_at, resolved_at = excluded.resolved_at, timing = excluded.timing,
                 closed_at = excluded.closed_at, digitised = excluded.digitised, e_result = excluded.e_result,
                 rating = excluded.rating, rated_at = excluded.rated_at, supplements = excluded.supplements,
                 online = excluded.online, finished_at = excluded.finished_at, reused = excluded.reused,
                 result_stored = excluded.result_stored, fee_requested = excluded.fee_requested,
                 paid_online = excluded.paid_online, complaint = excluded.complaint,
                 points_bodies = excluded.points_bodies, points_attitude = excluded.points_attitude,
                 points_feedback = excluded.points_feedback",
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
        .bind(fact.online.as_ref().and_then(text_of))
        .bind(fact.resolved_at.or(fact.closed_at))
        .bind(fact.reused)
        .bind(fact.result_stored)
        .bind(fact.fee_requested)
        .bind(fact.paid_online)
        .bind(fact.complaint)
        .bind(fact.points_bodies.map(i64::from))
        .bind(fact.points_attitude.map(i64::from))
        .bind(fact.points_feedback.map(i64::from))
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Replaces a dossier's kept fact, moving its daily sums from the old to the new.
async fn replace(tx: &mut Tx, old: Option<&Keyed>, new: &Keyed) -> Result<(), StoreError> {
    // Most steps (a forward, a reassignment) change nothing a report counts.
    if old == Some(new) {
        return Ok(());
    }
    sums::move_contribution(tx, old, new).await?;
    upsert(tx, new).await
}

/// The kept fact of one dossier.
async fn kept(tx: &mut Tx, dossier_id: Uuid) -> Result<Option<Keyed>, StoreError> {
    let rows: Vec<FactRow> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            "SELECT {FACT_COLUMNS} FROM report_facts WHERE dossier_id = $1"
        ))
        .bind(dossier_id)
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(rows.into_iter().next().map(FactRow::keyed))
}

/// Brings the report fact of one dossier up to date; called in the transaction that changed it.
pub async fn refresh(
    tx: &mut Tx,
    rules: &DossierRules,
    dossier_id: Uuid,
) -> Result<(), StoreError> {
    let old = kept(tx, dossier_id).await?;
    for new in compute(tx, rules, None, Some(dossier_id)).await? {
        replace(tx, old.as_ref(), &new).await?;
    }
    Ok(())
}

/// Changes a dossier's kept fact in place (when one is kept), moving its daily sums with it.
async fn change_kept(
    tx: &mut Tx,
    dossier_id: Uuid,
    change: impl FnOnce(&mut DossierFact),
) -> Result<(), StoreError> {
    let Some(old) = kept(tx, dossier_id).await? else {
        return Ok(());
    };
    let mut fact = old.fact.clone();
    change(&mut fact);
    let new = Keyed {
        dossier_id: old.dossier_id,
        handling_commune_id: old.handling_commune_id,
        fact,
    };
    replace(tx, Some(&old), &new).await
}

/// Keeps the digitised / e-result flag of a dossier's fact when a file is attached.
pub(crate) async fn mark_file(tx: &mut Tx, dossier_id: Uuid, kind: &str) -> Result<(), StoreError> {
    let result = kind == "result";
    change_kept(tx, dossier_id, |fact| {
        if result {
            fact.e_result = true;
        } else {
            fact.digitised = true;
        }
    })
    .await
}

/// Keeps the reuse flag of a dossier's fact when a file of the dossier is taken from the
/// applicant's citizen data store (QĐ 766 "reuse of digitised data"); called by the citizen
/// store in the transaction that links the file.
pub(crate) async fn mark_reused(tx: &mut Tx, dossier_id: Uuid) -> Result<(), StoreError> {
    change_kept(tx, dossier_id, |fact| fact.reused = true).await
}

/// Keeps the stored-result flag of a dossier's fact when its e-result is put in the
/// applicant's citizen data store (QĐ 766 "links to the citizen's store"); called by the
/// citizen store in the transaction that adds the document.
pub(crate) async fn mark_result_stored(tx: &mut Tx, dossier_id: Uuid) -> Result<(), StoreError> {
    change_kept(tx, dossier_id, |fact| fact.result_stored = true).await
}

/// Keeps the rating of a dossier's fact, with the TT 01/2018 points of the optional answers
/// (indicators 4 and 7).
pub(crate) async fn mark_rating(
    tx: &mut Tx,
    dossier_id: Uuid,
    rating: Rating,
    at: DateTime<Utc>,
    points: (Option<u8>, Option<u8>),
) -> Result<(), StoreError> {
    change_kept(tx, dossier_id, |fact| {
        fact.rating = Some(rating);
        fact.rated_at = Some(at);
        (fact.points_bodies, fact.points_attitude) = points;
    })
    .await
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
    let mut before: HashMap<String, DossierFact> = dossier_facts(tx, None)
        .await?
        .into_iter()
        .map(|f| (f.code.clone(), f))
        .collect();
    for table in [
        "DELETE FROM report_facts",
        "DELETE FROM report_daily",
        "DELETE FROM report_monthly",
    ] {
        db!(tx.conn(), |c| sqlx::query(table)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
    }
    rebuild_late_steps(tx).await?;
    let all = compute(tx, rules, None, None).await?;
    let mut differed = 0;
    for keyed in &all {
        if before.remove(&keyed.fact.code).as_ref() != Some(&keyed.fact) {
            differed += 1;
        }
        replace(tx, None, keyed).await?;
    }
    // Kept facts of dossiers that no longer exist differ too.
    differed += before.len();
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
    dossier_id: Uuid,
    handling_commune_id: Uuid,
    code: String,
    procedure_code: String,
    field: String,
    online: Option<String>,
    channel: i64,
    received_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    timing: Option<String>,
    closed_at: Option<DateTime<Utc>>,
    supplements: i64,
    digitised: bool,
    e_result: bool,
    reused: bool,
    result_stored: bool,
    fee_requested: bool,
    paid_online: bool,
    rating: Option<String>,
    rated_at: Option<DateTime<Utc>>,
    complaint: bool,
    points_bodies: Option<i64>,
    points_attitude: Option<i64>,
    points_feedback: Option<i64>,
}

const FACT_COLUMNS: &str = "dossier_id, handling_commune_id, code, procedure_code, field, online, channel,
    received_at, due_at, resolved_at, timing, closed_at, supplements, digitised, e_result, reused, result_stored,
    fee_requested, paid_online, rating, rated_at, complaint, points_bodies, points_attitude, points_feedback";

fn points_of(value: Option<i64>) -> Option<u8> {
    value.and_then(|v| u8::try_from(v).ok())
}

fn parse_text<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
}

impl FactRow {
    fn keyed(self) -> Keyed {
        Keyed {
            dossier_id: self.dossier_id,
            handling_commune_id: self.handling_commune_id,
            fact: DossierFact {
                code: self.code,
                procedure_code: self.procedure_code,
                field: self.field,
                online: parse_text(self.online),
                channel: Channel::from_code(self.channel).unwrap_or(Channel::Counter),
                received_at: self.received_at,
                due_at: self.due_at,
                resolved_at: self.resolved_at,
                timing: parse_text(self.timing),
                closed_at: self.closed_at,
                supplements: u32::try_from(self.supplements).unwrap_or(u32::MAX),
                digitised: self.digitised,
                e_result: self.e_result,
                reused: self.reused,
                result_stored: self.result_stored,
                fee_requested: self.fee_requested,
                paid_online: self.paid_online,
                rating: rating_of(self.rating.as_deref()),
                rated_at: self.rated_at,
                complaint: self.complaint,
                points_bodies: points_of(self.points_bodies),
                points_attitude: points_of(self.points_attitude),
                points_feedback: points_of(self.points_feedback),
            },
        }
    }
}

/// The kept facts of the dossiers handled by the commune `scope` (every commune when `None`).
pub async fn dossier_facts(
    tx: &mut Tx,
    scope: Option<&str>,
) -> Result<Vec<DossierFact>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let rows: Vec<FactRow> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            "SELECT {FACT_COLUMNS} FROM report_facts WHERE $1 IS NULL OR handling_commune_id = $1 ORDER BY code"
        ))
        .bind(commune)
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(rows.into_iter().map(|r| r.keyed().fact).collect())
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

/// The codes of the procedures with at least one dossier handled by the commune `scope` (all
/// when `None`), received in `period` and paid online, once each and sorted
/// (`Summary::paid_online_procedures`, equal to `xaso_domain::report::paid_online_procedures`
/// on the kept facts). A set of procedures is not a sum of days, so it is read from the facts
/// rather than from the daily sums: one probe of the paid-online index per procedure of the
/// catalog (a DISTINCT over the period's facts read a whole province-year).
pub async fn paid_online_procedures(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
) -> Result<Vec<String>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let mut codes: Vec<String> = db!(tx.conn(), |c| {
        sqlx::query_scalar(
            "SELECT p.code FROM (SELECT DISTINCT code FROM procedures) p
             WHERE EXISTS (
                 SELECT 1 FROM report_facts f
                 WHERE f.procedure_code = p.code AND f.paid_online
                   AND f.received_at >= $2 AND f.received_at < $3
                   AND ($1 IS NULL OR f.handling_commune_id = $1))",
        )
        .bind(commune)
        .bind(period.start())
        .bind(period.end())
        .fetch_all(&mut *c)
        .await
    })?;
    // The domain's order (by the code's bytes), whatever the database's collation.
    codes.sort();
    Ok(codes)
}

/// `xaso_domain::report::counts` computed in SQL over the kept facts (the tests hold the two
/// equal): a province-year is summed where it lies instead of being read into memory.
pub async fn counts(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
) -> Result<Counts, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let rows = counts_rows(tx, commune, period, Group::Nothing, false).await?;
    Ok(rows.first().map(CountsRow::counts).unwrap_or_default())
}

/// The counts of every commune with dossiers, in one pass (the province ranking).
pub async fn counts_by_commune(
    tx: &mut Tx,
    period: &Period,
) -> Result<HashMap<Uuid, Counts>, StoreError> {
    Ok(counts_rows(tx, None, period, Group::Commune, false)
        .await?
        .iter()
        .filter_map(|r| r.commune.map(|id| (id, r.counts())))
        .collect())
}

/// Electronic certified copies issued in `period`, per commune code (the province ranking).
pub async fn certified_e_copies_by_commune(
    tx: &mut Tx,
    period: &Period,
) -> Result<HashMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT commune_code, COUNT(*) FROM certifications
             WHERE copy_sha256 IS NOT NULL AND certified_at >= $1 AND certified_at < $2
             GROUP BY commune_code",
        )
        .bind(period.start())
        .bind(period.end())
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(rows.into_iter().map(|(code, n)| (code, count(n))).collect())
}

/// `paid_online_procedures` of every commune in one statement (the province ranking): one probe
/// of the paid-online index by procedure and commune (migration 0026) per pair.
pub async fn paid_online_procedures_by_commune(
    tx: &mut Tx,
    period: &Period,
) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
    // One probe of the (procedure, commune, received) index per pair, as a scalar subquery with
    // LIMIT 1: written as EXISTS, PostgreSQL turned it into one pass over the period's paid-online
    // facts (607 ms of each province dashboard at 5 000 000 dossiers; 103 → 8 ms at 500 000).
    let pairs: Vec<(Uuid, String)> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT c.id, p.code
             FROM (SELECT DISTINCT code FROM procedures) p
             CROSS JOIN (SELECT DISTINCT handling_commune_id AS id FROM report_monthly) c
             WHERE (SELECT 1 FROM report_facts f
                    WHERE f.procedure_code = p.code AND f.handling_commune_id = c.id AND f.paid_online
                      AND f.received_at >= $1 AND f.received_at < $2
                    LIMIT 1) IS NOT NULL",
        )
        .bind(period.start())
        .bind(period.end())
        .fetch_all(&mut *c)
        .await
    })?;
    let mut by_commune: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (commune, code) in pairs {
        by_commune.entry(commune).or_default().push(code);
    }
    // The domain's order (by the code's bytes), whatever the database's collation.
    for codes in by_commune.values_mut() {
        codes.sort();
    }
    Ok(by_commune)
}

#[derive(sqlx::FromRow)]
struct OpenRow {
    commune: Option<Uuid>,
    field: Option<String>,
    within_time: i64,
    overdue: i64,
}

/// Dossiers open at the end of `period` (received before it ended, not finished by then), by
/// whether their appointment had passed: those still open (a partial index) and those finished
/// after the end (the index on finished_at), each a short range — written as one OR, a
/// province-year's facts were all read.
async fn open_rows(
    tx: &mut Tx,
    commune: Option<Uuid>,
    period: &Period,
    group: Group,
) -> Result<Vec<OpenRow>, StoreError> {
    let (keys, group_by) = group.sql();
    let sql = format!(
        "SELECT {keys},
             CAST(COALESCE(SUM(CASE WHEN due_at IS NULL OR due_at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT)
                 AS within_time,
             CAST(COALESCE(SUM(CASE WHEN due_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue
         FROM (SELECT handling_commune_id, field, due_at FROM report_facts
               WHERE finished_at IS NULL AND received_at < $2
               UNION ALL
               SELECT handling_commune_id, field, due_at FROM report_facts
               WHERE finished_at >= $2 AND received_at < $2) AS open_facts
         WHERE ($1 IS NULL OR handling_commune_id = $1){group_by}"
    );
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&sql)
            .bind(commune)
            .bind(period.end())
            .fetch_all(&mut *c)
            .await
    })?)
}

/// The parts of II.06a (`xaso_domain::report::Ii06aParts`) per field or per commune.
async fn ii06a_parts(
    tx: &mut Tx,
    commune: Option<Uuid>,
    period: &Period,
    group: Group,
) -> Result<HashMap<(Option<Uuid>, Option<String>), Ii06aParts>, StoreError> {
    let mut parts: HashMap<(Option<Uuid>, Option<String>), Ii06aParts> = HashMap::new();
    for row in counts_rows(tx, commune, period, group, true).await? {
        parts
            .entry((row.commune, row.field.clone()))
            .or_default()
            .before = row.counts();
    }
    for row in counts_rows(tx, commune, period, group, false).await? {
        parts
            .entry((row.commune, row.field.clone()))
            .or_default()
            .during = row.counts();
    }
    for row in open_rows(tx, commune, period, group).await? {
        parts.entry((row.commune, row.field)).or_default().open = OpenAtEnd {
            within_time: count(row.within_time),
            overdue: count(row.overdue),
        };
    }
    Ok(parts)
}

/// The rows of II.06a (equal to `xaso_domain::report::ii06a` on the kept facts): the daily sums
/// before and during the period, and the dossiers open at its end.
pub async fn ii06a_rows(
    tx: &mut Tx,
    scope: Option<&str>,
    period: &Period,
) -> Result<Vec<Ii06aRow>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let mut out: Vec<Ii06aRow> = ii06a_parts(tx, commune, period, Group::Field)
        .await?
        .iter()
        .map(|((_, field), part)| part.row(field.as_deref().unwrap_or_default()))
        .filter(|row| row.received_total > 0)
        .collect();
    // The domain's order (by the field's bytes), whatever the database's collation.
    out.sort_by(|a, b| a.field.cmp(&b.field));
    Ok(out)
}

/// II.06a totals of every commune with dossiers in the period.
pub async fn ii06a_totals_by_commune(
    tx: &mut Tx,
    period: &Period,
) -> Result<HashMap<Uuid, Ii06aRow>, StoreError> {
    Ok(ii06a_parts(tx, None, period, Group::Commune)
        .await?
        .iter()
        .filter_map(|((commune, _), part)| commune.map(|id| (id, part.row("Tổng số"))))
        .filter(|(_, row)| row.received_total > 0)
        .collect())
}

/// Resolved dossiers and those resolved early or on time, per period of `periods` (the months
/// of a chart), from the daily sums.
pub async fn on_time_by_period(
    tx: &mut Tx,
    scope: Option<&str>,
    periods: &[Period],
) -> Result<Vec<(u64, u64)>, StoreError> {
    let commune = scope_id(tx, scope).await?;
    let mut out = Vec::with_capacity(periods.len());
    for period in periods {
        let rows = counts_rows(tx, commune, period, Group::Nothing, false).await?;
        let counts = rows.first().map(CountsRow::counts).unwrap_or_default();
        out.push((counts.resolved, counts.resolved_in_time));
    }
    Ok(out)
}
