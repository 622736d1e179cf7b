//! Agencies: the tree province → commune → office or centre.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::agency::AgencySpec;

use crate::audit::{self, Actor};
use crate::identity::User;
use crate::{db, new_id, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Agency {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub kind: String,
    pub name: String,
    pub admin_unit_code: Option<String>,
    pub agency_code: String,
    /// Comma-separated facts not verified against an official source.
    pub unverified: String,
}

const COLUMNS: &str = "id, parent_id, kind, name, admin_unit_code, agency_code, unverified";

/// Inserts a tree of agencies; each parent must come earlier in `specs`.
pub async fn insert_tree(
    tx: &mut Tx,
    specs: &[AgencySpec],
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Vec<Agency>, StoreError> {
    let mut ids: HashMap<&str, Uuid> = HashMap::new();
    let mut inserted = Vec::with_capacity(specs.len());
    for spec in specs {
        let parent_id = match &spec.parent {
            Some(key) => Some(*ids.get(key.as_str()).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "đơn vị {}: không có đơn vị cấp trên {key}",
                    spec.key
                ))
            })?),
            None => None,
        };
        let agency = Agency {
            id: new_id(),
            parent_id,
            kind: spec.kind.as_str().to_string(),
            name: spec.name.clone(),
            admin_unit_code: spec.admin_unit_code.clone(),
            agency_code: spec.agency_code.clone(),
            unverified: spec.unverified.join(","),
        };
        insert(tx, &agency, now, actor).await?;
        ids.insert(spec.key.as_str(), agency.id);
        inserted.push(agency);
    }
    Ok(inserted)
}

/// Inserts one agency (its parent already stored), audited in the same transaction.
pub async fn insert(
    tx: &mut Tx,
    agency: &Agency,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let result = db!(tx.conn(), |c| {
        sqlx::query(
            "INSERT INTO agencies (id, parent_id, kind, name, admin_unit_code, agency_code, unverified, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(agency.id)
        .bind(agency.parent_id)
        .bind(&agency.kind)
        .bind(&agency.name)
        .bind(&agency.admin_unit_code)
        .bind(&agency.agency_code)
        .bind(&agency.unverified)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    });
    result.map_err(|e| {
        StoreError::from(e)
            .conflict_if_unique(|| format!("mã định danh {} đã được dùng", agency.agency_code))
    })?;
    audit::record(
        tx,
        now,
        actor,
        "agency.create",
        "agency",
        &agency.agency_code,
        serde_json::json!({ "name": agency.name, "kind": agency.kind }),
    )
    .await
}

/// Every agency, parents before children, siblings by code.
pub async fn list(tx: &mut Tx) -> Result<Vec<Agency>, StoreError> {
    let all: Vec<Agency> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agencies ORDER BY agency_code"
    ))
    .fetch_all(&mut *c)
    .await)?;
    Ok(tree_order(all))
}

/// The agency with `agency_code` (remembered for the rest of the transaction).
pub async fn by_code(tx: &mut Tx, agency_code: &str) -> Result<Option<Agency>, StoreError> {
    if let Some(known) = tx
        .remembered
        .agencies
        .values()
        .find(|a| a.agency_code == agency_code)
    {
        return Ok(Some(known.clone()));
    }
    if let Some(known) = tx.remembered.known_agencies.by_code(agency_code) {
        return Ok(Some(known));
    }
    let found: Option<Agency> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agencies WHERE agency_code = $1"
    ))
    .bind(agency_code)
    .fetch_optional(&mut *c)
    .await)?;
    Ok(remember(tx, found))
}

/// The agency with `id` (remembered for the rest of the transaction).
pub async fn by_id(tx: &mut Tx, id: Uuid) -> Result<Option<Agency>, StoreError> {
    if let Some(known) = tx.remembered.agencies.get(&id) {
        return Ok(Some(known.clone()));
    }
    if let Some(known) = tx.remembered.known_agencies.by_id(id) {
        return Ok(Some(known));
    }
    let found: Option<Agency> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agencies WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await)?;
    Ok(remember(tx, found))
}

/// The agencies committed transactions read, for every transaction of the store. Exact: an
/// agency is never changed nor deleted once inserted (nothing here or in any migration updates
/// the table), so a row once committed stays true, whichever instance inserted it; one not known
/// yet is read from the database. Only a commit teaches it (`Tx::commit`): an agency inserted by
/// a transaction that rolls back never becomes known. A dossier step read the same few agencies
/// (the caller's, its commune, the receiving centre) three times per step on average.
#[derive(Default)]
pub(crate) struct KnownAgencies {
    known: std::sync::RwLock<Known>,
}

#[derive(Default)]
struct Known {
    by_id: HashMap<Uuid, Agency>,
    id_by_code: HashMap<String, Uuid>,
}

impl KnownAgencies {
    fn by_id(&self, id: Uuid) -> Option<Agency> {
        self.read().by_id.get(&id).cloned()
    }

    fn by_code(&self, agency_code: &str) -> Option<Agency> {
        let known = self.read();
        let id = known.id_by_code.get(agency_code)?;
        known.by_id.get(id).cloned()
    }

    pub(crate) fn learn(&self, agencies: impl Iterator<Item = Agency>) {
        let mut agencies = agencies.peekable();
        if agencies.peek().is_none() {
            return;
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        for agency in agencies {
            known
                .id_by_code
                .insert(agency.agency_code.clone(), agency.id);
            known.by_id.insert(agency.id, agency);
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        // A panic elsewhere while writing leaves whole entries: each is inserted in one piece.
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn remember(tx: &mut Tx, found: Option<Agency>) -> Option<Agency> {
    if let Some(agency) = &found {
        tx.remembered.agencies.insert(agency.id, agency.clone());
    }
    found
}

/// The commune an agency belongs to: itself when it is one, else its parent when that is one.
pub async fn commune_of_agency(tx: &mut Tx, agency: &Agency) -> Result<Option<Agency>, StoreError> {
    if agency.kind == "commune" {
        return Ok(Some(agency.clone()));
    }
    match agency.parent_id {
        Some(parent) => Ok(by_id(tx, parent).await?.filter(|p| p.kind == "commune")),
        None => Ok(None),
    }
}

/// The commune of the agency with `agency_code` (see `commune_of_agency`).
pub async fn commune_of(tx: &mut Tx, agency_code: &str) -> Result<Option<Agency>, StoreError> {
    match by_code(tx, agency_code).await? {
        Some(agency) => commune_of_agency(tx, &agency).await,
        None => Ok(None),
    }
}

/// The commune a user works in, if their agency belongs to one.
pub async fn commune_of_user(tx: &mut Tx, user: &User) -> Result<Option<Agency>, StoreError> {
    match &user.agency_code {
        Some(code) => commune_of(tx, code).await,
        None => Ok(None),
    }
}

fn tree_order(mut remaining: Vec<Agency>) -> Vec<Agency> {
    fn push_children(parent: Option<Uuid>, remaining: &mut Vec<Agency>, ordered: &mut Vec<Agency>) {
        let (children, rest): (Vec<Agency>, Vec<Agency>) = std::mem::take(remaining)
            .into_iter()
            .partition(|a| a.parent_id == parent);
        *remaining = rest;
        for child in children {
            let id = child.id;
            ordered.push(child);
            push_children(Some(id), remaining, ordered);
        }
    }
    let mut ordered = Vec::with_capacity(remaining.len());
    push_children(None, &mut remaining, &mut ordered);
    // Anything left has a missing parent: keep it visible rather than drop it.
    ordered.extend(remaining);
    ordered
}
