//! Delivering the outbox: claiming due messages with a lease (any number of workers, in any number
//! of instances), sending them by SMTP or through an SMS gateway's HTTP API, and recording the
//! outcome — sent, retried later with a growing delay, or given up.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use uuid::Uuid;
use xaso_domain::notification::{retry_delay, Channel};

use super::MAX_ATTEMPTS;
use crate::{db, Backend, Store, StoreError};

/// An SMTP server to send e-mail through.
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the sender's address: the right-hand side of every Message-ID.
    domain: String,
}

impl Smtp {
    /// `url`: `smtp://HOST:PORT` (plain, for a relay on the same machine or network),
    /// `smtp://HOST:587?tls=required` (STARTTLS) or `smtps://HOST:465`; a user name in the URL
    /// (`smtp://xa-minhduc@mail.example.vn`) logs in with `password`. `from`: the sender, e.g.
    /// `UBND xã Minh Đức <khong-tra-loi@minhduc.gov.vn>`.
    pub fn new(url: &str, from: &str, password: Option<&str>) -> Result<Smtp, StoreError> {
        let bad = |why: String| StoreError::Config(format!("smtp_url “{url}”: {why}"));
        let from: Mailbox = from.parse().map_err(|e| {
            StoreError::Config(format!(
                "smtp_from “{from}” không phải địa chỉ thư (ví dụ: UBND xã Minh Đức <khong-tra-loi@minhduc.gov.vn>): {e}"
            ))
        })?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| bad(e.to_string()))?
            .timeout(Some(Duration::from_secs(30)));
        if let Some(password) = password {
            let user = url
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('@'))
                .map(|(user, _)| user.split(':').next().unwrap_or(user).to_string())
                .filter(|user| !user.is_empty())
                .ok_or_else(|| {
                    bad("có mật khẩu (XASO_SMTP_PASSWORD) nhưng URL không có tên đăng nhập".into())
                })?;
            builder = builder.credentials(Credentials::new(user, password.to_string()));
        }
        Ok(Smtp {
            transport: builder.build(),
            domain: from.email.domain().to_string(),
            from,
        })
    }

    async fn send(
        &self,
        id: Uuid,
        to: &str,
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Failure> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| Failure::permanent(format!("địa chỉ thư “{to}” không hợp lệ: {e}")))?;
        let message = lettre::Message::builder()
            .message_id(Some(format!("<{id}@{}>", self.domain)))
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .date(now.into())
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| Failure::permanent(format!("không tạo được thư: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // 5xx: the server refuses this message for good (unknown mailbox, policy).
            Err(e) if e.is_permanent() => {
                Err(Failure::permanent(format!("máy chủ thư từ chối: {e}")))
            }
            Err(e) => Err(Failure::transient(format!("gửi thư lỗi: {e}"))),
        }
    }
}

/// An SMS gateway reached over HTTP: `POST url` with a JSON body made from `template`, in which
/// `{so_dien_thoai}`, `{noi_dung}` and `{ma}` (the message id, also sent as `Idempotency-Key`)
/// are replaced by JSON string contents; a `token` goes as `Authorization: Bearer`.
#[derive(Clone)]
pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    template: String,
    token: Option<String>,
}

/// The body most gateways accept; a commune sets its own in `sms_template`.
pub const DEFAULT_SMS_TEMPLATE: &str =
    r#"{"to": "{so_dien_thoai}", "text": "{noi_dung}", "id": "{ma}"}"#;

/// `value` as it goes between the quotes of a JSON string.
fn json_inner(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

impl SmsGateway {
    pub fn new(
        url: &str,
        template: Option<&str>,
        token: Option<&str>,
    ) -> Result<SmsGateway, StoreError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(StoreError::Config(format!(
                "sms_url “{url}” phải bắt đầu bằng https:// hoặc http://"
            )));
        }
        let template = template.unwrap_or(DEFAULT_SMS_TEMPLATE).to_string();
        let probe = Self::fill(&template, "0912345678", "thử", Uuid::nil());
        serde_json::from_str::<serde_json::Value>(&probe).map_err(|e| {
            StoreError::Config(format!("sms_template không thành JSON hợp lệ: {e}"))
        })?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| StoreError::Config(format!("không tạo được HTTP client: {e}")))?;
        Ok(SmsGateway {
            client,
            url: url.to_string(),
            template,
            token: token.map(str::to_string),
        })
    }

    fn fill(template: &str, phone: &str, text: &str, id: Uuid) -> String {
        template
            .replace("{so_dien_thoai}", &json_inner(phone))
            .replace("{noi_dung}", &json_inner(text))
            .replace("{ma}", &id.to_string())
    }

    async fn send(&self, id: Uuid, phone: &str, text: &str) -> Result<(), Failure> {
        let mut request = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Idempotency-Key", id.to_string())
            .body(Self::fill(&self.template, phone, text, id));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::transient(format!("không gọi được cổng SMS: {e}")))?;
        answer_of("cổng SMS", response).await
    }
}

/// How an HTTP answer counts: 2xx delivered; 4xx other than throttling and timeouts is the
/// request's own fault (sending it again will not help); anything else may pass later.
pub(crate) async fn answer_of(who: &str, response: reqwest::Response) -> Result<(), Failure> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let why = format!("{who} trả {status}: {body}");
    if status.is_client_error() && status.as_u16() != 429 && status.as_u16() != 408 {
        Err(Failure::permanent(why))
    } else {
        Err(Failure::transient(why))
    }
}

/// The channels this instance can deliver on; a message for another is marked skipped.
#[derive(Clone, Default)]
pub struct Channels {
    pub email: Option<Smtp>,
    pub sms: Option<SmsGateway>,
}

pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) permanent: bool,
}

impl Failure {
    pub(crate) fn permanent(message: String) -> Failure {
        Failure {
            message,
            permanent: true,
        }
    }

    pub(crate) fn transient(message: String) -> Failure {
        Failure {
            message,
            permanent: false,
        }
    }
}

const NO_SMTP: &str = "chưa cấu hình máy chủ thư (smtp_url)";
const NO_SMS: &str = "chưa cấu hình cổng SMS (sms_url)";
const NOT_QUEUED: &str = "kênh không gửi qua hàng đợi";

#[derive(sqlx::FromRow)]
struct Claimed {
    id: Uuid,
    channel: String,
    recipient: String,
    subject: String,
    body: String,
    attempts: i64,
}

/// What one round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub sent: usize,
    /// Failed this time, to be tried again later.
    pub retrying: usize,
    /// Given up: refused for good, or out of attempts.
    pub failed: usize,
    /// No channel configured for them.
    pub skipped: usize,
}

impl Outcome {
    pub fn claimed(&self) -> usize {
        self.sent + self.retrying + self.failed + self.skipped
    }

    /// Counts one message by the state a delivery left it in.
    pub(crate) fn count(&mut self, status: &str) {
        match status {
            "sent" => self.sent += 1,
            "pending" => self.retrying += 1,
            "skipped" => self.skipped += 1,
            _ => self.failed += 1,
        }
    }

    fn add(&mut self, other: Outcome) {
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// Rounds of an outbox's delivery until nothing is due; what they did together.
pub async fn drain<F, Fut>(mut round: F) -> Result<Outcome, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, StoreError>>,
{
    let mut total = Outcome::default();
    loop {
        let outcome = round().await?;
        if outcome.claimed() == 0 {
            return Ok(total);
        }
        total.add(outcome);
    }
}

/// Rounds of an outbox's delivery until `stop` resolves: the next at once after a round that had
/// work, after `idle` otherwise (or after an error, which is logged with `what`).
pub(crate) async fn run_rounds<F, Fut>(
    what: &str,
    idle: Duration,
    stop: impl std::future::Future<Output = ()>,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, StoreError>>,
{
    tokio::pin!(stop);
    loop {
        let pause = match round().await {
            Ok(outcome) if outcome.claimed() > 0 => Duration::ZERO,
            Ok(_) => idle,
            Err(e) => {
                tracing::warn!("{what} lỗi: {e}");
                idle
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// A delivery worker. `owner` names it in the leases it takes; `lease` must outlast one send
/// (SMTP and HTTP time out after 30 seconds).
pub struct Worker {
    pub store: Store,
    pub channels: Channels,
    pub owner: String,
    pub lease: chrono::Duration,
    pub batch: i64,
}

impl Worker {
    pub fn new(store: Store, channels: Channels) -> Worker {
        Worker {
            store,
            channels,
            owner: format!("{}-{}", std::process::id(), crate::new_id()),
            lease: chrono::Duration::minutes(2),
            batch: 20,
        }
    }

    /// Takes due messages — pending ones whose time has come, and those whose worker's lease ran
    /// out (it died or hung mid-send) — for this worker. PostgreSQL skips rows another worker is
    /// claiming; SQLite has one writer at a time. Due messages of a channel this worker cannot send
    /// through are set aside in the same transaction (how many is returned): a commune without an
    /// SMTP server or SMS gateway otherwise spent one write transaction on each, a quarter of the
    /// write lock's time during the lifecycle benchmark.
    async fn claim(&self, now: DateTime<Utc>) -> Result<(Vec<Claimed>, usize), StoreError> {
        let lock = match self.store.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let due = "((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1))";
        let sendable = [
            (Channel::Email, self.channels.email.is_some()),
            (Channel::Sms, self.channels.sms.is_some()),
        ]
        .iter()
        .filter(|(_, configured)| *configured)
        .map(|(channel, _)| format!("'{}'", channel.key()))
        .collect::<Vec<_>>()
        .join(", ");
        let (unsendable, sendable) = if sendable.is_empty() {
            (String::new(), None)
        } else {
            (format!("AND channel NOT IN ({sendable})"), Some(sendable))
        };
        let mut tx = self.store.begin().await?;
        let skipped = db!(tx.conn(), |c| {
            sqlx::query(&format!(
                "UPDATE notifications SET status = 'skipped', attempts = attempts + 1, lease_owner = NULL, lease_until = NULL,
                     last_error = CASE channel WHEN 'email' THEN $2 WHEN 'sms' THEN $3 ELSE $4 END
                 WHERE id IN (SELECT id FROM notifications WHERE {due} {unsendable}
                              ORDER BY next_attempt_at, id LIMIT $5 {lock})"
            ))
            .bind(now)
            .bind(NO_SMTP)
            .bind(NO_SMS)
            .bind(NOT_QUEUED)
            .bind(crate::IDS_PER_STATEMENT as i64)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        let mut claimed: Vec<Claimed> = match sendable {
            None => Vec::new(),
            Some(sendable) => db!(tx.conn(), |c| {
                sqlx::query_as(&format!(
                "UPDATE notifications SET status = 'sending', lease_owner = $2, lease_until = $3, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM notifications WHERE {due} AND channel IN ({sendable})
                              ORDER BY next_attempt_at, id LIMIT $4 {lock})
                 RETURNING id, channel, recipient, subject, body, attempts"
            ))
            .bind(now)
            .bind(&self.owner)
            .bind(now + self.lease)
            .bind(self.batch)
            .fetch_all(&mut *c)
            .await
            })?,
        };
        tx.commit().await?;
        // UUIDv7 ids are in order of creation: a recipient gets their messages in order.
        claimed.sort_by_key(|m| m.id);
        Ok((claimed, usize::try_from(skipped).unwrap_or(usize::MAX)))
    }

    /// Records how a claimed message went, if this worker still holds its lease.
    async fn record(
        &self,
        message: &Claimed,
        result: Result<(), Failure>,
        now: DateTime<Utc>,
    ) -> Result<&'static str, StoreError> {
        let attempts = u32::try_from(message.attempts).unwrap_or(u32::MAX);
        let (status, next, error) = match &result {
            Ok(()) => ("sent", now, None),
            Err(failure) => {
                match retry_delay(attempts, MAX_ATTEMPTS).filter(|_| !failure.permanent) {
                    Some(delay) => ("pending", now + delay, Some(failure.message.as_str())),
                    None => ("failed", now, Some(failure.message.as_str())),
                }
            }
        };
        let mut tx = self.store.begin().await?;
        let updated = db!(tx.conn(), |c| {
            sqlx::query(
            "UPDATE notifications SET status = $1, next_attempt_at = $2, last_error = $3, lease_owner = NULL,
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
        tx.commit().await?;
        if updated == 0 {
            tracing::warn!(id = %message.id, "thông báo đã được tiến trình khác nhận lại (hết hạn giữ) trước khi ghi kết quả");
        }
        Ok(status)
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
            let result = match (
                Channel::parse(&message.channel),
                &self.channels.email,
                &self.channels.sms,
            ) {
                (Some(Channel::Email), Some(smtp), _) => {
                    smtp.send(
                        message.id,
                        &message.recipient,
                        &message.subject,
                        &message.body,
                        clock(),
                    )
                    .await
                }
                (Some(Channel::Sms), _, Some(sms)) => {
                    sms.send(message.id, &message.recipient, &message.body)
                        .await
                }
                // The claim takes only the channels configured here.
                _ => Err(Failure::permanent(format!(
                    "kênh {} không gửi được",
                    message.channel
                ))),
            };
            if let Err(failure) = &result {
                tracing::warn!(id = %message.id, channel = %message.channel, "gửi thông báo lỗi: {}", failure.message);
            }
            outcome.count(self.record(&message, result, clock()).await?);
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
        run_rounds("hàng đợi thông báo", idle, stop, || {
            self.deliver_due(clock)
        })
        .await;
    }
}
