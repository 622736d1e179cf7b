//! The "Thời gian" column of a reform plan's appendix as a schedule: when a task is due and in
//! which quarters its lead unit reports on it. Unknown phrases are errors, never guesses.

use serde::Serialize;

use crate::text::fold;

/// When a task is to be carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// "Thường xuyên": all year; reported every quarter.
    Ongoing,
    /// "Quý III/2025", "Quý III-IV/2025": due by the end of the last quarter.
    Quarters { year: i32, first: u8, last: u8 },
    /// "Tháng 9/2025", "Tháng 9-12/2025".
    Months { year: i32, first: u8, last: u8 },
    /// "Năm 2025".
    Year { year: i32 },
    /// "Trước ngày 15/12/2025": a deadline the chairman sets on an assignment.
    By { due: chrono::NaiveDate },
    /// "Hàng năm": once a year, in the annual report.
    Annual,
    /// "Định kỳ trong năm": periodically within the year; reported every quarter.
    Periodic,
    /// "Theo Chương trình công tác đã phê duyệt": when the approved work programme sets it.
    WorkProgramme,
    /// "Theo lộ trình phê duyệt", "Theo đề án chuyển đổi số của tỉnh": follows another plan.
    Roadmap { of: String },
    /// "Khi có quy định, hướng dẫn của Bộ ngành Trung ương": waits for a trigger.
    Trigger { when: String },
}

fn roman_or_digit(text: &str) -> Option<u8> {
    match text.trim() {
        "i" | "1" => Some(1),
        "ii" | "2" => Some(2),
        "iii" | "3" => Some(3),
        "iv" | "4" => Some(4),
        _ => None,
    }
}

/// "iii-iv/2025", "iii, iv nam 2025", "3/2025" (folded) → (first, last, year).
fn range_and_year(rest: &str, item: impl Fn(&str) -> Option<u8>) -> Option<(u8, u8, i32)> {
    let (items, year) = rest
        .rsplit_once('/')
        .or_else(|| rest.rsplit_once(" nam "))?;
    let year: i32 = year.trim().parse().ok()?;
    let parts: Vec<u8> = items
        .split(['-', ',', '–'])
        .map(|p| item(p.trim()))
        .collect::<Option<_>>()?;
    let (first, last) = (*parts.first()?, *parts.last()?);
    (first <= last && (2000..=2100).contains(&year)).then_some((first, last, year))
}

const KNOWN: &str =
    "Thường xuyên; Quý III/2025; Quý III-IV/2025; Tháng 9/2025; Năm 2025; Hàng năm; \
Trước ngày 15/12/2025; Định kỳ trong năm; Theo Chương trình công tác đã phê duyệt; Theo lộ trình phê duyệt; \
Theo đề án …; Theo hướng dẫn của …; Khi có quy định, hướng dẫn của …";

impl Schedule {
    /// Reads a time phrase of the plan; an unknown phrase is an error that names it.
    pub fn parse(phrase: &str) -> Result<Schedule, String> {
        let original = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        let folded = fold(&original);
        let unknown =
            || format!("thời gian “{original}” không hiểu được (dùng một trong: {KNOWN})");
        let schedule = match folded.as_str() {
            "thuong xuyen" => Schedule::Ongoing,
            "hang nam" => Schedule::Annual,
            "dinh ky trong nam" | "dinh ky" => Schedule::Periodic,
            "theo chuong trinh cong tac da phe duyet" => Schedule::WorkProgramme,
            _ if folded.starts_with("quy ") => {
                let (first, last, year) =
                    range_and_year(&folded[4..], roman_or_digit).ok_or_else(unknown)?;
                if last > 4 {
                    return Err(unknown());
                }
                Schedule::Quarters { year, first, last }
            }
            _ if folded.starts_with("thang ") => {
                let (first, last, year) = range_and_year(&folded[6..], |m| {
                    m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))
                })
                .ok_or_else(unknown)?;
                Schedule::Months { year, first, last }
            }
            _ if folded.starts_with("nam ") => Schedule::Year {
                year: folded[4..].trim().parse().map_err(|_| unknown())?,
            },
            _ if folded.starts_with("truoc ngay ") => Schedule::By {
                due: chrono::NaiveDate::parse_from_str(folded[11..].trim(), "%d/%m/%Y")
                    .map_err(|_| unknown())?,
            },
            _ if folded.starts_with("khi co ") => Schedule::Trigger {
                when: original.clone(),
            },
            _ if folded.starts_with("theo huong dan") => Schedule::Trigger {
                when: original.clone(),
            },
            _ if folded.starts_with("theo lo trinh") || folded.starts_with("theo de an") => {
                Schedule::Roadmap {
                    of: original.clone(),
                }
            }
            _ => return Err(unknown()),
        };
        Ok(schedule)
    }

    /// The quarters (1–4) of `year` in which the lead unit reports progress: every quarter for
    /// ongoing and periodic work and for work that follows a programme or a roadmap; the
    /// quarters a dated task spans; the fourth (annual report) for yearly tasks; none while a
    /// task waits for its trigger.
    pub fn reporting_quarters(&self, year: i32) -> Vec<u8> {
        let quarter_of = |month: u8| (month - 1) / 3 + 1;
        match self {
            Schedule::Ongoing
            | Schedule::Periodic
            | Schedule::WorkProgramme
            | Schedule::Roadmap { .. } => vec![1, 2, 3, 4],
            Schedule::Quarters {
                year: y,
                first,
                last,
            } if *y == year => (*first..=*last).collect(),
            Schedule::Months {
                year: y,
                first,
                last,
            } if *y == year => (quarter_of(*first)..=quarter_of(*last)).collect(),
            Schedule::Year { year: y } if *y == year => vec![4],
            Schedule::Annual => vec![4],
            _ => Vec::new(),
        }
    }

    /// The last day of a dated task (the end of its last quarter or month), if it has one.
    pub fn due(&self) -> Option<chrono::NaiveDate> {
        let end_of_month = |year: i32, month: u8| {
            chrono::NaiveDate::from_ymd_opt(year, u32::from(month), 1)?
                .checked_add_months(chrono::Months::new(1))?
                .pred_opt()
        };
        match self {
            Schedule::Quarters { year, last, .. } => end_of_month(*year, last * 3),
            Schedule::Months { year, last, .. } => end_of_month(*year, *last),
            Schedule::Year { year } => end_of_month(*year, 12),
            Schedule::By { due } => Some(*due),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        let roman = |q: u8| ["I", "II", "III", "IV"][usize::from(q.clamp(1, 4) - 1)];
        match self {
            Schedule::Ongoing => "Thường xuyên".into(),
            Schedule::Quarters { year, first, last } if first == last => {
                format!("Quý {}/{year}", roman(*first))
            }
            Schedule::Quarters { year, first, last } => {
                format!("Quý {}-{}/{year}", roman(*first), roman(*last))
            }
            Schedule::Months { year, first, last } if first == last => {
                format!("Tháng {first}/{year}")
            }
            Schedule::Months { year, first, last } => format!("Tháng {first}-{last}/{year}"),
            Schedule::Year { year } => format!("Năm {year}"),
            Schedule::By { due } => format!("Trước ngày {}", due.format("%d/%m/%Y")),
            Schedule::Annual => "Hàng năm".into(),
            Schedule::Periodic => "Định kỳ trong năm".into(),
            Schedule::WorkProgramme => "Theo Chương trình công tác đã phê duyệt".into(),
            Schedule::Roadmap { of } => of.clone(),
            Schedule::Trigger { when } => when.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plans_phrases_read() {
        let read = |p: &str| Schedule::parse(p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read("Thường xuyên"), Schedule::Ongoing);
        assert_eq!(read("  thường   xuyên "), Schedule::Ongoing);
        let by = read("Trước ngày 15/12/2025");
        let due = chrono::NaiveDate::from_ymd_opt(2025, 12, 15).expect("day");
        assert_eq!(by, Schedule::By { due });
        assert_eq!(
            (by.due(), by.label()),
            (Some(due), "Trước ngày 15/12/2025".into())
        );
        assert!(
            by.reporting_quarters(2025).is_empty(),
            "followed by its deadline"
        );
        assert!(Schedule::parse("Trước ngày 31/02/2025").is_err());
        assert_eq!(
            read("Quý III/2025"),
            Schedule::Quarters {
                year: 2025,
                first: 3,
                last: 3
            }
        );
        assert_eq!(
            read("Quý III-IV/2025"),
            Schedule::Quarters {
                year: 2025,
                first: 3,
                last: 4
            }
        );
        assert_eq!(
            read("Quý 4 năm 2025"),
            Schedule::Quarters {
                year: 2025,
                first: 4,
                last: 4
            }
        );
        assert_eq!(
            read("Tháng 9-12/2025"),
            Schedule::Months {
                year: 2025,
                first: 9,
                last: 12
            }
        );
        assert_eq!(read("Năm 2025"), Schedule::Year { year: 2025 });
        assert_eq!(read("Hàng năm"), Schedule::Annual);
        assert_eq!(read("Định kỳ trong năm"), Schedule::Periodic);
        assert_eq!(
            read("Theo Chương trình công tác đã phê duyệt"),
            Schedule::WorkProgramme
        );
        assert!(matches!(
            read("Khi có quy định, hướng dẫn của Bộ ngành Trung ương"),
            Schedule::Trigger { .. }
        ));
        assert!(matches!(
            read("Theo hướng dẫn của Bộ Nội vụ"),
            Schedule::Trigger { .. }
        ));
        assert!(matches!(
            read("Theo lộ trình phê duyệt"),
            Schedule::Roadmap { .. }
        ));
        assert!(matches!(
            read("Theo đề án chuyển đổi số của tỉnh"),
            Schedule::Roadmap { .. }
        ));
    }

    #[test]
    fn unknown_and_impossible_phrases_are_errors() {
        for bad in [
            "Sớm",
            "Quý V/2025",
            "Quý IV-III/2025",
            "Quý IV//2025",
            "Tháng 13/2025",
            "Quý III",
            "Các đơn vị, cơ quan liên quan",
            "",
        ] {
            let error = Schedule::parse(bad).expect_err(bad);
            assert!(error.contains("không hiểu được"), "{error}");
        }
    }

    #[test]
    fn reporting_quarters_and_due_dates() {
        let read = |p: &str| Schedule::parse(p).expect("phrase");
        assert_eq!(read("Thường xuyên").reporting_quarters(2025), [1, 2, 3, 4]);
        assert_eq!(read("Quý III-IV/2025").reporting_quarters(2025), [3, 4]);
        assert_eq!(
            read("Quý III-IV/2025").reporting_quarters(2026),
            Vec::<u8>::new()
        );
        assert_eq!(read("Tháng 8-10/2025").reporting_quarters(2025), [3, 4]);
        assert_eq!(read("Hàng năm").reporting_quarters(2025), [4]);
        let trigger = read("Khi có quy định, hướng dẫn của Bộ ngành Trung ương");
        assert!(trigger.reporting_quarters(2025).is_empty());
        assert_eq!(
            read("Quý III/2025").due(),
            chrono::NaiveDate::from_ymd_opt(2025, 9, 30)
        );
        assert_eq!(
            read("Tháng 2/2024").due(),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(read("Thường xuyên").due(), None);
        for phrase in ["Quý III-IV/2025", "Quý IV/2025", "Tháng 9/2025", "Hàng năm"] {
            assert_eq!(read(phrase).label(), phrase);
        }
    }
}
