//! Messages to citizens (issue 11): the transactional outbox. The event's own transaction writes
//! one row per channel the recipient can be reached on (e-mail, SMS, the portal), rendered from the
//! templates; workers of any instance claim due rows with a lease (`deliver`), so a message is
//! never lost with the event and never sent by two workers at once while the lease holds.
//!
//! Delivery is at least once: a worker that dies after the SMTP server accepted a message but
//! before recording it leaves the row to be claimed again when its lease runs out, and the message
//! goes again under the same id (Message-ID / Idempotency-Key), by which the receiver suppresses
//! the duplicate.

pub(crate) mod deliver;
mod events;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::notification::{Channel, Event, Notice, Templates};

pub use deliver::{drain, Channels, Outcome, SmsGateway, Smtp, Worker};
pub(crate) use events::{on_dossier, on_feedback_answered};

use crate::dossier::DossierRules;
use crate::{db, new_id, StoreError, Tx};

/// Delivery attempts before a message is given up.
pub const MAX_ATTEMPTS: u32 = 8;

/// The templates and the address citizens reach the portal by, for the links in messages.
#[derive(Debug, Clone)]
pub struct Notices {
    pub templates: Templates,
    /// e.g. `https://dichvucong.minhduc.gov.vn`, without a trailing slash.
    pub public_url: String,
}

impl Notices {
    pub fn new(templates: Templates, public_url: &str) -> Notices {
        Notices {
            templates,
            public_url: public_url.trim().trim_end_matches('/').to_string(),
        }
    }

    /// The full address of a page of the portal.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_url)
    }
}

/// Whom a message is for, and where they can be reached.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The account (id, user name) whose portal inbox gets the message.
    pub user: Option<(Uuid, String)>,
}

/// What a message is about (shown with the dossier or the feedback item).
#[derive(Debug, Clone, Copy, Default)]
pub struct About {
    pub dossier: Option<Uuid>,
    pub feedback: Option<Uuid>,
}

/// An address that can take mail: one `@`, something on each side, no spaces.
fn looks_like_email(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !text.chars().any(char::is_whitespace))
}

/// A phone number an SMS gateway takes: 9 to 15 digits, an optional leading `+`.
fn looks_like_phone(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    (9..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

impl Recipient {
    /// Sorts a free-text contact ("0912 345 678", "an@example.vn") into e-mail or phone.
    pub fn with_contact(mut self, contact: Option<&str>) -> Recipient {
        let Some(contact) = contact.map(str::trim).filter(|c| !c.is_empty()) else {
            return self;
        };
        let compact: String = contact
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
            .collect();
        if looks_like_email(contact) {
            self.email = Some(contact.to_string());
        } else if looks_like_phone(&compact) {
            self.phone = Some(compact);
        }
        self
    }
}

/// Writes the messages of `notice` for `to` into the outbox, inside the caller's transaction.
/// Portal messages are delivered by being written; the others wait for a worker.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    rules: &DossierRules,
    notice: &Notice,
    to: &Recipient,
    about: About,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let rendered = rules.notices.templates.render(notice);
    let mut rows: Vec<(Channel, String, Option<Uuid>, &str)> = Vec::new();
    if let Some(email) = to.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        rows.push((Channel::Email, email.to_string(), None, &rendered.body));
    }
    if let Some(phone) = to.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        rows.push((Channel::Sms, phone.to_string(), None, &rendered.short));
    }
    if let Some((user_id, username)) = &to.user {
        rows.push((
            Channel::InApp,
            username.clone(),
            Some(*user_id),
            &rendered.short,
        ));
    }
    for (channel, recipient, user_id, body) in &rows {
        let in_app = *channel == Channel::InApp;
        db!(tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO notifications (id, event, channel, recipient, user_id, dossier_id, feedback_id, subject,
                 body, status, attempts, next_attempt_at, created_at, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11, $12)"
        )
        .bind(new_id())
        .bind(notice.event.key())
        .bind(channel.key())
        .bind(recipient)
        .bind(user_id)
        .bind(about.dossier)
        .bind(about.feedback)
        .bind(&rendered.subject)
        .bind(body)
        .bind(if in_app { "sent" } else { "pending" })
        .bind(now)
        .bind(in_app.then_some(now))
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
    }
    Ok(rows.len())
}

/// A message as officers and its recipient see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Message {
    pub id: Uuid,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

impl Message {
    pub fn event_label(&self) -> &'static str {
        Event::parse(&self.event).map_or("", Event::label)
    }

    pub fn channel_label(&self) -> &'static str {
        Channel::parse(&self.channel).map_or("", Channel::label)
    }

    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" if self.attempts > 0 => "Gửi lỗi, sẽ gửi lại",
            "pending" => "Chờ gửi",
            "sending" => "Đang gửi",
            "sent" => "Đã gửi",
            "failed" => "Không gửi được",
            "skipped" => "Không gửi (chưa cấu hình kênh)",
            _ => "",
        }
    }
}

const MESSAGE_COLUMNS: &str =
    "id, event, channel, recipient, subject, body, status, attempts, last_error,
    created_at, sent_at, read_at, next_attempt_at";

/// The messages sent about a dossier, by its id.
pub(crate) async fn about_dossier(
    tx: &mut Tx,
    dossier_id: Uuid,
) -> Result<Vec<Message>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM notifications WHERE dossier_id = $1 ORDER BY created_at, id"
    ))
    .bind(dossier_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// An account's portal inbox, newest first.
pub async fn inbox(tx: &mut Tx, user_id: Uuid, limit: i64) -> Result<Vec<Message>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM notifications WHERE user_id = $1 AND channel = 'in_app'
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(&mut *c)
    .await)?)
}

/// Marks an account's portal messages read; returns how many were unread.
pub async fn mark_read(tx: &mut Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND channel = 'in_app' AND read_at IS NULL"
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?)
}

/// Messages waiting for delivery (pending or being sent) per channel and state: the backlog, for
/// `/metrics` (an index range, however many messages were ever sent).
pub async fn backlog(tx: &mut Tx) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT channel, status, COUNT(*) FROM notifications WHERE status IN ('pending', 'sending')
         GROUP BY channel, status ORDER BY channel, status"
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// How many messages are in each delivery state (for `xaso notifications status`).
pub async fn counts(tx: &mut Tx) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT channel, status, COUNT(*) FROM notifications GROUP BY channel, status ORDER BY channel, status"
    )
    .fetch_all(&mut *c)
    .await
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_sorted_into_mail_and_phone() {
        let mail = Recipient::default().with_contact(Some(" an.nguyen@example.vn "));
        assert_eq!(mail.email.as_deref(), Some("an.nguyen@example.vn"));
        let phone = Recipient::default().with_contact(Some("0912 345.678"));
        assert_eq!(phone.phone.as_deref(), Some("0912345678"));
        let neither = Recipient::default().with_contact(Some("gọi cho tôi"));
        assert!(neither.email.is_none() && neither.phone.is_none());
        assert!(!looks_like_email("a@b@c.vn") && !looks_like_email("@x.vn"));
        assert!(looks_like_phone("+84912345678") && !looks_like_phone("12345"));
    }
}
