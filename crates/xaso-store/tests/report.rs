//! Report facts kept with every dossier change equal a rebuild from scratch, after random
//! sequences of receptions, actions, attachments and ratings, on both backends.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use xaso_domain::catalog::ComponentForm;
use xaso_domain::dossier::{Action, Channel};
use xaso_domain::feedback::{Category, FeedbackAction};
use xaso_store::dossier::{
    self, Applicant, Decision, NewDossier, ProvidedComponent, Rating, StoredFile,
};
use xaso_store::identity::User;
use xaso_store::testing::{
    demo_world, dossier_rules, late_steps_from_history, monthly_sums_differing, shipped_procedure,
};
use xaso_store::{feedback, report, Store};

/// A small deterministic generator (xorshift): each seed is one random history.
struct Random(u64);

impl Random {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
        .single()
        .expect("valid")
}

fn new_dossier(
    procedure: &str,
    channel: Channel,
    centre: &str,
    decision: Option<Decision>,
) -> NewDossier {
    let procedure = shipped_procedure(procedure);
    NewDossier {
        procedure_code: procedure.code.clone(),
        channel,
        receiving_agency: centre.into(),
        handling_commune: None,
        applicant: Applicant {
            name: "Nguyễn Văn An".into(),
            id_number: Some("075201001234".into()),
            ..Default::default()
        },
        owner_name: None,
        proxy_name: None,
        components: procedure
            .components
            .iter()
            .filter(|c| c.mandatory)
            .map(|c| ProvidedComponent {
                name: c.name.clone(),
                provided: Some(ComponentForm::Original),
            })
            .collect(),
        decision,
    }
}

fn actions(now: DateTime<Utc>) -> Vec<Action> {
    let later = (now + Duration::days(20)).date_naive();
    vec![
        Action::Accept { note: None },
        Action::Forward { note: None },
        Action::Approve {
            result_number: "12/2026".into(),
            note: None,
        },
        Action::ReturnResult { note: None },
        Action::RequestSupplement {
            items: vec!["Bản sao giấy tờ".into()],
            reason: "Thiếu".into(),
        },
        Action::Supplemented { note: None },
        Action::Withdraw {
            reason: "Không cần nữa".into(),
        },
        Action::Stop {
            reason: "Không đủ điều kiện".into(),
        },
        Action::Refuse {
            reasons: "Không đúng thẩm quyền".into(),
        },
        Action::Apologize {
            reason: "Cần xác minh".into(),
            new_date: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or(later),
        },
    ]
}

async fn one_history(store: &Store, users: &std::collections::HashMap<String, User>, seed: u64) {
    let rules = dossier_rules();
    let mut random = Random(seed);
    let mut now = start();
    let mut codes: Vec<String> = Vec::new();
    let staff = [
        "motcua",
        "chuyenvien",
        "lanhdao",
        "motcua.tk",
        "chuyenvien.tk",
        "lanhdao.tk",
    ];
    for _ in 0..70 {
        now += Duration::minutes(i64::try_from(random.next(60 * 30)).unwrap_or(0));
        match random.next(10) {
            0..=2 => {
                let (procedure, channel) = [
                    ("1.004873", Channel::Counter),
                    ("1.001193", Channel::Online),
                    ("1.004873", Channel::Postal),
                    ("2.000635", Channel::Counter),
                ][random.next(4) as usize];
                let (user, decision) = if channel == Channel::Online {
                    (&users["congdan"], None)
                } else {
                    let decision = match random.next(5) {
                        0 => Decision::Supplement {
                            items: vec!["Giấy tờ".into()],
                            reason: "Thiếu".into(),
                        },
                        1 => Decision::Refuse {
                            reasons: "Không thuộc thẩm quyền".into(),
                        },
                        _ => Decision::Accept,
                    };
                    (
                        &users[["motcua", "motcua.tk"][random.next(2) as usize]],
                        Some(decision),
                    )
                };
                let centre = users[if channel == Channel::Online {
                    "motcua"
                } else {
                    &user.username
                }]
                .agency_code
                .clone()
                .expect("centre");
                let mut tx = store.begin().await.expect("begin");
                if let Ok(view) = dossier::receive(
                    &mut tx,
                    &rules,
                    &new_dossier(procedure, channel, &centre, decision),
                    user,
                    now,
                )
                .await
                {
                    tx.commit().await.expect("commit");
                    codes.push(view.code);
                }
            }
            3..=7 if !codes.is_empty() => {
                // Mostly the actions that move a dossier forward, sometimes any other: the first
                // one some user may take is taken. Recent dossiers more often, so that many end.
                let recent = random.next(codes.len().min(4) as u64) as usize;
                let code = codes[codes.len() - 1 - recent].clone();
                let all = actions(now);
                let (forward, others) = all.split_at(4);
                let candidates: Vec<&Action> = if random.next(5) > 0 {
                    forward.iter().collect()
                } else {
                    vec![&others[random.next(others.len() as u64) as usize]]
                };
                // Up to four steps at once, so that dossiers also reach their end.
                for _ in 0..=random.next(4) {
                    'tried: for action in &candidates {
                        for name in staff.iter().chain(["congdan"].iter()) {
                            let mut tx = store.begin().await.expect("begin");
                            let Some(view) = dossier::view(&mut tx, &rules, &code, now)
                                .await
                                .expect("view")
                            else {
                                break 'tried;
                            };
                            if dossier::act(
                                &mut tx,
                                &rules,
                                &code,
                                view.version,
                                action,
                                &users[*name],
                                now,
                            )
                            .await
                            .is_ok()
                            {
                                tx.commit().await.expect("commit");
                                break 'tried;
                            }
                        }
                    }
                    now += Duration::minutes(i64::try_from(random.next(60 * 20)).unwrap_or(0));
                }
            }
            8 if !codes.is_empty() => {
                let code = codes[random.next(codes.len() as u64) as usize].clone();
                let stored = StoredFile {
                    sha256: format!("{:064x}", random.next(u64::MAX)),
                    size: 10,
                    content_type: "application/pdf",
                };
                for name in staff {
                    let mut tx = store.begin().await.expect("begin");
                    if dossier::attach(
                        &mut tx,
                        &rules,
                        &code,
                        None,
                        "ban-quet.pdf",
                        &stored,
                        &users[name],
                        now,
                    )
                    .await
                    .is_ok()
                    {
                        tx.commit().await.expect("commit");
                        break;
                    }
                }
            }
            9 if !codes.is_empty() && random.next(2) == 0 => {
                // The applicant complains about one of their dossiers; an officer of the commune
                // handling it classifies the item (a complaint or not) and perhaps answers it.
                let code = codes[random.next(codes.len() as u64) as usize].clone();
                let new = feedback::NewFeedback {
                    agency_code: None,
                    channel: feedback::Channel::Portal,
                    service_code: "can-bo".into(),
                    author_name: "Võ Thị Mai".into(),
                    author_contact: None,
                    description: "Cán bộ hẹn trả kết quả sai ngày".into(),
                    address: None,
                    lat: None,
                    lon: None,
                    dossier_code: Some(code),
                };
                let mut tx = store.begin().await.expect("begin");
                let Ok(item) =
                    feedback::submit(&mut tx, &rules, &new, Some(&users["congdan"]), now).await
                else {
                    continue;
                };
                let category = [
                    Category::Conduct,
                    Category::WithinAuthority,
                    Category::OutsideAuthority,
                ][random.next(3) as usize];
                for officer in ["lanhdao", "lanhdao.tk"] {
                    let classify = FeedbackAction::Classify { category };
                    if feedback::act(
                        &mut tx,
                        &rules,
                        &item.code,
                        1,
                        &classify,
                        &users[officer],
                        now,
                    )
                    .await
                    .is_ok()
                    {
                        if random.next(2) == 0 {
                            // Answered now, or weeks later (past the 15 working days).
                            let later =
                                now + Duration::days(i64::try_from(random.next(40)).unwrap_or(0));
                            let answer = FeedbackAction::Answer {
                                text: "Đã chấn chỉnh".into(),
                            };
                            feedback::act(
                                &mut tx,
                                &rules,
                                &item.code,
                                2,
                                &answer,
                                &users[officer],
                                later,
                            )
                            .await
                            .expect("answer");
                        }
                        break;
                    }
                }
                tx.commit().await.expect("commit");
            }
            _ if !codes.is_empty() => {
                // The applicant rates one of their returned dossiers not rated yet, if any, and
                // answers the optional TT 01/2018 questions or not.
                let rating = [
                    Rating::VerySatisfied,
                    Rating::Satisfied,
                    Rating::Dissatisfied,
                ][random.next(3) as usize];
                let answers = dossier::NewRating {
                    rating,
                    reason: Some("Chờ lâu".into()),
                    bodies_contacted: [None, Some(1), Some(2), Some(4)][random.next(4) as usize],
                    attitude: [None, Some("lich-su"), Some("phien-ha")][random.next(3) as usize]
                        .map(str::to_string),
                };
                for code in &codes {
                    let mut tx = store.begin().await.expect("begin");
                    if dossier::rate(&mut tx, &rules, code, &answers, &users["congdan"], now)
                        .await
                        .is_ok()
                    {
                        tx.commit().await.expect("commit");
                        break;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Compares `report::late_steps` with the history rows over `periods`, for the province and the
/// commune `commune`, by unit and by officer; the late steps seen in all.
async fn assert_late_steps_agree(
    tx: &mut xaso_store::Tx,
    periods: &[(NaiveDate, NaiveDate)],
    commune: &str,
) -> i64 {
    let mut seen = 0;
    for (from, to) in periods {
        let period = xaso_domain::report::Period::new(*from, *to).expect("period");
        for scope in [None, Some(commune)] {
            for by_officer in [false, true] {
                let summed = report::late_steps(tx, scope, &period, by_officer)
                    .await
                    .expect("late steps");
                let counted = late_steps_from_history(tx, scope, &period, by_officer).await;
                assert_eq!(
                    summed, counted,
                    "{period:?} {scope:?} by officer {by_officer}"
                );
                seen += counted.iter().map(|l| l.count).sum::<i64>();
            }
        }
    }
    seen
}

xaso_store::backend_tests! {
    async fn kept_report_facts_equal_a_rebuild_after_random_histories(store: Store) {
        let users = demo_world(&store, start()).await;
        let rules = dossier_rules();
        for seed in [0x9E37_79B9_7F4A_7C15, 7, 2026, 0xDEAD_BEEF] {
            one_history(&store, &users, seed).await;
        }
        let mut tx = store.read().await.expect("read");
        let kept = report::dossier_facts(&mut tx, None).await.expect("kept");
        let fresh = report::recomputed_facts(&mut tx, &rules, None).await.expect("recomputed");
        assert!(kept.len() > 40, "{} dossiers", kept.len());
        let count = |keep: &dyn Fn(&xaso_domain::report::DossierFact) -> bool| kept.iter().filter(|f| keep(f)).count();
        eprintln!(
            "{} dossiers: {} resolved, {} closed without a result, {} rated, {} digitised, {} never received",
            kept.len(), count(&|f| f.resolved_at.is_some()), count(&|f| f.closed_at.is_some()),
            count(&|f| f.rating.is_some()), count(&|f| f.digitised), count(&|f| f.received_at.is_none())
        );
        // The histories reached every kind of end, so the comparison means something.
        assert!(kept.iter().any(|f| f.resolved_at.is_some()) && kept.iter().any(|f| f.closed_at.is_some()));
        assert!(kept.iter().any(|f| f.rating.is_some()) && kept.iter().any(|f| f.digitised) && kept.iter().any(|f| f.received_at.is_none()));
        assert!(kept.iter().any(|f| f.complaint) && kept.iter().any(|f| f.points_feedback.is_some()), "some complaints");
        assert!(kept.iter().any(|f| f.points_bodies.is_some()) && kept.iter().any(|f| f.points_attitude.is_some()), "some answers");
        assert_eq!(kept, fresh);
        let minh_duc = users["lanhdao"].agency_code.clone().expect("commune");
        assert_eq!(
            report::dossier_facts(&mut tx, Some(&minh_duc)).await.expect("kept"),
            report::recomputed_facts(&mut tx, &rules, Some(&minh_duc)).await.expect("recomputed")
        );
        // The SQL sums over the kept facts equal the domain's definitions, for several periods
        // (a day, a week, the month, a quarter that starts before everything) and scopes.
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let periods = [(day(2026, 3, 2), day(2026, 3, 2)), (day(2026, 3, 4), day(2026, 3, 10)), (day(2026, 3, 1), day(2026, 3, 31)), (day(2026, 1, 1), day(2026, 6, 30)), (day(2026, 3, 9), day(2026, 4, 30))];
        let mut compared = 0;
        for (from, to) in periods {
            let period = xaso_domain::report::Period::new(from, to).expect("period");
            for scope in [None, Some(minh_duc.as_str())] {
                let facts = report::dossier_facts(&mut tx, scope).await.expect("facts");
                let expected = xaso_domain::report::counts(&facts, &period);
                assert_eq!(report::counts(&mut tx, scope, &period).await.expect("counts"), expected, "{period:?} {scope:?}");
                let rows = report::ii06a_rows(&mut tx, scope, &period).await.expect("rows");
                assert_eq!(rows, xaso_domain::report::ii06a(&facts, &period).rows, "{period:?} {scope:?}");
                compared += usize::from(expected.resolved > 0 && expected.received > 0);
                let items = feedback::feedback_facts(&mut tx, scope).await.expect("feedback facts");
                assert_eq!(
                    feedback::feedback_counts(&mut tx, scope, &period).await.expect("feedback counts"),
                    xaso_domain::report::feedback_counts(&items, &period),
                    "{period:?} {scope:?}"
                );
            }
        }
        assert!(compared >= 4, "the periods hold dossiers");
        // Every commune in one pass equals each commune on its own (the province ranking).
        let march = xaso_domain::report::Period::new(day(2026, 3, 1), day(2026, 3, 31)).expect("period");
        let kept_march = report::counts(&mut tx, None, &march).await.expect("counts");
        let by_commune = report::counts_by_commune(&mut tx, &march).await.expect("by commune");
        let totals = report::ii06a_totals_by_commune(&mut tx, &march).await.expect("totals");
        let certified = report::certified_e_copies_by_commune(&mut tx, &march).await.expect("certified");
        let paid_online = report::paid_online_procedures_by_commune(&mut tx, &march).await.expect("paid online");
        let feedback_by = feedback::feedback_counts_by_agency(&mut tx, &march).await.expect("feedback");
        assert!(by_commune.len() >= 2, "{by_commune:?}");
        for code in [minh_duc.clone(), users["lanhdao.tk"].agency_code.clone().expect("commune")] {
            let id = xaso_store::agency::by_code(&mut tx, &code).await.expect("agency").expect("commune").id;
            assert_eq!(by_commune.get(&id).copied().unwrap_or_default(), report::counts(&mut tx, Some(&code), &march).await.expect("counts"));
            assert_eq!(certified.get(&code).copied().unwrap_or(0), report::certified_e_copies(&mut tx, Some(&code), &march).await.expect("certified"));
            assert_eq!(paid_online.get(&id).cloned().unwrap_or_default(), report::paid_online_procedures(&mut tx, Some(&code), &march).await.expect("paid online"));
            assert_eq!(feedback_by.get(&id).copied().unwrap_or_default(), feedback::feedback_counts(&mut tx, Some(&code), &march).await.expect("feedback"));
            let rows = report::ii06a_rows(&mut tx, Some(&code), &march).await.expect("rows");
            let mut expected = xaso_domain::report::Ii06a::from_rows(march, rows).total;
            let mut got = totals.get(&id).cloned().unwrap_or_default();
            expected.field.clear();
            got.field.clear();
            assert_eq!(got, expected);
        }
        // The months of a chart in one pass agree with the counts month by month.
        let months: Vec<xaso_domain::report::Period> = (1..=6)
            .map(|m| xaso_domain::report::Period::new(day(2026, m, 1), day(2026, m + 1, 1).pred_opt().expect("date")).expect("month"))
            .collect();
        let by_month = report::on_time_by_period(&mut tx, None, &months).await.expect("months");
        let facts = report::dossier_facts(&mut tx, None).await.expect("facts");
        for (month, tally) in months.iter().zip(by_month) {
            let counts = xaso_domain::report::counts(&facts, month);
            assert_eq!(tally, (counts.resolved, counts.resolved_in_time), "{month:?}");
        }
        // The monthly sums kept change by change are those of the days; the late steps summed
        // step by step equal those counted from the history rows.
        assert_eq!(monthly_sums_differing(&mut tx).await, 0, "the monthly sums are the days'");
        let late = assert_late_steps_agree(&mut tx, &periods, &minh_duc).await;
        assert!(late > 0, "some steps finished late");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        let rebuilt = report::rebuild(&mut tx, &rules).await.expect("rebuild");
        tx.commit().await.expect("commit");
        assert_eq!((rebuilt.facts, rebuilt.differed), (kept.len(), 0));
        let mut tx = store.read().await.expect("read");
        assert_eq!(assert_late_steps_agree(&mut tx, &periods, &minh_duc).await, late, "rebuilt");
        assert_eq!(monthly_sums_differing(&mut tx).await, 0, "the monthly sums are the days'");
        tx.commit().await.expect("commit");
        // The daily sums rebuilt from scratch equal the ones kept change by change.
        let mut tx = store.read().await.expect("read");
        let march = xaso_domain::report::Period::new(NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"), NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")).expect("period");
        assert_eq!(report::counts(&mut tx, None, &march).await.expect("counts"), kept_march);
    }
}
