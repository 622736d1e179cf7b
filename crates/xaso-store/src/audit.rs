//! The audit log: every change of state writes a row in the same transaction as the change.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{db, StoreError, Tx};

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

pub async fn record(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    let details = details.to_string();
    db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(at)
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(&details)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(())
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
