//! Official yearly notices (`data/calendar/YEAR.toml`) and agency-specific days off: they override
//! the rule for the occasions they name. The format is described in `data/calendar/README.md`.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use super::holidays::Occasion;
use super::lunar::{FIRST_YEAR, LAST_YEAR};
use crate::agency::is_valid_agency_code;
use crate::datafile::{DataError, DataFile, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// An official holiday day of an occasion.
    Holiday,
    /// A day off replacing a holiday that fell on a weekly rest day.
    Substitute,
    /// Another weekday off (a swap, or an agency's own day off).
    DayOff,
    /// A Saturday or Sunday that is worked (the other half of a swap).
    WorkingDay,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDay {
    pub date: NaiveDate,
    pub kind: NoticeKind,
    pub occasion: Option<Occasion>,
    pub reason: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub file: String,
    pub year: i32,
    pub source: String,
    /// `None`: nationwide; otherwise the agency code it applies to.
    pub agency: Option<String>,
    pub days: Vec<NoticeDay>,
}

impl Notice {
    /// The occasions whose holidays this notice fixes (the rule is not used for them).
    pub fn fixed_occasions(&self) -> Vec<Occasion> {
        let mut occasions: Vec<Occasion> = self
            .days
            .iter()
            .filter(|d| d.kind == NoticeKind::Holiday)
            .filter_map(|d| d.occasion)
            .collect();
        occasions.sort();
        occasions.dedup();
        occasions
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    year: i32,
    source: String,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    day: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDay {
    date: String,
    #[serde(default)]
    until: Option<String>,
    kind: NoticeKind,
    #[serde(default)]
    occasion: Option<Occasion>,
    #[serde(default)]
    reason: Option<String>,
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Parses and checks one notice file; every problem is reported with its line.
pub fn parse_notice(file_name: &str, source: &str) -> Result<Notice, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: RawNotice = file.parse_toml()?;
    let mut problems: Vec<Problem> = Vec::new();
    let header_line = |key: &str| {
        source
            .lines()
            .position(|l| l.trim_start().starts_with(key))
            .map_or(1, |i| i + 1)
    };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&raw.year) {
        problems.push(file.problem_at(
            header_line("year"),
            format!(
                "năm {} nằm ngoài phạm vi {FIRST_YEAR}–{LAST_YEAR}",
                raw.year
            ),
        ));
    }
    let source_text = crate::text::clean(&raw.source);
    if source_text.is_empty() {
        problems.push(file.problem_at(
            header_line("source"),
            "cần ghi căn cứ (số, ký hiệu, ngày của văn bản thông báo)".into(),
        ));
    }
    if let Some(code) = &raw.agency {
        if !is_valid_agency_code(code) {
            problems.push(file.problem_at(
                header_line("agency"),
                format!("mã định danh đơn vị `{code}` không hợp lệ"),
            ));
        }
    }
    let mut days: Vec<NoticeDay> = Vec::new();
    for entry in raw.day {
        let span = entry.span();
        let raw_day = match RawDay::deserialize(entry.into_inner()) {
            Ok(d) => d,
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("mục ngày sai: {e}")));
                continue;
            }
        };
        let line = file.problem_in(&span, Some("date"), "").line;
        let mut problem = |key: &str, message: String| {
            problems.push(file.problem_in(&span, Some(key), &message));
        };
        let Ok(first) = NaiveDate::parse_from_str(raw_day.date.trim(), "%Y-%m-%d") else {
            problem(
                "date",
                format!("ngày “{}” không hợp lệ (dạng YYYY-MM-DD)", raw_day.date),
            );
            continue;
        };
        let last = match &raw_day.until {
            None => first,
            Some(text) => match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                Ok(last) if last >= first && (last - first).num_days() < 15 => last,
                Ok(_) => {
                    problem(
                        "until",
                        format!("`until` {text} phải sau `date` và không quá 15 ngày"),
                    );
                    continue;
                }
                Err(_) => {
                    problem(
                        "until",
                        format!("ngày “{text}” không hợp lệ (dạng YYYY-MM-DD)"),
                    );
                    continue;
                }
            },
        };
        if first.year() != raw.year || last.year() != raw.year {
            problem(
                "date",
                format!("ngày {first} không thuộc năm {} của tệp", raw.year),
            );
            continue;
        }
        let needs_occasion = matches!(raw_day.kind, NoticeKind::Holiday | NoticeKind::Substitute);
        if needs_occasion && raw_day.occasion.is_none() {
            problem(
                "kind",
                "ngày nghỉ lễ và nghỉ bù cần `occasion` (dịp lễ nào)".into(),
            );
            continue;
        }
        if raw.agency.is_some() && needs_occasion {
            problem(
                "kind",
                "tệp của một đơn vị chỉ khai báo `day_off` hoặc `working_day`; ngày lễ do thông báo chung quy định".into(),
            );
            continue;
        }
        let reason = match (
            raw_day.reason.as_deref().map(crate::text::clean),
            raw_day.occasion,
        ) {
            (Some(reason), _) if !reason.is_empty() => reason,
            (_, Some(occasion)) => occasion.label().to_string(),
            _ => {
                problem("kind", "cần `reason` (lý do nghỉ hoặc làm bù)".into());
                continue;
            }
        };
        let mut date = first;
        while date <= last {
            let weekend = is_weekend(date);
            match raw_day.kind {
                NoticeKind::WorkingDay if !weekend => problem(
                    "date",
                    format!("{date} không phải thứ Bảy hoặc Chủ nhật nên không thể là ngày làm bù"),
                ),
                NoticeKind::Substitute | NoticeKind::DayOff if weekend => problem(
                    "date",
                    format!("{date} là ngày nghỉ hằng tuần, không cần khai báo nghỉ"),
                ),
                _ => {}
            }
            if let Some(earlier) = days.iter().find(|d| d.date == date) {
                problem(
                    "date",
                    format!("ngày {date} đã được khai báo ở dòng {}", earlier.line),
                );
            } else {
                days.push(NoticeDay {
                    date,
                    kind: raw_day.kind,
                    occasion: raw_day.occasion,
                    reason: reason.clone(),
                    line,
                });
            }
            date = date.succ_opt().unwrap_or(date);
            if date == last && date == first {
                break;
            }
        }
    }
    DataError::or_value(
        problems,
        Notice {
            file: file_name.to_string(),
            year: raw.year,
            source: source_text,
            agency: raw.agency,
            days,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_and_a_range() {
        let notice = parse_notice(
            "2026.toml",
            r#"year = 2026
source = "Thông báo thử"

[[day]]
date = "2026-01-01"
kind = "holiday"
occasion = "new_year"

[[day]]
date = "2026-01-02"
kind = "day_off"
occasion = "new_year"
reason = "Nghỉ hoán đổi, làm bù thứ Bảy 10/01/2026"

[[day]]
date = "2026-01-10"
kind = "working_day"
reason = "Làm bù cho ngày 02/01/2026"

[[day]]
date = "2026-02-16"
until = "2026-02-20"
kind = "holiday"
occasion = "tet"
"#,
        )
        .expect("valid");
        assert_eq!(notice.days.len(), 8);
        assert_eq!(notice.fixed_occasions(), [Occasion::NewYear, Occasion::Tet]);
        assert_eq!(notice.days[3].line, 21);
    }

    #[test]
    fn conflicts_and_impossible_days_are_refused_with_lines() {
        let err = parse_notice(
            "bad.toml",
            r#"year = 2026
source = "x"

[[day]]
date = "2026-01-01"
kind = "holiday"
occasion = "new_year"

[[day]]
date = "2026-01-01"
kind = "day_off"
reason = "trùng"

[[day]]
date = "2026-01-07"
kind = "working_day"
reason = "thứ Tư"

[[day]]
date = "2026-02-31"
kind = "day_off"
reason = "không có ngày này"

[[day]]
date = "2025-12-31"
kind = "day_off"
reason = "năm khác"
"#,
        )
        .expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("bad.toml:10: ngày 2026-01-01 đã được khai báo ở dòng 5"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:15: 2026-01-07 không phải thứ Bảy"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:20: ngày “2026-02-31” không hợp lệ"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:25: ngày 2025-12-31 không thuộc năm 2026"),
            "{text}"
        );
        assert_eq!(err.problems.len(), 4, "{text}");
    }
}
