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

/// The end of the audit chain: its last row's id (0 for an empty log) and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    id: i64,
    hash: String,
}

/// The chain's end as this process's last committed append left it, tried by SQLite's appends.
/// Another process may have appended since (a command run beside the server): the append checks,
/// in its own statement, that the log still ends there, and reads the end when it does not. The
/// end is never trusted, only tried: it saves the read of the chain's last row, one of a dossier
/// step's twenty statements (and writing the row whole another).
#[derive(Default)]
pub(crate) struct KnownChainEnd {
    link: std::sync::Mutex<Option<Link>>,
}

impl KnownChainEnd {
    fn get(&self) -> Option<Link> {
        self.link.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A committed append; an older end learnt late (commits finish in any order) is ignored.
    pub(crate) fn learn(&self, end: Link) {
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        if link.as_ref().is_none_or(|known| known.id < end.id) {
            *link = Some(end);
        }
    }
}

/// Appends a row to the audit chain, inside the caller's transaction.
///
/// The row's id is part of its hash. On PostgreSQL the row is inserted first (the id comes from
/// its identity column) and chained just after; the append-only triggers allow exactly this one
/// update. The chain's lock is taken before the insert and held until commit, so ids are handed
/// out in chain order even with several instances writing at once. On SQLite the write lock
/// is held already: the row is written whole, with the next id, in one statement.
pub async fn record(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    // PostgreSQL keeps microseconds: store what will be read back, so the hash stays true.
    let mut content = audit::RowContent {
        id: 0,
        at: at.trunc_subsecs(6),
        actor_id: actor.user_id.map(|u| u.to_string()),
        actor: actor.label.clone(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        details: details.to_string(),
    };
    let appended = if matches!(tx.conn(), Conn::Sqlite(_)) {
        append_on_sqlite(tx, &mut content, actor.user_id).await?
    } else {
        append_on_postgres(tx, &mut content, actor.user_id).await?
    };
    tx.remembered.audit_head = Some(appended);
    Ok(())
}

/// SQLite: the row written whole after the chain's end, in one statement. The end tried first is
/// the row this transaction appended last (still the last: the write lock is held from the first
/// append to the end), else the end this process last committed; the log is read only when
/// that is not the end any more.
async fn append_on_sqlite(
    tx: &mut Tx,
    content: &mut audit::RowContent,
    actor_id: Option<Uuid>,
) -> Result<Link, StoreError> {
    let known = tx
        .remembered
        .audit_head
        .take()
        .or_else(|| tx.remembered.known_chain_end.get());
    if let Some(end) = known {
        if let Some(appended) = append_after(tx, &end, content, actor_id).await? {
            return Ok(appended);
        }
    }
    let end = chain_end(tx).await?;
    append_after(tx, &end, content, actor_id)
        .await?
        .ok_or_else(|| {
            StoreError::Conflict(
                "nhật ký kiểm toán vừa được ghi thêm từ nơi khác; hãy thử lại".into(),
            )
        })
}

/// Writes `content` as the row after `end`, chained, if the log still ends with that row (its id
/// and its hash: a log put back from a backup may have as many rows); the new end. SQLite only:
/// PostgreSQL's ids are generated by the identity column, never given.
async fn append_after(
    tx: &mut Tx,
    end: &Link,
    content: &mut audit::RowContent,
    actor_id: Option<Uuid>,
) -> Result<Option<Link>, StoreError> {
    content.id = end.id + 1;
    let hash = audit::row_hash(&end.hash, content);
    let written = db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor, action, entity, entity_id, details, prev_hash, hash)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
         WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id > $11)
           AND ($11 = 0 OR EXISTS (SELECT 1 FROM audit_log WHERE id = $11 AND hash = $9))"
    )
    .bind(content.id)
    .bind(content.at)
    .bind(actor_id)
    .bind(&content.actor)
    .bind(&content.action)
    .bind(&content.entity)
    .bind(&content.entity_id)
    .bind(&content.details)
    .bind(&end.hash)
    .bind(&hash)
    .bind(end.id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok((written == 1).then_some(Link {
        id: content.id,
        hash,
    }))
}

/// PostgreSQL: the row inserted first, its id coming from the identity column (which another
/// instance's appends share), then chained.
async fn append_on_postgres(
    tx: &mut Tx,
    content: &mut audit::RowContent,
    actor_id: Option<Uuid>,
) -> Result<Link, StoreError> {
    let end = match tx.remembered.audit_head.take() {
        Some(end) => end,
        None => chain_end(tx).await?,
    };
    content.id = db!(tx.conn(), |c| sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(content.at)
    .bind(actor_id)
    .bind(&content.actor)
    .bind(&content.action)
    .bind(&content.entity)
    .bind(&content.entity_id)
    .bind(&content.details)
    .fetch_one(&mut *c)
    .await)?;
    let hash = audit::row_hash(&end.hash, content);
    set_hashes(tx, content.id, &end.hash, &hash).await?;
    Ok(Link {
        id: content.id,
        hash,
    })
}

/// The chain's end read from the log (the chain's lock taken first), rows an older instance
/// left unchained chained on the way.
async fn chain_end(tx: &mut Tx) -> Result<Link, StoreError> {
    lock_chain(tx).await?;
    Ok(match last_link(tx).await? {
        None => Link {
            id: 0,
            hash: audit::GENESIS.to_string(),
        },
        Some((id, Some(hash))) => Link { id, hash },
        // Rows from before the chain existed (or from an older instance still running).
        Some((id, None)) => Link {
            id,
            hash: seal_unchained(tx).await?,
        },
    })
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

#[cfg(test)]
mod tests {
    use super::{KnownChainEnd, Link};

    fn link(id: i64) -> Link {
        Link {
            id,
            hash: format!("{id:064}"),
        }
    }

    /// Commits end in any order: an end learnt after a later one is not the chain's end.
    #[test]
    fn the_known_end_only_moves_forward() {
        let known = KnownChainEnd::default();
        assert_eq!(known.get(), None);
        known.learn(link(5));
        known.learn(link(3));
        assert_eq!(known.get(), Some(link(5)));
        known.learn(link(6));
        assert_eq!(known.get(), Some(link(6)));
    }
}
