//! II.06a and the whole scorecard over a province-year held in memory (1 M dossiers, 95
//! communes' fields): `cargo bench -p xaso-domain --bench report`. The store reads the facts;
//! this measures what the domain adds on top. divan prints the time per full report.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use divan::Bencher;
use xaso_domain::calendar::deadline::Timing;
use xaso_domain::catalog::OnlineLevel;
use xaso_domain::dossier::Channel;
use xaso_domain::report::{
    counts, evaluate, ii06a, parse_targets, satisfaction, DossierFact, Period, ProcedureFact,
    Summary,
};

fn main() {
    divan::main();
}

const FIELDS: [&str; 7] = [
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Bảo trợ xã hội",
    "Kinh doanh",
    "Người có công",
    "Giảm nghèo",
];

fn province_year(count: u64) -> Vec<DossierFact> {
    let start = Utc
        .with_ymd_and_hms(2025, 1, 1, 1, 0, 0)
        .single()
        .expect("valid");
    (0..count)
        .map(|i| {
            let received = start + Duration::minutes((i * 525_600 / count) as i64);
            let resolved = (i % 10 != 0).then(|| received + Duration::days((i % 9) as i64));
            DossierFact {
                code: format!("{i:08}"),
                procedure_code: format!("P{}", i % 30),
                field: FIELDS[(i % 7) as usize].into(),
                online: Some(
                    [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None][(i % 3) as usize],
                ),
                channel: [Channel::Online, Channel::Counter, Channel::Postal][(i % 3) as usize],
                received_at: Some(received),
                due_at: Some(received + Duration::days(5)),
                resolved_at: resolved,
                timing: resolved
                    .map(|_| [Timing::Early, Timing::OnTime, Timing::Late][(i % 3) as usize]),
                closed_at: None,
                supplements: (i % 4) as u32,
                digitised: i % 4 != 0,
                e_result: i % 5 != 0,
                // Some reuse and some stored results, so that the counting does work.
                reused: i % 6 == 0,
                result_stored: i % 5 != 0 && i % 2 == 0,
                // Fees asked in the fee-bearing procedures (P0, P4, …), paid online by the
                // dossiers submitted online.
                fee_requested: (i % 30) % 4 == 0,
                paid_online: (i % 30) % 4 == 0 && i % 3 == 0,
                rating: None,
                rated_at: None,
                complaint: i % 11 == 0,
                points_bodies: None,
                points_attitude: None,
                points_feedback: None,
            }
        })
        .collect()
}

#[divan::bench(sample_count = 5)]
fn report_over_a_million_dossiers(bencher: Bencher) {
    let facts = province_year(1_000_000);
    let procedures: Vec<ProcedureFact> = (0..30)
        .map(|i| ProcedureFact {
            code: format!("P{i}"),
            online: [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None][i % 3],
            location_independent: i % 2 == 0,
            fee_bearing: i % 4 == 0,
        })
        .collect();
    let targets = parse_targets(
        "chi-tieu.toml",
        include_str!("../../../data/reports/chi-tieu.toml"),
    )
    .expect("targets");
    let period = Period::new(
        NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
    )
    .expect("period");
    bencher.bench_local(|| {
        let summary = Summary::from_facts(&facts, &procedures, 0, &period);
        (
            ii06a(&facts, &period),
            evaluate(&targets, &summary, &period),
            satisfaction(&counts(&facts, &period)),
        )
    });
}
