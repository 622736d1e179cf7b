//! A generated province-year agrees with the rules on both backends: the report facts and daily
//! sums written in bulk are exactly what a rebuild computes from the rows, codes continue in a
//! live reception, the audit chain verifies, generated dossiers load, and a second run reuses
//! the communes.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use xaso_domain::calendar::deadline::from_local;
use xaso_domain::dossier::{Channel, DossierCode, Status};
use xaso_domain::report::Period;
use xaso_store::demo::{self, DemoFile, Options, Summary};
use xaso_store::dossier::{self, Applicant, DossierRules};
use xaso_store::testing::{
    demo_world, dossier_rules, late_steps_from_history, monthly_sums_differing, new_dossier,
};
use xaso_store::{agency, audit, db, identity, report, Store};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0)
        .single()
        .expect("valid")
}

fn file() -> DemoFile {
    DemoFile {
        sha256: "ab".repeat(32),
        size: 2048,
        content_type: "application/pdf".into(),
    }
}

async fn generate(
    store: &Store,
    rules: &Arc<DossierRules>,
    communes: usize,
    dossiers: u64,
    seed: u64,
) -> Summary {
    let hash = identity::hash_password("mat-khau-du-lieu-mau".into())
        .await
        .expect("hash");
    let options = Options {
        communes,
        dossiers,
        year: 2025,
        seed,
        now: now(),
        batch: 1000,
    };
    let mut last = (0, 0);
    let summary = demo::generate(
        store,
        rules.clone(),
        &options,
        &hash,
        &file(),
        &mut |done, total| {
            assert!(done > last.0 && done <= total);
            last = (done, total);
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(last, (dossiers, dossiers), "progress reached the end");
    summary
}

/// One row of report_daily.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Daily {
    handling_commune_id: uuid::Uuid,
    field: String,
    day: String,
    received: i64,
    received_online: i64,
    received_digitised: i64,
    received_reused: i64,
    received_fee_requested: i64,
    received_paid_online: i64,
    received_full_online: i64,
    received_full_online_online: i64,
    resolved: i64,
    resolved_in_time: i64,
    resolved_e_result: i64,
    resolved_result_stored: i64,
    resolved_well: i64,
    points_time: i64,
    points_contacts: i64,
    points_online: i64,
    rated: i64,
    rated_satisfied: i64,
    resolved_early: i64,
    closed: i64,
    rated_bodies: i64,
    points_bodies: i64,
    rated_attitude: i64,
    points_attitude: i64,
    resolved_with_feedback: i64,
    points_feedback: i64,
}

/// The report_daily table, in key order.
async fn daily(store: &Store) -> Vec<Daily> {
    let mut tx = store.read().await.expect("read");
    let rows: Vec<Daily> = db!(tx.conn(), |c| sqlx::query_as(
        "SELECT * FROM report_daily ORDER BY handling_commune_id, field, day"
    )
    .fetch_all(&mut *c)
    .await)
    .expect("daily");
    rows
}

async fn scalar(store: &Store, sql: &str) -> i64 {
    let mut tx = store.read().await.expect("read");
    let value: i64 = db!(tx.conn(), |c| sqlx::query_scalar(sql)
        .fetch_one(&mut *c)
        .await)
    .expect(sql);
    value
}

xaso_store::backend_tests! {
    async fn a_generated_year_agrees_with_the_rules(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = Arc::new(dossier_rules());
        let summary = generate(&store, &rules, 4, 12_000, 42).await;
        assert_eq!(summary.dossiers, 12_000);
        assert_eq!((summary.communes, summary.communes_created), (4, 1));
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM dossiers").await, 12_000);
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM dossier_history").await as u64,
            summary.history
        );
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM dossier_files").await as u64,
            summary.files
        );
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM dossier_ratings").await as u64,
            summary.ratings
        );
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM payments").await as u64,
            summary.payments
        );
        // Every status a province-year has, and none made up.
        for status in [
            Status::Returned,
            Status::Processing,
            Status::WaitingSupplement,
            Status::Withdrawn,
            Status::Denied,
            Status::Stopped,
        ] {
            assert!(summary.by_status[status.code() as usize - 1] > 0, "{status:?}: {summary:?}");
        }
        assert!(summary.late > 0 && summary.early > 0 && summary.on_time > summary.late);
        assert!(summary.ratings > 0 && summary.payments > 0);

        // The facts and daily sums written in bulk are those computed from the rows.
        let before = daily(&store).await;
        assert!(!before.is_empty());
        let mut tx = store.begin().await.expect("begin");
        let rebuilt = report::rebuild(&mut tx, &rules).await.expect("rebuild");
        tx.commit().await.expect("commit");
        assert_eq!(rebuilt.facts, 12_000);
        assert_eq!(rebuilt.differed, 0, "the generator's facts are the rules'");
        assert_eq!(daily(&store).await, before, "the daily sums are the rules'");
        // The late steps summed after the bulk load are those of the history rows.
        let mut tx = store.read().await.expect("read");
        let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).expect("date");
        let mut late = 0;
        for (from, to) in [(day(1, 1), day(12, 31)), (day(3, 1), day(3, 31))] {
            let period = Period::new(from, to).expect("period");
            for scope in [None, Some("000.00.61.H19")] {
                for by_officer in [false, true] {
                    let summed = report::late_steps(&mut tx, scope, &period, by_officer)
                        .await
                        .expect("late steps");
                    let counted = late_steps_from_history(&mut tx, scope, &period, by_officer).await;
                    assert_eq!(summed, counted, "{period:?} {scope:?} {by_officer}");
                    late += counted.len();
                }
            }
        }
        assert!(late > 0, "some steps finished late");
        assert_eq!(monthly_sums_differing(&mut tx).await, 0, "the monthly sums are the days'");
        // The ranking's paid-online procedures of every commune at once are each commune's.
        let year = Period::new(day(1, 1), day(12, 31)).expect("period");
        let paid = report::paid_online_procedures_by_commune(&mut tx, &year)
            .await
            .expect("paid online");
        assert_eq!(paid.len(), 4, "{paid:?}");
        for (id, codes) in &paid {
            let commune = agency::by_id(&mut tx, *id).await.expect("agency").expect("commune");
            let one = report::paid_online_procedures(&mut tx, Some(&commune.agency_code), &year)
                .await
                .expect("paid online");
            assert_eq!((codes, codes.is_empty()), (&one, false));
        }
        tx.commit().await.expect("commit");

        // A live reception on a generated day continues the day's numbers.
        let (day, last): (String, i64) = {
            let mut tx = store.read().await.expect("read");
            db!(tx.conn(), |c| sqlx::query_as(
                "SELECT day, last FROM dossier_counters WHERE agency_code = '000.04.61.H19'
                 ORDER BY last DESC, day LIMIT 1"
            )
            .fetch_one(&mut *c)
            .await)
            .expect("a generated day")
        };
        assert!(last > 1);
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("day");
        let at = from_local(date.and_hms_opt(16, 45, 0).expect("time"));
        let mut tx = store.begin().await.expect("begin");
        let new = new_dossier(
            "2.000815",
            Channel::Counter,
            "000.04.61.H19",
            Applicant {
                name: "Nguyễn Văn Sau".into(),
                ..Default::default()
            },
        );
        let received = dossier::receive(&mut tx, &rules, &new, &users["motcua"], at)
            .await
            .expect("receive");
        tx.commit().await.expect("commit");
        let code: DossierCode = received.code.parse().expect("code");
        assert_eq!((code.date, i64::from(code.sequence)), (date, last + 1));

        // The audit chain holds: the run is one row.
        let mut tx = store.read().await.expect("read");
        let walk = audit::verify(&mut tx).await.expect("verify");
        assert_eq!(walk.problems, vec![]);
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM audit_log WHERE action = 'demo.generate'").await,
            1
        );

        // A returned dossier loads for staff and for the public, with its history and files.
        let returned: String = db!(tx.conn(), |c| sqlx::query_scalar(
            "SELECT code FROM dossiers WHERE status = 10 AND channel = 2 ORDER BY code LIMIT 1"
        )
        .fetch_one(&mut *c)
        .await)
        .expect("a returned dossier");
        let view = dossier::view(&mut tx, &rules, &returned, now())
            .await
            .expect("view")
            .expect("found");
        assert_eq!(view.status.code, 10);
        assert_eq!(view.history.first().map(|h| h.action.as_str()), Some("submit"));
        assert_eq!(view.history.last().map(|h| h.action.as_str()), Some("return_result"));
        assert!(view.e_result().is_some());
        assert!(view.outcome.is_some());
        let public = dossier::public_view(&store, &rules, &returned)
            .await
            .expect("public")
            .expect("found");
        // Read by another path than the staff's view on SQLite (outside sqlx, see `direct`): the
        // same lines, times and statuses.
        let public_lines: Vec<_> = public
            .steps
            .iter()
            .map(|s| (s.at, s.status.code, s.result.clone()))
            .collect();
        let staff_lines: Vec<_> = view
            .history
            .iter()
            .map(|h| (h.at, h.status_to, h.step_result.clone()))
            .collect();
        assert_eq!(public_lines, staff_lines);
        assert_eq!(public.received_at, view.received_at);
        assert_eq!(public.status.code, 10);
        assert!(!public.applicant.contains(&view.applicant.name));
        tx.commit().await.expect("commit");

        // A second run reuses the communes and their accounts, and adds dossiers.
        let again = generate(&store, &rules, 4, 500, 43).await;
        assert_eq!((again.communes, again.communes_created), (4, 0));
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM dossiers").await, 12_501);
        let mut tx = store.begin().await.expect("begin");
        let rebuilt = report::rebuild(&mut tx, &rules).await.expect("rebuild");
        tx.commit().await.expect("commit");
        assert_eq!(rebuilt.differed, 0);
    }

    async fn bad_requests_are_refused_before_anything_is_written(store: Store) {
        let rules = Arc::new(dossier_rules());
        let base = Options {
            communes: 3,
            dossiers: 10,
            year: 2025,
            seed: 1,
            now: now(),
            batch: 100,
        };
        for (options, expected) in [
            (Options { communes: 0, ..base.clone() }, "--communes phải từ 1"),
            (Options { communes: 100, ..base.clone() }, "tối đa 99 xã"),
            (Options { year: 2031, ..base.clone() }, "thiếu tệp data/calendar/2031.toml"),
            (Options { dossiers: 0, ..base.clone() }, "--dossiers phải từ 1"),
        ] {
            let error = demo::generate(&store, rules.clone(), &options, "x", &file(), &mut |_, _| {})
                .await
                .expect_err("refused");
            assert!(error.to_string().contains(expected), "{error}");
        }
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM agencies").await, 0);
    }
}
