//! The audit log: every change of state writes a row in the same transaction as the change.
//! The rows form one hash chain (rules in `xaso_domain::audit`) and triggers refuse to change or
//! delete them, so that a change made around the triggers still shows in `verify`.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::audit;

use crate::{db, Conn, StoreError, Tx};

/// Who did something: a signed-in user, or the system itself (start-up, the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
        }
    }

    pub fn user(id: Uuid, username: &str) -> Actor {
        Actor {
            user_id: Some(id),
            label: username.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub details: String,
}

/// Appends a row to the audit chain, inside the caller's transaction.
///
/// The row is inserted first and chained just after, because its id (assigned by the database)
/// is part of its hash; the append-only triggers allow exactly this one update. The chain's lock
/// is taken before the insert and held until commit, so on PostgreSQL ids are handed out in chain
/// order even with several instances writing at once.
pub async fn record(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    // The row this transaction appended last is still the chain's last: it holds the chain
    // (SQLite's write lock, PostgreSQL's advisory lock) from its first append to its end.
    let prev_hash = match tx.remembered.audit_head.take() {
        Some(hash) => hash,
        None => {
            lock_chain(tx).await?;
            match last_link(tx).await? {
                None => audit::GENESIS.to_string(),
                Some((_, Some(hash))) => hash,
                // Rows from before the chain existed (or from an older instance still running).
                Some((_, None)) => seal_unchained(tx).await?,
            }
        }
    };
    // PostgreSQL keeps microseconds: store what will be read back, so the hash stays true.
    let at = at.trunc_subsecs(6);
    let details = details.to_string();
    let id: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(at)
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(&details)
    .fetch_one(&mut *c)
    .await)?;
    let content = audit::RowContent {
        id,
        at,
        actor_id: actor.user_id.map(|u| u.to_string()),
        actor: actor.label.clone(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        details,
    };
    let hash = audit::row_hash(&prev_hash, &content);
    set_hashes(tx, id, &prev_hash, &hash).await?;
    tx.remembered.audit_head = Some(hash);
    Ok(())
}

/// An arbitrary constant naming the chain's PostgreSQL advisory lock ("xasoaud" in ASCII).
pub(crate) const CHAIN_LOCK: i64 = 0x0078_6173_6f61_7564;

/// Serialises appends to the chain until the transaction ends. `Store::begin` already took it (on
/// SQLite its write lock is the database's only one); taking it again costs one round trip and
/// keeps the chain whole should an append ever come from another kind of transaction.
async fn lock_chain(tx: &mut Tx) -> Result<(), StoreError> {
    if let Conn::Postgres(c) = tx.conn() {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// The last row's id and hash, if the log has rows.
async fn last_link(tx: &mut Tx) -> Result<Option<(i64, Option<String>)>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    )
    .fetch_optional(&mut *c)
    .await)?)
}

async fn set_hashes(tx: &mut Tx, id: i64, prev_hash: &str, hash: &str) -> Result<(), StoreError> {
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3"
    )
    .bind(prev_hash)
    .bind(hash)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    details: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl StoredRow {
    fn into_chained(self) -> audit::ChainedRow {
        audit::ChainedRow {
            content: audit::RowContent {
                id: self.id,
                at: self.at,
                actor_id: self.actor_id.map(|u| u.to_string()),
                actor: self.actor,
                action: self.action,
                entity: self.entity,
                entity_id: self.entity_id,
                details: self.details,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

const STORED_COLUMNS: &str =
    "id, at, actor_id, actor, action, entity, entity_id, details, prev_hash, hash";

/// Chains the rows that have no hash yet, in id order, after the row before the first of them;
/// returns the hash of the chain's new last row (or of the last chained row if none was waiting).
///
/// Rows written before migration 0018 have no hash, and SQL cannot compute SHA-256 portably, so
/// `Store::migrate` calls this once the schema is current; `record` also calls it when it finds
/// the log ending in a row without hash (written by an older instance during an upgrade).
pub async fn seal_unchained(tx: &mut Tx) -> Result<String, StoreError> {
    lock_chain(tx).await?;
    let waiting: Vec<StoredRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {STORED_COLUMNS} FROM audit_log WHERE hash IS NULL ORDER BY id"
    ))
    .fetch_all(&mut *c)
    .await)?;
    let Some(first) = waiting.first().map(|r| r.id) else {
        return Ok(last_link(tx)
            .await?
            .and_then(|(_, hash)| hash)
            .unwrap_or_else(|| audit::GENESIS.to_string()));
    };
    let before: Option<Option<String>> = db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT hash FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(first)
    .fetch_optional(&mut *c)
    .await)?;
    let mut prev_hash = before
        .flatten()
        .unwrap_or_else(|| audit::GENESIS.to_string());
    for row in waiting {
        let id = row.id;
        let hash = audit::row_hash(&prev_hash, &row.into_chained().content);
        set_hashes(tx, id, &prev_hash, &hash).await?;
        prev_hash = hash;
    }
    Ok(prev_hash)
}

/// What `verify` found: the number of rows, the last row's id and hash, and every broken row.
pub type VerifyReport = audit::Walk;

/// Recomputes the whole chain in id order and names every edited, deleted or reordered row.
/// Reads every row at once: the walk matches hashes against the whole log to tell a moved row
/// from a deleted one (a commune's log is some hundred thousand short rows).
pub async fn verify(tx: &mut Tx) -> Result<VerifyReport, StoreError> {
    let rows: Vec<StoredRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {STORED_COLUMNS} FROM audit_log ORDER BY id"
    ))
    .fetch_all(&mut *c)
    .await)?;
    let rows: Vec<audit::ChainedRow> = rows.into_iter().map(StoredRow::into_chained).collect();
    Ok(audit::walk(&rows))
}

/// An officer's read of someone's personal data (a dossier's applicant, their papers), audited
/// like a change in a transaction of its own; a citizen reading their own is not recorded.
pub async fn record_staff_read(
    store: &crate::Store,
    at: DateTime<Utc>,
    user: &crate::identity::User,
    entity: &str,
    entity_id: &str,
    channel: &str,
) -> Result<(), StoreError> {
    if !user.is_official() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    record(
        &mut tx,
        at,
        &Actor::user(user.id, &user.username),
        &format!("{entity}.read"),
        entity,
        entity_id,
        serde_json::json!({ "channel": channel }),
    )
    .await?;
    tx.commit().await
}

pub async fn for_entity(
    tx: &mut Tx,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<AuditRow>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log
         WHERE entity = $1 AND entity_id = $2 ORDER BY id"
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_all(&mut *c)
    .await)?)
}
