//! Messages to other systems through one transactional outbox: every status change of a dossier
//! for the national portal, and the events integrators subscribed to as signed webhooks. Rows are
//! written in the transaction of the change; [`deliver::Worker`] sends them, a dossier's messages
//! to one destination in the order of its versions.

pub mod deliver;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::dossier::Status;
use xaso_domain::integration::{self, portal_time, Event, PortalRecord, PortalStep, Target};

use crate::audit::{self, Actor};
use crate::dossier::DossierView;
use crate::{db, new_id, StoreError, Tx};

pub use deliver::{drain, Endpoints, Outcome, Worker};

/// A webhook subscription (its secret is shown once, when it is made).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    pub events: String,
    #[serde(skip)]
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// One message of the outbox, as the delivery log shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub target: String,
    pub subscription_id: Option<Uuid>,
    pub event: String,
    pub dossier_code: String,
    pub dossier_version: i64,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub replay_of: Option<Uuid>,
    pub payload: String,
}

/// Subscribes `url` to `events`; returns the subscription with its signing secret.
pub async fn subscribe(
    tx: &mut Tx,
    url: &str,
    events: &[Event],
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Subscription, StoreError> {
    integration::check_url(url).map_err(StoreError::Invalid)?;
    if events.is_empty() {
        return Err(StoreError::Invalid(
            "cần ít nhất một loại sự kiện (dossier.status_changed, dossier.action)".into(),
        ));
    }
    let subscription = Subscription {
        id: new_id(),
        url: url.to_string(),
        events: events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        secret: format!("whsec_{}", crate::identity::random_token()),
        created_at: now,
        created_by: actor.label.clone(),
        disabled_at: None,
    };
    db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO webhook_subscriptions (id, url, events, secret, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(subscription.id)
    .bind(&subscription.url)
    .bind(&subscription.events)
    .bind(&subscription.secret)
    .bind(now)
    .bind(&subscription.created_by)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    audit::record(
        tx,
        now,
        actor,
        "webhook.subscribe",
        "webhook",
        &subscription.id.to_string(),
        serde_json::json!({ "url": url, "events": subscription.events }),
    )
    .await?;
    Ok(subscription)
}

pub async fn subscriptions(tx: &mut Tx) -> Result<Vec<Subscription>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT id, url, events, secret, created_at, created_by, disabled_at FROM webhook_subscriptions
         ORDER BY created_at, id"
    )
    .fetch_all(&mut *c)
    .await
    })?)
}

/// Stops a subscription: nothing more is queued for it (what is queued is still sent).
pub async fn disable(
    tx: &mut Tx,
    id: Uuid,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let changed = db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE webhook_subscriptions SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!(
            "không có đăng ký webhook {id} đang hoạt động"
        )));
    }
    audit::record(
        tx,
        now,
        actor,
        "webhook.disable",
        "webhook",
        &id.to_string(),
        serde_json::json!({}),
    )
    .await
}

const DELIVERY_COLUMNS: &str =
    "id, target, subscription_id, event, dossier_code, dossier_version, status, attempts,
    next_attempt_at, last_error, created_at, sent_at, replay_of, payload";

/// The delivery log of a subscription (`None`: the portal's), newest first.
pub async fn deliveries(
    tx: &mut Tx,
    subscription: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbound_messages
         WHERE subscription_id IS NOT DISTINCT FROM $1 AND target = $2
         ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(subscription)
    .bind(if subscription.is_some() {
        "webhook"
    } else {
        "portal"
    })
    .bind(limit)
    .fetch_all(&mut *c)
    .await)?)
}

/// Every try of a message: (attempt, time, HTTP status, error).
pub async fn attempts(
    tx: &mut Tx,
    message: Uuid,
) -> Result<Vec<(i64, DateTime<Utc>, Option<i64>, Option<String>)>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT attempt, at, http_status, error FROM outbound_attempts WHERE message_id = $1 ORDER BY attempt"
    )
    .bind(message)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// Sends a logged message again, as a new message with the same payload (so the receiver sees
/// the same event id); returns the new message's id.
pub async fn replay(
    tx: &mut Tx,
    message: Uuid,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Uuid, StoreError> {
    let id = new_id();
    let copied = db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO outbound_messages (id, target, subscription_id, event, dossier_id, dossier_code, dossier_version,
             payload, replay_of, status, attempts, next_attempt_at, created_at)
         SELECT $1, target, subscription_id, event, dossier_id, dossier_code, dossier_version, payload, id,
             'pending', 0, $2, $2
         FROM outbound_messages WHERE id = $3"
    )
    .bind(id)
    .bind(now)
    .bind(message)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if copied == 0 {
        return Err(StoreError::NotFound(format!("không có lần gửi {message}")));
    }
    audit::record(
        tx,
        now,
        actor,
        "webhook.replay",
        "outbound_message",
        &message.to_string(),
        serde_json::json!({ "replay": id }),
    )
    .await?;
    Ok(id)
}

/// How many messages wait or failed, by destination and state (for `xaso integrations status`
/// and the metrics).
pub async fn counts(tx: &mut Tx) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT target, status, COUNT(*) FROM outbound_messages GROUP BY target, status ORDER BY target, status"
    )
    .fetch_all(&mut *c)
    .await
    })?)
}

/// The portal's record of a dossier as it stands.
pub fn portal_record(view: &DossierView) -> PortalRecord {
    let time = |at: Option<DateTime<Utc>>| at.map(portal_time);
    PortalRecord {
        ma_ho_so: view.code.clone(),
        ma_tthc: view.procedure_code.clone(),
        trang_thai_ho_so: view.status.code,
        ngay_nop_ho_so: portal_time(view.submitted_at),
        ngay_tiep_nhan: time(view.received_at),
        ngay_hen_tra: time(view.due_at),
        ngay_ket_thuc_xu_ly: time(view.resolved_at),
        ngay_yeu_cau_bo_sung: time(view.supplement.as_ref().map(|s| s.at)),
        ngay_tra: time(view.ended_at.filter(|_| view.status.code == 10)),
        kenh_thuc_hien: view.channel.code(),
        ma_ket_qua: view.result.as_ref().map(|r| r.number.clone()),
        qua_trinh_xu_ly: view
            .history
            .iter()
            .map(|h| PortalStep {
                nguoi_xu_ly: h.actor.clone(),
                don_vi_xu_ly: h.agency_code.clone().unwrap_or_default(),
                noi_dung: if h.content.is_empty() {
                    h.action.clone()
                } else {
                    h.content.clone()
                },
                thoi_gian: portal_time(h.at),
            })
            .collect(),
        phien_ban: view.version,
    }
}

struct NewMessage<'a> {
    target: Target,
    subscription: Option<Uuid>,
    event: &'a str,
    payload: String,
}

async fn enqueue(
    tx: &mut Tx,
    view: &DossierView,
    message: NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO outbound_messages (id, target, subscription_id, event, dossier_id, dossier_code, dossier_version,
             payload, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9)"
    )
    .bind(new_id())
    .bind(message.target.as_str())
    .bind(message.subscription)
    .bind(message.event)
    .bind(view.id)
    .bind(&view.code)
    .bind(view.version)
    .bind(&message.payload)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// Queues what a dossier's change tells other systems, in the change's transaction: the
/// portal's record on every status change (and on arrival), and each active subscription's
/// events. `action` is `None` for the submission itself.
pub(crate) async fn on_dossier(
    tx: &mut Tx,
    view: &DossierView,
    before: Status,
    action: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let status_changed = action.is_none() || before.code() != view.status.code;
    let event = if status_changed {
        Event::DossierStatusChanged
    } else {
        Event::DossierAction
    };
    if status_changed {
        let payload = serde_json::to_string(&portal_record(view))
            .map_err(|e| StoreError::Foreign(e.to_string()))?;
        let portal = NewMessage {
            target: Target::Portal,
            subscription: None,
            event: event.as_str(),
            payload,
        };
        enqueue(tx, view, portal, now).await?;
    }
    for subscription in subscriptions(tx).await? {
        if subscription.disabled_at.is_some() {
            continue;
        }
        let wanted: Vec<&str> = subscription.events.split(' ').collect();
        // One message per change: the status change when there is one and it is wanted,
        // otherwise the plain action.
        let sent = [event, Event::DossierAction]
            .into_iter()
            .find(|e| wanted.contains(&e.as_str()));
        let Some(sent) = sent else { continue };
        let body = serde_json::json!({
            "event": sent.as_str(),
            "occurred_at": now,
            "dossier": {
                "code": view.code,
                "procedure_code": view.procedure_code,
                "version": view.version,
                "status": { "code": view.status.code, "name": view.status.name },
                "status_before": before.code(),
                "action": action,
                "handling_commune": view.handling_commune,
            }
        });
        let webhook = NewMessage {
            target: Target::Webhook,
            subscription: Some(subscription.id),
            event: sent.as_str(),
            payload: body.to_string(),
        };
        enqueue(tx, view, webhook, now).await?;
    }
    Ok(())
}
