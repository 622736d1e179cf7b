//! Inspections of a commune's units on administrative reform (kiểm tra CCHC) and the three
//! targets they measure: units inspected (≥ 50 %), findings remedied (100 %), inspections done
//! through the digital environment (50 %).

use chrono::NaiveDate;

use super::InspectionMetric;
use crate::report::Measure;

/// An inspection as the targets need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionFact {
    pub unit_code: String,
    /// When it was carried out; `None` while only planned.
    pub done_on: Option<NaiveDate>,
    pub digital: bool,
    /// For each finding, when it was closed (remedied or referred to the competent level).
    pub findings_closed_on: Vec<Option<NaiveDate>>,
}

/// The value of `metric` for inspections carried out from `from` to `to` (inclusive), among the
/// commune's `units`; findings count as remedied when closed by `to`.
pub fn measure(
    metric: InspectionMetric,
    units: &[String],
    inspections: &[InspectionFact],
    from: NaiveDate,
    to: NaiveDate,
) -> Measure {
    let done: Vec<&InspectionFact> = inspections
        .iter()
        .filter(|i| i.done_on.is_some_and(|d| from <= d && d <= to))
        .collect();
    let count = |n: usize| n as u64;
    match metric {
        InspectionMetric::UnitsInspected => {
            let inspected = units
                .iter()
                .filter(|u| done.iter().any(|i| &i.unit_code == *u))
                .count();
            Measure::share(
                count(inspected),
                count(units.len()),
                "xã chưa khai báo đơn vị trực thuộc",
            )
        }
        InspectionMetric::FindingsRemedied => {
            let findings: Vec<&Option<NaiveDate>> =
                done.iter().flat_map(|i| &i.findings_closed_on).collect();
            let closed = findings
                .iter()
                .filter(|c| c.is_some_and(|d| d <= to))
                .count();
            Measure::share(
                count(closed),
                count(findings.len()),
                "chưa có tồn tại, hạn chế nào qua kiểm tra trong kỳ",
            )
        }
        InspectionMetric::DigitalInspections => Measure::share(
            count(done.iter().filter(|i| i.digital).count()),
            count(done.len()),
            "chưa có cuộc kiểm tra nào được thực hiện trong kỳ",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Rate;
    use proptest::prelude::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).expect("day")
    }

    fn rate(numerator: u64, denominator: u64) -> Measure {
        Measure::Rate(Rate {
            numerator,
            denominator,
        })
    }

    #[test]
    fn the_three_shares() {
        let units: Vec<String> = ["01", "02", "03", "04", "05"].map(String::from).to_vec();
        let inspection =
            |unit: &str, done: Option<NaiveDate>, digital, closed: Vec<Option<NaiveDate>>| {
                InspectionFact {
                    unit_code: unit.into(),
                    done_on: done,
                    digital,
                    findings_closed_on: closed,
                }
            };
        let all = [
            inspection("01", Some(day(3, 10)), true, vec![Some(day(4, 1)), None]),
            inspection("01", Some(day(9, 2)), false, vec![Some(day(12, 20))]),
            inspection("03", Some(day(8, 15)), false, vec![]),
            // Planned only: counts nowhere.
            inspection("04", None, true, vec![None]),
            // Another commune's unit: not among ours.
            inspection("99", Some(day(5, 5)), true, vec![]),
        ];
        let year = |m| measure(m, &units, &all, day(1, 1), day(12, 31));
        assert_eq!(year(InspectionMetric::UnitsInspected), rate(2, 5));
        assert_eq!(year(InspectionMetric::FindingsRemedied), rate(2, 3));
        assert_eq!(year(InspectionMetric::DigitalInspections), rate(2, 4));
        // As of the end of the third quarter the December closure has not happened yet.
        let q3 = |m| measure(m, &units, &all, day(1, 1), day(9, 30));
        assert_eq!(q3(InspectionMetric::FindingsRemedied), rate(1, 3));
        // The first half: one inspection of unit 01, and the other commune's.
        let h1 = |m| measure(m, &units, &all, day(1, 1), day(6, 30));
        assert_eq!(h1(InspectionMetric::UnitsInspected), rate(1, 5));
        assert!(matches!(
            measure(
                InspectionMetric::FindingsRemedied,
                &units,
                &[],
                day(1, 1),
                day(12, 31)
            ),
            Measure::NoData { .. }
        ));
        assert!(matches!(
            measure(
                InspectionMetric::UnitsInspected,
                &[],
                &all,
                day(1, 1),
                day(12, 31)
            ),
            Measure::NoData { .. }
        ));
    }

    proptest! {
        /// Shares never exceed the whole, and a later end never lowers the share remedied of the
        /// same inspections.
        #[test]
        fn shares_are_shares(
            done in proptest::collection::vec((0u8..6, 1u32..=365, any::<bool>(), proptest::collection::vec(proptest::option::of(1u32..=365), 0..4)), 0..12),
            end in 1u32..=365,
        ) {
            let units: Vec<String> = (0..5).map(|u| u.to_string()).collect();
            let ordinal = |n: u32| NaiveDate::from_yo_opt(2025, n).expect("day");
            let all: Vec<InspectionFact> = done
                .into_iter()
                .map(|(u, d, digital, closed)| InspectionFact {
                    unit_code: u.to_string(),
                    done_on: Some(ordinal(d)),
                    digital,
                    findings_closed_on: closed.into_iter().map(|c| c.map(ordinal)).collect(),
                })
                .collect();
            for metric in InspectionMetric::ALL {
                if let Measure::Rate(r) = measure(metric, &units, &all, ordinal(1), ordinal(end)) {
                    prop_assert!(r.numerator <= r.denominator);
                }
            }
            let from = ordinal(1);
            let to = ordinal(end);
            let later = |extra: u32| {
                // Same inspections (those done by `to`), a later closing date.
                let mine: Vec<InspectionFact> = all
                    .iter()
                    .filter(|i| i.done_on.is_some_and(|d| d <= to))
                    .cloned()
                    .collect();
                measure(InspectionMetric::FindingsRemedied, &units, &mine, from, ordinal((end + extra).min(365)))
            };
            if let (Measure::Rate(a), Measure::Rate(b)) = (later(0), later(30)) {
                prop_assert!(a.numerator <= b.numerator && a.denominator == b.denominator);
            }
        }
    }
}
