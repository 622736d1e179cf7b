//! Days and whole months. The daily sums of the reports are also kept by month, so that a long
//! period reads one row per commune and field a month, and the daily rows only for the days at
//! its ends: a province-year is 12 rows per commune and field instead of 365.

use chrono::{Datelike, NaiveDate};

/// A run of days cut into the whole calendar months it covers and the days left at its ends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaysAndMonths {
    /// Runs of days outside the whole months, both ends included: at most one before them and
    /// one after (or the whole run when it holds no whole month).
    pub days: Vec<(NaiveDate, NaiveDate)>,
    /// The first and the last whole month, each given by its first day.
    pub months: Option<(NaiveDate, NaiveDate)>,
}

/// The first day of the month of `day`.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn next_month(month: NaiveDate) -> Option<NaiveDate> {
    month.checked_add_months(chrono::Months::new(1))
}

/// Cuts the days `from..=to` into whole months and the days around them; empty when `to` is
/// before `from`.
pub fn split_into_months(from: NaiveDate, to: NaiveDate) -> DaysAndMonths {
    if to < from {
        return DaysAndMonths::default();
    }
    let first_whole = if from.day() == 1 {
        Some(from)
    } else {
        next_month(month_of(from))
    };
    // The last day of the last whole month: `to` itself when it ends its month.
    let last_whole_end = match next_month(month_of(to)) {
        Some(next) if next.pred_opt() == Some(to) => Some(to),
        _ => month_of(to).pred_opt(),
    };
    match (first_whole, last_whole_end) {
        (Some(first), Some(last_end)) if first <= last_end => {
            let mut days = Vec::new();
            if let Some(before) = first.pred_opt().filter(|_| from < first) {
                days.push((from, before));
            }
            if let Some(after) = last_end.succ_opt().filter(|_| last_end < to) {
                days.push((after, to));
            }
            DaysAndMonths {
                days,
                months: Some((first, month_of(last_end))),
            }
        }
        _ => DaysAndMonths {
            days: vec![(from, to)],
            months: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_year_is_twelve_months() {
        assert_eq!(
            split_into_months(day(2025, 1, 1), day(2025, 12, 31)),
            DaysAndMonths {
                days: vec![],
                months: Some((day(2025, 1, 1), day(2025, 12, 1)))
            }
        );
    }

    #[test]
    fn ends_outside_whole_months_are_days() {
        assert_eq!(
            split_into_months(day(2024, 2, 10), day(2024, 5, 3)),
            DaysAndMonths {
                days: vec![
                    (day(2024, 2, 10), day(2024, 2, 29)),
                    (day(2024, 5, 1), day(2024, 5, 3))
                ],
                months: Some((day(2024, 3, 1), day(2024, 4, 1)))
            }
        );
        assert_eq!(
            split_into_months(day(2025, 3, 2), day(2025, 3, 30)).days,
            vec![(day(2025, 3, 2), day(2025, 3, 30))]
        );
        assert_eq!(
            split_into_months(day(2025, 3, 2), day(2025, 3, 1)),
            DaysAndMonths::default()
        );
    }

    proptest::proptest! {
        /// Every day of the run is counted once, by a day range or a whole month, and no other.
        #[test]
        fn every_day_once(start in 0i64..4000, length in 0i64..800) {
            let from = day(2020, 1, 1) + chrono::Duration::days(start);
            let to = from + chrono::Duration::days(length);
            let split = split_into_months(from, to);
            let mut covered: Vec<NaiveDate> = Vec::new();
            for (a, b) in &split.days {
                proptest::prop_assert!(a <= b);
                covered.extend(a.iter_days().take_while(|d| d <= b));
            }
            if let Some((first, last)) = split.months {
                proptest::prop_assert!(first.day() == 1 && last.day() == 1 && first <= last);
                let end = next_month(last).expect("month");
                covered.extend(first.iter_days().take_while(|d| *d < end));
            }
            covered.sort();
            let expected: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
            proptest::prop_assert_eq!(covered, expected);
            proptest::prop_assert!(split.days.len() <= 2);
        }
    }
}
