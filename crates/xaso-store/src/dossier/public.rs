//! The public look-up: what anyone holding a dossier's code may see, the page every citizen with a
//! receipt opens.

use chrono::{DateTime, Utc};
use serde::Serialize;
use xaso_domain::calendar::Timing;
use xaso_domain::dossier::Status;
use xaso_domain::text;

use super::{state_of, DossierRules, StatusView};
use crate::{db, Store, StoreError};

/// A dossier as anyone with its code sees it: no personal data but a masked name.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicView {
    pub code: String,
    pub procedure_name: String,
    pub applicant: String,
    pub status: StatusView,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub outcome: Option<Timing>,
    pub steps: Vec<PublicStep>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicStep {
    pub at: DateTime<Utc>,
    /// The step the dossier is at after this event.
    pub step: String,
    pub status: StatusView,
    /// The step this event completed, and how its own deadline was met.
    pub completed: Option<String>,
    pub result: Option<String>,
}

/// The public look-up's statement: the dossier, its procedure's name, its commune's code and its
/// history lines joined (the dossier's columns repeat on each line).
const PUBLIC_VIEW: &str =
    "SELECT d.code, d.workflow, d.applicant_name, d.state, a.agency_code AS handling_code,
            COALESCE(p.name, '') AS procedure_name,
            h.at, h.status_to, h.step_from, h.step_to, h.step_result
     FROM dossiers d
     JOIN agencies a ON a.id = d.handling_commune_id
     LEFT JOIN procedures p ON p.code = d.procedure_code AND p.version = d.procedure_version
     LEFT JOIN dossier_history h ON h.dossier_id = d.id
     WHERE d.code = $1
     ORDER BY h.id";

/// The dossier's columns of [`PUBLIC_VIEW`], the same on each of its rows.
#[derive(sqlx::FromRow)]
struct PublicHead {
    code: String,
    workflow: String,
    applicant_name: String,
    state: String,
    handling_code: String,
    procedure_name: String,
}

/// A history line of [`PUBLIC_VIEW`] (NULLs for a dossier without history).
#[derive(sqlx::FromRow)]
struct PublicLine {
    at: Option<DateTime<Utc>>,
    status_to: Option<i64>,
    step_from: Option<String>,
    step_to: Option<String>,
    step_result: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PublicRow {
    #[sqlx(flatten)]
    head: PublicHead,
    #[sqlx(flatten)]
    line: PublicLine,
}

impl PublicHead {
    /// Read outside sqlx (SQLite; see `direct`).
    fn of_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<PublicHead> {
        Ok(PublicHead {
            code: row.get(0)?,
            workflow: row.get(1)?,
            applicant_name: row.get(2)?,
            state: row.get(3)?,
            handling_code: row.get(4)?,
            procedure_name: row.get(5)?,
        })
    }
}

impl PublicLine {
    /// Read outside sqlx (SQLite; see `direct`).
    fn of_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<PublicLine> {
        Ok(PublicLine {
            at: row.get::<_, Option<crate::direct::Time>>(6)?.map(|t| t.0),
            status_to: row.get(7)?,
            step_from: row.get(8)?,
            step_to: row.get(9)?,
            step_result: row.get(10)?,
        })
    }
}

/// The dossier `code` and its history lines, by [`PUBLIC_VIEW`]: on SQLite outside sqlx, on the
/// request's thread or, while the disk is slow, a blocking one (see `direct`), the dossier's
/// columns read once; on PostgreSQL on a kept connection.
async fn public_rows(
    store: &Store,
    code: &str,
) -> Result<Option<(PublicHead, Vec<PublicLine>)>, StoreError> {
    if let Some(direct) = store.direct_reads() {
        let code = code.to_string();
        return direct
            .read(move |c| {
                let mut statement = c.prepare_cached(PUBLIC_VIEW)?;
                let mut rows = statement.query([&code])?;
                let Some(first) = rows.next()? else {
                    return Ok(None);
                };
                let head = PublicHead::of_direct(first)?;
                let mut lines = vec![PublicLine::of_direct(first)?];
                while let Some(row) = rows.next()? {
                    lines.push(PublicLine::of_direct(row)?);
                }
                Ok(Some((head, lines)))
            })
            .await;
    }
    async fn pooled(store: &Store, code: &str) -> Result<Vec<PublicRow>, StoreError> {
        let mut one = store.one_statement().await?;
        let rows = db!(one.conn(), |c| {
            sqlx::query_as(PUBLIC_VIEW)
                .bind(code)
                .fetch_all(&mut *c)
                .await
        })?;
        one.finished();
        Ok(rows)
    }
    // A kept connection may have died with its PostgreSQL session (a restart, an administrator):
    // the kept ones are let go and the read tried once more, on a connection the pool has tested.
    let rows = match pooled(store, code).await {
        Err(e) if e.is_unavailable() => {
            store.let_go_kept_look_up_connections();
            pooled(store, code).await?
        }
        other => other?,
    };
    let mut rows = rows.into_iter();
    Ok(rows.next().map(|first| {
        let lines = std::iter::once(first.line)
            .chain(rows.map(|r| r.line))
            .collect();
        (first.head, lines)
    }))
}

/// What anyone holding the code may see: one statement outside a transaction, which is one
/// snapshot by itself and one round trip — this is the page every citizen with a receipt opens.
pub async fn public_view(
    store: &Store,
    rules: &DossierRules,
    code: &str,
) -> Result<Option<PublicView>, StoreError> {
    let Some((first, lines)) = public_rows(store, code).await? else {
        return Ok(None);
    };
    let state = state_of(&first.state, &first.code)?;
    let workflow = rules.workflow(&first.workflow)?;
    let calendar = rules.calendar(&first.handling_code)?;
    let name = |key: &str| {
        workflow
            .steps
            .iter()
            .find(|s| s.key == key)
            .map_or_else(|| key.to_string(), |s| s.name.clone())
    };
    let steps = lines
        .iter()
        .filter_map(|h| {
            let at = h.at?;
            let step_from = h.step_from.as_deref().unwrap_or_default();
            Some(PublicStep {
                at,
                step: name(h.step_to.as_deref().unwrap_or_default()),
                status: h
                    .status_to
                    .and_then(Status::from_code)
                    .unwrap_or(Status::Registered)
                    .into(),
                completed: h.step_result.as_ref().map(|_| name(step_from)),
                result: h.step_result.clone(),
            })
        })
        .collect();
    Ok(Some(PublicView {
        code: first.code.clone(),
        procedure_name: first.procedure_name.clone(),
        applicant: text::mask_name(&first.applicant_name),
        status: state.status.into(),
        received_at: state.received_at,
        due_at: state.due,
        resolved_at: state.resolved_at,
        outcome: state.outcome(&calendar),
        steps,
    }))
}
