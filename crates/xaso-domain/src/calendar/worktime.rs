//! Which days are worked and during which hours: the rule, official notices and an agency's own
//! days off combined into one calendar per agency.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::holidays::{self, Occasion};
use super::lunar::{FIRST_YEAR, LAST_YEAR};
use super::notice::{Notice, NoticeKind};
use super::CalendarError;
use crate::catalog::parse_clock;
use crate::datafile::{DataError, DataFile, Problem};

/// Working sessions of a day, minutes after midnight, in order and not overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkingHours {
    sessions: Vec<(u32, u32)>,
}

impl Default for WorkingHours {
    /// 07:00–11:30 and 13:30–17:00: eight hours.
    fn default() -> Self {
        WorkingHours {
            sessions: vec![(7 * 60, 11 * 60 + 30), (13 * 60 + 30, 17 * 60)],
        }
    }
}

impl WorkingHours {
    /// From texts like `"07:00-11:30"`.
    pub fn parse(sessions: &[String]) -> Result<WorkingHours, String> {
        let mut parsed = Vec::new();
        for text in sessions {
            let (from, to) = text
                .split_once('-')
                .ok_or_else(|| format!("ca làm việc “{text}” phải có dạng HH:MM-HH:MM"))?;
            let (Some(from), Some(to)) = (parse_clock(from.trim()), parse_clock(to.trim())) else {
                return Err(format!("ca làm việc “{text}” phải có dạng HH:MM-HH:MM"));
            };
            if from >= to {
                return Err(format!(
                    "ca làm việc “{text}” phải kết thúc sau khi bắt đầu"
                ));
            }
            if parsed.last().is_some_and(|(_, end)| *end > from) {
                return Err(format!(
                    "ca làm việc “{text}” chồng lên hoặc đứng trước ca trước"
                ));
            }
            parsed.push((from, to));
        }
        if parsed.is_empty() {
            return Err("cần ít nhất một ca làm việc".into());
        }
        Ok(WorkingHours { sessions: parsed })
    }

    pub fn sessions(&self) -> &[(u32, u32)] {
        &self.sessions
    }

    /// Working minutes in one working day.
    pub fn day_minutes(&self) -> u32 {
        self.sessions.iter().map(|(a, b)| b - a).sum()
    }

    pub fn opening(&self) -> u32 {
        self.sessions[0].0
    }

    pub fn closing(&self) -> u32 {
        self.sessions[self.sessions.len() - 1].1
    }

    pub fn describe(&self) -> String {
        self.sessions
            .iter()
            .map(|(a, b)| format!("{:02}:{:02}–{:02}:{:02}", a / 60, a % 60, b / 60, b % 60))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoursFile {
    default: RawSessions,
    #[serde(default)]
    agency: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSessions {
    sessions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgencyHours {
    code: String,
    sessions: Vec<String>,
}

/// `data/calendar/working-hours.toml`: the default and per-agency working hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursTable {
    pub default: WorkingHours,
    pub agencies: BTreeMap<String, WorkingHours>,
}

impl HoursTable {
    pub fn for_agency(&self, code: Option<&str>) -> &WorkingHours {
        code.and_then(|c| self.agencies.get(c))
            .unwrap_or(&self.default)
    }
}

pub fn parse_hours(file_name: &str, source: &str) -> Result<HoursTable, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: RawHoursFile = file.parse_toml()?;
    let mut problems: Vec<Problem> = Vec::new();
    let default_line = source
        .lines()
        .position(|l| l.trim() == "[default]")
        .map_or(1, |i| i + 2);
    let default = WorkingHours::parse(&raw.default.sessions).unwrap_or_else(|message| {
        problems.push(file.problem_at(default_line, message));
        WorkingHours::default()
    });
    let mut agencies = BTreeMap::new();
    for entry in raw.agency {
        let span = entry.span();
        match RawAgencyHours::deserialize(entry.into_inner()) {
            Err(e) => problems.push(file.problem_in(&span, None, &format!("mục sai: {e}"))),
            Ok(hours) => {
                if !crate::agency::is_valid_agency_code(&hours.code) {
                    problems.push(file.problem_in(
                        &span,
                        Some("code"),
                        &format!("mã định danh `{}` không hợp lệ", hours.code),
                    ));
                } else if agencies.contains_key(&hours.code) {
                    problems.push(file.problem_in(
                        &span,
                        Some("code"),
                        &format!("đơn vị {} đã được khai báo", hours.code),
                    ));
                }
                match WorkingHours::parse(&hours.sessions) {
                    Ok(parsed) => {
                        agencies.insert(hours.code, parsed);
                    }
                    Err(message) => {
                        problems.push(file.problem_in(&span, Some("sessions"), &message))
                    }
                }
            }
        }
    }
    DataError::or_value(problems, HoursTable { default, agencies })
}

/// What a day is for an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    Working,
    WeeklyRest,
    Holiday { occasion: Occasion },
    Substitute { occasion: Occasion },
    DayOff,
    WorkingWeekend,
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Working | DayKind::WorkingWeekend)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DayInfo {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub kind: DayKind,
    /// Why, in Vietnamese: "Tết Nguyên đán", "Nghỉ bù Giỗ Tổ Hùng Vương", "Làm bù cho ngày 02/01".
    pub reason: String,
    /// The notice it comes from, or "Bộ luật Lao động 2019" for the rule.
    pub source: String,
}

const RULE_SOURCE: &str = "Bộ luật Lao động 2019, Điều 111–112 (chưa có thông báo chính thức)";

struct Year {
    first: NaiveDate,
    days: Vec<DayInfo>,
}

/// The working calendar of one agency (or the nationwide one): built lazily year by year, then
/// answered from memory, so that deadline arithmetic is a few array lookups.
pub struct WorkCalendar {
    national: BTreeMap<i32, Notice>,
    own: Vec<Notice>,
    hours: WorkingHours,
    years: Vec<OnceLock<Year>>,
}

impl WorkCalendar {
    /// `notices` may hold notices for any agency; those of other agencies are ignored. Two
    /// nationwide notices for one year, or an agency day that collides with a nationwide one,
    /// are refused with the file and line.
    pub fn new(
        notices: &[Notice],
        agency: Option<&str>,
        hours: WorkingHours,
    ) -> Result<WorkCalendar, DataError> {
        let mut problems = Vec::new();
        let mut national: BTreeMap<i32, Notice> = BTreeMap::new();
        for notice in notices.iter().filter(|n| n.agency.is_none()) {
            if let Some(first) = national.get(&notice.year) {
                problems.push(Problem {
                    file: notice.file.clone(),
                    line: 1,
                    message: format!(
                        "năm {} đã có thông báo chung trong {}",
                        notice.year, first.file
                    ),
                });
            } else {
                national.insert(notice.year, notice.clone());
            }
        }
        let own: Vec<Notice> = notices
            .iter()
            .filter(|n| n.agency.is_some() && n.agency.as_deref() == agency)
            .cloned()
            .collect();
        for notice in &own {
            let Some(common) = national.get(&notice.year) else {
                continue;
            };
            for day in &notice.days {
                if let Some(clash) = common.days.iter().find(|d| d.date == day.date) {
                    problems.push(Problem {
                        file: notice.file.clone(),
                        line: day.line,
                        message: format!(
                            "ngày {} trùng với thông báo chung {} dòng {}",
                            day.date, common.file, clash.line
                        ),
                    });
                }
            }
        }
        let calendar = WorkCalendar {
            national,
            own,
            hours,
            years: (FIRST_YEAR..=LAST_YEAR).map(|_| OnceLock::new()).collect(),
        };
        DataError::or_value(problems, calendar)
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    fn year(&self, year: i32) -> Result<&Year, CalendarError> {
        let index =
            usize::try_from(year - FIRST_YEAR).map_err(|_| CalendarError::OutOfRange(year))?;
        let slot = self
            .years
            .get(index)
            .ok_or(CalendarError::OutOfRange(year))?;
        if let Some(built) = slot.get() {
            return Ok(built);
        }
        let built = self.build_year(year)?;
        Ok(slot.get_or_init(|| built))
    }

    fn build_year(&self, year: i32) -> Result<Year, CalendarError> {
        let mut special: BTreeMap<NaiveDate, (DayKind, String, String)> = BTreeMap::new();
        let notice = self.national.get(&year);
        let fixed = notice.map(Notice::fixed_occasions).unwrap_or_default();
        let by_rule: Vec<(NaiveDate, Occasion)> = holidays::by_rule(year)?
            .into_iter()
            .filter(|(_, occasion)| !fixed.contains(occasion))
            .collect();
        for (date, occasion) in &by_rule {
            special.insert(
                *date,
                (
                    DayKind::Holiday {
                        occasion: *occasion,
                    },
                    occasion.label().to_string(),
                    RULE_SOURCE.to_string(),
                ),
            );
        }
        // Art. 111: a holiday on a weekly rest day is taken on the next working day.
        for (date, occasion) in &by_rule {
            if is_weekend(*date) {
                let mut candidate = *date;
                loop {
                    candidate = candidate
                        .succ_opt()
                        .ok_or(CalendarError::OutOfRange(year))?;
                    if !is_weekend(candidate) && !special.contains_key(&candidate) {
                        break;
                    }
                }
                special.insert(
                    candidate,
                    (
                        DayKind::Substitute {
                            occasion: *occasion,
                        },
                        format!("Nghỉ bù {} ({})", occasion.label(), date.format("%d/%m")),
                        RULE_SOURCE.to_string(),
                    ),
                );
            }
        }
        let notices = notice
            .into_iter()
            .chain(self.own.iter().filter(|n| n.year == year));
        for notice in notices {
            let source = match &notice.agency {
                Some(code) => format!("{} (đơn vị {code})", notice.source),
                None => notice.source.clone(),
            };
            for day in &notice.days {
                let kind = match (day.kind, day.occasion) {
                    (NoticeKind::Holiday, Some(occasion)) => DayKind::Holiday { occasion },
                    (NoticeKind::Substitute, Some(occasion)) => DayKind::Substitute { occasion },
                    (NoticeKind::WorkingDay, _) => DayKind::WorkingWeekend,
                    _ => DayKind::DayOff,
                };
                special.insert(day.date, (kind, day.reason.clone(), source.clone()));
            }
        }
        let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::OutOfRange(year))?;
        let days = first
            .iter_days()
            .take_while(|d| d.year() == year)
            .map(|date| match special.remove(&date) {
                Some((kind, reason, source)) => DayInfo {
                    date,
                    kind,
                    reason,
                    source,
                },
                None if is_weekend(date) => DayInfo {
                    date,
                    kind: DayKind::WeeklyRest,
                    reason: "Nghỉ hằng tuần".to_string(),
                    source: String::new(),
                },
                None => DayInfo {
                    date,
                    kind: DayKind::Working,
                    reason: String::new(),
                    source: String::new(),
                },
            })
            .collect();
        Ok(Year { first, days })
    }

    pub fn day(&self, date: NaiveDate) -> Result<&DayInfo, CalendarError> {
        let year = self.year(date.year())?;
        let index = (date - year.first).num_days() as usize;
        year.days
            .get(index)
            .ok_or(CalendarError::OutOfRange(date.year()))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day(date)?.kind.is_working())
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut day = date;
        loop {
            day = day
                .succ_opt()
                .ok_or(CalendarError::OutOfRange(date.year()))?;
            if self.is_working_day(day)? {
                return Ok(day);
            }
        }
    }

    /// The days of a year that differ from the plain week: weekdays off and worked weekend days.
    pub fn exceptions(&self, year: i32) -> Result<Vec<DayInfo>, CalendarError> {
        Ok(self
            .year(year)?
            .days
            .iter()
            .filter(|d| !matches!(d.kind, DayKind::Working | DayKind::WeeklyRest))
            .cloned()
            .collect())
    }
}

pub(crate) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}
