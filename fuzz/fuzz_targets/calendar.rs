//! A calendar file, read as a yearly notice and as the working-hours file: refused with every
//! problem on a line the file has, or accepted as calendars that hold what the file says (its
//! days off are not worked, its working weekends are; hours in order within the day).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::calendar::notice::NoticeKind;
use xaso_domain::calendar::worktime::parse_hours;
use xaso_domain::calendar::CalendarSet;

fuzz_target!(|data: &[u8]| {
    let Some(source) = xaso_fuzz::text(data) else {
        return;
    };
    match parse_hours("working-hours.toml", source) {
        Err(error) => xaso_fuzz::assert_real_lines("working-hours.toml", source, &error),
        Ok(table) => {
            for hours in std::iter::once(&table.default).chain(table.agencies.values()) {
                let sessions = hours.sessions();
                assert!(!sessions.is_empty());
                assert!(
                    sessions.iter().all(|(a, b)| a < b && *b <= 24 * 60),
                    "{sessions:?}"
                );
                assert!(
                    sessions.windows(2).all(|w| w[0].1 <= w[1].0),
                    "{sessions:?}"
                );
            }
        }
    }
    let files = [("2030.toml".to_string(), source.to_string())];
    match CalendarSet::from_files(&files) {
        Err(error) => xaso_fuzz::assert_real_lines("2030.toml", source, &error),
        Ok(set) => {
            for notice in set.notices() {
                let calendar = set
                    .for_agency(notice.agency.as_deref())
                    .expect("a loaded set builds its calendars");
                for day in &notice.days {
                    let working = calendar
                        .is_working_day(day.date)
                        .expect("a notice's day is in its calendar");
                    let expected = day.kind == NoticeKind::WorkingDay;
                    assert_eq!(
                        working, expected,
                        "{:?} on {} (line {})",
                        day.kind, day.date, day.line
                    );
                    assert!((1..=xaso_fuzz::line_count(source)).contains(&day.line));
                }
            }
        }
    }
});
