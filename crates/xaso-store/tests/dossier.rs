//! Dossier storage on both backends: unique codes under concurrency, optimistic versions.

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use xaso_domain::catalog::ComponentForm;
use xaso_domain::dossier::{Action, Channel, DossierCode, Status};
use xaso_store::dossier::{self, Applicant, Decision, NewDossier, ProvidedComponent};
use xaso_store::testing::{demo_world, dossier_rules};
use xaso_store::{Store, StoreError};

fn now() -> DateTime<Utc> {
    // Monday 2 March 2026, 09:00 in Vietnam.
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
        .single()
        .expect("valid")
}

/// A walk-in birth registration with every mandatory paper.
fn birth(centre: &str, decision: Option<Decision>) -> NewDossier {
    let procedure = xaso_store::testing::shipped_procedure("1.001193");
    NewDossier {
        procedure_code: "1.001193".into(),
        channel: Channel::Counter,
        receiving_agency: centre.into(),
        handling_commune: None,
        applicant: Applicant {
            name: "Nguyễn Văn An".into(),
            id_number: Some("075201001234".into()),
            phone: Some("0912 345 678".into()),
            ..Default::default()
        },
        owner_name: Some("Nguyễn Gia Bảo".into()),
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

/// One deadline sweep at `at`, in its own committed transaction.
async fn sweep_at(
    store: &Store,
    rules: &xaso_store::dossier::DossierRules,
    at: DateTime<Utc>,
) -> dossier::SweepReport {
    let mut tx = store.begin().await.expect("begin");
    let report = dossier::sweep(&mut tx, rules, at).await.expect("sweep");
    tx.commit().await.expect("commit");
    report
}

xaso_store::backend_tests! {
    async fn a_thousand_concurrent_receptions_get_distinct_valid_codes(store: Store) {
        let users = demo_world(&store, now()).await;
        let officer = users["motcua"].clone();
        let centre = officer.agency_code.clone().expect("centre");
        let rules = std::sync::Arc::new(dossier_rules());
        let mut clients = Vec::new();
        for client in 0..16 {
            let (store, rules, officer, centre) = (store.clone(), rules.clone(), officer.clone(), centre.clone());
            clients.push(tokio::spawn(async move {
                let mut codes = Vec::new();
                for _ in 0..(1000 / 16 + usize::from(client < 1000 % 16)) {
                    let mut tx = store.begin().await.expect("begin");
                    let view = dossier::receive(&mut tx, &rules, &birth(&centre, Some(Decision::Accept)), &officer, now()).await.expect("receive");
                    tx.commit().await.expect("commit");
                    codes.push(view.code);
                }
                codes
            }));
        }
        let mut all = Vec::new();
        for client in clients {
            all.extend(client.await.expect("client"));
        }
        assert_eq!(all.len(), 1000);
        let distinct: HashSet<&String> = all.iter().collect();
        assert_eq!(distinct.len(), 1000, "codes repeat");
        for code in &all {
            let parsed: DossierCode = code.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.agency_code, centre);
            assert!((1..=1000).contains(&parsed.sequence));
        }
        // The sweep reads the open dossiers a few hundred at a time: every one of the thousand
        // is marked (birth registration is due the same day), once.
        let first = sweep_at(&store, &rules, now()).await;
        assert_eq!((first.open, first.due_soon, first.changed), (1000, 1000, 1000));
        assert_eq!(sweep_at(&store, &rules, now()).await.changed, 0, "nothing new to mark");
    }

    async fn nobody_declares_a_payment_made(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let officer = &users["motcua"];
        let mut tx = store.begin().await.expect("begin");
        let view = dossier::receive(&mut tx, &rules, &birth(officer.agency_code.as_deref().expect("centre"), Some(Decision::Accept)), officer, now()).await.expect("receive");
        let paid = Action::Paid { amount: 8_000, reference: "BL-1".into() };
        let refused = dossier::act(&mut tx, &rules, &view.code, view.version, &paid, officer, now()).await;
        assert!(matches!(&refused, Err(StoreError::Forbidden(m)) if m.contains("biên lai")), "{refused:?}");
    }

    async fn racing_officers_one_wins_the_other_gets_a_conflict(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let officer = &users["motcua"];
        let mut tx = store.begin().await.expect("begin");
        let view = dossier::receive(&mut tx, &rules, &birth(officer.agency_code.as_deref().expect("centre"), Some(Decision::Accept)), officer, now()).await.expect("receive");
        tx.commit().await.expect("commit");
        assert_eq!(view.status.code, Status::Received.code());
        // Both saw version 1; the first forward wins, the second is refused and changes nothing.
        let mut tx = store.begin().await.expect("begin");
        dossier::act(&mut tx, &rules, &view.code, view.version, &Action::Forward { note: None }, officer, now()).await.expect("first");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        let err = dossier::act(&mut tx, &rules, &view.code, view.version, &Action::Forward { note: None }, officer, now()).await.expect_err("second");
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        drop(tx);
        let mut tx = store.read().await.expect("read");
        let after = dossier::view(&mut tx, &rules, &view.code, now()).await.expect("view").expect("exists");
        assert_eq!(after.version, view.version + 1);
        assert_eq!(after.history.iter().filter(|h| h.action == "forward").count(), 1);
        let trail = xaso_store::audit::for_entity(&mut tx, "dossier", &after.history.len().to_string()).await.expect("audit");
        assert!(trail.is_empty(), "audit rows are keyed by dossier id, not by anything else");
    }

    async fn the_sweeper_marks_due_soon_and_overdue_once(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let officer = &users["motcua"];
        let mut tx = store.begin().await.expect("begin");
        let view = dossier::receive(&mut tx, &rules, &birth(officer.agency_code.as_deref().expect("centre"), Some(Decision::Accept)), officer, now()).await.expect("receive");
        // Refused at the counter: ended, never swept.
        let refused = Decision::Refuse { reasons: "Không thuộc thẩm quyền".into() };
        dossier::receive(&mut tx, &rules, &birth(officer.agency_code.as_deref().expect("centre"), Some(refused)), officer, now()).await.expect("refuse");
        tx.commit().await.expect("commit");
        // Birth registration is "immediately": due at 17:00 the same day.
        let first = sweep_at(&store, &rules, now()).await;
        assert_eq!((first.open, first.due_soon, first.overdue, first.changed), (1, 1, 0, 1));
        assert_eq!(sweep_at(&store, &rules, now()).await.changed, 0, "nothing new to mark");
        let evening = Utc.with_ymd_and_hms(2026, 3, 2, 11, 0, 0).single().expect("valid");
        let late = sweep_at(&store, &rules, evening).await;
        assert_eq!((late.overdue, late.changed), (1, 1));
        let mut tx = store.read().await.expect("read");
        let listed = dossier::list(&mut tx, &rules, Some(Status::Received), evening).await.expect("list");
        assert_eq!(listed[0].code, view.code);
        assert_eq!(listed[0].urgency, Some(xaso_domain::dossier::Urgency::Overdue));
    }

    async fn several_instances_sweep_once_per_period(store: Store) {
        demo_world(&store, now()).await;
        let rules = std::sync::Arc::new(dossier_rules());
        let period = chrono::Duration::minutes(5);
        // Four instances tick at the same instant: one runs the sweep, the others find it taken.
        let tick = |at: DateTime<Utc>, instance: usize| {
            let (store, rules) = (store.clone(), rules.clone());
            tokio::spawn(async move {
                let mut tx = store.begin().await.expect("begin");
                let ran = dossier::sweep_once_per(&mut tx, &rules, at, period, &format!("i{instance}")).await.expect("sweep");
                tx.commit().await.expect("commit");
                ran.is_some()
            })
        };
        let mut runs = 0;
        for handle in (0..4).map(|i| tick(now(), i)).collect::<Vec<_>>() {
            runs += usize::from(handle.await.expect("task"));
        }
        assert_eq!(runs, 1, "one run for four instances");
        assert!(!tick(now() + chrono::Duration::minutes(4), 0).await.expect("task"), "same period");
        assert!(tick(now() + chrono::Duration::minutes(5), 1).await.expect("task"), "next period");
        let mut tx = store.read().await.expect("read");
        let trail = xaso_store::audit::for_entity(&mut tx, "job", "deadline_sweep").await.expect("audit");
        assert_eq!(trail.len(), 2, "each run in the audit chain");
    }

    async fn an_incomplete_walk_in_cannot_be_accepted(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let officer = &users["motcua"];
        let mut incomplete = birth(officer.agency_code.as_deref().expect("centre"), Some(Decision::Accept));
        incomplete.components.clear();
        let mut tx = store.begin().await.expect("begin");
        let err = dossier::receive(&mut tx, &rules, &incomplete, officer, now()).await.expect_err("incomplete");
        assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("thiếu thành phần bắt buộc")), "{err}");
        // Someone from another commune cannot receive at this centre.
        let other = &users["motcua.tk"];
        let err = dossier::receive(&mut tx, &rules, &birth(officer.agency_code.as_deref().expect("centre"), None), other, now()).await.expect_err("wrong centre");
        assert!(matches!(err, StoreError::Forbidden(_)), "{err}");
        // Birth registration is not location-independent.
        let mut elsewhere = birth(officer.agency_code.as_deref().expect("centre"), None);
        elsewhere.handling_commune = users["lanhdao.tk"].agency_code.clone();
        let err = dossier::receive(&mut tx, &rules, &elsewhere, officer, now()).await.expect_err("not phi địa giới");
        assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("phi địa giới")), "{err}");
    }
}
