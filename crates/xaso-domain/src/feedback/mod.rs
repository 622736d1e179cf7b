//! Citizens' feedback (phản ánh, kiến nghị — PAKN, NĐ 20/2008), without IO: classification, the
//! legal deadlines in working days counted from submission or the latest transfer (as data in
//! `data/feedback/thoi-han.toml`), and the state machine from receipt to a published answer and
//! the citizen's rating of it.

pub mod open311;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::deadline::{DeadlineRequest, DeadlineRule};
use crate::calendar::{CalendarError, Timing, WorkCalendar};
use crate::datafile::{DataError, DataFile};
use crate::report::Rating;

/// The deadlines, in working days, and the kinds of feedback offered (Open311 "services").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct FeedbackRules {
    pub refuse_days: u32,
    pub supplement_days: u32,
    pub forward_days: u32,
    pub answer_days: u32,
    pub publish_days: u32,
    pub services: Vec<Service>,
}

/// A kind of feedback a citizen may send.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    #[allow(dead_code)] // Listed for readers of the file.
    unverified: Vec<String>,
    refuse_days: toml::Spanned<i64>,
    supplement_days: toml::Spanned<i64>,
    forward_days: toml::Spanned<i64>,
    answer_days: toml::Spanned<i64>,
    publish_days: toml::Spanned<i64>,
    #[serde(rename = "service")]
    services: Vec<toml::Spanned<toml::Value>>,
}

/// Reads the deadlines: each 1 to 90 working days, problems with their lines.
pub fn parse_rules(file_name: &str, source: &str) -> Result<FeedbackRules, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: RulesFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut days = |value: &toml::Spanned<i64>, key: &str| -> u32 {
        match u32::try_from(*value.get_ref()) {
            Ok(days) if (1..=90).contains(&days) => days,
            _ => {
                problems.push(file.problem_in(
                    &value.span(),
                    None,
                    &format!("{key} phải từ 1 đến 90 ngày làm việc"),
                ));
                1
            }
        }
    };
    let (refuse_days, supplement_days, forward_days, answer_days, publish_days) = (
        days(&raw.refuse_days, "refuse_days"),
        days(&raw.supplement_days, "supplement_days"),
        days(&raw.forward_days, "forward_days"),
        days(&raw.answer_days, "answer_days"),
        days(&raw.publish_days, "publish_days"),
    );
    let mut services: Vec<Service> = Vec::new();
    for entry in raw.services {
        let span = entry.span();
        match Service::deserialize(entry.into_inner()) {
            Ok(mut service) => {
                service.name = crate::text::clean(&service.name);
                let valid = !service.code.is_empty()
                    && service
                        .code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !valid
                    || services.iter().any(|s| s.code == service.code)
                    || service.name.is_empty()
                {
                    problems.push(file.problem_in(
                        &span,
                        Some("code"),
                        &format!(
                            "loại phản ánh “{}” sai mã, trùng hoặc thiếu tên",
                            service.code
                        ),
                    ));
                }
                services.push(service);
            }
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("loại phản ánh sai: {e}")))
            }
        }
    }
    if services.is_empty() {
        problems.push(file.problem_at(1, "cần ít nhất một loại phản ánh ([[service]])".into()));
    }
    let rules = FeedbackRules {
        refuse_days,
        supplement_days,
        forward_days,
        answer_days,
        publish_days,
        services,
    };
    DataError::or_value(problems, rules)
}

/// How a feedback item is classified (NĐ 20/2008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// About the conduct of an officer or a body.
    Conduct,
    /// About a rule or a procedure, within this body's authority.
    WithinAuthority,
    /// Outside this body's authority: to be forwarded.
    OutsideAuthority,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Conduct => "Phản ánh về hành vi, thái độ",
            Category::WithinAuthority => "Phản ánh, kiến nghị thuộc thẩm quyền",
            Category::OutsideAuthority => "Không thuộc thẩm quyền",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackStatus {
    /// Received, not yet classified.
    Received,
    /// Classified, being handled.
    Handling,
    /// Waiting for the citizen's supplement.
    WaitingSupplement,
    /// Not accepted (with reasons).
    Refused,
    /// Sent to the competent body.
    Forwarded,
    /// Answered, not yet published.
    Answered,
    /// The answer is public.
    Published,
}

impl FeedbackStatus {
    pub fn label(self) -> &'static str {
        match self {
            FeedbackStatus::Received => "Đã tiếp nhận",
            FeedbackStatus::Handling => "Đang xử lý",
            FeedbackStatus::WaitingSupplement => "Chờ bổ sung thông tin",
            FeedbackStatus::Refused => "Không tiếp nhận",
            FeedbackStatus::Forwarded => "Đã chuyển cơ quan có thẩm quyền",
            FeedbackStatus::Answered => "Đã trả lời",
            FeedbackStatus::Published => "Đã công khai kết quả",
        }
    }

    /// Open311's two states.
    pub fn open311(self) -> &'static str {
        match self {
            FeedbackStatus::Refused | FeedbackStatus::Forwarded | FeedbackStatus::Published => {
                "closed"
            }
            _ => "open",
        }
    }
}

/// The deadlines of an item, from its clock start (submission or the latest transfer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub refuse_by: DateTime<Utc>,
    pub supplement_by: DateTime<Utc>,
    pub forward_by: DateTime<Utc>,
    pub answer_by: DateTime<Utc>,
}

/// A feedback item's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackState {
    pub status: FeedbackStatus,
    pub submitted_at: DateTime<Utc>,
    /// Submission, or the latest transfer to this body: the deadlines count from here.
    pub clock_from: DateTime<Utc>,
    pub deadlines: Deadlines,
    pub category: Option<Category>,
    pub supplement_asked: bool,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub publish_by: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub forwarded_to: Option<String>,
    pub rating: Option<Rating>,
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// An officer of the body the item is with.
    Officer,
    /// The citizen who sent it.
    Author,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FeedbackAction {
    Classify {
        category: Category,
    },
    Refuse {
        reasons: String,
    },
    RequestSupplement {
        items: String,
    },
    Supplemented {
        text: String,
    },
    /// To another body (outside this one's authority), or received from one: the clock restarts.
    Forward {
        to: String,
    },
    Answer {
        text: String,
    },
    Publish,
    Rate {
        rating: Rating,
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn due(
    calendar: &WorkCalendar,
    from: DateTime<Utc>,
    days: u32,
) -> Result<DateTime<Utc>, CalendarError> {
    let mut request = DeadlineRequest::new(from, DeadlineRule::WorkingDays { days });
    // A feedback item received after hours counts from the next working day like a dossier.
    request.cutoff = Some(15 * 60);
    calendar.due(&request)
}

/// The deadlines counted from `from`.
pub fn deadlines(
    rules: &FeedbackRules,
    calendar: &WorkCalendar,
    from: DateTime<Utc>,
) -> Result<Deadlines, CalendarError> {
    Ok(Deadlines {
        refuse_by: due(calendar, from, rules.refuse_days)?,
        supplement_by: due(calendar, from, rules.supplement_days)?,
        forward_by: due(calendar, from, rules.forward_days)?,
        answer_by: due(calendar, from, rules.answer_days)?,
    })
}

impl FeedbackState {
    /// A new item, received at `now`.
    pub fn new(
        rules: &FeedbackRules,
        calendar: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<FeedbackState, CalendarError> {
        Ok(FeedbackState {
            status: FeedbackStatus::Received,
            submitted_at: now,
            clock_from: now,
            deadlines: deadlines(rules, calendar, now)?,
            category: None,
            supplement_asked: false,
            answered_at: None,
            answer: None,
            publish_by: None,
            published_at: None,
            forwarded_to: None,
            rating: None,
        })
    }

    /// Whether it was answered within its deadline (`None` while unanswered).
    pub fn answered_in_time(&self, calendar: &WorkCalendar) -> Option<bool> {
        self.answered_at
            .map(|at| calendar.timing(at, self.deadlines.answer_by) != Timing::Late)
    }

    /// The deadline the next step runs against, for lists and alerts.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        match self.status {
            FeedbackStatus::Received => Some(self.deadlines.refuse_by),
            FeedbackStatus::Handling => Some(self.deadlines.answer_by),
            FeedbackStatus::Answered => self.publish_by,
            _ => None,
        }
    }
}

fn text(value: &str, what: &str) -> Result<String, FeedbackError> {
    let value = crate::text::clean(value);
    if value.is_empty() || value.chars().count() > 8000 {
        return Err(FeedbackError::Invalid(format!(
            "cần ghi {what} (không quá 8000 ký tự)"
        )));
    }
    Ok(value)
}

fn not_allowed(state: &FeedbackState, what: &str) -> FeedbackError {
    FeedbackError::NotAllowed(format!(
        "không thể {what} khi phản ánh đang “{}”",
        state.status.label()
    ))
}

/// Applies an action; returns the new state and the line for the item's history.
pub fn apply(
    state: &FeedbackState,
    action: &FeedbackAction,
    actor: Actor,
    now: DateTime<Utc>,
    rules: &FeedbackRules,
    calendar: &WorkCalendar,
) -> Result<(FeedbackState, String), FeedbackError> {
    use FeedbackStatus as S;
    let officer = || {
        if actor == Actor::Officer {
            Ok(())
        } else {
            Err(FeedbackError::NotAllowed(
                "chỉ cán bộ của cơ quan tiếp nhận thực hiện được thao tác này".into(),
            ))
        }
    };
    let mut next = state.clone();
    let line = match action {
        FeedbackAction::Classify { category } => {
            officer()?;
            if state.status != S::Received {
                return Err(not_allowed(state, "phân loại"));
            }
            next.category = Some(*category);
            next.status = S::Handling;
            format!("Phân loại: {}", category.label())
        }
        FeedbackAction::Refuse { reasons } => {
            officer()?;
            if state.status != S::Received {
                return Err(not_allowed(state, "từ chối tiếp nhận"));
            }
            next.status = S::Refused;
            format!("Không tiếp nhận: {}", text(reasons, "lý do")?)
        }
        FeedbackAction::RequestSupplement { items } => {
            officer()?;
            if !matches!(state.status, S::Received | S::Handling) || state.supplement_asked {
                return Err(FeedbackError::NotAllowed(
                    "chỉ yêu cầu bổ sung thông tin một lần, trước khi trả lời".into(),
                ));
            }
            next.status = S::WaitingSupplement;
            next.supplement_asked = true;
            format!(
                "Yêu cầu bổ sung thông tin: {}",
                text(items, "thông tin cần bổ sung")?
            )
        }
        FeedbackAction::Supplemented { text: added } => {
            if state.status != S::WaitingSupplement {
                return Err(not_allowed(state, "bổ sung thông tin"));
            }
            let added = text(added, "thông tin bổ sung")?;
            // The time to answer counts again from the supplement.
            next.clock_from = now;
            next.deadlines = deadlines(rules, calendar, now)?;
            next.status = if state.category.is_some() {
                S::Handling
            } else {
                S::Received
            };
            format!("Đã bổ sung thông tin: {added}")
        }
        FeedbackAction::Forward { to } => {
            officer()?;
            if !matches!(state.status, S::Received | S::Handling) {
                return Err(not_allowed(state, "chuyển"));
            }
            let to = text(to, "cơ quan nhận")?;
            next.status = S::Forwarded;
            next.forwarded_to = Some(to.clone());
            format!("Chuyển {to} (không thuộc thẩm quyền)")
        }
        FeedbackAction::Answer { text: answer } => {
            officer()?;
            if state.status != S::Handling {
                return Err(not_allowed(state, "trả lời"));
            }
            let answer = text(answer, "nội dung trả lời")?;
            next.status = S::Answered;
            next.answered_at = Some(now);
            next.answer = Some(answer);
            next.publish_by = Some(due(calendar, now, rules.publish_days)?);
            "Đã trả lời".to_string()
        }
        FeedbackAction::Publish => {
            officer()?;
            if state.status != S::Answered {
                return Err(not_allowed(state, "công khai"));
            }
            next.status = S::Published;
            next.published_at = Some(now);
            "Đã công khai kết quả trả lời".to_string()
        }
        FeedbackAction::Rate { rating, reason } => {
            if actor != Actor::Author {
                return Err(FeedbackError::NotAllowed(
                    "chỉ người gửi đánh giá câu trả lời".into(),
                ));
            }
            if !matches!(state.status, S::Answered | S::Published) || state.rating.is_some() {
                return Err(FeedbackError::NotAllowed(
                    "đánh giá một lần, sau khi có câu trả lời".into(),
                ));
            }
            let reason = reason
                .as_deref()
                .map(crate::text::clean)
                .filter(|r| !r.is_empty());
            if *rating == Rating::Dissatisfied && reason.is_none() {
                return Err(FeedbackError::Invalid(
                    "cần ghi lý do không hài lòng".into(),
                ));
            }
            next.rating = Some(*rating);
            format!("Người gửi đánh giá: {}", rating.label())
        }
    };
    Ok((next, line))
}

/// Whether an item about a dossier counts as a complaint about it (QĐ 766 "with complaint or
/// dislike"): classified as about the officers' conduct or about the handling within this
/// body's authority. Refused items and those outside the body's authority do not count, nor
/// unclassified ones until they are classified.
pub fn is_complaint(state: &FeedbackState) -> bool {
    is_complaint_of(state.category, state.status)
}

/// `is_complaint` from the classification and status alone (as the store keeps them).
pub fn is_complaint_of(category: Option<Category>, status: FeedbackStatus) -> bool {
    status != FeedbackStatus::Refused
        && matches!(
            category,
            Some(Category::Conduct | Category::WithinAuthority)
        )
}

/// Forwarding to another body of the system: allowed where `Forward` is (received or being
/// handled, by an officer). The item then starts again at that body (`received_by_transfer` on
/// its calendar). Whether the 5 working days for forwarding were kept goes into the history
/// line rather than blocking it: refusing a late forward would leave the item with a body that
/// cannot answer it.
pub fn forward_within_system(
    state: &FeedbackState,
    actor: Actor,
    to_name: &str,
    now: DateTime<Utc>,
    rules: &FeedbackRules,
    from_calendar: &WorkCalendar,
    to_calendar: &WorkCalendar,
) -> Result<(FeedbackState, String), FeedbackError> {
    if actor != Actor::Officer {
        return Err(FeedbackError::NotAllowed(
            "chỉ cán bộ của cơ quan tiếp nhận thực hiện được thao tác này".into(),
        ));
    }
    if !matches!(
        state.status,
        FeedbackStatus::Received | FeedbackStatus::Handling
    ) {
        return Err(not_allowed(state, "chuyển"));
    }
    let late = from_calendar.timing(now, state.deadlines.forward_by) == Timing::Late;
    let mut next = received_by_transfer(rules, to_calendar, state.submitted_at, now)?;
    next.supplement_asked = state.supplement_asked;
    let late = if late {
        format!(", chuyển quá {} ngày làm việc", rules.forward_days)
    } else {
        String::new()
    };
    let line =
        format!("Chuyển {to_name} (không thuộc thẩm quyền); thời hạn tính lại từ khi nhận{late}");
    Ok((next, line))
}

/// A transferred item arrives at the competent body: its deadlines count again from now.
pub fn received_by_transfer(
    rules: &FeedbackRules,
    calendar: &WorkCalendar,
    submitted_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<FeedbackState, CalendarError> {
    let mut state = FeedbackState::new(rules, calendar, now)?;
    state.submitted_at = submitted_at;
    Ok(state)
}

#[cfg(test)]
mod tests;
