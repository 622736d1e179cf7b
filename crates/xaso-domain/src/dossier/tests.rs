//! State machine tests: journeys, and random action sequences that must never break the rules.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;

use super::machine::*;
use super::status::Status;
use super::workflow::{parse_workflow, Workflow};
use crate::calendar::deadline::{parse_instant, to_local};
use crate::calendar::{CalendarSet, Timing, WorkCalendar};
use crate::catalog::ProcessingTime;
use crate::identity::Role;

fn workflow() -> Workflow {
    let workflow = parse_workflow(
        "mac-dinh.toml",
        include_str!("../../../../data/workflows/mac-dinh.toml"),
    )
    .expect("workflow");
    // Fees are asked at reception and at appraisal.
    assert!(workflow.steps[1].allows(super::workflow::StepAction::RequestPayment));
    workflow
}

fn calendar() -> std::sync::Arc<WorkCalendar> {
    let files: Vec<(String, String)> = [
        (
            "2025.toml",
            include_str!("../../../../data/calendar/2025.toml"),
        ),
        (
            "2026.toml",
            include_str!("../../../../data/calendar/2026.toml"),
        ),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    CalendarSet::from_files(&files)
        .expect("calendar")
        .for_agency(None)
        .expect("calendar")
}

fn actor(
    name: &str,
    role: Option<Role>,
    receiving: bool,
    competent: bool,
    applicant: bool,
) -> ActorScope {
    ActorScope {
        name: name.into(),
        roles: role.into_iter().collect(),
        at_receiving: receiving,
        at_competent: competent,
        is_applicant: applicant,
    }
}

fn counter() -> ActorScope {
    actor(
        "Nguyễn Thị Hương",
        Some(Role::CounterOfficer),
        true,
        true,
        false,
    )
}
fn specialist() -> ActorScope {
    actor("Trần Văn Minh", Some(Role::Specialist), true, true, false)
}
fn leader() -> ActorScope {
    actor("Lê Văn Đức", Some(Role::Leader), true, true, false)
}
fn applicant() -> ActorScope {
    actor("Võ Thị Mai", Some(Role::Citizen), false, false, true)
}

fn at(text: &str) -> DateTime<Utc> {
    parse_instant(text).expect("instant")
}

struct Run {
    state: DossierState,
    history: Vec<HistoryEntry>,
    workflow: Workflow,
    calendar: std::sync::Arc<WorkCalendar>,
    time: ProcessingTime,
}

impl Run {
    fn new(submitted: &str, days: u32) -> Run {
        Run {
            state: DossierState::new(at(submitted)),
            history: Vec::new(),
            workflow: workflow(),
            calendar: calendar(),
            time: ProcessingTime::WorkingDays {
                days,
                extended_days: None,
            },
        }
    }

    fn try_do(&mut self, when: &str, who: &ActorScope, action: Action) -> Result<(), DossierError> {
        let rules = Rules {
            workflow: &self.workflow,
            time: &self.time,
            calendar: &self.calendar,
        };
        let (next, entry) = apply(&self.state, &action, who, at(when), &rules)?;
        self.state = next;
        self.history.push(entry);
        Ok(())
    }

    fn doing(&mut self, when: &str, who: &ActorScope, action: Action) {
        let key = action.key();
        self.try_do(when, who, action)
            .unwrap_or_else(|e| panic!("{key} at {when}: {e}"));
    }

    fn due(&self) -> String {
        self.state
            .due
            .map(|d| to_local(d).to_string())
            .unwrap_or_default()
    }
}

#[test]
fn counter_supplement_appraisal_approval_on_time() {
    let mut run = Run::new("2026-03-02T08:00", 5);
    run.doing(
        "2026-03-02T08:10",
        &counter(),
        Action::Accept { note: None },
    );
    assert_eq!(run.state.status, Status::Received);
    assert_eq!(run.due(), "2026-03-09 08:10:00");
    run.doing(
        "2026-03-02T08:20",
        &counter(),
        Action::Forward { note: None },
    );
    assert_eq!(run.state.status, Status::Processing);
    // Found incomplete on day 2 (within 3 working days): the clock restarts when supplemented.
    run.doing(
        "2026-03-03T09:00",
        &specialist(),
        Action::RequestSupplement {
            items: vec!["Bản sao giấy chứng sinh".into()],
            reason: "Thiếu giấy chứng sinh".into(),
        },
    );
    assert_eq!(run.state.status, Status::WaitingSupplement);
    run.doing(
        "2026-03-05T10:00",
        &applicant(),
        Action::Supplemented { note: None },
    );
    assert_eq!(
        run.due(),
        "2026-03-12 10:00:00",
        "restarted from the complete dossier"
    );
    run.doing(
        "2026-03-06T10:00",
        &specialist(),
        Action::Forward {
            note: Some("Đề nghị cấp".into()),
        },
    );
    run.doing(
        "2026-03-09T10:00",
        &leader(),
        Action::Approve {
            result_number: "15/2026/TLKS".into(),
            note: None,
        },
    );
    assert_eq!(run.state.status, Status::Resolved);
    assert_eq!(run.state.outcome(&run.calendar), Some(Timing::Early));
    run.doing(
        "2026-03-10T08:00",
        &counter(),
        Action::ReturnResult { note: None },
    );
    assert_eq!(run.state.status, Status::Returned);
    let actions: Vec<&str> = run.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "accept",
            "forward",
            "request_supplement",
            "supplemented",
            "forward",
            "approve",
            "return_result"
        ]
    );
    assert!(run.history.iter().all(|h| !h.content.is_empty()));
    // Every step left has its own deadline result on the slip.
    assert!(run.history[4].step_result.is_some());
}

#[test]
fn a_late_supplement_pauses_and_a_second_makes_it_late() {
    let mut run = Run::new("2026-03-02T08:00", 10);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:05",
        &counter(),
        Action::Forward { note: None },
    );
    let due = run.due();
    assert_eq!(due, "2026-03-16 08:00:00");
    // Day 6: past the 3 days, so the clock only pauses.
    run.doing(
        "2026-03-09T08:00",
        &specialist(),
        Action::RequestSupplement {
            items: vec!["Tờ khai có chữ ký".into()],
            reason: "Tờ khai chưa ký".into(),
        },
    );
    run.doing(
        "2026-03-10T08:00",
        &applicant(),
        Action::Supplemented { note: None },
    );
    assert_eq!(run.due(), "2026-03-17 08:00:00", "paused one working day");
    assert!(!run.state.late_by_rule);
    run.doing(
        "2026-03-11T08:00",
        &specialist(),
        Action::RequestSupplement {
            items: vec!["Bản chính CCCD".into()],
            reason: "Cần đối chiếu".into(),
        },
    );
    assert!(run.state.late_by_rule, "a second request makes it late");
    run.doing(
        "2026-03-11T09:00",
        &counter(),
        Action::Supplemented { note: None },
    );
    run.doing(
        "2026-03-11T10:00",
        &specialist(),
        Action::Forward { note: None },
    );
    run.doing(
        "2026-03-11T11:00",
        &leader(),
        Action::Approve {
            result_number: "3/QĐ".into(),
            note: None,
        },
    );
    assert_eq!(run.state.outcome(&run.calendar), Some(Timing::Late));
}

#[test]
fn a_payment_stops_the_clock_until_paid() {
    let mut run = Run::new("2026-03-02T08:00", 10);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:05",
        &counter(),
        Action::Forward { note: None },
    );
    assert_eq!(run.due(), "2026-03-16 08:00:00");
    let ask = |amount: u64| Action::RequestPayment {
        amount,
        detail: "Lệ phí đăng ký lại khai sinh".into(),
    };
    assert!(matches!(
        run.try_do("2026-03-03T08:00", &specialist(), ask(0)),
        Err(DossierError::Invalid(_))
    ));
    assert!(matches!(
        run.try_do("2026-03-03T08:00", &applicant(), ask(8_000)),
        Err(DossierError::Forbidden(_))
    ));
    run.doing("2026-03-03T08:00", &specialist(), ask(8_000));
    assert_eq!(run.state.status, Status::WaitingPayment);
    assert_eq!(run.state.status.portal_value(), "paying");
    assert_eq!(
        run.history.last().map(|h| h.content.as_str()),
        Some("Yêu cầu thực hiện nghĩa vụ tài chính: 8.000 đ (Lệ phí đăng ký lại khai sinh)")
    );
    // Nothing moves while waiting; the applicant cannot declare it paid; a wrong amount is refused.
    assert!(run
        .try_do(
            "2026-03-03T09:00",
            &specialist(),
            Action::Forward { note: None }
        )
        .is_err());
    let paid = |amount: u64| Action::Paid {
        amount,
        reference: "BL-000.00.61.H19-2026-000001".into(),
    };
    assert!(matches!(
        run.try_do("2026-03-04T08:00", &applicant(), paid(8_000)),
        Err(DossierError::Forbidden(_))
    ));
    assert!(matches!(
        run.try_do("2026-03-04T08:00", &counter(), paid(7_000)),
        Err(DossierError::Invalid(_))
    ));
    // Paid a working day later: the appointment moves one working day.
    run.doing("2026-03-04T08:00", &counter(), paid(8_000));
    assert_eq!(run.state.status, Status::Processing);
    assert_eq!(run.due(), "2026-03-17 08:00:00");
    assert!(run
        .state
        .payment
        .as_ref()
        .is_some_and(|p| p.paid_at.is_some()));
    // Paid once: not asked again, not paid twice.
    assert!(matches!(
        run.try_do("2026-03-04T09:00", &specialist(), ask(8_000)),
        Err(DossierError::NotAllowed(_))
    ));
    assert!(run
        .try_do("2026-03-04T09:00", &counter(), paid(8_000))
        .is_err());
    run.doing(
        "2026-03-04T10:00",
        &specialist(),
        Action::Forward { note: None },
    );
    run.doing(
        "2026-03-04T11:00",
        &leader(),
        Action::Approve {
            result_number: "4/KQ".into(),
            note: None,
        },
    );
    assert_eq!(run.state.outcome(&run.calendar), Some(Timing::Early));
}

#[test]
fn one_apology_then_late() {
    let mut run = Run::new("2026-03-02T08:00", 2);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:05",
        &counter(),
        Action::Forward { note: None },
    );
    assert_eq!(run.due(), "2026-03-04 08:00:00");
    // Less than one working day before the deadline: too late to apologise.
    let late = run.try_do(
        "2026-03-03T09:00",
        &specialist(),
        Action::Apologize {
            reason: "Chờ xác minh".into(),
            new_date: NaiveDate::from_ymd_opt(2026, 3, 6).expect("date"),
        },
    );
    assert!(matches!(late, Err(DossierError::Calendar(_))), "{late:?}");
    run.doing(
        "2026-03-02T09:00",
        &specialist(),
        Action::Apologize {
            reason: "Chờ xác minh".into(),
            new_date: NaiveDate::from_ymd_opt(2026, 3, 6).expect("date"),
        },
    );
    assert_eq!(run.due(), "2026-03-06 17:00:00");
    let again = run.try_do(
        "2026-03-03T09:00",
        &specialist(),
        Action::Apologize {
            reason: "Lần nữa".into(),
            new_date: NaiveDate::from_ymd_opt(2026, 3, 10).expect("date"),
        },
    );
    assert!(
        matches!(again, Err(DossierError::NotAllowed(_))),
        "{again:?}"
    );
    run.doing(
        "2026-03-09T08:00",
        &specialist(),
        Action::Forward { note: None },
    );
    run.doing(
        "2026-03-09T09:00",
        &leader(),
        Action::Approve {
            result_number: "1/KQ".into(),
            note: None,
        },
    );
    assert_eq!(run.state.outcome(&run.calendar), Some(Timing::Late));
}

#[test]
fn roles_and_places_are_checked() {
    let mut run = Run::new("2026-03-02T08:00", 3);
    let err = run.try_do(
        "2026-03-02T08:00",
        &specialist(),
        Action::Accept { note: None },
    );
    assert!(matches!(err, Err(DossierError::Forbidden(_))), "{err:?}");
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:01",
        &counter(),
        Action::Forward { note: None },
    );
    // Received here, decided in another commune: this commune's specialist may not appraise.
    let elsewhere = actor(
        "Chuyên viên xã khác",
        Some(Role::Specialist),
        true,
        false,
        false,
    );
    assert!(matches!(
        run.try_do(
            "2026-03-02T09:00",
            &elsewhere,
            Action::Forward { note: None }
        ),
        Err(DossierError::Forbidden(_))
    ));
    let competent = actor(
        "Chuyên viên xã có thẩm quyền",
        Some(Role::Specialist),
        false,
        true,
        false,
    );
    run.doing(
        "2026-03-02T09:00",
        &competent,
        Action::Forward { note: None },
    );
    assert!(matches!(
        run.try_do(
            "2026-03-02T10:00",
            &competent,
            Action::Approve {
                result_number: "1".into(),
                note: None
            }
        ),
        Err(DossierError::Forbidden(_))
    ));
    assert!(matches!(
        run.try_do(
            "2026-03-02T10:00",
            &leader(),
            Action::Approve {
                result_number: " ".into(),
                note: None
            }
        ),
        Err(DossierError::Invalid(_))
    ));
    assert!(matches!(
        run.try_do(
            "2026-03-02T10:00",
            &applicant(),
            Action::Stop { reason: "x".into() }
        ),
        Err(DossierError::Forbidden(_))
    ));
}

#[test]
fn refusal_at_reception_and_withdrawal_are_terminal() {
    let mut run = Run::new("2026-03-02T08:00", 3);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Refuse {
            reasons: "Không thuộc thẩm quyền của xã".into(),
        },
    );
    assert_eq!(run.state.status, Status::Denied);
    assert!(run
        .try_do(
            "2026-03-02T09:00",
            &counter(),
            Action::Accept { note: None }
        )
        .is_err());

    let mut run = Run::new("2026-03-02T08:00", 3);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T09:00",
        &applicant(),
        Action::Withdraw {
            reason: "Không còn nhu cầu".into(),
        },
    );
    assert_eq!(run.state.status, Status::Withdrawn);
    assert!(run
        .try_do(
            "2026-03-02T10:00",
            &counter(),
            Action::Forward { note: None }
        )
        .is_err());
}

#[test]
fn review_findings_stay_fixed() {
    // A restart after a supplement gives the current step a fresh deadline too.
    let mut run = Run::new("2026-03-02T08:00", 5);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:05",
        &counter(),
        Action::Forward { note: None },
    );
    run.doing(
        "2026-03-03T09:00",
        &specialist(),
        Action::RequestSupplement {
            items: vec!["Tờ khai".into()],
            reason: "Thiếu".into(),
        },
    );
    run.doing(
        "2026-03-20T09:00",
        &applicant(),
        Action::Supplemented { note: None },
    );
    run.doing(
        "2026-03-20T10:00",
        &specialist(),
        Action::Forward { note: None },
    );
    assert_eq!(
        run.history.last().and_then(|h| h.step_result),
        Some(Timing::Early),
        "an hour's work is not late"
    );

    // A supplement asked at reception must be answered before acceptance.
    let mut run = Run::new("2026-03-02T08:00", 5);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::RequestSupplement {
            items: vec!["Tờ khai".into()],
            reason: "Thiếu".into(),
        },
    );
    assert!(matches!(
        run.try_do(
            "2026-03-02T09:00",
            &counter(),
            Action::Accept { note: None }
        ),
        Err(DossierError::NotAllowed(_))
    ));
    run.doing(
        "2026-03-02T10:00",
        &counter(),
        Action::Supplemented { note: None },
    );
    run.doing(
        "2026-03-02T10:01",
        &counter(),
        Action::Accept { note: None },
    );

    // A supplement answered outside working time changes nothing.
    let mut run = Run::new("2026-03-02T08:00", 5);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:01",
        &counter(),
        Action::Forward { note: None },
    );
    let due = run.due();
    run.doing(
        "2026-03-06T17:30",
        &specialist(),
        Action::RequestSupplement {
            items: vec!["Bản sao".into()],
            reason: "Thiếu".into(),
        },
    );
    run.doing(
        "2026-03-07T10:00",
        &applicant(),
        Action::Supplemented { note: None },
    );
    assert_eq!(
        run.due(),
        due,
        "a Saturday supplement loses no working time"
    );

    // Step shares come from the procedure's time, not from an appointment a pause moved.
    let mut run = Run::new("2026-03-02T08:00", 10);
    run.doing(
        "2026-03-02T08:00",
        &counter(),
        Action::Accept { note: None },
    );
    run.doing(
        "2026-03-02T08:01",
        &counter(),
        Action::Forward { note: None },
    );
    run.doing(
        "2026-03-10T08:00",
        &specialist(),
        Action::RequestSupplement {
            items: vec!["Bản sao".into()],
            reason: "Thiếu".into(),
        },
    );
    run.doing(
        "2026-04-20T08:00",
        &applicant(),
        Action::Supplemented { note: None },
    );
    run.doing(
        "2026-04-20T09:00",
        &specialist(),
        Action::Forward { note: None },
    );
    let step_due = run.state.step_due.expect("step due");
    assert_eq!(
        run.calendar
            .working_minutes_between(at("2026-04-20T09:00"), step_due)
            .expect("count"),
        3 * 480,
        "30 % of 10 days"
    );
}

fn any_action() -> impl Strategy<Value = Action> {
    let date = (0i64..20)
        .prop_map(|d| NaiveDate::from_ymd_opt(2026, 3, 2).expect("date") + Duration::days(d));
    prop_oneof![
        Just(Action::Accept { note: None }),
        Just(Action::Forward { note: None }),
        Just(Action::ReturnBack {
            note: "Cần thẩm định lại".into()
        }),
        Just(Action::Consult {
            body: "Công an xã".into(),
            subject: "xác minh cư trú".into(),
            answer_within_days: 3
        }),
        Just(Action::RequestSupplement {
            items: vec!["Giấy tờ A".into()],
            reason: "Thiếu".into()
        }),
        Just(Action::Supplemented { note: None }),
        Just(Action::Refuse {
            reasons: "Không đủ điều kiện".into()
        }),
        Just(Action::Stop {
            reason: "Theo đề nghị".into()
        }),
        Just(Action::Withdraw {
            reason: "Rút".into()
        }),
        date.prop_map(|new_date| Action::Apologize {
            reason: "Chậm".into(),
            new_date
        }),
        Just(Action::Approve {
            result_number: "1/KQ".into(),
            note: None
        }),
        Just(Action::ReturnResult { note: None }),
        (1u64..20_000).prop_map(|amount| Action::RequestPayment {
            amount,
            detail: "Lệ phí".into()
        }),
        (1u64..20_000).prop_map(|amount| Action::Paid {
            amount,
            reference: "BL-1".into()
        }),
    ]
}

fn any_actor() -> impl Strategy<Value = ActorScope> {
    prop_oneof![
        Just(counter()),
        Just(specialist()),
        Just(leader()),
        Just(applicant()),
        Just(actor(
            "Người ngoài",
            Some(Role::Specialist),
            false,
            false,
            false
        ))
    ]
}

/// The actor and action that move a dossier forward, to finish it.
fn progress(state: &DossierState) -> (ActorScope, Action) {
    match (state.status, state.step) {
        (Status::WaitingSupplement, _) => (applicant(), Action::Supplemented { note: None }),
        (Status::WaitingPayment, _) => (
            counter(),
            Action::Paid {
                amount: state.payment.as_ref().map_or(0, |p| p.amount),
                reference: "BL-9".into(),
            },
        ),
        (Status::Registered, _) => (counter(), Action::Accept { note: None }),
        (Status::Received, _) | (Status::Processing, 0) => {
            (counter(), Action::Forward { note: None })
        }
        (Status::Processing, 1) => (specialist(), Action::Forward { note: None }),
        (Status::Processing, _) => (
            leader(),
            Action::Approve {
                result_number: "9/KQ".into(),
                note: None,
            },
        ),
        _ => (counter(), Action::ReturnResult { note: None }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_sequences_never_break_the_rules(steps in proptest::collection::vec((any_action(), any_actor(), 1i64..3000), 0..40)) {
        let workflow = workflow();
        let calendar = calendar();
        let time = ProcessingTime::WorkingDays { days: 5, extended_days: None };
        let rules = Rules { workflow: &workflow, time: &time, calendar: &calendar };
        let mut now = at("2026-03-02T08:00");
        let mut state = DossierState::new(now);
        let mut history: Vec<HistoryEntry> = Vec::new();
        let check = |before: &DossierState, after: &DossierState, entry: &HistoryEntry, history: &mut Vec<HistoryEntry>| -> Result<(), TestCaseError> {
            prop_assert!(!before.status.is_terminal(), "an action was accepted on a closed dossier");
            prop_assert_eq!(entry.status_from, before.status);
            prop_assert_eq!(entry.status_to, after.status);
            if let (Some(old), Some(new)) = (before.due, after.due) {
                prop_assert!(new >= old, "the appointment moved earlier");
            }
            prop_assert!(after.step < workflow.steps.len());
            if after.status == Status::Resolved || after.status == Status::Returned {
                prop_assert!(after.result.is_some() && after.resolved_at.is_some());
                prop_assert_eq!(after.step, workflow.steps.len() - 1);
            }
            if after.received_at.is_none() {
                prop_assert!(matches!(after.status, Status::Registered | Status::WaitingSupplement | Status::Denied | Status::Withdrawn));
            }
            if after.status.is_terminal() {
                prop_assert!(after.ended_at.is_some());
            }
            history.push(entry.clone());
            Ok(())
        };
        for (action, who, minutes) in &steps {
            now += Duration::minutes(*minutes);
            if let Ok((next, entry)) = apply(&state, action, who, now, &rules) {
                check(&state, &next, &entry, &mut history)?;
                state = next;
            }
        }
        // Whatever happened, the dossier can be brought to exactly one terminal status.
        for _ in 0..12 {
            if state.status.is_terminal() {
                break;
            }
            now += Duration::minutes(30);
            let (who, action) = progress(&state);
            let (next, entry) = apply(&state, &action, &who, now, &rules).map_err(|e| TestCaseError::fail(format!("{} blocked: {e} in {:?}", action.key(), state.status)))?;
            check(&state, &next, &entry, &mut history)?;
            state = next;
        }
        prop_assert!(state.status.is_terminal());
        let terminal = state.status;
        for action in [Action::Accept { note: None }, Action::ReturnResult { note: None }, Action::Withdraw { reason: "x".into() }] {
            prop_assert!(apply(&state, &action, &counter(), now, &rules).is_err());
        }
        prop_assert_eq!(history.iter().filter(|h| h.status_to.is_terminal()).count(), 1);
        prop_assert_eq!(history.last().map(|h| h.status_to), Some(terminal));
    }
}
