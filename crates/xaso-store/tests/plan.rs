//! Work on a reform plan on both backends: unit reports, the chairman's assignments, values of
//! targets kept by hand, evidence, inspections with findings to closure — each audited.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use xaso_domain::plan::inspection::measure;
use xaso_domain::plan::progress::Status;
use xaso_domain::plan::{parse_plan, InspectionMetric};
use xaso_domain::report::{Measure, Rate};
use xaso_store::audit::Actor;
use xaso_store::plan::inspection::{self, Outcome};
use xaso_store::plan::work::{self, NewAssignment, NewEvidence, NewTargetValue};
use xaso_store::plan::{self as plans, NewReport};
use xaso_store::{Store, StoreError};

const PLAN: &str = "ke-hoach-09-2025";

fn vietnam(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, 9, 0, 0)
        .single()
        .expect("valid")
        - chrono::Duration::hours(7)
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).expect("day")
}

async fn with_plan(store: &Store) {
    let text = include_str!("../../../data/plans/ke-hoach-09-2025.toml");
    let plan = parse_plan("ke-hoach-09-2025.toml", text).expect("seed");
    let mut tx = store.begin().await.expect("begin");
    plans::import(
        &mut tx,
        &plan,
        "ke-hoach-09-2025.toml",
        text,
        vietnam(7, 25),
        &Actor::system("test"),
    )
    .await
    .expect("import");
    tx.commit().await.expect("commit");
}

async fn audit_actions(store: &Store) -> Vec<String> {
    let mut tx = store.read().await.expect("read");
    let rows = xaso_store::audit::for_entity(&mut tx, "plan", PLAN)
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    rows.into_iter().map(|r| r.action).collect()
}

xaso_store::backend_tests! {
    async fn a_plan_is_worked_on_and_every_step_is_audited(store: Store) {
        with_plan(&store).await;
        let officer = Actor::system("Phạm Thị Lan");
        let mut tx = store.begin().await.expect("begin");
        plans::report(&mut tx, &NewReport {
            plan_id: PLAN, task_key: "L528-1", year: 2025, quarter: 3, status: Status::Done, percent: 100,
            narrative: "Đã ban hành kế hoạch", unit_code: "000.03.61.H19",
        }, vietnam(9, 20), &officer).await.expect("report");
        let key = work::assign(&mut tx, &NewAssignment {
            plan_id: PLAN, area: 7, title: "Rà soát quy trình nội bộ một cửa", instruction: "Báo cáo Chủ tịch",
            unit_code: "000.04.61.H19", due: day(10, 15),
        }, vietnam(9, 20), &officer).await.expect("assign");
        assert_eq!(key, "CD-1");
        let second = work::assign(&mut tx, &NewAssignment {
            plan_id: PLAN, area: 2, title: "Niêm yết lại TTHC", instruction: "",
            unit_code: "000.04.61.H19", due: day(9, 30),
        }, vietnam(9, 20), &officer).await.expect("assign");
        assert_eq!(second, "CD-2");
        let past = work::assign(&mut tx, &NewAssignment {
            plan_id: PLAN, area: 2, title: "Việc đã qua hạn", instruction: "",
            unit_code: "000.04.61.H19", due: day(9, 1),
        }, vietnam(9, 20), &officer).await;
        assert!(matches!(past, Err(StoreError::Invalid(_))), "{past:?}");
        work::set_target_value(&mut tx, &NewTargetValue {
            plan_id: PLAN, target_key: "T233-1", year: 2025, quarter: 3, value: 92.5, note: "Sổ theo dõi văn bản quý III",
        }, vietnam(9, 25), &officer).await.expect("value");
        // A second value for the same quarter replaces the first.
        work::set_target_value(&mut tx, &NewTargetValue {
            plan_id: PLAN, target_key: "T233-1", year: 2025, quarter: 3, value: 93.0, note: "Số liệu đã đối chiếu",
        }, vietnam(9, 26), &officer).await.expect("value");
        let unsupported = work::set_target_value(&mut tx, &NewTargetValue {
            plan_id: PLAN, target_key: "T233-1", year: 2025, quarter: 3, value: f64::NAN, note: "x",
        }, vietnam(9, 26), &officer).await;
        assert!(matches!(unsupported, Err(StoreError::Invalid(_))));
        let evidence = work::add_evidence(&mut tx, &NewEvidence {
            plan_id: PLAN, subject: "T233-1", year: 2025, quarter: 3, sha256: &"a".repeat(64), size: 1234,
            name: "so-theo-doi.pdf", content_type: "application/pdf",
        }, vietnam(9, 26), &officer).await.expect("evidence");

        // Two units inspected out of five; one digitally; three findings, two closed by year end.
        let units: Vec<String> = (1..=5).map(|u| format!("000.0{u}.61.H19")).collect();
        let first = inspection::plan(&mut tx, PLAN, &units[0], day(8, 10), true, vietnam(8, 1), &officer).await.expect("plan");
        let second_inspection = inspection::plan(&mut tx, PLAN, &units[2], day(11, 5), false, vietnam(8, 1), &officer).await.expect("plan");
        let planned_only = inspection::plan(&mut tx, PLAN, &units[3], day(12, 20), false, vietnam(8, 1), &officer).await.expect("plan");
        let early = inspection::record(&mut tx, PLAN, first, &Outcome { done_on: day(8, 12), digital: true, conclusion: "Tốt" }, vietnam(8, 11), &officer).await;
        assert!(matches!(early, Err(StoreError::Invalid(_))), "a result before the day: {early:?}");
        inspection::record(&mut tx, PLAN, first, &Outcome { done_on: day(8, 12), digital: true, conclusion: "Cơ bản thực hiện tốt" }, vietnam(8, 12), &officer).await.expect("record");
        inspection::record(&mut tx, PLAN, second_inspection, &Outcome { done_on: day(11, 6), digital: false, conclusion: "Còn tồn tại" }, vietnam(11, 6), &officer).await.expect("record");
        let one = inspection::by_id(&mut tx, PLAN, first).await.expect("read").expect("found");
        let two = inspection::by_id(&mut tx, PLAN, second_inspection).await.expect("read").expect("found");
        let planned = inspection::by_id(&mut tx, PLAN, planned_only).await.expect("read").expect("found");
        let not_done = inspection::add_finding(&mut tx, PLAN, &planned, "x", day(12, 30), vietnam(11, 6), &officer).await;
        assert!(matches!(not_done, Err(StoreError::Invalid(_))));
        let f1 = inspection::add_finding(&mut tx, PLAN, &one, "Chưa niêm yết đủ TTHC", day(9, 30), vietnam(8, 12), &officer).await.expect("finding");
        let f2 = inspection::add_finding(&mut tx, PLAN, &two, "Sổ theo dõi hồ sơ chưa cập nhật", day(12, 1), vietnam(11, 6), &officer).await.expect("finding");
        inspection::add_finding(&mut tx, PLAN, &two, "Chưa số hóa kết quả", day(12, 31), vietnam(11, 6), &officer).await.expect("finding");
        let findings = inspection::findings(&mut tx, PLAN).await.expect("findings");
        let find = |id| findings.iter().find(|f| f.id == id).cloned().expect("finding");
        inspection::close_finding(&mut tx, PLAN, &find(f1), day(9, 28), "Đã niêm yết bổ sung", vietnam(9, 28), &officer).await.expect("close");
        let again = inspection::close_finding(&mut tx, PLAN, &find(f1), day(9, 29), "lần nữa", vietnam(9, 29), &officer).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        inspection::close_finding(&mut tx, PLAN, &find(f2), day(11, 30), "Đã cập nhật sổ", vietnam(11, 30), &officer).await.expect("close");
        tx.commit().await.expect("commit");

        let mut tx = store.read().await.expect("read");
        let reports = plans::reports(&mut tx, PLAN).await.expect("reports");
        assert_eq!((reports.len(), reports[0].unit_code.as_str()), (1, "000.03.61.H19"));
        let assigned = work::assignments(&mut tx, PLAN).await.expect("assignments");
        assert_eq!(assigned.iter().map(|a| (a.key.as_str(), a.due_date())).collect::<Vec<_>>(),
            [("CD-1", Some(day(10, 15))), ("CD-2", Some(day(9, 30)))]);
        let values = work::target_values(&mut tx, PLAN).await.expect("values");
        assert_eq!(values.len(), 1);
        assert_eq!((values[0].value, values[0].note.as_str()), (93.0, "Số liệu đã đối chiếu"));
        let files = work::evidence(&mut tx, PLAN).await.expect("evidence");
        assert_eq!(files.iter().map(|e| (e.id, e.subject.as_str(), e.size)).collect::<Vec<_>>(), [(evidence, "T233-1", 1234)]);
        assert!(work::evidence_by_id(&mut tx, PLAN, evidence).await.expect("one").is_some());
        assert!(work::evidence_by_id(&mut tx, "khac", evidence).await.expect("one").is_none(), "another plan's id finds nothing");
        let all = inspection::list(&mut tx, PLAN).await.expect("list");
        let findings = inspection::findings(&mut tx, PLAN).await.expect("findings");
        tx.commit().await.expect("commit");
        let facts = inspection::facts(&all, &findings);
        let share = |metric, to| measure(metric, &units, &facts, day(1, 1), to);
        let rate = |numerator, denominator| Measure::Rate(Rate { numerator, denominator });
        assert_eq!(share(InspectionMetric::UnitsInspected, day(12, 31)), rate(2, 5));
        assert_eq!(share(InspectionMetric::DigitalInspections, day(12, 31)), rate(1, 2));
        assert_eq!(share(InspectionMetric::FindingsRemedied, day(12, 31)), rate(2, 3));
        assert_eq!(share(InspectionMetric::FindingsRemedied, day(9, 30)), rate(1, 1));

        let actions = audit_actions(&store).await;
        for action in ["plan.progress", "plan.assign", "plan.target_value", "plan.evidence", "plan.inspection.plan",
            "plan.inspection.record", "plan.inspection.finding", "plan.inspection.close"] {
            assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
        }
        assert_eq!(actions.iter().filter(|a| *a == "plan.target_value").count(), 2, "both values audited");
    }
}
