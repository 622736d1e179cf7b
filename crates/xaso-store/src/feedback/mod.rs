//! Citizens' feedback (PAKN): the register of items with a number per commune and year, each
//! item's state under the domain's rules (deadlines on the commune's calendar), its history, and
//! who may act: the officers of the commune it is with, the author for supplements and rating.
//! Links to dossiers, counter intake, assignment and forwarding inside the system are in
//! `routing`; the QĐ 766 feedback metrics in `measure`.

mod measure;
mod routing;

pub(crate) use measure::complaints_by_dossier;
pub use measure::{feedback_counts, feedback_counts_by_agency, feedback_facts};
pub use routing::{
    about_dossier, assign, forward_to_agency, record_at_counter, specialists_of, AboutDossier,
};

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::feedback::{self, Actor, FeedbackAction, FeedbackState};
use xaso_domain::identity::access;
use xaso_domain::text;

use crate::agency;
use crate::audit;
use crate::dossier::DossierRules;
use crate::identity::User;
use crate::{db, new_id, StoreError, Tx};

/// Where an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Portal,
    Counter,
    Open311,
}

impl Channel {
    fn code(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Counter => "counter",
            Channel::Open311 => "open311",
        }
    }
}

/// A new item as its author or the counter gives it.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    /// The commune it is sent to; `None`: the first commune of the installation.
    pub agency_code: Option<String>,
    pub channel: Channel,
    pub service_code: String,
    pub author_name: String,
    pub author_contact: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The code of a dossier it is about: the author's own (portal), or one of the commune's
    /// (counter).
    pub dossier_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    pub id: Uuid,
    pub code: String,
    pub agency_code: String,
    pub agency_name: String,
    pub channel: String,
    pub service_code: String,
    #[serde(skip)]
    pub author_id: Option<Uuid>,
    pub author_name: String,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    #[serde(skip)]
    pub dossier_id: Option<Uuid>,
    pub dossier_code: Option<String>,
    /// The specialist it is assigned to (full name).
    pub assigned_to: Option<String>,
    pub state: FeedbackState,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    code: String,
    agency_code: String,
    agency_name: String,
    channel: String,
    service_code: String,
    author_id: Option<Uuid>,
    author_name: String,
    description: String,
    address: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    dossier_id: Option<Uuid>,
    dossier_code: Option<String>,
    assigned_to: Option<String>,
    state: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_feedback(self) -> Result<Feedback, StoreError> {
        let state = serde_json::from_str(&self.state).map_err(|e| {
            StoreError::Foreign(format!("trạng thái phản ánh {} bị hỏng: {e}", self.code))
        })?;
        Ok(Feedback {
            id: self.id,
            code: self.code,
            agency_code: self.agency_code,
            agency_name: self.agency_name,
            channel: self.channel,
            service_code: self.service_code,
            author_id: self.author_id,
            author_name: self.author_name,
            description: self.description,
            address: self.address,
            lat: self.lat,
            lon: self.lon,
            dossier_id: self.dossier_id,
            dossier_code: self.dossier_code,
            assigned_to: self.assigned_to,
            state,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

fn map_rule_error(error: feedback::FeedbackError) -> StoreError {
    match error {
        feedback::FeedbackError::NotAllowed(m) => StoreError::Conflict(m),
        feedback::FeedbackError::Invalid(m) => StoreError::Invalid(m),
        feedback::FeedbackError::Calendar(e) => StoreError::Invalid(e.to_string()),
    }
}

/// One item by its register number.
pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<Feedback>, StoreError> {
    let row: Option<Row> = db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT f.id, f.code, a.agency_code, a.name AS agency_name, f.channel, f.service_code, f.author_id,
             f.author_name, f.description, f.address, f.lat, f.lon, f.dossier_id, d.code AS dossier_code,
             u.full_name AS assigned_to, f.state, f.version, f.created_at, f.updated_at
         FROM feedback f JOIN agencies a ON a.id = f.agency_id
             LEFT JOIN dossiers d ON d.id = f.dossier_id LEFT JOIN users u ON u.id = f.assigned_to
         WHERE f.code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await
    })?;
    row.map(Row::into_feedback).transpose()
}

async fn history_line(
    tx: &mut Tx,
    id: Uuid,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    content: &str,
) -> Result<(), StoreError> {
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO feedback_history (feedback_id, at, actor, action, content) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(content)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// Registers an item sent by its author (signed in on the portal, or anonymous over Open311):
/// checked, numbered `PAKN-{year}-{commune}-{seq:06}`, deadlines set on the commune's calendar,
/// its first history line written. An item about one of the author's dossiers goes to the
/// commune handling it.
pub async fn submit(
    tx: &mut Tx,
    rules: &DossierRules,
    new: &NewFeedback,
    author: Option<&User>,
    now: DateTime<Utc>,
) -> Result<Feedback, StoreError> {
    register(tx, rules, new, author, None, now).await
}

/// `submit`, or an officer's record at the counter (`recorded_by`, see `record_at_counter`).
async fn register(
    tx: &mut Tx,
    rules: &DossierRules,
    new: &NewFeedback,
    author: Option<&User>,
    recorded_by: Option<&User>,
    now: DateTime<Utc>,
) -> Result<Feedback, StoreError> {
    if !rules
        .feedback
        .services
        .iter()
        .any(|s| s.code == new.service_code)
    {
        return Err(invalid(format!(
            "không có loại phản ánh “{}”",
            new.service_code
        )));
    }
    let description = text::clean(&new.description);
    if description.chars().count() < 10 || description.chars().count() > 8000 {
        return Err(invalid("nội dung phản ánh cần từ 10 đến 8000 ký tự"));
    }
    let author_name = text::clean(&new.author_name);
    if author_name.is_empty() || author_name.chars().count() > 200 {
        return Err(invalid("cần họ tên người phản ánh (không quá 200 ký tự)"));
    }
    for (value, range, what) in [
        (new.lat, 8.0..=24.0, "vĩ độ"),
        (new.lon, 102.0..=118.0, "kinh độ"),
    ] {
        if let Some(v) = value {
            if !v.is_finite() || !range.contains(&v) {
                return Err(invalid(format!("{what} {v} không ở Việt Nam")));
            }
        }
    }
    let dossier_code = new
        .dossier_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let link = match dossier_code {
        Some(code) => Some(routing::linkable_dossier(tx, code, author.or(recorded_by)).await?),
        None => None,
    };
    let agency_code = new
        .agency_code
        .clone()
        .or_else(|| link.as_ref().map(|(_, commune)| commune.clone()));
    let commune = match &agency_code {
        Some(code) => agency::by_code(tx, code)
            .await?
            .filter(|a| a.kind == "commune")
            .ok_or_else(|| invalid(format!("không có xã, phường mã {code}")))?,
        None => crate::dossier::communes(tx)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound("xã, phường nào".into()))?,
    };
    let calendar = rules.calendar(&commune.agency_code)?;
    let state =
        FeedbackState::new(&rules.feedback, &calendar, now).map_err(|e| invalid(e.to_string()))?;
    let year = i64::from(to_local(now).date().year());
    let last: i64 = db!(tx.conn(), |c| {
        sqlx::query_scalar(
        "INSERT INTO feedback_counters (agency_code, year, last) VALUES ($1, $2, 1)
         ON CONFLICT (agency_code, year) DO UPDATE SET last = feedback_counters.last + 1 RETURNING last"
    )
    .bind(&commune.agency_code)
    .bind(year)
    .fetch_one(&mut *c)
    .await
    })?;
    let code = format!("PAKN-{year}-{}-{last:06}", commune.agency_code);
    let id = new_id();
    let state_json = serde_json::to_string(&state).map_err(|e| invalid(e.to_string()))?;
    let contact = new
        .author_contact
        .as_deref()
        .map(text::clean)
        .filter(|c| !c.is_empty());
    let address = new
        .address
        .as_deref()
        .map(text::clean)
        .filter(|a| !a.is_empty());
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO feedback (id, code, agency_id, channel, service_code, author_id, author_name, author_contact,
             description, address, lat, lon, status, state, version, created_at, updated_at, dossier_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15, $16)"
    )
    .bind(id)
    .bind(&code)
    .bind(commune.id)
    .bind(new.channel.code())
    .bind(&new.service_code)
    .bind(author.map(|u| u.id))
    .bind(&author_name)
    .bind(&contact)
    .bind(&description)
    .bind(&address)
    .bind(new.lat)
    .bind(new.lon)
    .bind(status_code(&state))
    .bind(&state_json)
    .bind(now)
    .bind(link.as_ref().map(|(id, _)| *id))
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    let (who, first_line) = match recorded_by {
        Some(officer) => (
            officer.full_name.clone(),
            format!("Tiếp nhận tại Bộ phận một cửa phản ánh của {author_name}"),
        ),
        None => (author_name.clone(), "Tiếp nhận phản ánh, kiến nghị".into()),
    };
    history_line(tx, id, now, &who, "submit", &first_line).await?;
    if let Some(code) = dossier_code {
        history_line(tx, id, now, &who, "link", &format!("Về hồ sơ {code}")).await?;
    }
    if let Some((dossier_id, _)) = link {
        crate::report::refresh(tx, rules, dossier_id).await?;
    }
    by_code(tx, &code)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("phản ánh {code}")))
}

fn status_code(state: &FeedbackState) -> String {
    text_of(&state.status).unwrap_or_default()
}

/// Applies an action by `user`: officers of the item's commune act on it, its author supplements
/// and rates; anyone else gets "not found".
pub async fn act(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    expected_version: i64,
    action: &FeedbackAction,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Feedback, StoreError> {
    let not_found = || StoreError::NotFound(format!("phản ánh {code}"));
    let item = by_code(tx, code).await?.ok_or_else(not_found)?;
    let actor = role_of(tx, &item, user).await?.ok_or_else(not_found)?;
    if item.version != expected_version {
        return Err(StoreError::Conflict(format!(
            "phản ánh {code} vừa được cập nhật; hãy tải lại"
        )));
    }
    let calendar = rules.calendar(&item.agency_code)?;
    let (next, line) = feedback::apply(&item.state, action, actor, now, &rules.feedback, &calendar)
        .map_err(map_rule_error)?;
    let state_json = serde_json::to_string(&next).map_err(|e| invalid(e.to_string()))?;
    let rated_now = matches!(action, FeedbackAction::Rate { .. });
    // The classification, answer and rating are copied out of the JSON state for reports.
    let updated = db!(tx.conn(), |c| sqlx::query(
        "UPDATE feedback SET status = $1, state = $2, version = version + 1, updated_at = $3,
             category = $6, answered_at = $7, answered_in_time = $8, rating = $9,
             rated_at = CASE WHEN $10 THEN $3 ELSE rated_at END
         WHERE id = $4 AND version = $5"
    )
    .bind(status_code(&next))
    .bind(&state_json)
    .bind(now)
    .bind(item.id)
    .bind(item.version)
    .bind(next.category.and_then(|c| text_of(&c)))
    .bind(next.answered_at)
    .bind(next.answered_in_time(&calendar))
    .bind(next.rating.map(|r| r.key()))
    .bind(rated_now)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if updated != 1 {
        return Err(StoreError::Conflict(format!(
            "phản ánh {code} vừa được cập nhật; hãy tải lại"
        )));
    }
    let action_key = serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_string))
        .unwrap_or_default();
    history_line(tx, item.id, now, &user.full_name, &action_key, &line).await?;
    audit::record(
        tx,
        now,
        &audit::Actor::user(user.id, &user.username),
        &format!("feedback.{action_key}"),
        "feedback",
        &item.id.to_string(),
        serde_json::json!({ "code": code, "status": status_code(&next) }),
    )
    .await?;
    if let Some(dossier_id) = item.dossier_id {
        // The classification decides whether the dossier counts "with complaint".
        crate::report::refresh(tx, rules, dossier_id).await?;
    }
    if matches!(action, FeedbackAction::Answer { .. }) {
        crate::notification::on_feedback_answered(tx, rules, item.id, now).await?;
    }
    by_code(tx, code).await?.ok_or_else(not_found)
}

fn text_of<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}

/// An item's history, oldest first: (when, who, what).
pub async fn history(
    tx: &mut Tx,
    code: &str,
) -> Result<Vec<(DateTime<Utc>, String, String)>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT h.at, h.actor, h.content FROM feedback_history h JOIN feedback f ON f.id = h.feedback_id
         WHERE f.code = $1 ORDER BY h.id"
    )
    .bind(code)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// A line of a feedback list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Line {
    pub code: String,
    pub service_code: String,
    pub author_name: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// The specialist it is assigned to.
    pub assigned_to: Option<String>,
}

/// The items sent to the user's commune (officers), or sent by the user (citizens), newest first.
pub async fn list_for(tx: &mut Tx, user: &User) -> Result<Vec<Line>, StoreError> {
    let commune = if !user.is_official() {
        None
    } else {
        agency::commune_of_user(tx, user).await?.map(|a| a.id)
    };
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT f.code, f.service_code, f.author_name, f.status, f.created_at, u.full_name AS assigned_to
         FROM feedback f LEFT JOIN users u ON u.id = f.assigned_to
         WHERE ($1 IS NOT NULL AND f.agency_id = $1) OR ($1 IS NULL AND f.author_id = $2)
         ORDER BY f.created_at DESC, f.code DESC LIMIT 500"
    )
    .bind(commune)
    .bind(user.id)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// Who `user` is to an item: an officer of its commune, its author, or nobody (`None`).
pub async fn role_of(
    tx: &mut Tx,
    item: &Feedback,
    user: &User,
) -> Result<Option<Actor>, StoreError> {
    let at_commune = agency::commune_of_user(tx, user)
        .await?
        .is_some_and(|c| c.agency_code == item.agency_code);
    let is_author = item.author_id == Some(user.id);
    if !access::may_see_feedback(&user.roles, is_author, at_commune) {
        return Ok(None);
    }
    Ok(Some(if at_commune && user.is_official() {
        Actor::Officer
    } else {
        Actor::Author
    }))
}
