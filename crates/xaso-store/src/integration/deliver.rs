//! The delivery worker of the integration outbox: the portal's sync messages and webhooks over
//! HTTP, each try in the delivery log, retried by `xaso_domain::integration::retry_delay`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::integration::{retry_delay, signature, Target};

use crate::notification::deliver::{answer_of, run_rounds, Failure};
use crate::{db, Backend, Store, StoreError};

pub use crate::notification::{drain, Outcome};

/// Where the national portal takes the status sync (its address, and the token it gave us).
#[derive(Clone, Default)]
pub struct Endpoints {
    pub portal_url: Option<String>,
    pub portal_token: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: Uuid,
    target: String,
    event: String,
    payload: String,
    attempts: i64,
    url: Option<String>,
    secret: Option<String>,
}

/// How one send went.
enum Sent {
    /// No portal is configured: the message is set aside, with the reason.
    Skipped,
    /// Sent (or tried): the HTTP status when one came back, and whether it was delivered.
    Tried(Option<i64>, Result<(), Failure>),
}

const NO_PORTAL: &str = "chưa cấu hình cổng dịch vụ công quốc gia (portal_url)";

/// A delivery worker; several may run, in one instance or several.
pub struct Worker {
    store: Store,
    endpoints: Endpoints,
    client: reqwest::Client,
    owner: String,
    pub lease: chrono::Duration,
    batch: i64,
}

impl Worker {
    pub fn new(store: Store, endpoints: Endpoints) -> Result<Worker, StoreError> {
        if let Some(url) = &endpoints.portal_url {
            xaso_domain::integration::check_url(url)
                .map_err(|e| StoreError::Config(format!("portal_url: {e}")))?;
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| StoreError::Config(format!("không tạo được HTTP client: {e}")))?;
        Ok(Worker {
            store,
            endpoints,
            client,
            owner: format!("{}-{}", std::process::id(), crate::new_id()),
            lease: chrono::Duration::minutes(2),
            batch: 20,
        })
    }

    /// Takes due messages whose chain has nothing earlier still waiting: a dossier's messages to
    /// one destination leave in the order of its versions, however many workers run. The earlier
    /// message is looked for with `dossier_version <=` as a plain condition, so that it is a range
    /// of the chain index: written as one OR, SQLite walked every message without subscription (74
    /// ms a claim over a few thousand portal messages, holding the write lock).
    ///
    /// Without a portal configured, its due copies are set aside in the same transaction, each
    /// with its try in the delivery log (how many is returned): one write transaction apiece
    /// was a quarter of the write lock's time during the lifecycle benchmark.
    async fn claim(&self, now: DateTime<Utc>) -> Result<(Vec<Claimed>, usize), StoreError> {
        let lock = match self.store.backend() {
            Backend::Postgres => "FOR UPDATE OF m SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let due = "((m.status = 'pending' AND m.next_attempt_at <= $1) OR (m.status = 'sending' AND m.lease_until < $1))";
        let mut tx = self.store.begin().await?;
        let mut skipped = 0;
        if self.endpoints.portal_url.is_none() {
            let ids: Vec<Uuid> = db!(tx.conn(), |c| {
                sqlx::query_scalar(&format!(
                "UPDATE outbound_messages SET status = 'skipped', attempts = attempts + 1, last_error = $2,
                     lease_owner = NULL, lease_until = NULL
                 WHERE id IN (SELECT m.id FROM outbound_messages m WHERE m.target = $3 AND {due}
                              ORDER BY m.next_attempt_at, m.id LIMIT $4 {lock})
                 RETURNING id"
            ))
            .bind(now)
            .bind(NO_PORTAL)
            .bind(Target::Portal.as_str())
            .bind(crate::IDS_PER_STATEMENT as i64)
            .fetch_all(&mut *c)
            .await
            })?;
            skipped = ids.len();
            if !ids.is_empty() {
                let log = format!(
                    "INSERT INTO outbound_attempts (message_id, attempt, at, http_status, error)
                     SELECT id, attempts, ${}, NULL, ${} FROM outbound_messages WHERE id IN ({})",
                    ids.len() + 1,
                    ids.len() + 2,
                    crate::placeholders(ids.len())
                );
                db!(tx.conn(), |c| {
                    let mut query = sqlx::query(&log);
                    for id in &ids {
                        query = query.bind(*id);
                    }
                    query
                        .bind(now)
                        .bind(NO_PORTAL)
                        .execute(&mut *c)
                        .await
                        .map(|_| ())
                })?;
            }
        }
        let sql = format!(
            "UPDATE outbound_messages SET status = 'sending', lease_owner = $2, lease_until = $3, attempts = attempts + 1
             WHERE id IN (
                 SELECT m.id FROM outbound_messages m
                 WHERE {due}
                   AND NOT EXISTS (
                       SELECT 1 FROM outbound_messages e
                       WHERE e.dossier_id = m.dossier_id AND e.target = m.target
                         AND e.dossier_version <= m.dossier_version
                         AND e.subscription_id IS NOT DISTINCT FROM m.subscription_id
                         AND e.status IN ('pending', 'sending') AND e.id <> m.id
                         AND (e.dossier_version < m.dossier_version OR e.created_at < m.created_at))
                 ORDER BY m.next_attempt_at, m.id LIMIT $4 {lock})
             RETURNING id, target, event, payload, attempts,
                 (SELECT url FROM webhook_subscriptions s WHERE s.id = outbound_messages.subscription_id) AS url,
                 (SELECT secret FROM webhook_subscriptions s WHERE s.id = outbound_messages.subscription_id) AS secret"
        );
        let claimed = db!(tx.conn(), |c| sqlx::query_as(&sql)
            .bind(now)
            .bind(&self.owner)
            .bind(now + self.lease)
            .bind(self.batch)
            .fetch_all(&mut *c)
            .await)?;
        tx.commit().await?;
        Ok((claimed, skipped))
    }

    /// Sends one message: the HTTP status answered (if any) and whether it counts as delivered.
    async fn send(&self, message: &Claimed, now: DateTime<Utc>) -> Sent {
        let (url, request) = if message.target == Target::Portal.as_str() {
            let Some(url) = &self.endpoints.portal_url else {
                return Sent::Skipped;
            };
            let mut request = self.client.post(url);
            if let Some(token) = &self.endpoints.portal_token {
                request = request.bearer_auth(token);
            }
            (url.as_str(), request)
        } else {
            let (Some(url), Some(secret)) = (&message.url, &message.secret) else {
                return Sent::Tried(
                    None,
                    Err(Failure::permanent("đăng ký webhook không còn".into())),
                );
            };
            let request = self
                .client
                .post(url)
                .header("X-Xaso-Event", &message.event)
                .header("X-Xaso-Delivery", message.id.to_string())
                .header(
                    "X-Xaso-Signature",
                    signature(secret, now.timestamp(), message.payload.as_bytes()),
                );
            (url.as_str(), request)
        };
        let sent = request
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Idempotency-Key", message.id.to_string())
            .body(message.payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = i64::from(response.status().as_u16());
                Sent::Tried(Some(status), answer_of(url, response).await)
            }
            Err(e) => Sent::Tried(
                None,
                Err(Failure::transient(format!("không gọi được {url}: {e}"))),
            ),
        }
    }

    /// Records a try in the delivery log and its outcome on the message, if this worker still
    /// holds the lease.
    async fn record(
        &self,
        message: &Claimed,
        sent: &Sent,
        now: DateTime<Utc>,
    ) -> Result<&'static str, StoreError> {
        let target = if message.target == Target::Portal.as_str() {
            Target::Portal
        } else {
            Target::Webhook
        };
        let attempts = u32::try_from(message.attempts).unwrap_or(u32::MAX);
        let (status, next, http_status, error) = match sent {
            Sent::Skipped => ("skipped", now, None, Some(NO_PORTAL)),
            Sent::Tried(http, Ok(())) => ("sent", now, *http, None),
            Sent::Tried(http, Err(failure)) => {
                let error = Some(failure.message.as_str());
                match retry_delay(target, attempts).filter(|_| !failure.permanent) {
                    Some(delay) => ("pending", now + delay, *http, error),
                    None => ("failed", now, *http, error),
                }
            }
        };
        let mut tx = self.store.begin().await?;
        let updated = db!(tx.conn(), |c| {
            sqlx::query(
            "UPDATE outbound_messages SET status = $1, next_attempt_at = $2, last_error = $3, lease_owner = NULL,
                 lease_until = NULL, sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END
             WHERE id = $5 AND lease_owner = $6 AND status = 'sending'"
        )
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(now)
        .bind(message.id)
        .bind(&self.owner)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if updated == 1 {
            db!(tx.conn(), |c| {
                sqlx::query(
                "INSERT INTO outbound_attempts (message_id, attempt, at, http_status, error) VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(message.id)
            .bind(message.attempts)
            .bind(now)
            .bind(http_status)
            .bind(error)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        tx.commit().await?;
        Ok(if updated == 1 { status } else { "lost" })
    }

    /// One round: claims a batch of due messages and delivers them one by one.
    pub async fn deliver_due(
        &self,
        clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    ) -> Result<Outcome, StoreError> {
        let (claimed, skipped) = self.claim(clock()).await?;
        let mut outcome = Outcome {
            skipped,
            ..Outcome::default()
        };
        for message in claimed {
            let sent = self.send(&message, clock()).await;
            if let Sent::Tried(_, Err(failure)) = &sent {
                tracing::warn!(id = %message.id, target = %message.target, "gửi sang hệ thống khác lỗi: {}", failure.message);
            }
            outcome.count(self.record(&message, &sent, clock()).await?);
        }
        Ok(outcome)
    }

    /// Delivers until `stop` resolves: a round, then a pause of `idle` when there was nothing to do.
    pub async fn run(
        &self,
        clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
        idle: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        run_rounds("hàng đợi tích hợp", idle, stop, || {
            self.deliver_due(clock)
        })
        .await;
    }
}
