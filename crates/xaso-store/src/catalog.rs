//! The procedure catalog: versioned procedures and their search.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use xaso_domain::catalog::{search_score, Procedure};
use xaso_domain::text;

use crate::audit::{self, Actor};
use crate::{db, new_id, Conn, StoreError, Tx};

/// One stored version of a procedure.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProcedureRecord {
    pub version: i64,
    pub is_current: bool,
    pub source: String,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub procedure: Procedure,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    is_current: bool,
    source: String,
    created_at: DateTime<Utc>,
    body: String,
}

impl VersionRow {
    fn into_record(self) -> Result<ProcedureRecord, StoreError> {
        let procedure = serde_json::from_str(&self.body).map_err(|e| {
            StoreError::Foreign(format!(
                "nội dung thủ tục lưu trong cơ sở dữ liệu bị hỏng: {e}"
            ))
        })?;
        Ok(ProcedureRecord {
            version: self.version,
            is_current: self.is_current,
            source: self.source,
            created_at: self.created_at,
            procedure,
        })
    }
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub revised: Vec<String>,
    pub unchanged: usize,
}

/// The key a field is filtered by: "Hộ tịch", "ho tich" and "HỘ TỊCH" are one field.
pub fn field_key(field: &str) -> String {
    text::search_terms(field).join(" ")
}

/// Imports already-validated procedures. A new code becomes version 1; a changed one gets a new
/// version and the old stays for the dossiers received under it; an identical one is left alone.
pub async fn import(
    tx: &mut Tx,
    procedures: &[Procedure],
    source: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    for procedure in procedures {
        let current = current(tx, &procedure.code).await?;
        let version = match &current {
            Some(record) if record.procedure == *procedure => {
                report.unchanged += 1;
                continue;
            }
            Some(record) => record.version + 1,
            None => 1,
        };
        if current.is_some() {
            // The remembered versions' `is_current` is about to change.
            tx.remembered.procedures.clear();
            db!(tx.conn(), |c| sqlx::query(
                "UPDATE procedures SET is_current = FALSE WHERE code = $1 AND is_current"
            )
            .bind(&procedure.code)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        let body = serde_json::to_string(procedure)
            .map_err(|e| StoreError::Invalid(format!("không ghi được thủ tục: {e}")))?;
        let inserted = db!(tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO procedures (id, code, version, is_current, name, field, field_key, level,
                 online, location_independent, verified, body, search_text, source, created_at, created_by)
             VALUES ($1, $2, $3, TRUE, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        )
        .bind(new_id())
        .bind(&procedure.code)
        .bind(version)
        .bind(&procedure.name)
        .bind(&procedure.field)
        .bind(field_key(&procedure.field))
        .bind(enum_text(&procedure.level))
        .bind(enum_text(&procedure.online))
        .bind(procedure.location_independent)
        .bind(procedure.is_verified())
        .bind(&body)
        .bind(procedure.search_document())
        .bind(source)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *c)
        .await
        .map(|_| ())
        });
        inserted.map_err(|e| {
            StoreError::from(e).conflict_if_unique(|| {
                format!(
                    "thủ tục {} vừa được người khác cập nhật; hãy nhập lại",
                    procedure.code
                )
            })
        })?;
        audit::record(
            tx,
            now,
            actor,
            if version == 1 {
                "procedure.create"
            } else {
                "procedure.revise"
            },
            "procedure",
            &procedure.code,
            serde_json::json!({ "version": version, "source": source }),
        )
        .await?;
        if version == 1 {
            report.added.push(procedure.code.clone());
        } else {
            report.revised.push(procedure.code.clone());
        }
    }
    Ok(report)
}

fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

const VERSION_COLUMNS: &str = "version, is_current, source, created_at, body";

pub async fn current(tx: &mut Tx, code: &str) -> Result<Option<ProcedureRecord>, StoreError> {
    let row: Option<VersionRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM procedures WHERE code = $1 AND is_current"
    ))
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?;
    row.map(VersionRow::into_record).transpose()
}

/// One version of a procedure. A version's body never changes once stored (a change is a new
/// version), so it is remembered for the rest of the transaction (and its body, once the
/// transaction commits, by the store: see [`procedure`]).
pub async fn version(
    tx: &mut Tx,
    code: &str,
    version: i64,
) -> Result<Option<ProcedureRecord>, StoreError> {
    let key = (code.to_string(), version);
    if let Some(known) = tx.remembered.procedures.get(&key) {
        return Ok(Some(known.clone()));
    }
    let row: Option<VersionRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM procedures WHERE code = $1 AND version = $2"
    ))
    .bind(code)
    .bind(version)
    .fetch_optional(&mut *c)
    .await)?;
    let record = row.map(VersionRow::into_record).transpose()?;
    if let Some(record) = &record {
        tx.remembered.procedures.insert(key, record.clone());
    }
    Ok(record)
}

/// The body of one version of a procedure: what a dossier filed under it follows. Read once per
/// store: a version's body never changes, and a dossier's every step, its answer and its
/// signed result read it again (whether the version is still current is not part of it: that
/// changes, and [`version`] reads it).
pub async fn procedure(
    tx: &mut Tx,
    code: &str,
    version_number: i64,
) -> Result<Option<Arc<Procedure>>, StoreError> {
    if let Some(known) = tx.remembered.known_procedures.get(code, version_number) {
        return Ok(Some(known));
    }
    Ok(version(tx, code, version_number)
        .await?
        .map(|record| Arc::new(record.procedure)))
}

/// Procedure bodies read by committed transactions, for every later transaction of the store.
/// Learnt only at commit: a version inserted by a transaction that rolls back never existed.
#[derive(Default)]
pub(crate) struct KnownProcedures {
    known: std::sync::RwLock<HashMap<(String, i64), Arc<Procedure>>>,
}

impl KnownProcedures {
    fn get(&self, code: &str, version: i64) -> Option<Arc<Procedure>> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        known.get(&(code.to_string(), version)).cloned()
    }

    pub(crate) fn learn(&self, records: impl Iterator<Item = ((String, i64), ProcedureRecord)>) {
        let mut records = records.peekable();
        if records.peek().is_none() {
            return;
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        for (key, record) in records {
            known
                .entry(key)
                .or_insert_with(|| Arc::new(record.procedure));
        }
    }
}

/// Every current procedure, by code.
pub async fn all_current(tx: &mut Tx) -> Result<Vec<ProcedureRecord>, StoreError> {
    let rows: Vec<VersionRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM procedures WHERE is_current ORDER BY code"
    ))
    .fetch_all(&mut *c)
    .await)?;
    rows.into_iter().map(VersionRow::into_record).collect()
}

/// Every version of a procedure, oldest first.
pub async fn versions(tx: &mut Tx, code: &str) -> Result<Vec<ProcedureRecord>, StoreError> {
    let rows: Vec<VersionRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM procedures WHERE code = $1 ORDER BY version"
    ))
    .bind(code)
    .fetch_all(&mut *c)
    .await)?;
    rows.into_iter().map(VersionRow::into_record).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct ProcedureSummary {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub field: String,
    pub level: String,
    pub online: String,
    pub location_independent: bool,
    pub verified: bool,
    #[serde(skip)]
    pub search_text: String,
}

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub field: Option<String>,
    /// 1-based
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SearchPage {
    pub items: Vec<ProcedureSummary>,
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

pub const MAX_PER_PAGE: u32 = 100;

const SUMMARY_COLUMNS: &str = "p.code, p.version, p.name, p.field, p.level, p.online,
    p.location_independent, p.verified, p.search_text";

/// Searches current procedures. The full-text index (FTS5 / tsvector) finds the candidates; the
/// ranking of [`search_score`] orders them identically on both backends.
pub async fn search(tx: &mut Tx, query: &SearchQuery) -> Result<SearchPage, StoreError> {
    let terms = text::search_terms(&query.text);
    let field = query
        .field
        .as_deref()
        .map(field_key)
        .filter(|f| !f.is_empty());
    let candidates: Vec<ProcedureSummary> = if terms.is_empty() {
        db!(tx.conn(), |c| sqlx::query_as(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM procedures p
             WHERE p.is_current AND ($1 IS NULL OR p.field_key = $1)"
        ))
        .bind(&field)
        .fetch_all(&mut *c)
        .await)?
    } else {
        match tx.conn() {
            Conn::Sqlite(c) => {
                let fts: Vec<String> = terms.iter().map(|t| format!("\"{t}\"*")).collect();
                sqlx::query_as(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM procedures p
                     WHERE p.is_current AND ($1 IS NULL OR p.field_key = $1)
                       AND p.rowid IN (SELECT rowid FROM procedures_fts WHERE procedures_fts MATCH $2)"
                ))
                .bind(&field)
                .bind(fts.join(" "))
                .fetch_all(&mut *c)
                .await?
            }
            Conn::Postgres(c) => {
                let tsquery: Vec<String> = terms.iter().map(|t| format!("{t}:*")).collect();
                sqlx::query_as(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM procedures p
                     WHERE p.is_current AND ($1::text IS NULL OR p.field_key = $1)
                       AND to_tsvector('simple', p.search_text) @@ to_tsquery('simple', $2)"
                ))
                .bind(&field)
                .bind(tsquery.join(" & "))
                .fetch_all(&mut *c)
                .await?
            }
        }
    };
    let mut ranked: Vec<(i64, ProcedureSummary)> = candidates
        .into_iter()
        .filter_map(|p| search_score(&terms, &p.code, &p.name, &p.search_text).map(|s| (s, p)))
        .collect();
    ranked.sort_by(|(sa, a), (sb, b)| {
        sb.cmp(sa)
            .then_with(|| text::fold(&a.field).cmp(&text::fold(&b.field)))
            .then_with(|| text::fold(&a.name).cmp(&text::fold(&b.name)))
            .then_with(|| a.code.cmp(&b.code))
    });
    let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
    let page = query.page.max(1);
    let total = ranked.len();
    let items = ranked
        .into_iter()
        .skip((page as usize - 1) * per_page as usize)
        .take(per_page as usize)
        .map(|(_, p)| p)
        .collect();
    Ok(SearchPage {
        items,
        total,
        page,
        per_page,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FieldCount {
    pub field: String,
    pub procedures: i64,
}

/// The fields (lĩnh vực) of current procedures with their counts, alphabetically.
pub async fn fields(tx: &mut Tx) -> Result<Vec<FieldCount>, StoreError> {
    let mut fields: Vec<FieldCount> = db!(tx.conn(), |c| sqlx::query_as(
        "SELECT field, COUNT(*) AS procedures FROM procedures WHERE is_current GROUP BY field"
    )
    .fetch_all(&mut *c)
    .await)?;
    fields.sort_by_key(|f| text::fold(&f.field));
    Ok(fields)
}

pub async fn count_current(tx: &mut Tx) -> Result<i64, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM procedures WHERE is_current"
    )
    .fetch_one(&mut *c)
    .await)?)
}
