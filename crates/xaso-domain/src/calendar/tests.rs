//! Calendar tests: known dates, whole-range invariants, the shipped notices, deadlines.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::deadline::{parse_instant, to_local, DeadlineRequest};
use super::lunar::{self, LunarDate, CHINA, VIETNAM};
use super::notice::parse_notice;
use super::worktime::{parse_hours, DayKind, WorkCalendar, WorkingHours};
use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn lunar_date(year: i32, month: u32, day: u32, leap: bool) -> LunarDate {
    LunarDate {
        year,
        month,
        day,
        leap,
    }
}

fn shipped() -> WorkCalendar {
    let notices = [
        parse_notice(
            "2025.toml",
            include_str!("../../../../data/calendar/2025.toml"),
        ),
        parse_notice(
            "2026.toml",
            include_str!("../../../../data/calendar/2026.toml"),
        ),
    ]
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .unwrap_or_else(|e| panic!("{e}"));
    let hours = parse_hours(
        "working-hours.toml",
        include_str!("../../../../data/calendar/working-hours.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    WorkCalendar::new(&notices, None, hours.default).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn known_vietnamese_new_years() {
    // Tết (lunar 1/1) as published in Vietnamese calendars (Hồ Ngọc Đức's tables for 1900–2199,
    // cross-checked with an independent ephemeris at UTC+7). Years before 1968, when Vietnam still
    // reckoned at UTC+8, are taken only where both reckonings agree.
    for (year, month, day) in [
        (1900, 1, 31),
        (1901, 2, 19),
        (1920, 2, 20),
        (1945, 2, 13),
        (1954, 2, 3),
        (1975, 2, 11),
        (2033, 1, 31),
        (2050, 1, 23),
        (2057, 2, 4),
        (2070, 2, 11),
        (2100, 2, 9),
        (2119, 2, 10),
        (2150, 1, 29),
        (2180, 1, 27),
        (2000, 2, 5),
        (2008, 2, 7),
        (2010, 2, 14),
        (2020, 1, 25),
        (2021, 2, 12),
        (2022, 2, 1),
        (2023, 1, 22),
        (2024, 2, 10),
        (2025, 1, 29),
        (2026, 2, 17),
    ] {
        assert_eq!(
            lunar::new_year_in(year, VIETNAM),
            Ok(date(year, month, day)),
            "Tết {year}"
        );
        assert_eq!(
            lunar::to_lunar(date(year, month, day)),
            Ok(lunar_date(year, 1, 1, false))
        );
    }
}

#[test]
fn years_where_vietnam_and_china_differ() {
    // UTC+7 against UTC+8: the new moon falls on different civil days, or a solar term moves.
    for (year, vietnam, china) in [
        (1968, date(1968, 1, 29), date(1968, 1, 30)),
        (1985, date(1985, 1, 21), date(1985, 2, 20)),
        (1969, date(1969, 2, 16), date(1969, 2, 17)),
        (2007, date(2007, 2, 17), date(2007, 2, 18)),
        (2030, date(2030, 2, 2), date(2030, 2, 3)),
        (2053, date(2053, 2, 18), date(2053, 2, 19)),
        (2148, date(2148, 1, 21), date(2148, 2, 20)),
        (2153, date(2153, 1, 24), date(2153, 1, 25)),
    ] {
        assert_eq!(
            lunar::new_year_in(year, VIETNAM),
            Ok(vietnam),
            "Việt Nam {year}"
        );
        assert_eq!(lunar::new_year_in(year, CHINA), Ok(china), "China {year}");
    }
}

#[test]
fn hung_kings_day() {
    let hung = |year| lunar::to_solar(lunar_date(year, 3, 10, false));
    assert_eq!(hung(2025), Ok(date(2025, 4, 7)));
    assert_eq!(hung(2026), Ok(date(2026, 4, 26)));
    assert_eq!(hung(2024), Ok(date(2024, 4, 18)));
    assert_eq!(hung(2027), Ok(date(2027, 4, 16)));
}

#[test]
fn leap_months_exist_only_where_they_are() {
    // 2023 had a leap 2nd month (Quý Mão); 2025 a leap 6th month (Ất Tỵ).
    for (year, month, starts) in [
        (2020, 4, date(2020, 5, 23)),
        (2023, 2, date(2023, 3, 22)),
        (2025, 6, date(2025, 7, 25)),
        (2028, 5, date(2028, 6, 23)),
        (2033, 11, date(2033, 12, 22)),
        (1995, 8, date(1995, 9, 24)),
    ] {
        assert_eq!(
            lunar::to_solar(lunar_date(year, month, 1, true)),
            Ok(starts),
            "leap {month}/{year}"
        );
    }
    // 1995: the leap 8th month starts a day later in China.
    assert_eq!(
        lunar::to_solar_in(lunar_date(1995, 8, 1, true), CHINA),
        Ok(date(1995, 9, 25))
    );
    assert_eq!(
        lunar::to_solar(lunar_date(2024, 6, 1, true)),
        Err(CalendarError::NoSuchLunarDate(lunar_date(2024, 6, 1, true)))
    );
    let leap_sixth = lunar::to_solar(lunar_date(2025, 6, 1, true)).expect("exists");
    assert_eq!(
        lunar::to_lunar(leap_sixth),
        Ok(lunar_date(2025, 6, 1, true))
    );
}

#[test]
fn every_day_of_1900_to_2199_round_trips_and_months_are_well_formed() {
    let mut day = date(1900, 1, 1);
    let end = date(2199, 12, 31);
    let mut previous = lunar::to_lunar(day).expect("in range");
    let mut month_length = previous.day;
    let mut months_in_year = 0;
    let mut leap_years = 0;
    while day < end {
        day = day.succ_opt().expect("next day");
        let lunar = lunar::to_lunar(day).expect("in range");
        if lunar.day == 1 {
            assert!(
                (29..=30).contains(&month_length) || previous.year == 1899,
                "{previous:?} had {month_length} days"
            );
            months_in_year += 1;
            if lunar.month == 1 && !lunar.leap {
                assert!(
                    lunar.year == 1900 || (12..=13).contains(&months_in_year),
                    "{} had {months_in_year} months",
                    lunar.year - 1
                );
                if months_in_year == 13 {
                    leap_years += 1;
                }
                months_in_year = 0;
                // Tết falls between 21 January and 20 February.
                assert!(
                    (date(day.year(), 1, 21)..=date(day.year(), 2, 20)).contains(&day),
                    "Tết {day}"
                );
            }
            month_length = 1;
        } else {
            assert_eq!(lunar.day, previous.day + 1, "{day}");
            month_length += 1;
        }
        // Every third day goes back the other way, to keep the test quick.
        if day.num_days_from_ce() % 3 == 0 {
            assert_eq!(lunar::to_solar(lunar), Ok(day), "{lunar:?}");
        }
        previous = lunar;
    }
    // 7 leap months in every 19 years: 298 complete years → about 110.
    assert!((108..=112).contains(&leap_years), "{leap_years} leap years");
}

#[test]
fn out_of_range_and_impossible_dates_are_errors() {
    assert_eq!(
        lunar::to_lunar(date(1800, 1, 1)),
        Err(CalendarError::OutOfRange(1800))
    );
    assert_eq!(
        lunar::to_solar(lunar_date(2300, 1, 1, false)),
        Err(CalendarError::OutOfRange(2300))
    );
    assert!(parse_date("2026-02-31").is_err());
    assert!(parse_date("31/02/2026").is_err());
    assert!(lunar::to_solar(lunar_date(2026, 13, 1, false)).is_err());
    // Lunar 12/2025 (Ất Tỵ) has 29 days: the 30th does not exist.
    assert!(lunar::to_solar(lunar_date(2025, 12, 30, false)).is_err());
    assert!(parse_instant("2026-02-13T25:10").is_err());
    assert_eq!(
        parse_instant("-262143-01-01T00:00"),
        Err(CalendarError::OutOfRange(-262143))
    );
    assert!(parse_instant("+262142-12-31T23:59:59Z").is_err());
}

#[test]
fn calendar_2026_matches_the_official_notice() {
    let calendar = shipped();
    let off = |y, m, d| !calendar.is_working_day(date(y, m, d)).expect("in range");
    for d in 1..=4 {
        assert!(off(2026, 1, d), "{d}/1 off");
    }
    assert!(!off(2026, 1, 10), "Saturday 10/1 is worked");
    assert_eq!(
        calendar.day(date(2026, 1, 10)).expect("day").kind,
        DayKind::WorkingWeekend
    );
    for d in 14..=22 {
        assert!(off(2026, 2, d), "{d}/2 off");
    }
    assert!(!off(2026, 2, 13) && !off(2026, 2, 23));
    // Hùng Kings on Sunday 26/4 → substitute Monday 27/4 (by rule: the notice does not fix it).
    assert_eq!(
        calendar.day(date(2026, 4, 27)).expect("day").kind,
        DayKind::Substitute {
            occasion: Occasion::HungKings
        }
    );
    assert!(off(2026, 4, 30) && off(2026, 5, 1) && !off(2026, 5, 4));
    assert!(off(2026, 8, 31) && off(2026, 9, 1) && off(2026, 9, 2) && !off(2026, 9, 3));
    assert!(!off(2026, 8, 22));
}

#[test]
fn calendar_2025_matches_the_official_notice() {
    let calendar = shipped();
    let off = |m, d| !calendar.is_working_day(date(2025, m, d)).expect("in range");
    assert!((25..=31).all(|d| off(1, d)) && off(2, 1) && off(2, 2) && !off(2, 3));
    assert!(!off(1, 24));
    assert!(!off(4, 26), "Saturday 26/4 worked");
    assert!(off(4, 7), "Hùng Kings");
    assert!(off(4, 30) && off(5, 1) && off(5, 2));
    assert!(off(9, 1) && off(9, 2) && !off(9, 3));
}

#[test]
fn the_rule_alone_gives_substitutes_for_weekend_holidays() {
    let calendar = WorkCalendar::new(&[], None, WorkingHours::default()).expect("no notices");
    // 2033: 1/1 is a Saturday → Monday 3/1 is the substitute.
    assert_eq!(
        calendar.day(date(2033, 1, 3)).expect("day").kind,
        DayKind::Substitute {
            occasion: Occasion::NewYear
        }
    );
    // Every year has 11 public holidays by rule.
    let exceptions = calendar.exceptions(2030).expect("year");
    let holidays = exceptions
        .iter()
        .filter(|d| matches!(d.kind, DayKind::Holiday { .. }))
        .count();
    assert_eq!(holidays, 11);
}

#[test]
fn notices_conflicting_across_files_are_refused() {
    let national = parse_notice(
        "2026.toml",
        include_str!("../../../../data/calendar/2026.toml"),
    )
    .expect("valid");
    let agency = parse_notice(
        "minh-duc.toml",
        "year = 2026\nsource = \"Quyết định của UBND xã\"\nagency = \"000.00.61.H19\"\n\n[[day]]\ndate = \"2026-01-02\"\nkind = \"day_off\"\nreason = \"Trùng\"\n",
    )
    .expect("valid file");
    let err = WorkCalendar::new(
        &[national.clone(), agency.clone()],
        Some("000.00.61.H19"),
        WorkingHours::default(),
    )
    .err()
    .expect("conflict");
    assert!(
        err.to_string()
            .starts_with("minh-duc.toml:6: ngày 2026-01-02 trùng với thông báo chung 2026.toml"),
        "{err}"
    );
    // Other agencies do not see it.
    assert!(WorkCalendar::new(
        &[national.clone(), agency],
        Some("000.00.62.H19"),
        WorkingHours::default()
    )
    .is_ok());
    let err = WorkCalendar::new(&[national.clone(), national], None, WorkingHours::default())
        .err()
        .expect("twice");
    assert!(
        err.to_string().contains("năm 2026 đã có thông báo chung"),
        "{err}"
    );
}

#[test]
fn the_issue_example_skips_tet() {
    let calendar = shipped();
    let received = parse_instant("2026-02-13T16:10").expect("instant");
    let deadline = calendar
        .deadline(&DeadlineRequest::new(
            received,
            DeadlineRule::WorkingDays { days: 3 },
        ))
        .expect("deadline");
    assert_eq!(to_local(deadline.due).to_string(), "2026-02-25 17:00:00");
    assert_eq!(
        to_local(deadline.counting_from).to_string(),
        "2026-02-23 07:00:00"
    );
    let text = deadline.explanation.join(" ");
    assert!(text.contains("sau 15:00"), "{text}");
    assert!(text.contains("16/02–20/02 (Tết Nguyên đán)"), "{text}");
    assert!(text.contains("14/02–15/02 (nghỉ hằng tuần)"), "{text}");
    assert!(
        text.contains("+3 ngày làm việc → hạn trả kết quả 17:00 thứ Tư 25/02/2026"),
        "{text}"
    );
}

#[test]
fn immediate_hours_and_pauses() {
    let calendar = shipped();
    let local = |text: &str| parse_instant(text).expect("instant");
    let due = |from: &str, rule| {
        to_local(
            calendar
                .due(&DeadlineRequest::new(local(from), rule))
                .expect("due"),
        )
        .to_string()
    };
    assert_eq!(
        due("2026-03-02T09:00", DeadlineRule::Immediate),
        "2026-03-02 17:00:00"
    );
    assert_eq!(
        due("2026-03-02T15:30", DeadlineRule::Immediate),
        "2026-03-03 17:00:00"
    );
    assert_eq!(
        due("2026-03-07T09:00", DeadlineRule::Immediate),
        "2026-03-09 17:00:00"
    );
    assert_eq!(
        due("2026-03-02T09:00", DeadlineRule::WorkingDays { days: 3 }),
        "2026-03-05 09:00:00"
    );
    assert_eq!(
        due("2026-03-02T10:30", DeadlineRule::WorkingHours { hours: 2 }),
        "2026-03-02 14:30:00"
    );
    assert_eq!(
        due("2026-03-02T06:00", DeadlineRule::WorkingHours { hours: 1 }),
        "2026-03-02 08:00:00"
    );
    // Paused for one working day (waiting for the applicant) → one day later.
    let mut paused = DeadlineRequest::new(
        local("2026-03-02T09:00"),
        DeadlineRule::WorkingDays { days: 3 },
    );
    paused
        .pauses
        .push((local("2026-03-03T09:00"), local("2026-03-04T09:00")));
    assert_eq!(
        to_local(calendar.due(&paused).expect("due")).to_string(),
        "2026-03-06 09:00:00"
    );
    let explained = calendar
        .deadline(&paused)
        .expect("deadline")
        .explanation
        .join(" ");
    assert!(
        explained.contains("tạm dừng chờ bổ sung hồ sơ (1 ngày làm việc)"),
        "{explained}"
    );
}

#[test]
fn timing_and_reschedule() {
    let calendar = shipped();
    let local = |text: &str| parse_instant(text).expect("instant");
    let due = local("2026-03-05T09:00");
    assert_eq!(
        calendar.timing(local("2026-03-04T16:00"), due),
        Timing::Early
    );
    assert_eq!(
        calendar.timing(local("2026-03-05T08:00"), due),
        Timing::OnTime
    );
    assert_eq!(
        calendar.timing(local("2026-03-05T09:01"), due),
        Timing::Late
    );
    assert!(calendar.is_late(local("2026-03-05T09:01"), due));
    let new_due = calendar
        .reschedule(local("2026-03-03T09:00"), due, date(2026, 3, 10), 30)
        .expect("allowed");
    assert_eq!(to_local(new_due).to_string(), "2026-03-10 17:00:00");
    assert!(
        calendar
            .reschedule(local("2026-03-03T09:00"), due, date(2199, 12, 30), 30)
            .is_err(),
        "not years later"
    );
    assert!(calendar
        .reschedule(local("2026-03-03T09:00"), due, date(2026, 3, 9), 2)
        .is_ok());
    assert!(
        calendar
            .reschedule(local("2026-03-03T09:00"), due, date(2026, 3, 10), 2)
            .is_err(),
        "at most 2 working days later"
    );
    assert!(
        calendar
            .reschedule(local("2026-03-04T10:00"), due, date(2026, 3, 10), 30)
            .is_err(),
        "too late to apologise"
    );
    assert!(
        calendar
            .reschedule(local("2026-03-03T09:00"), due, date(2026, 3, 8), 30)
            .is_err(),
        "a Sunday"
    );
    assert!(
        calendar
            .reschedule(local("2026-03-03T09:00"), due, date(2026, 3, 4), 30)
            .is_err(),
        "earlier"
    );
}

fn any_instant() -> impl Strategy<Value = chrono::DateTime<Utc>> {
    // 2024-01-01 .. 2027-12-31 in minutes.
    (0i64..4 * 366 * 24 * 60).prop_map(|m| {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .single()
            .expect("valid")
            + Duration::minutes(m)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn counting_back_gives_the_working_days_added(received in any_instant(), days in 1u32..30) {
        let calendar = shipped();
        let deadline = calendar.deadline(&DeadlineRequest::new(received, DeadlineRule::WorkingDays { days })).expect("deadline");
        let counted = calendar.working_minutes_between(deadline.counting_from, deadline.due).expect("count");
        prop_assert_eq!(counted, i64::from(days) * i64::from(calendar.hours().day_minutes()));
    }

    #[test]
    fn deadlines_never_land_on_a_day_off_or_outside_hours(received in any_instant(), days in 0u32..20, hours in 1u32..40, kind in 0u8..3) {
        let calendar = shipped();
        let rule = match kind {
            0 => DeadlineRule::WorkingDays { days: days.max(1) },
            1 => DeadlineRule::WorkingHours { hours },
            _ => DeadlineRule::Immediate,
        };
        let due = to_local(calendar.due(&DeadlineRequest::new(received, rule)).expect("due"));
        prop_assert!(calendar.is_working_day(due.date()).expect("in range"), "{due}");
        let minute = due.time().signed_duration_since(chrono::NaiveTime::MIN).num_minutes() as u32;
        prop_assert!(calendar.hours().sessions().iter().any(|(a, b)| *a < minute && minute <= *b), "{due}");
        prop_assert!(due >= to_local(received));
    }

    #[test]
    fn pauses_never_shorten_a_deadline(received in any_instant(), days in 1u32..15, pause_start in 0i64..20_000, pause_length in 0i64..20_000) {
        let calendar = shipped();
        let plain = DeadlineRequest::new(received, DeadlineRule::WorkingDays { days });
        let mut paused = plain.clone();
        let from = received + Duration::minutes(pause_start);
        paused.pauses.push((from, from + Duration::minutes(pause_length)));
        let without = calendar.due(&plain).expect("due");
        let with = calendar.due(&paused).expect("due");
        prop_assert!(with >= without);
        // And the extension is exactly the working time paused between the start of counting
        // and the (new) due instant.
        let counting_from = calendar.deadline(&plain).expect("deadline").counting_from;
        let paused_minutes = calendar.working_minutes_between(from.max(counting_from), (from + Duration::minutes(pause_length)).min(with)).expect("count");
        let counted = calendar.working_minutes_between(counting_from, with).expect("count");
        prop_assert_eq!(counted - paused_minutes, i64::from(days) * i64::from(calendar.hours().day_minutes()));
    }
}

#[test]
fn agencies_may_keep_other_hours() {
    let files: Vec<(String, String)> = vec![(
        "working-hours.toml".into(),
        "[default]\nsessions = [\"07:00-11:30\", \"13:30-17:00\"]\n\n[[agency]]\ncode = \"000.04.61.H19\"\nsessions = [\"07:30-11:30\", \"13:00-17:00\"]\n".into(),
    )];
    let set = CalendarSet::from_files(&files).expect("valid");
    let own = set.for_agency(Some("000.04.61.H19")).expect("calendar");
    assert_eq!(own.hours().describe(), "07:30–11:30, 13:00–17:00");
    assert_eq!(
        set.for_agency(None)
            .expect("calendar")
            .hours()
            .day_minutes(),
        480
    );
    let received = parse_instant("2026-03-02T11:00").expect("instant");
    let due = own
        .due(&DeadlineRequest::new(
            received,
            DeadlineRule::WorkingHours { hours: 1 },
        ))
        .expect("due");
    assert_eq!(to_local(due).to_string(), "2026-03-02 13:30:00");

    let bad = vec![(
        "working-hours.toml".into(),
        "[default]\nsessions = [\"07:00-11:30\"]\n\n[[agency]]\ncode = \"000.04.61.H19\"\nsessions = [\"13:00-11:00\"]\n".into(),
    )];
    let err = CalendarSet::from_files(&bad).err().expect("invalid");
    assert!(
        err.to_string().contains(
            "working-hours.toml:6: ca làm việc “13:00-11:00” phải kết thúc sau khi bắt đầu"
        ),
        "{err}"
    );
}
