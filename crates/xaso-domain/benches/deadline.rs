//! Deadline computations per second with a warm calendar: `cargo bench -p xaso-domain`.
//! The aim is ≥ 1 M/s on one core for the due instant; divan prints time per call, and
//! the throughput line (items/s) is the figure to compare.

use chrono::{Duration, TimeZone, Utc};
use divan::counter::ItemsCount;
use divan::Bencher;
use xaso_domain::calendar::deadline::DeadlineRequest;
use xaso_domain::calendar::{CalendarSet, DeadlineRule, WorkCalendar};

fn main() {
    divan::main();
}

fn calendar() -> std::sync::Arc<WorkCalendar> {
    let files: Vec<(String, String)> = [
        (
            "2025.toml",
            include_str!("../../../data/calendar/2025.toml"),
        ),
        (
            "2026.toml",
            include_str!("../../../data/calendar/2026.toml"),
        ),
        (
            "working-hours.toml",
            include_str!("../../../data/calendar/working-hours.toml"),
        ),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    let set = CalendarSet::from_files(&files).expect("calendar data");
    set.for_agency(None).expect("calendar")
}

/// 1,000 requests spread over 2025–2026, received at every kind of hour, 1–15 working days.
fn requests() -> Vec<DeadlineRequest> {
    let start = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("valid");
    (0..1000)
        .map(|i: i64| {
            let received = start + Duration::minutes(i * 1013);
            let rule = match i % 3 {
                0 => DeadlineRule::WorkingDays {
                    days: 1 + (i % 15) as u32,
                },
                1 => DeadlineRule::WorkingHours {
                    hours: 1 + (i % 40) as u32,
                },
                _ => DeadlineRule::Immediate,
            };
            DeadlineRequest::new(received, rule)
        })
        .collect()
}

#[divan::bench]
fn due_instant(bencher: Bencher) {
    let calendar = calendar();
    let requests = requests();
    // Warm every year used.
    for r in &requests {
        let _ = calendar.due(r);
    }
    bencher
        .counter(ItemsCount::new(requests.len()))
        .bench_local(|| {
            for r in &requests {
                divan::black_box(calendar.due(divan::black_box(r)).expect("due"));
            }
        });
}

#[divan::bench]
fn with_explanation(bencher: Bencher) {
    let calendar = calendar();
    let requests = requests();
    bencher
        .counter(ItemsCount::new(requests.len()))
        .bench_local(|| {
            for r in &requests {
                divan::black_box(calendar.deadline(divan::black_box(r)).expect("deadline"));
            }
        });
}

#[divan::bench]
fn lunar_conversion(bencher: Bencher) {
    let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid");
    let dates: Vec<_> = (0..365).map(|d| first + Duration::days(d)).collect();
    bencher
        .counter(ItemsCount::new(dates.len()))
        .bench_local(|| {
            for d in &dates {
                divan::black_box(
                    xaso_domain::calendar::lunar::to_lunar(divan::black_box(*d)).expect("lunar"),
                );
            }
        });
}
