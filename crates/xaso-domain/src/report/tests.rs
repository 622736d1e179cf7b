//! A month of a commune's dossiers (47, of which 42 belong to March 2026), with every figure of
//! II.06a, every target and every QĐ 766 group computed by hand in the comments.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::calendar::deadline::parse_instant;

const HO_TICH: &str = "Hộ tịch";
const CHUNG_THUC: &str = "Chứng thực";
const DAT_DAI: &str = "Đất đai";

fn at(local: &str) -> DateTime<Utc> {
    parse_instant(local).expect("instant")
}

/// A dossier received at `received` (local time), due at `due`.
fn dossier(code: &str, field: &str, channel: Channel, received: &str, due: &str) -> DossierFact {
    DossierFact {
        code: code.into(),
        procedure_code: match field {
            HO_TICH => "P1",
            CHUNG_THUC => "P3",
            _ => "P10",
        }
        .into(),
        field: field.into(),
        online: Some(match field {
            CHUNG_THUC => OnlineLevel::Partial,
            _ => OnlineLevel::Full,
        }),
        channel,
        received_at: Some(at(received)),
        due_at: Some(at(due)),
        resolved_at: None,
        timing: None,
        closed_at: None,
        supplements: 0,
        digitised: channel == Channel::Online,
        e_result: false,
        reused: false,
        result_stored: false,
        fee_requested: false,
        paid_online: false,
        rating: None,
        rated_at: None,
        complaint: false,
        points_bodies: None,
        points_attitude: None,
        points_feedback: None,
    }
}

fn resolved(mut fact: DossierFact, when: &str, timing: Timing, e_result: bool) -> DossierFact {
    fact.resolved_at = Some(at(when));
    fact.timing = Some(timing);
    fact.e_result = e_result;
    fact
}

fn closed(mut fact: DossierFact, when: &str) -> DossierFact {
    fact.closed_at = Some(at(when));
    fact
}

fn rated(mut fact: DossierFact, rating: Rating, when: &str) -> DossierFact {
    fact.rating = Some(rating);
    fact.rated_at = Some(at(when));
    fact
}

use Channel::{Counter, Online, Postal};
use Timing::{Early, Late, OnTime};

fn march_2026() -> Vec<DossierFact> {
    let mut all = vec![
        // Carried over from February (received before 1 March, unfinished on 1 March).
        resolved(
            dossier(
                "C1",
                HO_TICH,
                Counter,
                "2026-02-20T09:00",
                "2026-03-03T17:00",
            ),
            "2026-03-02T10:00",
            Early,
            true,
        ),
        resolved(
            dossier(
                "C2",
                HO_TICH,
                Counter,
                "2026-02-20T09:10",
                "2026-03-03T17:00",
            ),
            "2026-03-03T15:00",
            OnTime,
            true,
        ),
        resolved(
            dossier(
                "C3",
                HO_TICH,
                Counter,
                "2026-02-20T09:20",
                "2026-03-03T17:00",
            ),
            "2026-03-10T09:00",
            Late,
            false,
        ),
        dossier(
            "C4",
            HO_TICH,
            Counter,
            "2026-02-20T09:30",
            "2026-03-03T17:00",
        ),
        dossier(
            "C5",
            DAT_DAI,
            Online,
            "2026-02-25T08:00",
            "2026-04-10T17:00",
        ),
        // Not in March: finished in February, withdrawn in February, received in April, never received.
        rated(
            resolved(
                dossier(
                    "X1",
                    HO_TICH,
                    Counter,
                    "2026-02-10T09:00",
                    "2026-02-20T17:00",
                ),
                "2026-02-20T09:00",
                OnTime,
                true,
            ),
            Rating::Satisfied,
            "2026-02-21T09:00",
        ),
        closed(
            dossier(
                "X2",
                DAT_DAI,
                Counter,
                "2026-02-11T09:00",
                "2026-03-20T17:00",
            ),
            "2026-02-15T09:00",
        ),
        dossier(
            "X3",
            HO_TICH,
            Online,
            "2026-04-02T09:00",
            "2026-04-06T17:00",
        ),
    ];
    let mut never = dossier(
        "X4",
        HO_TICH,
        Online,
        "2026-03-05T09:00",
        "2026-03-09T17:00",
    );
    never.received_at = None; // submitted online, not yet accepted
    all.push(never);
    let mut denied = dossier(
        "X5",
        CHUNG_THUC,
        Counter,
        "2026-03-06T09:00",
        "2026-03-06T17:00",
    );
    denied.received_at = None; // refused at the counter
    all.push(denied);

    // Hộ tịch, online: A1–A6 early, A7–A8 on time (all with an e-result), A9 late, A10 open.
    for i in 1..=6 {
        all.push(resolved(
            dossier(
                &format!("A{i}"),
                HO_TICH,
                Online,
                "2026-03-02T08:00",
                "2026-03-06T17:00",
            ),
            "2026-03-04T10:00",
            Early,
            true,
        ));
    }
    for i in 7..=8 {
        all.push(resolved(
            dossier(
                &format!("A{i}"),
                HO_TICH,
                Online,
                "2026-03-09T08:00",
                "2026-03-12T17:00",
            ),
            "2026-03-12T11:00",
            OnTime,
            true,
        ));
    }
    all.push(resolved(
        dossier(
            "A9",
            HO_TICH,
            Online,
            "2026-03-09T08:00",
            "2026-03-12T17:00",
        ),
        "2026-03-16T08:00",
        Late,
        false,
    ));
    all.push(dossier(
        "A10",
        HO_TICH,
        Online,
        "2026-03-30T08:00",
        "2026-04-05T17:00",
    ));
    // Hộ tịch, counter: A11–A13 early with e-results, A14 late, A15 withdrawn, A16 open and overdue.
    for i in 11..=13 {
        all.push(resolved(
            dossier(
                &format!("A{i}"),
                HO_TICH,
                Counter,
                "2026-03-10T08:00",
                "2026-03-13T17:00",
            ),
            "2026-03-11T10:00",
            Early,
            true,
        ));
    }
    all.push(resolved(
        dossier(
            "A14",
            HO_TICH,
            Counter,
            "2026-03-10T08:00",
            "2026-03-13T17:00",
        ),
        "2026-03-17T10:00",
        Late,
        false,
    ));
    all.push(closed(
        dossier(
            "A15",
            HO_TICH,
            Counter,
            "2026-03-16T08:00",
            "2026-03-19T17:00",
        ),
        "2026-03-18T10:00",
    ));
    all.push(dossier(
        "A16",
        HO_TICH,
        Counter,
        "2026-03-20T08:00",
        "2026-03-25T17:00",
    ));
    // Hộ tịch, by post: A17 on time, A18 stopped.
    all.push(resolved(
        dossier(
            "A17",
            HO_TICH,
            Postal,
            "2026-03-20T08:00",
            "2026-03-25T17:00",
        ),
        "2026-03-25T16:00",
        OnTime,
        true,
    ));
    all.push(closed(
        dossier(
            "A18",
            HO_TICH,
            Postal,
            "2026-03-20T08:00",
            "2026-03-25T17:00",
        ),
        "2026-03-28T10:00",
    ));
    // Chứng thực: B1–B8 at the counter and B9 online, same day, scanned and signed; B10 online, overdue.
    for i in 1..=8 {
        let mut copy = resolved(
            dossier(
                &format!("B{i}"),
                CHUNG_THUC,
                Counter,
                "2026-03-16T09:00",
                "2026-03-16T17:00",
            ),
            "2026-03-16T11:00",
            OnTime,
            true,
        );
        copy.digitised = true;
        all.push(copy);
    }
    all.push(resolved(
        dossier(
            "B9",
            CHUNG_THUC,
            Online,
            "2026-03-17T09:00",
            "2026-03-17T17:00",
        ),
        "2026-03-17T10:00",
        OnTime,
        true,
    ));
    all.push(dossier(
        "B10",
        CHUNG_THUC,
        Online,
        "2026-03-31T08:00",
        "2026-03-31T10:00",
    ));
    // Đất đai, online: D1–D2 on time, D3 late; D4–D5 open in time, D6 open overdue.
    for i in 1..=2 {
        all.push(resolved(
            dossier(
                &format!("D{i}"),
                DAT_DAI,
                Online,
                "2026-03-02T08:00",
                "2026-03-20T17:00",
            ),
            "2026-03-20T09:00",
            OnTime,
            true,
        ));
    }
    all.push(resolved(
        dossier(
            "D3",
            DAT_DAI,
            Online,
            "2026-03-02T08:00",
            "2026-03-20T17:00",
        ),
        "2026-03-24T09:00",
        Late,
        true,
    ));
    all.push(dossier(
        "D4",
        DAT_DAI,
        Online,
        "2026-03-23T08:00",
        "2026-04-20T17:00",
    ));
    all.push(dossier(
        "D5",
        DAT_DAI,
        Online,
        "2026-03-23T08:00",
        "2026-04-21T17:00",
    ));
    all.push(dossier(
        "D6",
        DAT_DAI,
        Online,
        "2026-03-02T08:00",
        "2026-03-30T17:00",
    ));
    // Đất đai, counter: D7 early without an e-result; D8 after two supplement requests, in time.
    all.push(resolved(
        dossier(
            "D7",
            DAT_DAI,
            Counter,
            "2026-03-03T08:00",
            "2026-03-27T17:00",
        ),
        "2026-03-20T09:00",
        Early,
        false,
    ));
    all.push(dossier(
        "D8",
        DAT_DAI,
        Counter,
        "2026-03-04T08:00",
        "2026-04-15T17:00",
    ));
    // R1: received in March, resolved in April: still in progress (in time) at the end of March.
    all.push(resolved(
        dossier(
            "R1",
            DAT_DAI,
            Counter,
            "2026-03-25T08:00",
            "2026-04-02T17:00",
        ),
        "2026-04-01T09:00",
        Early,
        true,
    ));

    // A9 was sent back twice for missing papers, A14 three times (TT 01/2018 indicator 3).
    for (code, times) in [("A9", 2), ("A14", 3)] {
        all.iter_mut()
            .find(|f| f.code == code)
            .expect("fixture")
            .supplements = times;
    }
    // Files taken from the applicant's store instead of uploaded (always digital ones): A1–A4
    // and B1 B2 received in March, C1 in February, X3 in April.
    for code in ["A1", "A2", "A3", "A4", "B1", "B2", "C1", "X3"] {
        let fact = all.iter_mut().find(|f| f.code == code).expect("fixture");
        fact.reused = true;
        fact.digitised = true;
    }
    // E-results put in the applicant's store: A1 A2 A7 B1 D1 resolved in March, X1 in
    // February, R1 in April.
    for code in ["A1", "A2", "A7", "B1", "D1", "X1", "R1"] {
        let fact = all.iter_mut().find(|f| f.code == code).expect("fixture");
        assert!(fact.e_result, "{code}: only an e-result can be stored");
        fact.result_stored = true;
    }
    // Fees asked, in the fee-bearing procedures P3 (certification) and P10 (land): B1 B2 B9 B10
    // D1 D2 D3 D7 R1 received in March, C5 in February; and A5 (P1), under a fee its procedure's
    // current version no longer charges. Paid online: B9 D1 D2 A5 in March, C5 in February;
    // the others at the counter or not yet.
    for code in [
        "B1", "B2", "B9", "B10", "D1", "D2", "D3", "D7", "R1", "C5", "A5",
    ] {
        let fact = all.iter_mut().find(|f| f.code == code).expect("fixture");
        fact.fee_requested = true;
        fact.paid_online = ["B9", "D1", "D2", "C5", "A5"].contains(&code);
    }
    // Ratings given in March (A3 and D3 dissatisfied).
    let ratings = [
        ("A1", Rating::VerySatisfied),
        ("A2", Rating::Satisfied),
        ("A3", Rating::Dissatisfied),
        ("A7", Rating::VerySatisfied),
        ("A11", Rating::Satisfied),
        ("B1", Rating::VerySatisfied),
        ("B2", Rating::VerySatisfied),
        ("D3", Rating::Dissatisfied),
    ];
    for (code, rating) in ratings {
        let fact = all.iter_mut().find(|f| f.code == code).expect("fixture");
        fact.rating = Some(rating);
        fact.rated_at = Some(at("2026-03-26T10:00"));
    }
    all
}

/// Ten procedures: online Full P1 P2 P7 P10, Partial P3 P4 P8, None P5 P6 P9;
/// location-independent P1 P2 P3 P5 P7 P8 P9.
fn procedures() -> Vec<ProcedureFact> {
    let p = |code: &str, online, location_independent, fee_bearing| ProcedureFact {
        code: code.into(),
        online,
        location_independent,
        fee_bearing,
    };
    use OnlineLevel::{Full, None as NoOnline, Partial};
    vec![
        p("P1", Full, true, false),
        p("P2", Full, true, true),
        p("P3", Partial, true, true),
        p("P4", Partial, false, false),
        p("P5", NoOnline, true, true),
        p("P6", NoOnline, false, false),
        p("P7", Full, true, false),
        p("P8", Partial, true, false),
        p("P9", NoOnline, true, false),
        p("P10", Full, false, true),
    ]
}

fn march() -> Period {
    Period::new(
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
    )
    .expect("period")
}

fn row(field: &str, columns: [u64; 11], closed: u64) -> Ii06aRow {
    let [received_total, received_online, received_in_person, carried_over, resolved_total, resolved_early, resolved_on_time, resolved_late, in_progress_total, in_progress_within_time, in_progress_overdue] =
        columns;
    Ii06aRow {
        field: field.into(),
        received_total,
        received_online,
        received_in_person,
        carried_over,
        resolved_total,
        resolved_early,
        resolved_on_time,
        resolved_late,
        in_progress_total,
        in_progress_within_time,
        in_progress_overdue,
        closed_without_result: closed,
    }
}

#[test]
fn ii06a_of_march_by_hand() {
    let facts = march_2026();
    assert!(facts.len() >= 40);
    let report = ii06a(&facts, &march());
    // Chứng thực: online B9 B10 = 2, counter B1–B8 = 8, carried 0 → 10.
    //   Resolved B1–B9 on time = 9; in progress B10, due 31/3 10:00 < end of March → overdue.
    // Hộ tịch: online A1–A10 = 10; counter and post A11–A18 = 8; carried C1–C4 = 4 → 22.
    //   Early C1 + A1–A6 + A11–A13 = 10; on time C2 + A7 A8 + A17 = 4; late C3 A9 A14 = 3 → 17.
    //   In progress: A10 (due 5/4, in time), C4 and A16 (due 3/3 and 25/3, overdue) → 3.
    //   Closed without a result: A15 withdrawn, A18 stopped → 2. 22 = 17 + 3 + 2.
    // Đất đai: online D1–D6 = 6; counter D7 D8 R1 = 3; carried C5 = 1 → 10 (X2 ended in February).
    //   Early D7; on time D1 D2; late D3 → 4. In progress: C5 D4 D5 D8 R1 in time (R1 resolved in
    //   April, due 2/4), D6 overdue → 6.
    assert_eq!(
        report.rows,
        vec![
            row(CHUNG_THUC, [10, 2, 8, 0, 9, 0, 9, 0, 1, 0, 1], 0),
            row(HO_TICH, [22, 10, 8, 4, 17, 10, 4, 3, 3, 1, 2], 2),
            row(DAT_DAI, [10, 6, 3, 1, 4, 1, 2, 1, 6, 5, 1], 0),
        ]
    );
    // Total: 18 online + 19 in person + 5 carried = 42 = 30 resolved + 10 in progress + 2 closed.
    assert_eq!(
        report.total,
        row("Tổng số", [42, 18, 19, 5, 30, 11, 15, 4, 10, 6, 4], 2)
    );
}

fn scorecard() -> Scorecard {
    let targets = parse_targets(
        "chi-tieu.toml",
        include_str!("../../../../data/reports/chi-tieu.toml"),
    )
    .expect("the shipped targets file is valid");
    let facts = march_2026();
    let procedures = procedures();
    evaluate(
        &targets,
        &Summary::from_facts(&facts, &procedures, 3, &march()),
        &march(),
    )
}

fn rate(numerator: u64, denominator: u64) -> Measure {
    Measure::Rate(Rate {
        numerator,
        denominator,
    })
}

#[test]
fn every_target_of_march_by_hand() {
    let card = scorecard();
    let by_metric = |metric: Metric| {
        card.targets
            .iter()
            .find(|t| t.metric == metric)
            .unwrap_or_else(|| panic!("{metric:?}"))
    };
    // Resolved in March: 30, of which early 11 + on time 15 = 26 → 86.7 % < 98 %.
    assert_eq!(by_metric(Metric::OnTime).measure, rate(26, 30));
    assert_eq!(by_metric(Metric::OnTime).met, Some(false));
    // Procedures: Full 4 of the 7 with an online service → 57.1 %.
    assert_eq!(by_metric(Metric::FullOnlineProcedures).measure, rate(4, 7));
    // Received in March: A 18 + B 10 + D 8 + R1 = 37; online A1–A10, B9 B10, D1–D6 = 18.
    assert_eq!(by_metric(Metric::OnlineDossiers).measure, rate(18, 37));
    // Digitised: the 18 online ones and B1–B8 = 26 of 37.
    assert_eq!(by_metric(Metric::DigitisedDossiers).measure, rate(26, 37));
    // Reused stored data: A1–A4, B1 B2 = 6 of 37 (C1 was received in February, X3 in April)
    //   → 16.2 % < 50 %.
    assert_eq!(by_metric(Metric::DataReuse).measure, rate(6, 37));
    assert_eq!(by_metric(Metric::DataReuse).met, Some(false));
    // E-results among the 30 resolved: C1 C2, A1–A8, A11–A13, A17, B1–B9, D1–D3 = 26.
    assert_eq!(by_metric(Metric::ElectronicResults).measure, rate(26, 30));
    // Location-independent: 7 of 10 procedures.
    assert_eq!(
        by_metric(Metric::LocationIndependentProcedures).measure,
        rate(7, 10)
    );
    // Ratings in March: 8, of which A3 and D3 dissatisfied → 6 of 8 (X1 was rated in February).
    assert_eq!(by_metric(Metric::Satisfaction).measure, rate(6, 8));
    assert_eq!(by_metric(Metric::Satisfaction).met, Some(false));
    // Fee-bearing procedures P2 P3 P5 P10, of which P2 P3 P10 are offered online → 3 of 4 =
    //   75 % < 80 %.
    assert_eq!(
        by_metric(Metric::FeeProceduresWithOnlinePayment).measure,
        rate(3, 4)
    );
    assert_eq!(
        by_metric(Metric::FeeProceduresWithOnlinePayment).met,
        Some(false)
    );
    // Asked a fee among the 37 received: B1 B2 B9 B10 D1 D2 D3 D7 R1 A5 = 10 (C5 was received in
    //   February); paid online B9 D1 D2 A5 = 4 → 40 % < 60 %.
    assert_eq!(by_metric(Metric::PaidOnline).measure, rate(4, 10));
    assert_eq!(by_metric(Metric::PaidOnline).met, Some(false));
    // No data, never a number: feedback.
    let feedback = by_metric(Metric::FeedbackOnTime);
    assert!(
        matches!(feedback.measure, Measure::NoData { .. }),
        "{feedback:?}"
    );
    assert_eq!(feedback.met, None);
    assert_eq!(card.targets.len(), 11);
}

#[test]
fn the_766_index_of_march_by_hand() {
    let card = scorecard();
    let close = |a: f64, b: f64| (a - b).abs() < 0.0005;
    let group = |n: u32| card.groups.iter().find(|g| g.number == n).expect("group");
    // 1 Transparency: nothing measurable yet.
    assert_eq!((group(1).points, group(1).max_with_data), (0.0, 0));
    assert!(group(1).points.is_sign_positive(), "no \"-0.00\" points");
    // 2 Progress: (early 11 + on time 15 + in progress in time 6) ÷ (resolved 30 + in progress 10)
    //   = 32/40 = 80 %, no target → 20 × 0.8 = 16.
    assert_eq!(group(2).indicators[0].measure, rate(32, 40));
    assert!(close(group(2).points, 16.0));
    // 3 Online: online of full-online procedures (P1 and P10: A 18 + D 8 + R1 = 27 received,
    //   16 online) 16/27 × 4 = 2.3704; procedures with an online service 7/10 = 70 % < 80 % →
    //   70 × 4 / 80 = 3.5; online dossiers 18/37 = 48.65 % < 50 % → 48.65 × 4 / 50 = 3.8919.
    //   Sum 9.7623.
    assert_eq!(group(3).indicators[0].measure, rate(16, 27));
    assert!(close(group(3).points, 9.7623), "{}", group(3).points);
    // 4 Payment: fee-bearing procedures offered online 3/4 = 75 % < 80 % → 75 × 2 / 80 = 1.875;
    //   fee-bearing procedures with a dossier of March paid online: P3 (B9) and P10 (D1 D2), not
    //   P1 (A5, no fee in its current version) → 2/4 = 50 % < 80 % → 50 × 2 / 80 = 1.25; paid
    //   online 4/10 = 40 %, no target → 6 × 0.4 = 2.4. Sum 5.525 of 10.
    let paid_procedures = group(4)
        .indicators
        .iter()
        .find(|i| i.metric == Metric::FeeProceduresPaidOnline)
        .expect("indicator");
    assert_eq!(paid_procedures.measure, rate(2, 4));
    assert!(close(group(4).points, 5.525), "{}", group(4).points);
    assert_eq!(group(4).max_with_data, 10);
    // 5 Satisfaction with handling: bad = late C3 A9 A14 D3 + dissatisfied A3 (D3 counted once)
    //   = 5 of 30 → 25/30 = 83.33 % < 90 % → 83.33 × 6 / 90 = 5.5556.
    assert_eq!(group(5).indicators[2].measure, rate(25, 30));
    assert!(close(group(5).points, 5.5556), "{}", group(5).points);
    assert_eq!(group(5).max_with_data, 6);
    // 6 Digitisation: e-results 26/30 = 86.67 % < 100 % → 5.2; digitised 26/37 = 70.27 % < 80 %
    //   → 3.5135; e-certified copies issued → 2; reused data 6/37 = 16.22 % < 80 % → 16.22 × 2
    //   / 80 = 0.4054; e-results in the citizen's store 5/30 = 16.67 %, no target → 4 × 0.1667
    //   = 0.6667. Sum 11.7856 of 18 with data (the population-data indicators have none).
    let links = group(6)
        .indicators
        .iter()
        .find(|i| i.metric == Metric::CitizenStoreLinks)
        .expect("indicator");
    assert_eq!(links.measure, rate(5, 30));
    assert!(close(group(6).points, 11.7856), "{}", group(6).points);
    assert_eq!(group(6).max_with_data, 18);
    // Index: 16 + 9.7623 + 5.525 + 5.5556 + 11.7856 = 48.6285 of the 66 points that have data.
    assert!(close(card.index_points, 48.6285), "{}", card.index_points);
    assert_eq!(card.index_max_with_data, 66);
}

#[test]
fn the_store_metrics_say_why_an_empty_period_has_no_share() {
    // Reuse is a share of the dossiers received, links to the store of those resolved: an empty
    // period gives the same reason as their siblings (digitised dossiers, e-results).
    let procedures = procedures();
    let facts = march_2026();
    let january = Period::new(
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
    )
    .expect("period");
    let summary = Summary::from_facts(&facts, &procedures, 0, &january);
    for (metric, sibling) in [
        (Metric::DataReuse, Metric::DigitisedDossiers),
        (Metric::CitizenStoreLinks, Metric::ElectronicResults),
    ] {
        let got = measure(metric, &summary);
        assert!(matches!(got, Measure::NoData { .. }), "{metric:?}: {got:?}");
        assert_eq!(got, measure(sibling, &summary), "{metric:?}");
    }
    // 2 April: X3 received (with a document from the store), nothing resolved: reuse has a share,
    // links to the store do not.
    let april_first = Period::new(
        NaiveDate::from_ymd_opt(2026, 4, 2).expect("date"),
        NaiveDate::from_ymd_opt(2026, 4, 2).expect("date"),
    )
    .expect("period");
    let summary = Summary::from_facts(&facts, &procedures, 0, &april_first);
    assert_eq!(measure(Metric::DataReuse, &summary), rate(1, 1));
    assert_eq!(
        measure(Metric::CitizenStoreLinks, &summary),
        measure(Metric::ElectronicResults, &summary)
    );
}

#[test]
fn the_payment_metrics_follow_the_period_by_hand() {
    let procedures = procedures();
    let facts = march_2026();
    let month = |m: u32, last: u32| {
        Period::new(
            NaiveDate::from_ymd_opt(2026, m, 1).expect("date"),
            NaiveDate::from_ymd_opt(2026, m, last).expect("date"),
        )
        .expect("period")
    };
    // March: the procedures paid online are those of B9 (P3), D1 D2 (P10) and A5 (P1), once each.
    assert_eq!(
        paid_online_procedures(&facts, &month(3, 31)),
        vec!["P1".to_string(), "P10".into(), "P3".into()]
    );
    // February: C5 (P10) is the only dossier received that was asked a fee, and it was paid
    //   online → 1 of 1; of the fee-bearing procedures only P10 → 1 of 4. Offered online does
    //   not depend on the period: 3 of 4.
    let february = Summary::from_facts(&facts, &procedures, 0, &month(2, 28));
    assert_eq!(february.paid_online_procedures, vec!["P10".to_string()]);
    assert_eq!(measure(Metric::PaidOnline, &february), rate(1, 1));
    assert_eq!(
        measure(Metric::FeeProceduresPaidOnline, &february),
        rate(1, 4)
    );
    assert_eq!(
        measure(Metric::FeeProceduresWithOnlinePayment, &february),
        rate(3, 4)
    );
    // January: nothing received, so no fee asked: no share, and why; no procedure was paid
    //   online: 0 of 4, a real zero.
    let january = Summary::from_facts(&facts, &procedures, 0, &month(1, 31));
    assert_eq!(
        measure(Metric::PaidOnline, &january),
        Measure::NoData {
            reason: "không có hồ sơ phải nộp phí, lệ phí trong kỳ".into()
        }
    );
    assert_eq!(
        measure(Metric::FeeProceduresPaidOnline, &january),
        rate(0, 4)
    );
    // A catalog without a fee-bearing procedure has no procedure share.
    let free: Vec<ProcedureFact> = procedures
        .iter()
        .filter(|p| !p.fee_bearing)
        .cloned()
        .collect();
    let summary = Summary::from_facts(&facts, &free, 0, &month(3, 31));
    for metric in [
        Metric::FeeProceduresWithOnlinePayment,
        Metric::FeeProceduresPaidOnline,
    ] {
        assert!(
            matches!(measure(metric, &summary), Measure::NoData { .. }),
            "{metric:?}"
        );
    }
}

#[test]
fn a_bad_targets_file_names_its_lines() {
    let source = "plan = \"x\"\n\n[[target]]\nmetric = \"so_dep\"\nname = \"a\"\nthreshold = 50\nsource = \"b\"\n\n[[target]]\nmetric = \"on_time\"\nname = \"a\"\nthreshold = 150\nsource = \"b\"\n\n[[group]]\nnumber = 1\nname = \"g\"\nmax = 100\nindicator = [{ name = \"i\", metric = \"progress\", points = 90 }]\n";
    let error = parse_targets("chi-tieu.toml", source).expect_err("bad");
    let lines: Vec<(usize, bool)> = error
        .problems
        .iter()
        .map(|p| (p.line, p.message.is_empty()))
        .collect();
    assert_eq!(lines, vec![(4, false), (12, false), (18, false)], "{error}");
    assert!(error.to_string().contains("so_dep"), "{error}");
}

#[test]
fn tt01_indicators_of_march_by_hand() {
    let facts = march_2026();
    let report = satisfaction(&counts(&facts, &march()));
    // 30 resolved: early 11 × 2 + on time 15 × 1 + late 4 × 0 = 37 → 37/30 = 1.23 → 1.2.
    assert_eq!(report.dossiers, 30);
    assert_eq!(report.indicators[0].score, Some(1.2));
    // Online level: Hộ tịch (P1, full) 17 resolved × 2, Chứng thực (P3, partial) 9 × 1,
    // Đất đai (P10, full) 4 × 2 → (34 + 9 + 8) / 30 = 1.7.
    assert_eq!(report.indicators[8].score, Some(1.7));
    // Contacts: 28 resolved with at most one supplement request × 2 + A9 (two) × 1 + A14
    // (three) × 0 = 57 → 57/30 = 1.9.
    assert_eq!(report.indicators[2].score, Some(1.9));
    for number in [2, 4, 5, 6, 7, 8] {
        let indicator = &report.indicators[number - 1];
        assert!(
            indicator.score.is_none() && indicator.reason.is_some(),
            "{indicator:?}"
        );
    }
    // Officials need indicators 2, 4 and 7 too; agencies all nine: no made-up classification.
    assert_eq!(
        report.officials,
        Classification::NoData {
            missing: vec![2, 4, 7]
        }
    );
    assert_eq!(
        report.agency,
        Classification::NoData {
            missing: vec![2, 4, 5, 6, 7, 8]
        }
    );
    // An empty period has no score at all.
    let january = Period::new(
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
    )
    .expect("period");
    assert_eq!(
        satisfaction(&counts(&facts, &january)).indicators[0].score,
        None
    );
}

#[test]
fn a_period_counts_the_sum_of_its_days() {
    let facts = march_2026();
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    for (from, to) in [
        (day(3, 1), day(3, 31)),
        (day(3, 2), day(3, 2)),
        (day(2, 1), day(4, 30)),
        (day(3, 10), day(3, 16)),
    ] {
        let period = Period::new(from, to).expect("period");
        let mut summed = Counts::default();
        for fact in &facts {
            for (day, counts) in daily_contributions(fact) {
                if from <= day && day <= to {
                    summed.add(&counts);
                }
            }
        }
        assert_eq!(summed, counts(&facts, &period), "{from}–{to}");
    }
    let signed = counts(&facts, &march()).to_signed(1);
    assert_eq!(Counts::from_signed(signed), counts(&facts, &march()));
}

proptest::proptest! {
    #[test]
    fn days_add_up_for_any_dossier(received in 0i64..2000, took in 0i64..300, rated in 0i64..300, resolved: bool, timing in 0usize..3, supplements in 0u32..4, digitised: bool, online in 0usize..3, rating in 0usize..4, e_result: bool, reused: bool, result_stored: bool, payment in 0usize..3, complaint: bool, points in 0u8..4) {
        let start = at("2026-03-01T00:00");
        let received_at = start + chrono::Duration::hours(received);
        let mut fact = dossier("Q1", HO_TICH, [Channel::Counter, Channel::Online, Channel::Postal][online], "2026-03-01T08:00", "2026-03-05T17:00");
        fact.received_at = Some(received_at);
        fact.digitised = digitised || reused;
        fact.reused = reused;
        fact.supplements = supplements;
        fact.online = [Some(OnlineLevel::Full), Some(OnlineLevel::Partial), None][online];
        // No fee, a fee asked (unpaid or paid at the counter), a fee paid online.
        fact.fee_requested = payment > 0;
        fact.paid_online = payment == 2;
        if resolved {
            fact.resolved_at = Some(received_at + chrono::Duration::hours(took));
            fact.timing = Some([Timing::Early, Timing::OnTime, Timing::Late][timing]);
            fact.e_result = e_result || result_stored;
            fact.result_stored = result_stored;
            if rating < 3 {
                fact.rating = Some([Rating::VerySatisfied, Rating::Satisfied, Rating::Dissatisfied][rating]);
                fact.rated_at = Some(received_at + chrono::Duration::hours(took + rated));
                // Optional answers at rating: none (3) or 0, 1, 2 points.
                fact.points_bodies = (points < 3).then_some(points);
                fact.points_attitude = (points < 3).then_some(2 - points.min(2));
            }
        }
        fact.complaint = complaint;
        fact.points_feedback = complaint.then_some(points.min(2));
        let whole = Period::new(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"), NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")).expect("period");
        let mut summed = Counts::default();
        for (_, counts) in daily_contributions(&fact) {
            summed.add(&counts);
        }
        proptest::prop_assert_eq!(summed, counts(std::slice::from_ref(&fact), &whole));
    }
}

#[test]
fn ii06a_from_daily_sums_and_open_dossiers_equals_ii06a() {
    let facts = march_2026();
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    for (from, to) in [
        (day(3, 1), day(3, 31)),
        (day(3, 10), day(3, 20)),
        (day(2, 15), day(4, 30)),
        (day(4, 1), day(4, 1)),
    ] {
        let period = Period::new(from, to).expect("period");
        let before = Period::new(day(1, 1), from.pred_opt().expect("date")).expect("before");
        let mut parts: std::collections::BTreeMap<&str, Ii06aParts> = Default::default();
        for fact in &facts {
            let part = parts.entry(fact.field.as_str()).or_default();
            part.before
                .add(&counts(std::slice::from_ref(fact), &before));
            part.during
                .add(&counts(std::slice::from_ref(fact), &period));
            match open_at(fact, period.end()) {
                Some(true) => part.open.overdue += 1,
                Some(false) => part.open.within_time += 1,
                None => {}
            }
        }
        let rows: Vec<Ii06aRow> = parts
            .iter()
            .map(|(field, part)| part.row(field))
            .filter(|row| row.received_total > 0 || row.closed_without_result > 0)
            .collect();
        assert_eq!(rows, ii06a(&facts, &period).rows, "{from}–{to}");
    }
}

#[test]
fn a_complaint_about_a_dossier_takes_it_out_of_the_well_resolved_and_scores_indicator_8() {
    let period = Period::new(
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
    )
    .expect("period");
    let on_time = |code: &str| {
        resolved(
            dossier(
                code,
                HO_TICH,
                Counter,
                "2026-03-02T08:00",
                "2026-03-06T17:00",
            ),
            "2026-03-05T10:00",
            OnTime,
            false,
        )
    };
    let mut complained = on_time("K1");
    complained.complaint = true;
    complained.points_feedback = Some(1);
    let mut answered = rated(on_time("K2"), Rating::Satisfied, "2026-03-06T09:00");
    answered.points_bodies = Some(2);
    answered.points_attitude = Some(1);
    let mut silent = rated(on_time("K3"), Rating::VerySatisfied, "2026-03-06T09:00");
    silent.points_bodies = Some(1);
    let c = counts(&[complained, answered, silent, on_time("K4")], &period);
    // QĐ 766: 100 % − (late + dissatisfied + with complaint) ÷ resolved = 3 of 4.
    assert_eq!((c.resolved, c.resolved_well), (4, 3));
    assert_eq!((c.resolved_with_feedback, c.points_feedback), (1, 1));
    assert_eq!((c.rated_bodies, c.points_bodies), (2, 3));
    assert_eq!((c.rated_attitude, c.points_attitude), (1, 1));
    let s = satisfaction(&c);
    let score = |n: usize| s.indicators[n - 1].score;
    assert_eq!(score(4), Some(1.5));
    assert_eq!(score(7), Some(1.0));
    assert_eq!(score(8), Some(1.0));
    assert_eq!(score(2), None, "still no data for indicator 2");
    assert!(
        matches!(s.officials, Classification::NoData { ref missing } if *missing == vec![2]),
        "{:?}",
        s.officials
    );
    let handling = measure(
        Metric::HandlingSatisfaction,
        &Summary {
            counts: c,
            totals: Ii06aRow::default(),
            procedures: &[],
            certified_e_copies: 0,
            paid_online_procedures: Vec::new(),
            feedback: FeedbackCounts::default(),
        },
    );
    assert_eq!(
        handling,
        Measure::Rate(Rate {
            numerator: 3,
            denominator: 4
        })
    );
}

#[test]
fn feedback_metrics_count_answers_and_ratings_of_the_period() {
    let period = Period::new(
        NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
        NaiveDate::from_ymd_opt(2026, 4, 30).expect("date"),
    )
    .expect("period");
    let fact = |answered: Option<&str>, in_time: Option<bool>, rating: Option<(Rating, &str)>| {
        FeedbackFact {
            answered_at: answered.map(at),
            answered_in_time: in_time,
            rating: rating.map(|(r, _)| r),
            rated_at: rating.map(|(_, when)| at(when)),
        }
    };
    let facts = [
        fact(
            Some("2026-04-10T09:00"),
            Some(true),
            Some((Rating::Satisfied, "2026-04-11T09:00")),
        ),
        fact(
            Some("2026-04-12T09:00"),
            Some(false),
            Some((Rating::Dissatisfied, "2026-05-02T09:00")),
        ),
        fact(
            Some("2026-03-30T09:00"),
            Some(true),
            Some((Rating::VerySatisfied, "2026-04-02T09:00")),
        ),
        fact(None, None, None),
    ];
    let c = feedback_counts(&facts, &period);
    assert_eq!(
        c,
        FeedbackCounts {
            answered: 2,
            answered_in_time: 1,
            rated: 2,
            rated_satisfied: 2
        }
    );
    let summary = |feedback| Summary {
        counts: Counts::default(),
        totals: Ii06aRow::default(),
        procedures: &[],
        certified_e_copies: 0,
        paid_online_procedures: Vec::new(),
        feedback,
    };
    assert_eq!(
        measure(Metric::FeedbackOnTime, &summary(c)),
        Measure::Rate(Rate {
            numerator: 1,
            denominator: 2
        })
    );
    assert_eq!(
        measure(Metric::FeedbackSatisfaction, &summary(c)),
        Measure::Rate(Rate {
            numerator: 2,
            denominator: 2
        })
    );
    assert!(matches!(
        measure(Metric::FeedbackOnTime, &summary(FeedbackCounts::default())),
        Measure::NoData { .. }
    ));
}

#[test]
fn facts_keep_instants_to_the_microsecond_as_the_database_does() {
    let nanos = chrono::Duration::nanoseconds(370_333_475);
    let fact = rated(
        closed(
            dossier(
                "C1",
                HO_TICH,
                Channel::Online,
                "2026-03-02 08:00",
                "2026-03-05 08:00",
            ),
            "2026-03-04 10:00",
        ),
        Rating::Satisfied,
        "2026-03-04 11:00",
    );
    let mut fine = fact.clone();
    for instant in [
        &mut fine.received_at,
        &mut fine.due_at,
        &mut fine.closed_at,
        &mut fine.rated_at,
    ] {
        *instant = instant.map(|at| at + nanos);
    }
    fine.resolved_at = Some(at("2026-03-04 09:00") + nanos);
    let stored = fine.clone().at_stored_precision();
    let micros = chrono::Duration::microseconds(370_333);
    assert_eq!(stored.received_at, fact.received_at.map(|at| at + micros));
    assert_eq!(stored.due_at, fact.due_at.map(|at| at + micros));
    assert_eq!(stored.closed_at, fact.closed_at.map(|at| at + micros));
    assert_eq!(stored.rated_at, fact.rated_at.map(|at| at + micros));
    assert_eq!(stored.resolved_at, Some(at("2026-03-04 09:00") + micros));
    // Everything else is left as it was, and a stored fact stays as it is.
    assert_eq!(stored.code, fine.code);
    assert_eq!(stored.rating, fine.rating);
    assert_eq!(stored.clone().at_stored_precision(), stored);
}
