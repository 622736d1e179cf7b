//! Dossiers: reception with a unique code, actions through the state machine with an optimistic
//! version check, history (form 05) and audit in the same transaction, inbox and public tracking.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::calendar::{CalendarSet, Timing, WorkCalendar};
use xaso_domain::catalog::{ComponentForm, FeeSchedule, Procedure};
use xaso_domain::dossier::workflow::{Place, DEFAULT_WORKFLOW};
use xaso_domain::dossier::{
    apply, Action, ActorScope, Channel, DossierCode, DossierError, DossierState, HistoryEntry,
    Rules, Status, Urgency, Workflow,
};
use xaso_domain::identity::Role;
use xaso_domain::text;

use crate::agency::{self, Agency};
use crate::audit::{self, Actor};
use crate::identity::User;
use crate::{catalog, db, new_id, StoreError, Tx};

mod public;
pub use public::{public_view, PublicStep, PublicView};

/// Online dossiers one account may submit in a day.
pub const MAX_ONLINE_PER_DAY: i64 = 20;

/// The data dossiers are handled under: workflows by key, and every agency's calendar.
pub struct DossierRules {
    pub workflows: HashMap<String, Workflow>,
    pub calendars: Arc<CalendarSet>,
    /// Province codes and the citizen data store's rules (applicants' numbers, documents kept).
    pub citizen: Arc<xaso_domain::citizen::CitizenRules>,
    /// Who is exempted from fees, and where (`data/fees/`).
    pub exemptions: Arc<Vec<xaso_domain::payment::fees::Exemption>>,
    /// Deadlines of citizens' feedback (`data/feedback/thoi-han.toml`).
    pub feedback: xaso_domain::feedback::FeedbackRules,
    /// The messages citizens get, and the portal's address for their links (`data/notifications/`).
    pub notices: Arc<crate::notification::Notices>,
    /// TT 01/2018 points of indicators 4, 7 and 8 (`data/feedback/chi-so-tt01.toml`).
    pub indicators: xaso_domain::report::IndicatorRules,
}

impl DossierRules {
    fn workflow(&self, key: &str) -> Result<&Workflow, StoreError> {
        self.workflows.get(key).ok_or_else(|| {
            StoreError::Invalid(format!("quy trình `{key}` không có trong data/workflows"))
        })
    }

    pub(crate) fn calendar(&self, commune_code: &str) -> Result<Arc<WorkCalendar>, StoreError> {
        self.calendars
            .for_agency(Some(commune_code))
            .map_err(|e| StoreError::Invalid(format!("dữ liệu lịch có lỗi: {e}")))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Applicant {
    pub name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// One line of the component checklist: how it was provided, or `None` when missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvidedComponent {
    pub name: String,
    #[serde(default)]
    pub provided: Option<ComponentForm>,
}

/// What the counter officer decides when receiving (counter and postal channels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Supplement { items: Vec<String>, reason: String },
    Refuse { reasons: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewDossier {
    pub procedure_code: String,
    pub channel: Channel,
    /// The agency receiving it (a commune's centre or the commune); its code prefixes the dossier code.
    pub receiving_agency: String,
    /// The commune competent to decide, when not the receiving one (location-independent reception).
    #[serde(default)]
    pub handling_commune: Option<String>,
    pub applicant: Applicant,
    #[serde(default)]
    pub owner_name: Option<String>,
    /// A person filing on the applicant's behalf at the counter.
    #[serde(default)]
    pub proxy_name: Option<String>,
    #[serde(default)]
    pub components: Vec<ProvidedComponent>,
    #[serde(default)]
    pub decision: Option<Decision>,
}

#[derive(sqlx::FromRow)]
struct DossierRow {
    id: Uuid,
    code: String,
    procedure_code: String,
    procedure_version: i64,
    workflow: String,
    channel: i64,
    receiving_agency_id: Uuid,
    receiving_commune_id: Uuid,
    handling_commune_id: Uuid,
    applicant_name: String,
    applicant_id_number: Option<String>,
    applicant_phone: Option<String>,
    applicant_email: Option<String>,
    applicant_address: Option<String>,
    owner_name: Option<String>,
    proxy_name: Option<String>,
    submitted_by: Option<Uuid>,
    components: String,
    fee_due: i64,
    state: String,
    version: i64,
}

const ROW_COLUMNS: &str = "id, code, procedure_code, procedure_version, workflow, channel, receiving_agency_id,
    receiving_commune_id, handling_commune_id, applicant_name, applicant_id_number, applicant_phone,
    applicant_email, applicant_address, owner_name, proxy_name, submitted_by, components, fee_due, state, version";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub agency_code: Option<String>,
    pub action: String,
    pub status_from: i64,
    pub status_to: i64,
    pub step_from: String,
    pub step_to: String,
    pub content: String,
    pub step_due_at: Option<DateTime<Utc>>,
    pub step_result: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StatusView {
    pub code: i64,
    pub name: &'static str,
    pub portal: &'static str,
}

impl From<Status> for StatusView {
    fn from(status: Status) -> StatusView {
        StatusView {
            code: status.code(),
            name: status.label(),
            portal: status.portal_value(),
        }
    }
}

/// A dossier as staff see it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DossierView {
    /// The internal id (audit rows name dossiers by it); not part of the API.
    #[serde(skip)]
    pub id: Uuid,
    pub code: String,
    pub version: i64,
    /// The workflow key (`data/workflows/KEY.toml`).
    pub workflow: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub procedure_version: i64,
    pub channel: Channel,
    pub status: StatusView,
    pub step: String,
    pub step_name: String,
    pub receiving_agency: String,
    pub receiving_commune: String,
    pub handling_commune: String,
    pub applicant: Applicant,
    pub owner_name: Option<String>,
    pub proxy_name: Option<String>,
    pub components: Vec<ProvidedComponent>,
    pub fee_due: i64,
    pub submitted_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub step_due_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub supplement_requests: u32,
    pub rescheduled: bool,
    pub outcome: Option<Timing>,
    pub urgency: Option<Urgency>,
    pub result: Option<xaso_domain::dossier::machine::ResultRecord>,
    pub supplement: Option<xaso_domain::dossier::machine::SupplementRequest>,
    pub refusal: Option<xaso_domain::dossier::machine::Refusal>,
    pub apology: Option<xaso_domain::dossier::machine::Apology>,
    /// The fee asked (status 6) and its settlement.
    pub payment: Option<xaso_domain::dossier::machine::PaymentDue>,
    pub files: Vec<FileMeta>,
    pub history: Vec<HistoryRow>,
    /// Citizens' feedback about the dossier (it counts in the dossier's satisfaction).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<crate::feedback::AboutDossier>,
    /// The messages the applicant was sent about it, with how each was delivered.
    pub messages: Vec<crate::notification::Message>,
}

impl DossierView {
    /// The signed e-result, the latest when it was signed again.
    pub fn e_result(&self) -> Option<&FileMeta> {
        self.files
            .iter()
            .filter(|f| f.kind == "result")
            .max_by_key(|f| f.uploaded_at)
    }
}

/// An attachment of a dossier.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct FileMeta {
    pub id: Uuid,
    /// `attachment` or `result` (the signed e-result).
    pub kind: String,
    pub component: Option<String>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A line of an inbox or a list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DossierSummary {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub channel: Channel,
    pub status: StatusView,
    pub step: String,
    pub due_at: Option<DateTime<Utc>>,
    pub urgency: Option<Urgency>,
    pub outcome: Option<Timing>,
    pub version: i64,
}

fn optional(value: &Option<String>) -> Option<String> {
    value.as_deref().map(text::clean).filter(|v| !v.is_empty())
}

/// Checks and cleans the applicant's details (name, 12-digit ID number, phone, e-mail).
pub fn check_applicant(applicant: &Applicant) -> Result<Applicant, StoreError> {
    let name = text::clean(&applicant.name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "họ tên người nộp không được để trống và không quá 200 ký tự".into(),
        ));
    }
    let id_number = optional(&applicant.id_number);
    if let Some(id) = &id_number {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::Invalid(format!(
                "số định danh cá nhân (CCCD) “{id}” phải gồm đúng 12 chữ số"
            )));
        }
    }
    let phone = optional(&applicant.phone).map(|p| p.replace([' ', '.', '-'], ""));
    if let Some(phone) = &phone {
        let digits = phone.strip_prefix('+').unwrap_or(phone);
        if !(9..=12).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::Invalid(format!(
                "số điện thoại “{phone}” không hợp lệ"
            )));
        }
    }
    let email = optional(&applicant.email);
    if let Some(email) = &email {
        let valid = email.len() <= 200
            && email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
        if !valid {
            return Err(StoreError::Invalid(format!(
                "thư điện tử “{email}” không hợp lệ"
            )));
        }
    }
    Ok(Applicant {
        name,
        id_number,
        phone,
        email,
        address: optional(&applicant.address),
    })
}

/// Matches the checklist to the procedure's components; returns it in the procedure's order and
/// the mandatory components missing.
fn check_components(
    procedure: &Procedure,
    given: &[ProvidedComponent],
) -> Result<(Vec<ProvidedComponent>, Vec<String>), StoreError> {
    for item in given {
        let name = text::clean(&item.name);
        if !procedure.components.iter().any(|c| c.name == name) {
            return Err(StoreError::Invalid(format!(
                "“{name}” không phải thành phần hồ sơ của thủ tục {}",
                procedure.code
            )));
        }
    }
    let mut checklist = Vec::new();
    let mut missing = Vec::new();
    for component in &procedure.components {
        let provided = given
            .iter()
            .find(|g| text::clean(&g.name) == component.name)
            .and_then(|g| g.provided);
        if provided.is_none() && component.mandatory {
            missing.push(component.name.clone());
        }
        checklist.push(ProvidedComponent {
            name: component.name.clone(),
            provided,
        });
    }
    Ok((checklist, missing))
}

pub(crate) fn fee_of(procedure: &Procedure) -> i64 {
    match &procedure.fee {
        FeeSchedule::Fixed { amount, .. } => i64::try_from(*amount).unwrap_or(i64::MAX),
        FeeSchedule::SetByProvince {
            amount: Some(amount),
            ..
        } => i64::try_from(*amount).unwrap_or(i64::MAX),
        _ => 0,
    }
}

/// The commune an agency belongs to: itself, or its parent commune; an error otherwise.
async fn commune_of(tx: &mut Tx, agency: &Agency) -> Result<Agency, StoreError> {
    agency::commune_of_agency(tx, agency).await?.ok_or_else(|| {
        StoreError::Invalid(format!("{} không thuộc một xã, phường nào", agency.name))
    })
}

async fn user_commune(tx: &mut Tx, user: &User) -> Result<Option<Uuid>, StoreError> {
    Ok(agency::commune_of_user(tx, user).await?.map(|c| c.id))
}

async fn scope_of(tx: &mut Tx, user: &User, row: &DossierRow) -> Result<ActorScope, StoreError> {
    let commune = user_commune(tx, user).await?;
    Ok(ActorScope {
        name: user.full_name.clone(),
        roles: user.roles.clone(),
        at_receiving: commune == Some(row.receiving_commune_id),
        at_competent: commune == Some(row.handling_commune_id),
        is_applicant: user.has_role(Role::Citizen) && row.submitted_by == Some(user.id),
    })
}

/// Who may see a dossier at all: the policy's rule, on the places worked out for `user`.
fn may_see(scope: &ActorScope, user: &User) -> bool {
    xaso_domain::identity::access::may_see_dossier(&user.roles, scope.places())
}

fn map_rule_error(error: DossierError) -> StoreError {
    match error {
        DossierError::Forbidden(m) => StoreError::Forbidden(m),
        DossierError::NotAllowed(m) => StoreError::Conflict(m),
        DossierError::Invalid(m) => StoreError::Invalid(m),
        DossierError::Calendar(e) => StoreError::Invalid(e.to_string()),
    }
}

fn parse_state(row: &DossierRow) -> Result<DossierState, StoreError> {
    state_of(&row.state, &row.code)
}

fn state_of(state: &str, code: &str) -> Result<DossierState, StoreError> {
    serde_json::from_str(state)
        .map_err(|e| StoreError::Foreign(format!("trạng thái hồ sơ {code} bị hỏng: {e}")))
}

/// The next code of an agency for a day: `INSERT … ON CONFLICT DO UPDATE … RETURNING` holds the
/// row lock (PostgreSQL) or the write lock (SQLite) until commit, so codes never repeat, across
/// several instances too.
async fn next_code(
    tx: &mut Tx,
    agency_code: &str,
    now: DateTime<Utc>,
) -> Result<DossierCode, StoreError> {
    let day = to_local(now).date();
    let last: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
        "INSERT INTO dossier_counters (agency_code, day, last) VALUES ($1, $2, 1)
         ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_counters.last + 1
         RETURNING last"
    )
    .bind(agency_code)
    .bind(day.format("%Y-%m-%d").to_string())
    .fetch_one(&mut *c)
    .await)?;
    let sequence = u32::try_from(last).unwrap_or(u32::MAX);
    DossierCode::new(agency_code, day, sequence).ok_or_else(|| {
        StoreError::Conflict(format!(
            "{agency_code} đã dùng hết {} số hồ sơ của ngày {day}",
            xaso_domain::dossier::code::MAX_PER_DAY
        ))
    })
}

async fn insert_history(
    tx: &mut Tx,
    (dossier_id, handling_commune_id): (Uuid, Uuid),
    now: DateTime<Utc>,
    user: &User,
    entry: &HistoryEntry,
) -> Result<(), StoreError> {
    let step_result = entry.step_result.map(|t| {
        serde_json::to_value(t)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    });
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO dossier_history (dossier_id, at, actor_id, actor, agency_code, action, status_from, status_to,
             step_from, step_to, content, step_due_at, step_result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(dossier_id)
    .bind(now)
    .bind(user.id)
    .bind(&user.full_name)
    .bind(&user.agency_code)
    .bind(&entry.action)
    .bind(entry.status_from.code())
    .bind(entry.status_to.code())
    .bind(&entry.step_from)
    .bind(&entry.step_to)
    .bind(&entry.content)
    .bind(entry.step_due)
    .bind(&step_result)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    if entry.step_result == Some(Timing::Late) {
        crate::report::count_late_step(
            tx,
            handling_commune_id,
            now,
            user.agency_code.as_deref(),
            &user.full_name,
        )
        .await?;
    }
    audit::record(
        tx,
        now,
        &Actor::user(user.id, &user.username),
        &format!("dossier.{}", entry.action),
        "dossier",
        &dossier_id.to_string(),
        serde_json::json!({ "status_from": entry.status_from.code(), "status_to": entry.status_to.code(), "step": entry.step_to }),
    )
    .await
}

/// Receives a dossier: validates it, gives it a code, applies the counter's decision.
pub async fn receive(
    tx: &mut Tx,
    rules: &DossierRules,
    new: &NewDossier,
    user: &User,
    now: DateTime<Utc>,
) -> Result<DossierView, StoreError> {
    let record = catalog::current(tx, new.procedure_code.trim())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("thủ tục mã {}", new.procedure_code)))?;
    let procedure = &record.procedure;
    let workflow_key = procedure
        .workflow
        .clone()
        .unwrap_or_else(|| DEFAULT_WORKFLOW.to_string());
    let workflow = rules.workflow(&workflow_key)?;
    let receiving = agency::by_code(tx, new.receiving_agency.trim())
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!("đơn vị tiếp nhận mã {}", new.receiving_agency))
        })?;
    let receiving_commune = commune_of(tx, &receiving).await?;
    let handling = match new
        .handling_commune
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => receiving_commune.clone(),
        Some(code) => {
            let agency = agency::by_code(tx, code)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("xã, phường mã {code}")))?;
            commune_of(tx, &agency).await?
        }
    };
    if handling.id != receiving_commune.id && !procedure.location_independent {
        return Err(StoreError::Invalid(format!(
            "thủ tục “{}” không tiếp nhận phi địa giới: hãy nộp tại {}",
            procedure.name, handling.name
        )));
    }
    let applicant = check_applicant(&new.applicant)?;
    // A number that cannot be real is refused; a vouched one gets a profile in the citizen store.
    let submitter = (new.channel == Channel::Online).then_some(user.id);
    crate::citizen::vouched_number(tx, &rules.citizen, &applicant, new.channel, submitter, now)
        .await?;
    let (components, missing) = check_components(procedure, &new.components)?;
    let user_commune = user_commune(tx, user).await?;
    match new.channel {
        Channel::Online => {
            if !user.has_role(Role::Citizen) {
                return Err(StoreError::Forbidden(
                    "hồ sơ trực tuyến do người dân, doanh nghiệp tự nộp".into(),
                ));
            }
            if new.decision.is_some() {
                return Err(StoreError::Invalid(
                    "hồ sơ trực tuyến được bộ phận một cửa kiểm tra sau khi nộp".into(),
                ));
            }
            // One account cannot use up a commune's daily dossier numbers.
            let day_start = xaso_domain::calendar::deadline::from_local(
                to_local(now).date().and_time(chrono::NaiveTime::MIN),
            );
            let today: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM dossiers WHERE submitted_by = $1 AND submitted_at >= $2"
            )
            .bind(user.id)
            .bind(day_start)
            .fetch_one(&mut *c)
            .await)?;
            if today >= MAX_ONLINE_PER_DAY {
                return Err(StoreError::Conflict(format!(
                    "mỗi tài khoản nộp tối đa {MAX_ONLINE_PER_DAY} hồ sơ trực tuyến mỗi ngày; hãy liên hệ Bộ phận một cửa"
                )));
            }
        }
        Channel::Counter | Channel::Postal => {
            if !(user.has_role(Role::CounterOfficer) && user_commune == Some(receiving_commune.id))
            {
                return Err(StoreError::Forbidden(format!(
                    "chỉ bộ phận một cửa của {} tiếp nhận hồ sơ tại đây",
                    receiving_commune.name
                )));
            }
        }
    }
    if matches!(new.decision, Some(Decision::Accept)) && !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "hồ sơ còn thiếu thành phần bắt buộc: {}; hãy yêu cầu bổ sung (một lần, đủ các mục) thay vì tiếp nhận",
            missing.join("; ")
        )));
    }

    let code = next_code(tx, &receiving.agency_code, now).await?;
    let id = new_id();
    let calendar = rules.calendar(&handling.agency_code)?;
    let domain_rules = Rules {
        workflow,
        time: &procedure.time,
        calendar: &calendar,
    };
    let mut state = DossierState::new(now);
    let mut entries = vec![xaso_domain::dossier::submission_entry(
        workflow,
        &procedure.name,
        new.channel,
    )];
    let scope = ActorScope {
        name: user.full_name.clone(),
        roles: user.roles.clone(),
        at_receiving: user_commune == Some(receiving_commune.id),
        at_competent: user_commune == Some(handling.id),
        is_applicant: new.channel == Channel::Online,
    };
    let action = match &new.decision {
        None => None,
        Some(Decision::Accept) => Some(Action::Accept { note: None }),
        Some(Decision::Supplement { items, reason }) => Some(Action::RequestSupplement {
            items: items.clone(),
            reason: reason.clone(),
        }),
        Some(Decision::Refuse { reasons }) => Some(Action::Refuse {
            reasons: reasons.clone(),
        }),
    };
    if let Some(action) = &action {
        let (next, entry) =
            apply(&state, action, &scope, now, &domain_rules).map_err(map_rule_error)?;
        state = next;
        entries.push(entry);
    }
    let components_json =
        serde_json::to_string(&components).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let state_json =
        serde_json::to_string(&state).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let step_key = workflow.steps[state.step].key.clone();
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO dossiers (id, code, procedure_code, procedure_version, workflow, channel, status, step,
             receiving_agency_id, receiving_commune_id, handling_commune_id, applicant_name, applicant_id_number,
             applicant_phone, applicant_email, applicant_address, owner_name, proxy_name, submitted_by, components,
             fee_due, state, submitted_at, received_at, due_at, resolved_at, ended_at, version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                 $21, $22, $23, $24, $25, $26, $27, 1, $23)"
    )
    .bind(id)
    .bind(code.to_string())
    .bind(&procedure.code)
    .bind(record.version)
    .bind(&workflow_key)
    .bind(new.channel.code())
    .bind(state.status.code())
    .bind(&step_key)
    .bind(receiving.id)
    .bind(receiving_commune.id)
    .bind(handling.id)
    .bind(&applicant.name)
    .bind(&applicant.id_number)
    .bind(&applicant.phone)
    .bind(&applicant.email)
    .bind(&applicant.address)
    .bind(optional(&new.owner_name))
    .bind(optional(&new.proxy_name))
    .bind(if new.channel == Channel::Online { Some(user.id) } else { None })
    .bind(&components_json)
    .bind(fee_of(procedure))
    .bind(&state_json)
    .bind(now)
    .bind(state.received_at)
    .bind(state.due)
    .bind(state.resolved_at)
    .bind(state.ended_at)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    for entry in &entries {
        insert_history(tx, (id, handling.id), now, user, entry).await?;
    }
    crate::notification::on_dossier(
        tx,
        rules,
        id,
        action.as_ref(),
        Status::Registered,
        &state,
        now,
    )
    .await?;
    crate::report::refresh(tx, rules, id).await?;
    let view = view(tx, rules, &code.to_string(), now)
        .await?
        .ok_or_else(|| StoreError::NotFound(code.to_string()))?;
    let action_name = action.as_ref().map(|a| a.key());
    crate::integration::on_dossier(tx, &view, Status::Registered, action_name, now).await?;
    Ok(view)
}

async fn load_row(tx: &mut Tx, code: &str) -> Result<Option<DossierRow>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM dossiers WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Applies an action. `expected_version` is the version the caller saw: if someone changed the
/// dossier since, the action is refused with a conflict and nothing changes.
pub async fn act(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    expected_version: i64,
    action: &Action,
    user: &User,
    now: DateTime<Utc>,
) -> Result<DossierView, StoreError> {
    if matches!(action, Action::Paid { .. }) {
        // A payment is settled by the record of the money (a receipt, a gateway transaction),
        // never by someone saying so: only the payment module applies it.
        return Err(StoreError::Forbidden(
            "thanh toán chỉ được ghi nhận kèm biên lai hoặc giao dịch của cổng thanh toán".into(),
        ));
    }
    apply_action(tx, rules, code, expected_version, action, user, now).await
}

/// Applies an action under the workflow and the actor's scope, with the version check, history and
/// report facts in the transaction. `act` is this for people; the payment module settles through it.
pub(crate) async fn apply_action(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    expected_version: i64,
    action: &Action,
    user: &User,
    now: DateTime<Utc>,
) -> Result<DossierView, StoreError> {
    let not_found = || StoreError::NotFound(format!("hồ sơ {code}"));
    let row = load_row(tx, code).await?.ok_or_else(not_found)?;
    let scope = scope_of(tx, user, &row).await?;
    if !may_see(&scope, user) {
        return Err(not_found());
    }
    if row.version != expected_version {
        return Err(StoreError::Conflict(format!(
            "hồ sơ {code} vừa được người khác cập nhật (phiên bản {} thay vì {expected_version}); hãy tải lại",
            row.version
        )));
    }
    let state = parse_state(&row)?;
    let procedure = catalog::procedure(tx, &row.procedure_code, row.procedure_version)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "thủ tục {} phiên bản {}",
                row.procedure_code, row.procedure_version
            ))
        })?;
    let workflow = rules.workflow(&row.workflow)?;
    let handling = agency::by_id(tx, row.handling_commune_id)
        .await?
        .ok_or_else(not_found)?;
    let calendar = rules.calendar(&handling.agency_code)?;
    let domain_rules = Rules {
        workflow,
        time: &procedure.time,
        calendar: &calendar,
    };
    let (next, entry) =
        apply(&state, action, &scope, now, &domain_rules).map_err(map_rule_error)?;
    let state_json =
        serde_json::to_string(&next).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let step_key = workflow
        .steps
        .get(next.step)
        .map_or_else(String::new, |s| s.key.clone());
    let updated = db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE dossiers SET status = $1, step = $2, state = $3, received_at = $4, due_at = $5, resolved_at = $6,
             ended_at = $7, version = version + 1, updated_at = $8
         WHERE id = $9 AND version = $10"
    )
    .bind(next.status.code())
    .bind(&step_key)
    .bind(&state_json)
    .bind(next.received_at)
    .bind(next.due)
    .bind(next.resolved_at)
    .bind(next.ended_at)
    .bind(now)
    .bind(row.id)
    .bind(row.version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if updated != 1 {
        return Err(StoreError::Conflict(format!(
            "hồ sơ {code} vừa được người khác cập nhật; hãy tải lại"
        )));
    }
    insert_history(tx, (row.id, row.handling_commune_id), now, user, &entry).await?;
    crate::notification::on_dossier(tx, rules, row.id, Some(action), state.status, &next, now)
        .await?;
    crate::report::refresh(tx, rules, row.id).await?;
    // The row as the UPDATE left it (of its columns only the state and version changed): not
    // read again inside the write lock.
    let written = DossierRow {
        state: state_json,
        version: row.version + 1,
        ..row
    };
    let view = view_of(tx, rules, &written, now).await?;
    crate::integration::on_dossier(tx, &view, state.status, Some(action.key()), now).await?;
    Ok(view)
}

async fn history(tx: &mut Tx, dossier_id: Uuid) -> Result<Vec<HistoryRow>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT at, actor, agency_code, action, status_from, status_to, step_from, step_to, content, step_due_at,
                step_result
         FROM dossier_history WHERE dossier_id = $1 ORDER BY id"
    )
    .bind(dossier_id)
    .fetch_all(&mut *c)
    .await
    })?)
}

async fn agency_code_of(tx: &mut Tx, id: Uuid) -> Result<String, StoreError> {
    Ok(agency::by_id(tx, id)
        .await?
        .map(|a| a.agency_code)
        .unwrap_or_default())
}

/// The full dossier, without an access check (for the staff API after its own check, the CLI).
pub async fn view(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<DossierView>, StoreError> {
    let Some(row) = load_row(tx, code).await? else {
        return Ok(None);
    };
    view_of(tx, rules, &row, now).await.map(Some)
}

/// The view of a dossier row already read (an action has the row it just wrote).
async fn view_of(
    tx: &mut Tx,
    rules: &DossierRules,
    row: &DossierRow,
    now: DateTime<Utc>,
) -> Result<DossierView, StoreError> {
    let state = parse_state(row)?;
    let procedure = catalog::procedure(tx, &row.procedure_code, row.procedure_version).await?;
    let workflow = rules.workflow(&row.workflow)?;
    let handling_code = agency_code_of(tx, row.handling_commune_id).await?;
    let calendar = rules.calendar(&handling_code)?;
    let step = workflow.step(state.step);
    Ok(DossierView {
        id: row.id,
        code: row.code.clone(),
        version: row.version,
        workflow: row.workflow.clone(),
        procedure_code: row.procedure_code.clone(),
        procedure_name: procedure.map(|p| p.name.clone()).unwrap_or_default(),
        procedure_version: row.procedure_version,
        channel: Channel::from_code(row.channel).unwrap_or(Channel::Counter),
        status: state.status.into(),
        step: step.map_or_else(String::new, |s| s.key.clone()),
        step_name: step.map_or_else(String::new, |s| s.name.clone()),
        receiving_agency: agency_code_of(tx, row.receiving_agency_id).await?,
        receiving_commune: agency_code_of(tx, row.receiving_commune_id).await?,
        handling_commune: handling_code,
        applicant: Applicant {
            name: row.applicant_name.clone(),
            id_number: row.applicant_id_number.clone(),
            phone: row.applicant_phone.clone(),
            email: row.applicant_email.clone(),
            address: row.applicant_address.clone(),
        },
        owner_name: row.owner_name.clone(),
        proxy_name: row.proxy_name.clone(),
        components: serde_json::from_str(&row.components).unwrap_or_default(),
        fee_due: row.fee_due,
        submitted_at: state.submitted_at,
        received_at: state.received_at,
        due_at: state.due,
        step_due_at: state.step_due,
        resolved_at: state.resolved_at,
        ended_at: state.ended_at,
        supplement_requests: state.supplement_requests,
        rescheduled: state.rescheduled,
        outcome: state.outcome(&calendar),
        urgency: state.urgency(now, &calendar),
        result: state.result.clone(),
        supplement: state.supplement.clone(),
        refusal: state.refusal.clone(),
        apology: state.apology.clone(),
        payment: state.payment.clone(),
        files: files_of(tx, row.id).await?,
        history: history(tx, row.id).await?,
        feedback: crate::feedback::about_dossier(tx, row.id).await?,
        messages: crate::notification::about_dossier(tx, row.id).await?,
    })
}

/// The dossier for a signed-in user, or not found when they may not see it (no enumeration).
pub async fn view_for(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    user: &User,
    now: DateTime<Utc>,
) -> Result<DossierView, StoreError> {
    let not_found = || StoreError::NotFound(format!("hồ sơ {code}"));
    let row = load_row(tx, code).await?.ok_or_else(not_found)?;
    let scope = scope_of(tx, user, &row).await?;
    if !may_see(&scope, user) {
        return Err(not_found());
    }
    view(tx, rules, code, now).await?.ok_or_else(not_found)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    code: String,
    procedure_code: String,
    procedure_version: i64,
    workflow: String,
    applicant_name: String,
    channel: i64,
    handling_commune_id: Uuid,
    receiving_commune_id: Uuid,
    state: String,
    version: i64,
}

async fn summarise(
    tx: &mut Tx,
    rules: &DossierRules,
    rows: Vec<SummaryRow>,
    now: DateTime<Utc>,
) -> Result<Vec<(SummaryRow, DossierSummary, DossierState)>, StoreError> {
    let mut names: HashMap<(String, i64), String> = HashMap::new();
    let mut codes: HashMap<Uuid, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let state = state_of(&row.state, &row.code)?;
        let key = (row.procedure_code.clone(), row.procedure_version);
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(key.clone()) {
            let procedure =
                catalog::procedure(tx, &row.procedure_code, row.procedure_version).await?;
            slot.insert(procedure.map(|p| p.name.clone()).unwrap_or_default());
        }
        if let std::collections::hash_map::Entry::Vacant(slot) =
            codes.entry(row.handling_commune_id)
        {
            slot.insert(agency_code_of(tx, row.handling_commune_id).await?);
        }
        let calendar = rules.calendar(&codes[&row.handling_commune_id])?;
        let step = rules
            .workflow(&row.workflow)?
            .step(state.step)
            .map_or_else(String::new, |s| s.name.clone());
        let summary = DossierSummary {
            code: row.code.clone(),
            procedure_code: row.procedure_code.clone(),
            procedure_name: names[&key].clone(),
            applicant_name: row.applicant_name.clone(),
            channel: Channel::from_code(row.channel).unwrap_or(Channel::Counter),
            status: state.status.into(),
            step,
            due_at: state.due,
            urgency: state.urgency(now, &calendar),
            outcome: state.outcome(&calendar),
            version: row.version,
        };
        out.push((row, summary, state));
    }
    Ok(out)
}

const SUMMARY_COLUMNS: &str =
    "code, procedure_code, procedure_version, workflow, applicant_name, channel,
    handling_commune_id, receiving_commune_id, state, version";

/// Dossiers waiting for this user: at a step their role acts on, in their commune, most urgent first.
pub async fn inbox(
    tx: &mut Tx,
    rules: &DossierRules,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Vec<DossierSummary>, StoreError> {
    let Some(commune) = user_commune(tx, user).await? else {
        return Ok(Vec::new());
    };
    let rows: Vec<SummaryRow> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            // Each side of the OR carries the open-status condition: so written, SQLite too reads
            // the two partial indexes of migration 0027 instead of walking every open dossier.
            "SELECT {SUMMARY_COLUMNS} FROM dossiers
         WHERE (handling_commune_id = $1 AND status NOT IN (3, 7, 8, 10))
            OR (receiving_commune_id = $1 AND status NOT IN (3, 7, 8, 10))"
        ))
        .bind(commune)
        .fetch_all(&mut *c)
        .await
    })?;
    let mut mine: Vec<DossierSummary> = Vec::new();
    for (row, summary, state) in summarise(tx, rules, rows, now).await? {
        let Some(step) = rules.workflow(&row.workflow)?.step(state.step) else {
            continue;
        };
        let here = match step.at {
            Place::Receiving => row.receiving_commune_id == commune,
            Place::Competent => row.handling_commune_id == commune,
        };
        if here && user.has_role(step.role) {
            mine.push(summary);
        }
    }
    mine.sort_by_key(|s| (s.due_at.is_none(), s.due_at, s.code.clone()));
    Ok(mine)
}

/// Every dossier, optionally of one status, newest first (the operator's list).
pub async fn list(
    tx: &mut Tx,
    rules: &DossierRules,
    status: Option<Status>,
    now: DateTime<Utc>,
) -> Result<Vec<DossierSummary>, StoreError> {
    let rows: Vec<SummaryRow> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM dossiers WHERE ($1 IS NULL OR status = $1) ORDER BY submitted_at DESC, code DESC"
    ))
    .bind(status.map(Status::code))
    .fetch_all(&mut *c)
    .await
    })?;
    Ok(summarise(tx, rules, rows, now)
        .await?
        .into_iter()
        .map(|(_, s, _)| s)
        .collect())
}

/// Dossiers a citizen submitted.
pub async fn of_applicant(
    tx: &mut Tx,
    rules: &DossierRules,
    user: &User,
    now: DateTime<Utc>,
) -> Result<Vec<DossierSummary>, StoreError> {
    let rows: Vec<SummaryRow> = db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM dossiers WHERE submitted_by = $1 ORDER BY submitted_at DESC"
    ))
    .bind(user.id)
    .fetch_all(&mut *c)
    .await)?;
    Ok(summarise(tx, rules, rows, now)
        .await?
        .into_iter()
        .map(|(_, s, _)| s)
        .collect())
}

/// What a sweep found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub open: usize,
    pub due_soon: usize,
    pub overdue: usize,
    pub changed: usize,
}

/// Marks every open dossier on track, due within one working day, or overdue, so that lists and
/// alerts need not compute it; each change is audited. Safe to run from several instances.
pub async fn sweep(
    tx: &mut Tx,
    rules: &DossierRules,
    now: DateTime<Utc>,
) -> Result<SweepReport, StoreError> {
    #[derive(sqlx::FromRow)]
    struct OpenRow {
        id: Uuid,
        code: String,
        handling_commune_id: Uuid,
        state: String,
        alert: Option<String>,
    }
    // The statuses that can have an urgency (not ended, not resolved), listed: an IN list is read
    // through the status index, where `NOT IN` the others walked every dossier of the database —
    // 12 s at a province's 5 000 000, inside the write lock, every five minutes.
    let open = Status::ALL
        .iter()
        .filter(|s| !s.is_terminal() && **s != Status::Resolved)
        .map(|s| s.code().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let ids: Vec<Uuid> = db!(tx.conn(), |c| {
        sqlx::query_scalar(&format!("SELECT id FROM dossiers WHERE status IN ({open})"))
            .fetch_all(&mut *c)
            .await
    })?;
    let mut report = SweepReport {
        open: ids.len(),
        ..Default::default()
    };
    let mut calendars: HashMap<Uuid, Arc<WorkCalendar>> = HashMap::new();
    // The states a few hundred at a time: a province's 50 000 open dossiers read at once were
    // 40–50 MiB that the allocator kept after the sweep.
    for chunk in ids.chunks(crate::IDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, code, handling_commune_id, state, alert FROM dossiers WHERE id IN ({})",
            crate::placeholders(chunk.len())
        );
        let rows: Vec<OpenRow> = db!(tx.conn(), |c| {
            let mut query = sqlx::query_as(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *c).await
        })?;
        for row in rows {
            let state = state_of(&row.state, &row.code)?;
            let calendar = match calendars.get(&row.handling_commune_id) {
                Some(calendar) => calendar.clone(),
                None => {
                    let calendar =
                        rules.calendar(&agency_code_of(tx, row.handling_commune_id).await?)?;
                    calendars.insert(row.handling_commune_id, calendar.clone());
                    calendar
                }
            };
            let urgency = state.urgency(now, &calendar);
            match urgency {
                Some(Urgency::DueSoon) => report.due_soon += 1,
                Some(Urgency::Overdue) => report.overdue += 1,
                _ => {}
            }
            let alert = urgency.map(|u| {
                serde_json::to_value(u)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            });
            if alert == row.alert {
                continue;
            }
            db!(tx.conn(), |c| sqlx::query(
                "UPDATE dossiers SET alert = $1 WHERE id = $2"
            )
            .bind(&alert)
            .bind(row.id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
            audit::record(
                tx,
                now,
                &Actor::system("quét thời hạn"),
                "dossier.alert",
                "dossier",
                &row.id.to_string(),
                serde_json::json!({ "code": row.code, "from": row.alert, "to": alert }),
            )
            .await?;
            report.changed += 1;
        }
    }
    Ok(report)
}

/// The periodic sweep as the servers run it: once per `period` whatever the number of instances
/// (the run is claimed in `xaso_meta`), each run written to the audit chain with what it found.
/// `None` when another instance has this period's run.
pub async fn sweep_once_per(
    tx: &mut Tx,
    rules: &DossierRules,
    now: DateTime<Utc>,
    period: chrono::Duration,
    instance: &str,
) -> Result<Option<SweepReport>, StoreError> {
    if !crate::meta::claim_run(tx, "deadline_sweep", now, period).await? {
        return Ok(None);
    }
    let report = sweep(tx, rules, now).await?;
    audit::record(
        tx,
        now,
        &Actor::system("quét thời hạn"),
        "job.deadline_sweep",
        "job",
        "deadline_sweep",
        serde_json::json!({
            "instance": instance, "open": report.open, "due_soon": report.due_soon,
            "overdue": report.overdue, "changed": report.changed
        }),
    )
    .await?;
    Ok(Some(report))
}

async fn files_of(tx: &mut Tx, dossier_id: Uuid) -> Result<Vec<FileMeta>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT id, kind, component, name, content_type, size, sha256, uploaded_at FROM dossier_files
         WHERE dossier_id = $1 ORDER BY uploaded_at, id"
    )
    .bind(dossier_id)
    .fetch_all(&mut *c)
    .await
    })?)
}

/// What an upload stored in the file store.
pub struct StoredFile {
    pub sha256: String,
    pub size: usize,
    pub content_type: &'static str,
}

/// Checks that `user` may attach to the dossier (and that `component`, when named, is one of the
/// procedure's) before any byte is stored. Returns the dossier's id and the cleaned component.
pub async fn authorize_attach(
    tx: &mut Tx,
    code: &str,
    component: Option<&str>,
    user: &User,
) -> Result<(Uuid, Option<String>), StoreError> {
    let not_found = || StoreError::NotFound(format!("hồ sơ {code}"));
    let row = load_row(tx, code).await?.ok_or_else(not_found)?;
    let scope = scope_of(tx, user, &row).await?;
    if !may_see(&scope, user) {
        return Err(not_found());
    }
    if !xaso_domain::identity::access::may_attach_to_dossier(&user.roles, scope.places()) {
        return Err(StoreError::Forbidden(
            "chỉ người nộp hoặc bộ phận một cửa nơi tiếp nhận được đính kèm giấy tờ".into(),
        ));
    }
    let state = parse_state(&row)?;
    if state.status.is_terminal() || state.resolved_at.is_some() {
        return Err(StoreError::Conflict(
            "hồ sơ đã kết thúc, không đính kèm thêm được".into(),
        ));
    }
    let component = component.map(text::clean).filter(|c| !c.is_empty());
    if let Some(component) = &component {
        let procedure = catalog::procedure(tx, &row.procedure_code, row.procedure_version)
            .await?
            .ok_or_else(not_found)?;
        if !procedure.components.iter().any(|c| &c.name == component) {
            return Err(StoreError::Invalid(format!(
                "“{component}” không phải thành phần hồ sơ của thủ tục này"
            )));
        }
    }
    Ok((row.id, component))
}

/// Records an attachment (its bytes already in the file store). The applicant of an online
/// dossier or the receiving counter may attach, while the dossier is open; the component, when
/// named, must be one of the procedure's.
/// The file is also kept in the applicant's data store when the counter digitised it, or when the
/// applicant uploaded it from the account linked to their number.
#[allow(clippy::too_many_arguments)] // the file, who attaches it, when, under which rules
pub async fn attach(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    component: Option<&str>,
    name: &str,
    stored: &StoredFile,
    user: &User,
    now: DateTime<Utc>,
) -> Result<FileMeta, StoreError> {
    let (dossier_id, component) = authorize_attach(tx, code, component, user).await?;
    let file = NewFile {
        kind: "attachment",
        component,
        name,
        stored,
        citizen_document: None,
    };
    let meta = insert_file(tx, dossier_id, &file, user, now, "dossier.attach").await?;
    crate::citizen::keep_attachment(tx, &rules.citizen, dossier_id, &meta, stored, user, now)
        .await?;
    Ok(meta)
}

pub(crate) struct NewFile<'a> {
    pub kind: &'static str,
    pub component: Option<String>,
    pub name: &'a str,
    pub stored: &'a StoredFile,
    /// The citizen's document this file was taken from, instead of an upload.
    pub citizen_document: Option<Uuid>,
}

/// Adds a file (its bytes already stored) to a dossier, audited in the same transaction.
pub(crate) async fn insert_file(
    tx: &mut Tx,
    dossier_id: Uuid,
    file: &NewFile<'_>,
    user: &User,
    now: DateTime<Utc>,
    audit_action: &str,
) -> Result<FileMeta, StoreError> {
    let meta = FileMeta {
        id: new_id(),
        kind: file.kind.into(),
        component: file.component.clone(),
        name: crate::files::clean_name(file.name),
        content_type: file.stored.content_type.to_string(),
        size: i64::try_from(file.stored.size).unwrap_or(i64::MAX),
        sha256: file.stored.sha256.clone(),
        uploaded_at: now,
    };
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO dossier_files (id, dossier_id, kind, component, name, content_type, size, sha256, uploaded_at,
             uploaded_by, citizen_document_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(meta.id)
    .bind(dossier_id)
    .bind(&meta.kind)
    .bind(&meta.component)
    .bind(&meta.name)
    .bind(&meta.content_type)
    .bind(meta.size)
    .bind(&meta.sha256)
    .bind(now)
    .bind(user.id)
    .bind(file.citizen_document)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    crate::report::mark_file(tx, dossier_id, &meta.kind).await?;
    audit::record(
        tx,
        now,
        &Actor::user(user.id, &user.username),
        audit_action,
        "dossier",
        &dossier_id.to_string(),
        serde_json::json!({ "file": meta.id, "name": meta.name, "sha256": meta.sha256, "size": meta.size }),
    )
    .await?;
    Ok(meta)
}

/// An attachment's description, for someone who may see the dossier.
pub async fn file_for(
    tx: &mut Tx,
    code: &str,
    file_id: Uuid,
    user: &User,
) -> Result<FileMeta, StoreError> {
    let not_found = || StoreError::NotFound(format!("tệp của hồ sơ {code}"));
    let row = load_row(tx, code).await?.ok_or_else(not_found)?;
    let scope = scope_of(tx, user, &row).await?;
    if !may_see(&scope, user) {
        return Err(not_found());
    }
    files_of(tx, row.id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or_else(not_found)
}

pub use xaso_domain::report::Rating;

/// The applicant's rating of a dossier, with the optional TT 01/2018 questions of the form: how
/// many bodies they had to contact (indicator 4) and the officers' attitude, a choice of
/// `data/feedback/chi-so-tt01.toml` (indicator 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    pub rating: Rating,
    /// Required when dissatisfied.
    pub reason: Option<String>,
    pub bodies_contacted: Option<u32>,
    pub attitude: Option<String>,
}

/// Records the applicant's rating: only the applicant, only once the result was returned, only
/// once; a reason is required when dissatisfied; the optional answers must be among the choices.
pub async fn rate(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    answers: &NewRating,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rating = answers.rating;
    let not_found = || StoreError::NotFound(format!("hồ sơ {code}"));
    let row = load_row(tx, code).await?.ok_or_else(not_found)?;
    let scope = scope_of(tx, user, &row).await?;
    if !scope.is_applicant {
        return Err(not_found());
    }
    if parse_state(&row)?.status != Status::Returned {
        return Err(StoreError::Conflict(
            "chỉ đánh giá sau khi đã nhận kết quả".into(),
        ));
    }
    let reason = answers
        .reason
        .as_deref()
        .map(text::clean)
        .filter(|r| !r.is_empty());
    if rating == Rating::Dissatisfied && reason.is_none() {
        return Err(StoreError::Invalid(
            "hãy cho biết lý do không hài lòng".into(),
        ));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(StoreError::Invalid("lý do dài quá 2000 ký tự".into()));
    }
    let points_bodies = match answers.bodies_contacted {
        None => None,
        Some(n @ 1..=50) => rules.indicators.bodies_points(n),
        Some(n) => {
            return Err(StoreError::Invalid(format!(
                "số cơ quan phải liên hệ phải từ 1 đến 50, không phải {n}"
            )))
        }
    };
    let points_attitude = match answers.attitude.as_deref() {
        None => None,
        Some(code) => Some(
            rules
                .indicators
                .attitude(code)
                .ok_or_else(|| StoreError::Invalid(format!("không có lựa chọn thái độ “{code}”")))?
                .points,
        ),
    };
    let inserted = db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO dossier_ratings (dossier_id, rating, reason, rated_at, rated_by, bodies_contacted, attitude)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (dossier_id) DO NOTHING"
    )
    .bind(row.id)
    .bind(rating.key())
    .bind(&reason)
    .bind(now)
    .bind(user.id)
    .bind(answers.bodies_contacted.map(i64::from))
    .bind(&answers.attitude)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if inserted == 0 {
        return Err(StoreError::Conflict("hồ sơ này đã được đánh giá".into()));
    }
    crate::report::mark_rating(tx, row.id, rating, now, (points_bodies, points_attitude)).await?;
    audit::record(
        tx,
        now,
        &Actor::user(user.id, &user.username),
        "dossier.rate",
        "dossier",
        &row.id.to_string(),
        serde_json::json!({
            "rating": rating.key(),
            "bodies_contacted": answers.bodies_contacted,
            "attitude": answers.attitude,
        }),
    )
    .await
}

/// The rating of a dossier, if given.
pub async fn rating_of(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<(Rating, Option<String>)>, StoreError> {
    let row: Option<(String, Option<String>)> = db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT r.rating, r.reason FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id WHERE d.code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await
    })?;
    Ok(row.and_then(|(rating, reason)| Rating::parse(&rating).map(|r| (r, reason))))
}

/// How the rules see a user on a dossier (for pages that offer only the actions that can work).
pub async fn scope_for(
    tx: &mut Tx,
    code: &str,
    user: &User,
) -> Result<Option<ActorScope>, StoreError> {
    let Some(row) = load_row(tx, code).await? else {
        return Ok(None);
    };
    let scope = scope_of(tx, user, &row).await?;
    Ok(may_see(&scope, user).then_some(scope))
}

/// The communes (for choosing where a location-independent dossier is decided).
pub async fn communes(tx: &mut Tx) -> Result<Vec<Agency>, StoreError> {
    Ok(agency::list(tx)
        .await?
        .into_iter()
        .filter(|a| a.kind == "commune")
        .collect())
}

/// The dossiers received at the user's commune in [from, to) (the register, form 06), oldest first.
pub async fn register(
    tx: &mut Tx,
    rules: &DossierRules,
    user: &User,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<DossierView>, StoreError> {
    let Some(commune) = user_commune(tx, user).await? else {
        return Err(StoreError::Forbidden(
            "sổ theo dõi hồ sơ dành cho cán bộ của một xã, phường".into(),
        ));
    };
    let codes: Vec<String> = db!(tx.conn(), |c| {
        sqlx::query_scalar(
        "SELECT code FROM dossiers WHERE receiving_commune_id = $1 AND submitted_at >= $2 AND submitted_at < $3
         ORDER BY submitted_at, code"
    )
    .bind(commune)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await
    })?;
    let mut views = Vec::with_capacity(codes.len());
    for code in codes {
        if let Some(view) = view(tx, rules, &code, now).await? {
            views.push(view);
        }
    }
    Ok(views)
}

/// Records the signed e-result of a resolved dossier, by the leader who may approve it there.
#[allow(clippy::too_many_arguments)] // the file, who signs it, when, under which rules
pub async fn attach_result(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    name: &str,
    stored: &StoredFile,
    user: &User,
    now: DateTime<Utc>,
) -> Result<FileMeta, StoreError> {
    let not_found = || StoreError::NotFound(format!("hồ sơ {code}"));
    let row = load_row(tx, code).await?.ok_or_else(not_found)?;
    let scope = scope_of(tx, user, &row).await?;
    if !(scope.at_competent && user.has_role(Role::Leader)) {
        return Err(StoreError::Forbidden(
            "chỉ lãnh đạo xã có thẩm quyền ký kết quả".into(),
        ));
    }
    if parse_state(&row)?.resolved_at.is_none() {
        return Err(StoreError::Conflict("hồ sơ chưa được phê duyệt".into()));
    }
    let file = NewFile {
        kind: "result",
        component: None,
        name,
        stored,
        citizen_document: None,
    };
    let meta = insert_file(tx, row.id, &file, user, now, "dossier.sign_result").await?;
    let applicant = Applicant {
        name: row.applicant_name.clone(),
        id_number: row.applicant_id_number.clone(),
        phone: row.applicant_phone.clone(),
        email: row.applicant_email.clone(),
        address: row.applicant_address.clone(),
    };
    let channel = Channel::from_code(row.channel).unwrap_or(Channel::Online);
    let vouched = crate::citizen::vouched_number(
        tx,
        &rules.citizen,
        &applicant,
        channel,
        row.submitted_by,
        now,
    )
    .await?;
    if let Some(id_number) = &vouched {
        let procedure = catalog::procedure(tx, &row.procedure_code, row.procedure_version)
            .await?
            .ok_or_else(not_found)?;
        crate::citizen::keep_result(
            tx,
            &rules.citizen,
            id_number,
            (row.id, &row.code),
            &procedure,
            &meta,
            stored,
            now,
        )
        .await?;
    }
    Ok(meta)
}
