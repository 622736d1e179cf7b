//! A feedback item through every state, with deadlines on the working-day calendar (weekends and
//! the 2026 holidays of data/calendar), and random action sequences that never break the rules.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::*;
use crate::calendar::deadline::{parse_instant, to_local};
use crate::calendar::CalendarSet;

fn rules() -> FeedbackRules {
    parse_rules(
        "thoi-han.toml",
        include_str!("../../../../data/feedback/thoi-han.toml"),
    )
    .expect("the shipped deadlines load")
}

fn calendar() -> std::sync::Arc<WorkCalendar> {
    let files: Vec<(String, String)> = [(
        "2026.toml",
        include_str!("../../../../data/calendar/2026.toml"),
    )]
    .iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    CalendarSet::from_files(&files)
        .expect("calendar")
        .for_agency(None)
        .expect("calendar")
}

fn at(text: &str) -> DateTime<Utc> {
    parse_instant(text).expect("instant")
}

fn local(instant: DateTime<Utc>) -> String {
    to_local(instant).format("%Y-%m-%d %H:%M").to_string()
}

fn step(
    state: &FeedbackState,
    action: FeedbackAction,
    actor: Actor,
    when: &str,
) -> Result<FeedbackState, FeedbackError> {
    apply(state, &action, actor, at(when), &rules(), &calendar()).map(|(next, _)| next)
}

#[test]
fn the_shipped_deadlines_and_bad_files() {
    let r = rules();
    assert_eq!(
        (
            r.refuse_days,
            r.supplement_days,
            r.forward_days,
            r.answer_days,
            r.publish_days
        ),
        (2, 5, 5, 15, 2)
    );
    assert_eq!(r.services.len(), 4);
    assert!(r.services.iter().any(|s| s.code == "ha-tang"));
    let error = parse_rules("t.toml", "refuse_days = 0\nsupplement_days = 5\nforward_days = 5\nanswer_days = 500\npublish_days = 2\n[[service]]\ncode = \"A\"\nname = \"x\"\ndescription = \"y\"\n")
        .expect_err("bad")
        .to_string();
    assert!(
        error.contains("t.toml:1") && error.contains("refuse_days phải từ 1 đến 90"),
        "{error}"
    );
    assert!(
        error.contains("t.toml:4") && error.contains("answer_days"),
        "{error}"
    );
}

#[test]
fn an_item_walks_through_every_state_on_working_days() {
    let calendar = calendar();
    // Thursday 16 April 2026, 10:00 — before the Hùng Kings' day (Sunday 26/4, moved to Monday
    // 27/4 in 2026's notice) and 30/4–1/5.
    let received = at("2026-04-16T10:00");
    let state = FeedbackState::new(&rules(), &calendar, received).expect("new");
    assert_eq!(
        local(state.deadlines.refuse_by),
        "2026-04-20 10:00",
        "2 working days over a weekend"
    );
    assert_eq!(local(state.deadlines.supplement_by), "2026-04-23 10:00");
    assert_eq!(local(state.deadlines.forward_by), "2026-04-23 10:00");
    // 15 working days skip weekends and the holidays of late April and early May.
    let answer_by = local(state.deadlines.answer_by);
    assert!(answer_by.starts_with("2026-05-1"), "{answer_by}");
    assert_eq!(state.next_deadline(), Some(state.deadlines.refuse_by));
    assert_eq!(state.status.open311(), "open");

    // The author cannot classify; the officer does, asks once for more, the author adds it.
    assert!(step(
        &state,
        FeedbackAction::Classify {
            category: Category::WithinAuthority
        },
        Actor::Author,
        "2026-04-16T11:00"
    )
    .is_err());
    let handling = step(
        &state,
        FeedbackAction::Classify {
            category: Category::WithinAuthority,
        },
        Actor::Officer,
        "2026-04-16T11:00",
    )
    .expect("classify");
    assert_eq!(handling.status, FeedbackStatus::Handling);
    assert_eq!(handling.next_deadline(), Some(state.deadlines.answer_by));
    let waiting = step(
        &handling,
        FeedbackAction::RequestSupplement {
            items: "Địa chỉ cụ thể nơi xảy ra sự việc".into(),
        },
        Actor::Officer,
        "2026-04-17T08:00",
    )
    .expect("ask");
    assert!(step(
        &waiting,
        FeedbackAction::RequestSupplement {
            items: "Ảnh".into()
        },
        Actor::Officer,
        "2026-04-17T09:00"
    )
    .is_err());
    let supplemented = step(
        &waiting,
        FeedbackAction::Supplemented {
            text: "Ấp 3, gần trường tiểu học".into(),
        },
        Actor::Author,
        "2026-04-21T09:00",
    )
    .expect("supplement");
    assert_eq!(supplemented.status, FeedbackStatus::Handling);
    assert!(
        supplemented.deadlines.answer_by > handling.deadlines.answer_by,
        "the clock restarted"
    );
    assert!(
        step(
            &supplemented,
            FeedbackAction::RequestSupplement {
                items: "Lần hai".into()
            },
            Actor::Officer,
            "2026-04-22T09:00"
        )
        .is_err(),
        "once only"
    );

    // Answered in time, published within 2 working days, rated once by the author.
    let answered = step(
        &supplemented,
        FeedbackAction::Answer {
            text: "UBND xã đã sửa đèn chiếu sáng.".into(),
        },
        Actor::Officer,
        "2026-04-24T15:30",
    )
    .expect("answer");
    assert_eq!(answered.answered_in_time(&calendar), Some(true));
    // After 15:00 on Friday: counting starts Tuesday 28/4 (Monday 27/4 is the Hùng Kings' day off),
    // two working days end on Wednesday 29/4 at closing time.
    assert_eq!(
        answered.publish_by.map(local).as_deref(),
        Some("2026-04-29 17:00")
    );
    assert!(
        step(
            &answered,
            FeedbackAction::Rate {
                rating: Rating::Dissatisfied,
                reason: None
            },
            Actor::Author,
            "2026-04-24T16:00"
        )
        .is_err(),
        "a reason is required"
    );
    assert!(step(
        &answered,
        FeedbackAction::Rate {
            rating: Rating::Satisfied,
            reason: None
        },
        Actor::Officer,
        "2026-04-24T16:00"
    )
    .is_err());
    let published = step(
        &answered,
        FeedbackAction::Publish,
        Actor::Officer,
        "2026-04-28T09:00",
    )
    .expect("publish");
    assert_eq!(published.status.open311(), "closed");
    let rated = step(
        &published,
        FeedbackAction::Rate {
            rating: Rating::Satisfied,
            reason: None,
        },
        Actor::Author,
        "2026-04-28T10:00",
    )
    .expect("rate");
    assert_eq!(rated.rating, Some(Rating::Satisfied));
    assert!(
        step(
            &rated,
            FeedbackAction::Rate {
                rating: Rating::VerySatisfied,
                reason: None
            },
            Actor::Author,
            "2026-04-28T11:00"
        )
        .is_err(),
        "once"
    );

    // Another item: not this body's → forwarded; the receiving body's clock starts at the transfer.
    let other = FeedbackState::new(&rules(), &calendar, received).expect("new");
    let forwarded = step(
        &other,
        FeedbackAction::Forward {
            to: "Công an xã Minh Đức".into(),
        },
        Actor::Officer,
        "2026-04-20T09:00",
    )
    .expect("forward");
    assert_eq!(
        (forwarded.status, forwarded.forwarded_to.as_deref()),
        (FeedbackStatus::Forwarded, Some("Công an xã Minh Đức"))
    );
    let there =
        received_by_transfer(&rules(), &calendar, received, at("2026-04-20T09:00")).expect("there");
    assert_eq!(local(there.deadlines.refuse_by), "2026-04-22 09:00");
    assert_eq!(there.submitted_at, received);
    // And one refused at once.
    let refused = step(
        &other,
        FeedbackAction::Refuse {
            reasons: "Không có nội dung phản ánh cụ thể".into(),
        },
        Actor::Officer,
        "2026-04-16T14:00",
    )
    .expect("refuse");
    assert_eq!(refused.status.label(), "Không tiếp nhận");
    assert!(step(
        &refused,
        FeedbackAction::Answer { text: "x".into() },
        Actor::Officer,
        "2026-04-16T15:00"
    )
    .is_err());
    // Late: answered after its deadline.
    let late = step(
        &step(
            &other,
            FeedbackAction::Classify {
                category: Category::Conduct,
            },
            Actor::Officer,
            "2026-04-16T11:00",
        )
        .expect("classify"),
        FeedbackAction::Answer {
            text: "Đã nhắc nhở cán bộ.".into(),
        },
        Actor::Officer,
        "2026-06-01T09:00",
    )
    .expect("answer");
    assert_eq!(late.answered_in_time(&calendar), Some(false));
}

fn any_action() -> impl Strategy<Value = (FeedbackAction, Actor)> {
    let actor = prop_oneof![Just(Actor::Officer), Just(Actor::Author)];
    let action = prop_oneof![
        Just(FeedbackAction::Classify {
            category: Category::WithinAuthority
        }),
        Just(FeedbackAction::Refuse {
            reasons: "Không đủ thông tin".into()
        }),
        Just(FeedbackAction::RequestSupplement {
            items: "Địa chỉ".into()
        }),
        Just(FeedbackAction::Supplemented {
            text: "Ấp 3".into()
        }),
        Just(FeedbackAction::Forward {
            to: "Công an xã".into()
        }),
        Just(FeedbackAction::Answer {
            text: "Đã xử lý".into()
        }),
        Just(FeedbackAction::Publish),
        Just(FeedbackAction::Rate {
            rating: Rating::Satisfied,
            reason: None
        }),
    ];
    (action, actor)
}

proptest! {
    /// Whatever happens: closed items stay closed, an answer precedes publication and rating, the
    /// answer deadline never moves earlier, and a supplement is asked at most once.
    #[test]
    fn random_sequences_keep_the_rules(steps in proptest::collection::vec((any_action(), 1i64..3000), 0..25)) {
        let calendar = calendar();
        let mut now = at("2026-03-02T08:00");
        let mut state = FeedbackState::new(&rules(), &calendar, now).expect("new");
        let mut asked = 0;
        for ((action, actor), minutes) in steps {
            now += Duration::minutes(minutes);
            let before = state.clone();
            if let Ok((next, _)) = apply(&state, &action, actor, now, &rules(), &calendar) {
                prop_assert!(!matches!(before.status, FeedbackStatus::Refused | FeedbackStatus::Forwarded), "acted on a closed item");
                prop_assert!(next.deadlines.answer_by >= before.deadlines.answer_by);
                if matches!(next.status, FeedbackStatus::Published) || next.rating.is_some() {
                    prop_assert!(next.answered_at.is_some());
                }
                if matches!(action, FeedbackAction::RequestSupplement { .. }) {
                    asked += 1;
                }
                state = next;
            }
        }
        prop_assert!(asked <= 1);
    }
}

#[test]
fn complaints_are_the_classified_items_about_conduct_or_handling() {
    let received = FeedbackState::new(&rules(), &calendar(), at("2026-04-16T10:00")).expect("new");
    assert!(!is_complaint(&received), "not classified yet");
    for (category, complaint) in [
        (Category::Conduct, true),
        (Category::WithinAuthority, true),
        (Category::OutsideAuthority, false),
    ] {
        let classified = step(
            &received,
            FeedbackAction::Classify { category },
            Actor::Officer,
            "2026-04-16T11:00",
        )
        .expect("classify");
        assert_eq!(is_complaint(&classified), complaint, "{category:?}");
    }
    let refused = step(
        &received,
        FeedbackAction::Refuse {
            reasons: "Nội dung không rõ".into(),
        },
        Actor::Officer,
        "2026-04-16T11:00",
    )
    .expect("refuse");
    assert!(!is_complaint(&refused));
}

#[test]
fn forwarding_inside_the_system_restarts_the_clock_and_notes_a_late_forward() {
    let (rules, calendar) = (rules(), calendar());
    // Thursday 16 April 2026: the 5 working days to forward end on Thursday 23 April.
    let received = FeedbackState::new(&rules, &calendar, at("2026-04-16T10:00")).expect("new");
    let forward = |when: &str| {
        forward_within_system(
            &received,
            Actor::Officer,
            "UBND xã Tân Khai",
            at(when),
            &rules,
            &calendar,
            &calendar,
        )
    };
    let (moved, line) = forward("2026-04-20T09:00").expect("forward");
    assert_eq!(moved.status, FeedbackStatus::Received);
    assert_eq!(moved.submitted_at, at("2026-04-16T10:00"));
    assert_eq!(moved.clock_from, at("2026-04-20T09:00"));
    // Refusal within 2 working days of Monday 20 April: Wednesday 22 April.
    assert_eq!(local(moved.deadlines.refuse_by), "2026-04-22 09:00");
    assert!(
        line.contains("UBND xã Tân Khai") && !line.contains("quá"),
        "{line}"
    );
    let (_, late) = forward("2026-04-24T09:00").expect("a late forward still goes");
    assert!(late.ends_with("chuyển quá 5 ngày làm việc"), "{late}");
    assert!(matches!(
        forward_within_system(
            &received,
            Actor::Author,
            "x",
            at("2026-04-20T09:00"),
            &rules,
            &calendar,
            &calendar
        ),
        Err(FeedbackError::NotAllowed(_))
    ));
    let answered = step(
        &step(
            &received,
            FeedbackAction::Classify {
                category: Category::WithinAuthority,
            },
            Actor::Officer,
            "2026-04-16T11:00",
        )
        .expect("classify"),
        FeedbackAction::Answer {
            text: "Đã trả lời".into(),
        },
        Actor::Officer,
        "2026-04-17T11:00",
    )
    .expect("answer");
    assert!(forward_within_system(
        &answered,
        Actor::Officer,
        "x",
        at("2026-04-20T09:00"),
        &rules,
        &calendar,
        &calendar
    )
    .is_err());
}
