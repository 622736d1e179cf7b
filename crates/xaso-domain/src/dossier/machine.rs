//! The dossier state machine: which action is allowed, to whom, in which status and step, and
//! what it changes — the visible national status, the internal step, the appointment (which never
//! moves earlier), the clock pauses, and a history entry for the process-control slip (form 05).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::status::Status;
use super::workflow::{Place, StepAction, Workflow};
use crate::calendar::deadline::DeadlineRequest;
use crate::calendar::{CalendarError, DeadlineRule, Timing, WorkCalendar};
use crate::catalog::ProcessingTime;
use crate::identity::Role;

/// The result of a resolved dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResultRecord {
    pub number: String,
    pub signer: String,
    pub decided_at: DateTime<Utc>,
}

/// Everything the rules need to know about a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierState {
    pub status: Status,
    pub step: usize,
    pub submitted_at: DateTime<Utc>,
    /// When the complete dossier was received: the clock starts here.
    pub received_at: Option<DateTime<Utc>>,
    /// The appointment (ngày hẹn trả).
    pub due: Option<DateTime<Utc>>,
    pub step_started: DateTime<Utc>,
    pub step_due: Option<DateTime<Utc>>,
    pub paused_since: Option<DateTime<Utc>>,
    /// A supplement asked within 3 working days of receipt restarts the clock when answered.
    pub restart_on_supplement: bool,
    pub supplement_requests: u32,
    /// More than one supplement request makes a dossier late whatever the dates (QĐ 766).
    pub late_by_rule: bool,
    pub rescheduled: bool,
    pub resolved_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub result: Option<ResultRecord>,
    /// What the latest supplement request asked for (form 02), the refusal (form 03) and the
    /// apology (form 04), kept for the printed forms.
    #[serde(default)]
    pub supplement: Option<SupplementRequest>,
    #[serde(default)]
    pub refusal: Option<Refusal>,
    #[serde(default)]
    pub apology: Option<Apology>,
    /// The financial obligation asked of the applicant (status 6), and its settlement.
    #[serde(default)]
    pub payment: Option<PaymentDue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaymentDue {
    /// đồng
    pub amount: u64,
    /// What is charged and why (the quote's lines).
    pub detail: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The receipt or transaction that settled it.
    #[serde(default)]
    pub paid_reference: Option<String>,
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SupplementRequest {
    pub items: Vec<String>,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refusal {
    pub reasons: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// Refused at reception (form 03 "tiếp nhận") rather than after (form 03 "giải quyết").
    pub at_reception: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Apology {
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub old_due: DateTime<Utc>,
    pub new_due: DateTime<Utc>,
}

impl DossierState {
    /// A dossier just registered (online, or at the counter before the check), at the first step.
    pub fn new(now: DateTime<Utc>) -> DossierState {
        DossierState {
            status: Status::Registered,
            step: 0,
            submitted_at: now,
            received_at: None,
            due: None,
            step_started: now,
            step_due: None,
            paused_since: None,
            restart_on_supplement: false,
            supplement_requests: 0,
            late_by_rule: false,
            rescheduled: false,
            resolved_at: None,
            ended_at: None,
            result: None,
            supplement: None,
            refusal: None,
            apology: None,
            payment: None,
        }
    }

    /// Early / on time / late once resolved; `None` before.
    pub fn outcome(&self, calendar: &WorkCalendar) -> Option<Timing> {
        let (resolved, due) = (self.resolved_at?, self.due?);
        if self.late_by_rule {
            return Some(Timing::Late);
        }
        Some(calendar.timing(resolved, due))
    }

    /// For inboxes: on track, due within one working day, or overdue (unresolved only).
    pub fn urgency(&self, now: DateTime<Utc>, calendar: &WorkCalendar) -> Option<Urgency> {
        if self.status.is_terminal() || self.resolved_at.is_some() || self.paused_since.is_some() {
            return None;
        }
        let due = self.due?;
        if now > due {
            return Some(Urgency::Overdue);
        }
        if due - now > chrono::Duration::days(7) {
            // A week of calendar time is more than a working day: no need to count.
            return Some(Urgency::OnTrack);
        }
        let left = calendar.working_minutes_between(now, due).unwrap_or(0);
        Some(if left <= i64::from(calendar.hours().day_minutes()) {
            Urgency::DueSoon
        } else {
            Urgency::OnTrack
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    OnTrack,
    DueSoon,
    Overdue,
}

impl Urgency {
    pub fn label(self) -> &'static str {
        match self {
            Urgency::OnTrack => "Trong hạn",
            Urgency::DueSoon => "Sắp đến hạn",
            Urgency::Overdue => "Quá hạn",
        }
    }
}

/// What someone asks to do to a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Accept {
        note: Option<String>,
    },
    Forward {
        note: Option<String>,
    },
    ReturnBack {
        note: String,
    },
    Consult {
        body: String,
        subject: String,
        answer_within_days: u32,
    },
    RequestSupplement {
        items: Vec<String>,
        reason: String,
    },
    Supplemented {
        note: Option<String>,
    },
    Refuse {
        reasons: String,
    },
    Stop {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    Apologize {
        reason: String,
        new_date: NaiveDate,
    },
    Approve {
        result_number: String,
        note: Option<String>,
    },
    ReturnResult {
        note: Option<String>,
    },
    /// Asks the applicant to pay (status 6); the legal time stops until paid.
    RequestPayment {
        amount: u64,
        detail: String,
    },
    /// The amount asked was paid (recorded by the payment module: a receipt or a gateway
    /// transaction); the time runs again.
    Paid {
        amount: u64,
        reference: String,
    },
}

impl Action {
    pub fn key(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "accept",
            Action::Forward { .. } => "forward",
            Action::ReturnBack { .. } => "return_back",
            Action::Consult { .. } => "consult",
            Action::RequestSupplement { .. } => "request_supplement",
            Action::Supplemented { .. } => "supplemented",
            Action::Refuse { .. } => "refuse",
            Action::Stop { .. } => "stop",
            Action::Withdraw { .. } => "withdraw",
            Action::Apologize { .. } => "apologize",
            Action::Approve { .. } => "approve",
            Action::ReturnResult { .. } => "return_result",
            Action::RequestPayment { .. } => "request_payment",
            Action::Paid { .. } => "paid",
        }
    }
}

/// Who acts, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorScope {
    pub name: String,
    pub roles: Vec<Role>,
    /// Belongs to the commune whose centre received the dossier.
    pub at_receiving: bool,
    /// Belongs to the commune competent to decide it.
    pub at_competent: bool,
    /// Is the applicant (the citizen account that submitted it).
    pub is_applicant: bool,
}

impl ActorScope {
    /// Where the dossier stands relative to this actor, as the access policy asks.
    pub fn places(&self) -> crate::identity::access::DossierPlaces {
        crate::identity::access::DossierPlaces {
            at_receiving: self.at_receiving,
            at_competent: self.at_competent,
            is_applicant: self.is_applicant,
        }
    }
}

/// The rules a dossier is handled under.
pub struct Rules<'a> {
    pub workflow: &'a Workflow,
    pub time: &'a ProcessingTime,
    /// The competent commune's calendar.
    pub calendar: &'a WorkCalendar,
}

/// One line of the process-control slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub action: String,
    pub status_from: Status,
    pub status_to: Status,
    pub step_from: String,
    pub step_to: String,
    pub content: String,
    /// The deadline of the step being left, and how it was met.
    pub step_due: Option<DateTime<Utc>>,
    pub step_result: Option<Timing>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn deadline_rule(time: &ProcessingTime) -> (DeadlineRule, Option<u32>) {
    match time {
        ProcessingTime::Immediate { cutoff, .. } => {
            (DeadlineRule::Immediate, crate::catalog::parse_clock(cutoff))
        }
        ProcessingTime::WorkingDays { days, .. } => {
            (DeadlineRule::WorkingDays { days: *days }, Some(15 * 60))
        }
        ProcessingTime::WorkingHours { hours } => {
            (DeadlineRule::WorkingHours { hours: *hours }, Some(15 * 60))
        }
    }
}

fn required(text: &str, what: &str) -> Result<String, DossierError> {
    let text = crate::text::clean(text);
    if text.is_empty() {
        Err(DossierError::Invalid(format!("cần ghi {what}")))
    } else if text.chars().count() > 4000 {
        Err(DossierError::Invalid(format!("{what} dài quá 4000 ký tự")))
    } else {
        Ok(text)
    }
}

fn with_note(base: String, note: &Option<String>) -> String {
    match note
        .as_deref()
        .map(crate::text::clean)
        .filter(|n| !n.is_empty())
    {
        Some(note) => format!("{base}: {note}"),
        None => base,
    }
}

/// The largest amount one dossier may be asked to pay (a typing slip beyond it).
pub const MAX_PAYMENT: u64 = 1_000_000_000_000;

/// Applies an action, or says why it cannot be done. Never panics on any input.
pub fn apply(
    state: &DossierState,
    action: &Action,
    actor: &ActorScope,
    now: DateTime<Utc>,
    rules: &Rules<'_>,
) -> Result<(DossierState, HistoryEntry), DossierError> {
    if state.status.is_terminal() {
        return Err(DossierError::NotAllowed(format!(
            "hồ sơ đã kết thúc ({}), không thể thao tác thêm",
            state.status.label()
        )));
    }
    let workflow = rules.workflow;
    let step = workflow
        .step(state.step)
        .ok_or_else(|| DossierError::Invalid("hồ sơ ở một bước không có trong quy trình".into()))?;
    let mut next = state.clone();
    let step_key = step.key.clone();

    // Who may act at the current step.
    let at_step = actor.roles.contains(&step.role)
        && match step.at {
            Place::Receiving => actor.at_receiving,
            Place::Competent => actor.at_competent,
        };
    let require_step = |wanted: StepAction| -> Result<(), DossierError> {
        if !step.allows(wanted) {
            return Err(DossierError::NotAllowed(format!(
                "bước “{}” không có thao tác “{}”",
                step.name,
                wanted.label()
            )));
        }
        if !at_step {
            return Err(DossierError::Forbidden(format!(
                "chỉ {} của {} được thao tác ở bước “{}”",
                step.role.label().to_lowercase(),
                match step.at {
                    Place::Receiving => "nơi tiếp nhận",
                    Place::Competent => "xã có thẩm quyền",
                },
                step.name
            )));
        }
        Ok(())
    };
    let accepted = state.received_at.is_some();
    let content: String;

    match action {
        Action::Accept { note } => {
            require_step(StepAction::Accept)?;
            if accepted {
                return Err(DossierError::NotAllowed("hồ sơ đã được tiếp nhận".into()));
            }
            if state.status != Status::Registered {
                // A supplement asked at reception is answered (supplemented) before acceptance.
                return Err(DossierError::NotAllowed(format!(
                    "hồ sơ đang “{}”: hãy ghi nhận giấy tờ bổ sung trước khi tiếp nhận",
                    state.status.label()
                )));
            }
            let (rule, cutoff) = deadline_rule(rules.time);
            let mut request = DeadlineRequest::new(now, rule);
            request.cutoff = cutoff;
            let due = rules.calendar.due(&request)?;
            next.status = Status::Received;
            next.received_at = Some(now);
            next.due = Some(due);
            content = with_note(
                format!(
                    "Tiếp nhận hồ sơ đầy đủ, hẹn trả {}",
                    crate::calendar::deadline::to_local(due).format("%H:%M %d/%m/%Y")
                ),
                note,
            );
        }
        Action::Forward { note } => {
            require_step(StepAction::Forward)?;
            if !accepted || !matches!(state.status, Status::Received | Status::Processing) {
                return Err(DossierError::NotAllowed(format!(
                    "không thể chuyển hồ sơ đang ở trạng thái “{}”",
                    state.status.label()
                )));
            }
            let target = state.step + 1;
            if Some(target) > workflow.approval_index() {
                return Err(DossierError::NotAllowed(
                    "bước tiếp theo chỉ đến được bằng phê duyệt".into(),
                ));
            }
            move_to(&mut next, target, now, rules)?;
            next.status = Status::Processing;
            content = with_note(
                format!("Chuyển đến bước “{}”", workflow.steps[target].name),
                note,
            );
        }
        Action::ReturnBack { note } => {
            require_step(StepAction::ReturnBack)?;
            let note = required(note, "lý do trả lại")?;
            if state.step <= 1 || state.status != Status::Processing {
                return Err(DossierError::NotAllowed(
                    "không có bước xử lý trước để trả lại".into(),
                ));
            }
            let target = state.step - 1;
            move_to(&mut next, target, now, rules)?;
            content = format!("Trả lại bước “{}”: {note}", workflow.steps[target].name);
        }
        Action::Consult {
            body,
            subject,
            answer_within_days,
        } => {
            require_step(StepAction::Consult)?;
            let body = required(body, "cơ quan được xin ý kiến")?;
            let subject = required(subject, "nội dung xin ý kiến")?;
            if !matches!(state.status, Status::Received | Status::Processing) {
                return Err(DossierError::NotAllowed(
                    "chỉ xin ý kiến khi hồ sơ đang xử lý".into(),
                ));
            }
            if !(1..=30).contains(answer_within_days) {
                return Err(DossierError::Invalid(
                    "thời hạn trả lời từ 1 đến 30 ngày làm việc".into(),
                ));
            }
            content = format!(
                "Xin ý kiến {body} về {subject}, trả lời trong {answer_within_days} ngày làm việc"
            );
        }
        Action::RequestSupplement { items, reason } => {
            require_step(StepAction::RequestSupplement)?;
            let reason = required(reason, "lý do yêu cầu bổ sung")?;
            let items: Vec<String> = items
                .iter()
                .map(|i| crate::text::clean(i))
                .filter(|i| !i.is_empty())
                .collect();
            if items.is_empty() {
                return Err(DossierError::Invalid(
                    "cần liệt kê đầy đủ các giấy tờ phải bổ sung (một lần)".into(),
                ));
            }
            if !matches!(
                state.status,
                Status::Registered | Status::Received | Status::Processing
            ) {
                return Err(DossierError::NotAllowed(format!(
                    "không thể yêu cầu bổ sung khi hồ sơ đang “{}”",
                    state.status.label()
                )));
            }
            if accepted {
                let received = state.received_at.unwrap_or(now);
                let within_three_days = rules.calendar.working_minutes_between(received, now)?
                    <= 3 * i64::from(rules.calendar.hours().day_minutes());
                next.paused_since = Some(now);
                next.restart_on_supplement = within_three_days && state.supplement_requests == 0;
                next.supplement_requests += 1;
                if next.supplement_requests > 1 {
                    next.late_by_rule = true;
                }
            }
            next.status = Status::WaitingSupplement;
            content = format!("Yêu cầu bổ sung: {} — lý do: {reason}", items.join("; "));
            next.supplement = Some(SupplementRequest {
                items,
                reason,
                by: actor.name.clone(),
                at: now,
            });
        }
        Action::Supplemented { note } => {
            if state.status != Status::WaitingSupplement {
                return Err(DossierError::NotAllowed("hồ sơ không chờ bổ sung".into()));
            }
            let counter = actor.roles.contains(&Role::CounterOfficer) && actor.at_receiving;
            if !(actor.is_applicant || counter) {
                return Err(DossierError::Forbidden(
                    "chỉ người nộp hồ sơ hoặc bộ phận một cửa nhận bổ sung".into(),
                ));
            }
            if let (Some(paused), Some(due)) = (state.paused_since, state.due) {
                if state.restart_on_supplement {
                    // Incomplete found in appraisal within 3 days: the time runs again from now.
                    let (rule, cutoff) = deadline_rule(rules.time);
                    let mut request = DeadlineRequest::new(now, rule);
                    request.cutoff = cutoff;
                    next.received_at = Some(now);
                    next.due = Some(rules.calendar.due(&request)?.max(due));
                    let step = next.step;
                    move_to(&mut next, step, now, rules)?;
                } else {
                    let paused_minutes = rules.calendar.working_minutes_between(paused, now)?;
                    if paused_minutes == 0 {
                        // Supplemented outside working time: no working time was lost.
                        next.status = if state.step == 0 {
                            Status::Received
                        } else {
                            Status::Processing
                        };
                        next.paused_since = None;
                        next.restart_on_supplement = false;
                        let entry_content = with_note("Đã nhận đủ giấy tờ bổ sung".into(), note);
                        return Ok(finish(
                            state,
                            next,
                            action,
                            entry_content,
                            now,
                            rules,
                            step_key,
                        ));
                    }
                    shift_deadlines(state, &mut next, paused_minutes, rules)?;
                }
                next.status = if state.step == 0 {
                    Status::Received
                } else {
                    Status::Processing
                };
            } else {
                next.status = Status::Registered;
            }
            next.paused_since = None;
            next.restart_on_supplement = false;
            content = with_note("Đã nhận đủ giấy tờ bổ sung".into(), note);
        }
        Action::RequestPayment { amount, detail } => {
            require_step(StepAction::RequestPayment)?;
            let detail = required(detail, "khoản phải nộp")?;
            if !(1..=MAX_PAYMENT).contains(amount) {
                return Err(DossierError::Invalid(format!(
                    "số tiền phải từ 1 đ đến {}",
                    crate::money::format_vnd(MAX_PAYMENT)
                )));
            }
            if !matches!(state.status, Status::Received | Status::Processing) {
                return Err(DossierError::NotAllowed(format!(
                    "không thể yêu cầu nộp phí, lệ phí khi hồ sơ đang “{}”",
                    state.status.label()
                )));
            }
            if state.payment.as_ref().is_some_and(|p| p.paid_at.is_some()) {
                return Err(DossierError::NotAllowed(
                    "hồ sơ đã thực hiện xong nghĩa vụ tài chính".into(),
                ));
            }
            next.status = Status::WaitingPayment;
            next.paused_since = Some(now);
            content = format!(
                "Yêu cầu thực hiện nghĩa vụ tài chính: {} ({detail})",
                crate::money::format_vnd(*amount)
            );
            next.payment = Some(PaymentDue {
                amount: *amount,
                detail,
                by: actor.name.clone(),
                at: now,
                paid_reference: None,
                paid_at: None,
            });
        }
        Action::Paid { amount, reference } => {
            let Some(due) = state
                .payment
                .as_ref()
                .filter(|_| state.status == Status::WaitingPayment)
            else {
                return Err(DossierError::NotAllowed(
                    "hồ sơ không chờ thực hiện nghĩa vụ tài chính".into(),
                ));
            };
            if !(actor.roles.contains(&Role::CounterOfficer) && actor.at_receiving) {
                return Err(DossierError::Forbidden(
                    "thanh toán được ghi nhận bởi bộ phận một cửa hoặc cổng thanh toán".into(),
                ));
            }
            if *amount != due.amount {
                return Err(DossierError::Invalid(format!(
                    "số tiền đã nộp {} khác số phải nộp {}",
                    crate::money::format_vnd(*amount),
                    crate::money::format_vnd(due.amount)
                )));
            }
            let reference = required(reference, "số biên lai hoặc mã giao dịch")?;
            if let Some(paused) = state.paused_since {
                let paused_minutes = rules.calendar.working_minutes_between(paused, now)?;
                shift_deadlines(state, &mut next, paused_minutes, rules)?;
            }
            next.status = if state.step == 0 {
                Status::Received
            } else {
                Status::Processing
            };
            next.paused_since = None;
            content = format!(
                "Đã thực hiện nghĩa vụ tài chính {} (chứng từ {reference})",
                crate::money::format_vnd(*amount)
            );
            next.payment = Some(PaymentDue {
                paid_reference: Some(reference),
                paid_at: Some(now),
                ..due.clone()
            });
        }
        Action::Refuse { reasons } => {
            require_step(StepAction::Refuse)?;
            let reasons = required(reasons, "lý do từ chối")?;
            if state.status == Status::Resolved {
                return Err(DossierError::NotAllowed("hồ sơ đã có kết quả".into()));
            }
            next.status = if accepted {
                Status::Stopped
            } else {
                Status::Denied
            };
            next.ended_at = Some(now);
            next.paused_since = None;
            next.refusal = Some(Refusal {
                reasons: reasons.clone(),
                by: actor.name.clone(),
                at: now,
                at_reception: !accepted,
            });
            content = format!(
                "Từ chối {}: {reasons}",
                if accepted {
                    "giải quyết"
                } else {
                    "tiếp nhận"
                }
            );
        }
        Action::Stop { reason } => {
            require_step(StepAction::Stop)?;
            let reason = required(reason, "lý do dừng xử lý")?;
            if !accepted || state.status == Status::Resolved {
                return Err(DossierError::NotAllowed(
                    "chỉ dừng được hồ sơ đang xử lý".into(),
                ));
            }
            next.status = Status::Stopped;
            next.ended_at = Some(now);
            next.paused_since = None;
            content = format!("Dừng xử lý: {reason}");
        }
        Action::Withdraw { reason } => {
            let counter = actor.roles.contains(&Role::CounterOfficer) && actor.at_receiving;
            if !(actor.is_applicant || counter) {
                return Err(DossierError::Forbidden(
                    "chỉ người nộp hồ sơ được rút hồ sơ (hoặc bộ phận một cửa theo đề nghị của họ)"
                        .into(),
                ));
            }
            let reason = required(reason, "lý do rút hồ sơ")?;
            if state.status == Status::Resolved {
                return Err(DossierError::NotAllowed(
                    "hồ sơ đã có kết quả, không thể rút".into(),
                ));
            }
            next.status = Status::Withdrawn;
            next.ended_at = Some(now);
            next.paused_since = None;
            content = format!("Người nộp rút hồ sơ: {reason}");
        }
        Action::Apologize { reason, new_date } => {
            let handler = actor.at_competent
                && (actor.roles.contains(&Role::Specialist) || actor.roles.contains(&Role::Leader));
            let counter = actor.at_receiving && actor.roles.contains(&Role::CounterOfficer);
            if !(handler || counter) {
                return Err(DossierError::Forbidden(
                    "chỉ cán bộ xử lý hoặc bộ phận một cửa gửi phiếu xin lỗi".into(),
                ));
            }
            let reason = required(reason, "lý do chậm trả kết quả")?;
            let (Some(due), Status::Received | Status::Processing) = (state.due, state.status)
            else {
                return Err(DossierError::NotAllowed(
                    "chỉ hẹn lại hồ sơ đang xử lý".into(),
                ));
            };
            if state.rescheduled {
                return Err(DossierError::NotAllowed(
                    "hồ sơ đã được hẹn lại một lần; không được hẹn lại lần nữa".into(),
                ));
            }
            let new_due = rules.calendar.reschedule(
                now,
                due,
                *new_date,
                rules.workflow.max_reschedule_days,
            )?;
            next.due = Some(new_due);
            next.rescheduled = true;
            next.apology = Some(Apology {
                reason: reason.clone(),
                by: actor.name.clone(),
                at: now,
                old_due: due,
                new_due,
            });
            content = format!(
                "Phiếu xin lỗi và hẹn lại: {reason}; hẹn trả mới {}",
                crate::calendar::deadline::to_local(new_due).format("%H:%M %d/%m/%Y")
            );
        }
        Action::Approve {
            result_number,
            note,
        } => {
            require_step(StepAction::Approve)?;
            let number = required(result_number, "số, ký hiệu của kết quả")?;
            if state.status != Status::Processing {
                return Err(DossierError::NotAllowed(format!(
                    "không thể phê duyệt hồ sơ đang “{}”",
                    state.status.label()
                )));
            }
            let target = state.step + 1;
            move_to(&mut next, target, now, rules)?;
            next.status = Status::Resolved;
            next.resolved_at = Some(now);
            next.step_due = None;
            next.result = Some(ResultRecord {
                number: number.clone(),
                signer: actor.name.clone(),
                decided_at: now,
            });
            content = with_note(format!("Phê duyệt kết quả số {number}"), note);
        }
        Action::ReturnResult { note } => {
            require_step(StepAction::ReturnResult)?;
            if state.status != Status::Resolved {
                return Err(DossierError::NotAllowed(
                    "hồ sơ chưa có kết quả để trả".into(),
                ));
            }
            next.status = Status::Returned;
            next.ended_at = Some(now);
            content = with_note("Đã trả kết quả cho người nộp".into(), note);
        }
    }

    Ok(finish(state, next, action, content, now, rules, step_key))
}

/// The new state and its history entry (with how the step left was met).
/// Moves the appointment and the step's deadline later by the working time the dossier waited
/// on the applicant (a supplement, a payment): that time is not the administration's.
fn shift_deadlines(
    state: &DossierState,
    next: &mut DossierState,
    paused_minutes: i64,
    rules: &Rules<'_>,
) -> Result<(), DossierError> {
    if let Some(due) = state.due {
        next.due = Some(
            rules
                .calendar
                .add_working_time(due, paused_minutes)?
                .max(due),
        );
    }
    if let Some(step_due) = state.step_due {
        next.step_due = Some(
            rules
                .calendar
                .add_working_time(step_due, paused_minutes)?
                .max(step_due),
        );
    }
    Ok(())
}

fn finish(
    state: &DossierState,
    next: DossierState,
    action: &Action,
    content: String,
    now: DateTime<Utc>,
    rules: &Rules<'_>,
    step_key: String,
) -> (DossierState, HistoryEntry) {
    let leaving = next.step != state.step || next.status.is_terminal();
    let entry = HistoryEntry {
        action: action.key().to_string(),
        status_from: state.status,
        status_to: next.status,
        step_from: step_key,
        step_to: rules
            .workflow
            .steps
            .get(next.step)
            .map_or_else(String::new, |s| s.key.clone()),
        content,
        step_due: state.step_due,
        step_result: if leaving {
            state.step_due.map(|d| rules.calendar.timing(now, d))
        } else {
            None
        },
    };
    (next, entry)
}

/// Enters step `target`: its own deadline is its share of the processing time, never past the
/// appointment.
fn move_to(
    state: &mut DossierState,
    target: usize,
    now: DateTime<Utc>,
    rules: &Rules<'_>,
) -> Result<(), DossierError> {
    let step = rules
        .workflow
        .step(target)
        .ok_or_else(|| DossierError::Invalid("bước không tồn tại".into()))?;
    state.step = target;
    state.step_started = now;
    state.step_due = match (step.share, state.received_at, state.due) {
        (Some(share), Some(received), Some(due)) => {
            // The procedure's own time, not the appointment (which pauses and apologies move).
            let day = i64::from(rules.calendar.hours().day_minutes());
            let total = match deadline_rule(rules.time).0 {
                DeadlineRule::WorkingDays { days } => i64::from(days) * day,
                DeadlineRule::WorkingHours { hours } => i64::from(hours) * 60,
                DeadlineRule::Immediate => rules
                    .calendar
                    .working_minutes_between(received, due)?
                    .min(day),
            };
            let own = rules
                .calendar
                .add_working_time(now, total * i64::from(share) / 100)?;
            Some(own.min(due).max(now))
        }
        (_, _, due) => due,
    };
    Ok(())
}
